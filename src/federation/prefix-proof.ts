/**
 * Proofs about the tree a TileSource serves (a peer over HTTP, a store, an export), fetching only the few tiles a
 * proof needs: O(log n) hashes, at most two tiles a level.
 *
 * Proof generation reads nodes synchronously (NodeReader), tiles arrive asynchronously; so the computation runs
 * twice: once over placeholder tiles to learn which tiles it reads (which depends only on the sizes, never on the
 * hashes), then over the fetched ones.
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { consistencyProof, verifyConsistency } from '../tlog/consistency.js';
import { HASH_SIZE, type Rfc6962Hasher } from '../tlog/hasher.js';
import { type NodeReader, rangeHash } from '../tlog/node-reader.js';
import { tileInTree } from '../tlog/tile-math.js';
import { TileNodeReader } from '../tlog/tile-node-reader.js';
import { TILE_WIDTH, tilePath } from '../tlog/tile-paths.js';
import type { TileSource } from '../tlog/tile-source.js';

/** Runs `compute` over the tree of `size` leaves that `source` serves, fetching the tiles it reads. */
export async function withTreeOf<T>(
  source: TileSource,
  hasher: Rfc6962Hasher,
  size: number,
  compute: (reader: NodeReader) => T,
): Promise<T> {
  const fetched = new Map<string, Uint8Array>();
  const missing = new Map<string, { level: number; index: number; width: number }>();
  const reader = () =>
    new TileNodeReader(hasher, (level, index) => {
      const key = `${level}/${index}`;
      const tile = fetched.get(key);
      if (tile) return tile;
      const ref = tileInTree(level, index, size);
      if (!ref) return undefined; // TileNodeReader reports it: a node outside the tree, a bug of the caller's
      missing.set(key, ref);
      return new Uint8Array(ref.width * HASH_SIZE);
    });
  compute(reader());
  await Promise.all(
    [...missing].map(async ([key, { level, index, width }]) => {
      const tile = await source.hashTile(level, index, width);
      if (!(tile instanceof Uint8Array) || tile.length !== width * HASH_SIZE) {
        fail(
          'LOG_INCONSISTENT',
          `${tilePath(level, index, width % TILE_WIDTH)}: expected ${width * HASH_SIZE} bytes, got ${tile?.length}`,
        );
      }
      fetched.set(key, tile);
    }),
  );
  missing.clear();
  const result = compute(reader());
  if (missing.size > 0) fail('LOG_INCONSISTENT', 'proof generation read different tiles the second time');
  return result;
}

export interface PrefixProof {
  /** The root of the first `size` leaves of the tree. */
  root: Uint8Array;
  /** A consistency proof from `size` to `treeSize`. */
  proof: Uint8Array[];
}

/**
 * The root of the first `size` leaves of the tree of `treeSize` leaves that `source` serves, with the consistency
 * proof that binds it to `treeRoot` (the root the caller trusts, from a signed checkpoint). Throws
 * LOG_INCONSISTENT if the source's tiles do not hash to `treeRoot`: then they prove nothing.
 */
export async function provePrefix(
  source: TileSource,
  hasher: Rfc6962Hasher,
  size: number,
  treeSize: number,
  treeRoot: Uint8Array,
): Promise<PrefixProof> {
  if (size > treeSize) fail('BAD_INPUT', `prefix ${size} is larger than the tree ${treeSize}`);
  const result = await withTreeOf(source, hasher, treeSize, (reader) => ({
    root: rangeHash(hasher, reader, 0, size),
    proof: consistencyProof(hasher, reader, size, treeSize),
    treeRoot: size === treeSize ? undefined : rangeHash(hasher, reader, 0, treeSize),
  }));
  try {
    verifyConsistency(hasher, size, treeSize, result.proof, result.root, treeRoot);
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    const served = result.treeRoot ?? result.root;
    if (equalBytes(served, treeRoot)) throw err;
    fail(
      'LOG_INCONSISTENT',
      `the tiles served for size ${treeSize} hash to ${toHex(served)}, not to the checkpoint's root ${toHex(treeRoot)}`,
    );
  }
  return { root: result.root, proof: result.proof };
}

/** A consistency proof from `size1` to `size2`, read from the tree of `size2` that `source` serves (unverified). */
export function consistencyProofFrom(
  source: TileSource,
  hasher: Rfc6962Hasher,
  size1: number,
  size2: number,
): Promise<Uint8Array[]> {
  return withTreeOf(source, hasher, size2, (reader) => consistencyProof(hasher, reader, size1, size2));
}
