/**
 * The write path of one log, in Tessera's three steps: assign indexes (the store's head), integrate the leaf
 * hashes into the tiles, publish a signed checkpoint. All three happen under the store's write lock and commit
 * together, so an acknowledged entry is durable, and the log can never sign two checkpoints for diverging trees:
 * every checkpoint extends the compact range of the one before it, read inside the same transaction.
 */
import { fail } from '../crypto/errors.js';
import type { NoteSigner } from '../crypto/note.js';
import type { AppendBatch, LogHead, LogStore } from '../store/store.js';
import { signCheckpoint } from '../tlog/checkpoint.js';
import { checkEntrySize } from '../tlog/entry-bundle.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { resumeIntegrator, type TileIntegrator } from '../tlog/integrate.js';

export interface AppendResult {
  /** Index of the first entry of the batch. */
  first: number;
  head: LogHead;
}

export class LogWriter {
  readonly #store: LogStore;
  readonly #hasher: Rfc6962Hasher;
  readonly #signer: NoteSigner;
  // The integrator mirrors the store's head; it is dropped whenever they might differ (another writer, a failure).
  #integrator: TileIntegrator | undefined;
  #integratedCheckpoint: string | undefined;

  readonly #clock: () => number;

  /** `clock` gives the time recorded with each checkpoint, in ms since the epoch (a scenario passes its simulated clock). */
  constructor(store: LogStore, hasher: Rfc6962Hasher, signer: NoteSigner, clock: () => number = Date.now) {
    if (signer.name !== store.origin) {
      fail(
        'BAD_INPUT',
        `the log key is named ${JSON.stringify(signer.name)}, but the log's origin is ${JSON.stringify(store.origin)}`,
      );
    }
    this.#store = store;
    this.#hasher = hasher;
    this.#signer = signer;
    this.#clock = clock;
  }

  /** Signs and stores the empty tree's checkpoint if the log has none yet; returns the head. */
  init(): LogHead {
    return this.#store.head() ?? this.append([]).head;
  }

  /**
   * Appends a batch atomically with its checkpoint. Nothing is written if any entry is refused. `keys`: one
   * idempotency key per entry (LogStore's AppendBatch), or none.
   */
  append(entries: readonly Uint8Array[], keys?: readonly Uint8Array[]): AppendResult {
    return this.#write(entries, keys, (build) => this.#store.append(build));
  }

  /**
   * As append, but returns once the batch is committed; `durable` resolves once it is on disk (LogStore's
   * appendDeferred). A node acknowledges after `durable`, and builds the next batch meanwhile.
   */
  appendDeferred(
    entries: readonly Uint8Array[],
    keys?: readonly Uint8Array[],
  ): AppendResult & { durable: Promise<void> } {
    let durable: Promise<void> | undefined;
    const result = this.#write(entries, keys, (build) => {
      const deferred = this.#store.appendDeferred(build);
      durable = deferred.durable;
      return deferred.head;
    });
    return { ...result, durable: durable! };
  }

  #write(
    entries: readonly Uint8Array[],
    keys: readonly Uint8Array[] | undefined,
    commit: (build: (previous: LogHead | undefined) => AppendBatch) => LogHead,
  ): AppendResult {
    entries.forEach((e, i) => {
      checkEntrySize(e, i);
    });
    const leafHashes = entries.map((e) => this.#hasher.hashLeaf(e));
    let first = 0;
    try {
      const head = commit((previous) => {
        if (previous && entries.length === 0)
          fail('BAD_INPUT', 'append: an empty batch adds nothing to an existing log');
        const integrator = this.#integratorAt(previous);
        first = integrator.size;
        const tiles = integrator.integrate(leafHashes);
        const size = integrator.size;
        const checkpoint = signCheckpoint(
          { origin: this.#store.origin, size, root: integrator.root(), extensions: [] },
          this.#signer,
        );
        this.#integratedCheckpoint = checkpoint;
        return { entries, keys, tiles, head: { size, peaks: integrator.peaks(), checkpoint, time: this.#clock() } };
      });
      return { first, head };
    } catch (err) {
      this.#integrator = undefined;
      throw err;
    }
  }

  #integratorAt(head: LogHead | undefined): TileIntegrator {
    if (this.#integrator && this.#integratedCheckpoint === head?.checkpoint) return this.#integrator;
    const integrator = resumeIntegrator(this.#hasher, head?.size ?? 0, head?.peaks ?? [], (level, index) =>
      this.#store.tile(level, index),
    );
    this.#integrator = integrator;
    return integrator;
  }
}
