/**
 * The embedded LogStore: one SQLite file a log, through better-sqlite3 12. WAL with synchronous=FULL, so a
 * batch is on disk when `append` returns; `BEGIN IMMEDIATE` makes the read of the head and the write of the
 * batch one critical section, so two processes can never extend the same head twice.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { concat } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { AppendBatch, LogHead, LogStore, StoredCosignature } from './store.js';

const SCHEMA_VERSION = 1;
const ENTRY_PAGE = 256;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (level, idx)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL, peaks BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS cosignatures (size INTEGER NOT NULL, name TEXT NOT NULL, key_id INTEGER NOT NULL,
  timestamp INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, name, key_id)) STRICT;
CREATE TABLE IF NOT EXISTS blobs (hash BLOB PRIMARY KEY, data BLOB NOT NULL) STRICT;
`;

function splitPeaks(blob: Uint8Array): Uint8Array[] {
  const peaks: Uint8Array[] = [];
  for (let i = 0; i < blob.length; i += 32) peaks.push(new Uint8Array(blob.subarray(i, i + 32)));
  return peaks;
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
  readonly #stmt;

  private constructor(db: Database.Database, origin: string) {
    this.#db = db;
    this.origin = origin;
    this.#stmt = {
      head: db.prepare('SELECT size, note, peaks FROM checkpoints ORDER BY size DESC LIMIT 1'),
      insertEntry: db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)'),
      upsertTile: db.prepare(
        'INSERT INTO tiles (level, idx, data) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data',
      ),
      insertCheckpoint: db.prepare('INSERT INTO checkpoints (size, note, peaks) VALUES (?, ?, ?)'),
      entry: db.prepare('SELECT data FROM entries WHERE idx = ?').pluck(),
      entries: db.prepare('SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck(),
      tile: db.prepare('SELECT data FROM tiles WHERE level = ? AND idx = ?').pluck(),
      checkpoint: db.prepare('SELECT note FROM checkpoints WHERE size = ?').pluck(),
      checkpointSizes: db.prepare('SELECT size FROM checkpoints ORDER BY size').pluck(),
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
      const stored =
        (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('origin') as string | undefined) ?? undefined;
      if (stored === undefined) {
        if (!options.create || origin === undefined) fail('STORE_ERROR', `${path} is not a Détente log`);
        const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        db.transaction(() => {
          setMeta.run('origin', origin);
          setMeta.run('schema', String(SCHEMA_VERSION));
        }).immediate();
        return new SqliteStore(db, origin);
      }
      if (origin !== undefined && stored !== origin) {
        fail('STORE_ERROR', `${path} holds the log ${JSON.stringify(stored)}, not ${JSON.stringify(origin)}`);
      }
      return new SqliteStore(db, stored);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  head(): LogHead | undefined {
    const row = this.#stmt.head.get() as { size: number; note: string; peaks: Buffer } | undefined;
    return row && { size: row.size, checkpoint: row.note, peaks: splitPeaks(bytes(row.peaks)) };
  }

  append(build: (head: LogHead | undefined) => AppendBatch): LogHead {
    const run = this.#db.transaction(() => {
      const previous = this.head();
      const batch = build(previous);
      let index = previous?.size ?? 0;
      if (batch.head.size !== index + batch.entries.length) {
        fail(
          'STORE_ERROR',
          `batch of ${batch.entries.length} entries cannot take the log from ${index} to ${batch.head.size}`,
        );
      }
      for (const e of batch.entries) this.#stmt.insertEntry.run(index++, e);
      for (const t of batch.tiles) this.#stmt.upsertTile.run(t.level, t.index, t.data);
      this.#stmt.insertCheckpoint.run(batch.head.size, batch.head.checkpoint, concat(...batch.head.peaks));
      return batch.head;
    });
    return run.immediate();
  }

  entry(index: number): Uint8Array | undefined {
    const data = this.#stmt.entry.get(index) as Buffer | undefined;
    return data && bytes(data);
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
    const data = this.#stmt.tile.get(level, index) as Buffer | undefined;
    return data && bytes(data);
  }

  checkpoint(size: number): string | undefined {
    return this.#stmt.checkpoint.get(size) as string | undefined;
  }

  checkpointSizes(): Iterable<number> {
    return this.#stmt.checkpointSizes.all() as number[];
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
    this.#db.close();
  }
}
