import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { sha256Into, sha256Portable } from '../src/crypto/sha256.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
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

  it("is the portable digest of any bytes (a view at any offset too), 32 bytes of a plain Uint8Array's own", () => {
    expect(toHex(sha256Node(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(16), (data, cut) => {
        const view = data.subarray(Math.min(cut, data.length));
        const digest = sha256Node(view);
        expect(digest).toEqual(sha256Portable(view));
        expect(digest.length).toBe(32);
        expect(digest.byteOffset).toBe(0);
        expect(digest.buffer.byteLength).toBe(32);
        expect(Buffer.isBuffer(digest)).toBe(false);
      }),
      { numRuns: 300 },
    );
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
