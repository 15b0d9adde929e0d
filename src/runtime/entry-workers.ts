/**
 * Entries' CPU on every core: a pool of worker threads (entry-worker.ts) that verify entries (a peer's bundles, a
 * log directory read for the engine) and prepare and sign a node's own submissions. The event loop keeps what
 * needs the stores and the order (references, nonces, appending, integrating, folding); the workers run the
 * pure, costly part with the same functions, so the verdicts and errors are the single-threaded path's.
 *
 * - `EntryWorkers`: asynchronous (a node). Submissions made in the same turn of the event loop go to a worker in two
 *   halves, so that the event loop checks and appends the first while the worker prepares the second (a closed loop
 *   of clients otherwise runs the two threads in turn: docs/BENCHMARKS.md, session 10); while every worker holds two
 *   batches, those that arrive meanwhile wait and go together when one answers (a loaded node wakes its workers less
 *   often); a list to verify is split across the workers and answered in order.
 * - `SyncEntryVerifier`: blocking (the engine's reader, a synchronous generator): requests are posted ahead and
 *   their answers read in order with `receiveMessageOnPort`, waiting on a shared counter the worker bumps.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DetenteError } from '../crypto/errors.js';
import { type SymmetricSuite, symmetricPortable } from '../crypto/hpke/symmetric.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  type EntrySigner,
  type PreparedEntry,
  preparedFromCanonical,
  prepareEntry,
  type Regime,
  type SealWith,
} from '../model/index.js';
import { type PrepareFields, type PrepareJob, prepareRequest } from './entry-request.js';
import type {
  EntryWorkerInit,
  Failure,
  Prepared,
  SignedCanonical,
  Verdict,
  WorkerAnswer,
  WorkerRequest,
} from './entry-worker.js';
import { prepareSealedFromChecked } from './sealed-submission.js';
import { fromCanonical, type SignedPrepared, signedPrepared } from './signed-entry.js';
import { type LaneEnds, SyncLanes } from './sync-lanes.js';
import { workerScript } from './worker-script.js';

export type { PrepareFields, SignedCanonical, SignedPrepared, Verdict };

/** A signed entry as the log appends it: its signature, leaf, leaf hash and entry key. */
export type SignedLeaf = Pick<SignedPrepared, 'signature' | 'leaf' | 'leafHash' | 'entryKey'>;

/**
 * A plain entry prepared (checked, not signed), and its sealed entry signed, unless it names blobs. The sealed
 * entry comes as what the log appends: the node checks the plain entry, and the sealed one adds to it only what the
 * node chose (its audience and its audience key's entry), so its 2 KB envelope is not parsed again on the event loop.
 */
export interface SealedPrepared {
  plain: PreparedEntry;
  sealed?: SignedLeaf;
}

/** prepareEntry, then the entry's signature, here or elsewhere; rejects with prepareEntry's DetenteError. */
export interface EntryPreparer {
  prepare(signer: EntrySigner, fields: PrepareFields): Promise<SignedPrepared>;
  /** prepareEntry, then prepareSealed and the sealed entry's signature: a confidential submission in one step. */
  prepareSealed(signer: EntrySigner, fields: PrepareFields, seal: SealWith): Promise<SealedPrepared>;
}

/** Prepares and signs on the calling thread. */
export function inlinePreparer(
  suite: CryptoSuite,
  regime: Regime,
  sym: SymmetricSuite = symmetricPortable,
): EntryPreparer {
  return {
    async prepare(signer, fields) {
      const prepared = prepareEntry(suite, regime, signer, fields);
      return signedPrepared(suite, prepared, suite.ed25519.sign(signer.seed, prepared.message));
    },
    async prepareSealed(signer, fields, seal) {
      const plain = prepareEntry(suite, regime, signer, fields);
      const sealed = prepareSealedFromChecked(suite, sym, regime, signer, plain, seal);
      if (!sealed) return { plain };
      return { plain, sealed: signedPrepared(suite, sealed, suite.ed25519.sign(signer.seed, sealed.message)) };
    },
  };
}

/** The DetenteError a worker reported, as it was thrown there. */
export function errorOf(f: Failure): DetenteError {
  return new DetenteError(f.code, f.message, { problems: f.problems });
}

