/**
 * Writes a log as a static C2SP tlog-tiles tree that any web server can serve: `checkpoint`, `tile/<L>/<N>`
 * and `tile/entries/<N>` (with `.p/<W>` partials). A path names immutable content (a full tile, or a partial
 * tile of one width), so a file that exists is already right and a re-run writes only what is new. The
 * checkpoint goes last, so a reader never sees a checkpoint whose tiles are not there yet.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fail } from '../crypto/errors.js';
import type { LogStore } from '../store/store.js';
import { tilesOfTree } from '../tlog/tile-math.js';
import { entriesPath, TILE_WIDTH, tilePath } from '../tlog/tile-paths.js';
import { storeTileSource } from './store-tile-source.js';

export interface ExportReport {
  size: number;
  /** Files written by this run, and files that were already there. */
  written: number;
  kept: number;
  bytes: number;
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function exportLog(
  store: LogStore,
  outDir: string,
  options: { extraFiles?: Record<string, string>; onProgress?: (done: number, total: number) => void } = {},
): ExportReport {
  const head = store.head();
  if (!head) fail('STORE_ERROR', `log ${store.origin} has no checkpoint to export`);
  const source = storeTileSource(store, head.checkpoint);
  const report: ExportReport = { size: head.size, written: 0, kept: 0, bytes: 0 };
  const put = (path: string, make: () => Uint8Array) => {
    const full = join(outDir, path);
    if (existsSync(full)) {
      report.kept++;
      return;
    }
    const data = make();
    writeAtomically(full, data);
    report.written++;
    report.bytes += data.length;
  };
  const tiles = [...tilesOfTree(head.size)];
  let done = 0;
  for (const { level, index, width } of tiles) {
    const w = width % TILE_WIDTH;
    put(tilePath(level, index, w), () => source.hashTile(level, index, width) as Uint8Array);
    if (level === 0) put(entriesPath(index, w), () => source.entryBundle(index, width) as Uint8Array);
    options.onProgress?.(++done, tiles.length);
  }
  for (const [name, text] of Object.entries(options.extraFiles ?? {})) writeAtomically(join(outDir, name), text);
  writeAtomically(join(outDir, 'checkpoint'), head.checkpoint);
  report.written++;
  return report;
}
