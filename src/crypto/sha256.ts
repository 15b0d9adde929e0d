/**
 * SHA-256 (FIPS 180-4) as an injected function. Pure layers take a `Sha256` so that Node can pass
 * node:crypto (several times faster) and the browser @noble/hashes, while both run the same code.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export type Sha256 = (data: Uint8Array) => Uint8Array;

/** The portable implementation, for the browser and the offline verifier. */
export const sha256Portable: Sha256 = (data) => nobleSha256(data);