/** Batches of submissions a worker may hold at once: one it prepares, one it takes next. */
const IN_FLIGHT = 2;
/** The smallest half worth a message of its own. */
const MIN_SPLIT = 4;

/** One worker a core beside the event loop's (which has requests to serve), at least one, at most four. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 4));
}

/** One worker a core, at most eight: for a reader whose thread mostly waits for their verdicts. */
export function readerWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export interface EntryWorkersOptions {
  regime: Regime;
  /** To prepare and sign: the node's party and its seeds by key id (each checked against the regime's key). */
  party?: string;
  seeds?: ReadonlyMap<string, Uint8Array>;
  /** Worker threads (default defaultWorkers()); started on first use. */
  workers?: number;
}

interface Waiting {
  resolve: (a: WorkerAnswer) => void;
  reject: (e: Error) => void;
}

/** A submission to prepare, and whom to answer. */
interface PendingJob extends PrepareJob {
  resolve: (p: Prepared) => void;
  reject: (e: Error) => void;
}

export class EntryWorkers implements EntryPreparer {
  readonly #init: EntryWorkerInit;
  readonly #size: number;
  #workers: Worker[] = [];
  readonly #waiting = new Map<number, Waiting>();
  #next = 0;
  #turn = 0;
  // Submissions not yet sent: those of this turn of the event loop, or, while every worker has a batch of them, all
  // that arrive until one answers (so that a busy node sends fewer, larger messages: each one wakes a thread).
  #jobs: PendingJob[] = [];
  #sendScheduled = false;
  #preparing = 0;
  #closed = false;

  constructor(options: EntryWorkersOptions) {
    this.#init = { regime: options.regime, party: options.party, seeds: [...(options.seeds ?? [])] };
    this.#size = Math.max(1, options.workers ?? defaultWorkers());
  }

