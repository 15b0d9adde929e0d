/**
 * Tree integration (Tessera's second step, after index assignment): fold new leaf hashes into the compact range
 * and into the tlog-tiles rows. A tile at level t holds the hashes of binary level 8t, so every node that the
 * compact range completes at a level divisible by 8 lands in a tile slot; nothing else is ever stored.
 */
import { fail } from '../crypto/errors.js';
import { CompactRange } from './compact-range.js';
import { HASH_SIZE, type Rfc6962Hasher } from './hasher.js';
import { partialTileWidth, TILE_HEIGHT, tileLevels } from './tile-math.js';
import { TILE_WIDTH } from './tile-paths.js';

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/** The rightmost, incomplete tile of one level. */
export interface TileTail {
  index: number;
  width: number;
  /** TILE_BYTES long; only the first width·32 bytes are meaningful. */
  hashes: Uint8Array;
}

export interface TileWrite {
  level: number;
  index: number;
  /** width·32 bytes; a full tile when width is 256. */
  data: Uint8Array;
}

/** Rebuilds the tail of a level from the stored bytes of its partial tile. */
export function tailFromTile(index: number, data: Uint8Array): TileTail {
  const hashes = new Uint8Array(TILE_BYTES);
  hashes.set(data);
  return { index, width: data.length / HASH_SIZE, hashes };
}

export class TileIntegrator {
  readonly #range: CompactRange;
  readonly #tails: Map<number, TileTail>;

  /** `tails` maps tile level → its partial tile, for every level that has one at `range.size`. */
  constructor(range: CompactRange, tails: Map<number, TileTail>) {
    this.#range = range;
    this.#tails = tails;
  }

  get size(): number {
    return this.#range.size;
  }

  root(): Uint8Array {
    return this.#range.root();
  }

  peaks(): Uint8Array[] {
    return this.#range.peaks();
  }

  /** Appends leaf hashes; returns every tile whose content changed, each once, in its latest state. */
  integrate(leafHashes: readonly Uint8Array[]): TileWrite[] {
    const writes = new Map<string, TileWrite>();
    const visit = (level: number, index: number, hash: Uint8Array) => {
      if (level % TILE_HEIGHT !== 0) return;
      const tileLevel = level / TILE_HEIGHT;
      const tileIndex = Math.floor(index / TILE_WIDTH);
      const slot = index % TILE_WIDTH;
      let tail = this.#tails.get(tileLevel);
      if (slot === 0) {
        tail = { index: tileIndex, width: 0, hashes: new Uint8Array(TILE_BYTES) };
        this.#tails.set(tileLevel, tail);
      }
      if (!tail || tail.index !== tileIndex || tail.width !== slot) {
        fail('LOG_INCONSISTENT', `tile ${tileLevel}/${tileIndex} slot ${slot} does not follow the stored tail`);
      }
      tail.hashes.set(hash, slot * HASH_SIZE);
      tail.width = slot + 1;
      const data = tail.width === TILE_WIDTH ? tail.hashes : tail.hashes.subarray(0, tail.width * HASH_SIZE);
      writes.set(`${tileLevel}/${tileIndex}`, { level: tileLevel, index: tileIndex, data });
      if (tail.width === TILE_WIDTH) this.#tails.delete(tileLevel);
    };
    for (const leaf of leafHashes) this.#range.append(leaf, visit);
    // Copy out: a partial tile's buffer keeps growing with later appends.
    return [...writes.values()].map((w) => ({ ...w, data: w.data.slice() }));
  }
}

/**
 * An integrator that continues a tree of `size` leaves from its compact-range peaks and the stored partial tile of
 * each level (read through `readTile`), so that a writer resumes without reading the tree.
 */
export function resumeIntegrator(
  hasher: Rfc6962Hasher,
  size: number,
  peaks: Uint8Array[],
  readTile: (level: number, index: number) => Uint8Array | undefined,
): TileIntegrator {
  const range = new CompactRange(hasher, size, peaks);
  const tails = new Map<number, TileTail>();
  for (let level = 0; level < tileLevels(size); level++) {
    const width = partialTileWidth(level, size);
    if (width === 0) continue;
    const index = Math.floor(size / TILE_WIDTH ** (level + 1));
    const stored = readTile(level, index);
    if (!stored || stored.length < width * HASH_SIZE) {
      fail('LOG_INCONSISTENT', `tile ${level}/${index} of width ${width} is missing for size ${size}`);
    }
    tails.set(level, tailFromTile(index, stored.subarray(0, width * HASH_SIZE)));
  }
  return new TileIntegrator(range, tails);
}
