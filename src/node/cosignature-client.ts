/**
 * A node's cosignature rounds, both directions:
 * - it asks each peer's witness to cosign the own log's latest checkpoint (C2SP tlog-witness add-checkpoint, with a
 *   consistency proof from the size that witness last cosigned; one request at a time per witness), and stores
 *   each cosignature returned once verified;
 * - it collects, from a peer, every cosignature and receipt the peer stores with its own log (its feed,
 *   `/api/cosignatures/feed`, read on from where the last look stopped), and stores each that verifies over this
 *   node's copy of the log at its size, under a witness or mirror key of another party than the log's.
 * Every line verified is remembered (federation/verified-lines.ts): the checkpoint this node serves carries it,
 * and is verified again there.
 */
import { formatSignatureLine, parseNote } from '../crypto/note.js';
import { readBounded } from '../federation/http-tile-source.js';
import { verifyCosignatureLine } from '../federation/verified-lines.js';
import { cosignedTextAt } from '../log/cosigned-text.js';
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

/** Bounds on what a peer may send (M3): a page of its cosignature feed, a witness's few lines. */
const MAX_WITNESS_REPLY_BYTES = 16 * 1024;
/** Rows a page of a log's cosignature feed holds at most (a row is about 150 bytes of JSON). */
export const COSIGNATURE_FEED_PAGE = 256;
/** A signature line: the name (at most a note's 255-byte key name) and a base64 signature of a few dozen bytes. */
const MAX_LINE = 512;
const MAX_FEED_BYTES = COSIGNATURE_FEED_PAGE * (MAX_LINE + 64);
/** Pages one look reads at most: a mirror far behind (a restart reads the feed from its start) goes on next round. */
const FEED_PAGES_PER_LOOK = 16;

/** One row of a log's cosignature feed (PartyNode.cosignatureFeed). */
export interface CosignatureFeedRow {
  /** The row's place in the store of the node serving it: the cursor for the next page. */
  row: number;
  size: number;
  line: string;
}

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
  /** The root of this node's copy of a peer's log at `size` (at most the size it mirrors). */
  rootAt: (party: string, size: number) => Uint8Array;
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  logger: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Something the reads derive from changed (a cosignature was stored). */
  touch: () => void;
  closed: () => boolean;
}

export class CosignatureClient {
  readonly #o: CosignatureClientOptions;
  /** Per peer party, the last row of its cosignature feed read (in memory: after a restart, read again from 0). */
  readonly #feedRead = new Map<string, number>();

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
   * Collects, from the author of a log this node mirrors (the peer of `party` at `url`; the mirror's copy in
   * `store`), every cosignature and receipt it has stored since the last look: its cosignature feed, page by page
   * from where the last look stopped. Each line over this mirror's copy of the log (at any size up to the one it
   * mirrors) is stored once it verifies under a witness or mirror key of another party than the log's. The whole
   * feed, not only the lines of the checkpoint mirrored now: a cosignature that reaches the author after this
   * mirror moved past its checkpoint, or over a checkpoint it never held, still counts here as at every other node
   * (they differed by a second now and then otherwise).
   */
  async collect(party: string, url: string, store: LogStore): Promise<void> {
    const note = mirroredCheckpoint(store);
    if (note === undefined) return;
    const mirrored = parseCheckpoint(parseNote(note).text);
    if (mirrored.size === 0) return;
    for (let page = 0; page < FEED_PAGES_PER_LOOK; page++) {
      const after = this.#feedRead.get(party) ?? 0;
      const at = `${url}/api/cosignatures/feed?origin=${encodeURIComponent(mirrored.origin)}&after=${after}`;
      const res = await this.#o.fetch(at);
      if (res.status !== 200) return;
      let body: { rows?: unknown; more?: unknown };
      try {
        body = JSON.parse(new TextDecoder().decode(await readBounded(at, res, MAX_FEED_BYTES)));
      } catch {
        return; // Too large or not JSON: nothing to learn this round.
      }
      const rows = Array.isArray(body.rows) ? body.rows.slice(0, COSIGNATURE_FEED_PAGE) : [];
      // The signers held at each size the page names, read once a size (most rows are held already).
      const held = new Map<number, Set<string>>();
      let read = after;
      for (const r of rows) {
        // A row out of order or malformed ends the look; one over a checkpoint not mirrored yet waits for it.
        if (!isFeedRow(r) || r.row <= read || r.size > mirrored.size) return;
        let signers = held.get(r.size);
        if (!signers) {
          signers = new Set(store.cosignatures(r.size).map((c) => `${c.name}\n${c.keyId}`));
          held.set(r.size, signers);
        }
        await this.#collectLine(party, store, r.size, r.line, signers);
        read = r.row;
        this.#feedRead.set(party, read);
      }
      if (body.more !== true || rows.length === 0) return;
    }
  }

  /**
   * Stores one line of the author's feed if it verifies over the mirror's own checkpoint of `size` (cosignedTextAt:
   * the one it holds, or, for one it never held, that of its own tree at that size). A line over any other text
   * cannot verify, and is ignored.
   */
  async #collectLine(party: string, store: LogStore, size: number, line: string, held: Set<string>): Promise<void> {
    try {
      const [sig] = parseAddCheckpointResponse(`${line}\n`);
      const key = `${sig!.name}\n${sig!.keyId}`;
      // A witness's cosignature, or another party's receipt (its mirror cosignature): both count for time.
      const w = this.#o.cosigner(key);
      if (!w || w.party === party || held.has(key)) return;
      const text = cosignedTextAt(store, size, () => this.#o.rootAt(party, size));
      if (text === undefined) return;
      const { timestamp } = verifyCosignatureLine(w.verifier, text, line);
      await store.addCosignatureDeferred({ size, name: sig!.name, keyId: sig!.keyId, timestamp, line });
      held.add(key);
      this.#o.touch();
    } catch {
      // A line that does not verify is ignored: it proves nothing.
    }
  }
}

function isFeedRow(r: unknown): r is CosignatureFeedRow {
  if (typeof r !== 'object' || r === null) return false;
  const { row, size, line } = r as Record<string, unknown>;
  return (
    Number.isSafeInteger(row) &&
    Number.isSafeInteger(size) &&
    (size as number) > 0 &&
    typeof line === 'string' &&
    line.length <= MAX_LINE &&
    !line.includes('\n')
  );
}
