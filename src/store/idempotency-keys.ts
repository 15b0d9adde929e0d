/**
 * The log's idempotency keys (Tessera's antispam): which request made which entry, so that a key is in the log at
 * most once. Durably an append-only table, `idempotency_keys(row, idx, key, sum)`, written in entry order: a batch's
 * keys land on the table's last page or two, where a table keyed by the key itself (schema 2) dirtied one random
 * page a key, wrote each to the WAL and again at every checkpoint, and made a node's appends slower as its log grew
 * (docs/BENCHMARKS.md, session 11). Lookups are answered from an in-memory index of the keys' prefixes
 * (KeyPrefixIndex), built from the table at the first lookup or append, and confirmed against the row itself.
 *
 * `sum` is a checksum of the row's key and entry (FNV-1a, 32 bits): the table has no second copy of a key that
 * SQLite's integrity check could compare, and a flipped bit in a key would silently reopen a nonce.
 *
 * Another connection may append to the same file (two writer processes): inside each append's transaction, before
 * its keys are checked, the rows committed since the index last looked are read into it, so a key is refused
 * whoever wrote it. A lookup does not look for such rows (asking SQLite costs as much as the lookup it replaces):
 * it sees another connection's keys from this connection's next append on.
 */
import type Database from 'better-sqlite3';
import { fail } from '../crypto/errors.js';
import { KeyPrefixIndex } from './key-prefix-index.js';

export const IDEMPOTENCY_KEY_BYTES = 32;
const LOAD_PAGE = 65536;
const PACKED_ROW_BYTES = 10;
export const KEYS_TABLE = 'idempotency_keys';
/** Schema 2's table: `idempotency(key BLOB PRIMARY KEY, idx)`, a key's B-tree ordered by the key. */
export const LEGACY_KEYS_TABLE = 'idempotency';

