/**
 * Ed25519 (RFC 8032) behind one small interface, with one rule set everywhere. Two parties must never disagree on
 * whether a signature is valid, so both implementations accept exactly when:
 *   - A and R are canonical point encodings (y < p, no "negative zero" x), and S < L;
 *   - A is not of small order (else a key holder could publish a key under which forgeries verify, then
 *     repudiate: with A = identity, (R, S) = (identity, 0) verifies every message under OpenSSL);
 *   - the cofactorless equation [S]B = R + [k]A holds, k = SHA-512(R ‖ A ‖ M) mod L.
 * OpenSSL (node:crypto) checks the cofactorless equation, canonical R and S < L, but accepts small-order and
 * non-canonical A; @noble/curves 2.x with `zip215: false` rejects those but checks the *cofactored* equation, so it
 * accepts an R with a small-order component that OpenSSL refuses. Neither is the rule alone: node-crypto.ts adds
 * `isStrictPublicKey`, and the portable verifier below checks the cofactorless equation itself.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { fail } from './errors.js';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** A canonical encoding of a point that is not of small order (RFC 8032 decoding, plus the small-order check). */
export function isStrictPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    return !Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

export interface Ed25519 {
  /** The 32-byte public key of a 32-byte seed (RFC 8032 §5.1.5). */
  publicKey(seed: Uint8Array): Uint8Array;
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export function checkLength(bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    fail(
      'BAD_INPUT',
      `${field}: expected ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
}

/** The portable implementation (@noble/curves), for the browser and the offline verifier. */
export const ed25519Portable: Ed25519 = {
  publicKey(seed) {
    checkLength(seed, 32, 'Ed25519 seed');
    return ed25519.getPublicKey(seed);
  },
  sign(seed, message) {
    checkLength(seed, 32, 'Ed25519 seed');
    return ed25519.sign(message, seed);
  },
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      const A = Point.fromBytes(publicKey, false); // throws on a non-canonical or off-curve encoding
      if (A.isSmallOrder()) return false;
      const r = signature.subarray(0, 32);
      const R = Point.fromBytes(r, false);
      const s = bytesToNumberLE(signature.subarray(32));
      if (s >= L) return false;
      const h = new Uint8Array(64 + message.length);
      h.set(r, 0);
      h.set(publicKey, 32);
      h.set(message, 64);
      const k = bytesToNumberLE(sha512(h)) % L;
      // Cofactorless, as OpenSSL: noble's own verify multiplies both sides by the cofactor 8.
      return Point.BASE.multiplyUnsafe(s).equals(R.add(A.multiplyUnsafe(k)));
    } catch {
      return false;
    }
  },
};

/** Fresh random seed from the platform CSPRNG (Web Crypto exists in Node 20 and in browsers). */
export function randomSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}
