/**
 * Entry bodies sealed under a key of their own, with a public commitment to the plaintext.
 *
 * - content key: HKDF-Expand-SHA256(PRK = the audience key of the audience and period, info =
 *   `detente/content-key/v2` ‖ the entry's public 16-byte id, L = 32), that is one HMAC-SHA256 under the audience key
 *   (RFC 5869 §3.3: the audience key is 32 uniformly random bytes already, so no Extract step; v1 ran HKDF with the id
 *   as salt, a key of its own to each HMAC, at twice the cost per entry in a fold). One audience key (wrapped once per
 *   recipient with HPKE, wrap.ts) yields a key per entry without running the KEM again; revealing one entry's content
 *   key reveals no other entry's (the HMAC is a PRF) and not the audience key.
 * - plaintext: a secret 32-byte commitment salt, then the body bytes; AES-256-GCM under the content key with a zero
 *   nonce (each content key seals exactly one plaintext) and the caller's associated data (the public envelope), so
 *   a ciphertext cannot be moved to another entry.
 * - commitment: SHA-256(`detente/body-commitment/v1` LF, salt, body), public in the envelope. The salt is secret, so
 *   the commitment says nothing about a small body (a count) that could be guessed; the author cannot later claim
 *   other content, and a recipient who reveals the content key lets anyone check what the body was.
 */
import { concat, equalBytes, prefixedScratch, utf8 } from '../bytes.js';
import { DetenteError } from '../errors.js';
import type { Sha256 } from '../sha256.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, type SymmetricSuite } from './symmetric.js';

/** An audience key (wrapped for each recipient: wrap.ts), from which each entry's content key derives. */
export const AUDIENCE_KEY_BYTES = 32;
export const ENTRY_ID_BYTES = 16;
export const CONTENT_KEY_BYTES = 32;
export const COMMITMENT_SALT_BYTES = 32;

const CONTENT_KEY_INFO = utf8('detente/content-key/v2');
/** HKDF-Expand's counter byte of the first (and only) 32-byte block. */
const FIRST_BLOCK = Uint8Array.of(1);
const COMMITMENT_CONTEXT = utf8('detente/body-commitment/v1\n');
const KEY_COMMITMENT_CONTEXT = utf8('detente/content-key-commitment/v1\n');
const ZERO_NONCE = new Uint8Array(GCM_NONCE_BYTES);

export interface SealedBody {
  ciphertext: Uint8Array;
  commitment: Uint8Array;
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new DetenteError('CIPHERTEXT_MALFORMED', `${what}: expected ${length} bytes, got ${got}`);
  }
}

/** Inputs up to this long are hashed in the scratch buffer below; longer ones are joined first. */
const SCRATCH_BYTES = 4096;
const scratch = new Uint8Array(SCRATCH_BYTES);

/**
 * SHA-256 of `context ‖ bytes`, the two laid out in one scratch buffer: joining them allocated a buffer of its own
 * for each commitment a fold checks (two a sealed entry), which costs more, with its collection, than the hash of a
 * few hundred bytes. Synchronous, so one buffer serves every call.
 */
function sha256After(sha256: Sha256, context: Uint8Array, bytes: Uint8Array): Uint8Array {
  const length = context.length + bytes.length;
  if (length > SCRATCH_BYTES) return sha256(concat(context, bytes));
  scratch.set(context, 0);
  scratch.set(bytes, context.length);
  return sha256(scratch.subarray(0, length));
}

/** The entry's content key, from the audience key and the entry's public id. */
export function contentKey(sym: SymmetricSuite, audienceKey: Uint8Array, entryId: Uint8Array): Uint8Array {
  checkLength(audienceKey, AUDIENCE_KEY_BYTES, 'audience key');
  checkLength(entryId, ENTRY_ID_BYTES, 'entry id');
  return sym.hmacSha256(audienceKey, concat(CONTENT_KEY_INFO, entryId, FIRST_BLOCK));
}

/**
 * The author's commitment to an entry's content key (public): a recipient who reveals the key in a complaint shows
 * it is the author's, and AES-GCM, which is not key-committing, cannot be opened to a second body under another key.
 */
export function keyCommitment(sha256: Sha256, key: Uint8Array): Uint8Array {
  checkLength(key, CONTENT_KEY_BYTES, 'content key');
  return sha256After(sha256, KEY_COMMITMENT_CONTEXT, key);
}

/** The salted commitment to a body. */
export function bodyCommitment(sha256: Sha256, salt: Uint8Array, body: Uint8Array): Uint8Array {
  checkLength(salt, COMMITMENT_SALT_BYTES, 'commitment salt');
  return sha256(concat(COMMITMENT_CONTEXT, salt, body));
}

/** Seals a body under its content key; `salt` is 32 fresh random bytes (the caller's, so that tests can fix it). */
export function sealBody(
  sym: SymmetricSuite,
  sha256: Sha256,
  key: Uint8Array,
  body: Uint8Array,
  aad: Uint8Array,
  salt: Uint8Array,
): SealedBody {
  return sealBodyWith(sym, sha256, key, salt, body, () => aad);
}

// The commitment's input of the body being sealed: reused, as a new array of a kilobyte cost a sealed submission
// more than the copy (an array past 64 bytes has a backing store outside V8's heap). Sealing is synchronous and
// `aadOf` seals nothing, so one buffer a thread serves every call.
const sealingScratch = prefixedScratch(COMMITMENT_CONTEXT);

/**
 * sealBody, for a caller whose associated data holds the commitment (a sealed entry's): `aadOf(commitment)`. The
 * commitment's input (context ‖ salt ‖ body) is laid out once and the plaintext (salt ‖ body) is a view of it: a
 * sealed submission copies its body once, not twice.
 */
