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
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { concat } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { parseSignatureLine } from '../crypto/note.js';
import { parseCosignatureTimestamp } from '../tlog/cosignature.js';
import { IdempotencyKeys, KEYS_TABLE_SQL, migrateLegacyKeys, type PendingKeys } from './idempotency-keys.js';
import type { AppendBatch, CheckpointRecord, DeferredAppend, LogHead, LogStore, StoredCosignature } from './store.js';
import { WalFlush } from './wal-flush.js';

/**
 * 3: idempotency keys in an append-only table (idempotency-keys.ts). A file of schema 2 (keys in a table keyed by
 * the key) is migrated when opened for writing, and read as it is when opened read-only.
 */
const SCHEMA_VERSION = 3;
const LEGACY_SCHEMA_VERSION = 2;
/** Every table but the keys', in the order a corruption hunt scans them. */
const TABLES = ['meta', 'entries', 'tiles', 'checkpoints', 'cosignatures', 'blobs'] as const;
const ENTRY_PAGE = 256;
/**
 * WAL pages before a commit checkpoints them into the database (SQLite's default is 1,000). The checkpoint runs
 * inside the commit that crosses the threshold, on the event loop, and fsyncs the WAL and the database there: when a
 * batch wrote pages all over the idempotency index (schema 2: a table keyed by the keys, which are hashes), the
 * default checkpointed every few dozen batches, and those commits took tens of milliseconds on a shared disk. At 4,096 (a WAL of at most about
 * 16 MiB, reused in place) a batch of 17 entries commits in 1.3 ms on average instead of 2.2–3.5 ms (p99 16 ms
 * instead of 25–44 ms), and hot pages (the last tiles, the index's inner pages) are written back once a
 * checkpoint rather than once every few (docs/BENCHMARKS.md, issue 12, session 7).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4096;
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
CREATE TABLE IF NOT EXISTS sealed_checked (idx INTEGER PRIMARY KEY) STRICT;
${KEYS_TABLE_SQL}
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

/** SQLite's own word that the file is damaged (better-sqlite3 puts the extended result code in `code`). */
function isCorruption(err: unknown): err is Error {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

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
  readonly #keys: IdempotencyKeys;
  // Deferred appends: batches committed but not yet flushed, the head as of the last flush, the flush running
  // and the one queued behind it (a flush covers only what was committed before it started).
  #unflushed = 0;
  #durableHead: LogHead | undefined;
  /** Created on the first deferred append (the WAL file exists while this connection is open). */
  #wal: WalFlush | undefined;
  // After a failed flush nothing more is appended or served beyond the last durable head: whether the batches are
  // on disk is unknown (after an fsync error Linux may drop the pages), so only a restart, which reads what the
  // disk holds, can say.
  #flushFailed: Error | undefined;

  private constructor(db: Database.Database, origin: string, path: string, legacyKeys = false) {
    this.#db = db;
    this.origin = origin;
    this.#path = path;
    this.#keys = new IdempotencyKeys(db, legacyKeys);
    this.#stmt = {
      head: db.prepare('SELECT size, note, peaks, time FROM checkpoints ORDER BY size DESC LIMIT 1'),
      insertEntry: db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)'),
      upsertTile: db.prepare(
        'INSERT INTO tiles (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
      ),
      insertCheckpoint: db.prepare('INSERT INTO checkpoints (size, note, peaks, time) VALUES (?, ?, ?, ?)'),
      entry: db.prepare('SELECT data FROM entries WHERE idx = ?').pluck(),
      entries: db.prepare('SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck(),
      tile: db.prepare('SELECT data FROM tiles WHERE id = ?').pluck(),
      checkpoint: db.prepare('SELECT note FROM checkpoints WHERE size = ?').pluck(),
      peaks: db.prepare('SELECT peaks FROM checkpoints WHERE size = ?').pluck(),
      cosignedSizes: db.prepare('SELECT DISTINCT size FROM cosignatures ORDER BY size').pluck(),
      checkpointRecords: db.prepare('SELECT size, time FROM checkpoints WHERE size > ? ORDER BY size'),
      addCosignature: db.prepare(
        'INSERT OR IGNORE INTO cosignatures (size, name, key_id, timestamp, line) VALUES (?, ?, ?, ?, ?)',
      ),
      cosignaturesSince: db.prepare(
        'SELECT rowid AS row, size, name, key_id AS keyId, timestamp, line FROM cosignatures WHERE rowid > ? ORDER BY rowid LIMIT ?',
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
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
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
      if (origin !== undefined && stored !== origin) {
        fail('STORE_ERROR', `${path} holds the log ${JSON.stringify(stored)}, not ${JSON.stringify(origin)}`);
      }
      const schema = SqliteStore.#schemaOf(db);
      if (schema === String(LEGACY_SCHEMA_VERSION) && !options.readonly) {
        db.transaction(() => {
          // Another process may have migrated the file since it was read above.
          if (SqliteStore.#schemaOf(db) !== String(LEGACY_SCHEMA_VERSION)) return;
          migrateLegacyKeys(db);
          db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(String(SCHEMA_VERSION));
        }).immediate();
      } else if (schema !== String(SCHEMA_VERSION) && schema !== String(LEGACY_SCHEMA_VERSION)) {
        fail(
          'STORE_ERROR',
          `${path} has store schema ${schema}, this version reads ${LEGACY_SCHEMA_VERSION} and ${SCHEMA_VERSION}: re-create the log`,
        );
      }
      return new SqliteStore(db, stored, path, schema === String(LEGACY_SCHEMA_VERSION) && options.readonly);
    } catch (err) {
      db.close();
      if (isCorruption(err)) fail('STORE_CORRUPT', `${path} is corrupt: ${err.message}`);
      throw err;
    }
  }

  static #schemaOf(db: Database.Database): string | undefined {
    return db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get() as string | undefined;
  }

  /**
   * Runs a read or write, turning SQLite's report of a damaged file into STORE_CORRUPT naming the table and the
   * row asked for (instead of an anonymous SqliteError).
   */
  #guard<T>(table: string, row: string, run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (isCorruption(err)) fail('STORE_CORRUPT', `${this.#path} is corrupt: table ${table}, ${row}: ${err.message}`);
      throw err;
    }
  }

  head(): LogHead | undefined {
    return this.#unflushed > 0 || this.#flushFailed ? this.#durableHead : this.#latestHead();
  }

  #latestHead(): LogHead | undefined {
    const row = this.#guard('checkpoints', 'the latest row', () => this.#stmt.head.get()) as
      | { size: number; note: string; peaks: Buffer; time: number }
      | undefined;
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
    this.#wal ??= new WalFlush(this.#path);
    return this.#wal.flush();
  }

  #commit(build: (head: LogHead | undefined) => AppendBatch): LogHead {
    if (this.#flushFailed) {
      fail('STORE_ERROR', `a flush of this log failed (${this.#flushFailed.message}): restart the node to recover`);
    }
    let pending: PendingKeys | undefined;
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
      // A repeated key throws out of the transaction: nothing of the batch is written.
      pending = batch.keys && this.#keys.write(batch.keys, index);
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
    const head = this.#guard('(an append)', `after size ${this.#durableHead?.size ?? '?'}`, () => run.immediate());
    if (pending) this.#keys.committed(pending);
    return head;
  }

  entry(index: number): Uint8Array | undefined {
    const data = this.#guard('entries', `idx ${index}`, () => this.#stmt.entry.get(index)) as Buffer | undefined;
    return data && bytes(data);
  }

  loadKeys(): number {
    return this.#guard(this.#keys.table, 'loading the key index', () => this.#keys.load());
  }

  indexOfKey(key: Uint8Array): number | undefined {
    return this.#guard(this.#keys.table, 'a key lookup', () => this.#keys.indexOf(key));
  }

  *entries(begin: number, end: number): Iterable<Uint8Array> {
    // Pages, not one long-lived cursor: better-sqlite3 forbids other statements while a cursor is open, and a
    // caller streaming entries (export, verify) reads tiles between them.
    for (let page = begin; page < end; page += ENTRY_PAGE) {
      const last = Math.min(end, page + ENTRY_PAGE);
      const rows = this.#guard('entries', `idx ${page} to ${last - 1}`, () =>
        this.#stmt.entries.all(page, last),
      ) as Buffer[];
      for (const data of rows) yield bytes(data);
    }
  }

  tile(level: number, index: number): Uint8Array | undefined {
    const id = tileId(level, index);
    const data = this.#guard('tiles', `tile ${level}/${index} (id ${id})`, () => this.#stmt.tile.get(id)) as
      | Buffer
      | undefined;
    return data && bytes(data);
  }

  checkpoint(size: number): string | undefined {
    return this.#guard('checkpoints', `size ${size}`, () => this.#stmt.checkpoint.get(size)) as string | undefined;
  }

  peaks(size: number): Uint8Array[] | undefined {
    const blob = this.#guard('checkpoints', `size ${size}`, () => this.#stmt.peaks.get(size)) as Buffer | undefined;
    return blob && splitPeaks(bytes(blob));
  }

  checkpointRecords(above = -1): CheckpointRecord[] {
    return this.#guard('checkpoints', 'all rows', () => this.#stmt.checkpointRecords.all(above)) as CheckpointRecord[];
  }

  addCosignature(c: StoredCosignature): void {
    this.#stmt.addCosignature.run(c.size, c.name, c.keyId, c.timestamp, c.line);
  }

  addCosignatureDeferred(c: StoredCosignature): Promise<void> {
    this.#db.pragma('synchronous = NORMAL');
    try {
      this.addCosignature(c);
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
    return this.#flush().catch((err: unknown) => {
      this.#flushFailed ??= err as Error;
      throw new DetenteError('STORE_ERROR', `the log could not be flushed to disk: ${(err as Error).message}`);
    });
  }

  /**
   * The cosignatures stored for `size`, with name, key ID and timestamp read from the signed line itself: the
   * columns only index the row, and a row whose line says otherwise is corrupt.
   */
  cosignatures(size: number): StoredCosignature[] {
    const rows = this.#guard('cosignatures', `size ${size}`, () =>
      this.#stmt.cosignatures.all(size),
    ) as StoredCosignature[];
    return rows.map((row) => this.#checkedCosignature(row));
  }

  /** The cosignatures stored after row `row` (rows only ever append), in the order stored, each checked as above. */
  cosignaturesSince(row: number, limit?: number): (StoredCosignature & { row: number })[] {
    const rows = this.#guard('cosignatures', `rows after ${row}`, () =>
      // SQLite reads a negative LIMIT as none.
      this.#stmt.cosignaturesSince.all(row, limit ?? -1),
    ) as (StoredCosignature & { row: number })[];
    return rows.map((r) => this.#checkedCosignature(r));
  }

  #checkedCosignature<R extends StoredCosignature>(row: R): R {
    const where = `${this.#path} is corrupt: table cosignatures, row (size ${row.size}, name ${JSON.stringify(row.name)}, key ID ${row.keyId})`;
    let signed: { name: string; keyId: number; timestamp: number };
    try {
      const sig = parseSignatureLine(row.line);
      signed = { name: sig.name, keyId: sig.keyId, timestamp: parseCosignatureTimestamp(sig.signature) };
    } catch (err) {
      fail('STORE_CORRUPT', `${where}: the line does not parse as a cosignature: ${(err as Error).message}`);
    }
    if (signed.name !== row.name || signed.keyId !== row.keyId || signed.timestamp !== row.timestamp) {
      fail(
        'STORE_CORRUPT',
        `${where}: the line says time ${signed.timestamp}, name ${JSON.stringify(signed.name)}, key ID ${signed.keyId}; the row says time ${row.timestamp}`,
      );
    }
    return { ...row, timestamp: signed.timestamp };
  }

  /** Sizes that have stored cosignatures, ascending. */
  cosignedSizes(): number[] {
    return this.#guard('cosignatures', 'all rows', () => this.#stmt.cosignedSizes.all()) as number[];
  }

  putBlob(hash: Uint8Array, data: Uint8Array): void {
    this.#stmt.putBlob.run(hash, data);
  }

  blob(hash: Uint8Array): Uint8Array | undefined {
    const data = this.#guard('blobs', 'a hash lookup', () => this.#stmt.blob.get(hash)) as Buffer | undefined;
    return data && bytes(data);
  }

  checkedSealedBodies(): number[] {
    // A file written before the table existed, opened read-only (opening for writing creates it): none recorded.
    if (!this.#hasTable('sealed_checked')) return [];
    return this.#guard('sealed_checked', 'all rows', () =>
      this.#db.prepare('SELECT idx FROM sealed_checked ORDER BY idx').pluck().all(),
    ) as number[];
  }

  recordCheckedSealedBodies(indices: readonly number[]): void {
    const size = this.head()?.size ?? 0;
    for (const i of indices) {
      if (!Number.isSafeInteger(i) || i < 0 || i >= size) {
        fail('BAD_INPUT', `sealed entry index ${i}: expected an index of an entry in the log (0 to ${size - 1})`);
      }
    }
    const insert = this.#db.prepare('INSERT OR IGNORE INTO sealed_checked (idx) VALUES (?)');
    this.#db.transaction(() => {
      for (const i of indices) insert.run(i);
    })();
  }

  #hasTable(name: string): boolean {
    return this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) === 1;
  }

  /**
   * What the store can check of itself, beyond what the tiles prove: SQLite's structure (PRAGMA quick_check), each
   * index against its table where a flipped bit would hide a cosignature (integrity_check of those tables), and the
   * idempotency rows: ranges, checksums (a flipped bit in a key would reopen a nonce), no key twice. Throws
   * STORE_CORRUPT naming the table and, where it can, the row.
   */
  checkIntegrity(size: number): void {
    const pragma = (sql: string) =>
      this.#guard('(structure)', sql, () => this.#db.prepare(sql).pluck().all() as string[]);
    let problems: string[];
    try {
      problems = this.#db.prepare('PRAGMA quick_check').pluck().all() as string[];
    } catch (err) {
      // quick_check itself can stop at a page it cannot read.
      if (!isCorruption(err)) throw err;
      problems = [err.message];
    }
    if (!(problems.length === 1 && problems[0] === 'ok')) {
      const where = this.#huntCorruptRow() ?? 'structure';
      fail('STORE_CORRUPT', `${this.#path} is corrupt: ${where}: ${problems.slice(0, 3).join('; ')}`);
    }
    for (const table of [this.#keys.table, 'cosignatures']) {
      const rows = pragma(`PRAGMA integrity_check(${table})`);
      // integrity_check names the table's rowid ("row 7 missing from index …"): say it in the table's words.
      if (!(rows.length === 1 && rows[0] === 'ok')) {
        fail('STORE_CORRUPT', `${this.#path} is corrupt: table ${table}: ${rows.slice(0, 3).join('; ')}`);
      }
    }
    const bad = this.#guard(this.#keys.table, 'all rows', () => this.#keys.problem(size));
    if (bad)
      fail('STORE_CORRUPT', `${this.#path} is corrupt: table ${this.#keys.table}, row ${bad.row}: ${bad.message}`);
  }

  /** After quick_check failed: the first table whose rows cannot all be read, and the last row read before. */
  #huntCorruptRow(): string | undefined {
    for (const table of [...TABLES, this.#keys.table]) {
      let last: unknown = 'none';
      try {
        for (const row of this.#db.prepare(`SELECT rowid AS r, * FROM ${table}`).iterate())
          last = (row as { r: unknown }).r;
      } catch (err) {
        if (isCorruption(err)) return `table ${table}, the row after rowid ${String(last)}`;
        throw err;
      }
    }
    return undefined;
  }

  close(): void {
    this.#wal?.close();
    this.#wal = undefined;
    this.#db.close();
  }
}
