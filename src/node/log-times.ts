/**
 * Gathers, for one log a node holds, what `countedTimes` (src/federation/counted-time.ts) needs from the node's
 * files: the checkpoints of its verified copy with their roots, every cosignature held over them (stored with the
 * log, and those this node's own witness issued, each with the root it signed), and the entries' signed times.
 * Roots and signed times of a verified prefix never change, so both are cached and only extended.
 */
import { toBase64, toHex } from '../crypto/bytes.js';
import { COSIGNATURE_EVIDENCE_FORMAT, type CosignatureEvidence } from '../federation/cosignature-evidence.js';
import {
  type CountedTimes,
  countedTimesByReceipt,
  type RefusedCosignature,
  type TimedCheckpoint,
  type TimedCosignature,
} from '../federation/counted-time.js';
import { inclusionProofFromStore } from '../log/proofs.js';
import { decodeEntry } from '../model/index.js';
import type { LogStore, StoredCosignature } from '../store/store.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { rangeHash } from '../tlog/node-reader.js';
import { TileNodeReader } from '../tlog/tile-node-reader.js';
import type { IssuedCosignature } from './witness.js';

/** What a refusal carries back to the node: the line and the checkpoint it signed. */
export interface CosignatureRef {
  line: string;
  /** The cosigned checkpoint note (the node's own copy, or the one the node's witness was shown). */
  note: string;
}

export class LogTimes {
  readonly #store: LogStore;
  readonly #hasher: Rfc6962Hasher;
  readonly #roots = new Map<number, string>();
  /** Prefix maxima of the entries' `issuedAt` (ms): `#signed[i]` covers entries 0..i. */
  readonly #signed: number[] = [];
  #reader: TileNodeReader | undefined;
  /** What compute has read so far: checkpoint sizes (ascending), stored and issued cosignatures with their rows. */
  readonly #sizes: number[] = [];
  readonly #hasRecord = new Set<number>();
  /** Sizes with cosignatures (stored or issued) but no checkpoint record (yet). */
  readonly #unheld = new Set<number>();
  readonly #stored = new Map<number, StoredCosignature[]>();
  #storedRow = 0;
  readonly #issued = new Map<number, TimedCosignature[]>();
  #issuedId = 0;
  /** Per size, the stored cosignatures as counted-time inputs, and those merged with our witness's: built once. */
  readonly #timedStored = new Map<number, TimedCosignature[]>();
  readonly #merged = new Map<number, readonly TimedCosignature[]>();

  constructor(store: LogStore, hasher: Rfc6962Hasher) {
    this.#store = store;
    this.#hasher = hasher;
  }

