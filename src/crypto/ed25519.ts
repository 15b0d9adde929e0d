/**
 * Ed25519 (RFC 8032) behind one small interface, with one rule set everywhere: strict RFC 8032 verification
 * (canonical encodings, cofactorless equation; @noble/curves `zip215: false`, which matches OpenSSL as used by
 * node:crypto). Two parties must never disagree on whether a signature is valid.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fail } from './errors.js';

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
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** Fresh random seed from the platform CSPRNG (Web Crypto exists in Node 20 and in browsers). */
export function randomSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}
