/**
 * Recomputing a root from proof hashes, as in RFC 9162 §2.1.3.2 and transparency-dev/merkle proof/verify.go.
 * A proof for the node at `index` on its level splits in two parts:
 * - inner: one sibling per level, up to where the node's path meets the path of the tree's last leaf. The node's
 *   index bit at each level says whether the sibling is on the left or the right.
 * - border: above that meeting point the path runs along the right border of the tree, where only left siblings
 *   exist, one per set bit of the remaining index.
 * The proof lists hashes bottom up, as RFC 6962's PATH and SUBPROOF produce them.
 */
import type { Rfc6962Hasher } from './hasher.js';
import { bitAt, popcount, shr, xorBitLength } from './tree-math.js';

/** Lengths [inner, border] of an inclusion proof for leaf `index` in a tree of `size` leaves (0 ≤ index < size). */
export function inclusionShape(index: number, size: number): [inner: number, border: number] {
  const inner = xorBitLength(index, size - 1);
  return [inner, popcount(shr(index, inner))];
}

/** Chains up from `seed`, at position `index` on its level, putting each proof hash on the side the index says. */
export function chainInner(hasher: Rfc6962Hasher, seed: Uint8Array, proof: Uint8Array[], index: number): Uint8Array {
  let hash = seed;
  for (let i = 0; i < proof.length; i++) {
    hash = bitAt(index, i) === 0 ? hasher.hashChildren(hash, proof[i]!) : hasher.hashChildren(proof[i]!, hash);
  }
  return hash;
}

/**
 * Like chainInner but only uses the left siblings: the right ones cover leaves an older, smaller tree did not
 * have yet, so the result is the hash of the same subtree as it was in that older tree.
 */
export function chainInnerRight(
  hasher: Rfc6962Hasher,
  seed: Uint8Array,
  proof: Uint8Array[],
  index: number,
): Uint8Array {
  let hash = seed;
  for (let i = 0; i < proof.length; i++) if (bitAt(index, i) === 1) hash = hasher.hashChildren(proof[i]!, hash);
  return hash;
}

/** Chains up the right border: every proof hash is a left sibling. */
export function chainBorderRight(hasher: Rfc6962Hasher, seed: Uint8Array, proof: Uint8Array[]): Uint8Array {
  let hash = seed;
  for (const h of proof) hash = hasher.hashChildren(h, hash);
  return hash;
}
