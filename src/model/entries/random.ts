/**
 * Joint random draws by commit and reveal: each party commits to commitRandom(draw, party, value) (src/escrow,
 * docs/ESCROW.md §4.1), then reveals the 32-byte value; the seed comes from all revealed values. The regime's escrow settings say how long each step
 * may take and what happens when a party does not reveal.
 */
import { z } from 'zod';
import { base64Of, Hex32, Id } from '../common.js';
import { EntryRef } from './refs.js';

export const RandomCommitBody = z.strictObject({
  /** Names the draw; every participant's commit uses the same name. */
  draw: Id,
  /** The inspection type the draw selects sites for, if any. */
  inspection: Id.optional(),
  commitment: Hex32,
});
export type RandomCommitBody = z.infer<typeof RandomCommitBody>;

export const RandomRevealBody = z.strictObject({
  commit: EntryRef,
  value: base64Of(32),
  /** Not part of the v1 commitment (docs/ESCROW.md §4.1: the 32-byte value hides itself); optional. */
  salt: base64Of(32).optional(),
});
export type RandomRevealBody = z.infer<typeof RandomRevealBody>;
