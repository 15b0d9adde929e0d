/**
 * Limits: for each party a limit names, what it declared of the counted category or group (within the zone, if
 * the limit has one) against `atMost`, and, for zone limits, what observations and inspections saw there (the
 * largest of the latest values from each source and place). A limit binds from `from` until `until` while the
 * regime is in force and, if a commitment of the party undertakes it, while that commitment is in force.
 *
 * The fold keeps the current counts and the moments the limit started and stopped being exceeded; a query
 * intersects those with the binding periods, so each breach is one finding, dated when it began to bind.
 */
import type { Counted, Limit, Status } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding } from './findings.js';
import type { Coverage, Holdings, ItemChange } from './holdings.js';
import { contains, from, fromSteps, intersect, until } from './intervals.js';
import { msg } from './messages.js';
import { iso, startOfDay } from './time.js';
import { byString, type EntryRef } from './types.js';

interface Step {
  at: number;
  on: boolean;
  refs: EntryRef[];
}

interface Track {
  limit: Limit;
  party: string;
  /** The categories the limit counts, and its members. */
  categories: ReadonlySet<string>;
  members: readonly {
    category: string;
    status?: readonly Status[];
    count?: { perItem?: number; attribute?: string };
  }[];
  declared: number;
  partial: boolean;
  coverage?: Coverage;
  declSteps: Step[];
  evidence: Map<string, { value: number; at: number; num: number }>;
  observed: number;
  obsSteps: Step[];
}

export interface LimitState {
  limit: string;
  party: string;
  atMost: number;
  zone?: string;
  binding: boolean;
  declared: number;
  observed?: number;
  partial?: boolean;
  /** With `partial`: how many of the committed items of the counted categories are known (opened). */
  coverage?: Coverage;
  margin: number;
  /**
   * `not-assessable`: binding, the count is partial (an escrowed declaration whose totals do not cover the limit
   * and whose items are not all opened) and what is known does not exceed it: never `within` on a partial count.
   */
  status: 'within' | 'exceeded' | 'not-binding' | 'not-assessable';
}

/** How much an observed set of category counts weighs for what a limit or metric counts (no status, no attributes). */
export function weigh(ctx: Ctx, counted: Counted, counts: ReadonlyMap<string, number>): number | undefined {
  const members = counted.group
    ? (ctx.ix.groups.get(counted.group)?.members ?? [])
    : [{ category: counted.category!, count: undefined }];
  let value = 0;
  let any = false;
  for (const m of members) {
    const n = counts.get(m.category);
    if (n === undefined) continue;
    any = true;
    value += n * (m.count?.perItem ?? 1);
  }
  return any ? value : undefined;
}

export class Limits {
  readonly #ctx: Ctx;
  readonly #holdings: Holdings;
  readonly #byParty = new Map<string, Track[]>();

  constructor(ctx: Ctx, holdings: Holdings) {
    this.#ctx = ctx;
    this.#holdings = holdings;
    for (const limit of ctx.regime.limits) {
      for (const party of limit.parties) {
        let list = this.#byParty.get(party);
        if (!list) {
          list = [];
          this.#byParty.set(party, list);
        }
        const members = limit.counts.group
          ? (ctx.ix.groups.get(limit.counts.group)?.members ?? [])
          : [{ category: limit.counts.category! }];
        list.push({
          limit,
          party,
          categories: new Set(members.map((m) => m.category)),
          members,
          declared: 0,
          partial: false,
          declSteps: [],
          evidence: new Map(),
          observed: 0,
          obsSteps: [],
        });
      }
    }
  }

  /**
   * After the party's declared holdings changed (a declaration or a notification `ref`); `categories`: the only
   * categories that changed, when known.
   */
  recount(party: string, at: number, refs: EntryRef[], categories?: readonly string[]): void {
    for (const t of this.#byParty.get(party) ?? []) {
      if (categories && t.declSteps.length && !categories.some((c) => t.categories.has(c))) continue;
      const { value, partial, coverage } = this.#holdings.count(party, t.limit.counts, t.limit.zone);
      t.partial = partial;
      if (partial && coverage) t.coverage = coverage;
      else delete t.coverage;
      if (value === t.declared && t.declSteps.length) continue;
      t.declared = value;
      step(t.declSteps, at, value > t.limit.atMost, refs);
    }
  }

  /** A notified change of one item: each limit that counts its category moves by the item's weight. */
  adjust(party: string, c: ItemChange, at: number, refs: EntryRef[]): void {
    if (this.#holdings.escrowed(party)) {
      this.recount(party, at, refs, [c.category]);
      return;
    }
    for (const t of this.#byParty.get(party) ?? []) {
      if (!t.categories.has(c.category) || !t.declSteps.length) continue;
      const delta =
        this.#weight(t, c.category, c.toStatus, c.toSite, c.attributes) -
        this.#weight(t, c.category, c.fromStatus, c.fromSite, c.attributes);
      if (delta === 0) continue;
      t.declared += delta;
      step(t.declSteps, at, t.declared > t.limit.atMost, refs);
    }
  }

