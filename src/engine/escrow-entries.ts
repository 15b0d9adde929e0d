/**
 * Between the model's entries and src/escrow's documents (docs/ESCROW.md §10). An escrowed declaration entry
 * publishes a commitment; a declaration-opening entry carries an opening. The escrow library works on its own
 * format (hex salts, sum vectors, items with `id` and `counts`); this file converts both ways, one spelling each:
 *
 * - a declared item `{uid, category, site, status, attributes?}` is the escrow item
 *   `{id: uid, counts: {[category]: 1}, category, site, status, attributes?}`;
 * - a declaration's escrow categories are, for each of the regime's `item` categories c and each status s, `c:s`
 *   (one per item) and, for each attribute a the category names, `c:s/a` (the item's value of a), sorted; its totals
 *   list `{category, status, attribute?, total}` for each, in that order (§2.7). Declarations before this split had
 *   one category per `item` category and totals without status; they still read;
 * - a salt is base64 in the entry, hex in the escrow document; a path step's sums are an object keyed by category in
 *   the entry, a vector in category order in the escrow document.
 */
import { concat, fromBase64, fromHex, fromUtf8, toBase64, toHex } from '../crypto/bytes.js';
import { canonicalJson, canonicalJsonBytes } from '../crypto/canonical-json.js';
import { DetenteError, fail } from '../crypto/errors.js';
import type { Sha256 } from '../crypto/sha256.js';
import {
  type AnyOpening,
  type EscrowCommitment,
  type EscrowItem,
  type EscrowOpening,
  type MultiOpening,
  verifyOpening,
} from '../escrow/index.js';
import { type BlobRef, type DeclarationOpeningBody, type EntryRef, Item, type Regime, Status } from '../model/index.js';

type EscrowedBody = { form: 'escrowed'; asOf: string; root: string; leaves: number; totals: TotalLine[] };
type TotalLine = { category: string; status?: Status; attribute?: string; total: number };

/** The escrow category of a totals line: `c`, `c:s` or `c:s/a`. */
function escrowCategoryOf(line: { category: string; status?: string; attribute?: string }): string {
  if (line.status === undefined) return line.category;
  return `${line.category}:${line.status}${line.attribute !== undefined ? `/${line.attribute}` : ''}`;
}

/** The totals line an escrow category stands for (the inverse of escrowCategoryOf). */
function lineOf(category: string): { category: string; status?: Status; attribute?: string } {
  const m = /^([^:/]+)(?::([^:/]+)(?:\/([^:/]+))?)?$/.exec(category);
  if (!m) fail('ESCROW_MALFORMED', `categories: ${JSON.stringify(category)} is not c, c:status or c:status/attribute`);
  const status = m[2] === undefined ? undefined : Status.safeParse(m[2]);
  if (status && !status.success) fail('ESCROW_MALFORMED', `categories: ${JSON.stringify(category)}: no status ${m[2]}`);
  return {
    category: m[1]!,
    ...(status ? { status: status.data } : {}),
    ...(m[3] !== undefined ? { attribute: m[3] } : {}),
  };
}

/** Whether a declaration's escrow categories split counts by status (§2.7), rather than by category alone. */
export function splitByStatus(categories: readonly string[]): boolean {
  return categories.some((c) => c.includes(':'));
}

/**
 * The categories an escrowed declaration counts: for each of the regime's item categories, one per status and one
 * per (status, attribute the category names), sorted by UTF-16 code units.
 */
export function escrowCategories(regime: Regime): string[] {
  const out: string[] = [];
  for (const c of regime.categories) {
    if (c.kind !== 'item') continue;
    for (const status of Status.options) {
      out.push(escrowCategoryOf({ category: c.id, status }));
      for (const attribute of c.attributes ?? []) out.push(escrowCategoryOf({ category: c.id, status, attribute }));
    }
  }
  return out.sort();
}

