/**
 * Holdings: what each party has declared, kept up to date by its notifications, and what inspections and
 * observations showed.
 *
 * A plain declaration states a party's complete holdings as of a date and replaces the previous one. Movement and
 * status-change notifications then update the declared picture item by item, as New START's database is updated
 * between six-monthly exchanges. A new declaration is compared with that picture: any item whose site or status
 * differs changed without notification (the notification rules decide whether one was due).
 *
 * Items are counted through counters per (category, status, site), so a limit or a metric is recomputed from a few
 * dozen counters, not from every item, whatever the length of the history.
 */
import type { Counted, DeclarationBody, Item, Status } from '../model/index.js';
import type { Ctx } from './context.js';
import { endOfDay, iso } from './time.js';
import { byString, type EntryRef } from './types.js';

interface HeldItem {
  category: string;
  site: string;
  status: Status;
  attributes?: Readonly<Record<string, number>>;
  /** When the last notified change happened (its `at`), if one was notified since the declaration. */
  notifiedAt?: number;
  /**
   * The entry that last said where the item is and in what status (its declaration, the opening that revealed it,
   * a notification): what a finding about the item rests on, and gives it its audience if sealed (confidential.ts).
   */
  from?: EntryRef;
  /** The counter it is counted in. */
  counter?: Counter;
}

interface Counter {
  key: string;
  category: string;
  status: Status;
  site: string;
  n: number;
  attributes: Record<string, number>;
}

interface Quantity {
  category: string;
  site?: string;
  zone?: string;
  quantity: number;
}

/** A committed total of an escrowed declaration: per category, or per (category, status), or an attribute's sum. */
export interface EscrowTotal {
  category: string;
  status?: Status;
  attribute?: string;
  total: number;
}

/** How much of what a count needs is known: `assessed` of `of` items (opened items of an escrowed declaration). */
export interface Coverage {
  assessed: number;
  of: number;
}

export interface DeclarationInfo {
  ref: EntryRef;
  asOf: string;
  countedAt: number;
  form: 'plain' | 'escrowed';
  items: number;
  complete: boolean;
  escrow?: { root: string; leaves: number; totals: EscrowTotal[] };
}

/** A change between the declared picture and a new declaration. */
export interface ItemChange {
  uid: string;
  category: string;
  fromSite: string;
  toSite: string;
  fromStatus: Status;
  toStatus: Status;
  attributes?: Readonly<Record<string, number>>;
  /** The entry the item's earlier site and status came from (HeldItem.from). */
  from?: EntryRef;
}

interface Inspected {
  by: string;
  at: number;
  ref: EntryRef;
  confirmed: number;
  notFound: number;
  mismatched: number;
  absent?: boolean;
  present?: number;
  undeclared?: number;
}

class PartyHoldings {
  readonly items = new Map<string, HeldItem>();
  readonly counters = new Map<string, Counter>();
  quantities: Quantity[] = [];
  declaration: DeclarationInfo | undefined;
  /** The totals of the current declaration if it is escrowed (its items are those openings revealed). */
  escrowTotals: EscrowTotal[] | undefined;
  notifiedChanges = 0;
  /** Latest evidence per place, category and source (updated in place; the entry by its number). */
  readonly observed = new Map<
    string,
    { by: string; quantity: number; at: number; num: number; place: string; category: string }
  >();
  readonly inspected = new Map<string, Inspected & { site: string; category: string }>();
}

const counterKey = (category: string, status: string, site: string) => `${category}\u0000${status}\u0000${site}`;

