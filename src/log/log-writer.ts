/**
 * The write path of one log, in Tessera's three steps: assign indexes (the store's head), integrate the leaf
 * hashes into the tiles, publish a signed checkpoint. All three happen under the store's write lock and commit
 * together, so an acknowledged entry is durable, and the log can never sign two checkpoints for diverging trees:
 * every checkpoint extends the compact range of the one before it, read inside the same transaction.
 */
import { fail } from '../crypto/errors.js';
import type { NoteSigner } from '../crypto/note.js';
import type { LogHead, LogStore } from '../store/store.js';
import { signCheckpoint } from '../tlog/checkpoint.js';
import { CompactRange } from '../tlog/compact-range.js';
import { checkEntrySize } from '../tlog/entry-bundle.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { HASH_SIZE } from '../tlog/hasher.js';
import { TileIntegrator, type TileTail, tailFromTile } from '../tlog/integrate.js';
import { partialTileWidth, tileLevels } from '../tlog/tile-math.js';
import { TILE_WIDTH } from '../tlog/tile-paths.js';

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

  constructor(store: LogStore, hasher: Rfc6962Hasher, signer: NoteSigner) {
    if (signer.name !== store.origin) {
      fail(
        'BAD_INPUT',
        `the log key is named ${JSON.stringify(signer.name)}, but the log's origin is ${JSON.stringify(store.origin)}`,
      );
    }
    this.#store = store;
    this.#hasher = hasher;
    this.#signer = signer;
  }

  /** Signs and stores the empty tree's checkpoint if the log has none yet; returns the head. */
  init(): LogHead {
    return this.#store.head() ?? this.append([]).head;
  }

  /** Appends a batch atomically with its checkpoint. Nothing is written if any entry is refused. */
  append(entries: readonly Uint8Array[]): AppendResult {
    entries.forEach((e, i) => {
      checkEntrySize(e, i);
    });
    const leafHashes = entries.map((e) => this.#hasher.hashLeaf(e));
    let first = 0;
    try {
      const head = this.#store.append((previous) => {
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
        return { entries, tiles, head: { size, peaks: integrator.peaks(), checkpoint } };
      });
      return { first, head };
    } catch (err) {
      this.#integrator = undefined;
      throw err;
    }
  }

  #integratorAt(head: LogHead | undefined): TileIntegrator {
    const size = head?.size ?? 0;
    if (this.#integrator && this.#integratedCheckpoint === head?.checkpoint) return this.#integrator;
    const range = new CompactRange(this.#hasher, size, head?.peaks ?? []);
    const tails = new Map<number, TileTail>();
    for (let level = 0; level < tileLevels(size); level++) {
      const width = partialTileWidth(level, size);
      if (width === 0) continue;
      const index = Math.floor(size / TILE_WIDTH ** (level + 1));
      const stored = this.#store.tile(level, index);
      if (!stored || stored.length < width * HASH_SIZE) {
        fail('LOG_INCONSISTENT', `the store lacks tile ${level}/${index} of width ${width} for size ${size}`);
      }
      tails.set(level, tailFromTile(index, stored.subarray(0, width * HASH_SIZE)));
    }
    this.#integrator = new TileIntegrator(range, tails);
    return this.#integrator;
  }
}
