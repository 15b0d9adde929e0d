/**
 * De-escalation metrics ("verifiable, timely and permanent"): one party's quantity in a zone, at most a target by a
 * deadline, held for a period, shown by evidence.
 *
 * The evidence at any moment is the latest value from each source: the party's own declaration (if the metric
 * uses declarations) and each observing party allowed as a source. The value is verified when at least
 * `minSources` observers have reported and all their latest values agree within the relative tolerance; the
 * verified value is the largest of them. The metric is met when the verified value is at most the target and the
 * party's declaration (if used) is too; not met when the verified value or the declaration is above it; otherwise
 * (too few or disagreeing sources) its assessment does not change.
 *
 * Status at a time: `not-yet-met`, `met-on-time` (met by the deadline's end), `met-late`, `held` (met without a
 * break for `holdFor`), or `relapsed` (met before, not met now). Findings: deadline missed, relapse, a declaration
 * that independent observations contradict, and sources that disagree.
 */
import type { Metric } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding, keyOf } from './findings.js';
import { containing, contains, fromSteps, type Intervals, until } from './intervals.js';
import { weigh } from './limits.js';
import { msg } from './messages.js';
import { endOfDay, iso, minus, plus } from './time.js';

/** How close in time observations from independent sources must be to count as evidence of the same moment. */
export const CONTEMPORANEOUS = 'P7D';

import { byString, type EntryRef } from './types.js';

interface Point {
  at: number;
  source: string;
  value: number;
  /** The entry's number (LeafIndex). */
  num: number;
}

interface Step {
  at: number;
  on: boolean;
  refs: EntryRef[];
  value?: number;
}

/** Every value received, as parallel arrays of numbers (and interned party ids): 30-odd bytes a value. */
interface Series {
  at: number[];
  value: number[];
  source: string[];
  num: number[];
}

interface Track {
  metric: Metric;
  deadline: number;
  declared: Point | undefined;
  sources: Map<string, Point>;
  series: Series;
  steps: Step[];
  disagreeing: boolean;
  contradicted: Set<string>;
}

export interface MetricState {
  metric: string;
  party: string;
  zone: string;
  target: number;
  deadline: string;
  holdFor: string;
  status: 'not-yet-met' | 'met-on-time' | 'met-late' | 'held' | 'relapsed';
  firstMetAt?: string;
  metSince?: string;
  heldAt?: string;
  relapsedAt?: string;
  current: {
    declared?: { value: number; at: string; ref: EntryRef };
    sources: { by: string; value: number; at: string; ref: EntryRef }[];
    verified: boolean;
    value?: number;
  };
  /** Every value received, in order: the metric as a time series. */
  series: { at: string; source: string; value: number; ref: EntryRef }[];
  /** When the metric was met and not met. */
  periods: { from: string; until?: string; met: boolean }[];
}

function record(s: Series, p: Point): void {
  s.at.push(p.at);
  s.value.push(p.value);
  s.source.push(p.source);
  s.num.push(p.num);
}

/** The numbers of the last `n` values received before `t`. */
function lastBefore(s: Series, t: number, n: number): number[] {
  let end = s.at.length;
  while (end > 0 && s.at[end - 1]! >= t) end--;
  return s.num.slice(Math.max(0, end - n), end);
}

