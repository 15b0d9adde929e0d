/**
 * node:crypto (OpenSSL) and noble (zip215: false) must agree on every verification: two parties that disagree on a
 * signature's validity would disagree on whether a checkpoint or cosignature is valid.
 */

import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex } from '../src/crypto/bytes.js';
import { ed25519Portable } from '../src/crypto/ed25519.js';
import { ed25519Node } from '../src/runtime/node-crypto.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function agree(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const a = ed25519Node.verify(pub, msg, sig);
  const b = ed25519Portable.verify(pub, msg, sig);
  expect(a, 'node:crypto and noble disagree').toBe(b);
  return a;
}

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const i = bit % (out.length * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

describe('Ed25519: node:crypto and noble agree', () => {
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const msg = fc.uint8Array({ minLength: 1, maxLength: 200 });

  it('same public keys and signatures from the same seed (RFC 8032 is deterministic)', () => {
    fc.assert(
      fc.property(seed, msg, (sd, m) => {
        expect(ed25519Node.publicKey(sd)).toEqual(ed25519Portable.publicKey(sd));
        expect(ed25519Node.sign(sd, m)).toEqual(ed25519Portable.sign(sd, m));
      }),
    );
  });

  it('valid signatures verify under both; single-bit mutations of signature, key or message fail under both', () => {
    fc.assert(
      fc.property(seed, msg, fc.nat(), fc.constantFrom('sig', 'key', 'msg'), (sd, m, bit, what) => {
        const pub = ed25519Node.publicKey(sd);
        const sig = ed25519Node.sign(sd, m);
        expect(agree(pub, m, sig)).toBe(true);
        const mutated =
          what === 'sig'
            ? agree(pub, m, flip(sig, bit))
            : what === 'key'
              ? agree(flip(pub, bit), m, sig)
              : agree(pub, flip(m, bit), sig);
        expect(mutated).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('both refuse a non-canonical S (S + L), the malleability zip215:false rules out', () => {
    fc.assert(
      fc.property(seed, msg, (sd, m) => {
        const pub = ed25519Node.publicKey(sd);
        const sig = ed25519Node.sign(sd, m);
        const s2 = bytesToNumberLE(sig.subarray(32)) + L;
        if (s2 >= 2n ** 256n) return;
        expect(agree(pub, m, concat(sig.subarray(0, 32), le32(s2)))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('both refuse every small-order public key, even with the (identity, 0) signature OpenSSL alone would accept', () => {
    const m = Uint8Array.of(1, 2, 3);
    for (const hex of ED25519_TORSION_SUBGROUP) {
      const a = fromHex(hex);
      for (let j = 0; j < 8; j++) {
        // Every torsion point as R with S = 0, and with S = 1.
        for (const s of [0n, 1n])
          expect(agree(a, m, concat(fromHex(ED25519_TORSION_SUBGROUP[j]!), le32(s)))).toBe(false);
      }
    }
  });

  it('both refuse non-canonical encodings of A (y ≥ p), which OpenSSL alone would decode', () => {
    const m = Uint8Array.of(1, 2, 3);
    const identity = fromHex(ED25519_TORSION_SUBGROUP[0]!);
    for (const y of [P + 1n, P]) expect(agree(le32(y), m, concat(identity, le32(0n)))).toBe(false);
    expect(agree(new Uint8Array(31), m, new Uint8Array(64))).toBe(false);
    expect(agree(identity, m, new Uint8Array(63))).toBe(false);
  });

  it('crafted torsion: an R with a small-order component (noble cofactored alone would accept) fails under both', () => {
    fc.assert(
      fc.property(seed, msg, fc.integer({ min: 1, max: 7 }), (sd, m, j) => {
        const { scalar, point } = ed25519.utils.getExtendedPublicKey(sd);
        const A = point.toBytes();
        const r = 1234567n + BigInt(sd[0]!);
        const R = Point.BASE.multiply(r)
          .add(Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[j]!)))
          .toBytes();
        const k = bytesToNumberLE(sha512(concat(R, A, m))) % L;
        expect(agree(A, m, concat(R, le32((r + k * scalar) % L)))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('crafted torsion: a mixed-order A whose torsion cancels in the cofactorless equation verifies under both', () => {
    const m = Uint8Array.of(9);
    const T = Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[1]!)); // order 8
    const a = 0x1234567n;
    const A = Point.BASE.multiply(a).add(T).toBytes(); // not small order, but not in the prime-order subgroup
    let found = 0;
    for (let r = 1n; found < 3 && r < 200n; r++) {
      for (let j = 0n; j < 8n; j++) {
        const R = Point.BASE.multiply(r).add(T.multiplyUnsafe(j)).toBytes();
        const k = bytesToNumberLE(sha512(concat(R, A, m))) % L;
        const sig = concat(R, le32((r + k * a) % L));
        // [S]B = rB + k·aB and R + [k]A = rB + k·aB + (j + k)T: equal exactly when j + k ≡ 0 (mod 8).
        expect(agree(A, m, sig)).toBe((j + k) % 8n === 0n);
        if ((j + k) % 8n === 0n) found++;
      }
    }
    expect(found).toBe(3);
  });
});

const P = 2n ** 255n - 19n;
const Point = ed25519.Point;

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0, v = n; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
