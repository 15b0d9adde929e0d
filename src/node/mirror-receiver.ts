/**
 * The receiving side of C2SP tlog-mirror: peers push their checkpoints (add-checkpoint) and entries (add-entries)
 * and this node commits them into the same per-peer LogStore the polling mirror (mirror.ts) writes, then cosigns
 * with its mirror key, a cosigner distinct from its witness. The cosignature is the node's receipt: it is issued
 * only once every entry up to the checkpoint is durable.
 *
 * State per log, as the spec names it:
 * - the *mirror checkpoint*: the last peer-signed row of the store (`mirroredCheckpoint`), what is served;
 * - the *pending checkpoints*: the latest few accepted by add-checkpoint, in memory, each proven consistent with
 *   the one before; after a restart, the store's own anchor (its verified head, or a pending row's target);
 * - the *pending entries*: none apart from the store. Each package is committed as soon as it is verified, so the
 *   next entry is the store's size. A package that ends before its checkpoint is committed under a pending marker
 *   (mirror.ts: the target and a consistency proof from the package's end), exactly as the polling mirror does,
 *   so either side can resume from what the other left.
 *
 * Status codes (each tested):
 *   add-checkpoint: 400 malformed, 404 unknown origin, 403 not signed by the log, 409 old ≠ latest pending size
 *   (text/x.tlog.size), 409 same size other root (text/plain), 422 bad proof or a size-0 tree with a root, 200 empty.
 *   add-entries: 400 malformed header or nothing valid, 404 unknown origin, 422 no pending checkpoint, 409 unknown
 *   upload_end, upload_end below the mirror checkpoint, upload_start beyond the next entry or too many re-sent
 *   entries (mirror-info), 422 a package whose proof or entry fails (nothing of it committed), 202 a valid strict
 *   prefix (mirror-info), 200 the mirror's cosignature lines.
 * The ticket is always empty: the recent pending checkpoints are kept in memory instead (the spec allows either).
 */
import { equalBytes, toHex, utf8 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type Ed25519NoteVerifier, parseVerifierKey } from '../crypto/vkey.js';
import type { LogStore } from '../store/store.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from '../tlog/checkpoint.js';
import { CompactRange } from '../tlog/compact-range.js';
import { verifyConsistency } from '../tlog/consistency.js';
import type { Cosigner } from '../tlog/cosignature.js';
import { HASH_SIZE, Rfc6962Hasher } from '../tlog/hasher.js';
import { resumeIntegrator } from '../tlog/integrate.js';
import {
  type AddEntriesHeader,
  ByteReader,
  consistencyFromPackageProof,
  type EntryPackage,
  formatMirrorInfo,
  MAX_PACKAGES_PER_REQUEST,
  MIRROR_INFO_CONTENT_TYPE,
  type PackageRange,
  packageRanges,
  readAddEntriesHeader,
  readPackage,
} from '../tlog/mirror-protocol.js';
import { verifySubtreeConsistency } from '../tlog/subtree.js';
import {
  type AddCheckpointRequest,
  formatTreeSizeBody,
  readAddCheckpoint,
  TREE_SIZE_CONTENT_TYPE,
} from '../tlog/witness-protocol.js';
import { formatPending, mirroredCheckpoint, parsePending } from './mirror.js';
import { Serial } from './serial.js';

const PLAIN = 'text/plain; charset=utf-8';
const RECENT_PENDING = 64;

export interface MirroredLog {
  /** The log's Ed25519 verifier key (its name is the origin). */
  vkey: string;
  /** The mirror's store for that origin (shared with the polling mirror). */
  store: LogStore;
  /** Checks each new entry before it is stored (signature, schema, party); throw to refuse it. */
  validate?: (entry: Uint8Array, index: number) => void;
  /** The lock this log's writers share (the polling mirror's rounds take it too); default: the receiver's own. */
  serial?: Serial;
}

export interface MirrorReceiverOptions {
  logs: readonly MirroredLog[];
  /** The mirror key: never the witness's. */
  cosigner: Cosigner;
  suite: CryptoSuite;
  /** ms since the epoch, for cosignature timestamps and row times (default Date.now). */
  clock?: () => number;
  /** Entries an upload may re-send that the mirror already holds (default 32 packages' worth). */
  maxExcessEntries?: number;
  /** Called after an upload that committed entries ended in 200 (the node then fetches blobs and cosignatures). */
  onCommitted?: (origin: string, size: number) => void;
}

export interface MirrorResponse {
  status: 200 | 202 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
  /** On add-entries: entries committed by this request. */
  committed?: number;
}

interface Pending {
  note: string;
  checkpoint: Checkpoint;
}

