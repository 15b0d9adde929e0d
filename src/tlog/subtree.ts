/**
 * Subtree inclusion and consistency proofs from draft-ietf-plants-merkle-tree-certs (Merkle Tree Certificates),
 * as transparency-dev/merkle implements them (proof/proof.go, proof/verify.go); C2SP tlog-witness's sign-subtree
 * uses them. They generalise RFC 6962 §2.1.1/§2.1.2 from the prefix [0, m) to a subtree [start, end):
 *
 * - A subtree is valid when start ≤ end and start is a multiple of BIT_CEIL(end − start). Such a range has the
 *   shape of the tree [0, end − start) and its hash, MTH(D[start:end]), is made of stored nodes (rangeHash).
 * - Subtree inclusion: the RFC 6962 inclusion proof of leaf index − start in the tree D[start:end].
 * - Subtree consistency: shows MTH(D[start:end]) is that subtree of the tree of `size` leaves. For start = 0 it is
 *   exactly the RFC 6962 consistency proof from end to size.
 *
 * Edge cases: an empty subtree [s, s) (s ≤ size) has the empty proof and hash MTH({}); it is part of every tree,
 * so the tree root is not constrained, except that a tree of size 0 must have the empty root (upstream does not
 * check that). [0, size) has the empty proof and equal hashes. As everywhere in src/tlog, and unlike upstream, every
 * hash must be 32 bytes even where it is only compared or not used at all (proof-inputs.ts).
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { Rfc6962Hasher } from './hasher.js';
import { nodeInclusionPath, verifyInclusion } from './inclusion.js';
import { type NodeReader, readNode } from './node-reader.js';
import { chainBorderRight, chainInner, chainInnerRight } from './proof-chain.js';
import { checkCount, checkHash, checkProofArray, checkProofHashes } from './proof-inputs.js';
import { bitCeil, isPowerOfTwo, popcount, shr, trailingZeros, xorBitLength } from './tree-math.js';

/** Whether [start, end) is a valid subtree (start ≤ end, start a multiple of BIT_CEIL(end − start)). */
export function isValidSubtree(start: number, end: number): boolean {
  return (
    Number.isSafeInteger(start) &&
    Number.isSafeInteger(end) &&
    0 <= start &&
    start <= end &&
    start % bitCeil(end - start) === 0
  );
}

function checkSubtree(start: number, end: number, code: 'BAD_INPUT' | 'PROOF_INVALID'): void {
  checkCount(start, 'subtree start');
  checkCount(end, 'subtree end');
  if (!isValidSubtree(start, end)) {
    fail(
      code,
      `[${start}, ${end}) is not a valid subtree: start must be ≤ end and a multiple of BIT_CEIL(end − start)`,
    );
  }
}

/** Reads the subtree [start, …) as if it were a tree of its own starting at leaf 0. */
function shiftedReader(reader: NodeReader, start: number): NodeReader {
  // Every node inside a valid subtree is at most BIT_CEIL(end − start) wide, and start is a multiple of that.
  return { nodeHash: (level, index) => reader.nodeHash(level, index + start / 2 ** level) };
}

/** The inclusion proof of leaf `index` in the subtree [start, end); start ≤ index < end. */
export function subtreeInclusionProof(
  hasher: Rfc6962Hasher,
  reader: NodeReader,
  index: number,
  start: number,
  end: number,
): Uint8Array[] {
  checkCount(index, 'index');
  checkSubtree(start, end, 'BAD_INPUT');
  if (index < start || index >= end) fail('BAD_INPUT', `index ${index} is outside the subtree [${start}, ${end})`);
  return nodeInclusionPath(hasher, shiftedReader(reader, start), 0, index - start, end - start);
}

/** Checks that `proof` shows leaf `index` with hash `leafHash` is in the subtree [start, end) with hash `subtreeHash`. */
export function verifySubtreeInclusion(
  hasher: Rfc6962Hasher,
  index: number,
  start: number,
  end: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  subtreeHash: Uint8Array,
): void {
  checkCount(index, 'index');
  checkSubtree(start, end, 'PROOF_INVALID');
  if (index < start || index >= end) fail('PROOF_INVALID', `index ${index} is outside the subtree [${start}, ${end})`);
  verifyInclusion(hasher, index - start, end - start, leafHash, proof, subtreeHash);
}

