/**
 * References. An entry names another entry by the log it is in (origin), its index there and its RFC 6962 leaf
 * hash (SHA-256 of 0x00 ‖ the leaf bytes), so a reference cannot silently point at different content. Larger data
 * (evidence files, long item lists) are blobs kept by hash and referenced by SHA-256 of their bytes.
 */
import { z } from 'zod';
import { Hex32 } from '../common.js';
import { Origin } from '../regime/parties.js';

export const EntryRef = z.strictObject({
  origin: Origin,
  index: z.int().nonnegative({ error: 'expected a log index ≥ 0' }),
  leafHash: Hex32,
});
export type EntryRef = z.infer<typeof EntryRef>;

export const BlobRef = z.strictObject({
  sha256: Hex32,
  size: z.int().nonnegative(),
  mediaType: z
    .string()
    .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/, { error: 'expected a media type such as image/jpeg' }),
  name: z.string().min(1).max(255).optional(),
});
export type BlobRef = z.infer<typeof BlobRef>;
