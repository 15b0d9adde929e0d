/**
 * Reading the logs of a directory of party logs back (what `scenario play` writes, and what a node will mirror):
 * each log's entries in index order with the time each counts from (the local time of the first checkpoint of its
 * log that contains it), merged across logs into the engine's canonical order as they stream, so folding a million
 * entries holds one page of each log at a time.
 *
 * `verify` (the default) decodes every entry strictly and checks its signature, key and role against the regime,
 * and its leaf hash against the log's tiles; an entry that fails is reported and skipped. Without it the store is
 * trusted (it refused bad entries when they were appended): entries are JSON-parsed and their leaf hashes taken
 * from the tiles.
 *
 * Verifying, a large directory's entries are decoded and their signatures checked on worker threads
 * (runtime/entry-workers.ts, the same functions), a few runs of each log ahead, while this thread reads, checks
 * leaf hashes and folds in order: the entries, problems and state are those of the single-threaded reader.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fromBase64, fromHex, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import type { RereadSealed } from '../engine/confidential.js';
import { openingBlobRefs } from '../engine/escrow-entries.js';
import { mergeOrdered, type OrderedSource } from '../engine/order.js';
import type { EngineEntry } from '../engine/types.js';
import { ZoneIndex } from '../engine/zones.js';
import { type OpenLog, openLogDir } from '../log/log-dir.js';
import {
  decodeEntry,
  type Envelope,
  Item,
  parseRegime,
  type Regime,
  regimeHash,
  verifyEntry,
  vocabularyProblems,
} from '../model/index.js';
import { bordersFor } from '../runtime/borders.js';
import { errorOf, readerWorkers, SyncEntryVerifier, type Verdict } from '../runtime/entry-workers.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import type { ReadEntry } from '../runtime/sealed-openers.js';
import type { CheckpointRecord } from '../store/store.js';
import { TILE_WIDTH } from '../tlog/tile-paths.js';
import { EXERCISE_FILE, type ExerciseMeta, REGIME_FILE } from './play.js';

export interface LoadProblem {
  origin: string;
  index?: number;
  code: string;
  message: string;
}

export interface ReadOptions {
  /** Check every entry (default true); false trusts the store. */
  verify?: boolean;
  /** Read only entries counted at or before this time. */
  asOf?: number;
  /**
   * Worker threads that verify, and that open the sealed entries a fold reads (`readAs`), each (default: one a core
   * once the logs hold PARALLEL_FROM entries, as this thread mostly waits for them; else none: starting them costs
   * more than a small directory's checks); 0 verifies and opens on this thread.
   */
  workers?: number;
  /**
   * Hand each sealed entry over with the leaf bytes it was parsed from (ReadEntry), for worker threads that open it
   * ahead (openAhead parses those rather than serializing the envelope again).
   */
  sealedLeaves?: boolean;
}

/** Entries from which verifying on worker threads pays for starting them. */
export const PARALLEL_FROM = 4096;
/** Entries a request to a worker, and requests of each log in flight. */
const RUN = 256;
const AHEAD = 3;

export interface LogSet {
  dir: string;
  regime: Regime;
  regimeHash: string;
  zones: ZoneIndex;
  meta: ExerciseMeta | undefined;
  logs: { party: string; origin: string; log: OpenLog }[];
  problems: LoadProblem[];
  close(): void;
}

/**
 * Opens the regime and every party's log in `dir`: read-only, unless `writable` (a fold that records the sealed
 * bodies it checked: FoldOptions.record).
 */
export function openLogSet(dir: string, options: { writable?: boolean } = {}): LogSet {
  if (!existsSync(join(dir, REGIME_FILE))) {
    throw new DetenteError(
      'STORE_ERROR',
      `${dir} holds no ${REGIME_FILE}: is it a directory of party logs (detente scenario play)?`,
    );
  }
  const regime = parseRegime(readFileSync(join(dir, REGIME_FILE), 'utf8'), 'json');
  const hash = regimeHash(regime, nodeSuite.sha256);
  const meta = existsSync(join(dir, EXERCISE_FILE))
    ? (JSON.parse(readFileSync(join(dir, EXERCISE_FILE), 'utf8')) as ExerciseMeta)
    : undefined;
  if (meta && meta.regimeHash !== hash) {
    throw new DetenteError(
      'LOG_INCONSISTENT',
      `${EXERCISE_FILE} names regime ${meta.regimeHash}, but ${REGIME_FILE} hashes to ${hash}`,
    );
  }
  const problems: LoadProblem[] = [];
  const logs: LogSet['logs'] = [];
  for (const p of regime.parties) {
    const d = join(dir, p.id);
    if (!existsSync(d)) continue;
    const log = openLogDir(d, nodeSuite, { readonly: !options.writable });
    if (log.store.origin !== p.origin) {
      log.close();
      throw new DetenteError('LOG_INCONSISTENT', `${d} holds the log ${log.store.origin}, not ${p.id}'s (${p.origin})`);
    }
    const key = p.keys.find((k) => k.roles.includes('log'));
    if (key?.publicKey && toHex(fromBase64(key.publicKey)) !== toHex(log.verifier.publicKey)) {
      problems.push({
        origin: p.origin,
        code: 'KEY_UNKNOWN',
        message: `${d}: the log's key is not ${p.id}'s log key in the regime (${key.id})`,
      });
    }
    logs.push({ party: p.id, origin: p.origin, log });
  }
  return {
    dir,
    regime,
    regimeHash: hash,
    zones: new ZoneIndex(regime, bordersFor(regime)),
    meta,
    logs,
    problems,
    close: () => {
      for (const l of logs) l.log.close();
    },
  };
}

