/**
 * What the read API serves, kept in memory and shared by every request (H4 of the red team: each request used to
 * decode every entry and fold the engine again, so a few dozen strangers froze the node and its peers' calls).
 *
 * - The node decodes each entry once (`PartyNode.indexEntries`); a *snapshot* is every entry with the time it
 *   counts from, in the engine's canonical order, built once per data version (`PartyNode.dataVersion`: a log
 *   grew, a cosignature, blob or evidence arrived). `/api/entries` pages through it.
 * - The engine's fold follows the snapshots: when the new order only adds entries after those already applied, it
 *   applies just those; when a cosignature moved an entry's counted time (the order changed), it folds again from
 *   the start. Either way in slices between turns of the event loop, so `GET /logs`, the witness and the peers'
 *   fetches are served meanwhile. One build and one fold run at a time; every request waiting for the same
 *   version shares them.
 * - A state as of an earlier date folds the prefix counted by then: a few of those engines and the last answers
 *   are kept (bounded), and an answer for "now" is reused for a second while the data stays the same.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../crypto/canonical-json.js';
import { Engine } from '../engine/engine.js';
import { compareEntries } from '../engine/order.js';
import { ZoneIndex } from '../engine/zones.js';
import type { Item } from '../model/index.js';
import { Complaints } from '../node/complaints.js';
import type { NodeEntry, PartyNode } from '../node/node.js';
import { bordersFor } from '../runtime/borders.js';
import { symmetricNode } from '../runtime/node-crypto.js';

/** Entries decoded, or applied to the engine, between two turns of the event loop (each slice takes a few ms). */
const SLICE = 500;
/** How long an answer "as of now" is reused while the data does not change. */
const NOW_REUSE_MS = 1000;

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

interface Fold {
  snapshot: Snapshot;
  engine: Engine;
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
  #fold: Fold | undefined;
  readonly #folds = new SharedQueue<Fold>();
  readonly #pastFolds = new SharedQueue<Engine>();
  readonly #past = new LRUCache<string, Engine>({ max: 4 });
  readonly #answers = new LRUCache<string, Answer>({ max: 64 });
  #now: { version: string; at: number } | undefined;
  /** A declaration's further items, once its blobs have arrived (they never change then). */
  readonly #more = new Map<string, readonly Item[]>();

  /** The public view (no keys: what a stranger sees), or the party's (every sealed entry its party may read). */
  readonly view: 'party' | 'public';

  /** The party view files a complaint for each sealed entry it may read that does not open (issue 14). */
  readonly complaints: Complaints | undefined;

  constructor(node: PartyNode, view: 'party' | 'public' = 'party') {
    this.#node = node;
    this.view = view;
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
    if (reader) await this.#node.submissions.audienceKeys.readAll(this.#node.allEntries());
    // From here on synchronous, so the version read is the one the entries are of.
    const version = this.#node.dataVersion();
    if (this.#snapshot?.version === version) return this.#snapshot;
    const keys = this.#node.submissions.audienceKeys;
    const entries: IndexedEntry[] = this.#node.allEntries().map((e) => {
      if (e.envelope.type === 'sealed') {
        if (!reader) return e;
        const contentKey = keys.contentKey(e.leafHash, e.envelope);
        return contentKey ? { ...e, contentKey } : e;
      }
      const moreItems = this.#moreItems(e);
      if (moreItems) return { ...e, moreItems };
      // An opening's blobs (each checked against its hash by the engine); they may reach a mirror after the entry.
      const blobs = this.#node.openingBlobs(e);
      return blobs ? { ...e, blobs } : e;
    });
    entries.sort(compareEntries);
    this.complaints?.check(entries);
    this.#snapshot = { version, entries };
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

  /**
   * The engine with every entry of a snapshot applied: of `snapshot` or a newer one (folding backwards to an
   * older snapshot than the one folded would throw the newer fold away).
   */
  async engine(snapshot: Snapshot): Promise<Fold> {
    if (this.#fold?.snapshot === snapshot) return this.#fold;
    return this.#folds.run(snapshot.version, () => this.#foldToNewest());
  }

  async #foldToNewest(): Promise<Fold> {
    const snapshot = this.#snapshot!;
    const previous = this.#fold;
    if (previous?.snapshot === snapshot) return previous;
    const { entries } = snapshot;
    const applied = previous?.snapshot.entries;
    // Forks are charged once, after the last entry: a fold that records them is never extended in place.
    const forks = this.#node.forks();
    const extend = forks.length === 0 && previous !== undefined && isPrefix(applied!, entries);
    const engine = extend ? previous.engine : this.#newEngine();
    // The engine is changed in place from here: nobody may read it half-applied.
    this.#fold = undefined;
    await this.#apply(engine, entries, extend ? applied!.length : 0, entries.length);
    recordForks(engine, entries, forks);
    this.#fold = { snapshot, engine };
    return this.#fold;
  }

