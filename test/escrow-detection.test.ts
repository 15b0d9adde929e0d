import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectionProbability,
  detectionProbabilityExact,
  detectionTable,
  samplesForConfidence,
} from '../src/escrow/index.js';

/** Counts, over every n-subset of N items, those that contain at least one of the first k. */
function bruteForce(N: number, k: number, n: number): { hits: number; total: number } {
  let hits = 0;
  let total = 0;
  for (let mask = 0; mask < 1 << N; mask++) {
    let bits = 0;
    for (let m = mask; m; m &= m - 1) bits++;
    if (bits !== n) continue;
    total++;
    if (mask & ((1 << k) - 1)) hits++;
  }
  return { hits, total };
}

describe('hypergeometric detection probability', () => {
  it('equals brute-force enumeration for every N ≤ 12', () => {
    for (let N = 0; N <= 12; N++) {
      for (let k = 0; k <= N; k++) {
        for (let n = 0; n <= N; n++) {
          const { hits, total } = bruteForce(N, k, n);
          expect(detectionProbability(N, k, n)).toBeCloseTo(hits / total, 14);
          const exact = detectionProbabilityExact(N, k, n);
          // Same fraction: hits/total = numerator/denominator.
          expect(BigInt(hits) * exact.denominator).toBe(exact.numerator * BigInt(total));
        }
      }
    }
  });

  it('agrees with the exact fraction to 1e-13 relative, for larger random inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), (N, k0, n0) => {
        const k = k0 % Math.min(N + 1, 300);
        const n = n0 % (N + 1);
        const { numerator, denominator } = detectionProbabilityExact(N, k, n);
        // Scale to keep 60 bits of the exact value before converting to a float.
        const exact = Number((numerator * 2n ** 60n) / denominator) / 2 ** 60;
        const p = detectionProbability(N, k, n);
        expect(Math.abs(p - exact)).toBeLessThanOrEqual(1e-13 * Math.max(exact, 2 ** -60) + 2 ** -59);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps small probabilities accurate (no cancellation)', () => {
    // One violator among a billion, one sample: exactly 1e-9.
    expect(detectionProbability(1e9, 1, 1) / 1e-9).toBeCloseTo(1, 12);
    expect(detectionProbability(2 ** 32, 1, 2)).toBeCloseTo(2 / 2 ** 32, 20);
    expect(detectionProbability(2 ** 32, 2 ** 20, 2 ** 20)).toBe(1); // 256 expected hits: a miss is below double precision
  });

  it('edge cases: nothing to find, nothing sampled, a sample too large to miss', () => {
    expect(detectionProbability(10, 0, 5)).toBe(0);
    expect(detectionProbability(10, 3, 0)).toBe(0);
    expect(detectionProbability(10, 3, 8)).toBe(1);
    expect(detectionProbability(0, 0, 0)).toBe(0);
    expect(() => detectionProbability(10, 11, 1)).toThrow(/k:/);
    expect(() => detectionProbability(10, 1, 11)).toThrow(/n:/);
  });

  it('a worked example: 5 undeclared among 100, 20 inspected', () => {
    // 1 - C(95,20)/C(100,20) = 1 - (80·79·78·77·76)/(100·99·98·97·96)
    const p = 1 - (80 * 79 * 78 * 77 * 76) / (100 * 99 * 98 * 97 * 96);
    expect(detectionProbability(100, 5, 20)).toBeCloseTo(p, 14);
    expect(p).toBeCloseTo(0.6807, 4);
  });

  it('samplesForConfidence returns the smallest sufficient sample', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.nat(),
        fc.double({ min: 0.01, max: 0.999, noNaN: true }),
        (N, k0, c) => {
          const k = 1 + (k0 % N);
          const n = samplesForConfidence(N, k, c);
          expect(detectionProbability(N, k, n)).toBeGreaterThanOrEqual(c);
          if (n > 1) expect(detectionProbability(N, k, n - 1)).toBeLessThan(c);
        },
      ),
      { numRuns: 100 },
    );
    expect(detectionTable(100, 20, [1, 5, 200])).toHaveLength(2);
  });
});
