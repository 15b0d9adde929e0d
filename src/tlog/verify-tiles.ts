/**
 * Verifies a whole tlog-tiles log from scratch, trusting nothing the source says: every entry against its leaf
 * hash in the level-0 tiles, every higher tile slot against the root of the full tile below it (as the entries
 * compute it), and the root of all leaves
 * against the checkpoint. Streams one bundle and one tile at a time, so memory does not grow with the log.
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import { CompactRange } from './compact-range.js';
import { decodeBundle } from './entry-bundle.js';
import { HASH_SIZE, type Rfc6962Hasher } from './hasher.js';
import { hashesAtLevel, TILE_HEIGHT, tileLevels } from './tile-math.js';
import { entriesPath, TILE_WIDTH, tilePath } from './tile-paths.js';
import type { TileSource } from './tile-source.js';

export interface VerifyTilesOptions {
  /** Called for each entry once its leaf hash has been checked, in index order. */
  onEntry?: (index: number, entry: Uint8Array) => void;
  /** Called with the root and compact-range peaks of every prefix listed in `prefixSizes`, as the stream reaches it. */
  prefixSizes?: readonly number[];
  onPrefix?: (size: number, root: Uint8Array, peaks: Uint8Array[]) => void;
  /** Progress in units of work (entries, then tile slots). */
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyTilesReport {
  size: number;
  entries: number;
  tiles: number;
}

export function pathOf(level: number, index: number, width: number): string {
  return tilePath(level, index, width === TILE_WIDTH ? 0 : width);
}

/** Work units of a whole verification: the entries, then every slot of the tiles above level 0. */
export function verifyWork(size: number): number {
  let total = size;
  for (let level = 1; level < tileLevels(size); level++) total += hashesAtLevel(level, size);
  return total;
}

/**
 * Checks level-0 tile `index` (`width` slots) against its decoded entries: `hashLeaf` writes each entry's leaf hash
 * into `leaves` (width·32 bytes), which must equal the tile slot for slot. The single-threaded verifier and the
 * parallel one both call this, so that they fail alike, on the same entry.
 */
export function checkLeafTile(
  index: number,
  width: number,
  entries: readonly Uint8Array[],
  tile: Uint8Array,
  leaves: Uint8Array,
  hashLeaf: (entry: Uint8Array, out: Uint8Array, at: number) => void,
): void {
  if (tile.length !== width * HASH_SIZE) {
    fail('LOG_INCONSISTENT', `${pathOf(0, index, width)}: expected ${width * HASH_SIZE} bytes, got ${tile.length}`);
  }
  for (let slot = 0; slot < width; slot++) {
    const at = slot * HASH_SIZE;
    hashLeaf(entries[slot]!, leaves, at);
    for (let i = 0; i < HASH_SIZE; i++) {
      if (leaves[at + i] !== tile[at + i]) {
        fail(
          'LOG_INCONSISTENT',
          `entry ${index * TILE_WIDTH + slot} (${entriesPath(index, width === TILE_WIDTH ? 0 : width)}) does not match its leaf hash in ${pathOf(0, index, width)}`,
        );
      }
    }
  }
}

/**
 * The roots of full tiles, by tile level: tileRoots[l][i] is the root of full tile (l − 1, i), which must be slot
 * i of the tiles at level l. A compact range fills it as it completes binary levels 8, 16, … (`collector`).
 */
export type TileRoots = Uint8Array[][];

export function tileRootCollector(tileRoots: TileRoots, levelOffset = 0) {
  return (level: number, index: number, hash: Uint8Array) => {
    if (level === 0 || level % TILE_HEIGHT !== 0) return;
    const tileLevel = level / TILE_HEIGHT + levelOffset;
    const row = tileRoots[tileLevel] ?? [];
    row[index] = hash;
    tileRoots[tileLevel] = row;
  };
}

