/**
 * A compact range (transparency-dev/merkle's compact.Range) for the prefix [0, size): the roots of the perfect
 * subtrees that tile it, one per set bit of `size`, largest first. Appending a leaf merges equal-height peaks,
 * so an append costs O(log n) hashes amortised O(1), and the root never needs the whole tree.
 */
import { fail } from '../crypto/errors.js';
import type { Rfc6962Hasher } from './hasher.js';

/** Called for each perfect subtree completed by an append: (level, index, hash), level 0 being leaves. */
export type NodeVisitor = (level: number, index: number, hash: Uint8Array) => void;

export class CompactRange {
  readonly #hasher: Rfc6962Hasher;
  #size: number;
  // peaks[i] has height heightOf(i); ordered from the left (tallest) to the right (shortest).
  readonly #peaks: Uint8Array[];

  constructor(hasher: Rfc6962Hasher, size = 0, peaks: Uint8Array[] = []) {
    if (!Number.isSafeInteger(size) || size < 0)
      fail('BAD_INPUT', `compact range size: expected a non-negative integer, got ${size}`);
    if (peaks.length !== popcount(size)) {
      fail('BAD_INPUT', `compact range: size ${size} needs ${popcount(size)} peaks, got ${peaks.length}`);
    }
    this.#hasher = hasher;
    this.#size = size;
    this.#peaks = peaks.map((p) => p.slice());
  }

  get size(): number {
    return this.#size;
  }

  /** The peaks, tallest first; copies, so a caller cannot corrupt the range. */
  peaks(): Uint8Array[] {
    return this.#peaks.map((p) => p.slice());
  }

  /** Appends one leaf hash; `visit` sees the leaf and every interior node the append completes. */
  append(leafHash: Uint8Array, visit?: NodeVisitor): void {
    let hash = leafHash;
    let index = this.#size;
    let level = 0;
    visit?.(level, index, hash);
    // Each trailing 1 bit of the old size is a peak of the same height as the new node: merge them.
    while (index % 2 === 1) {
      const left = this.#peaks.pop()!;
      hash = this.#hasher.hashChildren(left, hash);
      index = (index - 1) / 2;
      level++;
      visit?.(level, index, hash);
    }
    this.#peaks.push(hash);
    this.#size++;
  }

  /** MTH of [0, size): the peaks folded from the right. */
  root(): Uint8Array {
    if (this.#peaks.length === 0) return this.#hasher.emptyRoot();
    let hash = this.#peaks[this.#peaks.length - 1]!;
    for (let i = this.#peaks.length - 2; i >= 0; i--) hash = this.#hasher.hashChildren(this.#peaks[i]!, hash);
    return hash;
  }
}

export function popcount(n: number): number {
  let count = 0;
  // n may exceed 2^32, so no bitwise tricks on the whole number.
  while (n > 0) {
    if (n % 2 === 1) count++;
    n = Math.floor(n / 2);
  }
  return count;
}
