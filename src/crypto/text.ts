/**
 * Strict text fields shared by the C2SP text formats (signed-note, tlog-checkpoint, tlog-witness): decimals with
 * exactly one spelling, and the character rules a signed text must obey. Exactly one accepted encoding per value
 * means a signature over a text can never be replayed onto a re-spelling of it.
 */
import { type DetenteErrorCode, fail } from './errors.js';

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** Parses a non-negative ASCII decimal (no sign, no leading zeros, "0" for zero) that must be a safe integer. */
export function parseDecimal(text: string, field: string, code: DetenteErrorCode = 'BAD_ENCODING'): number {
  // The length cap keeps the regex and Number() cheap on hostile input; 17 digits already exceed 2^53.
  if (typeof text !== 'string' || text.length > 17 || !DECIMAL.test(text)) {
    fail(code, `${field}: expected an ASCII decimal with no sign and no leading zeros, got ${quote(text)}`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value)) fail(code, `${field}: ${text} exceeds 2^53−1`);
  return value;
}

/** Formats a non-negative safe integer, checking it first (a float or a negative would print a non-decimal). */
export function formatDecimal(value: number, field: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    fail('BAD_INPUT', `${field}: expected a non-negative safe integer, got ${String(value)}`);
  }
  return String(value);
}

/**
 * Whether `s` holds an ASCII control character (below U+0020), other than "\n" when `allowNewline`. A loop, not a
 * regex: it is on every note's path and linters rightly distrust control characters in regexes.
 */
export function hasControlChar(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}

/** Whether `s` holds a lone UTF-16 surrogate, i.e. is not encodable as UTF-8 (String#isWellFormed is ES2024). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1); // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** A short, printable rendering of untrusted input for error messages. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') return `(${typeof value})`;
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
