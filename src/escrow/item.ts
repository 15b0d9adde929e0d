/**
 * A declared item and its canonical bytes (docs/ESCROW.md §2.1). An item is a JSON object with a string `id`, a
 * `counts` object giving its count in each of the declaration's categories, and any other attributes the regime
 * wants committed (site, status, serial, ...). Its leaf commits to the RFC 8785 bytes of the whole object; its
 * count vector is derived from `counts`, the same way by whoever builds and whoever verifies.
 */
import { utf8 } from '../crypto/bytes.js';
import { canonicalJson, type Json } from '../crypto/canonical-json.js';
import { DetenteError, type DetenteErrorCode, fail } from '../crypto/errors.js';
import { expectSum, isPlainObject } from './format.js';

export interface EscrowItem {
  /** Unique within the declaration. */
  id: string;
  /** Count per category id; a category left out counts 0, an id outside the declaration's categories is refused. */
  counts: Record<string, number>;
  /** Free attributes, committed with the item: site, region, status, serial, ... */
  [attribute: string]: Json;
}

export const MAX_ITEM_ID_LENGTH = 256;

/**
 * Checks an item against the declaration's (sorted) categories and writes its count vector into `out` at
 * `offset`. `code` is BAD_INPUT when a party builds a tree, ESCROW_MALFORMED when a verifier reads an opening;
 * `rangeCode` is for a well-typed count that is negative or unsafe (ESCROW_INVALID for a verifier).
 */
export function readItemCounts(
  value: unknown,
  categories: readonly string[],
  out: Float64Array | number[],
  offset: number,
  field: string,
  code: DetenteErrorCode,
  rangeCode: DetenteErrorCode = code,
): EscrowItem {
  if (!isPlainObject(value)) fail(code, `${field}: expected an item object`);
  const id = value.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ITEM_ID_LENGTH) {
    fail(code, `${field}.id: expected a string of 1 to ${MAX_ITEM_ID_LENGTH} characters`);
  }
  const counts = value.counts;
  if (!isPlainObject(counts)) fail(code, `${field}.counts: expected an object of category counts`);
  for (const key in counts) {
    // for-in rather than Object.keys: no array per item on the path that commits a million of them
    if (Object.hasOwn(counts, key) && !categories.includes(key)) {
      fail(code, `${field}.counts: ${JSON.stringify(key)} is not a declared category`);
    }
  }
  for (let c = 0; c < categories.length; c++) {
    const cat = categories[c]!;
    out[offset + c] = Object.hasOwn(counts, cat)
      ? expectSum(counts[cat], `${field}.counts.${cat}`, code, rangeCode)
      : 0;
  }
  return value as EscrowItem;
}

/** The item's RFC 8785 text; its UTF-8 bytes are what its leaf commits to. */
export function itemText(item: EscrowItem, field: string, code: DetenteErrorCode): string {
  try {
    return canonicalJson(item);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DetenteError(code, `${field}: not canonicalisable JSON: ${why}`, { cause: err });
  }
}

/** The item's RFC 8785 bytes: what its leaf commits to. */
export function itemBytes(item: EscrowItem, field: string, code: DetenteErrorCode): Uint8Array {
  return utf8(itemText(item, field, code));
}

/** The count vector of an item, in category order (for callers outside the tree). */
export function itemCounts(item: EscrowItem, categories: readonly string[]): number[] {
  const out = new Array<number>(categories.length).fill(0);
  readItemCounts(item, categories, out, 0, 'item', 'BAD_INPUT');
  return out;
}
