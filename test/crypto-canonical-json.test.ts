import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';

describe('RFC 8785 canonical JSON', () => {
  it('matches the RFC 8785 §3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4, '\u0080': 5, '\u00f6': 6 })).toBe(
      '{"\\r":2,"1":4,"\u0080":5,"ö":6,"€":1,"😀":3}',
    );
    // Parsed canonical text whose integer-like keys JavaScript enumerates in numeric order, not in the text's.
    expect(canonicalJson(JSON.parse('{"10":1,"9":{"b":[],"a":0}}'))).toBe('{"10":1,"9":{"a":0,"b":[]}}');
    expect(() => canonicalJson(JSON.parse('{"a":"\\ud800"}'))).toThrow(/\$\.a: a string holds a lone surrogate/);
  });

  it('refuses values that are not JSON, naming where', () => {
    for (const bad of [
      { a: undefined },
      { a: Number.NaN },
      { a: [1, Number.POSITIVE_INFINITY] },
      { d: new Date(0) },
      { s: '\ud800' },
    ]) {
      expect(() => canonicalJson(bad)).toThrow(DetenteError);
    }
    expect(() => canonicalJson({ a: { b: [0, undefined] } })).toThrow(/\$\.a\.b\[1\]/);
  });

  it('is a fixed point and independent of key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it("is the canonicalize library's text (RFC 8785 by its co-author) for any JSON value, any Unicode text", () => {
    const anyText = fc.string({ unit: 'grapheme' });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.jsonValue({ stringUnit: 'grapheme' }),
          fc.dictionary(anyText, fc.jsonValue()).map((d) => JSON.parse(JSON.stringify(d))),
        ), // plain objects, as parsed
        (v) => {
          expect(canonicalJson(v)).toBe(canonicalize(v));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a lone surrogate wherever it is, key or value, as the library does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
        for (const v of [s, { [s]: 1 }, [{ a: s }]]) {
          if (lone) {
            expect(() => canonicalJson(v)).toThrow(DetenteError);
            expect(() => canonicalize(v)).toThrow();
          } else expect(canonicalJson(v)).toBe(canonicalize(v));
        }
      }),
      { numRuns: 500 },
    );
  });
});
