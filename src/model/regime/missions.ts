/**
 * Inspection missions: the logistics around an inspection type's requests (New START Protocol Part Five and the
 * Annex on Inspection Activities): inspector and aircrew lists the host may object to within a period, the
 * notification of arrival at the point of entry (32 hours before the estimated time), site designation after
 * arrival, the pre-inspection briefing, and what a refusal, a postponement or force majeure does to the quota.
 * Kept apart from `inspections` so that regimes written before it keep their hash.
 */
import { z } from 'zod';
import { Duration, Id, Source } from '../common.js';

const QuotaEffect = z.enum(['consumed', 'not-consumed']);

export const MissionRules = z.strictObject({
  /** The inspection type (an `inspections` id) these rules apply to; the id of the rules is the type's. */
  id: Id,
  /** How long the host has to object to names on the lists. */
  objectionWithin: Duration,
  /** How long before the estimated time of arrival at the point of entry the arrival must be notified. */
  arrivalNotice: Duration,
  /** What each way of not conducting a requested inspection does to the inspecting party's quota. */
  quota: z.strictObject({ refused: QuotaEffect, postponed: QuotaEffect, forceMajeure: QuotaEffect }),
  source: Source.optional(),
});
export type MissionRules = z.infer<typeof MissionRules>;
