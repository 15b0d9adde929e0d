/**
 * Negotiation forums and tracks (the seed's other half): the Strategic Stability Dialogue, the NATO–Russia Council,
 * the OSCE Forum for Security Co-operation and Permanent Council, the BCC; and the tracks negotiated in them. A
 * track's progress can be gated on a condition, as the seed says the whole package is: open only while a
 * de-escalation metric is met, and only once the states the texts say are consulted have been heard on it.
 */
import { z } from 'zod';
import { Id, Source } from '../common.js';
import { Text } from './text.js';

export const Forum = z.strictObject({
  id: Id,
  name: Text,
  parties: z.array(Id).min(2, { error: 'expected at least two parties' }),
  /** States consulted or whose consent is needed (hosts, the state whose security is discussed), as the texts say. */
  consulted: z.array(Id).optional(),
  source: Source.optional(),
});
export type Forum = z.infer<typeof Forum>;

export const Track = z.strictObject({
  id: Id,
  name: Text,
  forum: Id,
  /**
   * The track moves only while this metric is met, and, with `consulted`, only once each of those parties has been
   * heard on it: a proposal of its own on the track ("nothing about Ukraine, without Ukraine").
   */
  gate: z.strictObject({ metric: Id, consulted: z.array(Id).optional() }).optional(),
  source: Source.optional(),
});
export type Track = z.infer<typeof Track>;
