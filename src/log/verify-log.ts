/**
 * Full verification of a log, from its store or from an export: the checkpoint's signature under a key the
 * caller trusts, then every tile and entry beneath it (verifyTiles). For a store, every checkpoint it ever
 * published is checked too: each must be signed and must be the root of the prefix it claims.
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { NoteVerifier } from '../crypto/note.js';
import type { LogStore } from '../store/store.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import type { TileSource } from '../tlog/tile-source.js';
import { type VerifyTilesOptions, verifyTiles } from '../tlog/verify-tiles.js';
import { storeTileSource } from './store-tile-source.js';

export interface VerifyReport {
  origin: string;
  size: number;
  root: string;
  entries: number;
  tiles: number;
  checkpoints: number;
}

export async function verifySource(
  source: TileSource,
  hasher: Rfc6962Hasher,
  verifier: NoteVerifier,
  options: VerifyTilesOptions = {},
): Promise<VerifyReport> {
  const { checkpoint } = openCheckpoint(await source.checkpoint(), verifier);
  const report = await verifyTiles(source, hasher, checkpoint, options);
  return { origin: checkpoint.origin, root: toHex(checkpoint.root), ...report, checkpoints: 1 };
}

export async function verifyStore(
  store: LogStore,
  hasher: Rfc6962Hasher,
  verifier: NoteVerifier,
  options: Pick<VerifyTilesOptions, 'onProgress' | 'onEntry'> = {},
): Promise<VerifyReport> {
  const sizes = [...store.checkpointSizes()];
  let checked = 0;
  const report = await verifySource(storeTileSource(store), hasher, verifier, {
    ...options,
    prefixSizes: sizes,
    onPrefix: (size, root) => {
      const { checkpoint } = openCheckpoint(store.checkpoint(size)!, verifier);
      if (checkpoint.size !== size || !equalBytes(checkpoint.root, root)) {
        fail(
          'LOG_INCONSISTENT',
          `the stored checkpoint for size ${size} does not match the entries (root ${toHex(root)})`,
        );
      }
      checked++;
    },
  });
  if (checked !== sizes.length)
    fail('LOG_INCONSISTENT', `${sizes.length - checked} stored checkpoints lie beyond the log`);
  return { ...report, checkpoints: checked };
}
