/**
 * Inspections: each request against its type's notice, quota (per inspector-host pair and period from the
 * anchor) and site selection; each report against its request, the host escort's countersignature, the longest
 * duration, and what the inspectors found (declared items confirmed, not found or different; absence confirmed or
 * not; undeclared items). A request that was due (notice given, within quota, at a site the inspector may choose,
 * while the host is bound) and has no report by its arrival, plus the duration, plus a grace of two days, was not
 * conducted.
 */
import type { ConfigurationValue, EnvelopeOf, InspectionType, Finding as ReportFinding } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding, keyOf } from './findings.js';
import { entryLate, replyLate } from './inspection-time-limits.js';
import { contains } from './intervals.js';
import { LISTED, msg } from './messages.js';
import type { MissionOutcome } from './missions.js';
import { instant, iso, minus, periodIndex, periodStart, plus } from './time.js';
import { byString, type EntryRef, refKey } from './types.js';

/** How long after the end of an inspection's longest duration its report may still come. */
export const REPORT_GRACE = 'P2D';

interface Report {
  ref: EntryRef;
  at: number;
  countersigned: boolean;
  /** At a site with a host nation: whether its escort countersigned too. */
  hostNationCountersigned?: boolean;
  start: number;
  end: number;
  confirmed: number;
  notFound: number;
  mismatched: number;
  absent: string[];
  present: string[];
  undeclared: number;
}

interface Request {
  ref: EntryRef;
  type: InspectionType;
  inspector: string;
  host: string;
  site: string;
  arrival: number;
  countedAt: number;
  shortNotice: boolean;
  overQuota: boolean;
  notSelected: boolean;
  /** The quota counters it consumed (own, host's), until a refusal gives them back. */
  consumed?: [string, string];
  refused?: { at: number; ref: EntryRef };
  /** A mission's refusal, postponement or force majeure (missions.ts): the first stands. */
  outcome?: MissionOutcome;
  /** The host nation's consent, where the site lies on its territory (the first stands). */
  consent?: { at: number; ref: EntryRef };
  report?: Report;
}

export interface InspectionQuotaState {
  inspection: string;
  inspector: string;
  host: string;
  period: { from: string; until: string };
  quota: number;
  used: number;
  left: number;
  selectedSites?: string[];
}

export interface InspectionItemState {
  ref: EntryRef;
  inspection: string;
  inspector: string;
  host: string;
  site: string;
  arrival: string;
  countedAt: string;
  notice: 'given' | 'short';
  withinQuota: boolean;
  siteAllowed: boolean;
  status: 'requested' | 'conducted' | 'not-conducted' | 'not-due' | 'refused';
  /** A mission's refusal, postponement or force majeure of the request (missions.ts). */
  mission?: MissionOutcome['step'];
  /** At a site on another party's territory: that host nation, and when its consent counted (if it did). */
  hostNation?: { party: string; consented?: string; countersigned?: boolean };
  report?: Omit<Report, 'at' | 'start' | 'end'> & { at: string; start: string; end: string };
}

export interface InspectionsState {
  quotas: InspectionQuotaState[];
  items: InspectionItemState[];
}

/** What a report showed, for holdings and limits. */
export interface ReportEvidence {
  host: string;
  site: string;
  by: string;
  /** Per category: confirmed, not found, mismatched, absent, present (count), undeclared (count). */
  byCategory: Map<
    string,
    { confirmed: number; notFound: number; mismatched: number; absent?: boolean; present?: number; undeclared?: number }
  >;
}

export class Inspections {
  readonly #ctx: Ctx;
  readonly #requests = new Map<string, Request>();
  readonly #used = new Map<string, number>();
  readonly #selected = new Map<string, Set<string>>();
  /** What a party has declared of a category now (for quotas derived from reported units). */
  readonly #units: (party: string, category: string) => number;

  constructor(ctx: Ctx, units: (party: string, category: string) => number = () => 0) {
    this.#ctx = ctx;
    this.#units = units;
  }

