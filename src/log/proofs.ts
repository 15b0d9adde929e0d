/**
 * Proofs served from a store: inclusion and consistency proofs, generated from tiles in O(log n) reads, for
 * any tree size the log has reached.
 */
import { fail } from '../crypto/errors.js';
import type { LogStore } from '../store/store.js';
import { consistencyProof } from '../tlog/consistency.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { inclusionProof } from '../tlog/inclusion.js';
import { rangeHash } from '../tlog/node-reader.js';
import { TileNodeReader } from '../tlog/tile-node-reader.js';

export interface InclusionProof {
  index: number;
  size: number;
  leafHash: Uint8Array;
  root: Uint8Array;
  proof: Uint8Array[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  fromRoot: Uint8Array;
  toRoot: Uint8Array;
  proof: Uint8Array[];
}

function readerFor(store: LogStore, hasher: Rfc6962Hasher, size: number): TileNodeReader {
  const latest = store.head()?.size ?? 0;
  if (size > latest) fail('BAD_INPUT', `tree size ${size} is beyond the log's size ${latest}`);
  return new TileNodeReader(hasher, (level, index) => store.tile(level, index));
}

export function inclusionProofFromStore(
  store: LogStore,
  hasher: Rfc6962Hasher,
  index: number,
  size: number,
): InclusionProof {
  const reader = readerFor(store, hasher, size);
  if (index >= size) fail('BAD_INPUT', `index ${index} is not in a tree of size ${size}`);
  return {
    index,
    size,
    leafHash: reader.nodeHash(0, index),
    root: rangeHash(hasher, reader, 0, size),
    proof: inclusionProof(hasher, reader, index, size),
  };
}

export function consistencyProofFromStore(
  store: LogStore,
  hasher: Rfc6962Hasher,
  from: number,
  to: number,
): ConsistencyProof {
  const reader = readerFor(store, hasher, to);
  if (from > to) fail('BAD_INPUT', `--from ${from} is after --to ${to}`);
  return {
    from,
    to,
    fromRoot: rangeHash(hasher, reader, 0, from),
    toRoot: rangeHash(hasher, reader, 0, to),
    proof: consistencyProof(hasher, reader, from, to),
  };
}
