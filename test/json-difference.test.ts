/**
 * The failure messages of tests that wait for nodes to agree (helpers/json-difference.ts): the first path where two
 * JSON values differ, and none where they are equal.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDifference, textsDifference } from './helpers/json-difference.js';

describe('jsonDifference', () => {
  it('names the first differing path and both values', () => {
    expect(jsonDifference({ a: { b: [1, 2] } }, { a: { b: [1, 3] } })).toBe('$.a.b[1]: 2 against 3');
    expect(jsonDifference({ a: 1 }, { a: 1, c: 2 })).toBe('$.c: only in the second');
    expect(jsonDifference({ a: 1, c: 2 }, { a: 1 })).toBe('$.c: only in the first');
    expect(jsonDifference([1], { 0: 1 })).toBe('$: [1] against {"0":1}');
    expect(
      textsDifference(['{"x":{"y":"2022"}}', '{"x":{"y":"2022"}}', '{"x":{"y":"2023"}}'], ['us', 'ru', 'nato']),
    ).toBe('us vs nato: $.x.y: "2022" against "2023"');
    // The same values in other bytes (key order): the offset where the texts part.
    expect(textsDifference(['{"a":1,"b":2}', '{"b":2,"a":1}'], ['us', 'ru'])).toBe('us vs ru: the texts differ at 2');
  });

  it('finds no difference exactly when the values are equal (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonDifference(a, structuredClone(a))).toBeUndefined();
        expect(jsonDifference(a, b) === undefined).toBe(isDeepStrictEqual(a, b));
      }),
      { numRuns: 300 },
    );
  });
});
