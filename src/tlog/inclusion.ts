/**
 * RFC 6962 §2.1.1 Merkle audit paths (inclusion proofs): generation from a NodeReader, and verification with the
 * iterative algorithm of RFC 9162 §2.1.3.2 as transparency-dev/merkle implements it (proof/verify.go: the proof
 * splits into an inner part and a right-border part, see proof-chain.ts).
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { Rfc6962Hasher } from './hasher.js';
import { type NodeReader, rangeHash, readNode } from './node-reader.js';
import { chainBorderRight, chainInner, inclusionShape } from './proof-chain.js';
import { checkCount, checkHash, checkProofArray, checkProofHashes } from './proof-inputs.js';
import { shr, xorBitLength } from './tree-math.js';

/**
 * The hashes proving that the complete node (level, index) is in the tree of `size` leaves, bottom up: RFC 6962
 * PATH generalised from leaves to nodes, which consistency and subtree proofs are made of. O(log n) reads.
 * The caller guarantees (index + 1)·2^level ≤ size.
 */
export function nodeInclusionPath(
  hasher: Rfc6962Hasher,
  reader: NodeReader,
  level: number,
  index: number,
  size: number,
): Uint8Array[] {
  // `inner` levels up, the node's path meets the path of the last leaf.
  const inner = xorBitLength(index, shr(size - 1, level));
  const path: Uint8Array[] = [];
  // Below that meeting point every sibling is a complete node.
  for (let j = 0; j + 1 < inner; j++) {
    const node = shr(index, j);
    path.push(readNode(reader, level + j, node % 2 === 0 ? node + 1 : node - 1));
  }
  // Just below it, our ancestor is a left child and its right sibling holds the last leaf: the ephemeral node,
  // MTH of the range from its start to the end of the tree.
  if (inner > 0) {
    const siblingLevel = level + inner - 1;
    path.push(rangeHash(hasher, reader, (shr(index, inner - 1) + 1) * 2 ** siblingLevel, size));
  }
  // Above it, along the right border, only ancestors that are right children have a sibling (on their left).
  for (let j = inner, node = shr(index, inner); node > 0; j++, node = shr(node, 1)) {
    if (node % 2 === 1) path.push(readNode(reader, level + j, node - 1));
  }
  return path;
}

/** PATH(index, D[size]): the inclusion proof for leaf `index` in the tree of `size` leaves. */
export function inclusionProof(hasher: Rfc6962Hasher, reader: NodeReader, index: number, size: number): Uint8Array[] {
  checkCount(index, 'index');
  checkCount(size, 'size');
  if (index >= size) fail('BAD_INPUT', `inclusion proof: index ${index} is beyond tree size ${size}`);
  return nodeInclusionPath(hasher, reader, 0, index, size);
}

/**
 * The root that `proof` implies for leaf `index` with hash `leafHash` in a tree of `size` leaves. Throws
 * PROOF_INVALID if no root can be computed (index beyond size, wrong proof length, a hash not 32 bytes).
 */
export function rootFromInclusionProof(
  hasher: Rfc6962Hasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkCount(index, 'index');
  checkCount(size, 'size');
  const items = checkProofArray(proof);
  const leaf = checkHash(leafHash, 'leaf hash');
  if (index >= size) fail('PROOF_INVALID', `inclusion proof: index ${index} is beyond tree size ${size}`);
  const [inner, border] = inclusionShape(index, size);
  const hashes = checkProofHashes(items, inner + border, 'inclusion proof');
  return chainBorderRight(hasher, chainInner(hasher, leaf, hashes.slice(0, inner), index), hashes.slice(inner));
}

/** Checks that `proof` shows leaf `index` with hash `leafHash` is in the tree of `size` leaves with root `root`. */
export function verifyInclusion(
  hasher: Rfc6962Hasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(root, 'root');
  const computed = rootFromInclusionProof(hasher, index, size, leafHash, proof);
  if (!equalBytes(computed, root)) {
    fail('PROOF_INVALID', `inclusion proof: computed root ${toHex(computed)} does not match root ${toHex(root)}`);
  }
}