interface LogState {
  verifier: Ed25519NoteVerifier;
  store: LogStore;
  validate?: MirroredLog['validate'];
  serial: Serial;
  /** Accepted pending checkpoints by size, oldest first (insertion order). */
  pending: Map<number, Pending>;
}

const plain = (status: MirrorResponse['status'], message: string): MirrorResponse => ({
  status,
  contentType: PLAIN,
  body: `${message}\n`,
});

/** The lowercase hex SHA-256 of an origin: the path segment a mirror serves the log under. */
export function originHash(suite: CryptoSuite, origin: string): string {
  return toHex(suite.sha256(utf8(origin)));
}

export class MirrorReceiver {
  readonly #logs = new Map<string, LogState>();
  readonly #cosigner: Cosigner;
  readonly #hasher: Rfc6962Hasher;
  readonly #clock: () => number;
  readonly #maxExcess: number;
  readonly #onCommitted: MirrorReceiverOptions['onCommitted'];

  constructor(options: MirrorReceiverOptions) {
    this.#onCommitted = options.onCommitted;
    this.#hasher = new Rfc6962Hasher(options.suite.sha256);
    this.#cosigner = options.cosigner;
    this.#clock = options.clock ?? Date.now;
    this.#maxExcess = options.maxExcessEntries ?? MAX_PACKAGES_PER_REQUEST * 256;
    for (const log of options.logs) {
      const verifier = parseVerifierKey(log.vkey, options.suite);
      if (verifier.name !== log.store.origin) {
        fail('BAD_INPUT', `mirror: the key is for ${verifier.name}, the store holds ${log.store.origin}`);
      }
      const state: LogState = {
        verifier,
        store: log.store,
        validate: log.validate,
        serial: log.serial ?? new Serial(),
        pending: new Map(),
      };
      const anchor = this.#storeAnchor(state);
      if (anchor) state.pending.set(anchor.checkpoint.size, anchor);
      this.#logs.set(verifier.name, state);
    }
  }

  get cosignerName(): string {
    return this.#cosigner.name;
  }

  get cosignerKeyId(): number {
    return this.#cosigner.keyId;
  }

  get verifierKey(): string {
    return this.#cosigner.verifierKey;
  }

  origins(): string[] {
    return [...this.#logs.keys()];
  }

  /** The peer-signed checkpoint the store is proven to be part of: its verified head, or a pending row's target. */
  #storeAnchor(log: LogState): Pending | undefined {
    const head = log.store.head();
    if (!head) return undefined;
    const note = parsePending(head.checkpoint)?.target ?? head.checkpoint;
    return { note, checkpoint: parseCheckpoint(parseNote(note).text) };
  }