export const KEYS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${KEYS_TABLE} (row INTEGER PRIMARY KEY, idx INTEGER NOT NULL,
  key BLOB NOT NULL, sum INTEGER NOT NULL) STRICT;`;

/** FNV-1a over the key's bytes and then the entry's index (8 bytes, little-endian): any one changed byte changes it. */
export function keyRowSum(key: Uint8Array, idx: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  let rest = idx;
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ (rest % 256), 0x01000193);
    rest = Math.floor(rest / 256);
  }
  return h >>> 0;
}

/** Rows written by an append, entered into the index once its transaction has committed. */
export interface PendingKeys {
  readonly keys: Uint8Array[];
  readonly firstRow: number;
}

/** A problem with one row, in the words of the integrity check. */
export interface KeyRowProblem {
  row: number;
  message: string;
}

export class IdempotencyKeys {
  readonly #db: Database.Database;
  /** Schema 2's table, opened read-only (it is migrated on the first read-write open). */
  readonly #legacy: boolean;
  /** The table the keys are in: schema 2's when such a file is opened read-only. */
  readonly table: string;
  /** Its column that orders the rows: schema 2's table has none of its own. */
  readonly #row: 'row' | 'rowid';
  readonly #stmt;
  #index: KeyPrefixIndex | undefined;
  /** The last row the index holds. */
  #lastRow = 0;

  constructor(db: Database.Database, legacy = false) {
    this.#db = db;
    this.#legacy = legacy;
    this.table = legacy ? LEGACY_KEYS_TABLE : KEYS_TABLE;
    this.#row = legacy ? 'rowid' : 'row';
    const t = this.table;
    const row = this.#row;
    this.#stmt = {
      // Up to LOAD_PAGE rows after a row, packed into one blob of 10 bytes a row: the row (4 bytes, big-endian) and
      // the key's first 6. A blob (or array) a row costs better-sqlite3 an allocation each: a million-entry log's
      // two million keys are indexed in about 1 s packed, 3.5 s a row at a time (docs/BENCHMARKS.md, session 11). A
      // damaged row (a key under 6 bytes, a row beyond 32 bits) must not shift the rows after it: each is padded
      // or cut to its 10 bytes, and the integrity check reports it.
      rowsAfter: db
        .prepare(
          `SELECT max(${row}), unhex(group_concat(printf('%08X', ${row} & 0xFFFFFFFF) || hex(iif(length(key) >= 6, substr(key, 1, 6), zeroblob(6))), '')) FROM (SELECT ${row}, key FROM ${t} WHERE ${row} > ? ORDER BY ${row} LIMIT ${LOAD_PAGE})`,
        )
        .raw(),
      row: db.prepare(`SELECT key, idx FROM ${t} WHERE ${row} = ?`),
      insert: legacy ? undefined : db.prepare(`INSERT INTO ${t} (row, idx, key, sum) VALUES (?, ?, ?, ?)`),
      maxRow: db.prepare(`SELECT max(${row}) FROM ${t}`).pluck(),
    };
  }

  /** Builds the index now (it is otherwise built at the first lookup or append); returns the keys it holds. */
  load(): number {
    return this.#caughtUp().size;
  }

  /** The index of the entry appended with `key`, if any. */
  indexOf(key: Uint8Array): number | undefined {
    return this.#find(this.#index ?? this.#caughtUp(), key);
  }

  /**
   * Inside an append's transaction: refuses (DUPLICATE_KEY) a batch that repeats a key the log holds or one of its
   * own, else writes the batch's rows after the last one. Enter the result with `committed` once the transaction
   * has committed (a rolled-back transaction leaves the index as it was).
   */
  write(keys: readonly (readonly Uint8Array[])[], firstIndex: number): PendingKeys {
    if (this.#legacy) fail('STORE_ERROR', 'a log of store schema 2 opened read-only cannot be appended to');
    const index = this.#caughtUp();
    const written: Uint8Array[] = [];
    const inBatch = new Set<string>();
    keys.forEach((entryKeys, i) => {
      for (const key of entryKeys) {
        if (key.length !== IDEMPOTENCY_KEY_BYTES) {
          fail('STORE_ERROR', `entry ${i} of the batch has a key of ${key.length} bytes, not ${IDEMPOTENCY_KEY_BYTES}`);
        }
        const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
        if (inBatch.has(text) || this.#find(index, key) !== undefined) {
          // A failure throws out of the transaction: nothing of the batch is written.
          fail('DUPLICATE_KEY', `entry ${i} of the batch repeats an idempotency key the log already holds`);
        }
        inBatch.add(text);
        written.push(key);
        const idx = firstIndex + i;
        this.#stmt.insert!.run(this.#lastRow + written.length, idx, key, keyRowSum(key, idx));
      }
    });
    return { keys: written, firstRow: this.#lastRow + 1 };
  }

  /** Enters the rows of a committed append into the index. */
  committed(pending: PendingKeys): void {
    // Rows another connection wrote in between are read (with these) at the next look.
    if (this.#index === undefined || pending.firstRow !== this.#lastRow + 1) return;
    pending.keys.forEach((key, i) => {
      this.#index!.add(key, pending.firstRow + i);
    });
    this.#lastRow += pending.keys.length;
  }

  /** The entry of the row holding exactly `key` among those the index offers for its prefix. */
  #find(index: KeyPrefixIndex, key: Uint8Array): number | undefined {
    let idx: number | undefined;
    index.find(key, (row) => {
      const stored = this.#stmt.row.get(row) as { key: Buffer; idx: number } | undefined;
      if (stored === undefined || !stored.key.equals(key)) return false;
      idx = stored.idx;
      return true;
    });
    return idx;
  }

  /** The index, with every row committed so far (read at the first call, then only the rows added since). */
  #caughtUp(): KeyPrefixIndex {
    if (this.#index === undefined) {
      const rows = (this.#stmt.maxRow.get() as number | null) ?? 0;
      this.#index = new KeyPrefixIndex(rows);
    }
    for (;;) {
      const [last, packed] = this.#stmt.rowsAfter.get(this.#lastRow) as [number | null, Buffer | null];
      if (last === null || packed === null) return this.#index;
      for (let at = 0; at < packed.length; at += PACKED_ROW_BYTES)
        this.#index.add(packed, packed.readUInt32BE(at), at + 4);
      this.#lastRow = last;
    }
  }

  /**
   * What the integrity check finds wrong with the rows of a log of `size` entries: a key of the wrong length, an
   * entry beyond the log, a row whose checksum disagrees, a key stored twice. The first problem, or undefined.
   */
  problem(size: number): KeyRowProblem | undefined {
    const t = this.table;
    const row = this.#row;
    const bad = this.#db
      .prepare(
        `SELECT ${row} AS row, idx, length(key) AS bytes FROM ${t} WHERE idx < 0 OR idx >= ? OR length(key) != ? LIMIT 1`,
      )
      .get(size, IDEMPOTENCY_KEY_BYTES) as { row: number; idx: number; bytes: number } | undefined;
    if (bad) {
      return {
        row: bad.row,
        message: `a key of ${bad.bytes} bytes (expected ${IDEMPOTENCY_KEY_BYTES}) for entry ${bad.idx} of a log of ${size}`,
      };
    }
    if (this.#legacy) return undefined; // the key is the primary key: SQLite's integrity check compares both copies
    for (const [r, idx, key, sum] of this.#db
      .prepare(`SELECT row, idx, key, sum FROM ${t} ORDER BY row`)
      .raw()
      .iterate() as Iterable<[number, number, Buffer, number]>) {
      if (keyRowSum(key, idx) !== sum)
        return { row: r, message: `the key or entry ${idx} disagrees with its checksum` };
    }
    const twice = this.#db
      .prepare(`SELECT min(row) AS row, count(*) AS n FROM ${t} GROUP BY key HAVING count(*) > 1 LIMIT 1`)
      .get() as { row: number; n: number } | undefined;
    if (twice) return { row: twice.row, message: `its key is stored ${twice.n} times` };
    return undefined;
  }
}

/**
 * Schema 2 to 3, inside the caller's transaction: the keys of `idempotency` copied in entry order into the
 * append-only table, with their checksums, and the old table dropped. Returns the rows copied.
 */
export function migrateLegacyKeys(db: Database.Database): number {
  db.function('detente_key_row_sum', { deterministic: true }, (key: unknown, idx: unknown) =>
    keyRowSum(key as Buffer, idx as number),
  );
  db.exec(KEYS_TABLE_SQL);
  const copied = db
    .prepare(
      `INSERT INTO ${KEYS_TABLE} (idx, key, sum) SELECT idx, key, detente_key_row_sum(key, idx) FROM ${LEGACY_KEYS_TABLE} ORDER BY idx, rowid`,
    )
    .run().changes;
  db.exec(`DROP TABLE ${LEGACY_KEYS_TABLE}`);
  return copied;
}
