/**
 * The worker side of verifyExport: checks a run of level-0 tiles of an exported log (entries against their leaf
 * hashes, with the in-place hashes of sha256-batch) and answers with the root of each full tile and the leaf hashes
 * of a partial one, or with the first failure, as the single-threaded verifier would word it.
 */
import { parentPort } from 'node:worker_threads';
import { DetenteError } from '../crypto/errors.js';
import { decodeBundle } from '../tlog/entry-bundle.js';
import { HASH_SIZE } from '../tlog/hasher.js';
import { leafHashInto, subtreeRootInto } from '../tlog/sha256-batch.js';
import { TILE_WIDTH } from '../tlog/tile-paths.js';
import { checkLeafTile } from '../tlog/verify-tiles.js';
import { dirTileSource } from './dir-tile-source.js';

export interface TileRunRequest {
  id: number;
  root: string;
  size: number;
  /** Level-0 tiles [first, first + count). */
  first: number;
  count: number;
}

export interface TileRunAnswer {
  id: number;
  /** 32 bytes per full tile of the run, in order. */
  roots: Uint8Array;
  /** The leaf hashes of the run's last tile, if it is partial. */
  partial?: Uint8Array;
  /** The first failure, if any: the tiles before it are in `roots`. */
  error?: { code: DetenteError['code']; message: string };
}

export function checkTileRun(request: TileRunRequest): TileRunAnswer {
  const { root, size, first, count } = request;
  const source = dirTileSource(root);
  const roots = new Uint8Array(count * HASH_SIZE);
  const leaves = new Uint8Array(TILE_WIDTH * HASH_SIZE);
  let full = 0;
  try {
    for (let index = first; index < first + count; index++) {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const entries = decodeBundle(source.entryBundle(index, width) as Uint8Array, width);
      checkLeafTile(index, width, entries, source.hashTile(0, index, width) as Uint8Array, leaves, leafHashInto);
      if (width < TILE_WIDTH)
        return { id: request.id, roots: roots.slice(0, full * HASH_SIZE), partial: leaves.slice(0, width * HASH_SIZE) };
      subtreeRootInto(leaves, TILE_WIDTH, roots, full * HASH_SIZE);
      full++;
    }
    return { id: request.id, roots };
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return { id: request.id, roots: roots.slice(0, full * HASH_SIZE), error: { code: err.code, message: err.message } };
  }
}

parentPort?.on('message', (request: TileRunRequest) => {
  const answer = checkTileRun(request);
  const transfer = [answer.roots.buffer, ...(answer.partial ? [answer.partial.buffer] : [])] as ArrayBuffer[];
  parentPort!.postMessage(answer, transfer);
});
