/**
 * The types registry: the agreed existing types per item category with their characteristics (New START's
 * Minuteman III, Trident II, B-52H, B-2A, RS-24, R-29RMU2, RSM-56, Tu-95MS, Tu-160; the 9M728 and 9M729 ground-
 * launched missiles that only their characteristics tell apart; warhead categories). An item may name its type; a
 * category the registry covers requires one. `characteristics` are what the parties agreed a type is (a count, yes
 * or no, a word or a set of words); `attributes` bound what an item of the type may carry (an RS-24's warheads).
 */
import { z } from 'zod';
import { Count, Id, Source } from '../common.js';
import { ConfigurationValue } from './inspections.js';
import { Text } from './text.js';

export const ItemType = z.strictObject({
  id: Id,
  name: Text,
  category: Id,
  characteristics: z.record(Id, ConfigurationValue).optional(),
  /** The most an item of this type carries of each attribute (the category must have the attribute). */
  attributes: z.record(Id, z.strictObject({ atMost: Count })).optional(),
  source: Source.optional(),
});
export type ItemType = z.infer<typeof ItemType>;
