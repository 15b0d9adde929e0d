/**
 * Reads any perfect subtree's hash from tlog-tiles: the tile at level ⌊h/8⌋ holds the hashes of binary level
 * 8⌊h/8⌋, and a node h mod 8 levels above them is folded from 2^(h mod 8) adjacent slots of one tile.
 * Proof generation needs O(log n) of these, each at most 127 hashes: no interior node is ever stored.
 */
import { fail } from '../crypto/errors.js';
import { HASH_SIZE, type Rfc6962Hasher } from './hasher.js';
import { TILE_HEIGHT } from './tile-math.js';
import { TILE_WIDTH } from './tile-paths.js';

export type TileReader = (level: number, index: number) => Uint8Array | undefined;

/** MTH of 2^k hashes laid side by side (a perfect subtree). */
export function foldPerfect(hasher: Rfc6962Hasher, hashes: Uint8Array, count: number): Uint8Array {
  const row: Uint8Array[] = [];
  for (let i = 0; i < count; i++) row.push(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  for (let n = count; n > 1; n /= 2) {
    for (let i = 0; i < n / 2; i++) row[i] = hasher.hashChildren(row[2 * i]!, row[2 * i + 1]!);
  }
  return row[0]!.slice();
}

/** All 511 nodes of a full tile's subtree, level by level: 256 leaves-of-the-tile, 128, …, 1 (the tile root). */
function tileTree(hasher: Rfc6962Hasher, tile: Uint8Array): Uint8Array {
  const tree = new Uint8Array((2 * TILE_WIDTH - 1) * HASH_SIZE);
  tree.set(tile);
  let read = 0;
  let write = TILE_WIDTH;
  for (let width = TILE_WIDTH; width > 1; width /= 2) {
    for (let i = 0; i < width; i += 2, read += 2, write++) {
      const left = tree.subarray(read * HASH_SIZE, (read + 1) * HASH_SIZE);
      const right = tree.subarray((read + 1) * HASH_SIZE, (read + 2) * HASH_SIZE);
      tree.set(hasher.hashChildren(left, right), write * HASH_SIZE);
    }
  }
  return tree;
}

// Offset (in nodes) of each height's row inside a tile tree: 0, 256, 384, …
const ROW_OFFSET = Array.from({ length: TILE_HEIGHT + 1 }, (_, h) => 2 * TILE_WIDTH - 2 * (TILE_WIDTH >> h));

/** 2,048 full tile trees ≈ 32 MiB: enough for the upper levels of any log and the hot part of its bottom row. */
const CACHED_TILES = 2048;

/**
 * Nodes folded from partial tiles: a perfect subtree's hash never changes once its leaves exist (the log only
 * appends), so each is computed once. Only the right edge of a tree has partial tiles, at most 255 nodes a level.
 */
const CACHED_FOLDS = 4096;

interface Caches {
  // Full tiles never change, so their whole subtree is computed once and kept.
  trees: Map<string, Uint8Array>;
  folds: Map<string, Uint8Array>;
}

export class TileNodeReader {
  readonly #hasher: Rfc6962Hasher;
  readonly #readTile: TileReader;
  readonly #caches: Caches;

  constructor(hasher: Rfc6962Hasher, readTile: TileReader, caches: Caches = { trees: new Map(), folds: new Map() }) {
    this.#hasher = hasher;
    this.#readTile = readTile;
    this.#caches = caches;
  }

  /**
   * A reader that keeps every tile it reads, partial ones included, sharing this one's caches: for many reads of
   * one tree size (a batch's proofs), during which no tile changes.
   */
  frozen(): TileNodeReader {
    const tiles = new Map<string, Uint8Array | undefined>();
    return new TileNodeReader(
      this.#hasher,
      (level, index) => {
        const key = `${level}/${index}`;
        if (!tiles.has(key)) tiles.set(key, this.#readTile(level, index));
        return tiles.get(key);
      },
      this.#caches,
    );
  }

  #fullTree(level: number, index: number): Uint8Array | undefined {
    const key = `${level}/${index}`;
    const cached = this.#caches.trees.get(key);
    if (cached) {
      // Refresh its place in the LRU order.
      this.#caches.trees.delete(key);
      this.#caches.trees.set(key, cached);
      return cached;
    }
    const tile = this.#readTile(level, index);
    if (!tile || tile.length !== TILE_WIDTH * HASH_SIZE) return undefined;
    const tree = tileTree(this.#hasher, tile);
    if (this.#caches.trees.size >= CACHED_TILES) this.#caches.trees.delete(this.#caches.trees.keys().next().value!);
    this.#caches.trees.set(key, tree);
    return tree;
  }

  /** Hash of the perfect subtree over leaves [index·2^level, (index+1)·2^level). */
  nodeHash(level: number, index: number): Uint8Array {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const height = level % TILE_HEIGHT;
    const span = 2 ** height;
    const first = index * span;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const slot = first % TILE_WIDTH;
    const tree = this.#fullTree(tileLevel, tileIndex);
    if (tree) {
      const at = ROW_OFFSET[height]! + slot / span;
      return tree.slice(at * HASH_SIZE, (at + 1) * HASH_SIZE);
    }
    const tile = this.#readTile(tileLevel, tileIndex);
    if (!tile || tile.length < (slot + span) * HASH_SIZE) {
      fail('LOG_INCONSISTENT', `tile ${tileLevel}/${tileIndex} is missing or shorter than ${slot + span} hashes`);
    }
    if (span === 1) return tile.slice(slot * HASH_SIZE, (slot + 1) * HASH_SIZE);
    const key = `${level}/${index}`;
    let folded = this.#caches.folds.get(key);
    if (!folded) {
      folded = foldPerfect(this.#hasher, tile.subarray(slot * HASH_SIZE, (slot + span) * HASH_SIZE), span);
      if (this.#caches.folds.size >= CACHED_FOLDS) this.#caches.folds.delete(this.#caches.folds.keys().next().value!);
      this.#caches.folds.set(key, folded);
    }
    return folded.slice();
  }
}
