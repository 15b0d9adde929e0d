/**
 * An entry a node signed, with what appending it needs: the leaf (sealPrepared's bytes, as the log stores them), its
 * RFC 6962 leaf hash, and its idempotency key as a signed message (the same message under the same key is the same
 * entry: submissions refuse it twice). They are computed where the entry is signed (an entry worker, an HTTP
 * acceptor), so that the event loop, the node's busy thread, hashes nothing per entry (docs/BENCHMARKS.md, issue 12,
 * session 9).
 */
import { concat, prefixedScratch, utf8 } from '../crypto/bytes.js';
import type { Sha256 } from '../crypto/sha256.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  LEAF_CANONICAL_AT,
  leafLengthOf,
  type PreparedEntry,
  preparedFromCanonical,
  writeLeaf,
} from '../model/index.js';
import { HASH_SIZE } from '../tlog/hasher.js';

const ENTRY_KEY_CONTEXT = utf8('detente/submission-entry/v1\n');

/** The idempotency key of a signed message: the same message under the same key is the same entry. */
export function entryKeyOf(sha256: Sha256, message: Uint8Array): Uint8Array {
  return sha256(concat(ENTRY_KEY_CONTEXT, message));
}

/** An entry prepared (checked, canonicalised) and signed: what the submission pipeline appends. */
export interface SignedPrepared {
  prepared: PreparedEntry;
  signature: Uint8Array;
  /** The signed entry as the log stores it. */
  leaf: Uint8Array;
  /** Its RFC 6962 leaf hash. */
  leafHash: Uint8Array;
  /** Its idempotency key as a signed message (entryKeyOf). */
  entryKey: Uint8Array;
}

/**
 * A signed entry as it crosses to another thread or process: its canonical JSON, signature, leaf, leaf hash and
 * entry key, all views of one buffer (the clone copies it once; the leaf holds the canonical JSON). The envelope's
 * objects do not cross: cloning them cost the receiving event loop more than parsing the bytes again
 * (fromCanonical).
 */
export interface SignedCanonical {
  canonical: Uint8Array;
  signature: Uint8Array;
  leaf: Uint8Array;
  leafHash: Uint8Array;
  entryKey: Uint8Array;
}

const SIGNATURE_BYTES = 64;
/** RFC 6962's leaf prefix: the leaf hash is SHA-256 of this byte and the leaf. */
const LEAF_PREFIX = 0x00;

// The entry key's input (its context, then the message), written here rather than in a new buffer each time.
const keyInput = prefixedScratch(ENTRY_KEY_CONTEXT);

/** entryKeyOf, without a buffer of its own for its input. */
function entryKeyOfMessage(sha256: Sha256, message: Uint8Array): Uint8Array {
  const length = ENTRY_KEY_CONTEXT.length + message.length;
  const input = keyInput(length);
  input.set(message, ENTRY_KEY_CONTEXT.length);
  return sha256(input.subarray(0, length));
}

/**
 * The leaf, leaf hash and entry key of a prepared entry and its signature, as they cross: one buffer, laid out once
 * as RFC 6962's leaf prefix, the leaf, the signature, the leaf hash and the entry key, so that the leaf hash is the
 * hash of the buffer's first bytes, in place (test/signed-entry.test.ts holds it to Rfc6962Hasher's).
 */
export function signedCanonical(suite: CryptoSuite, prepared: PreparedEntry, signature: Uint8Array): SignedCanonical {
  const leafAt = 1;
  const at = leafAt + leafLengthOf(prepared);
  const all = new Uint8Array(at + SIGNATURE_BYTES + 2 * HASH_SIZE);
  all[0] = LEAF_PREFIX;
  writeLeaf(prepared, signature, all, leafAt);
  all.set(signature, at);
  all.set(suite.sha256(all.subarray(0, at)), at + SIGNATURE_BYTES);
  all.set(entryKeyOfMessage(suite.sha256, prepared.message), at + SIGNATURE_BYTES + HASH_SIZE);
  return {
    canonical: all.subarray(leafAt + LEAF_CANONICAL_AT, leafAt + LEAF_CANONICAL_AT + prepared.canonical.length),
    leaf: all.subarray(leafAt, at),
    signature: all.subarray(at, at + SIGNATURE_BYTES),
    leafHash: all.subarray(at + SIGNATURE_BYTES, at + SIGNATURE_BYTES + HASH_SIZE),
    entryKey: all.subarray(at + SIGNATURE_BYTES + HASH_SIZE),
  };
}

/** An entry that crossed as bytes, as the pipeline appends it (the envelope parsed again from its canonical JSON). */
export function fromCanonical(p: SignedCanonical): SignedPrepared {
  const { canonical, signature, leaf, leafHash, entryKey } = p;
  return { prepared: preparedFromCanonical(canonical), signature, leaf, leafHash, entryKey };
}

/** An entry prepared and signed on this thread, with its leaf and hashes. */
export function signedPrepared(suite: CryptoSuite, prepared: PreparedEntry, signature: Uint8Array): SignedPrepared {
  const { leaf, leafHash, entryKey } = signedCanonical(suite, prepared, signature);
  return { prepared, signature, leaf, leafHash, entryKey };
}
