/**
 * Proofs served from a store: inclusion and consistency proofs, generated from tiles in O(log n) reads, for
 * any tree size the log has reached.
 */
import { fail } from '../crypto/errors.js';
import { parseNote } from '../crypto/note.js';
import type { LogStore } from '../store/store.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import { consistencyProof } from '../tlog/consistency.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { inclusionProof } from '../tlog/inclusion.js';
import { memoNodeReader, type NodeReader, rangeHash } from '../tlog/node-reader.js';
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

// One reader per store, so that the subtrees of full tiles are hashed once and reused by later proofs.
const readers = new WeakMap<LogStore, TileNodeReader>();

function readerFor(store: LogStore, hasher: Rfc6962Hasher, size: number): TileNodeReader {
  const latest = store.head()?.size ?? 0;
  if (size > latest) fail('BAD_INPUT', `tree size ${size} is beyond the log's size ${latest}`);
  let reader = readers.get(store);
  if (!reader) {
    reader = new TileNodeReader(hasher, (level, index) => store.tile(level, index));
    readers.set(store, reader);
  }
  return reader;
}

/** The root of the prefix of `size` entries: from the checkpoint the log signed for it, or computed. */
function rootAt(store: LogStore, hasher: Rfc6962Hasher, reader: NodeReader, size: number): Uint8Array {
  const note = store.checkpoint(size);
  if (note !== undefined) return parseCheckpoint(parseNote(note).text).root;
  return rangeHash(hasher, reader, 0, size);
}

/**
 * Inclusion proofs of several entries in the tree of `size`, reading each node they share once: what a batch's
 * receipts need (their paths differ only near the leaves).
 */
export function inclusionProofsFromStore(
  store: LogStore,
  hasher: Rfc6962Hasher,
  indexes: readonly number[],
  size: number,
): InclusionProof[] {
  const reader = memoNodeReader(readerFor(store, hasher, size).frozen());
  const root = rootAt(store, hasher, reader, size);
  return indexes.map((index) => {
    if (index >= size) fail('BAD_INPUT', `index ${index} is not in a tree of size ${size}`);
    return {
      index,
      size,
      leafHash: reader.nodeHash(0, index),
      root,
      proof: inclusionProof(hasher, reader, index, size),
    };
  });
}

/** The inclusion proof of one entry in the tree of `size`. */
export function inclusionProofFromStore(
  store: LogStore,
  hasher: Rfc6962Hasher,
  index: number,
  size: number,
): InclusionProof {
  return inclusionProofsFromStore(store, hasher, [index], size)[0]!;
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
    fromRoot: rootAt(store, hasher, reader, from),
    toRoot: rootAt(store, hasher, reader, to),
    proof: consistencyProof(hasher, reader, from, to),
  };
}
