/**
 * Signing many messages at once, possibly elsewhere: a node signs each batch of statements in one call, which a
 * runtime may run on another thread (runtime/worker-signer.ts) while the event loop checks the next requests.
 */
import type { CryptoSuite } from './suite.js';

export interface SigningJob {
  /** The 32-byte Ed25519 seed. */
  seed: Uint8Array;
  message: Uint8Array;
}

export interface BatchSigner {
  /** One 64-byte Ed25519 signature a job, in order. */
  sign(jobs: readonly SigningJob[]): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** Signs on the calling thread, with the suite's Ed25519. */
export function inlineSigner(suite: CryptoSuite): BatchSigner {
  return {
    async sign(jobs) {
      return jobs.map((j) => suite.ed25519.sign(j.seed, j.message));
    },
    async close() {},
  };
}
