/**
 * Consultation mechanisms: how a party raises a concern with another and what must follow, stage by stage, each
 * within its clock. The Vienna Document 2011 Chapter III ¶16 (unusual military activities): a reply within 48
 * hours, then a bilateral meeting within 48 hours of the request, then a joint meeting of the Forum for Security
 * Co-operation and the Permanent Council within 48 hours. New START's Bilateral Consultative Commission (Protocol
 * Part Six): sessions at least twice a year, its agreed statements signed by both parties.
 *
 * A stage's clock runs from the stage before it (from the concern for the first): from the moment that stage's
 * entry counts, or, if it was missed, from its own deadline, so an unanswered concern can still be escalated. The
 * `outcome` (resolved, disputed, referred) closes a consultation at any stage.
 */
import { z } from 'zod';
import { Duration, Id, IsoDate, Source } from '../common.js';
import { Text } from './text.js';

export const ConsultationStage = z.strictObject({
  id: Id,
  name: Text.optional(),
  /** `reply`: the addressee answers in writing; `meeting`: the parties meet (a record of attendance). */
  kind: z.enum(['reply', 'meeting']),
  /** How long after the stage before it (or the concern) this stage is due. */
  within: Duration,
  /** Whose stage it is, and so whom a missed stage concerns (default: the addressee). */
  by: z.enum(['addressee', 'raiser']).optional(),
});
export type ConsultationStage = z.infer<typeof ConsultationStage>;

export const ConsultationMechanism = z.strictObject({
  id: Id,
  name: Text,
  /** The parties that may raise concerns under it and must answer them. */
  parties: z.array(Id).min(2, { error: 'expected at least two parties' }),
  stages: z.array(ConsultationStage),
  /** Regular sessions (the BCC: at least twice a year), counted per period from `from`. */
  sessions: z
    .strictObject({ atLeast: z.int().positive(), every: Duration, from: IsoDate, until: IsoDate.optional() })
    .optional(),
  /** The outcome (and a session's agreed statements) must be countersigned by the other party. */
  countersigned: z.literal(true).optional(),
  source: Source.optional(),
});
export type ConsultationMechanism = z.infer<typeof ConsultationMechanism>;
