/**
 * What `regime check` refuses about audiences and recipient keys (issue 14), run by load.ts's cross-check on the
 * elements that passed their own schema: an audience naming an unknown party or one twice; an audience that leaves
 * out a party who writes or must read such entries (a notification rule's parties, an inspection type's inspectors
 * and hosts, the authors an `audiences` rule names, every party when it names none); a `recipient` key that also
 * signs, or whose public key is not an X-Wing key, and a signing key whose public key is one.
 */
import type { Problem } from '../../crypto/errors.js';
import { formatPath } from '../common.js';
import { type Audience, AudienceRule, PUBLIC } from './audience.js';
import type { InspectionType } from './inspections.js';
import type { NotificationRule } from './notifications.js';
import type { Party } from './parties.js';

type Path = (string | number)[];

export interface AudienceCheckInput {
  parties: ReadonlyMap<string, Party>;
  notifications: ReadonlyMap<string, NotificationRule>;
  inspections: ReadonlyMap<string, InspectionType>;
  /** The document's `audiences` list as written (elements checked here against their schema). */
  audiences: unknown;
  /** Every party id the document names (valid or not), so an invalid party is not reported as unknown. */
  knownParties: ReadonlySet<string>;
  /** Where an element of a collection sits in the document. */
  pathOf: (collection: 'parties' | 'notifications' | 'inspections', id: string) => Path;
}

const RECIPIENT_KEY_CHARS = 1624;

export function audienceProblems(input: AudienceCheckInput): Problem[] {
  const problems: Problem[] = [];
  const report = (path: Path, message: string) => problems.push({ path: formatPath(path), message });

  const check = (path: Path, audience: Audience | undefined, mustRead: readonly string[], who: string) => {
    if (audience === undefined || audience === PUBLIC) return;
    const seen = new Set<string>();
    audience.forEach((p, i) => {
      if (seen.has(p)) report([...path, i], `"${p}" is listed twice`);
      seen.add(p);
      if (!input.knownParties.has(p)) report([...path, i], `unknown party "${p}"`);
    });
    const left = [...new Set(mustRead)].filter((p) => !seen.has(p));
    if (left.length) report(path, `leaves out ${left.map((p) => `"${p}"`).join(', ')}, ${who}`);
  };

  for (const [id, n] of input.notifications) {
    // A rule binding `all` binds every participating state (ruleParties in notifications.ts).
    const parties =
      n.parties === 'all'
        ? [...input.parties.values()].filter((p) => p.status === 'party').map((p) => p.id)
        : n.parties;
    check([...input.pathOf('notifications', id), 'audience'], n.audience, parties, 'a party to this rule');
  }
  for (const [id, t] of input.inspections) {
    const parties = t.pairs.flatMap((p) => [p.inspector, p.host]);
    check([...input.pathOf('inspections', id), 'audience'], t.audience, parties, 'an inspector or host of this type');
  }
  if (Array.isArray(input.audiences)) {
    input.audiences.forEach((raw, i) => {
      const parsed = AudienceRule.safeParse(raw);
      if (!parsed.success) return; // the schema reports it
      const rule = parsed.data;
      const at: Path = ['audiences', i];
      (rule.parties ?? []).forEach((p, j) => {
        if (!input.knownParties.has(p)) report([...at, 'parties', j], `unknown party "${p}"`);
      });
      const authors = rule.parties ?? [...input.parties.keys()];
      check([...at, 'audience'], rule.audience, authors, rule.parties ? 'an author it names' : 'a possible author');
    });
  }

  for (const [id, party] of input.parties) {
    party.keys.forEach((key, k) => {
      const kp = [...input.pathOf('parties', id), 'keys', k];
      const recipient = key.roles.includes('recipient');
      if (recipient && key.roles.length > 1) {
        report([...kp, 'roles'], 'a recipient key only receives: it cannot also hold a signing role');
      }
      if (key.publicKey === undefined) return;
      const xwing = key.publicKey.length === RECIPIENT_KEY_CHARS;
      if (recipient && !xwing) report([...kp, 'publicKey'], 'a recipient key is an X-Wing key: 1,216 bytes, base64');
      if (!recipient && xwing) report([...kp, 'publicKey'], 'a signing key is an Ed25519 key: 32 bytes, base64');
    });
  }
  return problems;
}
