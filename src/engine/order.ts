/**
 * The canonical total order of entries from all logs: by the time each counts from, then by log origin, then by
 * index. Every reader sorts the same entries the same way, so the fold does not depend on the order in which the
 * logs were read, nor on the machine.
 */
import type { EngineEntry } from './types.js';

type OrderKey = Pick<EngineEntry, 'countedAt' | 'origin' | 'index'>;

export function compareEntries(a: OrderKey, b: OrderKey): number {
  if (a.countedAt !== b.countedAt) return a.countedAt - b.countedAt;
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  return a.index - b.index;
}

/** A sorted copy. */
export function sortEntries<T extends EngineEntry>(entries: Iterable<T>): T[] {
  return [...entries].sort(compareEntries);
}

/** A source of entries already in canonical order: the next one, or undefined once it has no more. */
export type OrderedSource<T> = () => T | undefined;

/**
 * Merges sources, each in canonical order, into the canonical order as they stream. A binary heap of the sources by
 * their next entry: log(k) comparisons an entry, where a scan of every source's head costs k (57 logs for the
 * Vienna Document). Entries that compare equal come from the source listed first, as a scan would take them; a
 * source is asked for its next entry only once its previous one is taken, and the first entries in source order.
 */
export function* mergeOrdered<T extends OrderKey>(sources: readonly OrderedSource<T>[]): Generator<T> {
  // Parallel arrays (the heap's slots): the entry at the front of each source, and the source's position.
  const heads: T[] = [];
  const from: number[] = [];
  const less = (i: number, j: number) => {
    const c = compareEntries(heads[i]!, heads[j]!);
    return c < 0 || (c === 0 && from[i]! < from[j]!);
  };
  const swap = (i: number, j: number) => {
    const h = heads[i]!;
    heads[i] = heads[j]!;
    heads[j] = h;
    const f = from[i]!;
    from[i] = from[j]!;
    from[j] = f;
  };
  const down = (i: number) => {
    const n = heads.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const c = l + 1 < n && less(l + 1, l) ? l + 1 : l;
      if (!less(c, i)) return;
      swap(c, i);
      i = c;
    }
  };
  for (let k = 0; k < sources.length; k++) {
    const e = sources[k]!();
    if (e === undefined) continue;
    heads.push(e);
    from.push(k);
    for (let i = heads.length - 1; i > 0 && less(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
  }
  while (heads.length > 0) {
    const value = heads[0]!;
    const next = sources[from[0]!]!();
    if (next !== undefined) heads[0] = next;
    else {
      const last = heads.length - 1;
      heads[0] = heads[last]!;
      from[0] = from[last]!;
      heads.pop();
      from.pop();
    }
    down(0);
    yield value;
  }
}