/** SUBTREE_PROOF(start, end, D[size]): proves MTH(D[start:end]) is the subtree [start, end) of the tree of `size`. */
export function subtreeConsistencyProof(
  hasher: Rfc6962Hasher,
  reader: NodeReader,
  start: number,
  end: number,
  size: number,
): Uint8Array[] {
  checkSubtree(start, end, 'BAD_INPUT');
  checkCount(size, 'size');
  if (end > size) fail('BAD_INPUT', `subtree [${start}, ${end}) ends beyond tree size ${size}`);
  if (start === end || (start === 0 && end === size)) return [];
  if (end === size) {
    // The subtree's own node (perfect or ephemeral) is on the right border; the verifier has its hash, so the
    // proof is the left siblings above it.
    const level = xorBitLength(end - 1, start);
    return nodeInclusionPath(hasher, reader, level, shr(start, level), size);
  }
  // As in RFC 6962: the path of the subtree's last perfect piece, preceded by that piece unless it is the whole
  // subtree.
  const level = trailingZeros(end - start);
  const index = shr(end, level) - 1;
  const path = nodeInclusionPath(hasher, reader, level, index, size);
  return isPowerOfTwo(end - start) ? path : [readNode(reader, level, index), ...path];
}

/**
 * Checks that `proof` shows the subtree [start, end) with hash `subtreeHash` is part of the tree of `size` leaves
 * with root `root`.
 */
export function verifySubtreeConsistency(
  hasher: Rfc6962Hasher,
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeHash: Uint8Array,
  root: Uint8Array,
): void {
  checkSubtree(start, end, 'PROOF_INVALID');
  checkCount(size, 'size');
  const items = checkProofArray(proof);
  checkHash(subtreeHash, 'subtree hash');
  checkHash(root, 'root');
  if (end > size) fail('PROOF_INVALID', `subtree [${start}, ${end}) ends beyond tree size ${size}`);
  const what = `subtree consistency proof for [${start}, ${end}) in size ${size}`;

  if (start === end) {
    checkProofHashes(items, 0, what);
    if (!equalBytes(subtreeHash, hasher.emptyRoot())) {
      fail('PROOF_INVALID', `${what}: the empty subtree's hash must be MTH({})`);
    }
    // Stricter than upstream, which ignores the root here even for size 0: [0, 0) is then the whole tree, and the
    // root of the empty tree is known.
    if (size === 0 && !equalBytes(root, subtreeHash)) {
      fail('PROOF_INVALID', `${what}: the root of the empty tree must be MTH({})`);
    }
    return;
  }
  if (start === 0 && end === size) {
    checkProofHashes(items, 0, what);
    if (!equalBytes(subtreeHash, root)) {
      fail('PROOF_INVALID', `${what}: the subtree is the whole tree but the hashes differ`);
    }
    return;
  }

  let computed: Uint8Array;
  if (end === size) {
    // The subtree's node is on the right border: chain its left siblings up to the root.
    const level = xorBitLength(end - 1, start);
    const hashes = checkProofHashes(items, popcount(shr(start, level)), what);
    computed = chainBorderRight(hasher, subtreeHash, hashes);
  } else {
    // As RFC 6962 consistency: the seed is the subtree's last perfect piece (level `shift`), and the rest is its
    // inclusion path in the tree of `size`, `inner` hashes up to where it meets the last leaf's path, then `border`.
    const forkLevel = xorBitLength(end - 1, size - 1);
    const border = popcount(shr(end - 1, forkLevel));
    const shift = trailingZeros(end - start);
    const inner = forkLevel - shift; // ≥ 1: the piece ends at end < size
    const perfect = isPowerOfTwo(end - start);
    const hashes = checkProofHashes(items, (perfect ? 0 : 1) + inner + border, what);
    const seed = perfect ? subtreeHash : hashes[0]!;
    const path = perfect ? hashes : hashes.slice(1);
    const mask = shr(end - 1, shift);
    if (!perfect) {
      // Rebuild the subtree's hash from the left siblings that lie inside it: inner ones up to the subtree's
      // height h (or the fork level, if lower), then the border ones between the fork level and h.
      const height = xorBitLength(end - 1, start);
      const subInner = Math.min(height, forkLevel) - shift;
      const subBorder = Math.max(0, border - popcount(shr(end - 1, height)));
      const rebuilt = chainBorderRight(
        hasher,
        chainInnerRight(hasher, seed, path.slice(0, subInner), mask),
        path.slice(inner, inner + subBorder),
      );
      if (!equalBytes(rebuilt, subtreeHash)) {
        fail('PROOF_INVALID', `${what}: computed subtree hash ${toHex(rebuilt)} does not match ${toHex(subtreeHash)}`);
      }
    }
    computed = chainBorderRight(hasher, chainInner(hasher, seed, path.slice(0, inner), mask), path.slice(inner));
  }
  if (!equalBytes(computed, root))
    fail('PROOF_INVALID', `${what}: computed root ${toHex(computed)} does not match ${toHex(root)}`);
}