export class Metrics {
  readonly #ctx: Ctx;
  readonly #tracks: Track[];

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#tracks = ctx.regime.metrics.map((metric) => ({
      metric,
      deadline: endOfDay(metric.deadline),
      declared: undefined,
      sources: new Map(),
      series: { at: [], value: [], source: [], num: [] },
      steps: [],
      disagreeing: false,
      contradicted: new Set(),
    }));
  }

  /** The party's declared value changed (after a declaration). */
  declared(party: string, count: (m: Metric) => number, at: number, num: number): void {
    for (const t of this.#tracks) {
      if (t.metric.party !== party || !t.metric.evidence.declarations) continue;
      const value = count(t.metric);
      const p = { at, source: t.metric.party, value, num };
      t.declared = p;
      record(t.series, p);
      this.#assess(t, p);
    }
  }

  /** An observation of `subject` by `by` at a place in `zones`, with category counts. */
  observed(
    subject: string,
    by: string,
    zones: readonly string[],
    forMetric: string | undefined,
    counts: ReadonlyMap<string, number>,
    at: number,
    num: number,
  ): void {
    for (const t of this.#tracks) {
      const m = t.metric;
      if (m.party !== subject || by === subject) continue;
      if (!zones.includes(m.zone) && forMetric !== m.id) continue;
      if (m.evidence.sources && !m.evidence.sources.includes(by)) continue;
      const value = weigh(this.#ctx, m.counts, counts);
      if (value === undefined) continue;
      const source = this.#ctx.ix.parties.get(by)?.id ?? by;
      const p = { at, source, value, num };
      t.sources.set(source, p);
      record(t.series, p);
      this.#assess(t, p);
    }
  }

  #assess(t: Track, p: Point): void {
    const m = t.metric;
    const { current: obs, verified, disagree } = this.#evidence(t, p.at);
    const ref = (n: number) => this.#ctx.leaves.ref(n);
    const obsRefs = () => obs.map((o) => ref(o.num));
    if (disagree && !t.disagreeing) {
      this.#ctx.emit({
        rule: 'metric.sources-disagree',
        key: `${m.id}/${keyOf(ref(p.num))}`,
        party: m.party,
        at: p.at,
        breaks: { kind: 'metric', id: m.id },
        message: msg('metric.sources-disagree', {
          metric: m.id,
          percent: m.evidence.tolerance * 100,
          observations: obs.map((o) => `${o.source} ${o.value}`),
        }),
        refs: obsRefs(),
      });
    }
    t.disagreeing = disagree;
    const d = t.declared;
    // Only observations made since the declaration can contradict it.
    if (d && verified !== undefined && obs.every((o) => o.at >= d.at)) {
      const hi = Math.max(d.value, verified);
      const dkey = keyOf(ref(d.num));
      if (Math.abs(d.value - verified) > m.evidence.tolerance * hi && !t.contradicted.has(dkey)) {
        t.contradicted.add(dkey);
        this.#ctx.emit({
          rule: 'metric.declaration-contradicted',
          key: `${m.id}/${dkey}`,
          party: m.party,
          at: p.at,
          breaks: { kind: 'metric', id: m.id },
          message: msg('metric.declaration-contradicted', {
            party: m.party,
            declared: d.value,
            metric: m.id,
            verified,
          }),
          refs: [ref(d.num), ...obsRefs()],
        });
      }
    }
    const target = m.target.atMost;
    let on: boolean | undefined;
    if (m.evidence.declarations && d && d.value > target) on = false;
    else if (verified !== undefined) on = verified <= target && (!m.evidence.declarations || d !== undefined);
    if (on === undefined) return;
    const last = t.steps[t.steps.length - 1];
    if (last ? last.on === on : !on) return;
    const refs = on ? [...obsRefs(), ...(d ? [ref(d.num)] : [])] : [ref(p.num)];
    t.steps.push({ at: p.at, on, refs, ...(verified !== undefined ? { value: verified } : {}) });
  }

  /**
   * The evidence at time `now`: each source's latest value, of those no older than CONTEMPORANEOUS before the
   * newest (independent sources must speak of the same moment); verified when at least `minSources` of them agree
   * within the tolerance (the value is the largest), disagreeing when that many do not.
   */
  #evidence(t: Track, now: number): { current: Point[]; verified: number | undefined; disagree: boolean } {
    const m = t.metric;
    const all = [...t.sources.values()].filter((o) => o.at <= now);
    if (!all.length) return { current: [], verified: undefined, disagree: false };
    const newest = Math.max(...all.map((o) => o.at));
    const current = all.filter((o) => o.at >= minus(newest, CONTEMPORANEOUS));
    if (current.length < m.evidence.minSources) return { current, verified: undefined, disagree: false };
    const values = current.map((o) => o.value);
    const max = Math.max(...values);
    const min = Math.min(...values);
    return max - min <= m.evidence.tolerance * max
      ? { current, verified: max, disagree: false }
      : { current, verified: undefined, disagree: true };
  }

  /** When the metric was met. */
  met(id: string, asOf: number): Intervals {
    const t = this.#tracks.find((x) => x.metric.id === id);
    return t ? until(fromSteps(t.steps), asOf) : [];
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    for (const t of this.#tracks) {
      const m = t.metric;
      const binding = q.binding('metric', m.id, m.party);
      const met = this.met(m.id, q.asOf);
      if (q.asOf >= t.deadline && contains(binding, t.deadline - 1)) {
        const first = met[0];
        if (!first || first[0] >= t.deadline) {
          out.push(
            finding({
              rule: 'metric.deadline-missed',
              key: m.id,
              party: m.party,
              at: t.deadline,
              breaks: { kind: 'metric', id: m.id },
              message: msg('metric.deadline-missed', { metric: m.id, deadline: m.deadline, atMost: m.target.atMost }),
              refs: lastBefore(t.series, t.deadline, 3).map((n) => this.#ctx.leaves.ref(n)),
            }),
          );
        }
      }
      for (const [, end] of met) {
        if (end > q.asOf || !contains(binding, end)) continue;
        const s = t.steps.find((x) => x.at === end && !x.on);
        out.push(
          finding({
            rule: 'metric.relapsed',
            key: `${m.id}/${iso(end)}`,
            party: m.party,
            at: end,
            breaks: { kind: 'metric', id: m.id },
            message:
              s?.value !== undefined
                ? msg('metric.relapsed.value', { metric: m.id, value: s.value, atMost: m.target.atMost })
                : msg('metric.relapsed', { metric: m.id }),
            refs: s?.refs ?? [],
          }),
        );
      }
    }
    return out;
  }

  state(q: QueryContext, detail: boolean): MetricState[] {
    return this.#tracks.map((t) => {
      const m = t.metric;
      const asOf = q.asOf;
      const met = this.met(m.id, asOf);
      const run = containing(met, asOf);
      const hold = (start: number) => plus(start, m.holdFor);
      let status: MetricState['status'];
      if (run) {
        status = asOf >= hold(run[0]) ? 'held' : run[0] < t.deadline ? 'met-on-time' : 'met-late';
      } else status = met.length ? 'relapsed' : 'not-yet-met';
      const lastEnd = met.length && !run ? met[met.length - 1]![1] : undefined;
      const obs = [...t.sources.values()].sort((a, b) => byString(a.source, b.source));
      const ev = this.#evidence(t, asOf);
      const periods: MetricState['periods'] = [];
      let cursor: number | undefined = t.series.at[0];
      for (const [a, b] of met) {
        if (cursor !== undefined && a > cursor) periods.push({ from: iso(cursor), until: iso(a), met: false });
        periods.push({ from: iso(a), ...(b !== Infinity && b <= asOf ? { until: iso(b) } : {}), met: true });
        cursor = b;
      }
      if (cursor !== undefined && cursor !== Infinity && cursor <= asOf)
        periods.push({ from: iso(cursor), met: false });
      return {
        metric: m.id,
        party: m.party,
        zone: m.zone,
        target: m.target.atMost,
        deadline: m.deadline,
        holdFor: m.holdFor,
        status,
        ...(met.length ? { firstMetAt: iso(met[0]![0]) } : {}),
        ...(run ? { metSince: iso(run[0]) } : {}),
        ...(run && asOf >= hold(run[0]) ? { heldAt: iso(hold(run[0])) } : {}),
        ...(lastEnd !== undefined ? { relapsedAt: iso(lastEnd) } : {}),
        current: {
          ...(t.declared
            ? {
                declared: {
                  value: t.declared.value,
                  at: iso(t.declared.at),
                  ref: this.#ctx.leaves.ref(t.declared.num),
                },
              }
            : {}),
          sources: obs.map((o) => ({ by: o.source, value: o.value, at: iso(o.at), ref: this.#ctx.leaves.ref(o.num) })),
          verified: ev.verified !== undefined,
          ...(ev.verified !== undefined ? { value: ev.verified } : {}),
        },
        series: detail
          ? t.series.at.map((a, i) => ({
              at: iso(a),
              source: t.series.source[i]!,
              value: t.series.value[i]!,
              ref: this.#ctx.leaves.ref(t.series.num[i]!),
            }))
          : [],
        periods,
      };
    });
  }
}
