/**
 * The embedded LogStore: one SQLite file a log, through better-sqlite3 12. WAL with synchronous=FULL, so a
 * batch is on disk when `append` returns; `BEGIN IMMEDIATE` makes the read of the head and the write of the
 * batch one critical section, so two processes can never extend the same head twice.
 *
 * appendDeferred commits with synchronous=NORMAL (in WAL mode: consistent after a power loss, but the last
 * transactions may roll back) and then makes the batch durable itself, with an fsync of the WAL file on libuv's
 * thread pool: the event loop keeps working while the disk flushes, and batches committed meanwhile share the next
 * fsync. An fsync of the WAL covers every frame written before it, so once it returns the batch's commit frame is
 * on disk and recovery replays it (https://sqlite.org/pragma.html#pragma_synchronous, https://sqlite.org/wal.html).
 */
import { closeSync, existsSync, fsync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { concat } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import type { AppendBatch, CheckpointRecord, DeferredAppend, LogHead, LogStore, StoredCosignature } from './store.js';

const SCHEMA_VERSION = 2;
const ENTRY_PAGE = 256;
const TILES_PER_LEVEL = 2 ** 40;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS tiles (id INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL, peaks BLOB NOT NULL,
  time INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS cosignatures (size INTEGER NOT NULL, name TEXT NOT NULL, key_id INTEGER NOT NULL,
  timestamp INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, name, key_id)) STRICT;
CREATE TABLE IF NOT EXISTS blobs (hash BLOB PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS idempotency (key BLOB PRIMARY KEY, idx INTEGER NOT NULL) STRICT;
`;

function splitPeaks(blob: Uint8Array): Uint8Array[] {
  const peaks: Uint8Array[] = [];
  for (let i = 0; i < blob.length; i += 32) peaks.push(new Uint8Array(blob.subarray(i, i + 32)));
  return peaks;
}

/**
 * Tiles live in a rowid table keyed by level·2^40 + index: an 8 KiB blob is read twice as fast from a rowid
 * table as from a WITHOUT ROWID one (measured), and 2^40 tiles a level is 2^48 leaves, beyond any log here.
 */
function tileId(level: number, index: number): number {
  if (index >= TILES_PER_LEVEL) fail('STORE_ERROR', `tile index ${index} is beyond what the store can key`);
  return level * TILES_PER_LEVEL + index;
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export interface SqliteStoreOptions {
  /** Create the file if it does not exist (with this origin). Otherwise the file must exist. */
  create?: boolean;
  readonly?: boolean;
}

export class SqliteStore implements LogStore {
  readonly origin: string;
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #stmt;
  // Deferred appends: batches committed but not yet flushed, the head as of the last flush, the flush running
  // and the one queued behind it (a flush covers only what was committed before it started).
  #unflushed = 0;
  #durableHead: LogHead | undefined;
  #flushing: Promise<void> | undefined;
  #nextFlush: Promise<void> | undefined;
  #walFd: number | undefined;
  // After a failed flush nothing more is appended or served beyond the last durable head: whether the batches are
  // on disk is unknown (after an fsync error Linux may drop the pages), so only a restart, which reads what the
  // disk holds, can say.
  #flushFailed: Error | undefined;

  private constructor(db: Database.Database, origin: string, path: string) {
    this.#db = db;
    this.origin = origin;
    this.#path = path;
    this.#stmt = {
      head: db.prepare('SELECT size, note, peaks, time FROM checkpoints ORDER BY size DESC LIMIT 1'),
      insertEntry: db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)'),
      insertKey: db.prepare('INSERT OR IGNORE INTO idempotency (key, idx) VALUES (?, ?)'),
      indexOfKey: db.prepare('SELECT idx FROM idempotency WHERE key = ?').pluck(),
      upsertTile: db.prepare(
        'INSERT INTO tiles (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
      ),
      insertCheckpoint: db.prepare('INSERT INTO checkpoints (size, note, peaks, time) VALUES (?, ?, ?, ?)'),
      entry: db.prepare('SELECT data FROM entries WHERE idx = ?').pluck(),
      entries: db.prepare('SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck(),
      tile: db.prepare('SELECT data FROM tiles WHERE id = ?').pluck(),
      checkpoint: db.prepare('SELECT note FROM checkpoints WHERE size = ?').pluck(),
      checkpointRecords: db.prepare('SELECT size, time FROM checkpoints ORDER BY size'),
      addCosignature: db.prepare(
        'INSERT OR IGNORE INTO cosignatures (size, name, key_id, timestamp, line) VALUES (?, ?, ?, ?, ?)',
      ),
      cosignatures: db.prepare(
        'SELECT size, name, key_id AS keyId, timestamp, line FROM cosignatures WHERE size = ? ORDER BY name, key_id',
      ),
      putBlob: db.prepare('INSERT OR IGNORE INTO blobs (hash, data) VALUES (?, ?)'),
      blob: db.prepare('SELECT data FROM blobs WHERE hash = ?').pluck(),
    };
  }

  /** Opens (or with `create`, creates) the log file at `path` for `origin`. */
  static open(path: string, origin: string | undefined, options: SqliteStoreOptions = {}): SqliteStore {
    if (!options.create && !existsSync(path)) fail('STORE_ERROR', `no log at ${path}`);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !options.create });
    } catch (err) {
      fail('STORE_ERROR', `cannot open ${path}: ${(err as Error).message}`);
    }
    try {
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        db.exec(SCHEMA);
      }
      db.pragma('busy_timeout = 10000');
      // Proofs and tile serving read hot tiles over and over: keep them in memory.
      db.pragma('cache_size = -65536');
      db.pragma('mmap_size = 268435456');
      const stored =
        (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('origin') as string | undefined) ?? undefined;
      if (stored === undefined) {
        if (!options.create || origin === undefined) fail('STORE_ERROR', `${path} is not a Détente log`);
        const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        db.transaction(() => {
          setMeta.run('origin', origin);
          setMeta.run('schema', String(SCHEMA_VERSION));
        }).immediate();
        return new SqliteStore(db, origin, path);
      }
      const schema = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema') as string | undefined;
      if (schema !== String(SCHEMA_VERSION)) {
        fail(
          'STORE_ERROR',
          `${path} has store schema ${schema}, this version reads ${SCHEMA_VERSION}: re-create the log`,
        );
      }
      if (origin !== undefined && stored !== origin) {
        fail('STORE_ERROR', `${path} holds the log ${JSON.stringify(stored)}, not ${JSON.stringify(origin)}`);
      }
      return new SqliteStore(db, stored, path);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  head(): LogHead | undefined {
    return this.#unflushed > 0 || this.#flushFailed ? this.#durableHead : this.#latestHead();
  }

  #latestHead(): LogHead | undefined {
    const row = this.#stmt.head.get() as { size: number; note: string; peaks: Buffer; time: number } | undefined;
    return row && { size: row.size, checkpoint: row.note, peaks: splitPeaks(bytes(row.peaks)), time: row.time };
  }

  append(build: (head: LogHead | undefined) => AppendBatch): LogHead {
    return this.#commit(build);
  }

  appendDeferred(build: (head: LogHead | undefined) => AppendBatch): DeferredAppend {
    if (this.#unflushed === 0) this.#durableHead = this.#latestHead();
    this.#db.pragma('synchronous = NORMAL');
    let head: LogHead;
    try {
      head = this.#commit(build);
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
    this.#unflushed++;
    const durable = this.#flush().then(
      () => {
        this.#unflushed--;
        if (!this.#durableHead || head.size > this.#durableHead.size) this.#durableHead = head;
      },
      (err: unknown) => {
        this.#unflushed--;
        this.#flushFailed ??= err as Error;
        throw new DetenteError('STORE_ERROR', `the log could not be flushed to disk: ${(err as Error).message}`);
      },
    );
    return { head, durable };
  }

  /** A flush of the WAL that starts after this call (group commit: callers that arrive meanwhile share it). */
  #flush(): Promise<void> {
    if (this.#nextFlush) return this.#nextFlush;
    if (!this.#flushing) {
      const running = this.#fsyncWal().finally(() => {
        if (this.#flushing === running) this.#flushing = undefined;
      });
      this.#flushing = running;
      return running;
    }
    const next = this.#flushing
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.#nextFlush = undefined;
        return this.#flush();
      });
    this.#nextFlush = next;
    return next;
  }

  #fsyncWal(): Promise<void> {
    // The WAL file exists while this connection is open (SQLite deletes it only when the last one closes).
    this.#walFd ??= openSync(`${this.#path}-wal`, 'r');
    const fd = this.#walFd;
    return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  #commit(build: (head: LogHead | undefined) => AppendBatch): LogHead {
    if (this.#flushFailed) {
      fail('STORE_ERROR', `a flush of this log failed (${this.#flushFailed.message}): restart the node to recover`);
    }
    const run = this.#db.transaction(() => {
      const previous = this.#latestHead();
      const batch = build(previous);
      let index = previous?.size ?? 0;
      if (batch.head.size !== index + batch.entries.length) {
        fail(
          'STORE_ERROR',
          `batch of ${batch.entries.length} entries cannot take the log from ${index} to ${batch.head.size}`,
        );
      }
      if (batch.keys !== undefined && batch.keys.length !== batch.entries.length) {
        fail('STORE_ERROR', `batch of ${batch.entries.length} entries comes with ${batch.keys.length} keys`);
      }
      batch.keys?.forEach((key, i) => {
        // A failure throws out of the transaction: nothing of the batch is written.
        if (this.#stmt.insertKey.run(key, index + i).changes !== 1) {
          fail('DUPLICATE_KEY', `entry ${i} of the batch repeats an idempotency key the log already holds`);
        }
      });
      for (const e of batch.entries) this.#stmt.insertEntry.run(index++, e);
      for (const t of batch.tiles) this.#stmt.upsertTile.run(tileId(t.level, t.index), t.data);
      this.#stmt.insertCheckpoint.run(
        batch.head.size,
        batch.head.checkpoint,
        concat(...batch.head.peaks),
        batch.head.time,
      );
      return batch.head;
    });
    return run.immediate();
  }

  entry(index: number): Uint8Array | undefined {
    const data = this.#stmt.entry.get(index) as Buffer | undefined;
    return data && bytes(data);
  }

  indexOfKey(key: Uint8Array): number | undefined {
    return this.#stmt.indexOfKey.get(key) as number | undefined;
  }

  *entries(begin: number, end: number): Iterable<Uint8Array> {
    // Pages, not one long-lived cursor: better-sqlite3 forbids other statements while a cursor is open, and a
    // caller streaming entries (export, verify) reads tiles between them.
    for (let page = begin; page < end; page += ENTRY_PAGE) {
      const rows = this.#stmt.entries.all(page, Math.min(end, page + ENTRY_PAGE)) as Buffer[];
      for (const data of rows) yield bytes(data);
    }
  }

  tile(level: number, index: number): Uint8Array | undefined {
    const data = this.#stmt.tile.get(tileId(level, index)) as Buffer | undefined;
    return data && bytes(data);
  }

  checkpoint(size: number): string | undefined {
    return this.#stmt.checkpoint.get(size) as string | undefined;
  }

  checkpointRecords(): CheckpointRecord[] {
    return this.#stmt.checkpointRecords.all() as CheckpointRecord[];
  }

  addCosignature(c: StoredCosignature): void {
    this.#stmt.addCosignature.run(c.size, c.name, c.keyId, c.timestamp, c.line);
  }

  cosignatures(size: number): StoredCosignature[] {
    return this.#stmt.cosignatures.all(size) as StoredCosignature[];
  }

  putBlob(hash: Uint8Array, data: Uint8Array): void {
    this.#stmt.putBlob.run(hash, data);
  }

  blob(hash: Uint8Array): Uint8Array | undefined {
    const data = this.#stmt.blob.get(hash) as Buffer | undefined;
    return data && bytes(data);
  }

  close(): void {
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
    this.#db.close();
  }
}
