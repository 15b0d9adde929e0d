/**
 * Mirrors a peer's log: pulls its signed checkpoint from any TileSource (HTTP, a directory, a store), checks that
 * it extends what was mirrored before, downloads only the new entry bundles, and stores entries, tiles and the
 * PEER's signed checkpoint in the mirror's own LogStore for the peer's origin. The mirror signs nothing.
 *
 * Consistency is established by recomputation: the mirror integrates the new entries onto its own compact range
 * and tiles (TileIntegrator, as the log itself does) and requires the computed root to equal the root the peer
 * signed. Equal roots over the same stored prefix prove the new checkpoint extends the old one.
 *
 * A large catch-up (a million entries) streams bundle by bundle and commits every `bundlesPerCommit` bundles, so
 * memory stays flat and a SIGKILL loses at most one batch. A batch that ends before the peer's checkpoint cannot
 * carry a peer signature of its own size, so its row holds a *pending marker* instead of a checkpoint: the target
 * checkpoint and a consistency proof (read from the peer's tiles, verified) that the batch's root is a prefix of
 * it. Nothing is ever committed that is not proven part of a tree the peer signed. `mirroredCheckpoint` is the
 * last verified (peer-signed) head, what a mirror may serve; `store.head()` may be a pending one.
 *
 * When the peer's checkpoint contradicts what was mirrored (same size and another root; a smaller tree whose root
 * is not our prefix; a larger tree whose prefix is not ours, e.g. after an entry was rewritten), sync returns
 * portable equivocation evidence (evidence.ts) instead of advancing. Data that merely does not match its checkpoint
 * (bad bundles or tiles, whatever the cause) is an error, not evidence: the log did not sign it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { equalBytes, fromBase64, toBase64, toHex } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type Ed25519NoteVerifier, parseVerifierKey } from '../crypto/vkey.js';
import {
  type EquivocationEvidence,
  type PrefixChain,
  prefixEvidence,
  sameSizeEvidence,
} from '../federation/evidence.js';
import { consistencyProofFrom, provePrefix } from '../federation/prefix-proof.js';
import { storeTileSource } from '../log/store-tile-source.js';
import type { LogHead, LogStore } from '../store/store.js';
import { type Checkpoint, openCheckpoint } from '../tlog/checkpoint.js';
import { CompactRange } from '../tlog/compact-range.js';
import { verifyConsistency } from '../tlog/consistency.js';
import { decodeBundle } from '../tlog/entry-bundle.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { resumeIntegrator, type TileIntegrator } from '../tlog/integrate.js';
import { rangeHash } from '../tlog/node-reader.js';
import { TileNodeReader } from '../tlog/tile-node-reader.js';
import { TILE_WIDTH } from '../tlog/tile-paths.js';
import type { TileSource } from '../tlog/tile-source.js';
import { verifyTiles } from '../tlog/verify-tiles.js';

const PENDING_TAG = 'detente-mirror-pending/v1';
const DEFAULT_BUNDLES_PER_COMMIT = 64;
const FETCH_CONCURRENCY = 8;
/** Bundle bytes fetched ahead at most (a bundle may legally be 16 MiB: 256 entries of up to 65,535 bytes). */
const BUFFER_BYTES = 16 << 20;
/** A batch is committed once it holds this many bytes of entries, even short of `bundlesPerCommit` bundles. */
const BATCH_BYTES = 16 << 20;
/**
 * Longest stretch of entry validation between two turns of the event loop. A commit's worth of entries (16,384 by
 * default) costs as many signature checks: seconds on a loaded machine, and awaiting a synchronous validator yields
 * only to microtasks, so without turns the node would answer no request (its own submissions included) meanwhile.
 */
const VALIDATE_SLICE_MS = 10;
/** Entries a run handed to validateMany while a bundle streams in. */
const VALIDATE_RUN = 32;

/** The store got past this sync's batch from another writer (the push receiver) while the batch was fetched. */
class Overtaken extends Error {}

