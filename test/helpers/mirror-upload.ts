/** A tlog-mirror test client: builds add-checkpoint and add-entries bodies from a source log, honest or not. */
import { concat } from '../../src/crypto/bytes.js';
import type { LogStore } from '../../src/store/store.js';
import { consistencyProof } from '../../src/tlog/consistency.js';
import type { Rfc6962Hasher } from '../../src/tlog/hasher.js';
import { encodeAddEntriesHeader, encodePackage, packageRanges } from '../../src/tlog/mirror-protocol.js';
import { subtreeConsistencyProof } from '../../src/tlog/subtree.js';
import { TileNodeReader } from '../../src/tlog/tile-node-reader.js';
import { formatAddCheckpointRequest } from '../../src/tlog/witness-protocol.js';

export function addCheckpointBody(store: LogStore, hasher: Rfc6962Hasher, oldSize: number, size: number): string {
  const reader = new TileNodeReader(hasher, (l, i) => store.tile(l, i));
  const proof = oldSize === 0 || oldSize === size ? [] : consistencyProof(hasher, reader, oldSize, size);
  return formatAddCheckpointRequest({ oldSize, proof, checkpointNote: store.checkpoint(size)! });
}

export interface UploadOptions {
  /** Packages to send (default: all of the canonical sequence). */
  packages?: number;
  /** Changes package i's entries or proof before it is encoded (a lie). */
  tamper?: (i: number, pkg: { entries: Uint8Array[]; proof: Uint8Array[] }) => void;
  origin?: string;
}

/** The add-entries body for [start, end) of `store`'s log, proven against its checkpoint of size `end`. */
export function addEntriesBody(
  store: LogStore,
  hasher: Rfc6962Hasher,
  start: number,
  end: number,
  options: UploadOptions = {},
): Uint8Array {
  const reader = new TileNodeReader(hasher, (l, i) => store.tile(l, i));
  const parts = [
    encodeAddEntriesHeader({
      origin: options.origin ?? store.origin,
      uploadStart: start,
      uploadEnd: end,
      ticket: new Uint8Array(0),
    }),
  ];
  const ranges = packageRanges(start, end).slice(0, options.packages);
  ranges.forEach((r, i) => {
    const pkg = {
      entries: [...store.entries(r.start, r.end)],
      proof: subtreeConsistencyProof(hasher, reader, r.subtreeStart, r.end, end),
    };
    options.tamper?.(i, pkg);
    parts.push(encodePackage(pkg));
  });
  return concat(...parts);
}
