/**
 * An observation: one party's observation of another's forces or items at a place and time, with its evidence
 * files referenced by SHA-256. Observations from independent parties are the evidence a de-escalation metric
 * needs; `metric` says which one this observation is offered for.
 */
import { z } from 'zod';
import { Count, exactlyOne, Id, LatLon, Timestamp, Uid } from '../common.js';
import { Area } from '../regime/sites-zones.js';
import { Text } from '../regime/text.js';
import { BlobRef } from './refs.js';

export const Place = exactlyOne({
  site: Id.optional(),
  zone: Id.optional(),
  point: z.strictObject({ ...LatLon.shape, radiusKm: z.number().positive().max(20000).optional() }).optional(),
  area: Area.optional(),
});

export const ObservationBody = z.strictObject({
  subject: Id,
  observedAt: Timestamp,
  place: Place,
  quantities: z.array(z.strictObject({ category: Id, quantity: Count })),
  items: z.array(z.strictObject({ uid: Uid, category: Id })).optional(),
  method: z.enum(['overhead-imagery', 'on-site', 'sensor', 'open-source', 'other']),
  evidence: z.array(BlobRef),
  metric: Id.optional(),
  note: Text.optional(),
});
export type ObservationBody = z.infer<typeof ObservationBody>;
