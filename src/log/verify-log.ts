/**
 * Full verification of a log, from its store or from an export: the checkpoint's signature under a key the
 * caller trusts, then every tile and entry beneath it (verifyTiles). For a store, every row is checked as far as
 * it can be: SQLite's structure and indexes first (LogStore.checkIntegrity), then every checkpoint it ever published
 * (signed, the root of the prefix it claims, and stored with the peaks of that prefix, which the writer extends),
 * then every cosignature line (it parses, names the row's witness, and with the witness's key, verifies over its
 * checkpoint).
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import { type NoteVerifier, parseSignatureLine } from '../crypto/note.js';
import type { LogStore } from '../store/store.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { type CosignatureVerifier, verifyCosignature } from '../tlog/cosignature.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import type { TileSource } from '../tlog/tile-source.js';
import { type VerifyTilesOptions, verifyTiles } from '../tlog/verify-tiles.js';
import { cosignedTextAt } from './cosigned-text.js';
import { storeTileSource } from './store-tile-source.js';

export interface VerifyReport {
  origin: string;
  size: number;
  root: string;
  entries: number;
  tiles: number;
  checkpoints: number;
  /** Cosignature lines read and checked for form; of them, verified under a witness key the caller gave. */
  cosignatures?: number;
  cosignaturesVerified?: number;
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

export interface VerifyStoreOptions extends Pick<VerifyTilesOptions, 'onProgress' | 'onEntry'> {
  /** Witness keys: a stored cosignature by one of them must verify over its checkpoint. */
  witnesses?: readonly CosignatureVerifier[];
}

const samePeaks = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
  a.length === b.length && a.every((p, i) => equalBytes(p, b[i]!));

export async function verifyStore(
  store: LogStore,
  hasher: Rfc6962Hasher,
  verifier: NoteVerifier,
  options: VerifyStoreOptions = {},
): Promise<VerifyReport> {
  store.checkIntegrity(store.head()?.size ?? 0);
  const sizes = store.checkpointRecords().map((c) => c.size);
  // A mirror keeps cosignatures of checkpoints it never held (it caught up past them): checked over its own tree.
  const recorded = new Set(sizes);
  const unheld = new Map<number, Uint8Array>();
  const cosignedSizes = store.cosignedSizes();
  const prefixSizes = [...sizes, ...cosignedSizes.filter((s) => !recorded.has(s))].sort((a, b) => a - b);
  let checked = 0;
  const report = await verifySource(storeTileSource(store), hasher, verifier, {
    onProgress: options.onProgress,
    onEntry: options.onEntry,
    prefixSizes,
    onPrefix: (size, root, peaks) => {
      if (!recorded.has(size)) {
        unheld.set(size, root);
        return;
      }
      const { checkpoint } = openCheckpoint(store.checkpoint(size)!, verifier);
      if (checkpoint.size !== size || !equalBytes(checkpoint.root, root)) {
        fail(
          'LOG_INCONSISTENT',
          `the stored checkpoint for size ${size} does not match the entries (root ${toHex(root)})`,
        );
      }
      if (!samePeaks(store.peaks(size) ?? [], peaks)) {
        fail(
          'STORE_CORRUPT',
          `table checkpoints, row size ${size}: the stored peaks are not those of the entries' tree (the writer would extend them)`,
        );
      }
      checked++;
    },
  });
  if (checked !== sizes.length)
    fail('LOG_INCONSISTENT', `${sizes.length - checked} stored checkpoints lie beyond the log`);
  return {
    ...report,
    checkpoints: checked,
    ...verifyCosignatures(store, cosignedSizes, unheld, options.witnesses ?? []),
  };
}

/**
 * Every stored cosignature line (`cosignedSizes`: the sizes that have some): of a checkpoint within the log, well
 * formed, and valid under its witness's key if given, over the text cosignedTextAt gives (`unheld`: the roots of
 * the sizes the store holds no checkpoint of).
 */
function verifyCosignatures(
  store: LogStore,
  cosignedSizes: readonly number[],
  unheld: ReadonlyMap<number, Uint8Array>,
  witnesses: readonly CosignatureVerifier[],
): { cosignatures: number; cosignaturesVerified: number } {
  let cosignatures = 0;
  let cosignaturesVerified = 0;
  for (const size of cosignedSizes) {
    const text = cosignedTextAt(store, size, () => unheld.get(size));
    if (text === undefined) {
      fail('STORE_CORRUPT', `table cosignatures: rows for size ${size}, beyond the log's entries`);
    }
    // cosignatures() derives name, key ID and time from each line and refuses a row whose columns disagree.
    for (const c of store.cosignatures(size)) {
      cosignatures++;
      const witness = witnesses.find((w) => w.name === c.name && w.keyId === c.keyId);
      if (!witness) continue;
      try {
        verifyCosignature(witness, text, parseSignatureLine(c.line));
      } catch (err) {
        fail(
          'STORE_CORRUPT',
          `table cosignatures, row (size ${size}, name ${JSON.stringify(c.name)}, key ID ${c.keyId}): ${(err as Error).message}`,
        );
      }
      cosignaturesVerified++;
    }
  }
  return { cosignatures, cosignaturesVerified };
}
