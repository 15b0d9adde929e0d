import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instant, minus, periodIndex, periodStart, plus } from '../src/engine/time.js';
import { addDuration } from '../src/model/index.js';

describe('engine time', () => {
  it('parses RFC 3339 UTC timestamps exactly as Date.parse does', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 6 }),
        (d, digits) => {
          const base = d.toISOString().slice(0, 19);
          const frac = digits
            ? `.${String(d.getUTCMilliseconds()).padStart(3, '0').padEnd(digits, '7').slice(0, digits)}`
            : '';
          const text = `${base}${frac}Z`;
          expect(instant(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 500 },
    );
    for (const odd of [
      '2022-03-28T14:00:00+02:00',
      '2022-02-29T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2022-13-01T00:00:00Z',
      '2022-0a-01T00:00:00Z',
      '2022-03-28 14:00:00Z',
      '1999-12-31T23:59:60Z',
    ]) {
      expect(instant(odd), odd).toEqual(Date.parse(odd));
    }
  });

  it('adds fixed and calendar durations as the model does', () => {
    const t = Date.parse('2022-01-31T10:00:00Z');
    for (const d of ['P5D', 'PT48H', 'P1D', 'P42D', 'PT32H', 'P1Y', 'P1M', 'P2W', 'P1Y2M3DT4H5M6S']) {
      expect(plus(t, d)).toBe(addDuration(t, d, 1));
      expect(minus(t, d)).toBe(addDuration(t, d, -1));
    }
  });

  it('finds the period of a quota from its anchor', () => {
    const anchor = Date.parse('2011-02-05T00:00:00Z');
    const k = periodIndex(anchor, 'P1Y', Date.parse('2022-04-20T08:00:00Z'));
    expect(k).toBe(11);
    expect(new Date(periodStart(anchor, 'P1Y', k)).toISOString()).toBe('2022-02-05T00:00:00.000Z');
    expect(periodIndex(anchor, 'P1Y', Date.parse('2022-02-05T00:00:00Z'))).toBe(11);
    expect(periodIndex(anchor, 'P1Y', Date.parse('2022-02-04T23:59:59Z'))).toBe(10);
    expect(periodIndex(anchor, 'P1Y', Date.parse('2010-01-01T00:00:00Z'))).toBe(-2);
  });
});
