/**
 * How large an opening will be, said before it is sent (docs/ESCROW.md §3.4): each opened item with its salt, and
 * the multi-leaf proof's nodes. The positions of the leaves are secret (random placement), so the proof's length is
 * the expected one for k leaves spread over the tree: about k · (log2(size / k) + 1) nodes, never more than k paths.
 */

/** Expected bytes of the opening document for `k` of `size` leaves, items averaging `itemBytes`, `c` categories. */
export function estimateOpeningBytes(k: number, size: number, itemBytes: number, categories: number): number {
  if (k <= 0 || size <= 0) return 0;
  const depth = Math.ceil(Math.log2(Math.max(1, size)));
  const nodes = k >= size ? 0 : Math.min(k * depth, Math.ceil(k * (Math.log2(size / k) + 1)));
  // A leaf: index, 64-digit salt, the item (its canonical JSON) and JSON framing; a node: 64-digit hash and c sums.
  const leaf = 96 + itemBytes;
  const node = 80 + 2 * categories;
  return k * leaf + nodes * node + 200 * categories;
}

/** The average size of the items' canonical JSON, from a sample of them (the first 200). */
export function averageItemBytes(items: readonly unknown[]): number {
  const sample = items.slice(0, 200);
  if (!sample.length) return 0;
  let total = 0;
  for (const item of sample) total += new TextEncoder().encode(JSON.stringify(item)).length;
  return Math.round(total / sample.length) + 40;
}
