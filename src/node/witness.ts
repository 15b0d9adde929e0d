/**
 * A C2SP tlog-witness (v1.0.0, https://c2sp.org/tlog-witness) without HTTP: takes an add-checkpoint request body,
 * answers with the status code and body the spec prescribes, and keeps its state in its own SQLite file.
 *
 * The checks, in the order the spec states them:
 *
 *   400  the body does not parse (request syntax, note syntax, checkpoint syntax)
 *   404  the checkpoint's origin is not a log this witness is configured for, or, at an endpoint for one log
 *        (`/logs/<party>/add-checkpoint`), not that log's origin
 *   403  no signature from the log's key verifies, or a signature naming the log's key does not
 *   400  old size > checkpoint size
 *   422  a size-0 checkpoint whose root is not SHA-256("") (no tree has it: whatever the state, refuse it)
 *   409  old size ≠ the size of the latest checkpoint cosigned for the origin (0 if none); body "<size>\n",
 *        Content-Type text/x.tlog.size
 *   422  "old 0" with a non-empty proof
 *   409  old size = checkpoint size (= the latest cosigned size) but the root differs: the log forked. The spec
 *        (v1.0.0 and the current draft alike: "If the old size matches the checkpoint size, the witness MUST check
 *        that the root hashes are also identical. If they don't match, the witness MUST respond with a 409
 *        Conflict") says 409; ../shared/specs/tlog-formats.md listed it under 422, as some witnesses answer.
 *        We follow the spec text, but send a text/plain body, never
 *        text/x.tlog.size: a client that sees a size body retries with that old size, which would loop forever
 *        against a fork. The witness also records the pair as equivocation evidence.
 *   422  the consistency proof from the latest cosigned checkpoint does not verify
 *   200  cosignature lines, one per witness key
 *
 * Reading the latest state, checking the old size and the proof against it, cosigning and writing the new state
 * (and every cosignature issued) happen in one `BEGIN IMMEDIATE` transaction, so two requests (or two processes
 * sharing the file) can never both extend the same state: the second sees the first's size and gets a 409.
 * A refusal is kept only when it proves something: a checkpoint of the latest size with another root, validly
 * signed by the log, stored as the log signed it (no unsigned proof bytes or unknown signature lines), once per
 * (origin, size, root) and at most MAX_FORKS_KEPT per origin (`witness_forks`). A request anyone can replay (the
 * log's public checkpoint with a junk proof) stores nothing, and a re-cosign of the unchanged state returns the
 * cosignatures already issued without signing or writing again: strangers cannot grow the file.
 *
 * Timestamps for one log never go backwards, whatever the clock does. `resumeFrom` moves the state to a checkpoint
 * the node verified against its mirror, when the log is proven to have shown this witness a tree it never
 * published (the node keeps the evidence): the witness then cosigns the published log again.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { equalBytes } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { formatSignatureLine, type NoteSignature, type NoteVerifier, parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import { type EquivocationEvidence, sameSizeEvidence } from '../federation/evidence.js';
import { WalFlush } from '../store/wal-flush.js';
import { type Checkpoint, openCheckpoint } from '../tlog/checkpoint.js';
import { verifyConsistency } from '../tlog/consistency.js';
import type { Cosigner } from '../tlog/cosignature.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import {
  type AddCheckpointRequest,
  formatAddCheckpointResponse,
  formatTreeSizeBody,
  readAddCheckpoint,
  TREE_SIZE_CONTENT_TYPE,
} from '../tlog/witness-protocol.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS witness_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS witness_state (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL,
  note TEXT NOT NULL, updated INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS witness_cosignatures (id INTEGER PRIMARY KEY, origin TEXT NOT NULL,
  size INTEGER NOT NULL, root BLOB NOT NULL, name TEXT NOT NULL, key_id INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  line TEXT NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS witness_cosignatures_by_size ON witness_cosignatures (origin, size);
CREATE TABLE IF NOT EXISTS witness_forks (origin TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,
  note TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (origin, size, root)) STRICT;
`;

/** Forked checkpoints kept per log: the first few prove it; more prove nothing new. */
export const MAX_FORKS_KEPT = 16;

const PLAIN = 'text/plain; charset=utf-8';

export interface WitnessLog {
  /** The log's Ed25519 verifier key; its name is the log's origin. */
  vkey: string;
}