/** A bundle as fetched: its entries and the bytes it holds; `checked` settles once validateMany has judged them. */
interface Fetched {
  raw: number;
  entries: Uint8Array[];
  validated: boolean;
  checked?: Promise<void>;
}

/** An entry the validator refused: the mirror stops before committing the batch that holds it. */
export class EntryRejectedError extends Error {
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super(`entry ${index} refused by the validator: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'EntryRejectedError';
    this.index = index;
  }
}

export interface MirrorOptions {
  /** The mirror's store for the peer's log (its origin must be the peer's). */
  store: LogStore;
  /** Where the peer's log is read from. */
  source: TileSource;
  /** The peer log's Ed25519 verifier key. */
  vkey: string;
  suite: CryptoSuite;
  /** Checks each new entry before it is stored (later: signature, schema, role); throw to refuse it. */
  validate?: (entry: Uint8Array, index: number) => void | Promise<void>;
  /**
   * Checks runs of entries at once, elsewhere (a node's worker threads), in place of `validate`: one answer an
   * entry, undefined if it is valid, else why not. Runs are checked while the next entries arrive and the batch
   * before is integrated; the first refused entry in index order stops the sync, as with `validate`.
   */
  validateMany?: (entries: readonly Uint8Array[]) => Promise<(Error | undefined)[]>;
  /** Bundles a transaction (default 64, i.e. 16,384 entries). */
  bundlesPerCommit?: number;
  onProgress?: (size: number, target: number) => void;
  /** Called with any evidence found, before sync returns it. */
  onEvidence?: (evidence: EquivocationEvidence) => void;
  /** ms since the epoch recorded with each mirrored row (default Date.now; an exercise passes its simulated clock). */
  clock?: () => number;
}

export type SyncResult =
  | {
      /** up-to-date: the peer's checkpoint is the one mirrored; advanced: new entries were mirrored; stale: the
       * peer served an older (consistent) checkpoint, or one the mirror is already past. */
      status: 'up-to-date' | 'advanced' | 'stale';
      from: number;
      size: number;
      /** The peer's checkpoint this sync read. */
      checkpoint: string;
    }
  | { status: 'equivocation'; from: number; size: number; checkpoint: string; evidence: EquivocationEvidence };

/** What a pending row holds instead of a checkpoint (also written by the push mirror, mirror-receiver.ts). */
export interface PendingMarker {
  size: number;
  target: string;
  proof: Uint8Array[];
}

export function formatPending(m: PendingMarker): string {
  return `${JSON.stringify({ [PENDING_TAG]: true, size: m.size, target: m.target, proof: m.proof.map(toBase64) })}\n`;
}

export function parsePending(note: string): PendingMarker | undefined {
  if (!note.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(note);
    if (v?.[PENDING_TAG] !== true || typeof v.target !== 'string' || !Array.isArray(v.proof)) return undefined;
    return { size: v.size, target: v.target, proof: v.proof.map((h: string) => fromBase64(h)) };
  } catch {
    return undefined;
  }
}

/**
 * The last peer-signed checkpoint a mirror's store holds in full (undefined if none yet): the head, unless the head
 * is a pending batch, in which case the latest verified row before it.
 */
export function mirroredCheckpoint(store: LogStore): string | undefined {
  const head = store.head();
  if (!head) return undefined;
  if (!parsePending(head.checkpoint)) return head.checkpoint;
  const sizes = store.checkpointRecords().map((c) => c.size);
  for (let i = sizes.length - 1; i >= 0; i--) {
    const note = store.checkpoint(sizes[i]!)!;
    if (!parsePending(note)) return note;
  }
  return undefined;
}

/** What the mirror holds at its store head, and how that ties to a checkpoint the peer signed. */
interface Anchor {
  size: number;
  root: Uint8Array;
  /** The peer-signed checkpoint our data is proven part of: the head's own, or a pending row's target. */
  note: string;
  checkpoint: Checkpoint;
  /** From (size, root) to that checkpoint: empty for a verified head, one hop for a pending one. */
  hops: PrefixChain['hops'];
  pending: boolean;
}

export class LogMirror {
  readonly #store: LogStore;
  readonly #source: TileSource;
  readonly #vkey: string;
  readonly #verifier: Ed25519NoteVerifier;
  readonly #hasher: Rfc6962Hasher;
  readonly #options: MirrorOptions;
  #buffered = 0;
  #peakBuffered = 0;

  constructor(options: MirrorOptions) {
    this.#store = options.store;
    this.#source = options.source;
    this.#vkey = options.vkey.trim();
    this.#verifier = parseVerifierKey(this.#vkey, options.suite);
    if (this.#verifier.name !== options.store.origin) {
      fail('BAD_INPUT', `mirror: the key is for ${this.#verifier.name}, the store holds ${options.store.origin}`);
    }
    this.#hasher = new Rfc6962Hasher(options.suite.sha256);
    const n = options.bundlesPerCommit ?? DEFAULT_BUNDLES_PER_COMMIT;
    if (!Number.isSafeInteger(n) || n < 1) fail('BAD_INPUT', `bundlesPerCommit: expected ≥ 1, got ${n}`);
    this.#options = options;
  }

