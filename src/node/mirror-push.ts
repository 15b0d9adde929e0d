/**
 * The pushing side of C2SP tlog-mirror: as soon as a batch of the own log is durable, each peer's mirror is sent
 * the new checkpoint (add-checkpoint, with a consistency proof from the size it holds as pending) and the entries
 * it lacks (add-entries, at most 32 packages a request, gzip), until it answers 200 with its mirror cosignature:
 * the peer's receipt of everything up to that checkpoint. Verified cosignatures are stored with the own log's
 * checkpoint (LogStore.addCosignature), beside the witnesses'.
 *
 * One round per peer at a time; a push asked for while a round runs starts one more round when it ends, for the
 * head at that moment (pushes coalesce). A peer that is down costs one failed request a push; the polling mirror
 * (mirror.ts, on its slow interval) catches up after.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { concat } from '../crypto/bytes.js';
import { formatSignatureLine, parseNote } from '../crypto/note.js';
import { verifyCosignatureLine } from '../federation/verified-lines.js';
import type { LogStore } from '../store/store.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import { consistencyProof } from '../tlog/consistency.js';
import type { CosignatureVerifier } from '../tlog/cosignature.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import {
  encodeAddEntriesHeader,
  encodePackage,
  MAX_PACKAGES_PER_REQUEST,
  MIRROR_INFO_CONTENT_TYPE,
  packageRanges,
  parseMirrorInfo,
} from '../tlog/mirror-protocol.js';
import { subtreeConsistencyProof } from '../tlog/subtree.js';
import { TileNodeReader } from '../tlog/tile-node-reader.js';
import {
  formatAddCheckpointRequest,
  parseAddCheckpointResponse,
  parseTreeSizeBody,
  TREE_SIZE_CONTENT_TYPE,
} from '../tlog/witness-protocol.js';

const gzipAsync = promisify(gzip);
/** Requests a round may make before it gives up until the next push (a mirror that keeps moving the goalposts). */
const MAX_REQUESTS_A_ROUND = 64;

export interface MirrorTarget {
  party: string;
  /** The peer's mirror submission prefix, e.g. http://127.0.0.1:8001/mirror. */
  url: string;
  /** The peer's mirror cosignature verifier. */
  verifier: CosignatureVerifier;
}

interface TargetState extends MirrorTarget {
  /** The peer's pending size, as far as we know. */
  pendingSize: number;
  /** The peer's next entry, as far as we know. */
  next: number;
  /** The largest size the peer has cosigned. */
  cosigned: number;
  running?: Promise<void>;
  again: boolean;
}

export interface MirrorPusherOptions {
  store: LogStore;
  hasher: Rfc6962Hasher;
  targets: readonly MirrorTarget[];
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * An add-entries request to `party` ended without an answer (a timeout, a dropped connection): the mirror may
   * have signed and stored a receipt that never reached us.
   */
  unanswered?: (party: string) => void;
}

export class MirrorPusher {
  readonly #store: LogStore;
  readonly #hasher: Rfc6962Hasher;
  readonly #targets: TargetState[];
  readonly #fetch: MirrorPusherOptions['fetch'];
  readonly #logger: NonNullable<MirrorPusherOptions['logger']>;
  readonly #unanswered: NonNullable<MirrorPusherOptions['unanswered']>;
  #closed = false;

  constructor(options: MirrorPusherOptions) {
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#fetch = options.fetch;
    this.#logger = options.logger ?? (() => {});
    this.#unanswered = options.unanswered ?? (() => {});
    this.#targets = options.targets.map((t) => ({ ...t, pendingSize: 0, next: 0, cosigned: 0, again: false }));
  }

  /** Pushes the own log's head to every peer's mirror; resolves when each round (and any it queued) has ended. */
  push(): Promise<void> {
    return Promise.all(this.#targets.map((t) => this.#schedule(t))).then(() => {});
  }

  #schedule(t: TargetState): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (t.running) {
      t.again = true;
      return t.running;
    }
    t.running = (async () => {
      do {
        t.again = false;
        try {
          await this.#round(t);
        } catch (err) {
          this.#logger('warn', `mirror of ${t.party}: ${(err as Error).message}`);
        }
      } while (t.again && !this.#closed);
    })().finally(() => {
      t.running = undefined;
    });
    return t.running;
  }

