/**
 * Inspection missions: the logistics around each inspection request under the regime's `missions` rules. Lists
 * and the host's objections (late after the objection period), the arrival notification (short if it counts later
 * than the notice before the estimated time of arrival), the site designated after arrival, the host's briefing,
 * and a refusal, postponement or force majeure with the effect on the quota the regime gives it. A mission step by
 * the wrong side, or naming no request or lists, is reported and changes nothing.
 *
 * The quota effect is stated in the state (`quota`) and handed to inspections.ts, which keeps the quota counts
 * (`missionOutcome`): a request the outcome does not consume is given back to the inspector's quota.
 */
import type { EnvelopeOf, MissionRules } from '../model/index.js';
import type { Ctx } from './context.js';
import { msg } from './messages.js';
import { instant, iso, minus, plus } from './time.js';
import { byString, type EntryRef, refKey } from './types.js';

interface Lists {
  ref: EntryRef;
  at: number;
  inspection: string;
  inspector: string;
  host: string;
  names: Set<string>;
  inspectors: number;
  aircrew: number;
  objected: string[];
}

interface Mission {
  ref: EntryRef;
  inspection: string;
  inspector: string;
  host: string;
  site: string;
  arrival?: { eta: number; pointOfEntry: string; at: number; short: boolean; ref: EntryRef };
  designated?: string;
  briefing?: { diagrams: number; equipment: number; ref: EntryRef };
  outcome?: { step: 'refusal' | 'postponement' | 'force-majeure'; at: number; until?: number; ref: EntryRef };
}

export interface MissionState {
  request: EntryRef;
  inspection: string;
  inspector: string;
  host: string;
  site: string;
  arrival?: { eta: string; pointOfEntry: string; notice: 'given' | 'short' };
  designated?: string;
  briefing?: { diagrams: number; equipment: number };
  outcome?: { step: 'refusal' | 'postponement' | 'force-majeure'; at: string; until?: string };
  /** What the outcome does to the inspecting party's quota, as the regime says. */
  quota?: 'consumed' | 'not-consumed';
}

export interface MissionListsState {
  ref: EntryRef;
  inspection: string;
  inspector: string;
  host: string;
  inspectors: number;
  aircrew: number;
  objectionsDue: string;
  objected: string[];
}

export interface MissionsState {
  lists: MissionListsState[];
  missions: MissionState[];
}

/** A refusal, postponement or force majeure of a request, with what the regime says it does to the quota. */
export interface MissionOutcome {
  request: EntryRef;
  step: OutcomeStep;
  at: number;
  /** A postponement's new date: the inspection is due from then. */
  until?: number;
  ref: EntryRef;
  quota: QuotaEffect;
}

type OutcomeStep = 'refusal' | 'postponement' | 'force-majeure';
type QuotaEffect = 'consumed' | 'not-consumed';

function quotaEffect(rules: MissionRules, step: OutcomeStep): QuotaEffect {
  const q = rules.quota;
  return step === 'refusal' ? q.refused : step === 'postponement' ? q.postponed : q.forceMajeure;
}

const HOST_STEPS = new Set(['objection', 'briefing', 'refusal', 'postponement', 'force-majeure']);

