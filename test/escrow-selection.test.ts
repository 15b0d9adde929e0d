import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, utf8 } from '../src/crypto/bytes.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import { canonicalEligible, SeedStream, selectSample, selectWithReport } from '../src/escrow/index.js';
import { uniformBelow } from '../src/escrow/random.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { u64 } from './escrow-helpers.js';

const SEED = '5e'.repeat(32);
const sites = Array.from({ length: 30 }, (_, i) => `site-${String(i).padStart(2, '0')}`);

/** An independent reading of docs/ESCROW.md §4.3, written plainly. */
function referenceSelect(seedHex: string, eligible: string[], n: number): string[] {
  const pool = [...eligible].sort();
  const words: number[] = [];
  let counter = 0;
  const next = () => {
    if (words.length === 0) {
      const block = sha256Portable(concat(Uint8Array.of(0xde, 0x00, 0x01, 0x05), fromHex(seedHex), u64(counter++)));
      for (let i = 0; i < 32; i += 4) words.push(new DataView(block.buffer, block.byteOffset).getUint32(i));
    }
    return words.shift()!;
  };
  for (let i = 0; i < n; i++) {
    const m = pool.length - i;
    const limit = 2 ** 32 - (2 ** 32 % m);
    let x = next();
    while (x >= limit) x = next();
    const j = i + (x % m);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

describe('selection from a seed', () => {
  it('the vector of docs/ESCROW.md §6', () => {
    const seed = 'e1c353b3f51bcd7316bbc6d3d6d04823a196312b2518efb2c23ea922b021228c';
    expect(selectSample(seed, sites, 5, sha256Node)).toEqual(['site-16', 'site-09', 'site-00', 'site-06', 'site-13']);
    expect(referenceSelect(seed, sites, 5)).toEqual(['site-16', 'site-09', 'site-00', 'site-06', 'site-13']);
  });

  it('matches the independent reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 30 }), (seed, n) => {
        const hex = Buffer.from(seed).toString('hex');
        expect(selectSample(hex, sites, n, sha256Node)).toEqual(referenceSelect(hex, sites, n));
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic and independent of the order the eligible set is given in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (ids, n0, seed) => {
          const n = n0 % (ids.length + 1);
          const shuffled = [...ids].reverse();
          const a = selectSample(seed, ids, n, sha256Node);
          expect(selectSample(seed, shuffled, n, sha256Portable)).toEqual(a);
          expect(new Set(a).size).toBe(n);
          for (const x of a) expect(ids).toContain(x);
        },
      ),
    );
  });

  it('selects every id equally often over many seeds (chi-square)', () => {
    const N = 10;
    const n = 3;
    const runs = 4000;
    const eligible = sites.slice(0, N);
    const counts = new Map(eligible.map((s) => [s, 0]));
    const first = new Map(eligible.map((s) => [s, 0]));
    for (let r = 0; r < runs; r++) {
      const seed = sha256Node(utf8(`seed ${r}`));
      const picked = selectSample(seed, eligible, n, sha256Node);
      for (const s of picked) counts.set(s, counts.get(s)! + 1);
      first.set(picked[0]!, first.get(picked[0]!)! + 1);
    }
    const chi2 = (m: Map<string, number>, expected: number) =>
      [...m.values()].reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: p = 0.001 at 27.9.
    expect(chi2(counts, (runs * n) / N)).toBeLessThan(27.9);
    expect(chi2(first, runs / N)).toBeLessThan(27.9);
  });

  it('rejection sampling: words in the biased tail are drawn again', () => {
    // bound 3: 2^32 mod 3 = 1, so the word 2^32 - 1 is rejected.
    const words = [2 ** 32 - 1, 2 ** 32 - 1, 7];
    expect(uniformBelow(3, () => words.shift()!)).toBe(1);
    expect(() => uniformBelow(0, () => 0)).toThrow(/out of range/);
  });

  it('the stream reads eight words a block, counter from zero', () => {
    const seed = fromHex(SEED);
    const s = new SeedStream(seed, sha256Node);
    const block0 = sha256Portable(concat(Uint8Array.of(0xde, 0x00, 0x01, 0x05), seed, u64(0)));
    const block1 = sha256Portable(concat(Uint8Array.of(0xde, 0x00, 0x01, 0x05), seed, u64(1)));
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset);
    for (let i = 0; i < 8; i++) expect(s.nextU32()).toBe(view(block0).getUint32(4 * i));
    expect(s.nextU32()).toBe(view(block1).getUint32(0));
  });

  it('refuses duplicates, a sample larger than the set, and a short seed', () => {
    expect(() => canonicalEligible(['a', 'b', 'a'])).toThrow(/twice/);
    expect(() => selectSample(SEED, ['a'], 2, sha256Node)).toThrow(/n: expected/);
    expect(() => selectSample('abcd', ['a'], 1, sha256Node)).toThrow(/seed/);
  });

  it('reports the detection probability next to the draw', () => {
    const report = selectWithReport(SEED, sites, 5, sha256Node, [1, 3]);
    expect(report.selected).toHaveLength(5);
    expect(report.detection[0]).toEqual({ k: 1, probability: expect.closeTo(5 / 30, 12) });
    expect(report.detection[1]!.probability).toBeCloseTo(1 - (25 * 24 * 23) / (30 * 29 * 28), 12);
  });
});