export interface WitnessOptions {
  /** The witness's cosigning keys (at least one): each signs every checkpoint it accepts. */
  cosigners: readonly Cosigner[];
  /** The logs it witnesses. */
  logs: readonly WitnessLog[];
  suite: CryptoSuite;
  /** POSIX seconds for cosignature timestamps (default: now). Must be > 0. */
  clock?: () => number;
}

export interface AddCheckpointResponse {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
  /** On 200: the cosignatures issued. */
  cosignatures?: NoteSignature[];
  /** On a same-size fork: the proof that the log signed two different trees of one size. */
  evidence?: EquivocationEvidence;
}

export interface WitnessState {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The checkpoint note as it was submitted. */
  note: string;
  /** When it was cosigned (the witness's clock). */
  updated: number;
}

export interface IssuedCosignature {
  origin: string;
  size: number;
  root: Uint8Array;
  name: string;
  keyId: number;
  timestamp: number;
  /** The signature line, ready to append to the checkpoint note. */
  line: string;
}

export interface WitnessRefusal {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The refused checkpoint with the log's signature only. */
  note: string;
  at: number;
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function plain(status: AddCheckpointResponse['status'], message: string): AddCheckpointResponse {
  return { status, contentType: PLAIN, body: `${message}\n` };
}

export class Witness {
  readonly #db: Database.Database;
  readonly #cosigners: readonly Cosigner[];
  readonly #logs = new Map<string, { verifier: NoteVerifier; vkey: string }>();
  readonly #hasher: Rfc6962Hasher;
  readonly #clock: () => number;
  readonly #stmt;
  readonly #wal: WalFlush;
  #flushFailed: Error | undefined;

  private constructor(db: Database.Database, path: string, options: WitnessOptions) {
    if (!Array.isArray(options.cosigners) || options.cosigners.length === 0) {
      fail('BAD_INPUT', 'witness: expected at least one cosigner');
    }
    this.#db = db;
    this.#wal = new WalFlush(path);
    this.#cosigners = [...options.cosigners];
    for (const log of options.logs) {
      const verifier = parseVerifierKey(log.vkey, options.suite);
      if (this.#logs.has(verifier.name)) fail('BAD_INPUT', `witness: two keys for the log ${verifier.name}`);
      this.#logs.set(verifier.name, { verifier, vkey: log.vkey });
    }
    this.#hasher = new Rfc6962Hasher(options.suite.sha256);
    this.#clock = options.clock ?? nowSeconds;
    this.#stmt = {
      state: db.prepare('SELECT origin, size, root, note, updated FROM witness_state WHERE origin = ?'),
      putState: db.prepare(
        `INSERT INTO witness_state (origin, size, root, note, updated) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note,
           updated = excluded.updated`,
      ),
      addCosignature: db.prepare(
        'INSERT INTO witness_cosignatures (origin, size, root, name, key_id, timestamp, line) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      cosignaturesSince: db.prepare(
        'SELECT id, origin, size, root, name, key_id AS keyId, timestamp, line FROM witness_cosignatures WHERE origin = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      cosignatures: db.prepare(
        'SELECT origin, size, root, name, key_id AS keyId, timestamp, line FROM witness_cosignatures WHERE origin = ? ORDER BY id',
      ),
      cosignaturesAt: db.prepare(
        'SELECT origin, size, root, name, key_id AS keyId, timestamp, line FROM witness_cosignatures WHERE origin = ? AND size = ? ORDER BY id',
      ),
      addRefusal: db.prepare(
        `INSERT OR IGNORE INTO witness_forks (origin, size, root, note, at)
         SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM witness_forks WHERE origin = ?) < ?`,
      ),
      refusals: db.prepare('SELECT origin, size, root, note, at FROM witness_forks WHERE origin = ? ORDER BY rowid'),
      issued: db.prepare(
        'SELECT line FROM witness_cosignatures WHERE origin = ? AND size = ? AND root = ? AND timestamp = ? ORDER BY id',
      ),
    };
  }