/** Every tile above level 0: each slot must be the root of one full tile below it, as the entries compute it. */
export async function checkUpperTiles(
  source: TileSource,
  size: number,
  tileRoots: TileRoots,
  progress: (width: number) => void,
): Promise<number> {
  let tiles = 0;
  for (let level = 1; level < tileLevels(size); level++) {
    const count = hashesAtLevel(level, size);
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      const width = Math.min(TILE_WIDTH, count - index * TILE_WIDTH);
      const tile = await source.hashTile(level, index, width);
      tiles++;
      if (tile.length !== width * HASH_SIZE) {
        fail(
          'LOG_INCONSISTENT',
          `${pathOf(level, index, width)}: expected ${width * HASH_SIZE} bytes, got ${tile.length}`,
        );
      }
      for (let slot = 0; slot < width; slot++) {
        const expected = tileRoots[level]?.[index * TILE_WIDTH + slot];
        if (!expected || !equalBytes(expected, tile.subarray(slot * HASH_SIZE, (slot + 1) * HASH_SIZE))) {
          fail(
            'LOG_INCONSISTENT',
            `${pathOf(level, index, width)} slot ${slot} is not the root of ${pathOf(level - 1, index * TILE_WIDTH + slot, TILE_WIDTH)} as the entries compute it`,
          );
        }
      }
      progress(width);
    }
  }
  return tiles;
}

export function checkRoot(root: Uint8Array, checkpoint: { root: Uint8Array }): void {
  if (!equalBytes(root, checkpoint.root)) {
    fail(
      'LOG_INCONSISTENT',
      `the entries hash to root ${toHex(root)}, but the checkpoint says ${toHex(checkpoint.root)}`,
    );
  }
}

/** Checks everything below a checkpoint (already opened and trusted for {size, root}). */
export async function verifyTiles(
  source: TileSource,
  hasher: Rfc6962Hasher,
  checkpoint: { size: number; root: Uint8Array },
  options: VerifyTilesOptions = {},
): Promise<VerifyTilesReport> {
  const { size } = checkpoint;
  const total = verifyWork(size);
  let done = 0;
  let tiles = 0;
  const prefixes = [...(options.prefixSizes ?? [])].sort((a, b) => a - b);
  let nextPrefix = 0;
  const range = new CompactRange(hasher);
  // The compact range completes the root of every full tile on its way (binary levels 8, 16, …): keep them to
  // check the tile rows above level 0 without reading or hashing the level below again. n/8 bytes in all.
  const tileRoots: TileRoots = [];
  const collect = tileRootCollector(tileRoots);
  const reportPrefixes = () => {
    while (nextPrefix < prefixes.length && prefixes[nextPrefix]! <= range.size) {
      if (prefixes[nextPrefix] === range.size) options.onPrefix?.(range.size, range.root(), range.peaks());
      nextPrefix++;
    }
  };
  reportPrefixes();
  const hashLeaf = (entry: Uint8Array, out: Uint8Array, at: number) => out.set(hasher.hashLeaf(entry), at);
  const leaves = new Uint8Array(TILE_WIDTH * HASH_SIZE);

  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
    const entries = decodeBundle(await source.entryBundle(index, width), width);
    const tile = await source.hashTile(0, index, width);
    tiles++;
    checkLeafTile(index, width, entries, tile, leaves, hashLeaf);
    for (let slot = 0; slot < width; slot++) {
      range.append(leaves.slice(slot * HASH_SIZE, (slot + 1) * HASH_SIZE), collect);
      options.onEntry?.(index * TILE_WIDTH + slot, entries[slot]!);
      reportPrefixes();
    }
    done += width;
    options.onProgress?.(done, total);
  }

  checkRoot(range.root(), checkpoint);
  tiles += await checkUpperTiles(source, size, tileRoots, (width) => {
    done += width;
    options.onProgress?.(done, total);
  });
  return { size, entries: size, tiles };
}