  /** Waits for the rounds in flight and starts no more. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#targets.map((t) => t.running));
  }

  async #round(t: TargetState): Promise<void> {
    const head = this.#store.head();
    if (!head || head.size === 0 || t.cosigned >= head.size) return;
    const { size, checkpoint: note } = head;
    const reader = new TileNodeReader(this.#hasher, (l, i) => this.#store.tile(l, i));
    for (let requests = 0; requests < MAX_REQUESTS_A_ROUND; requests++) {
      if (this.#closed) return;
      if (t.pendingSize !== size) {
        const old = t.pendingSize;
        const proof = old === 0 || old > size ? [] : consistencyProof(this.#hasher, reader, old, size);
        const res = await this.#fetch(`${t.url}/add-checkpoint`, {
          method: 'POST',
          body: formatAddCheckpointRequest({ oldSize: Math.min(old, size), proof, checkpointNote: note }),
        });
        const body = await res.text();
        if (res.status === 200) {
          t.pendingSize = size;
        } else if (res.status === 409 && res.headers.get('content-type')?.startsWith(TREE_SIZE_CONTENT_TYPE)) {
          const theirs = parseTreeSizeBody(body);
          if (theirs > size) {
            this.#logger('error', `the mirror of ${t.party} holds size ${theirs} of our log, beyond our ${size}`);
            return;
          }
          if (theirs === t.pendingSize) return; // it refuses its own answer: nothing to gain by insisting
          t.pendingSize = theirs;
          continue;
        } else {
          this.#logger(
            'warn',
            `mirror of ${t.party}: add-checkpoint answered ${res.status}: ${body.trim().slice(0, 300)}`,
          );
          return;
        }
      }
      const start = Math.min(t.next, size);
      const ranges = packageRanges(start, size).slice(0, MAX_PACKAGES_PER_REQUEST);
      const parts = [
        encodeAddEntriesHeader({
          origin: this.#store.origin,
          uploadStart: start,
          uploadEnd: size,
          ticket: new Uint8Array(0),
        }),
      ];
      for (const r of ranges) {
        const entries = [...this.#store.entries(r.start, r.end)];
        parts.push(
          encodePackage({ entries, proof: subtreeConsistencyProof(this.#hasher, reader, r.subtreeStart, r.end, size) }),
        );
      }
      const request = await gzipAsync(concat(...parts));
      let res: Response;
      let body: string;
      try {
        res = await this.#fetch(`${t.url}/add-entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
          body: request,
        });
        body = await res.text();
      } catch (err) {
        this.#unanswered(t.party);
        throw err;
      }
      if (res.status === 200) {
        await this.#storeCosignatures(t, note, size, body);
        t.next = size;
        return;
      }
      if (
        (res.status === 202 || res.status === 409) &&
        res.headers.get('content-type')?.startsWith(MIRROR_INFO_CONTENT_TYPE)
      ) {
        const info = parseMirrorInfo(body);
        t.next = info.nextEntry;
        if (info.pendingSize !== size) t.pendingSize = info.pendingSize;
        continue;
      }
      this.#logger('warn', `mirror of ${t.party}: add-entries answered ${res.status}: ${body.trim().slice(0, 300)}`);
      return;
    }
    this.#logger('warn', `mirror of ${t.party}: gave up after ${MAX_REQUESTS_A_ROUND} requests`);
  }

  async #storeCosignatures(t: TargetState, note: string, size: number, body: string): Promise<void> {
    const text = parseNote(note).text;
    parseCheckpoint(text);
    for (const sig of parseAddCheckpointResponse(body)) {
      if (sig.name !== t.verifier.name || sig.keyId !== t.verifier.keyId) continue; // unknown keys are ignored
      const line = formatSignatureLine(sig).trimEnd();
      // Remembered: the checkpoint this node serves carries the line, verified again there.
      const { timestamp } = verifyCosignatureLine(t.verifier, text, line);
      if (!this.#store.cosignatures(size).some((c) => c.line === line)) {
        // Off the event loop, sharing the flush of the batches being appended (group commit).
        await this.#store.addCosignatureDeferred({ size, name: sig.name, keyId: sig.keyId, timestamp, line });
      }
      t.cosigned = Math.max(t.cosigned, size);
    }
  }
}
