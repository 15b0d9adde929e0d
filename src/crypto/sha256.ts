/**
 * SHA-256 (FIPS 180-4) as an injected function. Pure layers take a `Sha256` so that Node can pass
 * node:crypto (several times faster) and the browser @noble/hashes, while both run the same code.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export type Sha256 = (data: Uint8Array) => Uint8Array;

/** Writes SHA-256(data) into `out` at `offset` (32 bytes), for code that hashes millions of values into arrays. */
export type Sha256Into = (data: Uint8Array, out: Uint8Array, offset: number) => void;

/**
 * The `into` form of a Sha256: its own when it has one (node:crypto's: a digest object per hash costs more than
 * the hash of a small input), else a copy of its result.
 */
export function sha256Into(sha256: Sha256): Sha256Into {
  const own = (sha256 as Sha256 & { into?: Sha256Into }).into;
  return own ?? ((data, out, offset) => out.set(sha256(data), offset));
}

/** The portable implementation, for the browser and the offline verifier. */
export const sha256Portable: Sha256 = (data) => nobleSha256(data);
