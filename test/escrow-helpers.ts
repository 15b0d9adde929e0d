/** Shared helpers for the escrow tests: a reproducible random source and an independent reference tree. */
import { concat, utf8 } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import type { EscrowItem, RandomSource } from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';

/** Deterministic bytes: SHA-256(label ‖ u32 counter) blocks, for reproducible trees in tests only. */
export function seededRandom(label: string): RandomSource {
  let counter = 0;
  return (out) => {
    for (let o = 0; o < out.length; o += 32) {
      const block = sha256Node(concat(utf8(label), u32(counter++)));
      out.set(block.subarray(0, Math.min(32, out.length - o)), o);
    }
  };
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}

export function u64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v));
  return b;
}

export function lp(s: string): Uint8Array {
  const b = utf8(s);
  return concat(u32(b.length), b);
}

const H = sha256Portable;

/** The formulas of docs/ESCROW.md §2, written out plainly and independently of src/escrow. */
export const ref = {
  leaf(salt: Uint8Array, item: EscrowItem | null): Uint8Array {
    const bytes = item === null ? new Uint8Array(0) : canonicalJsonBytes(item);
    return H(concat(Uint8Array.of(0xde, 0x00, 0x01, 0x00), salt, bytes));
  },
  node(lh: Uint8Array, ls: number[], rh: Uint8Array, rs: number[]): Uint8Array {
    return H(concat(Uint8Array.of(0xde, 0x00, 0x01, 0x01), lh, ...ls.map(u64), rh, ...rs.map(u64)));
  },
  root(size: number, categories: string[], top: Uint8Array, sums: number[]): Uint8Array {
    return H(
      concat(
        Uint8Array.of(0xde, 0x00, 0x01, 0x02),
        u64(size),
        u32(categories.length),
        ...categories.map(lp),
        top,
        ...sums.map(u64),
      ),
    );
  },
  /** RFC 6962 recursion (split at the largest power of two below n): a different algorithm from the builder's. */
  subtree(leaves: { hash: Uint8Array; sums: number[] }[]): { hash: Uint8Array; sums: number[] } {
    if (leaves.length === 1) return leaves[0]!;
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    const l = ref.subtree(leaves.slice(0, k));
    const r = ref.subtree(leaves.slice(k));
    return { hash: ref.node(l.hash, l.sums, r.hash, r.sums), sums: l.sums.map((s, i) => s + r.sums[i]!) };
  },
  /** Root of a tree given its leaves in order. */
  treeRoot(categories: string[], leaves: { salt: Uint8Array; item: EscrowItem | null }[]): Uint8Array {
    const nodes = leaves.map(({ salt, item }) => ({
      hash: ref.leaf(salt, item),
      sums: categories.map((c) => (item ? (item.counts[c] ?? 0) : 0)),
    }));
    const top = ref.subtree(nodes);
    return ref.root(leaves.length, categories, top.hash, top.sums);
  },
};

/** Items with counts in the given categories, for tests and benchmarks. */
export function makeItems(n: number, categories: string[], seed = 1): EscrowItem[] {
  const items: EscrowItem[] = [];
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0; // Numerical Recipes LCG; use the high bits
    const r = x >>> 8;
    const counts: Record<string, number> = {};
    counts[categories[r % categories.length]!] = 1 + ((r >>> 4) % 4);
    items.push({ id: `item-${i}`, counts, site: `site-${r % 7}`, status: (r >>> 6) % 3 === 0 ? 'deployed' : 'stored' });
  }
  return items;
}