  /** The root (hex) of the node's copy at `size` (≤ its verified size). */
  rootAt(size: number): string {
    let root = this.#roots.get(size);
    if (root === undefined) {
      this.#reader ??= new TileNodeReader(this.#hasher, (level, index) => this.#store.tile(level, index));
      root = toHex(rangeHash(this.#hasher, this.#reader, 0, size));
      this.#roots.set(size, root);
    }
    return root;
  }

  /** The latest signed time (ms) among the first `size` entries. */
  latestSigned(size: number): number {
    if (size === 0) return Number.NEGATIVE_INFINITY;
    if (this.#signed.length < size) {
      let index = this.#signed.length;
      let max = index === 0 ? Number.NEGATIVE_INFINITY : this.#signed[index - 1]!;
      for (const leaf of this.#store.entries(index, size)) {
        max = Math.max(max, Date.parse(decodeEntry(leaf).envelope.issuedAt));
        this.#signed[index++] = max;
      }
    }
    return this.#signed[size - 1]!;
  }

  /** The first index below `size` whose entry was signed at `time` (a prefix maximum: the entry that set it). */
  firstSignedAt(size: number, time: number): number {
    this.latestSigned(size);
    const i = this.#signed.findIndex((t, index) => index < size && t === time);
    return i < 0 ? size - 1 : i;
  }

  /**
   * Counted times up to `verified` (the served size). `receipts` are the mirror keys whose cosignatures are
   * receipts (they bind), `witnesses` the witness keys that count where no receipt covers a checkpoint;
   * `issuedSince(id)` gives this node's own witness's cosignatures of the log after row `id`, if it witnesses it.
   * Receipts are stored with the log: the author's node stores the 200s of its pushes, a mirror its own receipt and
   * those it fetches from the author.
   *
   * Incremental: checkpoints and cosignatures only ever append (a checkpoint is stored with each batch, a
   * cosignature row is never rewritten), so each call reads from SQLite only those added since the last, and folds
   * what it holds in memory. The result equals a full recomputation (test/node-log-times.test.ts).
   */
  compute(
    verified: number,
    receipts: ReadonlyMap<string, string>,
    witnesses: ReadonlyMap<string, string>,
    issuedSince: (id: number) => readonly (IssuedCosignature & { id: number })[] = () => [],
  ): CountedTimes {
    this.#gather(issuedSince);
    const checkpoints: TimedCheckpoint[] = [];
    for (const size of this.#sizes) {
      if (size > verified) break;
      checkpoints.push({ size, root: this.rootAt(size), cosignatures: this.#cosignaturesAt(size) });
    }
    // Sizes cosigned over this node's tree without a checkpoint record here: lines a mirror that caught up past a
    // checkpoint took from the author's feed, and trees shown to our own witness that the log may never publish.
    for (const size of this.#unheld) {
      if (size === 0 || size > verified) continue;
      checkpoints.push({ size, root: this.rootAt(size), cosignatures: this.#cosignaturesAt(size) });
    }
    return countedTimesByReceipt({
      checkpoints,
      latestSigned: (n) => this.latestSigned(n),
      witnesses,
      receipts,
    });
  }

  /** Reads the checkpoints and cosignatures added since the last call. */
  #gather(issuedSince: (id: number) => readonly (IssuedCosignature & { id: number })[]): void {
    const last = this.#sizes.length === 0 ? 0 : this.#sizes[this.#sizes.length - 1]!;
    for (const r of this.#store.checkpointRecords(last)) {
      if (r.size === 0) continue;
      this.#sizes.push(r.size);
      this.#hasRecord.add(r.size);
      this.#unheld.delete(r.size);
      // Cosignatures that arrived before their checkpoint's record get their note now.
      this.#timedStored.delete(r.size);
    }
    for (const s of this.#store.cosignaturesSince(this.#storedRow)) {
      this.#storedRow = s.row;
      const at = this.#stored.get(s.size);
      if (at) at.push(s);
      else this.#stored.set(s.size, [s]);
      if (!this.#hasRecord.has(s.size)) this.#unheld.add(s.size);
      this.#timedStored.delete(s.size);
    }
    for (const w of issuedSince(this.#issuedId)) {
      this.#issuedId = w.id;
      const ref: CosignatureRef = { line: w.line, note: '' };
      const timed = { witness: `${w.name}\n${w.keyId}`, timestamp: w.timestamp, root: toHex(w.root), ref };
      const at = this.#issued.get(w.size);
      if (at) at.push(timed);
      else this.#issued.set(w.size, [timed]);
      if (!this.#hasRecord.has(w.size)) this.#unheld.add(w.size);
      this.#merged.delete(w.size);
    }
  }

  /** The cosignatures over the checkpoint of `size`: those stored with the log, then our own witness's. */
  #cosignaturesAt(size: number): readonly TimedCosignature[] {
    let merged = this.#merged.get(size);
    let stored = this.#timedStored.get(size);
    if (stored === undefined) {
      stored = [];
      const rows = this.#stored.get(size) ?? [];
      // Stored cosignatures were verified over the checkpoint this store holds for that size.
      const note = rows.length > 0 ? (this.#store.checkpoint(size) ?? '') : '';
      const root = this.rootAt(size);
      for (const s of rows) {
        const ref: CosignatureRef = { line: s.line, note };
        stored.push({ witness: `${s.name}\n${s.keyId}`, timestamp: s.timestamp, root, ref });
      }
      this.#timedStored.set(size, stored);
      merged = undefined;
    }
    if (merged === undefined) {
      merged = [...stored, ...(this.#issued.get(size) ?? [])];
      this.#merged.set(size, merged);
    }
    return merged;
  }

  /**
   * The offline-checkable evidence for a refused cosignature, when the node holds what proves it: the signed note
   * it was over (our own witness's cosignatures carry none, and are our own doing), and for `before-signed` the
   * entry with its inclusion proof, for the pair rules the cosignature that set the bound.
   */
  refusalEvidence(
    r: RefusedCosignature,
    logVkey: string,
    witnessVkey: (key: string) => string | undefined,
  ): CosignatureEvidence | undefined {
    const ref = r.cosignature.ref as CosignatureRef | undefined;
    const vkey = witnessVkey(r.cosignature.witness);
    if (!ref?.note || !vkey || r.rule === 'other-root') return undefined;
    const base = {
      format: COSIGNATURE_EVIDENCE_FORMAT,
      rule: r.rule,
      logVkey,
      witnessVkey: vkey,
      cosigned: `${ref.note}${ref.line.trimEnd()}\n`,
    } as const;
    if (r.rule === 'before-signed') {
      const index = this.firstSignedAt(r.size, r.bound!);
      const proof = inclusionProofFromStore(this.#store, this.#hasher, index, r.size);
      const leaf = toBase64(this.#store.entry(index)!);
      return { ...base, entry: { index, leaf, proof: proof.proof.map(toBase64) } };
    }
    const earlier = r.because?.cosignature.ref as CosignatureRef | undefined;
    const earlierVkey = r.because && witnessVkey(r.because.cosignature.witness);
    if (!earlier?.note || !earlierVkey) return undefined;
    return { ...base, earlier: { witnessVkey: earlierVkey, cosigned: `${earlier.note}${earlier.line.trimEnd()}\n` } };
  }
}
