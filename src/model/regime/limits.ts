/**
 * Limits: for each party named, what a category or group counts must be at most `atMost` (zero included), over
 * the party's whole holdings or within a zone, from a date (and until one). A limit that some commitment
 * undertakes binds a party only while that party's commitment is in force; any other limit binds from `from`.
 */
import { z } from 'zod';
import { Count, Id, IsoDate, Source } from '../common.js';
import { Counted } from './categories.js';
import { Text } from './text.js';

export const Limit = z.strictObject({
  id: Id,
  name: Text,
  parties: z.array(Id).min(1, { error: 'expected at least one party' }),
  counts: Counted,
  atMost: Count,
  zone: Id.optional(),
  from: IsoDate,
  until: IsoDate.optional(),
  source: Source.optional(),
});
export type Limit = z.infer<typeof Limit>;
