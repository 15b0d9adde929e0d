/**
 * RFC 6962 §2.1.2 Merkle consistency proofs: generation from a NodeReader, and verification with the iterative
 * algorithm of RFC 9162 §2.1.4.2 as transparency-dev/merkle implements it (proof/verify.go).
 *
 * A consistency proof from size1 to size2 is the inclusion path, in the tree of size2, of the last perfect subtree
 * of [0, size1) (the node of height trailingZeros(size1) ending at size1), preceded by that node's hash unless it is
 * the whole old tree, whose hash the verifier already has as root1 (SUBPROOF's flag b in RFC 6962).
 *
 * Edge cases, where RFC 6962 (which defines proofs for 0 < m < n) and upstream leave a choice:
 * - size1 = size2: the proof is empty and the roots must be equal.
 * - size1 = 0: the empty tree is a prefix of every tree, so the proof is empty and root1 must be MTH({}) =
 *   SHA-256(""); root2 is not constrained. transparency-dev/merkle instead rejects every size1 = 0, which forces
 *   callers to special-case it; C2SP tlog-witness requires exactly our rule ("old 0" needs an empty proof, and a
 *   size-0 checkpoint must have the empty root), and the MTC subtree verifier upstream treats the empty subtree
 *   [0, 0) the same way. None of the upstream probes with size1 = 0 becomes accepted: each also has a non-empty
 *   proof or a root that is not a 32-byte hash.
 * - Every hash (roots and proof elements) must be 32 bytes, even when size1 = size2 and a byte comparison would
 *   do; upstream accepts equal roots of any length there. See proof-inputs.ts for why.
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { Rfc6962Hasher } from './hasher.js';
import { nodeInclusionPath } from './inclusion.js';
import { type NodeReader, readNode } from './node-reader.js';
import { chainBorderRight, chainInner, chainInnerRight } from './proof-chain.js';
import { checkCount, checkHash, checkProofArray, checkProofHashes } from './proof-inputs.js';
import { isPowerOfTwo, popcount, shr, trailingZeros, xorBitLength } from './tree-math.js';

/** PROOF(size1, D[size2]); empty when size1 is 0 or equal to size2. */
export function consistencyProof(
  hasher: Rfc6962Hasher,
  reader: NodeReader,
  size1: number,
  size2: number,
): Uint8Array[] {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 > size2) fail('BAD_INPUT', `consistency proof: size1 ${size1} is greater than size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const level = trailingZeros(size1);
  const index = shr(size1, level) - 1;
  const path = nodeInclusionPath(hasher, reader, level, index, size2);
  return index === 0 ? path : [readNode(reader, level, index), ...path];
}

/** Checks that `proof` shows the tree of size1 with root1 is a prefix of the tree of size2 with root2. */
export function verifyConsistency(
  hasher: Rfc6962Hasher,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  const items = checkProofArray(proof);
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  if (size1 > size2) fail('PROOF_INVALID', `consistency proof: size1 ${size1} is greater than size2 ${size2}`);

  if (size1 === 0 || size1 === size2) {
    checkProofHashes(items, 0, `consistency proof from size ${size1} to ${size2}`);
    if (size1 === 0 && !equalBytes(root1, hasher.emptyRoot())) {
      fail('PROOF_INVALID', `consistency proof: root1 ${toHex(root1)} is not the root of the empty tree`);
    }
    if (size1 === size2 && !equalBytes(root1, root2)) {
      fail('PROOF_INVALID', `consistency proof: sizes are equal (${size1}) but the roots differ`);
    }
    return;
  }

  // The seed is the last perfect subtree of the old tree, at level `shift`; from there, the proof is the inclusion
  // path of that node in the new tree (`inner` + `border` hashes).
  const shift = trailingZeros(size1);
  const inner = xorBitLength(size1 - 1, size2 - 1) - shift; // ≥ 1: the seed ends at size1 < size2
  const border = popcount(shr(size1 - 1, inner + shift));
  const seeded = isPowerOfTwo(size1); // the seed is the whole old tree: its hash is root1, not in the proof
  const hashes = checkProofHashes(items, (seeded ? 0 : 1) + inner + border, 'consistency proof');
  const seed = seeded ? root1 : hashes[0]!;
  const path = seeded ? hashes : hashes.slice(1);
  const mask = shr(size1 - 1, shift);

  // The old root uses only the left siblings; the new root uses them all.
  const hash1 = chainBorderRight(hasher, chainInnerRight(hasher, seed, path.slice(0, inner), mask), path.slice(inner));
  if (!equalBytes(hash1, root1)) {
    fail('PROOF_INVALID', `consistency proof: computed root1 ${toHex(hash1)} does not match root1 ${toHex(root1)}`);
  }
  const hash2 = chainBorderRight(hasher, chainInner(hasher, seed, path.slice(0, inner), mask), path.slice(inner));
  if (!equalBytes(hash2, root2)) {
    fail('PROOF_INVALID', `consistency proof: computed root2 ${toHex(hash2)} does not match root2 ${toHex(root2)}`);
  }
}