  /** Opens (creating if needed) the witness's state file. */
  static open(path: string, options: WitnessOptions & { create?: boolean }): Witness {
    if (options.create === false && !existsSync(path)) fail('STORE_ERROR', `no witness state at ${path}`);
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (err) {
      fail('STORE_ERROR', `cannot open ${path}: ${(err as Error).message}`);
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 10000');
      db.exec(SCHEMA);
      return new Witness(db, path, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The witness's cosignature verifier keys. */
  get verifierKeys(): string[] {
    return this.#cosigners.map((c) => c.verifierKey);
  }

  /** The origins it witnesses. */
  get origins(): string[] {
    return [...this.#logs.keys()];
  }

  /** The latest checkpoint cosigned for `origin`, if any. */
  latest(origin: string): WitnessState | undefined {
    const row = this.#stmt.state.get(origin) as
      | { origin: string; size: number; root: Buffer; note: string; updated: number }
      | undefined;
    return row && { ...row, root: bytes(row.root) };
  }

  /** Every cosignature ever issued for `origin`, oldest first. */
  cosignatures(origin: string): IssuedCosignature[] {
    return (this.#stmt.cosignatures.all(origin) as (IssuedCosignature & { root: Buffer })[]).map((r) => ({
      ...r,
      root: bytes(r.root),
    }));
  }

  /** The cosignatures issued for `origin` after row `id` (0: all), oldest first, each with its row; `limit` at most. */
  cosignaturesSince(origin: string, id: number, limit?: number): (IssuedCosignature & { id: number })[] {
    // SQLite reads a negative LIMIT as none.
    return (
      this.#stmt.cosignaturesSince.all(origin, id, limit ?? -1) as (IssuedCosignature & { id: number; root: Buffer })[]
    ).map((r) => ({ ...r, root: bytes(r.root) }));
  }

  /** The cosignatures issued for `origin` at `size` (any root), oldest first: one look-up in the (origin, size) index. */
  cosignaturesAt(origin: string, size: number): IssuedCosignature[] {
    return (this.#stmt.cosignaturesAt.all(origin, size) as (IssuedCosignature & { root: Buffer })[]).map((r) => ({
      ...r,
      root: bytes(r.root),
    }));
  }