  /**
   * The quotas that apply to a request: the pair's own `count` and the host's `perHost`, narrowed by a quota derived
   * from the host's reported units (`fromUnits`): ⌈units / per⌉ up to `atMost` for the host, and a `fromOneShare`
   * of that (rounded down, at least one) from one inspecting state.
   */
  #quotas(type: InspectionType, host: string): { own: number; host: number | undefined } {
    const q = type.quota;
    if (!q.fromUnits) return { own: q.count, host: q.perHost };
    const u = q.fromUnits;
    // VD11 ¶107: one visit "for every sixty units, or portion thereof" (⌈units / 60⌉: 60 → 1, 61 → 2), at most 15;
    // ¶110: not "more than one-fifth of its quota" from one state (rounded down), and one under a quota of five.
    const derived = Math.min(u.atMost ?? Infinity, Math.ceil(this.#units(host, u.category) / u.per));
    const share = u.fromOneShare === undefined ? Infinity : Math.max(1, Math.floor(derived / u.fromOneShare));
    return {
      own: Math.min(q.count, share, derived),
      host: q.perHost === undefined ? derived : Math.min(q.perHost, derived),
    };
  }

  request(e: EnvelopeOf<'inspection-request'>, ref: EntryRef, at: number): void {
    const b = e.body;
    const type = this.#ctx.ix.inspections.get(b.inspection);
    if (!type) return;
    const arrival = instant(b.arrival);
    const req: Request = {
      ref,
      type,
      inspector: e.party,
      host: b.host,
      site: b.site,
      arrival,
      countedAt: at,
      shortNotice: at > minus(arrival, type.notice),
      overQuota: false,
      notSelected: false,
    };
    const base = { party: e.party, at, breaks: { kind: 'inspection' as const, id: type.id }, site: b.site };
    if (req.shortNotice) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.short-notice',
        key: keyOf(ref),
        message: msg('inspection.short-notice', {
          party: e.party,
          type: type.id,
          site: b.site,
          arrival: iso(arrival),
          notice: type.notice,
        }),
        refs: [ref],
      });
    }
    // The period holding the arrival asked for, [start, next start) in UTC: VD11 Ch. IX "per calendar year" counts
    // an inspection arriving 31 December 23:59 in that year and one at 1 January 00:00 in the next.
    const k = periodIndex(Date.parse(`${type.quota.anchor}T00:00:00Z`), type.quota.period, arrival);
    const qk = `${type.id}\u0000${e.party}\u0000${b.host}\u0000${k}`;
    // The host's passive quota: what it receives in the period from every inspector together.
    const hk = `${type.id}\u0000\u0000${b.host}\u0000${k}`;
    const used = (this.#used.get(qk) ?? 0) + 1;
    const received = (this.#used.get(hk) ?? 0) + 1;
    const quotas = this.#quotas(type, b.host);
    const perHost = quotas.host;
    const overOwn = used > quotas.own;
    if (overOwn || (perHost !== undefined && received > perHost)) {
      // A request beyond a quota is the requester's finding and consumes nothing (the host may refuse it).
      req.overQuota = true;
      this.#ctx.emit({
        ...base,
        rule: 'inspection.quota-exceeded',
        key: keyOf(ref),
        message: msg(overOwn ? 'inspection.quota-exceeded' : 'inspection.quota-exceeded.host', {
          party: e.party,
          used: overOwn ? used : received,
          type: type.id,
          host: b.host,
          quota: overOwn ? quotas.own : perHost,
        }),
        refs: [ref],
      });
    } else {
      this.#used.set(qk, used);
      this.#used.set(hk, received);
      req.consumed = [qk, hk];
    }
    if (type.selection) {
      const sk = `${type.id}\u0000${e.party}\u0000${b.host}`;
      let set = this.#selected.get(sk);
      if (!set) {
        set = new Set();
        this.#selected.set(sk, set);
      }
      const byDraw = type.selection.by === 'joint-draw';
      if (byDraw ? b.draw === undefined : !set.has(b.site) && set.size >= type.selection.count) {
        req.notSelected = true;
        this.#ctx.emit({
          ...base,
          rule: 'inspection.site-not-selected',
          key: keyOf(ref),
          message: byDraw
            ? msg('inspection.site-not-selected.no-draw', { party: e.party, type: type.id, site: b.site })
            : msg('inspection.site-not-selected', {
                party: e.party,
                chosen: [...set].sort(byString),
                type: type.id,
                site: b.site,
                count: type.selection.count,
              }),
          refs: [ref],
        });
      } else set.add(b.site);
    }
    this.#requests.set(refKey(ref), req);
  }

  /**
   * The host refuses a request: the request gives back the quota it consumed (a refused inspection is not one the
   * inspector used), and no report is due. Whether refusing was a breach is judged in `findings`.
   */
  refusal(e: EnvelopeOf<'inspection-refusal'>, ref: EntryRef, at: number): void {
    const target = e.body.request;
    const req = this.#requests.get(refKey(target));
    if (!req || req.ref.leafHash !== target.leafHash || req.host !== e.party) {
      this.#ctx.emit({
        rule: 'entry.invalid-reference',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'entry', id: 'inspection-refusal' },
        message: msg('entry.invalid-reference.refusal', { party: e.party }),
        refs: [ref, target],
      });
      return;
    }
    if (req.refused) return; // the first refusal stands
    req.refused = { at, ref };
    const late = replyLate(req, ref, at);
    if (late) this.#ctx.emit(late);
    this.#giveBack(req);
  }

  /**
   * A mission's refusal, postponement or force majeure of a request (missions.ts checked who may say it). When the
   * regime says it does not consume the quota, the request gives back what it consumed. A refusal is already the
   * host's finding (mission.refused) and force majeure excuses the inspection, so neither is later reported as not
   * conducted; a postponed inspection is due from its new date.
   */
  missionOutcome(o: MissionOutcome): void {
    const req = this.#requests.get(refKey(o.request));
    if (!req || req.outcome || req.refused) return;
    req.outcome = o;
    if (o.quota === 'not-consumed') this.#giveBack(req);
  }

  /**
   * The host nation's consent to an inspection at a site on its territory (the regime's `sites[].hostNation`). A
   * consent by anyone else, or naming no request at such a site, is reported and changes nothing.
   */
  consent(e: EnvelopeOf<'mission'>, ref: EntryRef, at: number): void {
    if (e.body.step !== 'consent') return;
    const target = e.body.request;
    const req = this.#requests.get(refKey(target));
    const nation = req && this.#ctx.ix.sites.get(req.site)?.hostNation;
    if (!req || req.ref.leafHash !== target.leafHash || nation !== e.party) {
      this.#ctx.emit({
        rule: 'mission.step-misplaced',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'entry', id: 'mission' },
        message: msg('mission.step-misplaced.consent', { party: e.party, step: 'consent' }),
        refs: [ref, target],
      });
      return;
    }
    req.consent ??= { at, ref };
  }

  #giveBack(req: Request): void {
    for (const k of req.consumed ?? []) this.#used.set(k, (this.#used.get(k) ?? 1) - 1);
    req.consumed = undefined;
  }

  /** A report; returns what it showed, for holdings and limits. */
  report(e: EnvelopeOf<'inspection-report'>, ref: EntryRef, at: number): ReportEvidence {
    const b = e.body;
    const type = this.#ctx.ix.inspections.get(b.inspection)!;
    const base = { at, breaks: { kind: 'inspection' as const, id: b.inspection }, site: b.site };
    const req = this.#requests.get(refKey(b.request));
    const matches =
      req !== undefined &&
      req.ref.leafHash === b.request.leafHash &&
      req.inspector === e.party &&
      req.type.id === b.inspection &&
      req.host === b.host &&
      req.site === b.site;
    if (!matches) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.report-mismatch',
        key: keyOf(ref),
        party: e.party,
        message: msg('inspection.report-mismatch', { party: e.party, site: b.site }),
        refs: [ref, b.request],
      });
    }
    if (!b.countersignature) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.not-countersigned',
        key: keyOf(ref),
        party: b.host,
        message: msg('inspection.not-countersigned', { host: b.host, party: e.party, site: b.site }),
        refs: [ref],
      });
    }
    const start = instant(b.start);
    const end = instant(b.end);
    const nation = this.#ctx.ix.sites.get(b.site)?.hostNation;
    if (nation !== undefined) this.#hostNationChecks(e, ref, at, nation, req, start);
    if (type && end > plus(start, type.duration)) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.overran',
        key: keyOf(ref),
        party: e.party,
        message: msg('inspection.overran', { party: e.party, site: b.site, duration: type.duration }),
        refs: [ref],
      });
    }
    const ev: ReportEvidence = { host: b.host, site: b.site, by: e.party, byCategory: new Map() };
    const cat = (c: string) => {
      let r = ev.byCategory.get(c);
      if (!r) {
        r = { confirmed: 0, notFound: 0, mismatched: 0 };
        ev.byCategory.set(c, r);
      }
      return r;
    };
    const rep: Report = {
      ref,
      at,
      countersigned: b.countersignature !== undefined,
      ...(nation !== undefined ? { hostNationCountersigned: b.hostNationCountersignature !== undefined } : {}),
      start,
      end,
      confirmed: 0,
      notFound: 0,
      mismatched: 0,
      absent: [],
      present: [],
      undeclared: 0,
    };
    const notFound: string[] = [];
    const mismatched: string[] = [];
    const present: string[] = [];
    const undeclared: string[] = [];
    for (const f of b.findings) {
      if (f.kind === 'item') {
        const r = cat(f.category);
        if (f.result === 'confirmed') {
          r.confirmed++;
          rep.confirmed++;
        } else if (f.result === 'not-found') {
          r.notFound++;
          rep.notFound++;
          notFound.push(f.uid);
        } else {
          r.mismatched++;
          rep.mismatched++;
          const attrs = f.observedAttributes
            ? ` (${Object.entries(f.observedAttributes)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : '';
          mismatched.push(`${f.uid}${attrs}`);
        }
      } else if (f.kind === 'absence') {
        const r = cat(f.category);
        if (f.result === 'absent') {
          r.absent = true;
          r.present = 0;
          rep.absent.push(f.category);
        } else {
          r.absent = false;
          r.present = (r.present ?? 0) + (f.count ?? 1);
          rep.present.push(f.category);
          present.push(`${f.category}${f.count !== undefined ? ` × ${f.count}` : ''}`);
        }
      } else if (f.kind === 'undeclared') {
        const r = cat(f.category);
        r.undeclared = (r.undeclared ?? 0) + f.count;
        rep.undeclared += f.count;
        undeclared.push(`${f.category} × ${f.count}`);
      }
    }
    const host = b.host;
    const list = (xs: string[]) => ({ n: xs.length, items: xs.slice(0, LISTED) });
    const unconfirmed = type ? configurationDiffs(type, b.findings) : [];
    if (unconfirmed.length) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.configuration-not-confirmed',
        key: keyOf(ref),
        party: host,
        message: msg('inspection.configuration-not-confirmed', {
          site: b.site,
          inspector: e.party,
          host,
          ...list(unconfirmed),
        }),
        refs: [ref],
      });
    }
    if (notFound.length) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.item-not-found',
        key: keyOf(ref),
        party: host,
        message: msg('inspection.item-not-found', { inspector: e.party, host, site: b.site, ...list(notFound) }),
        refs: [ref],
      });
    }
    if (mismatched.length) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.item-mismatch',
        key: keyOf(ref),
        party: host,
        message: msg('inspection.item-mismatch', { site: b.site, host, ...list(mismatched) }),
        refs: [ref],
      });
    }
    if (present.length) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.absence-not-confirmed',
        key: keyOf(ref),
        party: host,
        message: msg('inspection.absence-not-confirmed', { site: b.site, inspector: e.party, ...list(present) }),
        refs: [ref],
      });
    }
    if (undeclared.length) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.undeclared-items',
        key: keyOf(ref),
        party: host,
        message: msg('inspection.undeclared-items', { site: b.site, inspector: e.party, host, ...list(undeclared) }),
        refs: [ref],
      });
    }
    if (matches && !req!.report) {
      req!.report = rep;
      const late = entryLate(req!, ref, start, at);
      if (late) this.#ctx.emit(late);
    }
    return ev;
  }

  /**
   * At a site on another party's territory, the visit needs that host nation's consent, counted by the time the
   * visit began (`inspection.consent-missing`, the host's: it received the team there), and its escort's
   * countersignature beside the host's (`inspection.not-countersigned`, the host nation's).
   */
  #hostNationChecks(
    e: EnvelopeOf<'inspection-report'>,
    ref: EntryRef,
    at: number,
    nation: string,
    req: Request | undefined,
    start: number,
  ): void {
    const b = e.body;
    const base = { at, breaks: { kind: 'inspection' as const, id: b.inspection }, site: b.site };
    if (!req?.consent || req.consent.at > start) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.consent-missing',
        key: keyOf(ref),
        party: b.host,
        message: msg('inspection.consent-missing', {
          inspector: e.party,
          site: b.site,
          host: b.host,
          nation,
          start: iso(start),
        }),
        refs: [ref, ...(req?.consent ? [req.consent.ref] : [])],
      });
    }
    if (!b.hostNationCountersignature) {
      this.#ctx.emit({
        ...base,
        rule: 'inspection.not-countersigned',
        key: `${keyOf(ref)}/host-nation`,
        party: nation,
        message: msg('inspection.not-countersigned.host-nation', {
          nation,
          party: e.party,
          site: b.site,
          host: b.host,
        }),
        refs: [ref],
      });
    }
  }

  #due(r: Request): boolean {
    return !r.shortNotice && !r.overQuota && !r.notSelected;
  }

  #reportDeadline(r: Request): number {
    const from = r.outcome?.step === 'postponement' ? Math.max(r.arrival, r.outcome.until!) : r.arrival;
    return plus(plus(from, r.type.duration), REPORT_GRACE);
  }

  /** Closed by a mission's refusal (reported there) or excused by force majeure, as of `asOf`. */
  #closed(r: Request, asOf: number): boolean {
    return r.outcome !== undefined && r.outcome.step !== 'postponement' && r.outcome.at <= asOf;
  }

  #hostNationState(r: Request, asOf: number): Pick<InspectionItemState, 'hostNation'> {
    const party = this.#ctx.ix.sites.get(r.site)?.hostNation;
    if (party === undefined) return {};
    const consented = r.consent && r.consent.at <= asOf ? iso(r.consent.at) : undefined;
    const cs = r.report?.hostNationCountersigned;
    return {
      hostNation: {
        party,
        ...(consented !== undefined ? { consented } : {}),
        ...(cs !== undefined ? { countersigned: cs } : {}),
      },
    };
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    for (const r of this.#requests.values()) {
      if (r.report || !this.#due(r)) continue;
      if (r.refused && r.refused.at <= q.asOf) {
        if (!contains(q.binding('host-inspections', r.type.id, r.host), r.arrival)) continue;
        out.push(
          finding({
            rule: 'inspection.refused',
            key: keyOf(r.ref),
            party: r.host,
            at: r.refused.at,
            breaks: { kind: 'inspection', id: r.type.id },
            site: r.site,
            message: msg('inspection.refused', {
              host: r.host,
              inspector: r.inspector,
              type: r.type.id,
              site: r.site,
              arrival: iso(r.arrival),
            }),
            refs: [r.ref, r.refused.ref],
          }),
        );
        continue;
      }
      const deadline = this.#reportDeadline(r);
      if (this.#closed(r, q.asOf)) continue;
      if (q.asOf < deadline || !contains(q.binding('host-inspections', r.type.id, r.host), r.arrival)) continue;
      out.push(
        finding({
          rule: 'inspection.not-conducted',
          key: keyOf(r.ref),
          party: r.host,
          at: deadline,
          breaks: { kind: 'inspection', id: r.type.id },
          site: r.site,
          message: msg('inspection.not-conducted', {
            inspector: r.inspector,
            type: r.type.id,
            site: r.site,
            arrival: iso(r.arrival),
          }),
          refs: [r.ref],
        }),
      );
    }
    return out;
  }

  state(q: QueryContext, detail: boolean): InspectionsState {
    const quotas: InspectionQuotaState[] = [];
    for (const type of this.#ctx.regime.inspections) {
      const anchor = Date.parse(`${type.quota.anchor}T00:00:00Z`);
      const k = periodIndex(anchor, type.quota.period, q.asOf);
      for (const pair of type.pairs) {
        const used = this.#used.get(`${type.id}\u0000${pair.inspector}\u0000${pair.host}\u0000${k}`) ?? 0;
        const selected = this.#selected.get(`${type.id}\u0000${pair.inspector}\u0000${pair.host}`);
        quotas.push({
          inspection: type.id,
          inspector: pair.inspector,
          host: pair.host,
          period: {
            from: iso(periodStart(anchor, type.quota.period, k)),
            until: iso(periodStart(anchor, type.quota.period, k + 1)),
          },
          quota: type.quota.count,
          used,
          left: Math.max(0, type.quota.count - used),
          ...(type.selection ? { selectedSites: [...(selected ?? [])].sort(byString) } : {}),
        });
      }
    }
    const items: InspectionItemState[] = [];
    if (detail) {
      for (const r of this.#requests.values()) {
        const binds = contains(q.binding('host-inspections', r.type.id, r.host), r.arrival);
        const status: InspectionItemState['status'] = r.report
          ? 'conducted'
          : (r.refused && r.refused.at <= q.asOf) || (this.#closed(r, q.asOf) && r.outcome!.step === 'refusal')
            ? 'refused'
            : !this.#due(r) || !binds || this.#closed(r, q.asOf)
              ? 'not-due'
              : q.asOf >= this.#reportDeadline(r)
                ? 'not-conducted'
                : 'requested';
        const rep = r.report;
        items.push({
          ref: r.ref,
          inspection: r.type.id,
          inspector: r.inspector,
          host: r.host,
          site: r.site,
          arrival: iso(r.arrival),
          countedAt: iso(r.countedAt),
          notice: r.shortNotice ? 'short' : 'given',
          withinQuota: !r.overQuota,
          siteAllowed: !r.notSelected,
          status,
          ...(r.outcome && r.outcome.at <= q.asOf ? { mission: r.outcome.step } : {}),
          ...this.#hostNationState(r, q.asOf),
          ...(rep
            ? {
                report: {
                  ...rep,
                  at: iso(rep.at),
                  start: iso(rep.start),
                  end: iso(rep.end),
                  absent: [...rep.absent].sort(byString),
                  present: [...rep.present].sort(byString),
                },
              }
            : {}),
        });
      }
    }
    items.sort(
      (a, b) => byString(a.arrival, b.arrival) || byString(a.ref.origin, b.ref.origin) || a.ref.index - b.ref.index,
    );
    return { quotas, items };
  }
}

const spell = (v: ConfigurationValue | undefined): string =>
  v === undefined ? '—' : Array.isArray(v) ? `[${[...v].sort(byString).join(', ')}]` : String(v);

/**
 * The attributes of the type's expected configuration that the report does not confirm, as `attribute: seen ≠
 * expected` (`—` when the report says nothing of it). Sets of words compare as sets.
 */
export function configurationDiffs(type: InspectionType, findings: readonly ReportFinding[]): string[] {
  const seen = new Map<string, ConfigurationValue>();
  for (const f of findings) if (f.kind === 'configuration' && !seen.has(f.attribute)) seen.set(f.attribute, f.observed);
  const out: string[] = [];
  for (const v of type.verifies) {
    if (v.kind !== 'configuration') continue;
    for (const x of v.expected) {
      const got = seen.get(x.attribute);
      if (got === undefined || typeof got !== typeof x.value || spell(got) !== spell(x.value))
        out.push(`${x.attribute}: ${spell(got)} ≠ ${spell(x.value)}`);
    }
  }
  return out;
}
