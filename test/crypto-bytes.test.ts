/** The strict decoders of src/crypto/bytes.ts against Node's Buffer, and their one-encoding-per-bytes property. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, prefixedScratch, toBase64, toBase64Portable, toHex } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';

/** What `decode` makes of `text`: its bytes, or undefined where it refuses it, which it must do with BAD_ENCODING. */
function decodedOrRefused(decode: (text: string) => Uint8Array, text: string): Uint8Array | undefined {
  try {
    return decode(text);
  } catch (err) {
    expect(err).toBeInstanceOf(DetenteError);
    expect((err as DetenteError).code).toBe('BAD_ENCODING');
    return undefined;
  }
}

describe('hex and base64', () => {
  it('decode what Buffer encodes, and encode as Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(toBase64(bytes)).toBe(b.toString('base64'));
        // The browser's encoder, and a view into a larger buffer (Node's path encodes only the view's bytes).
        expect(toBase64Portable(bytes)).toBe(b.toString('base64'));
        expect(toBase64(Uint8Array.of(7, ...bytes, 9).subarray(1, bytes.length + 1))).toBe(b.toString('base64'));
        expect(fromBase64(b.toString('base64'))).toEqual(bytes);
        expect(toHex(bytes)).toBe(b.toString('hex'));
        expect(fromHex(b.toString('hex'))).toEqual(bytes);
        expect(fromHex(b.toString('hex').toUpperCase())).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('base64: any text is refused with BAD_ENCODING or is the one encoding of what it decodes to', () => {
    const symbols = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n';
    const text = fc.array(fc.constantFrom(...symbols), { maxLength: 24 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const bytes = decodedOrRefused(fromBase64, t);
        if (bytes) expect(toBase64(bytes)).toBe(t);
      }),
      { numRuns: 2000 },
    );
    for (const bad of ['QQ=A', 'QR==', 'QUJ=', 'A===', '=AAA', 'QUJD\n', 'QUJ']) {
      expect(() => fromBase64(bad)).toThrow(DetenteError);
    }
  });

  it('hex: any text is refused with BAD_ENCODING or decodes to the bytes whose hex it is, in either case', () => {
    const text = fc.array(fc.constantFrom(...'0123456789abcdefABCDEFgG x\u00e9\u0660'), { maxLength: 80 });
    fc.assert(
      fc.property(text, (chars) => {
        const t = chars.join('');
        const bytes = decodedOrRefused(fromHex, t);
        if (bytes) expect(toHex(bytes)).toBe(t.toLowerCase());
        else expect(/^(?:[0-9a-fA-F]{2})*$/.test(t)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    for (const bad of ['0', 'g0', '0g', '\u0660\u0660', 'ab cd']) expect(() => fromHex(bad)).toThrow(DetenteError);
  });

  it("base64 of long inputs (Node's native codec behind the strict checks): the same verdicts as short ones", () => {
    // A valid encoding of 48 bytes or more with one character changed, removed or added: refused, or still the one
    // encoding of what it decodes to (as the short texts above, which the portable loops decode).
    const edits = ['-', '_', ' ', '\n', '=', 'A', 'B', '+', '/', '*', 'é'];
    const edited = fc
      .tuple(fc.uint8Array({ minLength: 48, maxLength: 400 }), fc.nat(), fc.constantFrom(...edits), fc.nat(2))
      .map(([bytes, at, c, how]) => {
        const t = Buffer.from(bytes).toString('base64');
        const i = at % t.length;
        return how === 0
          ? t.slice(0, i) + c + t.slice(i + 1)
          : how === 1
            ? t.slice(0, i) + t.slice(i + 1)
            : t.slice(0, i) + c + t.slice(i);
      });
    fc.assert(
      fc.property(edited, (t) => {
        const bytes = decodedOrRefused(fromBase64, t);
        if (bytes) expect(toBase64(bytes)).toBe(t);
      }),
      { numRuns: 3000 },
    );
    // Trailing bits that are not zero, on the native path's sizes.
    const t = Buffer.from(new Uint8Array(49)).toString('base64'); // ...AA== : 49 = 16·3 + 1
    expect(() => fromBase64(`${t.slice(0, -3)}B==`)).toThrow(/trailing bits/);
    // What is returned is a plain Uint8Array over its own memory, never a Buffer (whose pool `.buffer` would show).
    const out = fromBase64(Buffer.from(new Uint8Array(100).fill(7)).toString('base64'));
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect(out.buffer.byteLength).toBe(100);
  });

  it('hex: an odd length or a character that is not a digit is refused', () => {
    for (const bad of ['a', 'ag', '0x00', ' 00', 'é0']) expect(() => fromHex(bad)).toThrow(DetenteError);
  });
});

describe('prefixedScratch', () => {
  it('always opens with its prefix and has room for what is asked, whatever was written after it before (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 20 }),
        (prefix, lengths) => {
          const room = prefixedScratch(prefix);
          for (const length of lengths) {
            const buffer = room(prefix.length + length);
            expect(buffer.length).toBeGreaterThanOrEqual(prefix.length + length);
            expect(toHex(buffer.subarray(0, prefix.length))).toBe(toHex(prefix));
            buffer.fill(0xff, prefix.length, prefix.length + length);
          }
        },
      ),
    );
  });
});
