/**
 * A node's cosignature rounds, both directions:
 * - it asks each peer's witness to cosign the own log's latest checkpoint (C2SP tlog-witness add-checkpoint, with a
 *   consistency proof from the size that witness last cosigned; one request at a time per witness), and stores
 *   each cosignature returned once verified;
 * - it collects, from a peer, the cosignatures and receipts the peer serves for the checkpoint this node mirrors of
 *   its log (`/api/cosignatures`: the selection of federation/cosignature-selection.ts, at most 100 lines), and
 *   stores each that verifies under a witness or mirror key of another party than the log's.
 * Every line verified is remembered (federation/verified-lines.ts): the checkpoint this node serves carries it,
 * and is verified again there.
 */
import { formatSignatureLine, MAX_SIGNATURES, parseNote } from '../crypto/note.js';
import { readBounded } from '../federation/http-tile-source.js';
import { verifyCosignatureLine } from '../federation/verified-lines.js';
import { consistencyProofFromStore } from '../log/proofs.js';
import type { LogStore } from '../store/store.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import type { CosignatureVerifier } from '../tlog/cosignature.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import {
  formatAddCheckpointRequest,
  parseAddCheckpointResponse,
  parseTreeSizeBody,
  TREE_SIZE_CONTENT_TYPE,
} from '../tlog/witness-protocol.js';
import { mirroredCheckpoint } from './mirror.js';

/** Bounds on what a peer may send (M3): 100 cosignature lines, a witness's few lines. */
const MAX_COSIGNATURES_BYTES = 32 * 1024;
const MAX_WITNESS_REPLY_BYTES = 16 * 1024;

export interface CosignTarget {
  party: string;
  url: string;
  verifier: CosignatureVerifier;
  /** The size this peer's witness last cosigned, as far as we know. */
  size: number;
  /** The request in flight and those waiting for it (one at a time per witness). */
  queue?: Promise<void>;
}

export interface CosignatureClientOptions {
  /** The own party's id (the path of its log at each peer's witness). */
  party: string;
  /** The own log's store. */
  store: LogStore;
  hasher: Rfc6962Hasher;
  /** Each peer's witness. */
  targets: readonly CosignTarget[];
  /** A witness or mirror key of the regime (`<name>\n<key id>`), with its party. */
  cosigner: (key: string) => { party: string; verifier: CosignatureVerifier } | undefined;
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  logger: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Something the reads derive from changed (a cosignature was stored). */
  touch: () => void;
  closed: () => boolean;
}

export class CosignatureClient {
  readonly #o: CosignatureClientOptions;

  constructor(options: CosignatureClientOptions) {
    this.#o = options;
  }

  /** Asks every peer's witness to cosign the own log's latest checkpoint. */
  async requestAll(): Promise<void> {
    const { store } = this.#o;
    const head = store.head();
    if (!head || head.size === 0) return;
    // One request at a time per witness, each for the head at its turn: concurrent ones shared `t.size`, and an
    // older one then read the witness's newer size as "cosigned beyond our log".
    await Promise.all(
      this.#o.targets.map((t) => {
        const next = async () => {
          const current = store.head();
          if (current && !this.#o.closed()) await this.#request(t, current.checkpoint, current.size);
        };
        t.queue = (t.queue ?? Promise.resolve()).then(next, next);
        return t.queue;
      }),
    );
  }

  async #request(t: CosignTarget, note: string, size: number): Promise<void> {
    const { store, hasher, logger } = this.#o;
    if (t.size === size && store.cosignatures(size).some((c) => c.name === t.verifier.name)) return;
    const text = parseNote(note).text;
    for (let attempt = 0; attempt < 2; attempt++) {
      const old = t.size <= size ? t.size : 0;
      const proof = old > 0 && old < size ? consistencyProofFromStore(store, hasher, old, size).proof : [];
      let res: Response;
      try {
        res = await this.#o.fetch(`${t.url}/logs/${this.#o.party}/add-checkpoint`, {
          method: 'POST',
          body: formatAddCheckpointRequest({ oldSize: old, proof, checkpointNote: note }),
        });
      } catch (err) {
        logger('warn', `witness of ${t.party}: ${(err as Error).message}`);
        return;
      }
      let body: string;
      try {
        body = new TextDecoder().decode(await readBounded(res.url, res, MAX_WITNESS_REPLY_BYTES));
      } catch (err) {
        logger('warn', `witness of ${t.party}: ${(err as Error).message}`);
        return;
      }
      if (res.status === 200) {
        for (const sig of parseAddCheckpointResponse(body)) {
          if (sig.name !== t.verifier.name || sig.keyId !== t.verifier.keyId) continue;
          const line = formatSignatureLine(sig).trimEnd();
          const { timestamp } = verifyCosignatureLine(t.verifier, text, line);
          // Off the event loop, sharing the flush of the batches being appended (group commit).
          await store.addCosignatureDeferred({ size, name: sig.name, keyId: sig.keyId, timestamp, line });
          this.#o.touch();
        }
        t.size = size;
        return;
      }
      if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith(TREE_SIZE_CONTENT_TYPE)) {
        const theirs = parseTreeSizeBody(body);
        // Compared with our head now, not the one this request carried: a later batch may have been cosigned.
        if (theirs > (store.head()?.size ?? 0)) {
          logger('error', `the witness of ${t.party} cosigned size ${theirs} of our log, beyond our ${size}`);
          return;
        }
        t.size = theirs;
        continue;
      }
      logger('warn', `witness of ${t.party} answered ${res.status}: ${body.trim().slice(0, 300)}`);
      return;
    }
  }

  /**
   * Collects what the peer of `party` at `url` serves with the checkpoint this node mirrors of its log (held in
   * `store`): witness cosignatures and other parties' receipts, each stored once verified.
   */
  async collect(party: string, url: string, store: LogStore): Promise<void> {
    const note = mirroredCheckpoint(store);
    if (note === undefined) return;
    const text = parseNote(note).text;
    const { size, origin } = parseCheckpoint(text);
    if (size === 0) return;
    const at = `${url}/api/cosignatures?origin=${encodeURIComponent(origin)}&size=${size}`;
    const res = await this.#o.fetch(at);
    if (res.status !== 200) return;
    let body: { lines?: unknown; receipts?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(await readBounded(at, res, MAX_COSIGNATURES_BYTES)));
    } catch {
      return; // Too large or not JSON: nothing to learn this round.
    }
    const all = [
      ...(Array.isArray(body.lines) ? body.lines : []),
      ...(Array.isArray(body.receipts) ? body.receipts : []),
    ];
    if (all.length === 0 || all.length > MAX_SIGNATURES) return;
    const lines = all.filter((l): l is string => typeof l === 'string');
    const held = new Set(store.cosignatures(size).map((c) => c.line));
    for (const line of lines) {
      if (held.has(line)) continue;
      try {
        const [sig] = parseAddCheckpointResponse(line.endsWith('\n') ? line : `${line}\n`);
        // A witness's cosignature, or another party's receipt (its mirror cosignature): both count for time.
        const w = this.#o.cosigner(`${sig!.name}\n${sig!.keyId}`);
        if (!w || w.party === party) continue;
        const { timestamp } = verifyCosignatureLine(w.verifier, text, line);
        await store.addCosignatureDeferred({
          size,
          name: sig!.name,
          keyId: sig!.keyId,
          timestamp,
          line: line.trimEnd(),
        });
        this.#o.touch();
      } catch {
        // A line that does not verify is ignored: it proves nothing.
      }
    }
  }
}
