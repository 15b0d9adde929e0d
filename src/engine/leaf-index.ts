/**
 * The leaf hash of every entry folded so far, per log, 32 bytes each in one growing buffer: enough to tell whether
 * a reference names an entry the engine holds, at a fraction of the memory of a map of strings.
 */
import type { EntryRef } from './types.js';

interface Log {
  hashes: Uint8Array;
  present: Uint8Array;
  size: number;
}

function nibble(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : 256;
}

/** The byte at hex digits i, i+1 of s; above 255 if they are not lowercase hex. */
function hexByte(s: string, i: number): number {
  return (nibble(s.charCodeAt(i)) << 4) | nibble(s.charCodeAt(i + 1));
}

export class LeafIndex {
  readonly #logs = new Map<string, Log>();

  add(origin: string, index: number, leafHash: string): void {
    let log = this.#logs.get(origin);
    if (!log) {
      log = { hashes: new Uint8Array(32 * 1024), present: new Uint8Array(1024), size: 0 };
      this.#logs.set(origin, log);
    }
    if (index >= log.present.length) {
      let cap = log.present.length;
      while (cap <= index) cap *= 2;
      const hashes = new Uint8Array(cap * 32);
      hashes.set(log.hashes);
      const present = new Uint8Array(cap);
      present.set(log.present);
      log.hashes = hashes;
      log.present = present;
    }
    for (let i = 0; i < 32; i++) log.hashes[index * 32 + i] = hexByte(leafHash, 2 * i) & 0xff;
    log.present[index] = 1;
    log.size = Math.max(log.size, index + 1);
  }

  has(ref: EntryRef): boolean {
    const log = this.#logs.get(ref.origin);
    if (!log || ref.index >= log.size || log.present[ref.index] !== 1 || ref.leafHash.length !== 64) return false;
    for (let i = 0; i < 32; i++) if (log.hashes[ref.index * 32 + i] !== hexByte(ref.leafHash, 2 * i)) return false;
    return true;
  }
}