  #newEngine(): Engine {
    return new Engine({
      regime: this.#node.regime,
      regimeHash: this.#node.regimeHash,
      zones: this.#zones,
      sym: symmetricNode,
      sha256: this.#node.suite.sha256,
    });
  }

  async #apply(engine: Engine, entries: readonly IndexedEntry[], from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      engine.apply(entries[i]!);
      if ((i - from + 1) % SLICE === 0) await nextTurn();
    }
  }

  /**
   * An engine that can answer as of `asOf`: the full fold when every entry counts by then, else a fold of the
   * entries counted by then (a prefix of the canonical order; the engine refuses a date before an entry it applied).
   */
  async engineAsOf(fold: Fold, asOf: number): Promise<Engine> {
    const { snapshot, engine: full } = fold;
    if ((full.lastCountedAt ?? Number.NEGATIVE_INFINITY) <= asOf) return full;
    const key = `${snapshot.version}\n${asOf}`;
    const kept = this.#past.get(key);
    if (kept) return kept;
    return this.#pastFolds.run(key, async () => {
      const engine = this.#newEngine();
      const { entries } = snapshot;
      let end = 0;
      while (end < entries.length && entries[end]!.countedAt <= asOf) end++;
      await this.#apply(engine, entries, 0, end);
      recordForks(engine, entries.slice(0, end), this.#node.forks());
      this.#past.set(key, engine);
      return engine;
    });
  }

  /**
   * The state and findings as canonical JSON (the same entries give the same bytes on every node), as of `asOf`
   * (ms), or now when undefined.
   */
  async answer(asOf: number | undefined): Promise<Answer> {
    for (;;) {
      const fold = await this.engine(await this.snapshot());
      const { snapshot } = fold;
      let at = asOf;
      if (at === undefined) {
        const now = this.now();
        const reuse = this.#now?.version === snapshot.version && now - this.#now.at < NOW_REUSE_MS;
        if (!reuse) this.#now = { version: snapshot.version, at: now };
        at = this.#now!.at;
      }
      const key = `${snapshot.version}\n${at}`;
      const kept = this.#answers.get(key);
      if (kept) return kept;
      const engine = await this.engineAsOf(fold, at);
      // The full fold is extended in place by the next one: evaluate it only while it is still the current one.
      if (engine === fold.engine && this.#fold !== fold) continue;
      const result = engine.evaluate(at);
      const answer = {
        state: Buffer.from(canonicalJson(result.state)),
        findings: Buffer.from(canonicalJson({ findings: result.findings })),
      };
      this.#answers.set(key, answer);
      return answer;
    }
  }
}

/** Whether `applied` is, entry for entry (same counted time, same further items), the start of `entries`. */
function isPrefix(applied: readonly IndexedEntry[], entries: readonly IndexedEntry[]): boolean {
  if (applied.length > entries.length) return false;
  for (let i = 0; i < applied.length; i++) {
    const a = applied[i]!;
    const b = entries[i]!;
    if (
      a.origin !== b.origin ||
      a.index !== b.index ||
      a.countedAt !== b.countedAt ||
      a.moreItems !== b.moreItems ||
      // A sealed entry folded as hidden before its audience key was opened must be folded again, opened.
      a.contentKey !== b.contentKey
    ) {
      return false;
    }
  }
  return true;
}

/**
 * A log proven to have forked is folded only up to where its branches part (PartyNode.foldedSize), and charged for
 * it as of its last entry folded.
 */
function recordForks(engine: Engine, entries: readonly IndexedEntry[], forks: ReturnType<PartyNode['forks']>): void {
  for (const f of forks) {
    let at = 0;
    for (const e of entries) if (e.origin === f.origin) at = e.countedAt;
    engine.recordFork({ ...f, evidence: f.file, at });
  }
}
