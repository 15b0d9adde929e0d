/**
 * RFC 8785 JSON Canonicalization Scheme: keys sorted by UTF-16 code units, strings and numbers serialised as
 * ECMAScript's JSON.stringify does, no whitespace. Only plain JSON values: no undefined, no lone surrogates, no
 * non-finite numbers, no objects but plain ones (BAD_INPUT naming where).
 *
 * Our own serialiser rather than `canonicalize` (by the RFC's co-author): these are the bytes every entry signs and
 * every sealed body is checked against, on every submission and every fold, and that library checks each string
 * and key by hand and keeps a set of the objects it visits: about six times the cost of JSON.stringify (measured in
 * bench/confidential.ts). It stays the oracle: test/crypto-canonical-json.test.ts holds the two equal on arbitrary
 * JSON values.
 */
import { utf8 } from './bytes.js';
import { fail } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// ES2024's String.prototype.isWellFormed (V8, Node 20): false exactly when a string holds a lone surrogate.
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** The path of the value being written: a stack of keys, turned into text only for an error. */
function pathText(path: readonly (string | number)[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
}

// A string JSON.stringify writes as it is, between quotes: no control character, quote, backslash or surrogate.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters JSON escapes are what it looks for
const VERBATIM = /^[^\u0000-\u001f"\\\ud800-\udfff]*$/;

function string(s: string, path: (string | number)[]): string {
  if (VERBATIM.test(s)) return `"${s}"`;
  if (!wellFormed(s)) fail('BAD_INPUT', `${pathText(path)}: a string holds a lone surrogate`);
  return JSON.stringify(s);
}

function sorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

function write(value: unknown, path: (string | number)[]): string {
  switch (typeof value) {
    case 'string':
      return string(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail('BAD_INPUT', `${pathText(path)}: expected a finite number`);
      return String(value); // ECMAScript's Number::toString, as JSON.stringify (-0 is "0")
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          out += i === 0 ? write(value[i], path) : `,${write(value[i], path)}`;
          path.pop();
        }
        return `${out}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) break;
      const keys = Object.keys(value);
      if (!sorted(keys)) keys.sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        path.push(k);
        const member = `${string(k, path)}:${write((value as Record<string, unknown>)[k], path)}`;
        path.pop();
        out += i === 0 ? member : `,${member}`;
      }
      return `${out}}`;
    }
  }
  return fail('BAD_INPUT', `${pathText(path)}: expected a JSON value, got ${typeof value}`);
}

/**
 * Whether JSON.stringify writes `value` canonically: plain JSON throughout, and every object's keys enumerate in
 * sorted order (as JSON.parse leaves canonical text, integer-like keys apart). False at the first thing that is not
 * so; `write` then does the work, and names what is wrong.
 */
function stringifiable(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return wellFormed(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!stringifiable(value[i])) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      let previous: string | undefined;
      for (const k in value) {
        if ((previous !== undefined && !(previous < k)) || !wellFormed(k)) return false;
        if (!stringifiable((value as Record<string, unknown>)[k])) return false;
        previous = k;
      }
      return true;
    }
  }
  return false;
}

/** The canonical text of a JSON value. */
export function canonicalJson(value: unknown): string {
  // Native JSON.stringify where it gives the same text: parsed canonical JSON (a sealed body, a stored entry).
  return stringifiable(value) ? JSON.stringify(value) : write(value, []);
}

/** The canonical UTF-8 bytes of a JSON value: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}