export class Holdings {
  readonly #ctx: Ctx;
  readonly #parties = new Map<string, PartyHoldings>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    for (const p of ctx.regime.parties) this.#parties.set(p.id, new PartyHoldings());
  }

  #of(party: string): PartyHoldings {
    let h = this.#parties.get(party);
    if (!h) {
      h = new PartyHoldings();
      this.#parties.set(party, h);
    }
    return h;
  }

  declaration(party: string): DeclarationInfo | undefined {
    return this.#parties.get(party)?.declaration;
  }

  item(party: string, uid: string): Readonly<HeldItem> | undefined {
    return this.#parties.get(party)?.items.get(uid);
  }

  /**
   * Applies a declaration; returns the items whose site or status differ from the declared picture (none for the
   * first declaration).
   */
  declare(
    party: string,
    body: DeclarationBody,
    ref: EntryRef,
    countedAt: number,
    moreItems: readonly Item[] | undefined,
  ): { changes: ItemChange[]; complete: boolean } {
    const h = this.#of(party);
    const first = h.declaration === undefined;
    const changes: ItemChange[] = [];
    if (body.form === 'escrowed') {
      h.items.clear();
      h.counters.clear();
      h.quantities = (body.quantities ?? []).map((q) => ({ ...q }));
      h.escrowTotals = body.totals.map((t) => ({ ...t }));
      h.declaration = {
        ref,
        asOf: body.asOf,
        countedAt,
        form: 'escrowed',
        items: 0,
        complete: true,
        escrow: { root: body.root, leaves: body.leaves, totals: h.escrowTotals },
      };
      return { changes, complete: true };
    }
    const complete = !body.more?.length || moreItems !== undefined;
    const declared = moreItems ? [...body.items, ...moreItems] : body.items;
    const previous = new Map(h.items);
    const asOfEnd = endOfDay(body.asOf);
    // A change notified as happening after the declaration's date is newer than the declaration: it stands.
    const all = declared.map((it) => {
      const was = previous.get(it.uid);
      return was?.notifiedAt !== undefined && was.notifiedAt >= asOfEnd
        ? { ...it, site: was.site, status: was.status, notifiedAt: was.notifiedAt, from: was.from }
        : it;
    });
    if (!first) {
      for (const it of all) {
        const was = previous.get(it.uid);
        if (was && (was.site !== it.site || was.status !== it.status)) {
          changes.push({
            uid: it.uid,
            category: it.category,
            fromSite: was.site,
            toSite: it.site,
            fromStatus: was.status,
            toStatus: it.status,
            ...(was.from ? { from: was.from } : {}),
          });
        }
      }
    }
    h.items.clear();
    h.counters.clear();
    h.escrowTotals = undefined;
    for (const it of all) this.#put(h, it.uid, it, ref);
    h.quantities = body.quantities.map((q) => ({ ...q }));
    h.declaration = { ref, asOf: body.asOf, countedAt, form: 'plain', items: all.length, complete };
    h.notifiedChanges = 0;
    return { changes, complete };
  }

  /** Items an escrowed declaration's opening (`ref`) reveals join the declared picture. */
  open(party: string, items: readonly Item[], ref: EntryRef): void {
    const h = this.#of(party);
    for (const it of items) if (!h.items.has(it.uid)) this.#put(h, it.uid, it, ref);
  }

  /** `from`: the entry that declared or revealed it, unless `it` keeps where it came from. */
  #put(h: PartyHoldings, uid: string, it: HeldItem, from: EntryRef): void {
    const held: HeldItem = { category: it.category, site: it.site, status: it.status };
    if (it.attributes) held.attributes = it.attributes;
    if (it.notifiedAt !== undefined) held.notifiedAt = it.notifiedAt;
    held.from = it.from ?? from;
    h.items.set(uid, held);
    this.#count(h, held, 1);
  }

  #count(h: PartyHoldings, it: HeldItem, sign: 1 | -1): void {
    let c = sign < 0 ? it.counter : undefined;
    if (!c) {
      const key = counterKey(it.category, it.status, it.site);
      c = h.counters.get(key);
      if (!c) {
        c = { key, category: it.category, status: it.status, site: it.site, n: 0, attributes: {} };
        h.counters.set(key, c);
      }
    }
    c.n += sign;
    it.counter = sign > 0 ? c : undefined;
    const attrs = it.attributes;
    if (attrs) for (const a in attrs) c.attributes[a] = (c.attributes[a] ?? 0) + sign * attrs[a]!;
    if (c.n === 0) h.counters.delete(c.key);
  }

  /** A notified movement or status change (`ref`): the change, or undefined if the item was never declared. */
  notifyChange(
    party: string,
    uid: string,
    change: { site?: string; status?: Status },
    happenedAt: number,
    ref: EntryRef,
  ): ItemChange | undefined {
    const h = this.#of(party);
    const it = h.items.get(uid);
    if (!it) return undefined;
    const was: ItemChange = {
      uid,
      category: it.category,
      fromSite: it.site,
      toSite: change.site ?? it.site,
      fromStatus: it.status,
      toStatus: change.status ?? it.status,
      ...(it.from ? { from: it.from } : {}),
    };
    this.#count(h, it, -1);
    it.from = ref;
    it.site = was.toSite;
    it.status = was.toStatus;
    it.notifiedAt = Math.max(happenedAt, it.notifiedAt ?? -Infinity);
    this.#count(h, it, 1);
    h.notifiedChanges++;
    if (it.attributes) was.attributes = it.attributes;
    return was;
  }

  /** Whether the party's current declaration is escrowed (counts then come from its totals). */
  escrowed(party: string): boolean {
    return this.#parties.get(party)?.escrowTotals !== undefined;
  }

  /**
   * What a party declared of `counted`, optionally within a zone. `partial` when the declaration is incomplete or
   * escrowed and the count needs what its totals do not split by (a zone, or a status or attribute the totals of a
   * declaration before the status split lack) and not every item is opened; `coverage` then says how many of the
   * committed items of the counted categories openings revealed.
   */
  count(party: string, counted: Counted, zone?: string): { value: number; partial: boolean; coverage?: Coverage } {
    const h = this.#parties.get(party);
    if (!h) return { value: 0, partial: false };
    const ix = this.#ctx.ix;
    const zones = this.#ctx.zones;
    const inZone = (site: string | undefined, qZone: string | undefined) =>
      zone === undefined ||
      qZone === zone ||
      (site !== undefined && zones.zonesOfSite(site).includes(zone) && qZone === undefined);
    let value = 0;
    let partial = h.declaration !== undefined && !h.declaration.complete;
    let coverage: Coverage | undefined;
    const members = counted.group
      ? (ix.groups.get(counted.group)?.members ?? [])
      : [{ category: counted.category!, status: undefined, count: undefined }];
    for (const m of members) {
      const cat = ix.categories.get(m.category);
      if (!cat) continue;
      if (cat.kind === 'quantity') {
        for (const q of h.quantities) {
          if (q.category === m.category && inZone(q.site, q.zone)) value += q.quantity * (m.count?.perItem ?? 1);
        }
        continue;
      }
      if (h.escrowTotals) {
        // An escrowed declaration commits totals per category, or per (category, status) with attribute sums
        // (docs/ESCROW.md §2.7): they count wherever no zone is needed and they split as finely as the member
        // asks; otherwise only the items openings revealed count, and the count is partial (never a silent zero).
        const lines = h.escrowTotals.filter((t) => t.category === m.category);
        const byStatus = lines.some((t) => t.status !== undefined);
        const attribute = m.count?.attribute;
        // An attribute is covered only where the totals carry its sums for the category (§2.7).
        const covered = attribute === undefined ? byStatus || !m.status : lines.some((t) => t.attribute === attribute);
        if (zone === undefined && covered) {
          for (const t of lines) {
            if (m.status && (t.status === undefined || !m.status.includes(t.status))) continue;
            if (t.attribute !== attribute) continue;
            value += t.total * (attribute === undefined ? (m.count?.perItem ?? 1) : 1);
          }
          continue;
        }
        partial = true;
        const c = coverage ?? { assessed: 0, of: 0 };
        for (const t of lines) if (t.attribute === undefined) c.of += t.total;
        for (const k of h.counters.values()) if (k.category === m.category) c.assessed += k.n;
        coverage = c;
      }
      for (const c of h.counters.values()) {
        if (c.category !== m.category) continue;
        if (m.status && !m.status.includes(c.status)) continue;
        if (!inZone(c.site, undefined)) continue;
        if (m.count?.attribute !== undefined) value += c.attributes[m.count.attribute] ?? 0;
        else value += c.n * (m.count?.perItem ?? 1);
      }
    }
    // Every committed item of the counted categories opened: the opened items are the whole picture.
    if (coverage && coverage.assessed >= coverage.of && h.declaration?.complete !== false) partial = false;
    return { value, partial, ...(coverage ? { coverage } : {}) };
  }

  /** Records what a source observed of a party's category at a place (the latest per source wins). */
  observe(party: string, place: string, category: string, by: string, quantity: number, at: number, num: number): void {
    const observed = this.#of(party).observed;
    const key = `${place}\u0000${category}\u0000${by}`;
    const o = observed.get(key);
    if (o) {
      o.quantity = quantity;
      o.at = at;
      o.num = num;
    } else observed.set(key, { by, quantity, at, num, place, category });
  }

  inspect(party: string, site: string, category: string, r: Inspected): void {
    this.#of(party).inspected.set(`${site}\u0000${category}`, { ...r, site, category });
  }

  state(): PartyHoldingsState[] {
    const ix = this.#ctx.ix;
    const out: PartyHoldingsState[] = [];
    for (const party of [...this.#parties.keys()].sort(byString)) {
      const h = this.#parties.get(party)!;
      if (!h.declaration && h.observed.size === 0 && h.inspected.size === 0) continue;
      const byCategory = new Map<string, { declared: number; byStatus: Record<string, number> }>();
      const bySite = new Map<string, SiteRow>();
      const byZone = new Map<string, ZoneRow>();
      const cat = (c: string) => {
        let r = byCategory.get(c);
        if (!r) {
          r = { declared: 0, byStatus: {} };
          byCategory.set(c, r);
        }
        return r;
      };
      const site = (s: string, c: string) => {
        const k = `${s}\u0000${c}`;
        let r = bySite.get(k);
        if (!r) {
          r = { site: s, category: c, declared: 0 };
          bySite.set(k, r);
        }
        return r;
      };
      const zone = (z: string, c: string) => {
        const k = `${z}\u0000${c}`;
        let r = byZone.get(k);
        if (!r) {
          r = { zone: z, category: c, declared: 0, observed: [] };
          byZone.set(k, r);
        }
        return r;
      };
      for (const c of h.counters.values()) {
        if (!h.escrowTotals) {
          const r = cat(c.category);
          r.declared += c.n;
          r.byStatus[c.status] = (r.byStatus[c.status] ?? 0) + c.n;
        }
        site(c.site, c.category).declared += c.n;
        for (const z of this.#ctx.zones.zonesOfSite(c.site)) zone(z, c.category).declared += c.n;
      }
      for (const t of h.escrowTotals ?? []) {
        if (t.attribute !== undefined) continue;
        const r = cat(t.category);
        r.declared += t.total;
        if (t.status) r.byStatus[t.status] = (r.byStatus[t.status] ?? 0) + t.total;
      }
      for (const q of h.quantities) {
        cat(q.category).declared += q.quantity;
        if (q.site !== undefined) {
          site(q.site, q.category).declared += q.quantity;
          for (const z of this.#ctx.zones.zonesOfSite(q.site)) zone(z, q.category).declared += q.quantity;
        }
        if (q.zone !== undefined) zone(q.zone, q.category).declared += q.quantity;
      }
      for (const i of h.inspected.values()) {
        const r = site(i.site, i.category);
        r.inspected = {
          by: i.by,
          at: iso(i.at),
          ref: i.ref,
          confirmed: i.confirmed,
          notFound: i.notFound,
          mismatched: i.mismatched,
          ...(i.absent !== undefined ? { absent: i.absent } : {}),
          ...(i.present !== undefined ? { present: i.present } : {}),
          ...(i.undeclared !== undefined ? { undeclared: i.undeclared } : {}),
        };
      }
      const elsewhere: ObservedRow[] = [];
      for (const o of h.observed.values()) {
        const row = { by: o.by, quantity: o.quantity, at: iso(o.at), ref: this.#ctx.leaves.ref(o.num) };
        if (o.place.startsWith('zone:')) zone(o.place.slice(5), o.category).observed.push(row);
        else if (o.place.startsWith('site:')) {
          const r = site(o.place.slice(5), o.category);
          r.observed = [...(r.observed ?? []), row];
        } else elsewhere.push({ place: o.place, category: o.category, ...row });
      }
      const byObs = (a: { by: string; at: string }, b: { by: string; at: string }) =>
        byString(a.by, b.by) || byString(a.at, b.at);
      const d = h.declaration;
      out.push({
        party,
        ...(d
          ? {
              declaration: {
                ref: d.ref,
                asOf: d.asOf,
                countedAt: iso(d.countedAt),
                form: d.form,
                items: d.items,
                complete: d.complete,
                notifiedChanges: h.notifiedChanges,
                ...(d.escrow ? { escrow: d.escrow } : {}),
              },
            }
          : {}),
        byCategory: [...byCategory.entries()]
          .filter(([c]) => ix.categories.has(c))
          .sort(([a], [b]) => byString(a, b))
          .map(([category, r]) => ({
            category,
            kind: ix.categories.get(category)!.kind,
            declared: r.declared,
            ...(Object.keys(r.byStatus).length ? { byStatus: sortRecord(r.byStatus) } : {}),
          })),
        bySite: [...bySite.values()]
          .sort((a, b) => byString(a.site, b.site) || byString(a.category, b.category))
          .map((r) => (r.observed ? { ...r, observed: r.observed.sort(byObs) } : r)),
        byZone: [...byZone.values()]
          .sort((a, b) => byString(a.zone, b.zone) || byString(a.category, b.category))
          .map((r) => ({ ...r, observed: r.observed.sort(byObs) })),
        elsewhere: elsewhere.sort(
          (a, b) => byString(a.place, b.place) || byString(a.category, b.category) || byObs(a, b),
        ),
      });
    }
    return out;
  }
}

function sortRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => byString(a, b)));
}

export interface ObservedRowBase {
  by: string;
  quantity: number;
  at: string;
  ref: EntryRef;
}

interface SiteRow {
  site: string;
  category: string;
  declared: number;
  inspected?: {
    by: string;
    at: string;
    ref: EntryRef;
    confirmed: number;
    notFound: number;
    mismatched: number;
    absent?: boolean;
    present?: number;
    undeclared?: number;
  };
  observed?: ObservedRowBase[];
}

interface ZoneRow {
  zone: string;
  category: string;
  declared: number;
  observed: ObservedRowBase[];
}

type ObservedRow = ObservedRowBase & { place: string; category: string };

export interface PartyHoldingsState {
  party: string;
  declaration?: Omit<DeclarationInfo, 'countedAt'> & { countedAt: string; notifiedChanges: number };
  byCategory: { category: string; kind: 'item' | 'quantity'; declared: number; byStatus?: Record<string, number> }[];
  bySite: SiteRow[];
  byZone: ZoneRow[];
  elsewhere: ObservedRow[];
}