/**
 * The escrow item a declared item is committed as, in a declaration of these escrow categories: one in `c:s`,
 * and each attribute's value in `c:s/a` when that is a category (one in `c` in a declaration before the split).
 */
export function escrowItemOf(item: Item, categories: readonly string[]): EscrowItem {
  const counts: Record<string, number> = {};
  if (splitByStatus(categories)) {
    counts[escrowCategoryOf(item)] = 1;
    for (const [attribute, value] of Object.entries(item.attributes ?? {})) {
      const key = escrowCategoryOf({ ...item, attribute });
      if (categories.includes(key)) counts[key] = value;
    }
  } else counts[item.category] = 1;
  return {
    id: item.uid,
    counts,
    category: item.category,
    site: item.site,
    status: item.status,
    ...(item.attributes ? { attributes: { ...item.attributes } } : {}),
  };
}

/** The declared item an escrow item stands for; ESCROW_MALFORMED if it is not one (exactly) of escrowItemOf's. */
export function modelItemOf(e: EscrowItem, categories: readonly string[], field = 'item'): Item {
  const { id, counts: _counts, ...rest } = e;
  const parsed = Item.safeParse({ uid: id, ...rest });
  if (!parsed.success) fail('ESCROW_MALFORMED', `${field}: not a declared item (${parsed.error.issues[0]?.message})`);
  const expected = escrowItemOf(parsed.data, categories);
  if (canonicalJson(expected as never) !== canonicalJson(e as never)) {
    fail('ESCROW_MALFORMED', `${field}: its counts must be ${JSON.stringify(expected.counts)} and nothing else`);
  }
  return parsed.data;
}

/** The escrow commitment an escrowed declaration entry publishes. */
export function commitmentOfDeclaration(body: EscrowedBody): EscrowCommitment {
  const totals: Record<string, number> = {};
  const split = body.totals.some((t) => t.status !== undefined);
  for (const t of body.totals) {
    const key = escrowCategoryOf(t);
    if (split !== (t.status !== undefined)) {
      fail('ESCROW_MALFORMED', `totals: ${key}: either every line has a status or none has`);
    }
    if (t.attribute !== undefined && t.status === undefined) {
      fail('ESCROW_MALFORMED', `totals: ${key}: an attribute total needs a status`);
    }
    if (totals[key] !== undefined) fail('ESCROW_MALFORMED', `totals: ${key} appears twice`);
    totals[key] = t.total;
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
    totals: commitment.categories.map((category) => ({ ...lineOf(category), total: commitment.totals[category]! })),
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
      item: l.item === null ? null : modelItemOf(l.item, categories, `leaves[${i}].item`),
      salt: toBase64(fromHex(l.salt)),
      proof: l.path.map((s) => ({ hash: s.hash, sums: Object.fromEntries(categories.map((c, k) => [c, s.sums[k]!])) })),
    })),
  };
}

