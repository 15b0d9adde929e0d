/**
 * An in-memory index from a 32-byte key's first 48 bits to the rows that may hold it: an open-addressing hash table
 * in typed arrays (10 bytes a slot, at most 3/4 full), so a million keys cost a few megabytes outside the garbage
 * collector's heap instead of a Map's hundred. It only narrows the search: a key is found when the caller confirms
 * a candidate row against the full key, so two keys sharing a prefix (keys are hashes, and a user can grind them)
 * can never be taken for each other; both are kept, and each is confirmed in turn.
 *
 * The slot of a prefix is mixed with a seed drawn at random for each index: a user who grinds keys to share their
 * low bits learns nothing of where they land, so cannot build one long probe chain that every lookup walks.
 */
import { randomFillSync } from 'node:crypto';
import { fail } from '../crypto/errors.js';

const INITIAL_CAPACITY = 1024;
/** The largest row the slots hold (rows are stored as row numbers in a Uint32Array; 0 marks an empty slot). */
const MAX_ROW = 0xffff_ffff;

export class KeyPrefixIndex {
  /** Bytes 0–3 of each slot's key, bytes 4–5, and its row (0: the slot is empty). */
  #low: Uint32Array;
  #high: Uint16Array;
  #rows: Uint32Array;
  #mask: number;
  #count = 0;
  readonly #seed: number;

  constructor(capacity = INITIAL_CAPACITY) {
    let size = INITIAL_CAPACITY;
    while (size * 0.75 < capacity) size *= 2;
    this.#low = new Uint32Array(size);
    this.#high = new Uint16Array(size);
    this.#rows = new Uint32Array(size);
    this.#mask = size - 1;
    this.#seed = randomFillSync(new Uint32Array(1))[0]!;
  }

  /** Keys recorded (a key recorded twice counts twice). */
  get size(): number {
    return this.#count;
  }

  /** Bytes the slots take. */
  get bytes(): number {
    return this.#rows.length * 10;
  }

  /** Records that `row` holds `key` (only its first 6 bytes are kept). */
  add(key: Uint8Array, row: number): void {
    if (!Number.isInteger(row) || row < 1 || row > MAX_ROW) fail('STORE_ERROR', `key row ${row} is beyond the index`);
    if ((this.#count + 1) * 4 > this.#rows.length * 3) this.#grow();
    this.#put(low(key), high(key), row);
    this.#count++;
  }

  /**
   * The first row whose key `confirm` accepts among the rows recorded with `key`'s prefix, in the order recorded
   * (undefined if none does).
   */
  find(key: Uint8Array, confirm: (row: number) => boolean): number | undefined {
    const l = low(key);
    const h = high(key);
    const rows = this.#rows;
    for (let slot = this.#slot(l, h); ; slot = (slot + 1) & this.#mask) {
      const row = rows[slot]!;
      if (row === 0) return undefined;
      if (this.#low[slot] === l && this.#high[slot] === h && confirm(row)) return row;
    }
  }

  #slot(l: number, h: number): number {
    // murmur3's 32-bit finaliser over the prefix and the seed: every bit of the prefix moves every bit of the slot.
    let x = (l ^ this.#seed ^ Math.imul(h, 0x9e3779b1)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) & this.#mask;
  }

  #put(l: number, h: number, row: number): void {
    let slot = this.#slot(l, h);
    while (this.#rows[slot] !== 0) slot = (slot + 1) & this.#mask;
    this.#low[slot] = l;
    this.#high[slot] = h;
    this.#rows[slot] = row;
  }

  /** Twice the slots, every key placed again. */
  #grow(): void {
    const low = this.#low;
    const high = this.#high;
    const rows = this.#rows;
    this.#low = new Uint32Array(rows.length * 2);
    this.#high = new Uint16Array(rows.length * 2);
    this.#rows = new Uint32Array(rows.length * 2);
    this.#mask = rows.length * 2 - 1;
    for (let slot = 0; slot < rows.length; slot++) {
      if (rows[slot] !== 0) this.#put(low[slot]!, high[slot]!, rows[slot]!);
    }
  }
}

function low(key: Uint8Array): number {
  return ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
}

function high(key: Uint8Array): number {
  return (key[4]! << 8) | key[5]!;
}
