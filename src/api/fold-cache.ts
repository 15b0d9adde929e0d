/**
 * The engine folds the read model (read-model.ts) keeps between data versions, and what decides whether one can be
 * reused or extended. Pure: it is handed the entries in canonical order and never reads the node, so that a
 * property test can drive it with any sequence of appends and counted-time moves (test/api-fold-cache.test.ts).
 *
 * - The full fold (every entry) is reused as it is when a new data version leaves its input unchanged (a
 *   cosignature that moved no counted time, a refusal, a blob nobody waits for): it keeps its id, so the answers
 *   computed from it are reused too. When the new order only adds entries after those applied, it applies just
 *   those (a new id); when an entry already applied moved (its counted time, its blobs, its content key), it folds
 *   again from the start. Taking a copy of an engine's state at a position would let it fold again from the first
 *   entry that moved, but every rule family keeps its state in private fields: see docs/ARCHITECTURE.md.
 * - A fold as of an earlier date (the entries counted by then) is kept per date and reused as long as that prefix
 *   is unchanged, whatever the versions in between: new entries count from now, so a date in the past keeps its
 *   fold.
 * Entries are applied in slices between turns of the event loop, so the node keeps serving meanwhile.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { equalBytes } from '../crypto/bytes.js';
import type { Engine } from '../engine/engine.js';
import type { EngineEntry } from '../engine/types.js';

/** Entries applied to the engine between two turns of the event loop (each slice takes a few ms). */
const SLICE = 500;

/** A log proven to have forked, as the engine charges it (Engine.recordFork, without `at`). */
export interface ForkCharge {
  origin: string;
  party: string;
  size: number;
  foldedTo: number;
  evidence: string;
}

/** An engine with exactly `entries` applied (and `forks` charged); `id` changes whenever that input does. */
export interface Folded {
  readonly id: number;
  readonly engine: Engine;
  readonly entries: readonly EngineEntry[];
  readonly forks: string;
}

/**
 * The entries to apply of a fold, from `entries` in the same order: a reader may hand them over with their sealed
 * openings computed ahead (read-model.ts: on worker threads). Iterated to the end, or returned early on error.
 */
export type Ahead = (entries: readonly EngineEntry[]) => Iterable<EngineEntry>;

export class FoldCache {
  readonly #newEngine: () => Engine;
  readonly #ahead: Ahead | undefined;
  #full: Folded | undefined;
  readonly #past = new LRUCache<number, Folded>({ max: 4 });
  /** The past fold found valid for a full fold (its id) and a date. */
  readonly #checked = new LRUCache<string, Folded>({ max: 64 });
  #ids = 0;

  constructor(newEngine: () => Engine, ahead?: Ahead) {
    this.#newEngine = newEngine;
    this.#ahead = ahead;
  }

  /** The current full fold (undefined while one is being built: the engine is changed in place). */
  get full(): Folded | undefined {
    return this.#full;
  }

  /**
   * The engine with every entry of `entries` (in canonical order) applied, reusing or extending the previous full
   * fold where its input allows. One call at a time (the read model queues them).
   */
  async fold(entries: readonly EngineEntry[], forks: readonly ForkCharge[]): Promise<Folded> {
    const previous = this.#full;
    const forksKey = keyOfForks(forks);
    if (
      previous &&
      previous.forks === forksKey &&
      previous.entries.length === entries.length &&
      sameInputs(previous.entries, entries, entries.length)
    ) {
      return previous;
    }
    // Forks are charged once, after the last entry: a fold that charged them is never extended in place.
    const extend =
      previous !== undefined &&
      previous.forks === '' &&
      forks.length === 0 &&
      sameInputs(previous.entries, entries, previous.entries.length);
    const engine = extend ? previous.engine : this.#newEngine();
    // The engine is changed in place from here: nobody may read it half-applied.
    this.#full = undefined;
    await this.#apply(engine, entries, extend ? previous.entries.length : 0, entries.length);
    chargeForks(engine, entries, forks);
    this.#full = { id: ++this.#ids, engine, entries, forks: forksKey };
    return this.#full;
  }

  /**
   * An engine that can answer as of `asOf`, given the full fold `full`: `full` itself when every entry counts by
   * then, else a fold of the entries counted by then (the engine refuses a date before an entry it applied).
   */
  async asOf(full: Folded, asOf: number, forks: readonly ForkCharge[]): Promise<Folded> {
    if ((full.entries.at(-1)?.countedAt ?? Number.NEGATIVE_INFINITY) <= asOf) return full;
    // Checked once per full fold and date: a flood of readers of one past date compares the entries once.
    const checked = this.#checked.get(`${full.id}\n${asOf}`);
    if (checked) return checked;
    const end = countedBy(full.entries, asOf);
    const forksKey = keyOfForks(forks);
    const kept = this.#past.get(asOf);
    if (kept && kept.forks === forksKey && kept.entries.length === end && sameInputs(kept.entries, full.entries, end)) {
      this.#checked.set(`${full.id}\n${asOf}`, kept);
      return kept;
    }
    const entries = full.entries.slice(0, end);
    const engine = this.#newEngine();
    await this.#apply(engine, entries, 0, end);
    chargeForks(engine, entries, forks);
    const folded = { id: ++this.#ids, engine, entries, forks: forksKey };
    this.#past.set(asOf, folded);
    this.#checked.set(`${full.id}\n${asOf}`, folded);
    return folded;
  }

  async #apply(engine: Engine, entries: readonly EngineEntry[], from: number, to: number): Promise<void> {
    const slice = from === 0 && to === entries.length ? entries : entries.slice(from, to);
    let n = 0;
    for (const e of this.#ahead ? this.#ahead(slice) : slice) {
      engine.apply(e);
      if (++n % SLICE === 0) await nextTurn();
    }
  }
}

/** How many entries (sorted by counted time) count at or before `asOf`. */
function countedBy(entries: readonly EngineEntry[], asOf: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.countedAt <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether the first `n` entries of `a` and `b` give the engine the same input: the same entry at the same counted
 * time, with the same further items, the same blobs present, and the same content key (a sealed entry folded as
 * hidden before its audience key was opened must be folded again, opened).
 */
export function sameInputs(a: readonly EngineEntry[], b: readonly EngineEntry[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (
      x.origin !== y.origin ||
      x.index !== y.index ||
      x.countedAt !== y.countedAt ||
      x.moreItems !== y.moreItems ||
      !sameBlobs(x.blobs, y.blobs) ||
      !sameKey(x.contentKey, y.contentKey)
    ) {
      return false;
    }
  }
  return true;
}

/** An opening's blobs may reach a mirror after the entry: the engine checks each one it is given. */
function sameBlobs(a: EngineEntry['blobs'], b: EngineEntry['blobs']): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    return x === y || (x !== undefined && y !== undefined && equalBytes(x, y));
  });
}

function sameKey(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && equalBytes(a, b));
}

function keyOfForks(forks: readonly ForkCharge[]): string {
  return forks.map((f) => `${f.origin}\n${f.size}\n${f.foldedTo}\n${f.evidence}`).join('\n\n');
}

/** A forked log is charged as of its last entry folded (PartyNode.foldedSize stops it where its branches part). */
function chargeForks(engine: Engine, entries: readonly EngineEntry[], forks: readonly ForkCharge[]): void {
  for (const f of forks) {
    let at = 0;
    for (const e of entries) if (e.origin === f.origin) at = e.countedAt;
    engine.recordFork({ ...f, at });
  }
}
