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
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { DetenteError } from '../crypto/errors.js';
import type { EngineEntry, SealedOpening } from '../engine/types.js';
import { type Envelope, type EnvelopeOf, sealedPlain } from '../model/index.js';
import { readerWorkers } from './entry-workers.js';
import type { OpenAnswer, OpenRequest, SealedOpenerInit } from './sealed-opener-worker.js';
import { workerScript } from './worker-script.js';

/** Sealed entries a request to a worker. */
const RUN = 128;

/** Worker threads that open sealed entries; `post` a list, `take` its openings in the order posted (blocking). */
export class SyncSealedOpener {
  readonly #lanes: { worker: Worker; port: MessagePort; signal: Int32Array; early: Map<number, OpenAnswer> }[] = [];
  /** The envelopes of each ticket not yet taken: the plain entries' public fields. */
  readonly #pending = new Map<number, EnvelopeOf<'sealed'>[]>();
  #next = 0;

  constructor(workers = readerWorkers()) {
    for (let i = 0; i < Math.max(1, workers); i++) {
      const { port1, port2 } = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(4));
      const init: SealedOpenerInit = { port: port2, signal };
      const worker = new Worker(workerScript('runtime/sealed-opener-worker'), {
        workerData: init,
        transferList: [port2],
      });
      worker.unref();
      this.#lanes.push({ worker, port: port1, signal, early: new Map() });
    }
  }

  get workers(): number {
    return this.#lanes.length;
  }

  /**
   * Sends sealed entries and their content keys (32 bytes each) to be opened; returns the ticket to take their
   * openings with.
   */
  post(jobs: readonly { envelope: EnvelopeOf<'sealed'>; key: Uint8Array }[]): number {
    const id = this.#next++;
    const keys = new Uint8Array(32 * jobs.length);
    jobs.forEach((j, i) => {
      if (j.key.length !== 32) throw new DetenteError('BAD_INPUT', `content key ${i}: expected 32 bytes`);
      keys.set(j.key, 32 * i);
    });
    const request: OpenRequest = { id, envelopes: JSON.stringify(jobs.map((j) => j.envelope)), keys };
    this.#lanes[id % this.#lanes.length]!.worker.postMessage(request, [keys.buffer]);
    this.#pending.set(
      id,
      jobs.map((j) => j.envelope),
    );
    return id;
  }

  /** The openings of ticket `id`, one a job, in order; blocks until the worker has answered. */
  take(id: number): SealedOpening[] {
    const lane = this.#lanes[id % this.#lanes.length]!;
    for (;;) {
      const early = lane.early.get(id);
      if (early) {
        lane.early.delete(id);
        const envelopes = this.#pending.get(id)!;
        this.#pending.delete(id);
        if (early.crash !== undefined) throw new DetenteError('STORE_ERROR', `sealed opener: ${early.crash}`);
        return early.openings!.map((o, i) =>
          'code' in o ? o : { plain: sealedPlain(envelopes[i]!, JSON.parse(o.body)) as Envelope },
        );
      }
      // Read the counter before looking, so that an answer arriving in between wakes the wait at once.
      const seen = Atomics.load(lane.signal, 0);
      const got = receiveMessageOnPort(lane.port);
      if (got) {
        const a = got.message as OpenAnswer;
        lane.early.set(a.id, a);
        continue;
      }
      // A worker that died answers nothing: give up after a minute rather than hang.
      if (Atomics.wait(lane.signal, 0, seen, 60_000) === 'timed-out') {
        throw new DetenteError('STORE_ERROR', 'sealed opener: no answer within a minute');
      }
    }
  }

  close(): void {
    for (const lane of this.#lanes) {
      lane.port.close();
      void lane.worker.terminate();
    }
  }
}

/**
 * `entries` in the same order, each sealed entry that has a content key (and no opening yet) with its opening,
 * opened on `opener`'s workers a few runs ahead of the entry the caller is folding; `skip` leaves out those the
 * engine already holds an opening of (a node's OpenedEntries).
 */
export function* openAhead(
  entries: Iterable<EngineEntry>,
  opener: SyncSealedOpener,
  options: { run?: number; ahead?: number; skip?: (e: EngineEntry) => boolean } = {},
): Generator<EngineEntry> {
  const run = options.run ?? RUN;
  const ahead = options.ahead ?? 2 * opener.workers;
  const queue: { batch: EngineEntry[]; sealed: number[]; ticket: number | undefined }[] = [];
  let batch: EngineEntry[] = [];
  let sealed: number[] = [];
  const send = () => {
    const jobs = sealed.map((i) => {
      const e = batch[i]!;
      return { envelope: e.envelope as EnvelopeOf<'sealed'>, key: e.contentKey! };
    });
    queue.push({ batch, sealed, ticket: jobs.length ? opener.post(jobs) : undefined });
    batch = [];
    sealed = [];
  };
  function* next(): Generator<EngineEntry> {
    const { batch: done, sealed: at, ticket } = queue.shift()!;
    const openings = ticket === undefined ? [] : opener.take(ticket);
    at.forEach((i, k) => {
      done[i] = { ...done[i]!, opening: openings[k]! };
    });
    yield* done;
  }
  for (const e of entries) {
    // A key of another length is the engine's to refuse (the error code of the fold that opens it itself).
    if (e.envelope.type === 'sealed' && e.contentKey?.length === 32 && !e.opening && !options.skip?.(e)) {
      sealed.push(batch.length);
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
