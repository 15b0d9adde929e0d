/**
 * The canonical total order of entries from all logs: by the time each counts from, then by log origin, then by
 * index. Every reader sorts the same entries the same way, so the fold does not depend on the order in which the
 * logs were read, nor on the machine.
 */
import type { EngineEntry } from './types.js';

export function compareEntries(
  a: Pick<EngineEntry, 'countedAt' | 'origin' | 'index'>,
  b: Pick<EngineEntry, 'countedAt' | 'origin' | 'index'>,
): number {
  if (a.countedAt !== b.countedAt) return a.countedAt - b.countedAt;
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  return a.index - b.index;
}

/** A sorted copy. */
export function sortEntries<T extends EngineEntry>(entries: Iterable<T>): T[] {
  return [...entries].sort(compareEntries);
}
