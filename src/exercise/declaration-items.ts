/**
 * A scenario's plain declaration of more items than one entry carries (the 1,472 items of a whole New START data
 * exchange, say): the entry keeps the first ENTRY_ITEMS and names the rest in blobs of BLOB_ITEMS each, as a party
 * would post them. The direct play (play.ts) stores the blobs itself, the federation (federation.ts) posts them to the
 * node; both split the same way, so both write the same entries.
 */
import type { Item } from '../model/index.js';

/** Items a declaration carries in the entry itself; the rest go into blobs of BLOB_ITEMS each. */
export const ENTRY_ITEMS = 100;
export const BLOB_ITEMS = 500;

/** The items the entry keeps and the chunks that go to blobs, or undefined if the body needs no blobs. */
export function splitDeclarationItems(
  type: string,
  body: Record<string, unknown>,
): { kept: Item[]; chunks: Item[][] } | undefined {
  if (type !== 'declaration' || body.form !== 'plain' || !Array.isArray(body.items)) return undefined;
  const items = body.items as Item[];
  if (items.length <= ENTRY_ITEMS) return undefined;
  const chunks: Item[][] = [];
  for (let k = ENTRY_ITEMS; k < items.length; k += BLOB_ITEMS) chunks.push(items.slice(k, k + BLOB_ITEMS));
  return { kept: items.slice(0, ENTRY_ITEMS), chunks };
}

/** The reference to the `n`th blob of items (from 1), as the declaration's `more` names it. */
export function itemsBlobRef(n: number, sha256: string, size: number) {
  return { sha256, size, mediaType: 'application/json', name: `items-${n}.json` };
}
