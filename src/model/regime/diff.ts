/**
 * What one regime changes against another (`detente regime diff A B`): a proposal can be a draft regime, and a
 * delegation wants to see what it adds, removes and changes. Collections of elements with ids are compared by id
 * (an element is changed when its canonical JSON differs; the fields that differ are named); everything else at
 * the top level is compared as a whole. Public keys are left out: they differ between any two loadings.
 */
import { canonicalJson } from '../../crypto/canonical-json.js';
import { COLLECTIONS, type Regime } from './schema.js';

export interface CollectionDiff {
  collection: string;
  added: string[];
  removed: string[];
  /** Changed elements, with the top-level fields of each that differ. */
  changed: { id: string; fields: string[] }[];
}

export interface RegimeDiff {
  /** Top-level fields (other than the collections) that differ. */
  fields: string[];
  collections: CollectionDiff[];
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

function withoutKeys(regime: Regime): Regime {
  return { ...regime, parties: regime.parties.map((p) => ({ ...p, keys: p.keys.map(({ publicKey: _, ...k }) => k) })) };
}

export function diffRegimes(from: Regime, to: Regime): RegimeDiff {
  const a = withoutKeys(from) as unknown as Record<string, unknown>;
  const b = withoutKeys(to) as unknown as Record<string, unknown>;
  const cols = new Set<string>(COLLECTIONS);
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !cols.has(k) && !same(a[k], b[k]))
    .sort();
  const collections: CollectionDiff[] = [];
  for (const col of COLLECTIONS) {
    const byId = (v: unknown) =>
      new Map(((v as { id: string }[] | undefined) ?? []).map((x) => [x.id, x as unknown as Record<string, unknown>]));
    const x = byId(a[col]);
    const y = byId(b[col]);
    const added = [...y.keys()].filter((id) => !x.has(id)).sort();
    const removed = [...x.keys()].filter((id) => !y.has(id)).sort();
    const changed = [...x.keys()]
      .filter((id) => y.has(id) && !same(x.get(id), y.get(id)))
      .sort()
      .map((id) => {
        const p = x.get(id)!;
        const q = y.get(id)!;
        const keys = [...new Set([...Object.keys(p), ...Object.keys(q)])].filter((k) => !same(p[k], q[k])).sort();
        return { id, fields: keys };
      });
    if (added.length || removed.length || changed.length)
      collections.push({ collection: col, added, removed, changed });
  }
  return { fields, collections };
}