  get origin(): string {
    return this.#store.origin;
  }

  /** The last peer-signed checkpoint the mirror holds in full: what it may serve and cosign. */
  mirroredCheckpoint(): string | undefined {
    return mirroredCheckpoint(this.#store);
  }

  #anchor(head: LogHead | undefined): Anchor | undefined {
    if (!head) return undefined;
    const root = new CompactRange(this.#hasher, head.size, head.peaks).root();
    const pending = parsePending(head.checkpoint);
    if (!pending) {
      const { checkpoint } = openCheckpoint(head.checkpoint, this.#verifier);
      if (checkpoint.size !== head.size || !equalBytes(checkpoint.root, root)) {
        fail('LOG_INCONSISTENT', `the mirror's head at size ${head.size} does not match its checkpoint`);
      }
      return { size: head.size, root, note: head.checkpoint, checkpoint, hops: [], pending: false };
    }
    const { checkpoint } = openCheckpoint(pending.target, this.#verifier);
    return {
      size: head.size,
      root,
      note: pending.target,
      checkpoint,
      hops: [{ size: checkpoint.size, root: checkpoint.root, proof: pending.proof }],
      pending: true,
    };
  }

  #evidence(noteA: string, noteB: string, size: number, a: PrefixChain, b: PrefixChain): EquivocationEvidence {
    const evidence =
      a.hops.length === 0 && b.hops.length === 0
        ? sameSizeEvidence(this.#vkey, noteA, noteB)
        : prefixEvidence(this.#vkey, noteA, noteB, size, a, b);
    this.#options.onEvidence?.(evidence);
    return evidence;
  }

  /** Pulls the peer's checkpoint and mirrors up to it. */
  async sync(): Promise<SyncResult> {
    const note = await this.#source.checkpoint();
    const { checkpoint: target } = openCheckpoint(note, this.#verifier);
    const head = this.#store.head();
    const anchor = this.#anchor(head);
    const from = anchor?.size ?? 0;
    const result = (status: 'up-to-date' | 'advanced' | 'stale', size: number): SyncResult => ({
      status,
      from,
      size,
      checkpoint: note,
    });
    const equivocation = (evidence: EquivocationEvidence): SyncResult => ({
      status: 'equivocation',
      from,
      size: from,
      checkpoint: note,
      evidence,
    });

    // 1. A tree no larger than ours: its root must be our prefix of its size.
    if (target.size <= from) {
      if (!anchor) {
        // Only an empty mirror has from = 0 and no anchor; a size-0 checkpoint must have the empty root.
        if (!equalBytes(target.root, this.#hasher.emptyRoot())) {
          fail('LOG_INCONSISTENT', `${this.origin} signed a checkpoint of size 0 with a non-empty root`);
        }
        return result('up-to-date', 0);
      }
      const ours = this.#prefixRoot(target.size, anchor.size);
      if (equalBytes(ours, target.root)) {
        return result(target.size === from && !anchor.pending ? 'up-to-date' : 'stale', from);
      }
      const hops =
        target.size === anchor.size
          ? anchor.hops
          : [
              {
                size: anchor.size,
                root: anchor.root,
                proof: (
                  await provePrefix(storeTileSource(this.#store), this.#hasher, target.size, anchor.size, anchor.root)
                ).proof,
              },
              ...anchor.hops,
            ];
      return equivocation(
        this.#evidence(anchor.note, note, target.size, { root: ours, hops }, { root: target.root, hops: [] }),
      );
    }

    // 2. A larger tree: its first `from` leaves, per the peer's own tiles, must be what we hold.
    if (anchor) {
      const theirs = await provePrefix(this.#source, this.#hasher, anchor.size, target.size, target.root);
      if (!equalBytes(theirs.root, anchor.root)) {
        return equivocation(
          this.#evidence(
            anchor.note,
            note,
            anchor.size,
            { root: anchor.root, hops: anchor.hops },
            { root: theirs.root, hops: [{ size: target.size, root: target.root, proof: theirs.proof }] },
          ),
        );
      }
      // We hold a proven prefix of a pending target T. A checkpoint smaller than T cannot be checked against T
      // (we do not have T's tree), so do not follow it: wait for one that reaches T, and check T is its prefix.
      if (anchor.pending && note !== anchor.note) {
        const t = anchor.checkpoint;
        if (target.size < t.size) return result('stale', from);
        const atT =
          target.size === t.size
            ? { root: target.root, hops: [] }
            : await provePrefix(this.#source, this.#hasher, t.size, target.size, target.root).then((p) => ({
                root: p.root,
                hops: [{ size: target.size, root: target.root, proof: p.proof }],
              }));
        if (!equalBytes(atT.root, t.root)) {
          return equivocation(this.#evidence(anchor.note, note, t.size, { root: t.root, hops: [] }, atT));
        }
      }
    }

    // 3. Download what is new, a batch at a time, each batch proven part of the target before it is committed.
    try {
      await this.#download(head, note, target);
    } catch (err) {
      if (!(err instanceof Overtaken)) throw err;
      return result('stale', this.#store.head()?.size ?? from);
    }
    return result('advanced', target.size);
  }

  /** Root of our first `size` leaves, from our own tiles (tree of `treeSize`). */
  #prefixRoot(size: number, treeSize: number): Uint8Array {
    if (size === treeSize) return new CompactRange(this.#hasher, treeSize, this.#store.head()!.peaks).root();
    const reader = new TileNodeReader(this.#hasher, (level, index) => this.#store.tile(level, index));
    return rangeHash(this.#hasher, reader, 0, size);
  }

  #integratorAt(head: LogHead | undefined): TileIntegrator {
    return resumeIntegrator(this.#hasher, head?.size ?? 0, head?.peaks ?? [], (level, index) =>
      this.#store.tile(level, index),
    );
  }

  /**
   * The entries from `begin` to `treeSize`, bundle by bundle in order (M2 of the red team: all 64 bundles of a batch,
   * up to 1 GiB from a lying peer, used to be held before anything was checked). A source that streams entries
   * (HTTP) has each entry validated as its bytes arrive, in its own buffer, and the first bad one ends the fetch:
   * `validated` bundles need neither validation nor copying. Bundles are fetched ahead, as many as fit in
   * BUFFER_BYTES at the size of the last one (at most FETCH_CONCURRENCY): a peer serving 16 MiB bundles gets one
   * request in flight, not eight. With validateMany, a bundle is read while the workers still judge the one before,
   * and each is yielded only once it and every one before it are judged (the first refused entry in index order
   * ends the sync, and the reads ahead with it).
   */
  async *#bundles(begin: number, treeSize: number): AsyncGenerator<Fetched> {
    const first = Math.floor(begin / TILE_WIDTH);
    const last = Math.floor((treeSize - 1) / TILE_WIDTH);
    const ahead: Promise<Fetched>[] = [];
    let next = first;
    // One request until the first bundle shows how large this peer's bundles are.
    let window = 1;
    // Streamed bundles are read in order: each once the one before it is read (and, entry by entry, validated).
    let previous: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const fetchOne = (index: number) => {
      const width = Math.min(TILE_WIDTH, treeSize - index * TILE_WIDTH);
      const lo = Math.max(begin, index * TILE_WIDTH) - index * TILE_WIDTH;
      const p: Promise<Fetched> = this.#source.bundleEntries
        ? this.#streamBundle(index, width, lo, previous, () => stopped)
        : Promise.resolve(this.#source.entryBundle(index, width)).then((raw) => {
            this.#held(raw.length);
            try {
              return { raw: raw.length, entries: decodeBundle(raw, width).slice(lo), validated: false };
            } catch (err) {
              this.#held(-raw.length);
              throw err;
            }
          });
      // A fetch still in flight when the sync stops early (a bad entry) must not become an unhandled rejection.
      p.catch(() => {});
      previous = p;
      return p;
    };
    try {
      while (next <= last || ahead.length > 0) {
        while (next <= last && ahead.length < window) ahead.push(fetchOne(next++));
        const bundle = await ahead.shift()!;
        window = Math.max(1, Math.min(FETCH_CONCURRENCY, Math.floor(BUFFER_BYTES / Math.max(1, bundle.raw))));
        try {
          await bundle.checked;
          yield bundle;
        } finally {
          this.#held(-bundle.raw);
        }
      }
    } finally {
      // Stopped early (a refused entry, a failed commit): the reads ahead end, and what they hold is let go.
      stopped = true;
      for (const p of ahead) p.then((b) => this.#held(-b.raw)).catch(() => {});
    }
  }

  /**
   * Bundle `index` read entry by entry, each validated as it arrives (entries before `skip` are already ours). The
   * request goes out at once; its body is read once `previous` (the bundle before) is read. With validateMany the
   * promise settles once the body is read, and `checked` once its runs are judged; reading stops if `stopped()`.
   */
  async #streamBundle(
    index: number,
    width: number,
    skip: number,
    previous: Promise<unknown>,
    stopped: () => boolean,
  ): Promise<Fetched> {
    const entries: Uint8Array[] = [];
    let raw = 0;
    let i = 0;
    const stream = this.#source.bundleEntries!(index, width)[Symbol.asyncIterator]();
    const many = this.#options.validateMany ? new RunValidator(this.#options.validateMany) : undefined;
    try {
      let step = await stream.next();
      await previous;
      let sliceStart = Date.now();
      for (; !step.done; step = await stream.next()) {
        if (stopped()) throw new Error('the mirror stopped reading');
        const entry = step.value;
        raw += 2 + entry.length;
        this.#held(2 + entry.length);
        if (i >= skip) {
          if (many) {
            many.add(entry, index * TILE_WIDTH + i);
            if (many.refused) break;
          } else await this.#validateOne(entry, index * TILE_WIDTH + i);
          entries.push(entry);
        }
        i++;
        if (Date.now() - sliceStart >= VALIDATE_SLICE_MS) {
          await nextTurn();
          sliceStart = Date.now();
        }
      }
    } catch (err) {
      this.#held(-raw);
      await stream.return?.(undefined);
      throw err;
    }
    if (!many) return { raw, entries, validated: true };
    const checked = many.done();
    // Awaited in order by #bundles, unless the sync stops first.
    checked.catch(() => {});
    return { raw, entries, validated: true, checked };
  }

  /** Bytes of the peer's data this mirror holds right now (bundles being decoded, entries of the open batch). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** The most `bufferedBytes` has been since the mirror was made. */
  get peakBufferedBytes(): number {
    return this.#peakBuffered;
  }

  #held(bytes: number): void {
    this.#buffered += bytes;
    this.#peakBuffered = Math.max(this.#peakBuffered, this.#buffered);
  }

  async #validateOne(entry: Uint8Array, index: number): Promise<void> {
    try {
      await this.#options.validate?.(entry, index);
    } catch (err) {
      throw new EntryRejectedError(index, err);
    }
  }

  async #validate(entries: Uint8Array[], first: number): Promise<void> {
    if (this.#options.validateMany) {
      const many = new RunValidator(this.#options.validateMany, entries.length);
      for (const [i, e] of entries.entries()) many.add(e, first + i);
      return many.done();
    }
    if (!this.#options.validate) return;
    let sliceStart = Date.now();
    for (let i = 0; i < entries.length; i++) {
      await this.#validateOne(entries[i]!, first + i);
      if (Date.now() - sliceStart >= VALIDATE_SLICE_MS) {
        await nextTurn();
        sliceStart = Date.now();
      }
    }
  }

  /**
   * Streams the new entries, validating each bundle as it arrives (the first bad entry stops the sync), and commits
   * a batch every `bundlesPerCommit` bundles or BATCH_BYTES, whichever comes first.
   */
  async #download(head: LogHead | undefined, note: string, target: Checkpoint): Promise<void> {
    const perCommit = (this.#options.bundlesPerCommit ?? DEFAULT_BUNDLES_PER_COMMIT) * TILE_WIDTH;
    const integrator = this.#integratorAt(head);
    let size = head?.size ?? 0;
    let expected = head?.checkpoint;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    try {
      for await (const { entries, validated } of this.#bundles(size, target.size)) {
        if (!validated) await this.#validate(entries, size + batch.length);
        const bytes = entries.reduce((n, e) => n + e.length, 0);
        batchBytes += bytes;
        this.#held(bytes);
        // Copies views once valid (a view would keep the whole response alive, and the store keeps what it is
        // given); streamed entries are already in buffers of their own.
        for (const e of entries) batch.push(validated ? e : e.slice());
        const end = size + batch.length;
        const full = end === target.size || end - Math.floor(size / TILE_WIDTH) * TILE_WIDTH >= perCommit;
        if (!full && batchBytes < BATCH_BYTES) continue;
        expected = await this.#commit(integrator, batch, size, note, target, expected);
        size = end;
        this.#held(-batchBytes);
        batch = [];
        batchBytes = 0;
        this.#options.onProgress?.(size, target.size);
      }
    } finally {
      this.#held(-batchBytes);
    }
  }

  /** Integrates and commits one batch; returns the note of the row it wrote. */
  async #commit(
    integrator: TileIntegrator,
    entries: Uint8Array[],
    size: number,
    note: string,
    target: Checkpoint,
    previous: string | undefined,
  ): Promise<string> {
    const end = size + entries.length;
    const tiles = integrator.integrate(entries.map((e) => this.#hasher.hashLeaf(e)));
    const root = integrator.root();
    let rowNote: string;
    if (end === target.size) {
      if (!equalBytes(root, target.root)) {
        fail(
          'LOG_INCONSISTENT',
          `the entries served for [${size}, ${end}) give root ${toHex(root)}, not the checkpoint's ${toHex(target.root)}`,
        );
      }
      rowNote = note;
    } else {
      const proof = await consistencyProofFrom(this.#source, this.#hasher, end, target.size);
      try {
        verifyConsistency(this.#hasher, end, target.size, proof, root, target.root);
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        fail(
          'LOG_INCONSISTENT',
          `the entries served for [${size}, ${end}) are not the prefix of the checkpoint of size ${target.size}: ${err.message}`,
        );
      }
      rowNote = formatPending({ size: end, target: note, proof });
    }
    this.#store.append((current) => {
      // The push receiver shares this store and commits only what it verified: if it got further meanwhile,
      // this round is overtaken, not broken.
      if ((current?.size ?? 0) > size) throw new Overtaken();
      if ((current?.checkpoint ?? undefined) !== previous || (current?.size ?? 0) !== size) {
        fail('STORE_ERROR', `the mirror of ${this.origin} changed under this sync (two mirrors on one store?)`);
      }
      return {
        entries,
        tiles,
        head: {
          size: end,
          peaks: integrator.peaks(),
          checkpoint: rowNote,
          time: (this.#options.clock ?? Date.now)(),
        },
      };
    });
    return rowNote;
  }
}

/**
 * Verifies a mirror's store from scratch: every entry and tile under its last verified checkpoint, and every
 * peer-signed checkpoint it holds against the prefix it names (pending rows are skipped: they are proven when made,
 * and superseded by the next verified row).
 */
export async function verifyMirrorStore(
  store: LogStore,
  suite: CryptoSuite,
  vkey: string,
): Promise<{ size: number; checkpoints: number }> {
  const verifier = parseVerifierKey(vkey, suite);
  const hasher = new Rfc6962Hasher(suite.sha256);
  const note = mirroredCheckpoint(store);
  if (note === undefined) return { size: 0, checkpoints: 0 };
  const { checkpoint } = openCheckpoint(note, verifier);
  const sizes = store
    .checkpointRecords()
    .map((c) => c.size)
    .filter((s) => s <= checkpoint.size && !parsePending(store.checkpoint(s)!));
  let checked = 0;
  await verifyTiles(storeTileSource(store, note), hasher, checkpoint, {
    prefixSizes: sizes,
    onPrefix: (size, root) => {
      const cp = openCheckpoint(store.checkpoint(size)!, verifier).checkpoint;
      if (cp.size !== size || !equalBytes(cp.root, root)) {
        fail('LOG_INCONSISTENT', `the mirrored checkpoint for size ${size} does not match the entries`);
      }
      checked++;
    },
  });
  if (checked !== sizes.length) fail('LOG_INCONSISTENT', 'some mirrored checkpoints lie beyond the mirror');
  return { size: checkpoint.size, checkpoints: checked };
}

/**
 * Entries handed to validateMany in runs as they come, the runs checked at once elsewhere; `done` waits for them
 * and throws EntryRejectedError for the first refused entry in index order. `refused` turns true as soon as any
 * run has a refused entry, so that the caller can stop reading.
 */
class RunValidator {
  readonly #validateMany: NonNullable<MirrorOptions['validateMany']>;
  readonly #runSize: number;
  #run: Uint8Array[] = [];
  #first = 0;
  readonly #runs: Promise<EntryRejectedError | undefined>[] = [];
  refused = false;

  constructor(validateMany: NonNullable<MirrorOptions['validateMany']>, runSize = VALIDATE_RUN) {
    this.#validateMany = validateMany;
    this.#runSize = Math.max(1, runSize);
  }

  add(entry: Uint8Array, index: number): void {
    if (this.#run.length === 0) this.#first = index;
    this.#run.push(entry);
    if (this.#run.length >= this.#runSize) this.#send();
  }

  #send(): void {
    const run = this.#run;
    const first = this.#first;
    this.#run = [];
    if (run.length === 0) return;
    const checked = this.#validateMany(run).then(
      (answers) => {
        const bad = answers.findIndex((a) => a !== undefined);
        if (bad < 0) return undefined;
        this.refused = true;
        return new EntryRejectedError(first + bad, answers[bad]);
      },
      (err) => {
        this.refused = true;
        throw err;
      },
    );
    // Awaited in order by done(); a refusal found early must not go unhandled meanwhile.
    checked.catch(() => {});
    this.#runs.push(checked);
  }

  async done(): Promise<void> {
    this.#send();
    for (const run of this.#runs) {
      const refused = await run;
      if (refused) throw refused;
    }
  }
}
