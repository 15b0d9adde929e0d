/**
 * Declarations: a party's complete holdings as of a date (each declaration replaces the previous one).
 *
 * - `plain`: items one by one (unique identifier, category, site, status, attributes such as loaded warheads) and
 *   quantities (troops, tanks, ...) at a site or in a zone. Items beyond what fits in one entry go into blobs
 *   (`more`: each blob is the canonical JSON array of further items).
 * - `escrowed`: a commitment only, the root of a salted Merkle sum tree over the items (padded, see the regime's
 *   escrow settings), with per-category totals; items are revealed later by declaration openings. Quantities, which
 *   are not itemised, may be stated beside it in the clear.
 *
 * A declaration opening reveals leaves of an escrowed declaration with their salts and inclusion proofs. The exact
 * leaf and node hashing belong to src/escrow; the model fixes only the shape.
 */
import { z } from 'zod';
import { base64Of, Count, Hex32, Id, IsoDate, Status, Uid } from '../common.js';
import { BlobRef, EntryRef } from './refs.js';

export const Item = z.strictObject({
  uid: Uid,
  category: Id,
  site: Id,
  status: Status,
  attributes: z.record(Id, Count).optional(),
  /** Its agreed type (the regime's types registry); required where the registry covers the category. */
  type: Id.optional(),
});
export type Item = z.infer<typeof Item>;

const Items = z.array(Item);

/**
 * The items of a declaration's blobs (`more`, each the JSON array of further items), in order; undefined when one
 * is missing (not held, or not opened) or is not a list of items: the declaration is then incomplete to its reader.
 */
export function itemsOfBlobs(blobs: readonly (Uint8Array | undefined)[]): Item[] | undefined {
  const out: Item[] = [];
  for (const bytes of blobs) {
    if (!bytes) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return undefined;
    }
    const items = Items.safeParse(value);
    if (!items.success) return undefined;
    out.push(...items.data);
  }
  return out;
}

export const QuantityHolding = z.strictObject({
  category: Id,
  site: Id.optional(),
  zone: Id.optional(),
  quantity: Count,
});
export type QuantityHolding = z.infer<typeof QuantityHolding>;

export const PlainDeclaration = z.strictObject({
  form: z.literal('plain'),
  asOf: IsoDate,
  items: z.array(Item),
  quantities: z.array(QuantityHolding),
  more: z.array(BlobRef).optional(),
});

export const EscrowedDeclaration = z.strictObject({
  form: z.literal('escrowed'),
  asOf: IsoDate,
  root: Hex32,
  leaves: z.int().positive(),
  /**
   * Per category, or per (category, status) and, with `attribute`, the sum of that attribute over those items
   * (docs/ESCROW.md §2.7): either every line has a status or none has.
   */
  totals: z.array(z.strictObject({ category: Id, status: Status.optional(), attribute: Id.optional(), total: Count })),
  /** Quantities (troops, tanks) are not itemised, so not escrowed: stated in the clear, as in a plain declaration. */
  quantities: z.array(QuantityHolding).optional(),
});

export const DeclarationBody = z.discriminatedUnion('form', [PlainDeclaration, EscrowedDeclaration]);
export type DeclarationBody = z.infer<typeof DeclarationBody>;

export const Salt = base64Of(32);

/** An opening carried in blobs (docs/ESCROW.md §10.1): `leaves` leaves, one multi-leaf proof. */
export const OpeningInBlobs = z.strictObject({
  leaves: z.int().positive(),
  /** The canonical JSON of the opening document (version 2), cut into blobs in order. */
  blobs: z.array(BlobRef).min(1, { error: 'expected at least one blob' }),
});

export const DeclarationOpeningBody = z
  .strictObject({
    declaration: EntryRef,
    /** The zone (or the single site) opened in full, when openings proceed region by region. */
    region: Id.optional(),
    /** Leaves in the entry itself, each with its own path (version 1; small openings before the blob form). */
    leaves: z
      .array(
        z.strictObject({
          index: Count,
          /** null: a padding leaf. */
          item: Item.nullable(),
          salt: Salt,
          proof: z.array(z.strictObject({ hash: Hex32, sums: z.record(Id, Count) })),
        }),
      )
      .min(1, { error: 'expected at least one leaf' })
      .optional(),
    opening: OpeningInBlobs.optional(),
  })
  .refine((b) => (b.leaves === undefined) !== (b.opening === undefined), {
    error: 'expected exactly one of leaves (in the entry) and opening (in blobs)',
  });
export type DeclarationOpeningBody = z.infer<typeof DeclarationOpeningBody>;
