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
import { bitAt, bitLength } from '../tlog/tree-math.js';

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

/** A batch just appended, as its writer holds it: where it starts, the tree before it, and its leaves. */
export interface AppendedBatch {
  /** The index of its first entry (the size of the tree before it). */
  first: number;
  /** The compact range of the tree before it: its peaks, tallest first (LogHead's peaks). */
  peaks: readonly Uint8Array[];
  /** The RFC 6962 leaf hash of each of its entries, in order. */
  leafHashes: readonly Uint8Array[];
}

/**
 * The nodes of the tree just after a batch that proofs of its entries need, from the batch alone: a node at or past
 * the batch's first leaf is built from the new leaves and the peaks before it, and a node wholly before the batch
 * that such a proof names is always one of those peaks (a left sibling of an ancestor of a new leaf, not inside a
 * peak, since the peak would then hold that ancestor too). Any other node is refused (BAD_INPUT).
 */
function batchNodeReader(hasher: Rfc6962Hasher, batch: AppendedBatch): NodeReader {
  const { first, leafHashes } = batch;
  const known = new Map<string, Uint8Array>();
  let position = 0;
  for (let level = bitLength(first) - 1, p = 0; level >= 0; level--) {
    if (bitAt(first, level) === 1) {
      known.set(`${level}/${position / 2 ** level}`, batch.peaks[p++]!);
      position += 2 ** level;
    }
  }
  if (known.size !== batch.peaks.length) {
    fail('BAD_INPUT', `a tree of ${first} leaves has ${known.size} peaks, not ${batch.peaks.length}`);
  }
  const nodeHash = (level: number, index: number): Uint8Array => {
    const key = `${level}/${index}`;
    let hash = known.get(key);
    if (hash) return hash;
    const begin = index * 2 ** level;
    const end = begin + 2 ** level;
    if (end <= first || end > first + leafHashes.length) {
      fail(
        'BAD_INPUT',
        `node (${level}, ${index}) is not one the batch of [${first}, ${first + leafHashes.length}) holds`,
      );
    }
    hash =
      level === 0
        ? leafHashes[index - first]!
        : hasher.hashChildren(nodeHash(level - 1, 2 * index), nodeHash(level - 1, 2 * index + 1));
    known.set(key, hash);
    return hash;
  };
  return { nodeHash };
}

/**
 * Inclusion proofs of every entry of a batch just appended, in the tree the batch ends (first + its length), from
 * the batch in memory instead of the tiles read back: the same proofs as inclusionProofsFromStore gives
 * (test/log-batch-proofs.test.ts), at the cost of hashing the batch's own nodes once.
 */
export function inclusionProofsOfBatch(hasher: Rfc6962Hasher, batch: AppendedBatch): InclusionProof[] {
  const size = batch.first + batch.leafHashes.length;
  const reader = batchNodeReader(hasher, batch);
  const root = rangeHash(hasher, reader, 0, size);
  return batch.leafHashes.map((leafHash, i) => ({
    index: batch.first + i,
    size,
    leafHash,
    root,
    proof: inclusionProof(hasher, reader, batch.first + i, size),
  }));
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
