/**
 * The symmetric half of confidential entries, injected like the CryptoSuite: AES-256-GCM (NIST SP 800-38D),
 * HMAC-SHA256 and HMAC-SHA512 (RFC 2104) and HKDF-SHA256 (RFC 5869). Node passes node:crypto (src/runtime/node-crypto.ts: several times faster for the small
 * bodies of entries); the browser and the offline verifier use the portable one (@noble/ciphers, @noble/hashes).
 * Both are synchronous, so the engine's fold can decrypt without awaiting.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { DetenteError } from '../errors.js';

export interface Aes256Gcm {
  /** Ciphertext followed by the 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** The plaintext; DECRYPTION_FAILED when the tag does not verify (wrong key, nonce, aad, or altered bytes). */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
}

export type HkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) => Uint8Array;

/** The 32-byte HMAC-SHA256 of `message` under `key`. */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array;

/** The 64-byte HMAC-SHA512 of `message` (its parts, in order, as one message) under `key`. */
export type HmacSha512 = (key: Uint8Array, ...message: Uint8Array[]) => Uint8Array;

export interface SymmetricSuite {
  aes256gcm: Aes256Gcm;
  hkdfSha256: HkdfSha256;
  hmacSha256: HmacSha256;
  hmacSha512: HmacSha512;
}

export const GCM_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/** Refuses a key or nonce of the wrong length, the same way for every implementation. */
export function checkGcmInputs(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== GCM_KEY_BYTES) {
    throw new DetenteError('CIPHERTEXT_MALFORMED', `AES-256-GCM key: expected 32 bytes, got ${key.length}`);
  }
  if (nonce.length !== GCM_NONCE_BYTES) {
    throw new DetenteError('CIPHERTEXT_MALFORMED', `AES-256-GCM nonce: expected 12 bytes, got ${nonce.length}`);
  }
}

/** A sealed value shorter than its tag cannot be a ciphertext at all. */
export function checkSealedLength(sealed: Uint8Array): void {
  if (sealed.length < GCM_TAG_BYTES) {
    throw new DetenteError(
      'CIPHERTEXT_MALFORMED',
      `ciphertext: ${sealed.length} bytes, shorter than the 16-byte AES-GCM tag`,
    );
  }
}

export const symmetricPortable: SymmetricSuite = {
  aes256gcm: {
    seal(key, nonce, plaintext, aad) {
      checkGcmInputs(key, nonce);
      return gcm(key, nonce, aad).encrypt(plaintext);
    },
    open(key, nonce, sealed, aad) {
      checkGcmInputs(key, nonce);
      checkSealedLength(sealed);
      try {
        return gcm(key, nonce, aad).decrypt(sealed);
      } catch {
        throw new DetenteError('DECRYPTION_FAILED', 'ciphertext: the AES-GCM tag does not verify with this key');
      }
    },
  },
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  hmacSha256: (key, message) => hmac(sha256, key, message),
  hmacSha512: (key, ...message) => {
    const mac = hmac.create(sha512, key);
    for (const part of message) mac.update(part);
    return mac.digest();
  },
};
