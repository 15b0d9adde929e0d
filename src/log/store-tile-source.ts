/** A TileSource over a LogStore: tiles cut to the asked width, bundles assembled from stored entries. */
import { fail } from '../crypto/errors.js';
import type { LogStore } from '../store/store.js';
import { encodeBundle } from '../tlog/entry-bundle.js';
import { HASH_SIZE } from '../tlog/hasher.js';
import { TILE_WIDTH, tilePath } from '../tlog/tile-paths.js';
import type { TileSource } from '../tlog/tile-source.js';

export function storeTileSource(store: LogStore, checkpoint?: string): TileSource {
  return {
    checkpoint() {
      const note = checkpoint ?? store.head()?.checkpoint;
      if (note === undefined) fail('STORE_ERROR', `log ${store.origin} has no checkpoint yet`);
      return note;
    },
    hashTile(level, index, width) {
      const tile = store.tile(level, index);
      if (!tile || tile.length < width * HASH_SIZE) {
        fail('LOG_INCONSISTENT', `${tilePath(level, index, width % TILE_WIDTH)} is missing from the store`);
      }
      return tile.subarray(0, width * HASH_SIZE);
    },
    entryBundle(index, width) {
      const entries = [...store.entries(index * TILE_WIDTH, index * TILE_WIDTH + width)];
      if (entries.length !== width)
        fail('LOG_INCONSISTENT', `entries ${index * TILE_WIDTH}.. are missing from the store`);
      return encodeBundle(entries);
    },
  };
}
