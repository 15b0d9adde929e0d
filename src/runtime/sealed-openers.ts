/**
 * Opening sealed entries ahead of the fold, on worker threads (sealed-opener-worker.ts), for a synchronous reader:
 * the fold applies one run of entries while the workers open the next ones. Each sealed entry the reader gave a
 * content key reaches the engine with its `opening` (EngineEntry.opening), computed by the engine's own function,
 * so the fold's state and findings are byte for byte those of a fold that opens every entry itself
 * (test/confidential-pipeline.test.ts); the engine stays free of threads.
 *
 * Decrypting is most of what a cold fold of sealed entries costs (docs/BENCHMARKS.md, Confidential entries): on
 * two cores the workers open while this thread folds.
 */
import { DetenteError } from '../crypto/errors.js';
import type { EngineEntry, SealedOpening } from '../engine/types.js';
import { type Envelope, type EnvelopeOf, sealedPlain } from '../model/index.js';
import { readerWorkers } from './entry-workers.js';
import type { OpenAnswer, OpenRequest } from './sealed-opener-worker.js';
import { SyncLanes } from './sync-lanes.js';

/** Sealed entries a request to a worker. */
const RUN = 128;
/**
 * Requests in flight for each worker: enough that a worker's pause (a collection, a turn off a busy core) does not
 * stop the fold. With 1 worker, 6 gave a restarted fold 5 to 10 % less wall time than 2 in each of six rounds, 12
 * no more (docs/BENCHMARKS.md, session 16).
 */
const AHEAD_PER_WORKER = 6;

/**
 * A sealed entry to open: its content key, or (`derive`) the audience key its content key derives from; `leaf`, the
 * bytes the reader parsed its envelope from, if it kept them (ReadEntry).
 */
export interface OpenJob {
  envelope: EnvelopeOf<'sealed'>;
  key: Uint8Array;
  derive?: boolean;
  leaf?: Uint8Array;
  /** Its body was checked in full before (the reader's store says so): the worker only decrypts it. */
  checked?: boolean;
}

/**
 * An entry as a reader of a log may hand it over: a sealed one with the leaf bytes it parsed it from, which the
 * workers parse again rather than this thread serializing the envelope for them (the engine never reads `leaf`).
 */
export type ReadEntry = EngineEntry & { leaf?: Uint8Array };

/** An opening, with the content key it was opened with (undefined where none derives: the entry stays unread). */
export interface KeyedOpening {
  contentKey?: Uint8Array;
  opening?: SealedOpening;
}

/** Worker threads that open sealed entries; `post` a list, `take` its openings in the order posted (blocking). */
export class SyncSealedOpener {
  readonly #lanes: SyncLanes<OpenAnswer>;
  /** The envelopes of each ticket not yet taken: the plain entries' public fields. */
  readonly #pending = new Map<number, EnvelopeOf<'sealed'>[]>();

  constructor(workers = readerWorkers()) {
    this.#lanes = new SyncLanes<OpenAnswer>('runtime/sealed-opener-worker', 'sealed opener', workers, {});
  }

  get workers(): number {
    return this.#lanes.size;
  }

  /**
   * Sends sealed entries and their keys (32 bytes each) to be opened; returns the ticket to take their openings
   * with.
   */
  post(jobs: readonly OpenJob[]): number {
    const keys = new Uint8Array(32 * jobs.length);
    const derive = new Uint8Array(jobs.length);
    const checked = new Uint8Array(jobs.length);
    jobs.forEach((j, i) => {
      if (j.key.length !== 32) throw new DetenteError('BAD_INPUT', `content key ${i}: expected 32 bytes`);
      keys.set(j.key, 32 * i);
      if (j.derive) derive[i] = 1;
      if (j.checked) checked[i] = 1;
    });
    const transfer: ArrayBuffer[] = [keys.buffer, derive.buffer, checked.buffer];
    let request: Omit<OpenRequest, 'id'>;
    if (jobs.every((j) => j.leaf)) {
      const ends = new Uint32Array(jobs.length);
      let length = 0;
      jobs.forEach((j, i) => {
        length += j.leaf!.length;
        ends[i] = length;
      });
      const leaves = new Uint8Array(length);
      for (const [i, j] of jobs.entries()) leaves.set(j.leaf!, ends[i]! - j.leaf!.length);
      request = { leaves, ends, keys, derive, checked };
      transfer.push(leaves.buffer, ends.buffer);
    } else {
      request = { envelopes: JSON.stringify(jobs.map((j) => j.envelope)), keys, derive, checked };
    }
    const id = this.#lanes.post((id): OpenRequest => ({ id, ...request }), transfer);
    this.#pending.set(
      id,
      jobs.map((j) => j.envelope),
    );
    return id;
  }

  /** The openings of ticket `id`, one a job, in order; blocks until the worker has answered. */
  take(id: number): KeyedOpening[] {
    const answer = this.#lanes.take(id);
    const envelopes = this.#pending.get(id)!;
    this.#pending.delete(id);
    const keys = answer.contentKeys!;
    const failed = answer.failed!;
    const bodies = bodiesOf(answer.bodies!, envelopes.length - failed.length);
    const out: KeyedOpening[] = new Array(envelopes.length);
    for (let i = 0, b = 0, f = 0; i < envelopes.length; i++) {
      const failure = failed[f]?.job === i ? failed[f++] : undefined;
      if (failure && 'underived' in failure) {
        out[i] = {};
        continue;
      }
      const contentKey = keys.subarray(32 * i, 32 * (i + 1));
      out[i] = failure
        ? { contentKey, opening: { code: failure.code } }
        : { contentKey, opening: { plain: sealedPlain(envelopes[i]!, bodies[b++]) as Envelope } };
    }
    return out;
  }

  close(): void {
    this.#lanes.close();
  }
}

