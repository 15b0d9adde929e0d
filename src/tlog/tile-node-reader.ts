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

const CACHED_TILES = 1024;

export class TileNodeReader {
  readonly #hasher: Rfc6962Hasher;
  readonly #readTile: TileReader;
  // Full tiles never change, so they can be kept; partial ones grow and are always read afresh.
  readonly #full = new Map<string, Uint8Array>();

  constructor(hasher: Rfc6962Hasher, readTile: TileReader) {
    this.#hasher = hasher;
    this.#readTile = readTile;
  }

  #tile(level: number, index: number, needed: number): Uint8Array {
    const key = `${level}/${index}`;
    let tile = this.#full.get(key);
    if (!tile) {
      tile = this.#readTile(level, index);
      if (!tile || tile.length < needed * HASH_SIZE) {
        fail('LOG_INCONSISTENT', `tile ${level}/${index} is missing or shorter than ${needed} hashes`);
      }
      if (tile.length === TILE_WIDTH * HASH_SIZE) {
        if (this.#full.size >= CACHED_TILES) this.#full.delete(this.#full.keys().next().value!);
        this.#full.set(key, tile);
      }
    }
    return tile;
  }

  /** Hash of the perfect subtree over leaves [index·2^level, (index+1)·2^level). */
  nodeHash(level: number, index: number): Uint8Array {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const span = 2 ** (level % TILE_HEIGHT);
    const first = index * span;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const slot = first % TILE_WIDTH;
    const tile = this.#tile(tileLevel, tileIndex, slot + span);
    if (span === 1) return tile.slice(slot * HASH_SIZE, (slot + 1) * HASH_SIZE);
    return foldPerfect(this.#hasher, tile.subarray(slot * HASH_SIZE, (slot + span) * HASH_SIZE), span);
  }
}
