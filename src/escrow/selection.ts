/**
 * Deterministic selection from a seed (docs/ESCROW.md §4.3): the eligible ids sorted canonically, then a partial
 * Fisher–Yates shuffle driven by a SHA-256 counter-mode stream, with rejection sampling so that no index is
 * favoured by a modulo. Anyone with the seed and the eligible set recomputes the same sample.
 */
import { fail } from '../crypto/errors.js';
import type { Sha256 } from '../crypto/sha256.js';
import { detectionTable } from './detection.js';
import { HASH_SIZE, parseHash, TAG, writeU64 } from './format.js';
import { uniformBelow } from './random.js';

/**
 * 32-bit words from block_i = H("detente/escrow/v1/select\0" ‖ seed(32) ‖ u64be(i)), i = 0, 1, ..., each block
 * read as eight big-endian words in order.
 */
export class SeedStream {
  readonly #sha256: Sha256;
  readonly #input: Uint8Array;
  readonly #inputView: DataView;
  #counter = 0;
  #block: Uint8Array = new Uint8Array(0);
  #blockView: DataView = new DataView(new ArrayBuffer(0));
  #pos = 0;

  constructor(seed: Uint8Array, sha256: Sha256) {
    if (!(seed instanceof Uint8Array) || seed.length !== HASH_SIZE) fail('BAD_INPUT', 'seed: expected 32 bytes');
    this.#sha256 = sha256;
    this.#input = new Uint8Array(TAG.select.length + HASH_SIZE + 8);
    this.#input.set(TAG.select);
    this.#input.set(seed, TAG.select.length);
    this.#inputView = new DataView(this.#input.buffer);
  }

  nextU32(): number {
    if (this.#pos >= this.#block.length) {
      writeU64(this.#inputView, TAG.select.length + HASH_SIZE, this.#counter++);
      const block = this.#sha256(this.#input);
      this.#block = block;
      this.#blockView = new DataView(block.buffer, block.byteOffset, block.byteLength);
      this.#pos = 0;
    }
    const x = this.#blockView.getUint32(this.#pos);
    this.#pos += 4;
    return x;
  }
}

/** The eligible ids in canonical order (UTF-16 code units), refusing duplicates and non-strings. */
export function canonicalEligible(eligible: readonly string[]): string[] {
  if (!Array.isArray(eligible)) fail('BAD_INPUT', 'eligible: expected an array of ids');
  const sorted = [...eligible].sort();
  for (let i = 0; i < sorted.length; i++) {
    if (typeof sorted[i] !== 'string') fail('BAD_INPUT', 'eligible: expected string ids');
    if (i > 0 && sorted[i] === sorted[i - 1]) fail('BAD_INPUT', `eligible: ${JSON.stringify(sorted[i])} appears twice`);
  }
  return sorted;
}

/**
 * Selects n of the eligible ids from a 32-byte seed (hex or bytes), in draw order. The result does not depend on
 * the order the eligible ids are given in.
 */
export function selectSample(
  seed: string | Uint8Array,
  eligible: readonly string[],
  n: number,
  sha256: Sha256,
): string[] {
  const seedBytes = typeof seed === 'string' ? parseHash(seed, 'seed', 'BAD_INPUT') : seed;
  const pool = canonicalEligible(eligible);
  const N = pool.length;
  if (N > 2 ** 32) fail('BAD_INPUT', 'eligible: more than 2^32 ids');
  if (!Number.isInteger(n) || n < 0 || n > N) fail('BAD_INPUT', `n: expected an integer in [0, ${N}]`);
  const stream = new SeedStream(seedBytes, sha256);
  const next = () => stream.nextU32();
  for (let i = 0; i < n; i++) {
    const j = i + uniformBelow(N - i, next);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, n);
}

export interface SelectionReport {
  seed: string;
  eligibleCount: number;
  sampleSize: number;
  selected: string[];
  /** P(detect ≥ 1) if k of the eligible were violations, for each k shown. */
  detection: { k: number; probability: number }[];
}

/** A selection together with what it can detect: the figures to show next to every draw. */
export function selectWithReport(
  seed: string,
  eligible: readonly string[],
  n: number,
  sha256: Sha256,
  ks: readonly number[] = [1, 2, 5, 10],
): SelectionReport {
  const selected = selectSample(seed, eligible, n, sha256);
  return {
    seed,
    eligibleCount: eligible.length,
    sampleSize: n,
    selected,
    detection: detectionTable(eligible.length, n, ks),
  };
}
