import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inlineSigner } from '../src/crypto/batch-signer.js';
import { toHex, utf8 } from '../src/crypto/bytes.js';
import { sha256Into, sha256Portable } from '../src/crypto/sha256.js';
import { ed25519Node, nodeSuite, sha256Node } from '../src/runtime/node-crypto.js';
import { workerSigner } from '../src/runtime/worker-signer.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';

describe('node:crypto SHA-256', () => {
  it('returns digests whose slice() is a copy, as Uint8Array promises', () => {
    const digest = sha256Node(new Uint8Array(3));
    const copy = digest.slice();
    copy[0]! ^= 0xff;
    expect(copy[0]).not.toBe(digest[0]);
    const hasher = new Rfc6962Hasher(sha256Node);
    const empty = hasher.emptyRoot();
    empty.fill(0);
    expect(hasher.emptyRoot()[0]).toBe(0xe3);
  });
});

describe('SHA-256 into a caller’s array', () => {
  it('writes the same 32 bytes as the digest, at the offset, touching nothing else (node:crypto and portable)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(64), (data, offset) => {
        for (const sha of [sha256Node, sha256Portable]) {
          const out = new Uint8Array(offset + 40).fill(0xaa);
          sha256Into(sha)(data, out, offset);
          expect(out.subarray(offset, offset + 32)).toEqual(sha256Portable(data));
          expect(out.subarray(0, offset).every((b) => b === 0xaa)).toBe(true);
          expect(out.subarray(offset + 32).every((b) => b === 0xaa)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('signing batches on a worker thread', () => {
  it('gives the signatures the suite gives, in order, for any seeds and messages (property)', async () => {
    const signer = workerSigner();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ seed: fc.uint8Array({ minLength: 32, maxLength: 32 }), message: fc.uint8Array() }), {
            minLength: 1,
            maxLength: 20,
          }),
          async (jobs) => {
            const signatures = await signer.sign(jobs);
            expect(signatures.map(toHex)).toEqual(jobs.map((j) => toHex(ed25519Node.sign(j.seed, j.message))));
            expect(await inlineSigner(nodeSuite).sign(jobs)).toEqual(signatures);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await signer.close();
    }
  });

  it('refuses a seed that is not 32 bytes with a clear error, and keeps signing afterwards', async () => {
    const signer = workerSigner();
    try {
      await expect(signer.sign([{ seed: new Uint8Array(31), message: new Uint8Array(1) }])).rejects.toThrow(
        /signing worker/,
      );
      const seed = new Uint8Array(32).fill(7);
      const [sig] = await signer.sign([{ seed, message: utf8('after') }]);
      expect(toHex(sig!)).toBe(toHex(ed25519Node.sign(seed, utf8('after'))));
    } finally {
      await signer.close();
    }
  });
});
