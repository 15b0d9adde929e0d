/**
 * The engine's leaf index (engine/leaf-index.ts): every entry added, in any order and past any growth of its log's
 * arrays, is found by its whole reference and written back out as it was added; a reference with another leaf hash,
 * index or origin is not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { LeafIndex, roomFor } from '../src/engine/leaf-index.js';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const added = fc.uniqueArray(
  fc.record({ origin: fc.constantFrom('a.example/x', 'b.example/y'), index: fc.nat({ max: 5000 }), leafHash: hash }),
  { selector: (r) => `${r.origin} ${r.index}`, maxLength: 60 },
);

describe('the leaf index', () => {
  it('finds each entry added by its whole reference, across growth, and nothing else (property)', () => {
    fc.assert(
      fc.property(added, (refs) => {
        const ix = new LeafIndex();
        const nums = refs.map((r) => ix.add(r.origin, r.index, r.leafHash));
        refs.forEach((r, i) => {
          expect(ix.num(r)).toBe(nums[i]);
          expect(ix.ref(nums[i]!)).toEqual(r);
          const other = r.leafHash.startsWith('0') ? `1${r.leafHash.slice(1)}` : `0${r.leafHash.slice(1)}`;
          expect(ix.has({ ...r, leafHash: other })).toBe(false);
          if (!refs.some((x) => x.origin === r.origin && x.index === r.index + 1))
            expect(ix.has({ ...r, index: r.index + 1 })).toBe(false);
          expect(ix.has({ ...r, origin: 'c.example/z' })).toBe(false);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('roomFor keeps an array with room, and grows one without by doubling, its contents kept', () => {
    const a = Uint32Array.of(1, 2, 3, 4);
    expect(roomFor(a, 3)).toBe(a);
    const grown = roomFor(a, 9);
    expect([...grown]).toEqual([1, 2, 3, 4, ...new Array(12).fill(0)]);
    const wide = roomFor(new Uint8Array(2 * 32).fill(7), 2, 32);
    expect(wide.length).toBe(4 * 32);
    expect([...wide.subarray(0, 64)].every((x) => x === 7)).toBe(true);
  });
});
