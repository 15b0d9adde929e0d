/**
 * Categories of treaty-accountable items and the groups that count them.
 *
 * A category is either `item` (declared one by one, each with a unique identifier, a site and a status, such as an
 * ICBM or a heavy bomber) or `quantity` (declared as a number at a site or in a zone, such as troops or battle
 * tanks under the Vienna Document). An item category may name numeric attributes its items carry (an ICBM's
 * loaded `warheads`).
 *
 * A group adds categories up under a counting rule, member by member: which statuses count and how much each item
 * weighs. New START's warhead limit is a group: deployed ICBMs and SLBMs count their loaded warheads (attribute
 * `warheads`), and each deployed heavy bomber counts as one warhead (`perItem: 1`).
 */
import { z } from 'zod';
import { Count, exactlyOne, Id, Source, Status } from '../common.js';
import { Text } from './text.js';

export const Category = z.strictObject({
  id: Id,
  name: Text,
  kind: z.enum(['item', 'quantity']),
  attributes: z.array(Id).optional(),
  description: Text.optional(),
  source: Source.optional(),
});
export type Category = z.infer<typeof Category>;

/** How much one item of a member weighs: a fixed number, or the value of one of its attributes. */
export const CountRule = exactlyOne({ perItem: Count.optional(), attribute: Id.optional() });
export type CountRule = z.infer<typeof CountRule>;

export const GroupMember = z.strictObject({
  category: Id,
  /** Statuses that count; all when absent. */
  status: z.array(Status).min(1).optional(),
  /** Absent: each item counts 1, a quantity counts its number. */
  count: CountRule.optional(),
});
export type GroupMember = z.infer<typeof GroupMember>;

export const Group = z.strictObject({
  id: Id,
  name: Text,
  members: z.array(GroupMember).min(1, { error: 'expected at least one member' }),
  description: Text.optional(),
  source: Source.optional(),
});
export type Group = z.infer<typeof Group>;

/** What a limit or a metric counts: one category (every status) or one group. */
export const Counted = exactlyOne({ category: Id.optional(), group: Id.optional() });
export type Counted = z.infer<typeof Counted>;
