/** The strict "as of" reader shared by --as-of and ?asOf= (red team L1). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetenteError } from '../src/crypto/errors.js';
import { AS_OF_MAX, AS_OF_MIN, parseAsOf } from '../src/engine/as-of.js';

describe('parseAsOf', () => {
  it('reads a date as its last millisecond (UTC) and a time with its offset', () => {
    expect(parseAsOf('2022-03-31')).toBe(Date.UTC(2022, 2, 31, 23, 59, 59, 999));
    expect(parseAsOf('2024-02-29')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseAsOf('2022-03-31T12:00Z')).toBe(Date.UTC(2022, 2, 31, 12));
    expect(parseAsOf('2022-03-31T12:00:05.5Z')).toBe(Date.UTC(2022, 2, 31, 12, 0, 5, 500));
    expect(parseAsOf('2022-03-31T12:00:00+02:30')).toBe(Date.UTC(2022, 2, 31, 9, 30));
    expect(parseAsOf('2022-03-31T12:00:00-01:00')).toBe(Date.UTC(2022, 2, 31, 13));
    expect(parseAsOf('1970-01-01')).toBeGreaterThanOrEqual(AS_OF_MIN);
    expect(parseAsOf('9999-12-31')).toBe(AS_OF_MAX);
  });

  it('refuses what lenient readers let through: numbers, rolled-over days, out-of-range years and fields', () => {
    for (const bad of [
      '',
      '0',
      '1',
      '2022',
      '2022-3-31',
      '2022-02-29',
      '2022-02-30',
      '2022-13-01',
      '2022-04-31',
      '2022-03-31T24:00:00Z',
      '2022-03-31T23:60:00Z',
      '2022-03-31T23:59:60Z',
      '2022-03-31T12:00:00',
      '2022-03-31T12:00:00+24:00',
      '2022-03-31T12:00:00.1234Z',
      '1969-12-31',
      '-271821-04-20T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      ' 2022-03-31',
      '2022-03-31\n',
    ]) {
      expect(() => parseAsOf(bad), JSON.stringify(bad)).toThrow(DetenteError);
    }
  });

  it('property: every instant in range reads back from its ISO string; anything else throws BAD_INPUT only', () => {
    fc.assert(
      fc.property(fc.integer({ min: AS_OF_MIN, max: AS_OF_MAX }), (t) => {
        expect(parseAsOf(new Date(t).toISOString())).toBe(t);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          const t = parseAsOf(text);
          expect(t).toBeGreaterThanOrEqual(AS_OF_MIN);
          expect(t).toBeLessThanOrEqual(AS_OF_MAX);
        } catch (err) {
          expect(err).toBeInstanceOf(DetenteError);
          expect((err as DetenteError).code).toBe('BAD_INPUT');
        }
      }),
    );
  });
});