  /**
   * Starts every worker and resolves once each has loaded its modules and answered: a server awaits it before it
   * listens, so that its first requests do not wait for a cold start.
   */
  async warm(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.#size }, () =>
        this.#request((id) => ({ id, kind: 'verify', entries: [], envelopes: false })),
      ),
    );
  }

  prepare(signer: EntrySigner, fields: PrepareFields): Promise<SignedPrepared> {
    return this.#job(signer, fields).then((p) => fromCanonical(p as SignedCanonical));
  }

  prepareSealed(signer: EntrySigner, fields: PrepareFields, seal: SealWith): Promise<SealedPrepared> {
    return this.#job(signer, fields, seal).then((p) => {
      const { plain, sealed } = p as { plain: Uint8Array; sealed?: SignedCanonical };
      return { plain: preparedFromCanonical(plain), ...(sealed ? { sealed } : {}) };
    });
  }

  #job(signer: EntrySigner, fields: PrepareFields, seal?: SealWith): Promise<Prepared> {
    return new Promise<Prepared>((resolve, reject) => {
      this.#jobs.push({ key: signer.key, fields, ...(seal ? { seal } : {}), resolve, reject });
      this.#scheduleJobs();
    }).then((p) => {
      if ('error' in p) throw errorOf(p.error);
      return p;
    });
  }

  /** Sends the waiting jobs at the next turn of the event loop, unless every worker has two batches already. */
  #scheduleJobs(): void {
    if (this.#sendScheduled || this.#jobs.length === 0 || this.#preparing >= IN_FLIGHT * this.#size) return;
    this.#sendScheduled = true;
    setImmediate(() => {
      this.#sendScheduled = false;
      this.#sendJobs();
    });
  }

  #sendJobs(): void {
    while (this.#jobs.length > 0 && this.#preparing < IN_FLIGHT * this.#size) {
      // A worker with nothing to do gets half of what waits, and the other half follows at once: the event loop
      // then checks and appends the first half while the worker prepares the second.
      const idle = this.#preparing < this.#size;
      const take = idle && this.#jobs.length >= 2 * MIN_SPLIT ? Math.ceil(this.#jobs.length / 2) : this.#jobs.length;
      this.#sendBatch(this.#jobs.splice(0, take));
    }
  }

  #sendBatch(jobs: PendingJob[]): void {
    this.#preparing++;
    this.#request((id) => prepareRequest(id, jobs))
      .then(
        (a) => {
          for (const [i, j] of jobs.entries()) j.resolve(a.prepared![i]!);
        },
        (err) => {
          for (const j of jobs) j.reject(err);
        },
      )
      .finally(() => {
        this.#preparing--;
        this.#scheduleJobs();
      });
  }

  /**
   * Verifies entries (and that each is `party`'s, if given); one verdict an entry, in order. The list is split into
   * one share a worker.
   */
  async verify(
    entries: readonly Uint8Array[],
    options: { party?: string; envelopes?: boolean } = {},
  ): Promise<Verdict[]> {
    const share = Math.ceil(entries.length / this.#size);
    const parts: Promise<WorkerAnswer>[] = [];
    for (let at = 0; at < entries.length; at += share) {
      const slice = entries.slice(at, at + share);
      parts.push(
        this.#request((id) => ({
          id,
          kind: 'verify',
          entries: slice,
          party: options.party,
          envelopes: options.envelopes ?? false,
        })),
      );
    }
    return (await Promise.all(parts)).flatMap((a) => a.verdicts!);
  }

  /**
   * A mirror's `validateMany` for `party`'s log: each entry verified as `verify` does and required to be the party's;
   * one answer an entry, undefined if valid, else the DetenteError the single-threaded check throws.
   */
  validatorFor(party: string): (entries: readonly Uint8Array[]) => Promise<(Error | undefined)[]> {
    return async (entries) =>
      (await this.verify(entries, { party })).map((v) => ('error' in v ? errorOf(v.error) : undefined));
  }

  #request(make: (id: number) => WorkerRequest): Promise<WorkerAnswer> {
    if (this.#closed) return Promise.reject(new DetenteError('STORE_ERROR', 'entry workers: closed'));
    const id = this.#next++;
    const worker = this.#worker();
    return new Promise<WorkerAnswer>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      // Busy, a worker keeps the process alive; idle, it must not.
      worker.ref();
      worker.postMessage(make(id));
    }).then((a) => {
      if (a.crash !== undefined) throw new DetenteError('STORE_ERROR', `entry worker: ${a.crash}`);
      return a;
    });
  }

  #worker(): Worker {
    if (this.#workers.length < this.#size) {
      const w = new Worker(workerScript('runtime/entry-worker'), { workerData: this.#init });
      w.on('message', (a: WorkerAnswer) => {
        const job = this.#waiting.get(a.id);
        this.#waiting.delete(a.id);
        if (this.#waiting.size === 0) for (const x of this.#workers) x.unref();
        job?.resolve(a);
      });
      const failAll = (message: string) => {
        for (const job of this.#waiting.values())
          job.reject(new DetenteError('STORE_ERROR', `entry worker: ${message}`));
        this.#waiting.clear();
        this.#workers = this.#workers.filter((x) => x !== w);
      };
      w.on('error', (err) => failAll(err.message));
      w.on('exit', (code) => failAll(`exited with code ${code}`));
      this.#workers.push(w);
      return w;
    }
    return this.#workers[this.#turn++ % this.#workers.length]!;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Verification for a synchronous reader: `post` a list of entries (it goes to the next worker), `take` its verdicts
 * later, in the order posted, blocking until they are there. Post a few lists ahead so the workers stay busy while
 * the reader folds.
 */
export class SyncEntryVerifier {
  readonly #lanes: SyncLanes<WorkerAnswer>;

  constructor(regime: Regime, workers = readerWorkers()) {
    const data: Omit<EntryWorkerInit, keyof LaneEnds> = { regime };
    this.#lanes = new SyncLanes<WorkerAnswer>('runtime/entry-worker', 'entry worker', workers, data);
  }

  /** Sends entries to be verified; returns the ticket to take their verdicts with. */
  post(entries: Uint8Array[], options: { envelopes?: boolean } = {}): number {
    return this.#lanes.post(
      (id): WorkerRequest => ({ id, kind: 'verify', entries, envelopes: options.envelopes ?? true }),
    );
  }

  /** The verdicts of ticket `id`, one an entry; blocks until the worker has answered. */
  take(id: number): Verdict[] {
    return this.#lanes.take(id).verdicts!;
  }

  close(): void {
    this.#lanes.close();
  }
}
