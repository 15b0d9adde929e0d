/**
 * The two entry types of confidentiality (issue 14; docs/MODEL.md, Confidentiality):
 *
 * - `audience-key` (public): a party's key for one audience and period, wrapped with HPKE for one recipient key of
 *   each party of the audience (its own included, so a node restored from its log reads its own history);
 * - `complaint` (public): a recipient shows that a sealed entry does not open to a valid body, by revealing that
 *   entry's content key and nothing else; anyone checks it offline (model/confidential.ts, checkComplaint);
 * - `sealed`: an entry of a confidential type whose body is encrypted. Public: the inner type, the audience, the
 *   audience-key entry its content key derives from, its 16-byte id, the salted commitment to the body; the envelope
 *   around it keeps party, key, time and public references, and its signature covers all of it, ciphertext included.
 */
import { z } from 'zod';
import { base64Of, Hex32, Id } from '../common.js';
import { CONFIDENTIAL_TYPES } from '../regime/audience.js';
import { BlobRef, EntryRef } from './refs.js';

/** Standard padded base64 of any length (one spelling: zero trailing bits), at most a leaf's worth. */
export const Base64 = z
  .string()
  .max(90_000)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/, {
    error: 'expected standard base64',
  });

/** A party list that reads a sealed entry: at least its author; never `public` (a public entry is not sealed). */
export const PartyList = z.array(Id).min(1, { error: 'expected at least one party' });

/** An audience key's period: the UTC year of the entries it seals (a new key each year, and at each rotation). */
export const KeyPeriod = z.string().regex(/^\d{4}$/, { error: 'expected a year such as 2022' });

export const WrappedAudienceKey = z.strictObject({
  /** The regime key (role `recipient`) this copy is wrapped for. */
  recipient: Id,
  /** The X-Wing encapsulation, 1,120 bytes. */
  enc: base64Of(1120),
  /** The audience key sealed with AES-256-GCM, 48 bytes. */
  key: base64Of(48),
});
export type WrappedAudienceKey = z.infer<typeof WrappedAudienceKey>;

export const AudienceKeyBody = z.strictObject({
  audience: PartyList,
  period: KeyPeriod,
  wraps: z.array(WrappedAudienceKey).min(1, { error: 'expected one wrapped key per party of the audience' }),
});
export type AudienceKeyBody = z.infer<typeof AudienceKeyBody>;

export const SealedBody = z.strictObject({
  /** The entry type of the sealed body. */
  type: z.enum(CONFIDENTIAL_TYPES),
  audience: PartyList,
  /** The `audience-key` entry (the author's) whose key this entry's content key derives from. */
  keys: EntryRef,
  /** The entry's public 16-byte id: the HKDF salt of its content key. */
  id: base64Of(16),
  commitment: Hex32,
  /** SHA-256 of the content key under its own context (crypto/hpke/content.ts): what a complaint must reveal. */
  keyCommitment: Hex32,
  ciphertext: Base64,
  /**
   * The entry's blobs, sealed with it (crypto/hpke/content.ts, sealBlob): each ciphertext by hash and size, in the
   * order of the blobs the sealed body names by their plaintext's hash. Public, so that every mirror fetches and
   * checks them; absent when the body names no blob.
   */
  blobs: z.array(BlobRef).min(1, { error: 'expected at least one blob, or no `blobs`' }).optional(),
});
export type SealedBody = z.infer<typeof SealedBody>;

export const ComplaintBody = z.strictObject({
  /** The sealed entry complained of. */
  entry: EntryRef,
  /** Its content key, 32 bytes: it opens that entry only. */
  contentKey: base64Of(32),
});
export type ComplaintBody = z.infer<typeof ComplaintBody>;
