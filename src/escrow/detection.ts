/**
 * How likely a random sample is to catch a violation (Avenhaus and Canty, Compliance Quantified, 1996): with k
 * undeclared (or misdeclared) items among N, inspecting n chosen uniformly without replacement finds at least one
 * with probability 1 − C(N−k, n) / C(N, n) (hypergeometric).
 */
import { fail } from '../crypto/errors.js';

/** Populations up to 2^32; the float form stays fast and stable there. */
export const MAX_POPULATION = 2 ** 32;
/** The exact (bigint) form multiplies min(k, n) factors; beyond this it would be slow for nothing. */
export const MAX_EXACT_FACTORS = 20_000;

function checkArgs(N: number, k: number, n: number): void {
  if (!Number.isInteger(N) || N < 0 || N > MAX_POPULATION) fail('BAD_INPUT', `N: expected an integer in [0, 2^32]`);
  if (!Number.isInteger(k) || k < 0 || k > N) fail('BAD_INPUT', `k: expected an integer in [0, N=${N}]`);
  if (!Number.isInteger(n) || n < 0 || n > N) fail('BAD_INPUT', `n: expected an integer in [0, N=${N}]`);
}

/**
 * P(at least one of k violators among N is in a uniform sample of n). Computed as 1 − P(miss) with
 * P(miss) = C(N−k, n)/C(N, n) = ∏_{i<m} (1 − a/(N−i)), where m = min(k, n) and a = max(k, n): a product of m
 * factors summed in log space with log1p and closed with expm1, so that a probability of 1e-12 keeps its digits.
 */
export function detectionProbability(N: number, k: number, n: number): number {
  checkArgs(N, k, n);
  if (k === 0 || n === 0) return 0;
  if (k + n > N) return 1; // the sample cannot avoid every violator
  const m = Math.min(k, n);
  const a = Math.max(k, n);
  let logMiss = 0;
  for (let i = 0; i < m; i++) {
    logMiss += Math.log1p(-a / (N - i));
    if (logMiss < -800) return 1; // exp(-800) underflows: a miss is impossible to double precision
  }
  return -Math.expm1(logMiss);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The same probability as an exact fraction in lowest terms, for small inputs and for tests. */
export function detectionProbabilityExact(N: number, k: number, n: number): { numerator: bigint; denominator: bigint } {
  checkArgs(N, k, n);
  const m = Math.min(k, n);
  if (m > MAX_EXACT_FACTORS) fail('BAD_INPUT', `min(k, n) = ${m} is too large for the exact form`);
  const a = BigInt(Math.max(k, n));
  const big = BigInt(N);
  let miss = 1n;
  let all = 1n;
  for (let i = 0n; i < BigInt(m); i++) {
    const left = big - a - i;
    miss *= left > 0n ? left : 0n;
    all *= big - i;
  }
  const numerator = all - miss;
  const g = gcd(numerator, all);
  return g === 0n ? { numerator: 0n, denominator: 1n } : { numerator: numerator / g, denominator: all / g };
}

/** The smallest n whose detection probability reaches `confidence` (0 < confidence ≤ 1), or N if none does. */
export function samplesForConfidence(N: number, k: number, confidence: number): number {
  checkArgs(N, k, 0);
  if (!(confidence > 0 && confidence <= 1)) fail('BAD_INPUT', 'confidence: expected a number in (0, 1]');
  if (k === 0) return N;
  let lo = 1;
  let hi = N;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (detectionProbability(N, k, mid) >= confidence) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** For a sample of n among N: the detection probability for each assumed number of violators k. */
export function detectionTable(
  N: number,
  n: number,
  ks: readonly number[] = [1, 2, 5, 10],
): { k: number; probability: number }[] {
  return ks.filter((k) => k <= N).map((k) => ({ k, probability: detectionProbability(N, k, n) }));
}
