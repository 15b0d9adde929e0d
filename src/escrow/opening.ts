/**
 * Openings (docs/ESCROW.md §3.2): the committing party reveals chosen leaves (item, salt, path of sibling hashes
 * and sibling sums); anyone recomputes the root and the totals from each path and compares them with the
 * commitment published in the declaration entry. Every failure throws a DetenteError: ESCROW_MALFORMED for a
 * document that breaks the format, ESCROW_INVALID for one that is well formed but does not verify.
 */
import { equalBytes, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { Sha256 } from '../crypto/sha256.js';
import { type EscrowCommitment, type ParsedCommitment, parseCommitment, sameCommitment } from './commitment.js';
import { expectInteger, expectObject, expectSum, MAX_SUM, parseHash } from './format.js';
import { type EscrowItem, itemBytes, readItemCounts } from './item.js';
import { foldMultiProof, multiProofPositions, type ProofNode } from './multi-proof.js';
import { EscrowHasher, type EscrowTree, pathPositions } from './sum-tree.js';

/** One sibling on a path, bottom up: its hash and its sums in category order. */
export interface PathStep {
  hash: string;
  sums: number[];
}

export interface OpenedLeaf {
  /** Leaf index in [0, size). */
  index: number;
  /** The leaf's 32-byte salt, hex. */
  salt: string;
  /** The item, or null when the leaf is padding. */
  item: EscrowItem | null;
  /** Siblings from the leaf's level up to the top; RFC 6962 shape, so an unpaired node has none at its level. */
  path: PathStep[];
}

export interface EscrowOpening {
  v: 1;
  /** The commitment the leaves open: must equal the one the declaration entry published. */
  commitment: EscrowCommitment;
  /** Strictly ascending by index. */
  leaves: OpenedLeaf[];
}

/**
 * Version 2 (§3.4): the leaves without paths, and one multi-leaf proof that carries each node the leaves need
 * once, in the order multiProofPositions gives.
 */
export interface MultiOpening {
  v: 2;
  commitment: EscrowCommitment;
  /** Strictly ascending by index. */
  leaves: { index: number; salt: string; item: EscrowItem | null }[];
  nodes: PathStep[];
}

export type AnyOpening = EscrowOpening | MultiOpening;

export interface VerifiedOpening {
  commitment: EscrowCommitment;
  /** The opened leaves, ascending by index; item null for padding. */
  leaves: { index: number; item: EscrowItem | null }[];
}

/** More path steps than any tree of at most 2^32 leaves can have. */
const MAX_PATH = 33;

/** Opens the given leaves of a tree (any order; duplicates collapse). */
export function createOpening(tree: EscrowTree, leafIndexes: readonly number[]): EscrowOpening {
  const indexes = [...new Set(leafIndexes)].sort((a, b) => a - b);
  const leaves: OpenedLeaf[] = indexes.map((index) => {
    const item = tree.itemAtLeaf(index);
    return {
      index,
      salt: toHex(tree.saltAt(index)),
      item: item === null ? null : (JSON.parse(JSON.stringify(item)) as EscrowItem),
      path: pathPositions(index, tree.size).map((p) => {
        const node = tree.node(p.level, p.index);
        return { hash: toHex(node.hash), sums: node.sums };
      }),
    };
  });
  return { v: 1, commitment: tree.commitment(), leaves };
}

/** Opens the given leaves of a tree (any order; duplicates collapse) with one multi-leaf proof. */
export function createMultiOpening(tree: EscrowTree, leafIndexes: readonly number[]): MultiOpening {
  const indexes = [...new Set(leafIndexes)].sort((a, b) => a - b);
  const leaves = indexes.map((index) => {
    const item = tree.itemAtLeaf(index);
    return {
      index,
      salt: toHex(tree.saltAt(index)),
      item: item === null ? null : (JSON.parse(JSON.stringify(item)) as EscrowItem),
    };
  });
  const nodes = multiProofPositions(indexes, tree.size).map((p) => {
    const node = tree.node(p.level, p.index);
    return { hash: toHex(node.hash), sums: node.sums };
  });
  return { v: 2, commitment: tree.commitment(), leaves, nodes };
}

/**
 * The multi-leaf form of a version 1 opening: the same leaves, and each node of the multi-leaf proof taken from
 * the first path that carries it (a path's siblings that another opened leaf computes are dropped).
 */
export function toMultiOpening(opening: EscrowOpening): MultiOpening {
  const size = opening.commitment.size;
  const given = new Map<string, PathStep>();
  for (const leaf of opening.leaves) {
    const steps = pathPositions(leaf.index, size);
    steps.forEach((p, s) => {
      const key = `${p.level}/${p.index}`;
      const step = leaf.path[s];
      if (step && !given.has(key)) given.set(key, step);
    });
  }
  const positions = multiProofPositions(
    opening.leaves.map((l) => l.index),
    size,
  );
  return {
    v: 2,
    commitment: opening.commitment,
    leaves: opening.leaves.map((l) => ({ index: l.index, salt: l.salt, item: l.item })),
    nodes: positions.flatMap((p) => given.get(`${p.level}/${p.index}`) ?? []),
  };
}

/** Opens every item that matches, e.g. all items at a site, or in the region a phased schedule reaches next. */
export function openWhere(tree: EscrowTree, predicate: (item: EscrowItem) => boolean): EscrowOpening {
  return createOpening(tree, tree.leafIndexesWhere(predicate));
}

export interface ParsedStep {
  hash: Uint8Array;
  sums: number[];
}

export interface ParsedLeaf {
  index: number;
  salt: Uint8Array;
  item: EscrowItem | null;
  counts: number[];
  path: ParsedStep[];
}

export interface ParsedOpening {
  v: 1 | 2;
  commitment: ParsedCommitment;
  /** Version 2: each leaf's path is empty, and `nodes` is the multi-leaf proof. */
  leaves: ParsedLeaf[];
  nodes: ParsedStep[];
}

function parseStep(s: unknown, categories: readonly string[], sf: string): ParsedStep {
  const step = expectObject(s, ['hash', 'sums'], sf, 'ESCROW_MALFORMED');
  const hash = parseHash(step.hash, `${sf}.hash`, 'ESCROW_MALFORMED');
  if (!Array.isArray(step.sums) || step.sums.length !== categories.length) {
    fail('ESCROW_MALFORMED', `${sf}.sums: expected ${categories.length} sums, one per category`);
  }
  const sums = step.sums.map((v: unknown, k: number) =>
    expectSum(v, `${sf}.sums[${k}]`, 'ESCROW_MALFORMED', 'ESCROW_INVALID'),
  );
  return { hash, sums };
}

function parseLeaf(value: unknown, commitment: ParsedCommitment, field: string, v: 1 | 2): ParsedLeaf {
  const members = v === 1 ? ['index', 'salt', 'item', 'path'] : ['index', 'salt', 'item'];
  const o = expectObject(value, members, field, 'ESCROW_MALFORMED');
  const { size, categories } = commitment;
  const index = expectInteger(o.index, 0, Number.MAX_SAFE_INTEGER, `${field}.index`, 'ESCROW_MALFORMED');
  if (index >= size) {
    fail('ESCROW_INVALID', `${field}.index: leaf ${index} is beyond the tree (size ${size})`);
  }
  const salt = parseHash(o.salt, `${field}.salt`, 'ESCROW_MALFORMED');
  const counts = new Array<number>(categories.length).fill(0);
  const item =
    o.item === null
      ? null
      : readItemCounts(o.item, categories, counts, 0, `${field}.item`, 'ESCROW_MALFORMED', 'ESCROW_INVALID');
  if (v === 2) return { index, salt, item, counts, path: [] };
  if (!Array.isArray(o.path) || o.path.length > MAX_PATH) {
    fail('ESCROW_MALFORMED', `${field}.path: expected an array of at most ${MAX_PATH} steps`);
  }
  const path = o.path.map((s: unknown, i: number) => parseStep(s, categories, `${field}.path[${i}]`));
  return { index, salt, item, counts, path };
}

/** Reads an opening document strictly (shape, encodings, ranges); does not verify it. */
export function parseOpening(value: unknown): ParsedOpening {
  const v = (value as { v?: unknown } | null)?.v;
  if (v !== 1 && v !== 2) fail('ESCROW_MALFORMED', 'opening.v: expected 1 or 2');
  const members = v === 1 ? ['v', 'commitment', 'leaves'] : ['v', 'commitment', 'leaves', 'nodes'];
  const o = expectObject(value, members, 'opening', 'ESCROW_MALFORMED');
  const commitment = parseCommitment(o.commitment, 'opening.commitment');
  if (!Array.isArray(o.leaves) || o.leaves.length === 0) {
    fail('ESCROW_MALFORMED', 'opening.leaves: expected a non-empty array');
  }
  const leaves: ParsedLeaf[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < o.leaves.length; i++) {
    const leaf = parseLeaf(o.leaves[i], commitment, `opening.leaves[${i}]`, v);
    if (i > 0 && leaf.index <= leaves[i - 1]!.index) {
      fail('ESCROW_MALFORMED', `opening.leaves[${i}].index: leaves must be strictly ascending by index`);
    }
    if (leaf.item) {
      if (ids.has(leaf.item.id)) {
        fail('ESCROW_INVALID', `opening.leaves[${i}].item.id: ${JSON.stringify(leaf.item.id)} is opened twice`);
      }
      ids.add(leaf.item.id);
    }
    leaves.push(leaf);
  }
  let nodes: ParsedStep[] = [];
  if (v === 2) {
    // No tree of 2^32 leaves needs more than 33 nodes per opened leaf.
    if (!Array.isArray(o.nodes) || o.nodes.length > MAX_PATH * leaves.length) {
      fail('ESCROW_MALFORMED', `opening.nodes: expected an array of at most ${MAX_PATH * leaves.length} nodes`);
    }
    nodes = o.nodes.map((s: unknown, i: number) => parseStep(s, commitment.categories, `opening.nodes[${i}]`));
  }
  return { v, commitment, leaves, nodes };
}

function formatTotals(categories: readonly string[], sums: readonly number[]): string {
  return JSON.stringify(Object.fromEntries(categories.map((c, k) => [c, sums[k]])));
}

/** Recomputes one leaf's root and totals and compares them with the commitment. */
function verifyLeaf(hasher: EscrowHasher, commitment: ParsedCommitment, leaf: ParsedLeaf, field: string): void {
  const { size, categories } = commitment;
  const c = categories.length;
  const steps = pathPositions(leaf.index, size);
  if (leaf.path.length !== steps.length) {
    fail(
      'ESCROW_INVALID',
      `${field}.path: has ${leaf.path.length} steps, but leaf ${leaf.index} of a tree of size ${size} needs ${steps.length}`,
    );
  }
  const bytes = leaf.item === null ? new Uint8Array(0) : itemBytes(leaf.item, `${field}.item`, 'ESCROW_MALFORMED');
  let hash = hasher.leaf(leaf.salt, bytes);
  const sums = leaf.counts.slice();
  for (let s = 0; s < steps.length; s++) {
    const sib = leaf.path[s]!;
    hash = steps[s]!.siblingOnLeft
      ? hasher.node(sib.hash, sib.sums, hash, sums)
      : hasher.node(hash, sums, sib.hash, sib.sums);
    for (let k = 0; k < c; k++) {
      const total = sums[k]! + sib.sums[k]!;
      if (total > MAX_SUM) {
        fail('ESCROW_INVALID', `${field}.path[${s}].sums[${k}]: the sum above this step exceeds 2^53 - 1`);
      }
      sums[k] = total;
    }
  }
  checkTop(hasher, commitment, { hash, sums }, `${field}: leaf ${leaf.index}`, 'its salt, item, sums or path');
}

/** The top node must lead to the committed root, and its sums be the published totals. */
function checkTop(
  hasher: EscrowHasher,
  commitment: ParsedCommitment,
  top: ProofNode,
  what: string,
  parts: string,
): void {
  const { size, categories } = commitment;
  const sums = top.sums;
  const root = hasher.root(size, categories, top.hash, sums);
  if (!equalBytes(root, commitment.root)) {
    fail(
      'ESCROW_INVALID',
      `${what} leads to root ${toHex(root)}, not the committed root ${toHex(commitment.root)}: ` +
        `${parts} is not the one committed`,
    );
  }
  for (let k = 0; k < categories.length; k++) {
    if (sums[k] !== commitment.totals[k]) {
      fail(
        'ESCROW_INVALID',
        `commitment.totals: the root commits to totals ${formatTotals(categories, sums)}, ` +
          `but the commitment publishes ${formatTotals(categories, commitment.totals)}`,
      );
    }
  }
}

/**
 * Verifies an opening against the commitment the declaration entry published (which the caller trusts because
 * the party signed it into its log). Checks that the opening names that same commitment, then, for every leaf:
 * the index lies in the tree, the path has the length the index and size require, every sum is a non-negative
 * safe integer and no sum overflows, the path leads to the committed root, and the sums it implies at the top
 * equal the published totals.
 */
export function verifyOpening(
  opening: unknown,
  commitment: EscrowCommitment | unknown,
  sha256: Sha256,
): VerifiedOpening {
  const trusted = parseCommitment(commitment, 'commitment');
  const parsed = parseOpening(opening);
  if (!sameCommitment(parsed.commitment.doc, trusted.doc)) {
    fail(
      'ESCROW_INVALID',
      `opening.commitment: names root ${parsed.commitment.doc.root} (size ${parsed.commitment.size}, totals ` +
        `${formatTotals(parsed.commitment.categories, parsed.commitment.totals)}), not the published commitment ` +
        `(root ${trusted.doc.root}, size ${trusted.size}, totals ${formatTotals(trusted.categories, trusted.totals)})`,
    );
  }
  const hasher = new EscrowHasher(sha256, trusted.categories.length);
  if (parsed.v === 1) {
    for (let i = 0; i < parsed.leaves.length; i++)
      verifyLeaf(hasher, trusted, parsed.leaves[i]!, `opening.leaves[${i}]`);
  } else {
    const leaves = parsed.leaves.map((l, i) => {
      const bytes =
        l.item === null ? new Uint8Array(0) : itemBytes(l.item, `opening.leaves[${i}].item`, 'ESCROW_MALFORMED');
      return { index: l.index, node: { hash: hasher.leaf(l.salt, bytes), sums: l.counts } };
    });
    const top = foldMultiProof(hasher, trusted.size, leaves, parsed.nodes, 'opening.nodes');
    checkTop(hasher, trusted, top, 'opening', 'a salt, item, or node of the proof');
  }
  return {
    commitment: trusted.doc,
    leaves: parsed.leaves.map((l) => ({ index: l.index, item: l.item })),
  };
}