  /** Validly signed checkpoints of the latest size with another root that the witness refused, oldest first. */
  refusals(origin: string): WitnessRefusal[] {
    return (this.#stmt.refusals.all(origin) as (WitnessRefusal & { root: Buffer })[]).map((r) => ({
      ...r,
      root: bytes(r.root),
    }));
  }

  /**
   * Moves the state for `origin` to `note`, a checkpoint the caller verified (a mirror's), when the log proved to
   * have shown this witness a tree it did not publish. Only a note the log signed is accepted.
   */
  resumeFrom(origin: string, note: string): void {
    const log = this.#logs.get(origin);
    if (!log) fail('BAD_INPUT', `witness: unknown log origin ${origin}`);
    const { checkpoint } = openCheckpoint(note, log.verifier);
    this.#db
      .transaction(() => {
        const updated = Math.max(this.latest(origin)?.updated ?? 0, this.#clock());
        this.#stmt.putState.run(origin, checkpoint.size, checkpoint.root, note, updated);
      })
      .immediate();
  }

  /**
   * Handles one add-checkpoint request body. Never throws for anything the client sent. `only`, when given, is the
   * one origin the request may carry (an endpoint serving a single log, as `/logs/<party>/add-checkpoint` does): any
   * other origin is unknown there, so 404, even one this witness knows under another prefix.
   */
  addCheckpoint(body: string | Uint8Array, only?: string): AddCheckpointResponse {
    let request: AddCheckpointRequest;
    let origin: string;
    try {
      ({ request, origin } = readAddCheckpoint(body));
    } catch (err) {
      if (err instanceof DetenteError) return plain(400, `malformed request: ${err.message}`);
      throw err;
    }
    const log = this.#logs.get(origin);
    if (!log) return plain(404, `unknown log origin ${JSON.stringify(origin.slice(0, 200))}`);
    if (only !== undefined && origin !== only) {
      return plain(404, `log origin ${JSON.stringify(origin.slice(0, 200))} is not witnessed here: expected ${only}`);
    }
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(request.checkpointNote, log.verifier).checkpoint;
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      if (err.code === 'NOTE_UNVERIFIED' || err.code === 'NOTE_BAD_SIGNATURE') {
        return plain(403, `no valid signature from the log's key: ${err.message}`);
      }
      return plain(400, `malformed checkpoint: ${err.message}`);
    }
    const { oldSize, proof } = request;
    if (oldSize > checkpoint.size) {
      return plain(400, `old size ${oldSize} is greater than the checkpoint size ${checkpoint.size}`);
    }
    if (checkpoint.size === 0 && !equalBytes(checkpoint.root, this.#hasher.emptyRoot())) {
      return plain(422, 'a checkpoint of size 0 must have the root SHA-256("")');
    }

    // The critical section: read the latest state, check against it, cosign, write. IMMEDIATE takes the write lock
    // before the read, so no other connection can commit in between.
    const run = this.#db.transaction((): AddCheckpointResponse => {
      const latest = this.latest(origin);
      const latestSize = latest?.size ?? 0;
      if (oldSize !== latestSize) {
        return { status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: formatTreeSizeBody(latestSize) };
      }
      if (oldSize === 0 && proof.length > 0) return plain(422, 'old size 0 requires an empty consistency proof');
      const latestRoot = latest?.root ?? this.#hasher.emptyRoot();
      if (oldSize === checkpoint.size && !equalBytes(latestRoot, checkpoint.root)) {
        const reason = `the log signed two different checkpoints of size ${checkpoint.size}`;
        const signed = signedByLogOnly(request.checkpointNote, log.verifier);
        this.#stmt.addRefusal.run(
          origin,
          checkpoint.size,
          checkpoint.root,
          signed,
          this.#clock(),
          origin,
          MAX_FORKS_KEPT,
        );
        const evidence = latest && sameSizeEvidence(log.vkey, latest.note, request.checkpointNote);
        return { ...plain(409, `conflict: ${reason}; this witness cosigned a different root`), evidence };
      }
      try {
        verifyConsistency(this.#hasher, oldSize, checkpoint.size, proof, latestRoot, checkpoint.root);
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        return plain(422, `consistency proof from ${oldSize} to ${checkpoint.size} does not verify: ${err.message}`);
      }
      const checkpointText = parseNote(request.checkpointNote).text;
      // The unchanged state again: the cosignatures already issued, not a new signature and row each time.
      if (latest && oldSize === checkpoint.size && parseNote(latest.note).text === checkpointText) {
        const lines = (
          this.#stmt.issued.all(origin, latest.size, latest.root, latest.updated) as { line: string }[]
        ).map((r) => r.line);
        if (lines.length === this.#cosigners.length) {
          return { status: 200, contentType: PLAIN, body: lines.join('') };
        }
      }
      // Never earlier than what this witness already signed for the log, whatever its clock says.
      const timestamp = Math.max(this.#clock(), latest?.updated ?? 0);
      if (!Number.isSafeInteger(timestamp) || timestamp <= 0) fail('BAD_INPUT', `witness clock: got ${timestamp}`);
      const cosignatures = this.#cosigners.map((c) => c.cosign(checkpointText, timestamp));
      this.#stmt.putState.run(origin, checkpoint.size, checkpoint.root, request.checkpointNote, timestamp);
      for (const c of cosignatures) {
        this.#stmt.addCosignature.run(
          origin,
          checkpoint.size,
          checkpoint.root,
          c.name,
          c.keyId,
          timestamp,
          formatSignatureLine(c),
        );
      }
      return { status: 200, contentType: PLAIN, body: formatAddCheckpointResponse(cosignatures), cosignatures };
    });
    return run.immediate();
  }

  /**
   * `addCheckpoint`, made durable off the event loop: the transaction commits without an fsync (synchronous=NORMAL
   * in WAL mode) and the answer waits for an fsync of the WAL on libuv's pool, shared by every request committed
   * meanwhile (group commit, store/wal-flush.ts). So no cosignature leaves before its row is on disk, and 56 peers
   * asking at once cost one or two fsyncs, not 56 on the event loop. After a failed flush nothing more is answered
   * (whether the rows are on disk is unknown): STORE_ERROR until a restart.
   */
  async addCheckpointDurable(body: string | Uint8Array, only?: string): Promise<AddCheckpointResponse> {
    if (this.#flushFailed) {
      fail('STORE_ERROR', `a flush of the witness state failed (${this.#flushFailed.message}): restart the node`);
    }
    this.#db.pragma('synchronous = NORMAL');
    let result: AddCheckpointResponse;
    try {
      result = this.addCheckpoint(body, only);
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
    try {
      await this.#wal.flush();
    } catch (err) {
      this.#flushFailed ??= err as Error;
      fail('STORE_ERROR', `the witness state could not be flushed to disk: ${(err as Error).message}`);
    }
    return result;
  }

  close(): void {
    this.#wal.close();
    this.#db.close();
  }
}

/** The note with only the log's own signature lines: what the log signed, without anything a sender added. */
function signedByLogOnly(note: string, verifier: NoteVerifier): string {
  const { text, signatures } = parseNote(note);
  const own = signatures.filter((sig) => sig.name === verifier.name && sig.keyId === verifier.keyId);
  return `${text}\n${own.map(formatSignatureLine).join('')}`;
}
