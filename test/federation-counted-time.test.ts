/** countedTimes and countedTimesByReceipt (src/federation/counted-time.ts): known answers and properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countedTimes, countedTimesByReceipt, type TimedCheckpoint } from '../src/federation/counted-time.js';

const witnesses = new Map([
  ['ru/witness\n1', 'ru'],
  ['nato/witness\n2', 'nato'],
]);
const S = 1000; // ms per second
// Entry i (0-based) was signed at second 100 + 10 i.
const latestSigned = (size: number) => (size === 0 ? Number.NEGATIVE_INFINITY : (100 + 10 * (size - 1)) * S);
const root = (size: number) => `root${size}`;

describe('countedTimes: known answers', () => {
  it('the earliest valid cosignature of another party counts; uncosigned checkpoints wait for the next', () => {
    const { timeline, refused } = countedTimes({
      latestSigned,
      witnesses,
      checkpoints: [
        { size: 1, root: root(1), cosignatures: [] },
        {
          size: 2,
          root: root(2),
          cosignatures: [
            { witness: 'ru/witness\n1', timestamp: 130, root: root(2) },
            { witness: 'nato/witness\n2', timestamp: 120, root: root(2) },
          ],
        },
        { size: 3, root: root(3), cosignatures: [] },
      ],
    });
    expect(refused).toEqual([]);
    expect(timeline).toEqual([
      { size: 1, time: 120 * S, cosigned: false },
      { size: 2, time: 120 * S, cosigned: true },
      // Nobody vouched yet: the author's own signed time, provisionally.
      { size: 3, time: 120 * S, cosigned: false },
    ]);
  });

  it('refuses a backdated, a backwards, an early and another-root cosignature', () => {
    const { timeline, refused } = countedTimes({
      latestSigned,
      witnesses,
      checkpoints: [
        {
          size: 2,
          root: root(2),
          cosignatures: [
            { witness: 'ru/witness\n1', timestamp: 50, root: root(2) }, // before entry 1 was signed (110)
            { witness: 'nato/witness\n2', timestamp: 200, root: root(2) },
            { witness: 'nato/witness\n2', timestamp: 115, root: 'other' }, // a tree we do not hold
          ],
        },
        {
          size: 4,
          root: root(4),
          cosignatures: [
            { witness: 'nato/witness\n2', timestamp: 190, root: root(4) }, // nato said 200 for a smaller tree
            { witness: 'ru/witness\n1', timestamp: 135, root: root(4) }, // before the previous counted time (200)
            { witness: 'ru/witness\n1', timestamp: 210, root: root(4) },
            { witness: 'us/witness\n3', timestamp: 1, root: root(4) }, // not a witness that counts
          ],
        },
      ],
    });
    expect(refused.map((r) => [r.size, r.cosignature.witness, r.rule, r.bound])).toEqual([
      [2, 'ru/witness\n1', 'before-signed', 110 * S],
      [2, 'nato/witness\n2', 'other-root', undefined],
      [4, 'ru/witness\n1', 'before-previous', 200 * S],
      [4, 'nato/witness\n2', 'backwards', 200 * S],
    ]);
    expect(timeline.map((t) => t.time)).toEqual([200 * S, 210 * S]);
  });
});

const cosigArb = fc.record({
  witness: fc.constantFrom('ru/witness\n1', 'nato/witness\n2', 'us/witness\n3'),
  timestamp: fc.integer({ min: 1, max: 400 }),
  good: fc.boolean(),
});
const inputArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 })
  .chain((sizes) =>
    fc.tuple(
      fc.constant(sizes),
      fc.array(fc.array(cosigArb, { maxLength: 4 }), { minLength: sizes.length, maxLength: sizes.length }),
    ),
  )
  .map(([sizes, cosigs]) =>
    sizes.map(
      (size, i): TimedCheckpoint => ({
        size,
        root: root(size),
        cosignatures: cosigs[i]!.map((c) => ({
          witness: c.witness,
          timestamp: c.timestamp,
          root: c.good ? root(size) : 'forged',
        })),
      }),
    ),
  );

describe('countedTimes: properties', () => {
  it('the same inputs in any order give the same times (what every node computes)', () => {
    fc.assert(
      fc.property(inputArb, fc.func(fc.integer()), (checkpoints, order) => {
        const shuffled = [...checkpoints]
          .map((c) => ({ ...c, cosignatures: [...c.cosignatures].reverse() }))
          .sort((a, b) => order(a.size) - order(b.size));
        const a = countedTimes({ checkpoints, latestSigned, witnesses });
        const b = countedTimes({ checkpoints: shuffled, latestSigned, witnesses });
        expect(JSON.stringify(b.timeline)).toBe(JSON.stringify(a.timeline));
      }),
      { numRuns: 300 },
    );
  });

  it('no checkpoint counts before its entries were signed, and times never decrease with size', () => {
    fc.assert(
      fc.property(inputArb, (checkpoints) => {
        const { timeline } = countedTimes({ checkpoints, latestSigned, witnesses });
        let previous = Number.NEGATIVE_INFINITY;
        for (const t of timeline) {
          expect(t.time + 999).toBeGreaterThanOrEqual(latestSigned(t.size));
          expect(t.time).toBeGreaterThanOrEqual(previous);
          previous = t.time;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a cosignature over another root never changes anything', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 1, max: 400 }), (checkpoints, timestamp) => {
        const base = countedTimes({ checkpoints, latestSigned, witnesses }).timeline;
        const withForged = checkpoints.map((c) => ({
          ...c,
          cosignatures: [...c.cosignatures, { witness: 'ru/witness\n1', timestamp, root: 'forged' }],
        }));
        expect(countedTimes({ checkpoints: withForged, latestSigned, witnesses }).timeline).toEqual(base);
      }),
      { numRuns: 300 },
    );
  });
});

const receipts = new Map([
  ['ru/mirror\n4', 'ru'],
  ['nato/mirror\n5', 'nato'],
]);

describe('countedTimesByReceipt: the counterparts’ receipts bind, witnesses only where no receipt covers', () => {
  it('a receipt-dated entry: the receipt counts even when a witness cosigned earlier; the tail falls back', () => {
    const { timeline, refused } = countedTimesByReceipt({
      latestSigned,
      witnesses,
      receipts,
      checkpoints: [
        {
          size: 1,
          root: root(1),
          cosignatures: [
            // A third party's witness, colluding with the author, dates it as early as the rules allow ...
            { witness: 'nato/witness\n2', timestamp: 100, root: root(1) },
            // ... but ru's mirror received it at 140: that binds.
            { witness: 'ru/mirror\n4', timestamp: 140, root: root(1) },
          ],
        },
        { size: 2, root: root(2), cosignatures: [] },
        { size: 3, root: root(3), cosignatures: [{ witness: 'ru/mirror\n4', timestamp: 160, root: root(3) }] },
        // No receipt yet: the earliest valid witness cosignature, never before the receipt-dated time before it.
        { size: 4, root: root(4), cosignatures: [{ witness: 'ru/witness\n1', timestamp: 150, root: root(4) }] },
        { size: 5, root: root(5), cosignatures: [{ witness: 'ru/witness\n1', timestamp: 170, root: root(5) }] },
      ],
    });
    expect(timeline).toEqual([
      { size: 1, time: 140 * S, cosigned: true, receipt: true },
      { size: 2, time: 160 * S, cosigned: true, receipt: true },
      { size: 3, time: 160 * S, cosigned: true, receipt: true },
      { size: 4, time: 160 * S, cosigned: true, receipt: false },
      { size: 5, time: 170 * S, cosigned: true, receipt: false },
    ]);
    expect(refused).toEqual([]);
  });

  it('a receipt with a backdated timestamp is refused and kept; the honest receipt counts', () => {
    const { timeline, refused } = countedTimesByReceipt({
      latestSigned,
      witnesses,
      receipts,
      checkpoints: [
        {
          size: 2,
          root: root(2),
          cosignatures: [
            { witness: 'ru/mirror\n4', timestamp: 50, root: root(2) }, // before entry 1 was signed (110)
            { witness: 'nato/mirror\n5', timestamp: 130, root: root(2) },
            { witness: 'nato/mirror\n5', timestamp: 115, root: 'other' }, // a tree we do not hold
          ],
        },
        {
          size: 3,
          root: root(3),
          cosignatures: [{ witness: 'nato/mirror\n5', timestamp: 125, root: root(3) }], // backwards (130 before)
        },
      ],
    });
    expect(refused.map((r) => [r.size, r.cosignature.witness, r.rule, r.bound])).toEqual([
      [2, 'ru/mirror\n4', 'before-signed', 110 * S],
      [2, 'nato/mirror\n5', 'other-root', undefined],
      [3, 'nato/mirror\n5', 'backwards', 130 * S],
    ]);
    expect(timeline.map((t) => [t.time, t.receipt])).toEqual([
      [130 * S, true],
      [130 * S, false], // no valid receipt covers size 3 and no witness cosigned: the author's claim, floored
    ]);
  });

  it('a witness key is no receipt, and a receipt key is no witness', () => {
    const { timeline } = countedTimesByReceipt({
      latestSigned,
      witnesses,
      receipts,
      checkpoints: [
        {
          size: 1,
          root: root(1),
          cosignatures: [
            { witness: 'ru/witness\n1', timestamp: 300, root: root(1) },
            { witness: 'us/mirror\n6', timestamp: 101, root: root(1) }, // the author's own mirror: never counts
          ],
        },
      ],
    });
    expect(timeline).toEqual([{ size: 1, time: 300 * S, cosigned: true, receipt: false }]);
  });
});

const mixedArb = inputArb.chain((checkpoints) =>
  fc
    .array(fc.constantFrom('ru/mirror\n4', 'nato/mirror\n5', 'us/mirror\n6'), {
      minLength: checkpoints.length * 4,
      maxLength: checkpoints.length * 4,
    })
    .map((keys) =>
      checkpoints.map((c, i) => ({
        ...c,
        // Half the cosignatures become mirror cosignatures: receipts, or the author's own.
        cosignatures: c.cosignatures.map((s, j) => (j % 2 === 0 ? s : { ...s, witness: keys[i * 4 + j]! })),
      })),
    ),
);

describe('countedTimesByReceipt: properties', () => {
  it('any order gives the same times; never before signed; never backwards; receipts form a prefix', () => {
    fc.assert(
      fc.property(mixedArb, fc.func(fc.integer()), (checkpoints, order) => {
        const shuffled = [...checkpoints]
          .map((c) => ({ ...c, cosignatures: [...c.cosignatures].reverse() }))
          .sort((a, b) => order(a.size) - order(b.size));
        const a = countedTimesByReceipt({ checkpoints, latestSigned, witnesses, receipts });
        const b = countedTimesByReceipt({ checkpoints: shuffled, latestSigned, witnesses, receipts });
        expect(JSON.stringify(b.timeline)).toBe(JSON.stringify(a.timeline));
        // The same refusals (their order follows the input's among equal timestamps of one signer).
        const refusals = (r: typeof a) => r.refused.map((x) => JSON.stringify(x)).sort();
        expect(refusals(b)).toEqual(refusals(a));
        let previous = Number.NEGATIVE_INFINITY;
        let receiptEnded = false;
        for (const t of a.timeline) {
          expect(t.time + 999).toBeGreaterThanOrEqual(latestSigned(t.size));
          expect(t.time).toBeGreaterThanOrEqual(previous);
          if (!t.receipt) receiptEnded = true;
          else expect(receiptEnded).toBe(false);
          previous = t.time;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with no receipt at all, the times are the witness rule’s', () => {
    fc.assert(
      fc.property(inputArb, (checkpoints) => {
        const byWitness = countedTimes({ checkpoints, latestSigned, witnesses }).timeline;
        const merged = countedTimesByReceipt({ checkpoints, latestSigned, witnesses, receipts }).timeline;
        expect(merged.map(({ size, time, cosigned }) => ({ size, time, cosigned }))).toEqual(byWitness);
      }),
      { numRuns: 200 },
    );
  });
});