  #latestPending(log: LogState): Pending | undefined {
    let latest: Pending | undefined;
    for (const p of log.pending.values()) if (!latest || p.checkpoint.size > latest.checkpoint.size) latest = p;
    const anchor = this.#storeAnchor(log);
    if (anchor && (!latest || anchor.checkpoint.size > latest.checkpoint.size)) latest = anchor;
    return latest;
  }

  #remember(log: LogState, p: Pending): void {
    log.pending.delete(p.checkpoint.size);
    log.pending.set(p.checkpoint.size, p);
    while (log.pending.size > RECENT_PENDING) log.pending.delete(log.pending.keys().next().value!);
  }

  #mirrorSize(log: LogState): number {
    const note = mirroredCheckpoint(log.store);
    return note === undefined ? 0 : parseCheckpoint(parseNote(note).text).size;
  }

  #nextEntry(log: LogState): number {
    return log.store.head()?.size ?? 0;
  }

  #info(status: 202 | 409, log: LogState, pendingSize: number, committed?: number): MirrorResponse {
    const body = formatMirrorInfo({ pendingSize, nextEntry: this.#nextEntry(log), ticket: new Uint8Array(0) });
    return { status, contentType: MIRROR_INFO_CONTENT_TYPE, body, committed };
  }

  /** POST add-checkpoint: moves the pending checkpoint, never the mirror checkpoint, and signs nothing. */
  addCheckpoint(body: string | Uint8Array): MirrorResponse {
    let request: AddCheckpointRequest;
    let origin: string;
    try {
      ({ request, origin } = readAddCheckpoint(body));
    } catch (err) {
      if (err instanceof DetenteError) return plain(400, `malformed request: ${err.message}`);
      throw err;
    }
    const log = this.#logs.get(origin);
    if (!log) return plain(404, `unknown log ${JSON.stringify(origin)}`);
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(request.checkpointNote, log.verifier).checkpoint;
    } catch (err) {
      if (err instanceof DetenteError) return plain(403, `not signed by the log's key: ${err.message}`);
      throw err;
    }
    if (request.oldSize > checkpoint.size) {
      return plain(400, `old size ${request.oldSize} is beyond the checkpoint's size ${checkpoint.size}`);
    }
    if (checkpoint.size === 0 && !equalBytes(checkpoint.root, this.#hasher.emptyRoot())) {
      return plain(422, 'a checkpoint of size 0 must have the empty root');
    }
    const latest = this.#latestPending(log);
    const latestSize = latest?.checkpoint.size ?? 0;
    if (request.oldSize !== latestSize) {
      return { status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: formatTreeSizeBody(latestSize) };
    }
    if (request.oldSize === 0 && request.proof.length > 0) {
      return plain(422, 'old size 0 takes an empty consistency proof');
    }
    if (latest && checkpoint.size === latestSize) {
      if (!equalBytes(checkpoint.root, latest.checkpoint.root)) {
        return plain(409, `the log signed two checkpoints of size ${latestSize} with different roots`);
      }
    } else if (latest) {
      try {
        verifyConsistency(
          this.#hasher,
          latestSize,
          checkpoint.size,
          request.proof,
          latest.checkpoint.root,
          checkpoint.root,
        );
      } catch (err) {
        if (err instanceof DetenteError) return plain(422, `consistency proof: ${err.message}`);
        throw err;
      }
    }
    if (!latest || checkpoint.size > latestSize) this.#remember(log, { note: request.checkpointNote, checkpoint });
    return { status: 200, contentType: PLAIN, body: '' };
  }

  /**
   * POST add-entries, the body as a stream of chunks. Reads and commits one package at a time; never throws for
   * anything the client sent (a store failure does throw: the caller answers 500).
   */
  async addEntries(chunks: AsyncIterable<Uint8Array>): Promise<MirrorResponse> {
    const reader = new ByteReader(chunks);
    let header: AddEntriesHeader;
    try {
      header = await readAddEntriesHeader(reader);
    } catch (err) {
      if (err instanceof DetenteError) return plain(400, `malformed request: ${err.message}`);
      throw err;
    }
    const log = this.#logs.get(header.origin);
    if (!log) return plain(404, `unknown log ${JSON.stringify(header.origin)}`);
    const latest = this.#latestPending(log);
    if (!latest) return plain(422, 'no pending checkpoint: send add-checkpoint first');
    const { uploadStart, uploadEnd } = header;
    const mirrorSize = this.#mirrorSize(log);
    const target =
      log.pending.get(uploadEnd) ??
      (latest.checkpoint.size === uploadEnd ? latest : undefined) ??
      (uploadEnd === mirrorSize ? this.#mirrorPending(log) : undefined);
    if (!target) return this.#info(409, log, latest.checkpoint.size);
    if (uploadEnd < mirrorSize) return this.#info(409, log, latest.checkpoint.size);
    if (uploadStart > uploadEnd) return plain(400, `upload_start ${uploadStart} is beyond upload_end ${uploadEnd}`);
    const next = this.#nextEntry(log);
    if (uploadStart > next) return this.#info(409, log, uploadEnd);
    if (Math.min(uploadEnd, next) - uploadStart > this.#maxExcess) return this.#info(409, log, uploadEnd);

    const ranges = packageRanges(uploadStart, uploadEnd);
    let saved = 0;
    let committed = 0;
    for (const range of ranges) {
      let pkg: EntryPackage | undefined;
      try {
        pkg = await readPackage(reader, range.end - range.start);
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        // Partial bytes after the last valid package are discarded.
        if (saved === 0) return plain(400, `nothing valid: ${err.message}`);
        return this.#info(202, log, uploadEnd, committed);
      }
      if (pkg === undefined) {
        if (saved === 0) return plain(400, 'nothing valid: the body holds no entry package');
        return this.#info(202, log, uploadEnd, committed);
      }
      try {
        const verified = pkg;
        committed += await log.serial.run(() => this.#commitPackage(log, range, verified, target));
      } catch (err) {
        if (!(err instanceof DetenteError) || err.code === 'STORE_ERROR') throw err;
        return plain(422, `package [${range.start}, ${range.end}): ${err.message}`);
      }
      saved++;
    }
    if (!(await reader.atEnd())) {
      return plain(400, `the body goes on after the ${ranges.length} packages of [${uploadStart}, ${uploadEnd})`);
    }
    // Every entry up to upload_end is durable (each package's commit was awaited until flushed).
    if (this.#nextEntry(log) < uploadEnd) return this.#info(409, log, uploadEnd, committed);
    if (uploadEnd < this.#mirrorSize(log)) return this.#info(409, log, latest.checkpoint.size, committed);
    const cosignature = this.#cosign(log, target);
    if (committed > 0) this.#onCommitted?.(header.origin, uploadEnd);
    return { status: 200, contentType: PLAIN, body: cosignature, committed };
  }

  #mirrorPending(log: LogState): Pending | undefined {
    const note = mirroredCheckpoint(log.store);
    return note === undefined ? undefined : { note, checkpoint: parseCheckpoint(parseNote(note).text) };
  }

  /**
   * Verifies one package against the checkpoint of upload_end and commits what the store lacks of it; resolves once
   * that is durable. The commit does not wait for the disk on the event loop: its flush runs on libuv's pool and
   * commits of the other logs (and requests) go on meanwhile, sharing flushes (SqliteStore.appendDeferred). Run
   * under the log's lock, so the head read here is the durable one and nobody else moves it meanwhile.
   */
  async #commitPackage(log: LogState, range: PackageRange, pkg: EntryPackage, target: Pending): Promise<number> {
    const { subtreeStart, start, end } = range;
    const cp = target.checkpoint;
    // The subtree's first leaves (before upload_start) are ones the mirror holds: upload_start ≤ its next entry.
    const leaves: Uint8Array[] = [];
    if (start > subtreeStart) {
      const tile = log.store.tile(0, subtreeStart / 256);
      if (!tile || tile.length < (start - subtreeStart) * HASH_SIZE) {
        fail('STORE_ERROR', `the mirror of ${cp.origin} lacks leaves [${subtreeStart}, ${start})`);
      }
      for (let i = 0; i < start - subtreeStart; i++) leaves.push(tile.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    }
    for (const e of pkg.entries) leaves.push(this.#hasher.hashLeaf(e));
    const subtree = new CompactRange(this.#hasher);
    for (const h of leaves) subtree.append(h);
    verifySubtreeConsistency(this.#hasher, subtreeStart, end, cp.size, pkg.proof, subtree.root(), cp.root);

    const head = log.store.head();
    const size = head?.size ?? 0;
    if (size >= end) return 0; // another upload committed it first: the copies are proven identical
    if (size < start) fail('STORE_ERROR', `the mirror of ${cp.origin} is at ${size}, a package starts at ${start}`);
    const fresh = pkg.entries.slice(size - start);
    for (let i = 0; i < fresh.length; i++) log.validate?.(fresh[i]!, size + i);

    const integrator = resumeIntegrator(this.#hasher, size, head?.peaks ?? [], (l, i) => log.store.tile(l, i));
    const tiles = integrator.integrate(leaves.slice(size - subtreeStart));
    const root = integrator.root();
    let row: string;
    if (end === cp.size) {
      if (!equalBytes(root, cp.root))
        fail('PROOF_INVALID', `the entries up to ${end} do not give the checkpoint's root`);
      row = target.note;
    } else {
      const proof = consistencyFromPackageProof(pkg.proof, end, integrator.peaks());
      verifyConsistency(this.#hasher, end, cp.size, proof, root, cp.root);
      row = formatPending({ size: end, target: target.note, proof });
    }
    const { durable } = log.store.appendDeferred((current) => {
      if ((current?.size ?? 0) !== size) fail('STORE_ERROR', `the mirror of ${cp.origin} changed under this upload`);
      return {
        entries: fresh,
        tiles,
        head: { size: end, peaks: integrator.peaks(), checkpoint: row, time: this.#clock() },
      };
    });
    await durable;
    return fresh.length;
  }

  /**
   * The mirror's cosignature of a checkpoint whose entries it holds durably: stored once, reused after. The row is
   * not waited for: should a power loss undo it, the entries are still durable and the mirror cosigns again (a later
   * timestamp; the pusher keeps the first, and both are valid receipts).
   */
  #cosign(log: LogState, target: Pending): string {
    const size = target.checkpoint.size;
    const held = log.store
      .cosignatures(size)
      .find((c) => c.name === this.#cosigner.name && c.keyId === this.#cosigner.keyId);
    if (held) return `${held.line}\n`;
    const timestamp = Math.floor(this.#clock() / 1000);
    const line = this.#cosigner.cosignLine(parseNote(target.note).text, timestamp);
    log.store
      .addCosignatureDeferred({
        size,
        name: this.#cosigner.name,
        keyId: this.#cosigner.keyId,
        timestamp,
        line: line.trimEnd(),
      })
      .catch(() => {}); // a failed flush is the next append's error (SqliteStore refuses to go on)
    return line;
  }

  /**
   * The mirror checkpoint of `origin` with the mirror's cosignature, to serve under its origin hash. Entries the
   * polling fallback mirrored are durable too, so a verified row without a cosignature gets one here.
   */
  servedCheckpoint(origin: string): string | undefined {
    const log = this.#logs.get(origin);
    if (!log) return undefined;
    const mirror = this.#mirrorPending(log);
    if (!mirror) return undefined;
    return mirror.note + this.#cosign(log, mirror);
  }
}
