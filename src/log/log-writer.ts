/**
 * The write path of one log, in Tessera's three steps: assign indexes (the store's head), integrate the leaf
 * hashes into the tiles, publish a signed checkpoint. All three happen under the store's write lock and commit
 * together, so an acknowledged entry is durable, and the log can never sign two checkpoints for diverging trees:
 * every checkpoint extends the compact range of the one before it, read inside the same transaction.
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import { type NoteSigner, parseNote } from '../crypto/note.js';
import type { AppendBatch, LogHead, LogStore } from '../store/store.js';
import { parseCheckpoint, signCheckpoint } from '../tlog/checkpoint.js';
import { checkEntrySize } from '../tlog/entry-bundle.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { resumeIntegrator, type TileIntegrator } from '../tlog/integrate.js';
import type { AppendedBatch } from './proofs.js';

export interface AppendResult {
  /** Index of the first entry of the batch. */
  first: number;
  head: LogHead;
  /** The batch as appended (the tree before it and its leaf hashes): its proofs need no tile read back. */
  batch: AppendedBatch;
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
   * Appends a batch atomically with its checkpoint. Nothing is written if any entry is refused. `keys`: the
   * idempotency keys of each entry (LogStore's AppendBatch), or none.
   */
  append(entries: readonly Uint8Array[], keys?: readonly (readonly Uint8Array[])[]): AppendResult {
    return this.#write(entries, keys, undefined, (build) => this.#store.append(build));
  }

  /**
   * As append, but returns once the batch is committed; `durable` resolves once it is on disk (LogStore's
   * appendDeferred). A node acknowledges after `durable`, and builds the next batch meanwhile. `leafHashes`: each
   * entry's RFC 6962 leaf hash if the caller has it already (a node's entry workers compute it with the signature,
   * from the same bytes), else they are computed here.
   */
  appendDeferred(
    entries: readonly Uint8Array[],
    keys?: readonly (readonly Uint8Array[])[],
    leafHashes?: readonly Uint8Array[],
  ): AppendResult & { durable: Promise<void> } {
    let durable: Promise<void> | undefined;
    const result = this.#write(entries, keys, leafHashes, (build) => {
      const deferred = this.#store.appendDeferred(build);
      durable = deferred.durable;
      return deferred.head;
    });
    return { ...result, durable: durable! };
  }

  #write(
    entries: readonly Uint8Array[],
    keys: readonly (readonly Uint8Array[])[] | undefined,
    given: readonly Uint8Array[] | undefined,
    commit: (build: (previous: LogHead | undefined) => AppendBatch) => LogHead,
  ): AppendResult {
    entries.forEach((e, i) => {
      checkEntrySize(e, i);
    });
    if (given !== undefined && given.length !== entries.length) {
      fail('BAD_INPUT', `append: ${entries.length} entries come with ${given.length} leaf hashes`);
    }
    const leafHashes = given ?? entries.map((e) => this.#hasher.hashLeaf(e));
    let first = 0;
    let peaks: Uint8Array[] = [];
    try {
      const head = commit((previous) => {
        if (previous && entries.length === 0)
          fail('BAD_INPUT', 'append: an empty batch adds nothing to an existing log');
        const integrator = this.#integratorAt(previous);
        first = integrator.size;
        peaks = integrator.peaks();
        const tiles = integrator.integrate(leafHashes);
        const size = integrator.size;
        const checkpoint = signCheckpoint(
          { origin: this.#store.origin, size, root: integrator.root(), extensions: [] },
          this.#signer,
        );
        this.#integratedCheckpoint = checkpoint;
        return { entries, keys, tiles, head: { size, peaks: integrator.peaks(), checkpoint, time: this.#clock() } };
      });
      return { first, head, batch: { first, peaks, leafHashes } };
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
    if (head) checkResumedHead(head, integrator);
    this.#integrator = integrator;
    return integrator;
  }
}

/**
 * Before extending a stored head, its peaks must rebuild the root its signed checkpoint states: otherwise the
 * next checkpoint would be signed over a tree that contradicts the entries (one flipped bit in `peaks` sufficed).
 * Once per resume: an integrator kept in memory extends what it computed itself.
 */
function checkResumedHead(head: LogHead, integrator: TileIntegrator): void {
  let claimed: { size: number; root: Uint8Array };
  try {
    claimed = parseCheckpoint(parseNote(head.checkpoint).text);
  } catch (err) {
    fail('STORE_CORRUPT', `the stored checkpoint for size ${head.size} does not parse: ${(err as Error).message}`);
  }
  if (claimed.size !== head.size) {
    fail('STORE_CORRUPT', `the stored checkpoint for size ${head.size} is for size ${claimed.size}`);
  }
  const rebuilt = integrator.root();
  if (!equalBytes(rebuilt, claimed.root)) {
    fail(
      'STORE_CORRUPT',
      `the stored peaks for size ${head.size} rebuild root ${toHex(rebuilt)}, but its checkpoint says ${toHex(claimed.root)}: refusing to sign over them`,
    );
  }
}
