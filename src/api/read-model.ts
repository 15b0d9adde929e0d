/**
 * What the read API serves, kept in memory and shared by every request (H4 of the red team: each request used to
 * decode every entry and fold the engine again, so a few dozen strangers froze the node and its peers' calls).
 *
 * - The node decodes each entry once (`PartyNode.indexEntries`); a *snapshot* is every entry with the time it
 *   counts from, in the engine's canonical order, built once per data version (`PartyNode.dataVersion`: a log
 *   grew, a cosignature, blob or evidence arrived). `/api/entries` pages through it.
 * - The engine's folds follow the snapshots (fold-cache.ts): reused while their input is unchanged, extended when
 *   the new order only adds entries after those applied, folded again from the start when an applied entry moved.
 *   In slices between turns of the event loop, so `GET /logs`, the witness and the peers' fetches are served
 *   meanwhile. One build and one fold run at a time; every request waiting for the same version shares them.
 * - A state as of an earlier date folds the prefix counted by then, kept while that prefix is unchanged. Answers
 *   are kept per fold and date (bounded), and an answer for "now" is reused for a second while the fold is the same.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../crypto/canonical-json.js';
import { OpenedEntries } from '../engine/confidential.js';
import { Engine } from '../engine/engine.js';
import { compareEntries } from '../engine/order.js';
import type { EngineEntry } from '../engine/types.js';
import { ZoneIndex } from '../engine/zones.js';
import type { Item } from '../model/index.js';
import { Complaints } from '../node/complaints.js';
import type { NodeEntry, PartyNode } from '../node/node.js';
import { bordersFor } from '../runtime/borders.js';
import { CheckedBodies } from '../runtime/checked-bodies.js';
import { symmetricNode } from '../runtime/node-crypto.js';
import { openAhead, SyncSealedOpener } from '../runtime/sealed-openers.js';
import { FoldCache, type Folded, type ForkCharge, sameInputs } from './fold-cache.js';

/** Entries decoded between two turns of the event loop (each slice takes a few ms). */
const SLICE = 500;
/** How long an answer "as of now" is reused while the fold does not change. */
const NOW_REUSE_MS = 1000;
/** Sealed entries to open in one fold from which opening them on worker threads pays for starting those. */
const OPEN_AHEAD_FROM = 4096;

export interface ReadModelOptions {
  /**
   * Sealed entries not yet opened from which a fold opens them ahead on worker threads (runtime/sealed-openers.ts:
   * the same openings; default OPEN_AHEAD_FROM); Infinity opens them all in the engine.
   */
  openAheadFrom?: number;
}

export type IndexedEntry = NodeEntry & {
  moreItems?: readonly Item[];
  blobs?: readonly (Uint8Array | undefined)[];
  contentKey?: Uint8Array;
};

export interface Snapshot {
  version: string;
  /** Every entry, in canonical order (engine/order.ts). */
  entries: readonly IndexedEntry[];
}

/** The state and the findings as canonical JSON, encoded once (a flood of readers is sent the same bytes). */
export interface Answer {
  state: Buffer;
  findings: Buffer;
}

/** Runs jobs one after another; a job asked for again while queued or running is shared. */
class SharedQueue<T> {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #jobs = new Map<string, Promise<T>>();

  run(key: string, job: () => Promise<T>): Promise<T> {
    const queued = this.#jobs.get(key);
    if (queued) return queued;
    const p = this.#tail.then(job);
    this.#tail = p.catch(() => {});
    this.#jobs.set(key, p);
    const forget = () => this.#jobs.delete(key);
    p.then(forget, forget);
    return p;
  }
}

export class ReadModel {
  readonly #node: PartyNode;
  readonly #zones: ZoneIndex;
  #snapshot: Snapshot | undefined;
  readonly #builds = new SharedQueue<Snapshot>();
  readonly #folds: FoldCache;
  /** The data version the current full fold is of. */
  #foldedVersion: string | undefined;
  readonly #foldQueue = new SharedQueue<Folded>();
  readonly #pastQueue = new SharedQueue<Folded>();
  readonly #answers = new LRUCache<string, Answer>({ max: 64 });
  #now: { fold: number; at: number } | undefined;
  /** The sealed entries opened by a fold, so that the next opens each once only (engine/confidential.ts). */
  readonly #opened = new OpenedEntries();
  /** A declaration's further items, once its blobs have arrived (they never change then). */
  readonly #more = new Map<string, readonly Item[]>();

