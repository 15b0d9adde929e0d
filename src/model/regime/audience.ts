/**
 * Who may read an entry's body (issue 14). `public`: everyone, the body in the clear; a list of parties: the body
 * is sealed to them (docs/MODEL.md, Confidentiality), and anyone else sees only the public envelope.
 *
 * The regime gives an audience to notification rules and inspection types (`audience` on each) and to entry types
 * by author (`audiences`: New START data `{types: [declaration], parties: [us, ru], audience: [us, ru]}`); an entry
 * may narrow it, never widen it. Absent anywhere: `public`, so regimes written before keep their meaning and hash.
 */
import { z } from 'zod';
import { Id } from '../common.js';

export const PUBLIC = 'public';

export const Audience = z.union([
  z.literal(PUBLIC),
  z.array(Id).min(1, { error: 'expected at least one party, or "public"' }),
]);
export type Audience = z.infer<typeof Audience>;

/**
 * Entry types whose bodies may be sealed. The rest stay public by nature: the regime's signature, audience keys
 * and complaints must be readable by every verifier, and commitments, random draws, consultations, proposals and
 * votes are joint public facts. A mission step goes with its inspection (a bilateral New START inspection's steps
 * are bilateral too), and a party's assessment of an incident may go to the incident's audience only.
 */
export const CONFIDENTIAL_TYPES = [
  'declaration',
  'declaration-opening',
  'notification',
  'acknowledgement',
  'inspection-request',
  'inspection-report',
  'observation',
  'mission',
  'assessment',
] as const;
export type ConfidentialType = (typeof CONFIDENTIAL_TYPES)[number];

/** The audience of entries of `types` authored by `parties` (absent: by any party). */
export const AudienceRule = z.strictObject({
  types: z.array(z.enum(CONFIDENTIAL_TYPES)).min(1, { error: 'expected at least one entry type' }),
  parties: z.array(Id).min(1).optional(),
  audience: Audience,
});
export type AudienceRule = z.infer<typeof AudienceRule>;

/** Whether `narrow` reads no more than `wide`. */
export function withinAudience(narrow: Audience, wide: Audience): boolean {
  if (wide === PUBLIC) return true;
  if (narrow === PUBLIC) return false;
  return narrow.every((p) => wide.includes(p));
}

/**
 * Whether two audiences as written list the same parties in the same order (what keys the entries' audience keys
 * and counts: a fold compares, rather than joins into a new string, for each sealed entry).
 */
export function sameAudienceAsWritten(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** Whether `party` may read what `audience` may. */
export function inAudience(audience: Audience, party: string): boolean {
  return audience === PUBLIC || audience.includes(party);
}
