/** A party node directory for the benchmarks (the scenario regime; the other parties' keys are random). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBase64 } from '../src/crypto/bytes.js';
import { randomSeed } from '../src/crypto/ed25519.js';
import { parseRegime } from '../src/model/index.js';
import { importRegimeKeys, initNodeDir } from '../src/node/config.js';
import { UserStore } from '../src/node/users.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const REGIME = join(ROOT, 'scenarios', 'european-security-2022', 'regime.yaml');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * The scenario regime in the clear (no recipient keys, no audiences: issue 14), as the tests other than
 * confidentiality's use it (test/model-helpers.ts scenarioText): these benchmarks measure entries in the clear. The
 * benchmarks run nodes for us, ru and nato at most: a checkpoint meets its policy with those two witnesses
 * (`witnessQuorum: 2`, as test/helpers/nodes.ts), not all five of the six-party scenario.
 */
export function regimeText(): string {
  const text = readFileSync(REGIME, 'utf8')
    .replace(/^ +- \{ id: [a-z]+-recipient, roles: \[recipient\] \}\n/gm, '')
    .replace(/^ {4}audience: \[[a-z, ]+\]\n/gm, '')
    .replace(/^# --- Who reads what[\s\S]*?^audiences:\n(?: {2}- .*\n)+/m, '');
  return `${text.trimEnd()}\n\nwitnessQuorum: 2\n`;
}

/** Random public keys for every signing key of the regime's parties other than `present` (they run no node here). */
export function otherPartyKeys(text: string, present: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const p of parseRegime(text, { allowMissingKeys: true }).parties) {
    if (present.includes(p.id)) continue;
    for (const k of p.keys)
      if (!k.roles.includes('recipient')) keys[k.id] = toBase64(nodeSuite.ed25519.publicKey(randomSeed()));
  }
  return keys;
}

/**
 * Creates the node of `party` in `dir` with `users` declarant users (each is one client of the rate limits: 12,000
 * requests a minute); returns the first one's token, and all of them in `tokens`.
 */
export function benchNode(dir: string, party = 'us', users = 1, tokens: string[] = []): string {
  const text = regimeText();
  initNodeDir(dir, { party, regimeText: text }, nodeSuite);
  importRegimeKeys(dir, otherPartyKeys(text, [party]));
  const store = UserStore.open(join(dir, 'users.sqlite'), nodeSuite);
  try {
    for (let i = 0; i < users; i++)
      tokens.push(store.add(i === 0 ? 'bench' : `bench-${i}`, party, ['declarant', 'inspector']).token);
    return tokens[0]!;
  } finally {
    store.close();
  }
}
