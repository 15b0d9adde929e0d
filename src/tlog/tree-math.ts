/**
 * Bit arithmetic on tree coordinates (sizes, leaf indexes, node indexes) held in JS numbers.
 * They go up to 2^53 − 1, past the 32 bits JS bitwise operators see, so every helper here splits a number into
 * 32-bit halves or divides by a power of two instead of shifting. Inputs are non-negative safe integers: callers
 * validate first.
 */

const TWO_32 = 2 ** 32;

function bitLength32(x: number): number {
  return 32 - Math.clz32(x);
}

function trailingZeros32(x: number): number {
  // x & -x isolates the lowest set bit (as an int32; clz32 reads it back as unsigned).
  return 31 - Math.clz32(x & -x);
}

/** Significant bits of n: bitLength(0) = 0, bitLength(5) = 3 (Go's bits.Len64). */
export function bitLength(n: number): number {
  const hi = Math.floor(n / TWO_32);
  return hi > 0 ? 32 + bitLength32(hi) : bitLength32(n >>> 0);
}

/**
 * bitLength(a XOR b): how many levels up the leaf-to-root paths of leaves a and b still differ, i.e. the height of
 * their lowest common ancestor.
 */
export function xorBitLength(a: number, b: number): number {
  const hi = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  if (hi !== 0) return 32 + bitLength32(hi);
  return bitLength32(((a >>> 0) ^ (b >>> 0)) >>> 0);
}

/** Trailing zero bits of n > 0 (Go's bits.TrailingZeros64): the height of the last perfect subtree of [0, n). */
export function trailingZeros(n: number): number {
  const lo = n >>> 0;
  return lo !== 0 ? trailingZeros32(lo) : 32 + trailingZeros32(Math.floor(n / TWO_32));
}

/** n >> k. */
export function shr(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

/** Bit k of n, 0 or 1. */
export function bitAt(n: number, k: number): number {
  return shr(n, k) % 2;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && n === 2 ** trailingZeros(n);
}

/** The smallest power of two ≥ n (draft-ietf-plants-merkle-tree-certs BIT_CEIL); bitCeil(0) = 1. */
export function bitCeil(n: number): number {
  return n <= 1 ? 1 : 2 ** bitLength(n - 1);
}

/** Set bits of n (Go's bits.OnesCount64): one per perfect subtree of [0, n). */
export { popcount } from './compact-range.js';
