/**
 * Inspection missions, step by step around a request (the regime's `missions` rules): the inspecting party's
 * inspector and aircrew `lists` and the host's `objection` to names on them; the `arrival` notification (point of
 * entry, estimated time); the `designation` of the site after arrival; the host's `briefing` (site diagrams as
 * blobs, the equipment the team brings); and the host's `refusal`, `postponement` or `force-majeure`, each with its
 * effect on the quota as the regime states it. At a site on another party's territory, that host nation's
 * `consent`, which needs no mission rules: any inspection there wants it before the visit. The report itself stays an `inspection-report`, countersigned by
 * the escort from the host's own node.
 */
import { z } from 'zod';
import { Id, Timestamp } from '../common.js';
import { Text } from '../regime/text.js';
import { BlobRef, EntryRef } from './refs.js';

const Names = z.array(z.string().min(1).max(200)).min(1, { error: 'expected at least one name' });

export const MissionBody = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('lists'), inspection: Id, host: Id, inspectors: Names, aircrew: Names }),
  z.strictObject({ step: z.literal('objection'), lists: EntryRef, names: Names, reason: Text.optional() }),
  z.strictObject({
    step: z.literal('arrival'),
    request: EntryRef,
    pointOfEntry: z.string().min(1).max(200),
    eta: Timestamp,
  }),
  z.strictObject({ step: z.literal('designation'), request: EntryRef, site: Id }),
  z.strictObject({
    step: z.literal('briefing'),
    request: EntryRef,
    diagrams: z.array(BlobRef),
    equipment: z.array(Text),
  }),
  z.strictObject({ step: z.literal('refusal'), request: EntryRef, reason: Text }),
  z.strictObject({ step: z.literal('postponement'), request: EntryRef, until: Timestamp, reason: Text }),
  z.strictObject({ step: z.literal('force-majeure'), request: EntryRef, reason: Text }),
  /** The host nation of the request's site (the regime's `sites[].hostNation`) consents to the inspection. */
  z.strictObject({ step: z.literal('consent'), request: EntryRef, note: Text.optional() }),
]);
export type MissionBody = z.infer<typeof MissionBody>;
