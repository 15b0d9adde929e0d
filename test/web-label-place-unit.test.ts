/** A zone's label is placed clear of every site marker when a clear place is near (web/src/map/label-place.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelCovers, placeLabel } from '../web/src/map/label-place.js';

describe('placeLabel', () => {
  it('keeps the natural place when nothing is under it', () => {
    const at = { x: 300, y: 200, anchor: 'middle' as const };
    expect(placeLabel(at, 20, [[300, 300]])).toEqual(at);
  });

  it('moves a label off the marker it covered', () => {
    const at = { x: 330, y: 555, anchor: 'middle' as const };
    const kozelsk = [343, 550] as const;
    expect(labelCovers(at, 50, ...kozelsk)).toBe(true);
    const placed = placeLabel(at, 50, [kozelsk]);
    expect(placed.x).toBe(at.x);
    expect(placed.y).not.toBe(at.y);
    expect(labelCovers(placed, 50, ...kozelsk)).toBe(false);
  });

  it('for any few markers, the place it returns covers none of them (or is the natural place when none is clear)', () => {
    fc.assert(
      fc.property(
        fc.record({ x: fc.integer({ min: 0, max: 960 }), y: fc.integer({ min: 0, max: 620 }) }),
        fc.integer({ min: 3, max: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 960 }), fc.integer({ min: 0, max: 620 })), { maxLength: 6 }),
        (p, chars, markers) => {
          const at = { ...p, anchor: 'middle' as const };
          const placed = placeLabel(at, chars, markers);
          const clear = markers.every(([x, y]) => !labelCovers(placed, chars, x, y));
          expect(clear || placed === at).toBe(true);
          expect(Math.abs(placed.y - at.y)).toBeLessThanOrEqual(8 * 13);
        },
      ),
    );
  });
});