export function sealBodyWith(
  sym: SymmetricSuite,
  sha256: Sha256,
  key: Uint8Array,
  salt: Uint8Array,
  body: Uint8Array,
  aadOf: (commitment: Uint8Array) => Uint8Array,
): SealedBody {
  checkLength(salt, COMMITMENT_SALT_BYTES, 'commitment salt');
  checkLength(key, CONTENT_KEY_BYTES, 'content key');
  const length = COMMITMENT_CONTEXT.length + COMMITMENT_SALT_BYTES + body.length;
  const committed = sealingScratch(length).subarray(0, length);
  committed.set(salt, COMMITMENT_CONTEXT.length);
  committed.set(body, COMMITMENT_CONTEXT.length + COMMITMENT_SALT_BYTES);
  const commitment = sha256(committed);
  const plaintext = committed.subarray(COMMITMENT_CONTEXT.length);
  return { ciphertext: sym.aes256gcm.seal(key, ZERO_NONCE, plaintext, aadOf(commitment)), commitment };
}

/**
 * The body a sealed body holds, checked against its commitment: DECRYPTION_FAILED if the key, the associated data
 * or the ciphertext is not the one sealed; COMMITMENT_MISMATCH if it opens to a body the commitment does not name.
 */
export function openBody(
  sym: SymmetricSuite,
  sha256: Sha256,
  key: Uint8Array,
  sealed: SealedBody,
  aad: Uint8Array,
): Uint8Array {
  checkLength(key, CONTENT_KEY_BYTES, 'content key');
  const plaintext = sym.aes256gcm.open(key, ZERO_NONCE, sealed.ciphertext, aad);
  if (plaintext.length < COMMITMENT_SALT_BYTES) {
    throw new DetenteError('COMMITMENT_MISMATCH', 'plaintext: shorter than its 32-byte commitment salt');
  }
  // bodyCommitment of salt and body, hashed as the plaintext holds them (salt ‖ body).
  if (!equalBytes(sha256After(sha256, COMMITMENT_CONTEXT, plaintext), sealed.commitment)) {
    throw new DetenteError('COMMITMENT_MISMATCH', 'commitment: does not match the body the ciphertext holds');
  }
  return plaintext.subarray(COMMITMENT_SALT_BYTES);
}

/**
 * The salt and body a sealed body holds, not checked against its commitment: what a node hands a reader of the
 * audience, who checks them against the public commitment itself (bodyCommitment), trusting no node for content.
 * DECRYPTION_FAILED if the key, the associated data or the ciphertext is not the one sealed.
 */
export function openSaltAndBody(
  sym: SymmetricSuite,
  key: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): { salt: Uint8Array; body: Uint8Array } {
  checkLength(key, CONTENT_KEY_BYTES, 'content key');
  const plaintext = sym.aes256gcm.open(key, ZERO_NONCE, ciphertext, aad);
  if (plaintext.length < COMMITMENT_SALT_BYTES) {
    throw new DetenteError('COMMITMENT_MISMATCH', 'plaintext: shorter than its 32-byte commitment salt');
  }
  return { salt: plaintext.slice(0, COMMITMENT_SALT_BYTES), body: plaintext.slice(COMMITMENT_SALT_BYTES) };
}

// ---------------------------------------------------------------------------------------------------------------
// Blobs of a sealed entry
//
// An entry's blobs (an opening's leaves, a declaration's further items) are sealed with the entry: blob i under
// HKDF-SHA256(ikm = the entry's content key, salt = i as 4 bytes big-endian, info = `detente/blob-key/v1`), AES-256-GCM
// with a zero nonce (each blob key seals one blob) and associated data `detente/blob/v1` LF ‖ i, so a blob cannot
// stand at another index. The public envelope names each ciphertext by hash; the sealed body names each plaintext by
// hash, so the author is bound to both, and a revealed content key opens the entry's blobs and nothing else.

/** The 16 bytes AES-256-GCM adds to a blob. */
export const SEALED_BLOB_OVERHEAD = GCM_TAG_BYTES;

const BLOB_KEY_INFO = utf8('detente/blob-key/v1');
const BLOB_AAD = utf8('detente/blob/v1\n');

function indexBytes(index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new DetenteError('BAD_INPUT', `blob index: expected an integer from 0 to 2^32 - 1, got ${index}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, index);
  return out;
}

/** The key of blob `index` of the entry whose content key is `key`. */
export function blobKey(sym: SymmetricSuite, key: Uint8Array, index: number): Uint8Array {
  checkLength(key, CONTENT_KEY_BYTES, 'content key');
  return sym.hkdfSha256(key, indexBytes(index), BLOB_KEY_INFO, CONTENT_KEY_BYTES);
}

/** Blob `index` of an entry, sealed under the entry's content key. */
export function sealBlob(sym: SymmetricSuite, key: Uint8Array, index: number, plaintext: Uint8Array): Uint8Array {
  return sym.aes256gcm.seal(blobKey(sym, key, index), ZERO_NONCE, plaintext, concat(BLOB_AAD, indexBytes(index)));
}

/** Blob `index` of an entry, opened: DECRYPTION_FAILED if the key, the index or a byte is not the one sealed. */
export function openBlob(sym: SymmetricSuite, key: Uint8Array, index: number, ciphertext: Uint8Array): Uint8Array {
  return sym.aes256gcm.open(blobKey(sym, key, index), ZERO_NONCE, ciphertext, concat(BLOB_AAD, indexBytes(index)));
}
