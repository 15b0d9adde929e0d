/**
 * The Node-only implementations of the crypto suite, on node:crypto (OpenSSL). Several times faster than the
 * portable ones; property tests check that both agree on every signature.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hash,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { concat } from '../crypto/bytes.js';
import { checkLength, type Ed25519, isStrictPublicKey } from '../crypto/ed25519.js';
import { DetenteError } from '../crypto/errors.js';
import { checkGcmInputs, checkSealedLength, GCM_TAG_BYTES, type SymmetricSuite } from '../crypto/hpke/symmetric.js';
import type { Sha256, Sha256Into } from '../crypto/sha256.js';
import type { CryptoSuite } from '../crypto/suite.js';

/**
 * A digest node:crypto gave as a one-byte-per-character string, as bytes: node:crypto backs every Buffer it returns
 * with an ArrayBuffer of its own, which costs (with its collection) about as much as the hash of a 100-byte input; a
 * short string is a plain heap object, and a Uint8Array of at most 64 bytes lives on V8's heap too. Measured in
 * bench/escrow.ts and on a sealed submission's hashes and HMACs (docs/BENCHMARKS.md, issue 14, session 10).
 */
function digestBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
  return out;
}

/** crypto.hash is node:crypto's one-shot call: no Hash object, the fastest path for small inputs. */
// A plain Uint8Array of its own (callers of a Sha256 rely on slice() copying, which Buffer#slice does not).
export const sha256Node: Sha256 & { into: Sha256Into } = Object.assign(
  (data: Uint8Array) => digestBytes(hash('sha256', data, 'binary')),
  {
    /** The digest copied into `out` (digestBytes without the array). */
    into: (data: Uint8Array, out: Uint8Array, offset: number): void => {
      const s = hash('sha256', data, 'binary');
      for (let k = 0; k < 32; k++) out[offset + k] = s.charCodeAt(k);
    },
  },
);

// DER prefixes that wrap a raw 32-byte Ed25519 key (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

// KeyObject creation costs more than a verification; a node sees few distinct keys, so keep them.
const MAX_CACHED_KEYS = 4096;
const privateKeys = new Map<string, KeyObject>();
// null marks a key refused once for all: not a strict key (see ed25519.ts), or one OpenSSL cannot import.
const publicKeys = new Map<string, KeyObject | null>();

function cached<K>(cache: Map<string, K>, raw: Uint8Array, make: () => K): K {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  let key = cache.get(id);
  if (key === undefined) {
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    key = make();
    cache.set(id, key);
  }
  return key;
}

function privateKey(seed: Uint8Array): KeyObject {
  checkLength(seed, 32, 'Ed25519 seed');
  return cached(privateKeys, seed, () =>
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
  );
}

export const ed25519Node: Ed25519 = {
  publicKey(seed) {
    const der = createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(der.subarray(SPKI_PREFIX.length));
  },
  sign(seed, message) {
    return new Uint8Array(sign(null, message, privateKey(seed)));
  },
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    // OpenSSL accepts small-order and non-canonical public keys: refuse them first, once per key, like noble.
    const key = cached(publicKeys, publicKey, () => {
      if (!isStrictPublicKey(publicKey)) return null;
      try {
        return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
      } catch {
        return null;
      }
    });
    if (key === null) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

export const nodeSuite: CryptoSuite = { sha256: sha256Node, ed25519: ed25519Node };

/** Messages up to this long are MACed in the scratch buffer below; longer ones through createHmac. */
const SCRATCH_MESSAGE = 8192;
/** SHA-512's block (RFC 6234), the larger of the two: HMAC pads its key to it. */
const LARGEST_BLOCK = 128;
const scratch = Buffer.alloc(LARGEST_BLOCK + SCRATCH_MESSAGE);

/**
 * HMAC (RFC 2104: H((K ^ opad) ‖ H((K ^ ipad) ‖ m))) of the parts of a message as two one-shot `crypto.hash` calls
 * over one scratch buffer, each digest a string. `createHmac` builds a native object per call, with a weak handle the
 * collector must visit, and cost 3.4 µs for a content key, where this costs 0.7 (a fold derives one content key a
 * sealed entry: docs/BENCHMARKS.md, issue 14, session 14); HMAC-SHA512 the same way (a sealed submission's randomness,
 * 1.3 KB: 3.9 µs against 4.1 through createHmac in a tight loop, without the native object). A key longer than the block is hashed first, as RFC 2104 says; RFC 4231's
 * vectors and a property test against noble's HMAC hold it (test/crypto-hpke.test.ts). Synchronous, so one buffer
 * a thread serves every call.
 */
function hmacNode(
  algorithm: 'sha256' | 'sha512',
  block: number,
  key: Uint8Array,
  parts: readonly Uint8Array[],
): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  if (length > SCRATCH_MESSAGE) {
    const hmac = createHmac(algorithm, key);
    for (const p of parts) hmac.update(p);
    return digestBytes(hmac.digest('binary'));
  }
  const k = key.length > block ? digestBytes(hash(algorithm, key, 'binary')) : key;
  const pad = (byte: number) => {
    scratch.fill(byte, 0, block);
    for (let i = 0; i < k.length; i++) scratch[i] = k[i]! ^ byte;
  };
  pad(0x36);
  let at = block;
  for (const p of parts) {
    scratch.set(p, at);
    at += p.length;
  }
  const inner = hash(algorithm, scratch.subarray(0, at), 'binary');
  pad(0x5c);
  const written = scratch.write(inner, block, 'latin1');
  return digestBytes(hash(algorithm, scratch.subarray(0, block + written), 'binary'));
}

function hmacSha256Node(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmacNode('sha256', 64, key, [message]);
}

/** AES-256-GCM, HMAC-SHA256, HMAC-SHA512 and HKDF-SHA256 on node:crypto; test/crypto-hpke.test.ts checks them against the portable ones. */
export const symmetricNode: SymmetricSuite = {
  aes256gcm: {
    seal(key, nonce, plaintext, aad) {
      checkGcmInputs(key, nonce);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(aad);
      const out = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
    open(key, nonce, sealed, aad) {
      checkGcmInputs(key, nonce);
      checkSealedLength(sealed);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      try {
        // GCM is a stream mode: update gives every byte, final only checks the tag (no copy to join them).
        const out = decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES));
        decipher.final();
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch {
        throw new DetenteError('DECRYPTION_FAILED', 'ciphertext: the AES-GCM tag does not verify with this key');
      }
    },
  },
  // RFC 5869 with HMACs: hkdfSync builds a key object on each call, which costs more than the two HMACs of a
  // 32-byte key (measured in bench/confidential.ts's notes, docs/BENCHMARKS.md).
  hkdfSha256: (ikm, salt, info, length) => {
    if (length > 255 * 32) throw new DetenteError('BAD_INPUT', `HKDF-SHA256: at most ${255 * 32} bytes, not ${length}`);
    const prk = hmacSha256Node(salt, ikm);
    const out = new Uint8Array(length);
    let block: Uint8Array = new Uint8Array(0);
    for (let i = 1, at = 0; at < length; i++, at += 32) {
      block = hmacSha256Node(prk, concat(block, info, Uint8Array.of(i)));
      out.set(block.subarray(0, Math.min(32, length - at)), at);
    }
    return out;
  },
  hmacSha256: hmacSha256Node,
  hmacSha512: (key, ...message) => hmacNode('sha512', 128, key, message),
};
