/**
 * The leaf hash of every entry folded so far, per log, 32 bytes each in one growing buffer: enough to tell whether
 * a reference names an entry the engine holds, and to write any entry's reference (origin, index, leaf hash) back
 * out. Families that keep one record per entry keep a number instead of a reference object (`num`: the log's
 * number × 2^32 + the index), a fraction of the memory, and the garbage collector's work, of strings.
 */
import type { EntryRef } from './types.js';

interface Log {
  origin: string;
  hashes: Uint8Array;
  present: Uint8Array;
  size: number;
}

const SHIFT = 2 ** 32;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex digit values; 256 for anything else (so a bad pair is never a byte). */
const NIBBLE = new Int16Array(65536).fill(256);
for (let c = 48; c <= 57; c++) NIBBLE[c] = c - 48;
for (let c = 97; c <= 102; c++) NIBBLE[c] = c - 87;

/** The byte at hex digits i, i+1 of s; above 255 if they are not lowercase hex. */
function hexByte(s: string, i: number): number {
  return (NIBBLE[s.charCodeAt(i)]! << 4) | NIBBLE[s.charCodeAt(i + 1)]!;
}

/**
 * `array`, holding `width` elements an entry, if it has room for entry `index`; else a copy of it grown by doubling
 * (a log's entries are numbered densely from 0, so an array by index grows as the log does).
 */
export function roomFor<A extends Uint8Array | Uint32Array>(array: A, index: number, width = 1): A {
  let cap = array.length / width;
  if (index < cap) return array;
  while (cap <= index) cap *= 2;
  const grown = new (array.constructor as new (length: number) => A)(cap * width);
  grown.set(array);
  return grown;
}

export class LeafIndex {
  readonly #ids = new Map<string, number>();
  readonly #logs: Log[] = [];

  /** The number of a log (given in order of first sight: internal, never in output). */
  id(origin: string): number {
    let id = this.#ids.get(origin);
    if (id === undefined) {
      id = this.#logs.length;
      this.#ids.set(origin, id);
      this.#logs.push({ origin, hashes: new Uint8Array(32 * 1024), present: new Uint8Array(1024), size: 0 });
    }
    return id;
  }

  /** Records an entry's leaf hash; returns its number. */
  add(origin: string, index: number, leafHash: string): number {
    const id = this.id(origin);
    const log = this.#logs[id]!;
    log.hashes = roomFor(log.hashes, index, 32);
    log.present = roomFor(log.present, index);
    for (let i = 0; i < 32; i++) log.hashes[index * 32 + i] = hexByte(leafHash, 2 * i) & 0xff;
    log.present[index] = 1;
    log.size = Math.max(log.size, index + 1);
    return id * SHIFT + index;
  }

  /** Whether the reference names an entry held, with that leaf hash. */
  has(ref: EntryRef): boolean {
    const id = this.#ids.get(ref.origin);
    const log = id === undefined ? undefined : this.#logs[id];
    if (!log || ref.index >= log.size || log.present[ref.index] !== 1 || ref.leafHash.length !== 64) return false;
    for (let i = 0; i < 32; i++) if (log.hashes[ref.index * 32 + i] !== hexByte(ref.leafHash, 2 * i)) return false;
    return true;
  }

  /** The number of a held entry, or undefined. */
  num(ref: EntryRef): number | undefined {
    return this.has(ref) ? this.#ids.get(ref.origin)! * SHIFT + ref.index : undefined;
  }

  /** A held entry's log number and index, from its number. */
  static split(num: number): [number, number] {
    const id = Math.floor(num / SHIFT);
    return [id, num - id * SHIFT];
  }

  /** The reference of a held entry by its number. */
  ref(num: number): EntryRef {
    const id = Math.floor(num / SHIFT);
    const index = num - id * SHIFT;
    const log = this.#logs[id]!;
    let leafHash = '';
    for (let i = 0; i < 32; i++) leafHash += HEX[log.hashes[index * 32 + i]!];
    return { origin: log.origin, index, leafHash };
  }
}
