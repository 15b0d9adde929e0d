/**
 * A node's cosignature rounds, both directions:
 * - it asks each peer's witness to cosign the own log's latest checkpoint (C2SP tlog-witness add-checkpoint, with a
 *   consistency proof from the size that witness last cosigned; one request at a time per witness), and stores
 *   each cosignature returned once verified;
 * - it collects, from a peer, every cosignature and receipt the peer stores with its own log (its feed,
 *   `/api/cosignatures/feed`, read on from where the last look stopped), and stores each that verifies over this
 *   node's copy of the log at its size, under a witness or mirror key of another party than the log's;
 * - after a request to a peer ended without an answer (a push to its mirror, a request to its witness), it gathers
 *   that peer's feed of the own log (its receipts) or what its witness issued for it
 *   (`/api/witness/cosignatures`), so that a line the peer signed and stored then still reaches the author, and
 *   every mirror through the author's feed. Only then: reading them in every round cost the 57-node federation
 *   more idle CPU than its goal (docs/BENCHMARKS.md, session 13).
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

/** What a request that lost its answer may have left on the peer's side: its mirror's receipt, its witness's line. */
export type LostAnswer = 'receipt' | 'cosignature';

export class CosignatureClient {
  readonly #o: CosignatureClientOptions;
  /**
   * Per peer party, the last row read of its feed of its own log, of its feed of ours, and of what its witness
   * issued for ours (in memory: after a restart, read again from 0).
   */
  readonly #feedRead = new Map<string, number>();
  readonly #ownRead = new Map<string, number>();
  readonly #issuedRead = new Map<string, number>();
  /** Peers owing a look since a request to them lost its answer: at their mirror (`receipt`) or their witness. */
  readonly #owed = new Map<string, Set<LostAnswer>>();

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
        this.lostAnswer(t.party, 'cosignature');
        logger('warn', `witness of ${t.party}: ${(err as Error).message}`);
        return;
      }
      let body: string;
      try {
        body = new TextDecoder().decode(await readBounded(res.url, res, MAX_WITNESS_REPLY_BYTES));
      } catch (err) {
        this.lostAnswer(t.party, 'cosignature');
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
    await this.#readFeed(`${url}/api/cosignatures/feed`, party, store, mirrored.size, this.#feedRead, party);
  }

  /** A request to `party` ended without an answer: the peer may have signed and stored a line we never got. */
  lostAnswer(party: string, what: LostAnswer): void {
    const owed = this.#owed.get(party) ?? new Set<LostAnswer>();
    owed.add(what);
    this.#owed.set(party, owed);
  }

  /**
   * After a request to the peer of `party` at `url` lost its answer: gathers its feed of the own log (its receipts)
   * or what its witness issued for it. A line it signed and stored then is on its side only, and if we moved on
   * before asking again, we and the other mirrors would count that entry from a later line than it does, for good.
   * Read here, the line reaches our feed and every mirror through it. A feed not read to its end (the peer down, a
   * page refused) is owed still, for the next round.
   */
  async gather(party: string, url: string): Promise<void> {
    const owed = this.#owed.get(party);
    if (!owed) return;
    this.#owed.delete(party);
    const { store } = this.#o;
    const size = store.head()?.size ?? 0;
    const own = this.#o.party;
    const feeds: Record<LostAnswer, [string, Map<string, number>]> = {
      receipt: [`${url}/api/cosignatures/feed`, this.#ownRead],
      cosignature: [`${url}/api/witness/cosignatures`, this.#issuedRead],
    };
    for (const what of owed) {
      let read = false;
      try {
        const [feed, rows] = feeds[what];
        read = size === 0 || (await this.#readFeed(feed, own, store, size, rows, party));
      } finally {
        if (!read) this.lostAnswer(party, what);
      }
    }
  }

  /**
   * Reads a feed (`feed`: its URL without the query) of the log in `store` (`logParty`'s), page by page from the
   * row `read` holds under `key`, up to lines over size `upTo`, and stores each line that verifies. Whether it
   * reached the feed's end: a page that is not there, malformed or out of order, or a line beyond `upTo`, ends the
   * look early.
   */
  async #readFeed(
    feed: string,
    logParty: string,
    store: LogStore,
    upTo: number,
    read: Map<string, number>,
    key: string,
  ): Promise<boolean> {
    for (let page = 0; page < FEED_PAGES_PER_LOOK; page++) {
      const after = read.get(key) ?? 0;
      const at = `${feed}?origin=${encodeURIComponent(store.origin)}&after=${after}`;
      const res = await this.#o.fetch(at);
      if (res.status !== 200) return false;
      let body: { rows?: unknown; more?: unknown };
      try {
        body = JSON.parse(new TextDecoder().decode(await readBounded(at, res, MAX_FEED_BYTES)));
      } catch {
        return false; // Too large or not JSON: nothing to learn this round.
      }
      const rows = Array.isArray(body.rows) ? body.rows.slice(0, COSIGNATURE_FEED_PAGE) : [];
      // The signers held at each size the page names, read once a size (most rows are held already).
      const held = new Map<number, Set<string>>();
      let last = after;
      for (const r of rows) {
        // A row out of order or malformed ends the look; one over a checkpoint not held yet waits for it.
        if (!isFeedRow(r) || r.row <= last || r.size > upTo) return false;
        let signers = held.get(r.size);
        if (!signers) {
          signers = new Set(store.cosignatures(r.size).map((c) => `${c.name}\n${c.keyId}`));
          held.set(r.size, signers);
        }
        await this.#collectLine(logParty, store, r.size, r.line, signers);
        last = r.row;
        read.set(key, last);
      }
      if (body.more !== true || rows.length === 0) return true;
    }
    return false;
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
