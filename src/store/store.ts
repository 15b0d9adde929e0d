/**
 * The narrow surface every storage driver implements (Tessera's model: drivers store, they do not decide).
 * The log layer assigns indexes, integrates the tree and signs; a driver only makes each batch durable
 * atomically and reads back what it holds.
 */
import type { TileWrite } from '../tlog/integrate.js';

/** The state of the log as of its latest signed checkpoint. */
export interface LogHead {
  size: number;
  /** Compact range peaks of [0, size), tallest first: enough to keep appending without reading the tree. */
  peaks: Uint8Array[];
  /** The signed checkpoint note for `size`. */
  checkpoint: string;
  /**
   * When this node signed it (ms since the epoch, from the writer's clock). Local bookkeeping, not signed: what
   * counts for a deadline between parties is a witness's cosignature time.
   */
  time: number;
}

export interface CheckpointRecord {
  size: number;
  time: number;
}

/** One atomic append: entries from index `head.size` of the previous head, the tiles they change, the new head. */
export interface AppendBatch {
  entries: readonly Uint8Array[];
  /**
   * Optional idempotency keys, any number per entry (Tessera's antispam): stored with the entry's index in the same
   * transaction, so "this request made that entry" is durable exactly when the entry is. A key the store already
   * holds fails the whole batch (DUPLICATE_KEY), and nothing is written.
   */
  keys?: readonly (readonly Uint8Array[])[];
  tiles: readonly TileWrite[];
  head: LogHead;
}

export interface StoredCosignature {
  size: number;
  /** The witness's key name and key ID, as on the signature line. */
  name: string;
  keyId: number;
  timestamp: number;
  /** The full signature line, `— <name> <base64>`, ready to append to the checkpoint. */
  line: string;
}

/** A batch committed by appendDeferred: its head, and when it is on disk. */
export interface DeferredAppend {
  head: LogHead;
  /** Resolves once the batch is durable (rejects if the flush fails: then nothing about it may be promised). */
  durable: Promise<void>;
}

export interface LogStore {
  readonly origin: string;
  /**
   * The latest durable head, or undefined for a log that has never signed a checkpoint. Only a durable checkpoint
   * may be served: one that a power loss could take back, and that the log would then sign differently, would be
   * a fork.
   */
  head(): LogHead | undefined;
  /**
   * Runs `build` with the latest committed head while holding the store's write lock, then commits what it
   * returns in one transaction, durably. If `build` throws, nothing is written. Returns the new head.
   */
  append(build: (head: LogHead | undefined) => AppendBatch): LogHead;
  /**
   * As append, but returns once the batch is committed, before it is on disk: the flush runs off the caller's
   * thread, and batches committed meanwhile share it (group commit). head() shows the batch once `durable`
   * resolves; acknowledge nothing before.
   */
  appendDeferred(build: (head: LogHead | undefined) => AppendBatch): DeferredAppend;
  entry(index: number): Uint8Array | undefined;
  /**
   * The index of the entry appended with idempotency key `key`, if any. An append is refused on a repeated key
   * whichever connection wrote it; a lookup may see another connection's keys only from this one's next append on.
   */
  indexOfKey(key: Uint8Array): number | undefined;
  /**
   * Makes the idempotency keys ready for lookups now rather than at the first one (a node does before it serves: a
   * log of a million entries takes about a second, which its first submitter would otherwise wait). The keys held.
   */
  loadKeys(): number;
  /** Entries [begin, end) in order, streamed. */
  entries(begin: number, end: number): Iterable<Uint8Array>;
  /** The stored hashes of tile (level, index): 32 × its current width, or undefined. */
  tile(level: number, index: number): Uint8Array | undefined;
  /** The signed checkpoint the log published at exactly `size`, if it published one. */
  checkpoint(size: number): string | undefined;
  /** The compact-range peaks stored with the checkpoint of exactly `size`. */
  peaks(size: number): Uint8Array[] | undefined;
  /**
   * Every published checkpoint's size and local time, ascending by size; with `above`, only those larger (a
   * checkpoint is stored with each appended batch, so later ones are always larger).
   */
  checkpointRecords(above?: number): CheckpointRecord[];
  addCosignature(cosignature: StoredCosignature): void;
  /**
   * As addCosignature, but the row is committed without waiting for the disk: it resolves once the row is durable,
   * sharing the flush of appendDeferred (group commit). Until then the row is readable but a power loss may undo it.
   */
  addCosignatureDeferred(cosignature: StoredCosignature): Promise<void>;
  /** Name, key ID and timestamp as the signed line says (a row whose columns disagree is STORE_CORRUPT). */
  cosignatures(size: number): StoredCosignature[];
  /**
   * The cosignatures stored after row `row` (0: all), in the order stored, each with its row: rows only append.
   * At most `limit` of them, if given.
   */
  cosignaturesSince(row: number, limit?: number): (StoredCosignature & { row: number })[];
  /** Sizes with stored cosignatures, ascending. */
  cosignedSizes(): number[];
  putBlob(hash: Uint8Array, data: Uint8Array): void;
  blob(hash: Uint8Array): Uint8Array | undefined;
  /**
   * The indices of the sealed entries whose bodies a fold of this store's owner checked in full (the key and body
   * commitments, canonical JSON, the schema) and found valid, ascending. The owner's later folds trust the record as
   * they trust the signatures it checked when it stored the entries: they only decrypt (engine/confidential.ts).
   */
  checkedSealedBodies(): number[];
  /** Records sealed entries whose bodies were checked and found valid (indices of entries the log holds). */
  recordCheckedSealedBodies(indices: readonly number[]): void;
  /** Checks the file's structure and the rows no tile proves; throws STORE_CORRUPT naming the table and row. */
  checkIntegrity(size: number): void;
  close(): void;
}
