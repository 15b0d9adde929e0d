/**
 * Which tiles make up a tree (C2SP tlog-tiles §"Merkle tree"): a tile at level l holds up to 256 hashes of
 * subtrees of 256^l leaves; for tree size s the tile row at level l has floor(s/256^(l+1)) full tiles and a
 * partial tile of width floor(s/256^l) mod 256, never an empty one.
 */
import { fail } from '../crypto/errors.js';
import { TILE_WIDTH } from './tile-paths.js';

export const TILE_HEIGHT = 8;

export interface TileRef {
  level: number;
  index: number;
  /** 1..256; 256 is a full tile. */
  width: number;
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0)
    fail('BAD_INPUT', `tree size: expected a non-negative integer, got ${size}`);
}

/** Number of hashes at tile level `level` for a tree of `size` leaves: floor(size / 256^level). */
export function hashesAtLevel(level: number, size: number): number {
  checkSize(size);
  return Math.floor(size / TILE_WIDTH ** level);
}

/** Width of the partial tile at `level` for `size`, 0 when that level has no partial tile. */
export function partialTileWidth(level: number, size: number): number {
  return hashesAtLevel(level, size) % TILE_WIDTH;
}

/** The tile at (level, index) as it is in a tree of `size`, or undefined if that tree has none of it. */
export function tileInTree(level: number, index: number, size: number): TileRef | undefined {
  const count = hashesAtLevel(level, size);
  const width = Math.min(TILE_WIDTH, count - index * TILE_WIDTH);
  return width > 0 ? { level, index, width } : undefined;
}

/** Every tile of a tree of `size`, level by level, left to right. */
export function* tilesOfTree(size: number): Generator<TileRef> {
  checkSize(size);
  for (let level = 0; hashesAtLevel(level, size) > 0; level++) {
    const count = hashesAtLevel(level, size);
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      yield { level, index, width: Math.min(TILE_WIDTH, count - index * TILE_WIDTH) };
    }
  }
}

/** Number of levels with at least one tile for a tree of `size`. */
export function tileLevels(size: number): number {
  let level = 0;
  while (hashesAtLevel(level, size) > 0) level++;
  return level;
}