const Items = z.array(Item);

const decoder = new TextDecoder();

interface Positioned {
  index: number;
  bytes: Uint8Array;
  counted: number;
  /** The entry's leaf hash in the tiles, if a tile holds it. */
  stored: Uint8Array | undefined;
}

/** Entries read from the store at a time, per log: few, so that what is read ahead dies young (57 logs merge). */
const READ_AHEAD = 64;

/**
 * One log's entries in index order with their counted times and stored leaf hashes, as a cursor: the entry it is
 * on is in its fields, not in an object per entry (a fold reads millions). Stops after `asOf`, or after a problem
 * that ends the log (returned by `advance`, so that it is recorded in its place, after the entries before it).
 */
class LogCursor {
  index = -1;
  bytes: Uint8Array = new Uint8Array(0);
  counted = -Infinity;
  readonly #l: LogSet['logs'][number];
  readonly #asOf: number | undefined;
  readonly #size: number;
  readonly #records: readonly CheckpointRecord[];
  #r = 0;
  #ended = false;
  #rows: Uint8Array[] = [];
  #row = 0;
  #tile: Buffer | undefined;
  #tileIndex = -1;

  constructor(l: LogSet['logs'][number], asOf: number | undefined) {
    this.#l = l;
    this.#asOf = asOf;
    this.#size = l.log.store.head()?.size ?? 0;
    this.#records = l.log.store.checkpointRecords();
  }

