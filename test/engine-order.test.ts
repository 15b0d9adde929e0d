/**
 * The merge of logs into the canonical order (order.ts mergeOrdered, the heap the reader streams through): the
 * order of a full sort, whatever the number of logs, their lengths and their ties; each log asked for its next entry
 * only once its previous one is taken (a reader records a log's problems in its place); equal keys from the log
 * listed first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEntries, mergeOrdered, type OrderedSource } from '../src/engine/order.js';

interface Key {
  countedAt: number;
  origin: string;
  index: number;
  /** Which log it came from (for ties between logs that share an origin). */
  log: number;
}

/** Logs of entries, each in canonical order: few distinct times and origins, so that ties are common. */
const logsArb = fc
  .array(
    fc.record({
      origin: fc.constantFrom('a.example/log', 'b.example/log', 'c.example/log'),
      times: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }),
    }),
    { maxLength: 60 },
  )
  .map((logs) =>
    logs.map(({ origin, times }, log) => {
      const counted = [...times].sort((x, y) => x - y);
      return counted.map((countedAt, index): Key => ({ countedAt, origin, index, log }));
    }),
  );

/** A source over a list that counts how often it was asked. */
function sourceOf(list: readonly Key[], asked: number[], k: number): OrderedSource<Key> {
  let i = 0;
  return () => {
    asked[k]!++;
    return list[i++];
  };
}

/** The merge of before the heap: scan every log's head, take the least, the first listed among equals. */
function scanMerge(logs: readonly Key[][]): Key[] {
  const at = logs.map(() => 0);
  const out: Key[] = [];
  for (;;) {
    let best = -1;
    for (let k = 0; k < logs.length; k++) {
      const h = logs[k]![at[k]!];
      if (h && (best < 0 || compareEntries(h, logs[best]![at[best]!]!) < 0)) best = k;
    }
    if (best < 0) return out;
    out.push(logs[best]![at[best]!++]!);
  }
}

describe('merging logs into the canonical order', () => {
  it('gives the order of the scan it replaces, and of a stable sort of everything (property)', () => {
    fc.assert(
      fc.property(logsArb, (logs) => {
        const asked = logs.map(() => 0);
        const merged = [...mergeOrdered(logs.map((l, k) => sourceOf(l, asked, k)))];
        expect(merged).toEqual(scanMerge(logs));
        expect(merged).toEqual(logs.flat().sort((x, y) => compareEntries(x, y) || x.log - y.log));
        // Every log read to its end, and asked once past it.
        expect(asked).toEqual(logs.map((l) => l.length + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('asks a log for its next entry only once the previous one is taken (property)', () => {
    fc.assert(
      fc.property(logsArb, (logs) => {
        const asked = logs.map(() => 0);
        const taken = logs.map(() => 0);
        for (const e of mergeOrdered(logs.map((l, k) => sourceOf(l, asked, k)))) {
          taken[e.log]!++;
          // Its entries taken, plus the one at its front (or the end it reported).
          for (let k = 0; k < logs.length; k++) expect(asked[k]).toBeLessThanOrEqual(taken[k]! + 1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('merges nothing from no logs and from empty ones', () => {
    expect([...mergeOrdered([])]).toEqual([]);
    expect([...mergeOrdered([() => undefined, () => undefined])]).toEqual([]);
  });
});