export class Missions {
  readonly #ctx: Ctx;
  readonly #lists = new Map<string, Lists>();
  readonly #missions = new Map<string, Mission>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  #rules(inspection: string): MissionRules | undefined {
    return this.#ctx.ix.missions.get(inspection);
  }

  /** Every request of a type with mission rules opens a mission. */
  request(e: EnvelopeOf<'inspection-request'>, ref: EntryRef): void {
    if (!this.#rules(e.body.inspection)) return;
    this.#missions.set(refKey(ref), {
      ref,
      inspection: e.body.inspection,
      inspector: e.party,
      host: e.body.host,
      site: e.body.site,
    });
  }

  /**
   * Applies a mission step; for a refusal, postponement or force majeure, returns what it does to the request (the
   * engine hands it to inspections.ts, which keeps the quota counts).
   */
  apply(e: EnvelopeOf<'mission'>, ref: EntryRef, at: number): MissionOutcome | undefined {
    const b = e.body;
    if (b.step === 'lists') {
      if (!this.#rules(b.inspection)) {
        this.#misplaced(e, ref, at, 'no-rules');
        return undefined;
      }
      this.#lists.set(refKey(ref), {
        ref,
        at,
        inspection: b.inspection,
        inspector: e.party,
        host: b.host,
        names: new Set([...b.inspectors, ...b.aircrew]),
        inspectors: b.inspectors.length,
        aircrew: b.aircrew.length,
        objected: [],
      });
      return undefined;
    }
    if (b.step === 'objection') {
      const lists = this.#lists.get(refKey(b.lists));
      if (!lists || e.party !== lists.host) {
        this.#misplaced(e, ref, at, lists ? 'side' : 'unknown');
        return undefined;
      }
      for (const n of b.names) if (lists.names.has(n) && !lists.objected.includes(n)) lists.objected.push(n);
      const due = plus(lists.at, this.#rules(lists.inspection)!.objectionWithin);
      // An objection on the last instant of the period is in time.
      if (at > due) {
        this.#ctx.emit({
          rule: 'mission.objection-late',
          key: refKey(ref),
          party: e.party,
          at,
          breaks: { kind: 'inspection', id: lists.inspection },
          message: msg('mission.objection-late', {
            party: e.party,
            inspector: lists.inspector,
            due: iso(due),
            late: at - due,
          }),
          refs: [ref, lists.ref],
        });
      }
      return undefined;
    }
    const m = this.#missions.get(refKey(b.request));
    const side = m === undefined ? undefined : HOST_STEPS.has(b.step) ? m.host : m.inspector;
    if (!m || e.party !== side || m.outcome) {
      this.#misplaced(e, ref, at, !m ? 'unknown' : m.outcome ? 'closed' : 'side');
      return undefined;
    }
    const rules = this.#rules(m.inspection)!;
    switch (b.step) {
      case 'arrival': {
        const eta = instant(b.eta);
        // New START: "no less than 32 hours" before the ETA at the point of entry; exactly 32 h is enough.
        const short = at > minus(eta, rules.arrivalNotice);
        m.arrival = { eta, pointOfEntry: b.pointOfEntry, at, short, ref };
        if (short) {
          this.#ctx.emit({
            rule: 'mission.arrival-notice-short',
            key: refKey(ref),
            party: e.party,
            at,
            breaks: { kind: 'inspection', id: m.inspection },
            site: m.site,
            message: msg('mission.arrival-notice-short', {
              party: e.party,
              pointOfEntry: b.pointOfEntry,
              eta: b.eta,
              notice: rules.arrivalNotice,
            }),
            refs: [ref, m.ref],
          });
        }
        break;
      }
      case 'designation':
        m.designated = b.site;
        break;
      case 'briefing':
        m.briefing = { diagrams: b.diagrams.length, equipment: b.equipment.length, ref };
        break;
      case 'refusal':
      case 'postponement':
      case 'force-majeure':
        m.outcome = { step: b.step, at, ...(b.step === 'postponement' ? { until: instant(b.until) } : {}), ref };
        if (b.step === 'refusal') {
          this.#ctx.emit({
            rule: 'mission.refused',
            key: refKey(ref),
            party: e.party,
            at,
            breaks: { kind: 'inspection', id: m.inspection },
            site: m.site,
            message: msg('mission.refused', {
              party: e.party,
              inspector: m.inspector,
              site: m.site,
              type: m.inspection,
            }),
            refs: [ref, m.ref],
          });
        }
        return { request: m.ref, ...m.outcome, quota: quotaEffect(rules, b.step) };
    }
    return undefined;
  }

  #misplaced(e: EnvelopeOf<'mission'>, ref: EntryRef, at: number, why: 'unknown' | 'side' | 'closed' | 'no-rules') {
    this.#ctx.emit({
      rule: 'mission.step-misplaced',
      key: refKey(ref),
      party: e.party,
      at,
      breaks: { kind: 'entry', id: 'mission' },
      message: msg(`mission.step-misplaced.${why}`, { party: e.party, step: e.body.step }),
      refs: [ref],
    });
  }

  state(): MissionsState {
    const lists = [...this.#lists.values()].map((l) => ({
      ref: l.ref,
      inspection: l.inspection,
      inspector: l.inspector,
      host: l.host,
      inspectors: l.inspectors,
      aircrew: l.aircrew,
      objectionsDue: iso(plus(l.at, this.#rules(l.inspection)!.objectionWithin)),
      objected: [...l.objected].sort(byString),
    }));
    const missions = [...this.#missions.values()].map((m): MissionState => {
      const effect = m.outcome ? quotaEffect(this.#rules(m.inspection)!, m.outcome.step) : undefined;
      return {
        request: m.ref,
        inspection: m.inspection,
        inspector: m.inspector,
        host: m.host,
        site: m.site,
        ...(m.arrival
          ? {
              arrival: {
                eta: iso(m.arrival.eta),
                pointOfEntry: m.arrival.pointOfEntry,
                notice: m.arrival.short ? 'short' : 'given',
              },
            }
          : {}),
        ...(m.designated !== undefined ? { designated: m.designated } : {}),
        ...(m.briefing ? { briefing: { diagrams: m.briefing.diagrams, equipment: m.briefing.equipment } } : {}),
        ...(m.outcome
          ? {
              outcome: {
                step: m.outcome.step,
                at: iso(m.outcome.at),
                ...(m.outcome.until !== undefined ? { until: iso(m.outcome.until) } : {}),
              },
              quota: effect,
            }
          : {}),
      };
    });
    const byRef = (a: { ref?: EntryRef; request?: EntryRef }, b: { ref?: EntryRef; request?: EntryRef }) => {
      const x = (a.ref ?? a.request)!;
      const y = (b.ref ?? b.request)!;
      return byString(x.origin, y.origin) || x.index - y.index;
    };
    return { lists: lists.sort(byRef), missions: missions.sort(byRef) };
  }
}