  /** The public view (no keys: what a stranger sees), or the party's (every sealed entry its party may read). */
  readonly view: 'party' | 'public';

  /** The party view files a complaint for each sealed entry it may read that does not open (issue 14). */
  readonly complaints: Complaints | undefined;

  readonly #openAheadFrom: number;

  constructor(node: PartyNode, view: 'party' | 'public' = 'party', options: ReadModelOptions = {}) {
    this.#node = node;
    this.view = view;
    this.#openAheadFrom = options.openAheadFrom ?? OPEN_AHEAD_FROM;
    if (view === 'party') {
      const user = { name: 'node', party: node.party.id, roles: ['declarant' as const] };
      this.complaints = new Complaints({
        regime: node.regime,
        party: node.party.id,
        sym: symmetricNode,
        sha256: node.suite.sha256,
        submit: (request) => node.submissions.submit(user, request),
        logger: node.logger,
      });
    }
    this.#zones = new ZoneIndex(node.regime, bordersFor(node.regime));
    this.#folds = new FoldCache(
      () =>
        new Engine({
          regime: node.regime,
          regimeHash: node.regimeHash,
          zones: this.#zones,
          sym: symmetricNode,
          sha256: node.suite.sha256,
          opened: this.#opened,
        }),
      (entries) => this.#openAhead(entries),
    );
  }

  /** Whether the fold already holds the opening of a sealed entry with its key (opened by an earlier fold). */
  #held = (e: EngineEntry): boolean =>
    e.envelope.type === 'sealed' &&
    e.contentKey !== undefined &&
    !!this.#opened.get(e.leafHash, e.envelope, e.contentKey);

  /**
   * A fold's entries, with their sealed openings computed ahead on worker threads when there are many not yet opened
   * (a restarted node's first fold, as foldDir does): this thread folds while the workers decrypt. The workers live
   * for that one fold.
   */
  #openAhead(entries: readonly EngineEntry[]): Iterable<EngineEntry> {
    let toOpen = 0;
    for (const e of entries) if (e.envelope.type === 'sealed' && e.contentKey && !this.#held(e)) toOpen++;
    if (toOpen < this.#openAheadFrom) return entries;
    const held = this.#held;
    // The bodies this node checked before, by its stores' record (a restart's fold then only decrypts them), and
    // those this fold checks, recorded once it has read them all.
    const record = new CheckedBodies(this.#node.logs(), true);
    const node = this.#node;
    return (function* () {
      const opener = new SyncSealedOpener();
      try {
        yield* openAhead(entries, opener, {
          skip: held,
          checked: (e) => record.has(e),
          onChecked: (e) => record.add(e),
        });
        try {
          const n = record.save();
          if (n) node.logger('info', `recorded ${n} sealed bodies as checked (the next fold only decrypts them)`);
        } catch (err) {
          // The fold stands; the next one checks these bodies again.
          node.logger('warn', `could not record the sealed bodies checked: ${(err as Error).message}`);
        }
      } finally {
        opener.close();
      }
    })();
  }

  /** The node's clock: an exercise's simulated now, else the wall clock. What "as of now" means. */
  now(): number {
    return this.#node.now();
  }

  /** Every entry as of the node's current data version. */
  snapshot(): Promise<Snapshot> {
    const version = this.#node.dataVersion();
    if (this.#snapshot?.version === version) return Promise.resolve(this.#snapshot);
    return this.#builds.run(version, () => this.#build());
  }

  async #build(): Promise<Snapshot> {
    // Decoding new entries is the slow part (a restarted node decodes them all): in slices.
    while (!this.#node.indexEntries(SLICE)) await nextTurn();
    // The audience keys its party may read (asynchronous: HPKE), so that the fold below can open sealed entries.
    const reader = this.view === 'party';
    const before = this.#node.dataVersion();
    const all = this.#node.allEntries();
    if (reader) await this.#node.submissions.audienceKeys.readAll(all);
    // From here on synchronous, so the version read is the one the entries are of.
    const version = this.#node.dataVersion();
    if (this.#snapshot?.version === version) return this.#snapshot;
    const keys = this.#node.submissions.audienceKeys;
    const entries: IndexedEntry[] = (version === before ? all : this.#node.allEntries()).map((e) => {
      if (e.envelope.type === 'sealed') {
        if (!reader) return e;
        const contentKey = keys.contentKey(e.leafHash, e.envelope);
        if (!contentKey) return e;
        // Its blobs' ciphertexts, which the engine opens with the entry (they may reach a mirror after the entry).
        const blobs = this.#node.sealedBlobs(e);
        return blobs ? { ...e, contentKey, blobs } : { ...e, contentKey };
      }
      const moreItems = this.#moreItems(e);
      if (moreItems) return { ...e, moreItems };
      // An opening's blobs (each checked against its hash by the engine); they may reach a mirror after the entry.
      const blobs = this.#node.openingBlobs(e);
      return blobs ? { ...e, blobs } : e;
    });
    entries.sort(compareEntries);
    // Most versions leave every entry as it was (a cosignature that moved no counted time): keep the entries held.
    const previous = this.#snapshot?.entries;
    const same = previous?.length === entries.length && sameInputs(previous, entries, entries.length);
    this.#snapshot = { version, entries: same ? previous : entries };
    return this.#snapshot;
  }

  #moreItems(e: NodeEntry): readonly Item[] | undefined {
    if (e.envelope.type !== 'declaration') return undefined;
    const key = `${e.origin}\n${e.index}`;
    let items = this.#more.get(key);
    if (!items) {
      items = this.#node.moreItems(e);
      if (items) this.#more.set(key, items);
    }
    return items;
  }

  /** The full fold of a snapshot: of `snapshot` or a newer one (folding back to an older one would be wasted). */
  async engine(snapshot: Snapshot): Promise<Folded> {
    const current = this.#folds.full;
    if (current && this.#foldedVersion === snapshot.version) return current;
    return this.#foldQueue.run(snapshot.version, async () => {
      const newest = this.#snapshot!;
      const folded = await this.#folds.fold(newest.entries, this.#forks());
      this.#foldedVersion = newest.version;
      // After the fold, so that each sealed entry is checked with the opening the fold kept, not decrypted again.
      this.complaints?.check(newest.entries, (e) =>
        e.contentKey && e.envelope.type === 'sealed'
          ? this.#opened.get(e.leafHash, e.envelope, e.contentKey)
          : undefined,
      );
      return folded;
    });
  }

  /** An engine that can answer as of `asOf` (FoldCache.asOf), one fold at a time. */
  engineAsOf(full: Folded, asOf: number): Promise<Folded> {
    if ((full.entries.at(-1)?.countedAt ?? Number.NEGATIVE_INFINITY) <= asOf) return Promise.resolve(full);
    return this.#pastQueue.run(`${full.id}\n${asOf}`, () => this.#folds.asOf(full, asOf, this.#forks()));
  }

  #forks(): ForkCharge[] {
    return this.#node.forks().map((f) => ({
      origin: f.origin,
      party: f.party,
      size: f.size,
      foldedTo: f.foldedTo,
      evidence: f.file,
    }));
  }

  /**
   * The state and findings as canonical JSON (the same entries give the same bytes on every node), as of `asOf`
   * (ms), or now when undefined. Answers are kept per fold and date: a new data version that leaves the fold's
   * input unchanged reuses them.
   */
  async answer(asOf: number | undefined): Promise<Answer> {
    for (;;) {
      const full = await this.engine(await this.snapshot());
      let at = asOf;
      if (at === undefined) {
        const now = this.now();
        const reuse = this.#now?.fold === full.id && now - this.#now.at < NOW_REUSE_MS;
        if (!reuse) this.#now = { fold: full.id, at: now };
        at = this.#now!.at;
      }
      const folded = await this.engineAsOf(full, at);
      // The full fold is extended in place by the next one: evaluate it only while it is still the current one.
      if (folded === full && this.#folds.full !== full) continue;
      const key = `${folded.id}\n${at}`;
      const kept = this.#answers.get(key);
      if (kept) return kept;
      const result = folded.engine.evaluate(at);
      const answer = {
        state: Buffer.from(canonicalJson(result.state)),
        findings: Buffer.from(canonicalJson({ findings: result.findings })),
      };
      this.#answers.set(key, answer);
      return answer;
    }
  }
}
