/**
 * `detente log verify --path` on every core: the level-0 tiles (all the hashing: one leaf hash an entry, one
 * interior hash an entry for the tile roots) are checked in runs on worker threads; this thread opens the
 * checkpoint, folds the tile roots in order into the tree above them, and checks the root and the upper tiles with
 * the single-threaded verifier's own code. Runs are taken in order and their answers read in order, so the first
 * failure reported is the one verifyTiles would report: the same verdict, naming the same tile or entry.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import type { NoteVerifier } from '../crypto/note.js';
import { workerScript } from '../runtime/worker-script.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { CompactRange } from '../tlog/compact-range.js';
import { HASH_SIZE, type Rfc6962Hasher } from '../tlog/hasher.js';
import { TILE_WIDTH } from '../tlog/tile-paths.js';
import { checkRoot, checkUpperTiles, type TileRoots, tileRootCollector, verifyWork } from '../tlog/verify-tiles.js';
import { dirTileSource } from './dir-tile-source.js';
import type { TileRunAnswer, TileRunRequest } from './verify-export-worker.js';
import type { VerifyReport } from './verify-log.js';

export interface VerifyExportOptions {
  /** Worker threads (default: one a core, at most 8). */
  workers?: number;
  /** Level-0 tiles a run (default 64: 16,384 entries). */
  runTiles?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function verifyExport(
  root: string,
  hasher: Rfc6962Hasher,
  verifier: NoteVerifier,
  options: VerifyExportOptions = {},
): Promise<VerifyReport> {
  const source = dirTileSource(root);
  const { checkpoint } = openCheckpoint(source.checkpoint() as string, verifier);
  const { size } = checkpoint;
  const total = verifyWork(size);
  const tileCount = Math.ceil(size / TILE_WIDTH);
  const runTiles = Math.max(1, options.runTiles ?? 64);
  const runs = Math.ceil(tileCount / runTiles);
  const poolSize = Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism(), 8), runs));

  const tileRoots: TileRoots = [[], []];
  // The tree above the full tiles: its "leaves" are their roots, so its level 8 is tile level 2, and so on.
  const above = new CompactRange(hasher);
  const collect = tileRootCollector(tileRoots, 1);
  let partial: Uint8Array | undefined;
  let done = 0;

  const workers: Worker[] = [];
  try {
    const answers = new Map<number, TileRunAnswer>();
    const waiting = new Map<number, (a: TileRunAnswer) => void>();
    let failure: Error | undefined;
    for (let w = 0; w < poolSize; w++) {
      const worker = new Worker(workerScript('log/verify-export-worker'));
      worker.on('message', (a: TileRunAnswer) => {
        const wake = waiting.get(a.id);
        if (wake) {
          waiting.delete(a.id);
          wake(a);
        } else answers.set(a.id, a);
      });
      worker.on('error', (err) => {
        failure ??= err;
        for (const wake of waiting.values()) wake({ id: -1, roots: new Uint8Array(0) });
      });
      workers.push(worker);
    }
    let sent = 0;
    const send = () => {
      if (sent >= runs) return;
      const first = sent * runTiles;
      const request: TileRunRequest = { id: sent, root, size, first, count: Math.min(runTiles, tileCount - first) };
      workers[sent % poolSize]!.postMessage(request);
      sent++;
    };
    // Two runs in flight a worker: one being checked, one queued behind it.
    for (let i = 0; i < 2 * poolSize; i++) send();
    for (let id = 0; id < runs; id++) {
      const answer = answers.get(id) ?? (await new Promise<TileRunAnswer>((resolve) => waiting.set(id, resolve)));
      answers.delete(id);
      if (failure) throw failure;
      send();
      for (let at = 0; at < answer.roots.length; at += HASH_SIZE) {
        const tileRoot = answer.roots.slice(at, at + HASH_SIZE);
        tileRoots[1]!.push(tileRoot);
        above.append(tileRoot, collect);
      }
      if (answer.error) throw new DetenteError(answer.error.code, answer.error.message);
      partial ??= answer.partial;
      done += (answer.roots.length / HASH_SIZE) * TILE_WIDTH + (answer.partial ? answer.partial.length / HASH_SIZE : 0);
      options.onProgress?.(done, total);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }

  // The root: the peaks of the tree over full tiles, then those of the partial tile's leaves, folded from the right.
  const low = new CompactRange(hasher);
  for (let at = 0; partial && at < partial.length; at += HASH_SIZE) low.append(partial.slice(at, at + HASH_SIZE));
  const peaks = [...above.peaks(), ...low.peaks()];
  let treeRoot = peaks.length === 0 ? hasher.emptyRoot() : peaks[peaks.length - 1]!;
  for (let i = peaks.length - 2; i >= 0; i--) treeRoot = hasher.hashChildren(peaks[i]!, treeRoot);
  checkRoot(treeRoot, checkpoint);

  const tiles =
    tileCount +
    (await checkUpperTiles(source, size, tileRoots, (width) => {
      done += width;
      options.onProgress?.(done, total);
    }));
  return {
    origin: checkpoint.origin,
    root: toHex(checkpoint.root),
    size,
    entries: size,
    tiles,
    checkpoints: 1,
  };
}
