/**
 * RFC 8785 JSON Canonicalization Scheme, through `canonicalize` (by the RFC's co-author; sorts keys by UTF-16
 * code units and serialises numbers as ECMAScript does). We add the checks that make it safe for signing:
 * only plain JSON values, no undefined, no lone surrogates, no non-finite numbers.
 */
import canonicalize from 'canonicalize';
import { utf8 } from './bytes.js';
import { DetenteError, fail } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Fails with BAD_INPUT naming the first value that is not plain JSON. The path is a stack of keys turned into text
 * only for the error: a large state is checked without building a string per value.
 */
function checkJson(value: unknown, path: (string | number)[]): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('BAD_INPUT', `${pathText(path)}: expected a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      checkJson(value[i], path);
      path.pop();
    }
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // A plain object inherits no enumerable key: for-in visits its own, without an array of entries.
    for (const k in value) {
      path.push(k);
      checkJson((value as Record<string, unknown>)[k], path);
      path.pop();
    }
    return;
  }
  fail('BAD_INPUT', `${pathText(path)}: expected a JSON value, got ${typeof value}`);
}

function pathText(path: readonly (string | number)[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
}

/** The canonical text of a JSON value. */
export function canonicalJson(value: unknown): string {
  checkJson(value, []);
  try {
    return canonicalize(value) as string;
  } catch (err) {
    if (err instanceof DetenteError) throw err;
    throw new DetenteError('BAD_INPUT', `$: cannot canonicalise: ${(err as Error).message}`);
  }
}

/** The canonical UTF-8 bytes of a JSON value: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}
