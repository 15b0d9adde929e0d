/**
 * Worker threads for a synchronous reader (a fold that cannot await): each lane is a worker, the MessageChannel its
 * answers come back on, and a shared counter the worker bumps (Atomics.add, Atomics.notify) after each answer. `post`
 * sends a request to the next lane and returns its ticket; `take` blocks until that ticket's answer is there, keeping
 * any answer that arrives before it is asked for. Post a few requests ahead so the workers stay busy while the
 * reader folds. SyncEntryVerifier (entry-workers.ts) and SyncSealedOpener (sealed-openers.ts) are built on it.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Transferable, Worker } from 'node:worker_threads';
import { DetenteError } from '../crypto/errors.js';
import { workerScript } from './worker-script.js';

/** What each lane's worker gets in its workerData besides its own data: where to answer and what to bump. */
export interface LaneEnds {
  port: MessagePort;
  signal: Int32Array;
}

export class SyncLanes<Answer extends { id: number; crash?: string }> {
  readonly #lanes: { worker: Worker; port: MessagePort; signal: Int32Array; early: Map<number, Answer> }[] = [];
  /** Names the workers in errors ("entry worker: …"). */
  readonly #name: string;
  #next = 0;

  /** `workers` threads of the compiled `script` (worker-script.ts), each given `data` and its lane's ends. */
  constructor(script: string, name: string, workers: number, data: object) {
    this.#name = name;
    for (let i = 0; i < Math.max(1, workers); i++) {
      const { port1, port2 } = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(4));
      const workerData: LaneEnds = { ...data, port: port2, signal };
      const worker = new Worker(workerScript(script), { workerData, transferList: [port2] });
      worker.unref();
      this.#lanes.push({ worker, port: port1, signal, early: new Map() });
    }
  }

  get size(): number {
    return this.#lanes.length;
  }

  /** Sends the request `make` builds for its ticket (with `transfer` moved, not copied); returns the ticket. */
  post(make: (id: number) => unknown, transfer: Transferable[] = []): number {
    const id = this.#next++;
    this.#lanes[id % this.#lanes.length]!.worker.postMessage(make(id), transfer);
    return id;
  }

  /** The answer to ticket `id`; blocks until its worker has answered. */
  take(id: number): Answer {
    const lane = this.#lanes[id % this.#lanes.length]!;
    for (;;) {
      const early = lane.early.get(id);
      if (early) {
        lane.early.delete(id);
        if (early.crash !== undefined) throw new DetenteError('STORE_ERROR', `${this.#name}: ${early.crash}`);
        return early;
      }
      // Read the counter before looking, so that an answer arriving in between wakes the wait at once.
      const seen = Atomics.load(lane.signal, 0);
      const got = receiveMessageOnPort(lane.port);
      if (got) {
        const a = got.message as Answer;
        lane.early.set(a.id, a);
        continue;
      }
      // A worker that died answers nothing: give up after a minute rather than hang.
      if (Atomics.wait(lane.signal, 0, seen, 60_000) === 'timed-out') {
        throw new DetenteError('STORE_ERROR', `${this.#name}: no answer within a minute`);
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