/**
 * The bodies of a worker's answer (a JSON array of `count` bodies). A body the reader's store recorded as checked is
 * handed over unparsed by the worker; one that is not JSON text (a record that is wrong) fails the run, as a fold
 * of a store that lies fails.
 */
function bodiesOf(text: string, count: number): unknown[] {
  let bodies: unknown;
  try {
    bodies = JSON.parse(text);
  } catch {
    bodies = undefined;
  }
  if (!Array.isArray(bodies) || bodies.length !== count) {
    throw new DetenteError(
      'STORE_ERROR',
      `sealed opener: expected ${count} bodies as JSON text; is a body recorded as checked not JSON (LogStore.checkedSealedBodies)?`,
    );
  }
  return bodies;
}

export interface OpenAheadOptions {
  /** Entries a request to a worker (default RUN), and requests in flight (default AHEAD_PER_WORKER a worker). */
  run?: number;
  ahead?: number;
  /** Leaves out those the engine already holds an opening of (a node's OpenedEntries). */
  skip?: (e: EngineEntry) => boolean;
  /**
   * For a sealed entry without a content key: the audience key its content key derives from, if the reader may
   * read it. The workers derive the content key (an HMAC an entry, which would otherwise fall on this thread), and
   * the entry reaches the engine with it, as if the reader had given it.
   */
  audienceKey?: (e: EngineEntry & { envelope: EnvelopeOf<'sealed'> }) => Uint8Array | undefined;
  /**
   * Whether the reader's store records the entry's body as checked in full before (LogStore.checkedSealedBodies):
   * the workers then only decrypt it, as a fold that trusts its store trusts the signatures it checked once.
   */
  checked?: (e: EngineEntry) => boolean;
  /** Called with each entry whose body the workers checked in full and found valid: for the reader to record. */
  onChecked?: (e: EngineEntry) => void;
}

/**
 * A read entry as the engine takes it, without the reader's leaf bytes: its fields one by one, as a copy that
 * leaves a key out (`{ leaf, ...rest }`) takes V8's slow path, once for each sealed entry of a fold.
 */
function withoutLeaf(e: ReadEntry): EngineEntry {
  const out: EngineEntry = {
    origin: e.origin,
    index: e.index,
    leafHash: e.leafHash,
    countedAt: e.countedAt,
    envelope: e.envelope,
  };
  if (e.moreItems) out.moreItems = e.moreItems;
  if (e.blobs) out.blobs = e.blobs;
  if (e.contentKey) out.contentKey = e.contentKey;
  if (e.opening) out.opening = e.opening;
  return out;
}

/** The entry with its content key and opening (and without the reader's leaf bytes, if it had them). */
function withOpening(e: ReadEntry, contentKey: Uint8Array, opening: SealedOpening): EngineEntry {
  if (!e.leaf) return { ...e, contentKey, opening };
  const out = withoutLeaf(e);
  out.contentKey = contentKey;
  out.opening = opening;
  return out;
}

/**
 * `entries` in the same order, each sealed entry that has a content key (or an audience key to derive it from) and
 * no opening yet with its opening, opened on `opener`'s workers a few runs ahead of the entry the caller is folding.
 */
export function* openAhead(
  entries: Iterable<ReadEntry>,
  opener: SyncSealedOpener,
  options: OpenAheadOptions = {},
): Generator<EngineEntry> {
  const run = options.run ?? RUN;
  const ahead = options.ahead ?? AHEAD_PER_WORKER * opener.workers;
  const queue: { batch: ReadEntry[]; sealed: number[]; jobs: OpenJob[]; ticket: number | undefined }[] = [];
  let batch: ReadEntry[] = [];
  let sealed: number[] = [];
  let jobs: OpenJob[] = [];
  const { checked, onChecked } = options;
  const send = () => {
    queue.push({ batch, sealed, jobs, ticket: jobs.length ? opener.post(jobs) : undefined });
    batch = [];
    sealed = [];
    jobs = [];
  };
  function* next(): Generator<EngineEntry> {
    const { batch: done, sealed: at, jobs: posted, ticket } = queue.shift()!;
    const openings = ticket === undefined ? [] : opener.take(ticket);
    at.forEach((i, k) => {
      const { contentKey, opening } = openings[k]!;
      const e = done[i]!;
      if (contentKey) done[i] = withOpening(e, e.contentKey ?? contentKey, opening!);
      // A body the workers checked in full (not one trusted as checked before) that opened to a valid entry.
      if (onChecked && opening && 'plain' in opening && !posted[k]!.checked) onChecked(done[i]!);
    });
    for (const e of done) yield e.leaf ? withoutLeaf(e) : e;
  }
  for (const e of entries) {
    if (e.envelope.type === 'sealed' && !e.opening && !options.skip?.(e)) {
      const derive = e.contentKey === undefined;
      const key = derive ? options.audienceKey?.(e as EngineEntry & { envelope: EnvelopeOf<'sealed'> }) : e.contentKey;
      // A content key of another length is the engine's to refuse (the error code of the fold that opens it itself).
      if (key?.length === 32) {
        sealed.push(batch.length);
        jobs.push({ envelope: e.envelope, key, derive, leaf: e.leaf, checked: checked?.(e) ?? false });
      }
    }
    batch.push(e);
    if (sealed.length >= run || batch.length >= 8 * run) {
      send();
      if (queue.length > ahead) yield* next();
    }
  }
  if (batch.length) send();
  while (queue.length) yield* next();
}