  /** What one item counts for a limit. */
  #weight(
    t: Track,
    category: string,
    status: Status,
    site: string,
    attributes?: Readonly<Record<string, number>>,
  ): number {
    const zone = t.limit.zone;
    if (zone !== undefined && !this.#ctx.zones.zonesOfSite(site).includes(zone)) return 0;
    let w = 0;
    for (const m of t.members) {
      if (m.category !== category || (m.status && !m.status.includes(status))) continue;
      w += m.count?.attribute !== undefined ? (attributes?.[m.count.attribute] ?? 0) : (m.count?.perItem ?? 1);
    }
    return w;
  }

  /**
   * Evidence from an observation or an inspection: category counts a source saw at a place in `zones`. Only zone
   * limits take evidence (a partial view says nothing about a party's total).
   */
  evidence(
    party: string,
    zones: readonly string[],
    place: string,
    by: string,
    counts: ReadonlyMap<string, number>,
    at: number,
    num: number,
  ): void {
    for (const t of this.#byParty.get(party) ?? []) {
      if (t.limit.zone === undefined || !zones.includes(t.limit.zone)) continue;
      const value = weigh(this.#ctx, t.limit.counts, counts);
      if (value === undefined) continue;
      const key = `${place}\u0000${by}`;
      const e = t.evidence.get(key);
      if (e) {
        e.value = value;
        e.at = at;
        e.num = num;
      } else t.evidence.set(key, { value, at, num });
      let max = 0;
      for (const x of t.evidence.values()) max = Math.max(max, x.value);
      t.observed = max;
      const on = max > t.limit.atMost;
      const last = t.obsSteps[t.obsSteps.length - 1];
      if (last ? last.on === on : !on) continue;
      const refs: EntryRef[] = [];
      for (const x of t.evidence.values()) if (x.value > t.limit.atMost) refs.push(this.#ctx.leaves.ref(x.num));
      step(t.obsSteps, at, on, refs.length ? refs : [this.#ctx.leaves.ref(num)]);
    }
  }

  #binding(t: Track, q: QueryContext) {
    const l = t.limit;
    return until(
      intersect(q.binding('limit', l.id, t.party), from(startOfDay(l.from), l.until ? startOfDay(l.until) : Infinity)),
      q.asOf,
    );
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    for (const tracks of this.#byParty.values()) {
      for (const t of tracks) {
        const binding = this.#binding(t, q);
        for (const [steps, rule] of [
          [t.declSteps, 'limit.exceeded'],
          [t.obsSteps, 'limit.exceeded-observed'],
        ] as const) {
          const exceeded = until(fromSteps(steps), q.asOf);
          for (const [start] of intersect(exceeded, binding)) {
            const cause = [...steps].reverse().find((s) => s.on && s.at <= start)!;
            const l = t.limit;
            out.push(
              finding({
                rule,
                key: `${l.id}/${t.party}/${iso(start)}`,
                party: t.party,
                at: start,
                breaks: { kind: 'limit', id: l.id },
                message: msg(l.zone ? `${rule}.in-zone` : rule, {
                  party: t.party,
                  limit: l.id,
                  atMost: l.atMost,
                  zone: l.zone,
                  from: iso(start),
                }),
                refs: cause.refs,
              }),
            );
          }
        }
      }
    }
    return out;
  }

  state(q: QueryContext): LimitState[] {
    const out: LimitState[] = [];
    for (const limit of this.#ctx.regime.limits) {
      for (const party of limit.parties) {
        const t = this.#byParty.get(party)?.find((x) => x.limit.id === limit.id);
        if (!t) continue;
        const binding = contains(this.#binding(t, q), q.asOf);
        const hasEvidence = t.evidence.size > 0;
        const count = Math.max(t.declared, hasEvidence ? t.observed : 0);
        out.push({
          limit: limit.id,
          party: t.party,
          atMost: limit.atMost,
          ...(limit.zone ? { zone: limit.zone } : {}),
          binding,
          declared: t.declared,
          ...(hasEvidence ? { observed: t.observed } : {}),
          ...(t.partial ? { partial: true } : {}),
          ...(t.coverage ? { coverage: { ...t.coverage } } : {}),
          margin: limit.atMost - count,
          status: !binding
            ? 'not-binding'
            : count > limit.atMost
              ? 'exceeded'
              : t.partial
                ? 'not-assessable'
                : 'within',
        });
      }
    }
    return out.sort((a, b) => byString(a.limit, b.limit) || byString(a.party, b.party));
  }
}

function step(steps: Step[], at: number, on: boolean, refs: EntryRef[]): void {
  const last = steps[steps.length - 1];
  if (last && last.on === on) return;
  if (!last && !on) {
    steps.push({ at, on, refs: [] });
    return;
  }
  steps.push({ at, on, refs });
}
