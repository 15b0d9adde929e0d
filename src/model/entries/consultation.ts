/**
 * Consultations (the regime's `consultations` mechanisms): a `concern` opens one, each later step names the step it
 * follows (`previous`, the concern for the first), so the chain of a consultation is in its entries themselves and
 * can be checked from the entries it names: a `reply` or a `meeting` at one of the mechanism's stages, in their
 * order, and an `outcome` (resolved, disputed, referred) that closes it. A `session` is a regular meeting of the
 * mechanism (the BCC's), with its agenda and agreed statements.
 *
 * An outcome or a session's agreed statements, where the mechanism wants both sides' word, carry the other party's
 * countersignature: `Ed25519(seed, "detente/consultation-countersignature/v1\n" ‖ JCS({party, body}))` over the body
 * without the countersignature, by a declarant key of the other party, made on that party's own node.
 */
import { z } from 'zod';
import type { Problem } from '../../crypto/errors.js';
import { formatPath, Id, Timestamp } from '../common.js';
import { regimeIndex } from '../regime/index.js';
import type { Regime } from '../regime/schema.js';
import { Text } from '../regime/text.js';
import { Countersignature } from './inspection.js';
import { EntryRef } from './refs.js';

export const CONSULTATION_OUTCOMES = ['resolved', 'disputed', 'referred'] as const;

const Attendance = z.array(Id).min(1, { error: 'expected at least one party' });

export const ConsultationBody = z.discriminatedUnion('step', [
  z.strictObject({
    step: z.literal('concern'),
    mechanism: Id,
    addressee: Id,
    statement: Text,
    /** The incident the concern is about, named by one of its findings' ids (as an assessment names it). */
    incident: z.string().min(1).max(512).optional(),
  }),
  z.strictObject({ step: z.literal('reply'), previous: EntryRef, stage: Id, statement: Text }),
  z.strictObject({
    step: z.literal('meeting'),
    previous: EntryRef,
    stage: Id,
    held: Timestamp,
    attendance: Attendance,
    statement: Text.optional(),
  }),
  z.strictObject({
    step: z.literal('outcome'),
    previous: EntryRef,
    outcome: z.enum(CONSULTATION_OUTCOMES),
    statement: Text,
    countersignature: Countersignature.optional(),
  }),
  z.strictObject({
    step: z.literal('session'),
    mechanism: Id,
    held: Timestamp,
    attendance: Attendance,
    agenda: z.array(Text).min(1, { error: 'expected at least one agenda item' }),
    agreedStatements: z.array(Text).optional(),
    countersignature: Countersignature.optional(),
  }),
]);
export type ConsultationBody = z.infer<typeof ConsultationBody>;

/** A consultation entry as the chain check needs it: its author and body. */
export interface ConsultationStep {
  party: string;
  body: ConsultationBody;
}

/**
 * What a consultation step's chain says about it, from the entries it names (`lookup` gives the party and body of
 * a consultation entry, undefined for any other entry): the step it follows must be a step of a consultation that
 * is still open, a reply or meeting must come at a later stage of the mechanism than the step before it, a reply is
 * the addressee's, an outcome or a meeting is by one of the two parties, and an outcome's countersignature (checked
 * for its signature by verifyEntry) is by the other one. Returns every problem with its path; none for a concern or
 * a session, which name no earlier step. What depends on the whole history (a second step following the same one)
 * is the engine's.
 */
export function consultationProblems(
  regime: Regime,
  step: ConsultationStep,
  lookup: (ref: EntryRef) => ConsultationStep | undefined,
): Problem[] {
  const b = step.body;
  if (b.step === 'concern' || b.step === 'session') return [];
  const problems: Problem[] = [];
  const report = (path: (string | number)[], message: string) =>
    problems.push({ path: formatPath(['body', ...path]), message });
  // Walk back to the concern (a chain is a handful of steps; the bound only guards against a cycle of forgeries).
  const chain: ConsultationStep[] = [];
  let at: ConsultationStep | undefined = lookup(b.previous);
  while (at && chain.length < 64) {
    chain.push(at);
    if (at.body.step === 'concern' || at.body.step === 'session') break;
    at = lookup(at.body.previous);
  }
  const concern = chain[chain.length - 1];
  if (concern?.body.step !== 'concern') {
    report(['previous'], 'not a step of a consultation (expected a concern, reply or meeting of one)');
    return problems;
  }
  const before = chain[0]!;
  if (before.body.step === 'outcome') {
    report(['previous'], 'the consultation is closed: an outcome was recorded');
    return problems;
  }
  const mechanism = regimeIndex(regime).consultations.get(concern.body.mechanism);
  if (!mechanism) return problems; // the concern's own check names the mechanism
  const raiser = concern.party;
  const addressee = concern.body.addressee;
  if (step.party !== raiser && step.party !== addressee) {
    report([], `"${step.party}" is neither the party that raised the concern ("${raiser}") nor its addressee`);
  }
  if (b.step === 'outcome') {
    const cs = b.countersignature;
    const other = step.party === raiser ? addressee : raiser;
    const holder = cs === undefined ? undefined : regimeIndex(regime).keys.get(cs.key)?.party.id;
    if (cs !== undefined && holder !== other)
      report(['countersignature', 'key'], `expected a key of "${other}", the other party, not of "${holder ?? '?'}"`);
    if (cs === undefined && mechanism.countersigned)
      report(['countersignature'], `mechanism "${mechanism.id}" wants the outcome countersigned by "${other}"`);
    return problems;
  }
  const index = mechanism.stages.findIndex((s) => s.id === b.stage);
  if (index < 0) {
    report(['stage'], `mechanism "${mechanism.id}" has no stage "${b.stage}"`);
    return problems;
  }
  const stage = mechanism.stages[index]!;
  if (stage.kind !== b.step) report(['stage'], `stage "${stage.id}" is a ${stage.kind}, not a ${b.step}`);
  const last = before.body.step === 'concern' ? -1 : mechanism.stages.findIndex((s) => s.id === stageOf(before));
  if (index <= last) {
    report(['stage'], `stage "${stage.id}" is out of order: it follows stage "${stageOf(before)}" already recorded`);
  }
  const owner = stage.by === 'raiser' ? raiser : addressee;
  if (b.step === 'reply' && step.party !== owner)
    report(['stage'], `stage "${stage.id}" is "${owner}"'s to record, not "${step.party}"'s`);
  return problems;
}

function stageOf(s: ConsultationStep): string | undefined {
  return s.body.step === 'reply' || s.body.step === 'meeting' ? s.body.stage : undefined;
}
