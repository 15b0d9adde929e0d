/**
 * Commitments: one party's undertaking, in force while the party has accepted it (an entry in its log), has not
 * withdrawn it, and every condition holds.
 *
 * Undertakings: observe a limit, host inspections of a type (a transparency measure), notify under a rule, meet a
 * de-escalation metric.
 *
 * Conditions (all must hold):
 * - `accepted`: that commitment has been accepted and not withdrawn (reciprocity). This is a fact about the logs,
 *   not about the other commitment's conditions, so two commitments may each require the other's acceptance;
 * - `in-force`: that commitment is in force, conditions included. These edges must not form a cycle (the loader
 *   refuses one), or whether a commitment is in force would depend on itself;
 * - `metric-met`: a de-escalation metric is verified as met (and held);
 * - `date`: from and/or until a date.
 */
import { z } from 'zod';
import { Duration, Id, IsoDate, Source } from '../common.js';
import { Text } from './text.js';

export const Undertaking = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('limit'), limit: Id }),
  z.strictObject({ kind: z.literal('host-inspections'), inspection: Id }),
  z.strictObject({ kind: z.literal('notify'), rule: Id }),
  z.strictObject({ kind: z.literal('metric'), metric: Id }),
]);
export type Undertaking = z.infer<typeof Undertaking>;

export const Condition = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('accepted'), commitment: Id }),
  z.strictObject({ kind: z.literal('in-force'), commitment: Id }),
  z.strictObject({ kind: z.literal('metric-met'), metric: Id }),
  z
    .strictObject({ kind: z.literal('date'), from: IsoDate.optional(), until: IsoDate.optional() })
    .refine((c) => c.from !== undefined || c.until !== undefined, { error: 'expected from, until or both' }),
]);
export type Condition = z.infer<typeof Condition>;

export const Commitment = z.strictObject({
  id: Id,
  party: Id,
  name: Text,
  statement: Text,
  undertakes: z.array(Undertaking).min(1, { error: 'expected at least one undertaking' }),
  conditions: z.array(Condition),
  /** A party may always withdraw; with a notice period, the withdrawal takes effect that long after. */
  withdrawal: z.strictObject({ notice: Duration }).optional(),
  source: Source.optional(),
});
export type Commitment = z.infer<typeof Commitment>;
