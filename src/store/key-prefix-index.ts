/**
 * An in-memory index from a 32-byte key's first 48 bits to the rows that may hold it: an open-addressing hash table
 * in one typed array (12 bytes a slot, at most 3/4 full: 24 MiB for a million keys, outside the garbage collector's
 * heap, where a Map of as many numbers would take about 100 MiB and its entries count against the 2^24 a Map holds).
 * A slot's three words are adjacent, so a probe costs one cache miss, not one an array. It only narrows the search: a key is found when the caller confirms
 * a candidate row against the full key, so two keys sharing a prefix (keys are hashes, and a user can grind them)
 * can never be taken for each other; both are kept, and each is confirmed in turn.
 *
 * The slot of a prefix is mixed with a seed drawn at random for each index: a user who grinds keys to share their
 * low bits learns nothing of where they land, so cannot build one long probe chain that every lookup walks.
 */
import { randomFillSync } from 'node:crypto';
import { fail } from '../crypto/errors.js';

const INITIAL_CAPACITY = 1024;
/** A slot: bytes 0–3 of its key, bytes 4–5, and its row (0: the slot is empty). */
const SLOT_WORDS = 3;
/** The largest row the slots hold (rows are stored as row numbers in a Uint32Array; 0 marks an empty slot). */
const MAX_ROW = 0xffff_ffff;

export class KeyPrefixIndex {
  #slots: Uint32Array;
  #mask: number;
  #count = 0;
  readonly #seed: number;

  constructor(capacity = INITIAL_CAPACITY) {
    let size = INITIAL_CAPACITY;
    while (size * 0.75 < capacity) size *= 2;
    this.#slots = new Uint32Array(size * SLOT_WORDS);
    this.#mask = size - 1;
    this.#seed = randomFillSync(new Uint32Array(1))[0]!;
  }

  /** Keys recorded (a key recorded twice counts twice). */
  get size(): number {
    return this.#count;
  }

  /** Bytes the slots take. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  /** Records that `row` holds `key` (only its first 6 bytes are kept: those from `at`, if given). */
  add(key: Uint8Array, row: number, at = 0): void {
    if (!Number.isInteger(row) || row < 1 || row > MAX_ROW) fail('STORE_ERROR', `key row ${row} is beyond the index`);
    if ((this.#count + 1) * 4 > (this.#mask + 1) * 3) this.#grow();
    this.#put(low(key, at), high(key, at), row);
    this.#count++;
  }

  /**
   * The first row whose key `confirm` accepts among the rows recorded with `key`'s prefix, in the order recorded
   * (undefined if none does).
   */
  find(key: Uint8Array, confirm: (row: number) => boolean): number | undefined {
    const l = low(key);
    const h = high(key);
    const slots = this.#slots;
    for (let slot = this.#slot(l, h); ; slot = (slot + 1) & this.#mask) {
      const at = slot * SLOT_WORDS;
      const row = slots[at + 2]!;
      if (row === 0) return undefined;
      if (slots[at] === l && slots[at + 1] === h && confirm(row)) return row;
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
    const slots = this.#slots;
    let slot = this.#slot(l, h);
    while (slots[slot * SLOT_WORDS + 2] !== 0) slot = (slot + 1) & this.#mask;
    const at = slot * SLOT_WORDS;
    slots[at] = l;
    slots[at + 1] = h;
    slots[at + 2] = row;
  }

  /** Twice the slots, every key placed again. */
  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    for (let at = 0; at < old.length; at += SLOT_WORDS) {
      if (old[at + 2] !== 0) this.#put(old[at]!, old[at + 1]!, old[at + 2]!);
    }
  }
}

function low(key: Uint8Array, at = 0): number {
  return ((key[at]! << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!) >>> 0;
}

function high(key: Uint8Array, at = 0): number {
  return (key[at + 4]! << 8) | key[at + 5]!;
}