  /** Moves to the next entry: true, false at the end, or the problem that ends the log. */
  advance(): boolean | LoadProblem {
    if (this.#ended) return false;
    const i = this.index + 1;
    if (i >= this.#size) return this.#end();
    if (this.#row === this.#rows.length) {
      this.#rows = [...this.#l.log.store.entries(i, Math.min(this.#size, i + READ_AHEAD))];
      this.#row = 0;
    }
    this.index = i;
    this.bytes = this.#rows[this.#row++]!;
    const records = this.#records;
    while (this.#r < records.length && records[this.#r]!.size <= i) this.#r++;
    const record = records[this.#r];
    if (!record) {
      this.#end();
      return { origin: this.#l.origin, index: i, code: 'LOG_INCONSISTENT', message: 'no checkpoint covers this entry' };
    }
    // A log's entries count in the order they were written, even if its clock stepped back.
    this.counted = Math.max(this.counted, record.time);
    if (this.#asOf !== undefined && this.counted > this.#asOf) return this.#end();
    const t = Math.floor(i / TILE_WIDTH);
    if (t !== this.#tileIndex) {
      const tile = this.#l.log.store.tile(0, t);
      this.#tile = tile && Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength);
      this.#tileIndex = t;
    }
    return true;
  }

  #end(): false {
    this.#ended = true;
    this.#rows = [];
    return false;
  }

  /** The entry's leaf hash in the tiles, if a tile holds it. */
  stored(): Uint8Array | undefined {
    const slot = (this.index % TILE_WIDTH) * 32;
    return this.#tile && this.#tile.length >= slot + 32 ? this.#tile.subarray(slot, slot + 32) : undefined;
  }

  /** The same in lowercase hex (Node's encoder, straight from the tile: this runs once per entry). */
  storedHex(): string | undefined {
    const slot = (this.index % TILE_WIDTH) * 32;
    return this.#tile && this.#tile.length >= slot + 32 ? this.#tile.toString('hex', slot, slot + 32) : undefined;
  }
}

/**
 * One log's entries in index order, each with its counted time; stops after `asOf`. Trusting the store, or
 * verifying on this thread, each entry is read when the merge asks for it; with a verifier, runs of entries are
 * posted AHEAD runs in advance and their verdicts taken in order.
 */
function logSource(
  set: LogSet,
  l: LogSet['logs'][number],
  options: ReadOptions,
  verifier: SyncEntryVerifier | undefined,
): OrderedSource<EngineEntry> {
  const cursor = new LogCursor(l, options.asOf);
  if (!verifier) {
    const verify = options.verify ?? true;
    return () => {
      for (;;) {
        const step = cursor.advance();
        if (step === false) return undefined;
        if (step !== true) {
          set.problems.push(step);
          continue;
        }
        const entry = verify
          ? verified(set, l, cursor.index, cursor.bytes, cursor.counted, cursor.stored(), undefined)
          : trusted(set, l, cursor.index, cursor.bytes, cursor.counted, cursor.storedHex());
        if (entry) return options.sealedLeaves ? withLeaf(entry, cursor.bytes) : entry;
      }
    };
  }
  const it = verifiedRuns(set, l, cursor, verifier, options.sealedLeaves ?? false);
  return () => {
    const r = it.next();
    return r.done ? undefined : r.value;
  };
}

function* verifiedRuns(
  set: LogSet,
  l: LogSet['logs'][number],
  cursor: LogCursor,
  verifier: SyncEntryVerifier,
  sealedLeaves: boolean,
): Generator<EngineEntry> {
  const runs: { run: (Positioned | { problem: LoadProblem })[]; ticket: number }[] = [];
  let more = true;
  const post = () => {
    while (more && runs.length < AHEAD) {
      const run: (Positioned | { problem: LoadProblem })[] = [];
      while (run.length < RUN) {
        const step = cursor.advance();
        if (step === false) {
          more = false;
          break;
        }
        run.push(
          step === true
            ? { index: cursor.index, bytes: cursor.bytes, counted: cursor.counted, stored: cursor.stored() }
            : { problem: step },
        );
      }
      if (run.length === 0) return;
      const bytes = run.flatMap((p) => ('problem' in p ? [] : [p.bytes]));
      runs.push({ run, ticket: verifier.post(bytes) });
    }
  };
  post();
  while (runs.length > 0) {
    const { run, ticket } = runs.shift()!;
    post();
    const verdicts = verifier.take(ticket);
    let v = 0;
    for (const p of run) {
      if ('problem' in p) {
        set.problems.push(p.problem);
        continue;
      }
      const entry = verified(set, l, p.index, p.bytes, p.counted, p.stored, verdicts[v++]!);
      if (entry) yield sealedLeaves ? withLeaf(entry, p.bytes) : entry;
    }
  }
}

/** A sealed entry with the leaf bytes it was parsed from (sealedLeaves), any other as it is. */
function withLeaf(entry: EngineEntry, bytes: Uint8Array): ReadEntry {
  return entry.envelope.type === 'sealed' ? Object.assign(entry, { leaf: bytes }) : entry;
}

/** Records a problem with the entry at index `i` of `l`. */
function refused(set: LogSet, l: LogSet['logs'][number], i: number, err: unknown): undefined {
  set.problems.push({
    origin: l.origin,
    index: i,
    code: err instanceof DetenteError ? err.code : 'SCHEMA_INVALID',
    message: (err as Error).message,
  });
  return undefined;
}

/** The entry at index `i`, trusting the store: JSON-parsed, its leaf hash the tiles'; undefined if it fails. */
function trusted(
  set: LogSet,
  l: LogSet['logs'][number],
  i: number,
  bytes: Uint8Array,
  counted: number,
  storedHex: string | undefined,
): EngineEntry | undefined {
  let envelope: Envelope;
  try {
    if (storedHex === undefined) throw new DetenteError('LOG_INCONSISTENT', 'no tile holds the leaf hash');
    envelope = JSON.parse(decoder.decode(bytes)).entry as Envelope;
  } catch (err) {
    return refused(set, l, i, err);
  }
  return withBlobs(set, l, { origin: l.origin, index: i, leafHash: storedHex, countedAt: counted, envelope });
}

/**
 * The entry at index `i`, checked: its leaf hash against the tiles, then strict decoding and its signature, here
 * or as a worker's `verdict` says; undefined, with the problem recorded, if it fails.
 */
function verified(
  set: LogSet,
  l: LogSet['logs'][number],
  i: number,
  bytes: Uint8Array,
  counted: number,
  stored: Uint8Array | undefined,
  verdict: Verdict | undefined,
): EngineEntry | undefined {
  let envelope: Envelope;
  let leafHash: string;
  try {
    const computed = l.log.hasher.hashLeaf(bytes);
    if (!stored || toHex(stored) !== toHex(computed)) {
      throw new DetenteError('LOG_INCONSISTENT', 'the entry does not match its leaf hash in the tiles');
    }
    if (verdict) {
      if ('error' in verdict) throw errorOf(verdict.error);
      envelope = verdict.envelope!;
    } else {
      const signed = decodeEntry(bytes);
      verifyEntry(nodeSuite, set.regime, signed);
      envelope = signed.envelope;
    }
    leafHash = toHex(computed);
  } catch (err) {
    return refused(set, l, i, err);
  }
  return withBlobs(set, l, { origin: l.origin, index: i, leafHash, countedAt: counted, envelope });
}

/** The entry with the blobs its declaration or opening names, from the store. */
function withBlobs(set: LogSet, l: LogSet['logs'][number], entry: EngineEntry): EngineEntry {
  const envelope = entry.envelope;
  if (envelope.type === 'declaration' && envelope.body.form === 'plain' && envelope.body.more?.length) {
    const items = moreItems(set, l, envelope, entry.index);
    if (items) entry.moreItems = items;
  }
  if (envelope.type === 'sealed' && envelope.body.blobs) {
    // The ciphertexts of its blobs: the engine opens them with the entry, for a reader that may.
    entry.blobs = envelope.body.blobs.map((r) => l.log.store.blob(fromHex(r.sha256)));
  }
  if (envelope.type === 'declaration-opening' && envelope.body.opening) {
    // Checked against their hashes by the engine, which reports an opening whose blobs are missing or wrong.
    entry.blobs = openingBlobRefs(envelope.body).map((r) => l.log.store.blob(fromHex(r.sha256)));
  }
  return entry;
}

/**
 * Reads a sealed entry of the set again by reference, for a fold that does not keep them (EngineOptions.rereadSealed):
 * its leaf, if its hash is still the reference's, parsed, with its blobs' ciphertexts; undefined otherwise.
 */
export function rereadSealed(set: LogSet): RereadSealed {
  return (ref) => {
    const l = set.logs.find((x) => x.origin === ref.origin);
    const bytes = l?.log.store.entry(ref.index);
    if (!l || !bytes || toHex(l.log.hasher.hashLeaf(bytes)) !== ref.leafHash) return undefined;
    let envelope: Envelope | undefined;
    try {
      envelope = JSON.parse(decoder.decode(bytes)).entry;
    } catch {
      return undefined;
    }
    if (envelope?.type !== 'sealed') return undefined;
    const entry = withBlobs(set, l, {
      origin: l.origin,
      index: ref.index,
      leafHash: ref.leafHash,
      countedAt: 0,
      envelope,
    });
    return { envelope, blobs: entry.blobs };
  };
}

/** The items of a declaration's blobs, checked against their hash, size, schema and the regime's names. */
function moreItems(set: LogSet, l: LogSet['logs'][number], envelope: Envelope, index: number): Item[] | undefined {
  if (envelope.type !== 'declaration' || envelope.body.form !== 'plain') return undefined;
  const out: Item[] = [];
  for (const ref of envelope.body.more ?? []) {
    const bytes = l.log.store.blob(fromHex(ref.sha256));
    const problem = (message: string) => {
      set.problems.push({
        origin: l.origin,
        index,
        code: 'LOG_INCONSISTENT',
        message: `blob ${ref.sha256}: ${message}`,
      });
      return undefined;
    };
    if (!bytes) return problem('not in the store');
    if (bytes.length !== ref.size || toHex(nodeSuite.sha256(bytes)) !== ref.sha256)
      return problem('wrong size or hash');
    let parsed: z.ZodSafeParseResult<Item[]>;
    try {
      parsed = Items.safeParse(JSON.parse(decoder.decode(bytes)));
    } catch {
      return problem('not JSON');
    }
    if (!parsed.success) return problem('not a list of items');
    out.push(...parsed.data);
  }
  const probe = { ...envelope, body: { ...envelope.body, items: out, more: [] } } as Envelope;
  const problems = vocabularyProblems(set.regime, probe);
  if (problems.length) {
    set.problems.push({
      origin: l.origin,
      index,
      code: 'SCHEMA_INVALID',
      message: `items in blobs: ${problems[0]!.path}: ${problems[0]!.message}`,
    });
    return undefined;
  }
  return out;
}

/** Every log's entries, merged into the canonical order as they stream. */
export function* streamEntries(set: LogSet, options: ReadOptions = {}): Generator<EngineEntry> {
  const total = set.logs.reduce((n, l) => n + (l.log.store.head()?.size ?? 0), 0);
  const workers = (options.verify ?? true) ? (options.workers ?? (total >= PARALLEL_FROM ? readerWorkers() : 0)) : 0;
  const verifier = workers > 0 ? new SyncEntryVerifier(set.regime, workers) : undefined;
  try {
    yield* mergeOrdered(set.logs.map((l) => logSource(set, l, options, verifier)));
  } finally {
    verifier?.close();
  }
}

/** Every entry of every log, in canonical order (for tests and small directories). */
export function loadLogs(dir: string, options: ReadOptions = {}): { set: LogSet; entries: EngineEntry[] } {
  const set = openLogSet(dir);
  try {
    return { set, entries: [...streamEntries(set, options)] };
  } finally {
    set.close();
  }
}
