/**
 * Multi-leaf proofs (docs/ESCROW.md §3.4): the nodes that k opened leaves need to reach the root, each shared node
 * once. Walking the tree level by level from the opened leaves, a node whose sibling is itself known (opened, or
 * computed from below) needs nothing; otherwise its sibling is the next node of the proof. The proof lists exactly
 * those siblings, bottom up and left to right within a level, so its length and order follow from (indexes, size)
 * alone and a verifier refuses a proof with a node too many or too few.
 */
import { fail } from '../crypto/errors.js';
import { MAX_SUM } from './format.js';
import type { EscrowHasher } from './sum-tree.js';

/** A node's position: its level (0 = leaves) and its index within the level. */
export interface NodePosition {
  level: number;
  index: number;
}

/**
 * The positions of the nodes a multi-leaf proof of `indexes` (strictly ascending, each in [0, size)) carries, in
 * the order it carries them.
 */
export function multiProofPositions(indexes: readonly number[], size: number): NodePosition[] {
  const out: NodePosition[] = [];
  let known = indexes.slice();
  for (let level = 0, w = size; w > 1; level++, w = Math.ceil(w / 2)) {
    const next: number[] = [];
    for (let i = 0; i < known.length; i++) {
      const j = known[i]!;
      if (j % 2 === 0) {
        if (known[i + 1] === j + 1) i++;
        else if (j + 1 < w) out.push({ level, index: j + 1 });
      } else out.push({ level, index: j - 1 });
      next.push(j >> 1);
    }
    known = next;
  }
  return out;
}

/** A computed or given node: hash and sums in category order. */
export interface ProofNode {
  hash: Uint8Array;
  sums: number[];
}

/**
 * Folds known nodes at level 0 (`leaves`, strictly ascending by index) and the proof's `nodes` up to the top node
 * of a tree of `size` leaves. Refuses a proof with a node missing or left over (`field` names it), and any sum
 * that exceeds 2^53 - 1.
 */
export function foldMultiProof(
  hasher: EscrowHasher,
  size: number,
  leaves: readonly { index: number; node: ProofNode }[],
  nodes: readonly ProofNode[],
  field: string,
): ProofNode {
  const needed = () =>
    multiProofPositions(
      leaves.map((l) => l.index),
      size,
    ).length;
  let used = 0;
  const take = (): ProofNode => {
    const n = nodes[used++];
    if (!n) {
      fail(
        'ESCROW_INVALID',
        `${field}: has ${nodes.length} nodes, but these leaves of a tree of size ${size} need ${needed()}`,
      );
    }
    return n;
  };
  let known = leaves.map((l) => ({ index: l.index, node: l.node }));
  for (let level = 0, w = size; w > 1; level++, w = Math.ceil(w / 2)) {
    const next: typeof known = [];
    for (let i = 0; i < known.length; i++) {
      const { index: j, node } = known[i]!;
      let left: ProofNode;
      let right: ProofNode;
      if (j % 2 === 0) {
        if (known[i + 1]?.index === j + 1) right = known[++i]!.node;
        else if (j + 1 < w) right = take();
        else {
          // The last node of an odd-width level is carried up unchanged.
          next.push({ index: j >> 1, node });
          continue;
        }
        left = node;
      } else {
        left = take();
        right = node;
      }
      const sums = left.sums.map((s, k) => s + right.sums[k]!);
      const over = sums.findIndex((s) => s > MAX_SUM);
      if (over >= 0)
        fail('ESCROW_INVALID', `${field}: the sum of category ${over} at level ${level + 1} exceeds 2^53 - 1`);
      next.push({ index: j >> 1, node: { hash: hasher.node(left.hash, left.sums, right.hash, right.sums), sums } });
    }
    known = next;
  }
  if (used !== nodes.length) {
    fail(
      'ESCROW_INVALID',
      `${field}: has ${nodes.length} nodes, but these leaves of a tree of size ${size} need ${used}`,
    );
  }
  return known[0]!.node;
}
