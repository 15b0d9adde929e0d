/**
 * A node's part in push mirroring (C2SP tlog-mirror), composed from the regime: the receiver of every peer's log
 * (cosigning with this party's `mirror` key, `<origin>/mirror`), the pusher of its own log to every peer that has a
 * mirror key, and the receipts: the counterpart mirror cosignatures of the own log's checkpoints.
 *
 * Without a `mirror` key in the regime for this party there is no receiver; peers without one are not pushed to.
 * The polling mirror (mirror.ts) goes on beside it on `mirror.syncEveryMs`, for a peer that was down.
 */
import type { CryptoSuite } from '../crypto/suite.js';
import type { Party, Regime } from '../model/index.js';
import type { LogStore } from '../store/store.js';
import { type CosignatureVerifier, cosignerFromSeed, parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { mirrorKeyOf, mirrorName, mirrorVkeyOf, readSeed } from './config.js';
import { MirrorPusher } from './mirror-push.js';
import { type MirroredLog, MirrorReceiver } from './mirror-receiver.js';

/** A peer's mirror cosignature of one of the own log's checkpoints: its receipt of every entry up to it. */
export interface MirrorReceipt {
  party: string;
  name: string;
  keyId: number;
  /** POSIX seconds, from the cosignature. */
  timestamp: number;
  line: string;
}

export interface PushMirroringOptions {
  dir: string;
  party: Party;
  regime: Regime;
  suite: CryptoSuite;
  hasher: Rfc6962Hasher;
  ownStore: LogStore;
  /** Each peer's log as this node mirrors it, with the peer's base URL. */
  peers: readonly (MirroredLog & { party: string; url: string })[];
  clock: () => number;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  logger: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * What to do after a peer's push moved its mirror checkpoint (the node's polling round: blobs, the peer's
   * cosignatures). Calls coalesce: one round at a time per peer, and one more if pushes came meanwhile.
   */
  follow?: (party: string) => Promise<void>;
  /** A push to `party` ended without an answer (MirrorPusherOptions.unanswered). */
  unanswered?: (party: string) => void;
}

export class PushMirroring {
  readonly receiver: MirrorReceiver | undefined;
  readonly pusher: MirrorPusher;
  readonly #ownStore: LogStore;
  readonly #verifiers = new Map<string, { party: string; verifier: CosignatureVerifier }>();
  readonly #following = new Map<string, { again: boolean; done: Promise<void> }>();
  #closed = false;

  constructor(o: PushMirroringOptions) {
    this.#ownStore = o.ownStore;
    const key = mirrorKeyOf(o.party);
    if (key) {
      this.receiver = new MirrorReceiver({
        logs: o.peers,
        cosigner: cosignerFromSeed(o.suite, mirrorName(o.party), readSeed(o.dir, key.id)),
        suite: o.suite,
        clock: o.clock,
        onCommitted: (origin) => {
          const peer = o.peers.find((p) => p.store.origin === origin);
          if (peer && o.follow) this.#follow(peer.party, o.follow);
        },
      });
    }
    const targets = [];
    for (const peer of o.peers) {
      const p = o.regime.parties.find((x) => x.id === peer.party);
      const vkey = p && mirrorVkeyOf(p, o.suite);
      if (!vkey) continue;
      const verifier = parseCosignatureVerifierKey(vkey, o.suite);
      this.#verifiers.set(`${verifier.name}\n${verifier.keyId}`, { party: peer.party, verifier });
      targets.push({ party: peer.party, url: `${peer.url}/mirror`, verifier });
    }
    this.pusher = new MirrorPusher({
      store: o.ownStore,
      hasher: o.hasher,
      targets,
      fetch: o.fetch,
      logger: o.logger,
      ...(o.unanswered ? { unanswered: o.unanswered } : {}),
    });
  }

  /** Whether (name, key ID) is a mirror key: a peer's or this node's own. */
  isMirrorKey(name: string, keyId: number): boolean {
    return (
      this.#verifiers.has(`${name}\n${keyId}`) ||
      (this.receiver !== undefined && this.receiver.cosignerName === name && this.receiver.cosignerKeyId === keyId)
    );
  }

  /** The counterparts' mirror cosignatures of the own log's checkpoint of `size` (each verified when stored). */
  receipts(size: number): MirrorReceipt[] {
    const out: MirrorReceipt[] = [];
    for (const c of this.#ownStore.cosignatures(size)) {
      const v = this.#verifiers.get(`${c.name}\n${c.keyId}`);
      if (v) out.push({ party: v.party, name: c.name, keyId: c.keyId, timestamp: c.timestamp, line: c.line });
    }
    return out;
  }

  #follow(party: string, follow: (party: string) => Promise<void>): void {
    const running = this.#following.get(party);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    this.#following.set(party, state);
    state.done = (async () => {
      do {
        state.again = false;
        await follow(party).catch(() => {}); // the round reports its own errors
      } while (state.again && !this.#closed);
    })().finally(() => this.#following.delete(party));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.pusher.close();
    await Promise.allSettled([...this.#following.values()].map((f) => f.done));
  }
}