/** The escrow opening a declaration-opening entry carries, for the commitment of the declaration it opens. */
export function escrowOpeningOf(body: DeclarationOpeningBody, commitment: EscrowCommitment): EscrowOpening {
  const categories = commitment.categories;
  if (!body.leaves) fail('ESCROW_MALFORMED', 'leaves: the entry carries its opening in blobs');
  return {
    v: 1,
    commitment,
    leaves: body.leaves.map((l, i) => ({
      index: l.index,
      salt: toHex(fromBase64(l.salt)),
      item: l.item === null ? null : escrowItemOf(l.item, categories),
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

/** The largest blob of an opening: the largest a node stores or fetches (MAX_BLOB in src/node/node.ts). */
export const OPENING_BLOB_BYTES = 1 << 20;

/** The media type of an opening's blobs: pieces of one canonical JSON document. */
export const OPENING_MEDIA_TYPE = 'application/vnd.detente.opening+json';

/** A declaration-opening entry in the blob form, and the blobs it names (to be stored before it is submitted). */
export interface OpeningEntry {
  body: DeclarationOpeningBody;
  blobs: { ref: BlobRef; bytes: Uint8Array }[];
}

/**
 * The declaration-opening entry carrying `opening` in blobs (§10.1): its canonical JSON cut into pieces of at most
 * OPENING_BLOB_BYTES, each named by SHA-256 and size; the entry itself stays a few hundred bytes whatever the size.
 */
export function openingEntryOf(
  declaration: EntryRef,
  opening: MultiOpening,
  sha256: Sha256,
  region?: string,
): OpeningEntry {
  const bytes = canonicalJsonBytes(opening as never);
  const blobs: OpeningEntry['blobs'] = [];
  for (let at = 0; at < bytes.length; at += OPENING_BLOB_BYTES) {
    const piece = bytes.slice(at, at + OPENING_BLOB_BYTES);
    blobs.push({
      ref: { sha256: toHex(sha256(piece)), size: piece.length, mediaType: OPENING_MEDIA_TYPE },
      bytes: piece,
    });
  }
  return {
    body: {
      declaration,
      ...(region !== undefined ? { region } : {}),
      opening: { leaves: opening.leaves.length, blobs: blobs.map((b) => b.ref) },
    },
    blobs,
  };
}

/** The blobs a declaration-opening entry names (none for one that carries its leaves). */
export function openingBlobRefs(body: DeclarationOpeningBody): readonly BlobRef[] {
  return body.opening?.blobs ?? [];
}

/**
 * The opening document an entry carries, for the commitment of the declaration it opens: its own leaves
 * (version 1), or the concatenation of its blobs (`blobs`: each blob's bytes in the entry's order, undefined
 * where the reader does not hold it), each checked against its size and hash. ESCROW_MALFORMED, naming the blob,
 * when one is missing or does not match, or the document is not JSON or has another number of leaves.
 */
export function openingDocumentOf(
  body: DeclarationOpeningBody,
  commitment: EscrowCommitment,
  blobs: readonly (Uint8Array | undefined)[] | undefined,
  sha256: Sha256,
): AnyOpening | unknown {
  if (!body.opening) return escrowOpeningOf(body, commitment);
  const refs = body.opening.blobs;
  const parts = refs.map((ref, i) => {
    const bytes = blobs?.[i];
    const field = `opening.blobs[${i}]`;
    if (!bytes) fail('ESCROW_MALFORMED', `${field}: blob ${ref.sha256} is not held`);
    if (bytes.length !== ref.size || toHex(sha256(bytes)) !== ref.sha256) {
      fail('ESCROW_MALFORMED', `${field}: the blob held under ${ref.sha256} has another size or hash`);
    }
    return bytes;
  });
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8(concat(...parts), 'opening'));
  } catch (err) {
    throw new DetenteError('ESCROW_MALFORMED', `opening.blobs: not one JSON document: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const leaves = (doc as { leaves?: unknown } | null)?.leaves;
  if (!Array.isArray(leaves) || leaves.length !== body.opening.leaves) {
    fail(
      'ESCROW_MALFORMED',
      `opening.leaves: the entry names ${body.opening.leaves} leaves, its blobs hold ${Array.isArray(leaves) ? leaves.length : 'none'}`,
    );
  }
  return doc;
}

/**
 * Verifies the opening an entry carries against the commitment of the declaration it opens, and returns the
 * declared items it reveals (padding leaves reveal none). Throws a DetenteError (ESCROW_MALFORMED, ESCROW_INVALID)
 * when it does not verify or an opened item is not a declared item.
 */
export function openedItemsOf(
  body: DeclarationOpeningBody,
  commitment: EscrowCommitment,
  blobs: readonly (Uint8Array | undefined)[] | undefined,
  sha256: Sha256,
): Item[] {
  const verified = verifyOpening(openingDocumentOf(body, commitment, blobs, sha256), commitment, sha256);
  return verified.leaves.flatMap((l, i) =>
    l.item ? [modelItemOf(l.item, commitment.categories, `opening.leaves[${i}].item`)] : [],
  );
}
