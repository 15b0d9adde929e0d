/**
 * The public commitment to a declaration (docs/ESCROW.md §3.1): the root hash, the padded tree size, the category
 * list and the per-category totals. A declaration entry publishes exactly this; openings are checked against it.
 */
import { toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import { checkCategories, expectInteger, expectObject, expectSum, MAX_TREE_SIZE, parseHash } from './format.js';

export interface EscrowCommitment {
  v: 1;
  /** SHA-256 root digest, 64 lower-case hex digits (§2.4). */
  root: string;
  /** Leaves in the tree, padding included: a multiple of the regime's padding bound. */
  size: number;
  /** The declaration's category ids, sorted and unique. */
  categories: string[];
  /** Total count per category: the sums the root commits to. */
  totals: Record<string, number>;
}

/** A commitment in the form the verifier computes with. */
export interface ParsedCommitment {
  doc: EscrowCommitment;
  root: Uint8Array;
  size: number;
  categories: string[];
  /** Totals in category order. */
  totals: number[];
}

const KEYS = ['v', 'root', 'size', 'categories', 'totals'] as const;

/** Reads a commitment document strictly; anything off throws DetenteError ESCROW_MALFORMED. */
export function parseCommitment(value: unknown, field = 'commitment'): ParsedCommitment {
  const o = expectObject(value, KEYS, field, 'ESCROW_MALFORMED');
  if (o.v !== 1) fail('ESCROW_MALFORMED', `${field}.v: expected 1`);
  const root = parseHash(o.root, `${field}.root`, 'ESCROW_MALFORMED');
  const size = expectInteger(o.size, 1, MAX_TREE_SIZE, `${field}.size`, 'ESCROW_MALFORMED');
  const categories = checkCategories(o.categories, `${field}.categories`, 'ESCROW_MALFORMED');
  const totalsDoc = expectObject(o.totals, categories, `${field}.totals`, 'ESCROW_MALFORMED');
  const totals = categories.map((c) =>
    expectSum(totalsDoc[c], `${field}.totals.${c}`, 'ESCROW_MALFORMED', 'ESCROW_INVALID'),
  );
  const doc: EscrowCommitment = {
    v: 1,
    root: toHex(root),
    size,
    categories: [...categories],
    totals: Object.fromEntries(categories.map((c, i) => [c, totals[i]!])),
  };
  return { doc, root, size, categories, totals };
}

/**
 * Checks that a commitment's size respects the regime's padding bound: a multiple of it, so that the size says
 * nothing about the item count beyond the bucket it falls in. Throws ESCROW_INVALID otherwise.
 */
export function checkPadding(commitment: EscrowCommitment, paddingBound: number): void {
  checkPaddingBound(paddingBound);
  if (commitment.size % paddingBound !== 0) {
    fail('ESCROW_INVALID', `commitment.size ${commitment.size} is not a multiple of the padding bound ${paddingBound}`);
  }
}

export function checkPaddingBound(paddingBound: number): void {
  if (!Number.isInteger(paddingBound) || paddingBound < 1 || paddingBound > MAX_TREE_SIZE) {
    fail('BAD_INPUT', `paddingBound: expected an integer in [1, ${MAX_TREE_SIZE}], got ${paddingBound}`);
  }
}

/** The padded tree size for `itemCount` items: the next multiple of the bound, and at least one bound. */
export function paddedSize(itemCount: number, paddingBound: number): number {
  checkPaddingBound(paddingBound);
  if (!Number.isInteger(itemCount) || itemCount < 0) fail('BAD_INPUT', `itemCount: expected a non-negative integer`);
  const size = Math.max(1, Math.ceil(itemCount / paddingBound)) * paddingBound;
  if (size > MAX_TREE_SIZE) fail('BAD_INPUT', `a tree of ${size} leaves exceeds the limit of ${MAX_TREE_SIZE}`);
  return size;
}

/** Two commitments are the same when their documents are (root, size, categories and totals). */
export function sameCommitment(a: EscrowCommitment, b: EscrowCommitment): boolean {
  return (
    a.root === b.root &&
    a.size === b.size &&
    a.categories.length === b.categories.length &&
    a.categories.every((c, i) => c === b.categories[i] && a.totals[c] === b.totals[c])
  );
}
