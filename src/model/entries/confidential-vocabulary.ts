/**
 * The regime's names in an `audience-key` or `sealed` entry: the audience's parties exist, include the author and
 * appear once; an audience key is wrapped exactly once for each of them, to a `recipient` key that party holds.
 * Whether a sealed entry's audience is within what the regime allows its body needs the body (confidential.ts).
 */
import type { Problem } from '../../crypto/errors.js';
import { formatPath } from '../common.js';
import { regimeIndex } from '../regime/index.js';
import type { Regime } from '../regime/schema.js';
import type { EnvelopeOf } from './index.js';

export function confidentialProblems(regime: Regime, envelope: EnvelopeOf<'audience-key' | 'sealed'>): Problem[] {
  const ix = regimeIndex(regime);
  const problems: Problem[] = [];
  const report = (path: (string | number)[], message: string) => problems.push({ path: formatPath(path), message });
  const audience = envelope.body.audience;
  const seen = new Set<string>();
  audience.forEach((p, i) => {
    if (seen.has(p)) report(['body', 'audience', i], `"${p}" is listed twice`);
    else if (!ix.parties.has(p)) report(['body', 'audience', i], `unknown party "${p}" (not in regime "${regime.id}")`);
    seen.add(p);
  });
  if (!seen.has(envelope.party)) {
    report(['body', 'audience'], `leaves out the author "${envelope.party}": a party always reads its own entries`);
  }
  if (envelope.type === 'audience-key') {
    const wrapped = new Set<string>();
    const wrapProblem = (recipient: string): string | undefined => {
      const held = ix.keys.get(recipient);
      if (!held) return `unknown key "${recipient}" (not in regime "${regime.id}")`;
      if (!held.key.roles.includes('recipient')) return `key "${recipient}" is not a recipient key`;
      if (!seen.has(held.party.id)) return `key "${recipient}" is "${held.party.id}"'s, not the audience's`;
      if (wrapped.has(held.party.id)) return `a second key for "${held.party.id}"`;
      wrapped.add(held.party.id);
      return undefined;
    };
    envelope.body.wraps.forEach((w, i) => {
      const problem = wrapProblem(w.recipient);
      if (problem) report(['body', 'wraps', i, 'recipient'], problem);
    });
    for (const p of seen) {
      if (ix.parties.has(p) && !wrapped.has(p)) report(['body', 'wraps'], `no key wrapped for "${p}"`);
    }
  }
  return problems;
}
