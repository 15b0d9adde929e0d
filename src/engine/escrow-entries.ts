/**
 * Between the model's entries and src/escrow's documents (docs/ESCROW.md §10). An escrowed declaration entry
 * publishes a commitment; a declaration-opening entry carries an opening. The escrow library works on its own
 * format (hex salts, sum vectors, items with `id` and `counts`); this file converts both ways, one spelling each:
 *
 * - a declared item `{uid, category, site, status, attributes?}` is the escrow item
 *   `{id: uid, counts: {[category]: 1}, category, site, status, attributes?}`;
 * - the declaration's categories are the regime's `item` categories, sorted; its totals list one `{category, total}`
 *   per category (no status), in that order;
 * - a salt is base64 in the entry, hex in the escrow document; a path step's sums are an object keyed by category in
 *   the entry, a vector in category order in the escrow document.
 */
import { fromBase64, fromHex, toBase64, toHex } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { fail } from '../crypto/errors.js';
import type { EscrowCommitment, EscrowItem, EscrowOpening } from '../escrow/index.js';
import { type DeclarationOpeningBody, type EntryRef, Item, type Regime } from '../model/index.js';

type EscrowedBody = { form: 'escrowed'; asOf: string; root: string; leaves: number; totals: TotalLine[] };
type TotalLine = { category: string; status?: string; total: number };

/** The categories an escrowed declaration counts: the regime's item categories, sorted by UTF-16 code units. */
export function escrowCategories(regime: Regime): string[] {
  return regime.categories
    .filter((c) => c.kind === 'item')
    .map((c) => c.id)
    .sort();
}

/** The escrow item a declared item is committed as. */
export function escrowItemOf(item: Item): EscrowItem {
  return {
    id: item.uid,
    counts: { [item.category]: 1 },
    category: item.category,
    site: item.site,
    status: item.status,
    ...(item.attributes ? { attributes: { ...item.attributes } } : {}),
  };
}

/** The declared item an escrow item stands for; ESCROW_MALFORMED if it is not one (exactly) of escrowItemOf's. */
export function modelItemOf(e: EscrowItem, field = 'item'): Item {
  const { id, counts: _counts, ...rest } = e;
  const parsed = Item.safeParse({ uid: id, ...rest });
  if (!parsed.success) fail('ESCROW_MALFORMED', `${field}: not a declared item (${parsed.error.issues[0]?.message})`);
  if (canonicalJson(escrowItemOf(parsed.data) as never) !== canonicalJson(e as never)) {
    fail('ESCROW_MALFORMED', `${field}: its counts must be {"${parsed.data.category}": 1} and nothing else`);
  }
  return parsed.data;
}

/** The escrow commitment an escrowed declaration entry publishes. */
export function commitmentOfDeclaration(body: EscrowedBody): EscrowCommitment {
  const totals: Record<string, number> = {};
  for (const t of body.totals) {
    if (t.status !== undefined)
      fail('ESCROW_MALFORMED', `totals: ${t.category} has a status; escrowed totals have none`);
    if (totals[t.category] !== undefined) fail('ESCROW_MALFORMED', `totals: ${t.category} appears twice`);
    totals[t.category] = t.total;
  }
  return { v: 1, root: body.root, size: body.leaves, categories: Object.keys(totals).sort(), totals };
}

/** The body of the escrowed declaration entry that publishes `commitment`. */
export function declarationBodyOf(commitment: EscrowCommitment, asOf: string): EscrowedBody {
  return {
    form: 'escrowed',
    asOf,
    root: commitment.root,
    leaves: commitment.size,
    totals: commitment.categories.map((category) => ({ category, total: commitment.totals[category]! })),
  };
}

/** The body of a declaration-opening entry carrying `opening`. */
export function openingBodyOf(declaration: EntryRef, opening: EscrowOpening, region?: string): DeclarationOpeningBody {
  const categories = opening.commitment.categories;
  return {
    declaration,
    ...(region !== undefined ? { region } : {}),
    leaves: opening.leaves.map((l, i) => ({
      index: l.index,
      item: l.item === null ? null : modelItemOf(l.item, `leaves[${i}].item`),
      salt: toBase64(fromHex(l.salt)),
      proof: l.path.map((s) => ({ hash: s.hash, sums: Object.fromEntries(categories.map((c, k) => [c, s.sums[k]!])) })),
    })),
  };
}

/** The escrow opening a declaration-opening entry carries, for the commitment of the declaration it opens. */
export function escrowOpeningOf(body: DeclarationOpeningBody, commitment: EscrowCommitment): EscrowOpening {
  const categories = commitment.categories;
  return {
    v: 1,
    commitment,
    leaves: body.leaves.map((l, i) => ({
      index: l.index,
      salt: toHex(fromBase64(l.salt)),
      item: l.item === null ? null : escrowItemOf(l.item),
      path: l.proof.map((s, k) => {
        const keys = Object.keys(s.sums).sort();
        if (keys.length !== categories.length || keys.some((c, j) => c !== categories[j])) {
          fail(
            'ESCROW_MALFORMED',
            `leaves[${i}].proof[${k}].sums: expected exactly the categories ${categories.join(', ')}`,
          );
        }
        return { hash: s.hash, sums: categories.map((c) => s.sums[c]!) };
      }),
    })),
  };
}
