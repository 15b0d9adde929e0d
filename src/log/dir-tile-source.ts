/** A TileSource over an exported tlog-tiles directory (what `detente log export` writes). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../crypto/errors.js';
import { entriesPath, TILE_WIDTH, tilePath } from '../tlog/tile-paths.js';
import type { TileSource } from '../tlog/tile-source.js';

function read(root: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(join(root, path)));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail('LOG_INCONSISTENT', `${path}: ${code === 'ENOENT' ? 'missing' : `cannot read (${code})`}`);
  }
}

export function dirTileSource(root: string): TileSource {
  return {
    checkpoint: () => new TextDecoder().decode(read(root, 'checkpoint')),
    hashTile: (level, index, width) => read(root, tilePath(level, index, width % TILE_WIDTH)),
    entryBundle: (index, width) => read(root, entriesPath(index, width % TILE_WIDTH)),
  };
}
