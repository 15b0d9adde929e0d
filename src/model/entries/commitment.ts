/** A party accepts one of its commitments in the regime, or withdraws it. */
import { z } from 'zod';
import { Id, IsoDate } from '../common.js';
import { Text } from '../regime/text.js';
import { EntryRef } from './refs.js';

export const CommitmentAcceptedBody = z.strictObject({ commitment: Id, statement: Text.optional() });
export type CommitmentAcceptedBody = z.infer<typeof CommitmentAcceptedBody>;

export const CommitmentWithdrawnBody = z.strictObject({
  commitment: Id,
  /** The acceptance being withdrawn. */
  acceptance: EntryRef,
  /** Stated by the party; the regime's notice period, if any, still applies. */
  effective: IsoDate.optional(),
  reason: Text.optional(),
});
export type CommitmentWithdrawnBody = z.infer<typeof CommitmentWithdrawnBody>;
