/**
 * Commitments: accepted (an entry in the party's log), withdrawn (effective after the regime's notice period, or
 * the date the party states if later), and in force while accepted, the regime is in force and every condition
 * holds:
 * - `accepted`: that commitment is accepted and not withdrawn;
 * - `in-force`: that commitment is in force (acyclic, the loader checks);
 * - `metric-met`: the metric is verified as met (met on time, met late or held; not before, not once relapsed);
 * - `date`: from and until a date.
 *
 * Status at a time: `withdrawn`, `proposed` (never accepted), `awaiting-condition` (accepted, some condition does
 * not hold), `in-force`, or `breached` (in force, and some undertaking was broken during the current period in
 * force: a binding limit exceeded, a notification late or missing, a due inspection not conducted, a metric missed
 * or relapsed).
 */
import type { Commitment, Condition, EnvelopeOf } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, keyOf } from './findings.js';
import { containing, contains, from, fromSteps, type Intervals, intersectAll, NEVER, until } from './intervals.js';
import { type Message, msg } from './messages.js';
import { endOfDay, iso, plus, startOfDay } from './time.js';
import { byString, type EntryRef, refKey } from './types.js';

interface Step {
  at: number;
  on: boolean;
  ref: EntryRef;
}

interface Track {
  steps: Step[];
  acceptance: EntryRef | undefined;
  acceptedAt: number | undefined;
  withdrawal: { ref: EntryRef; at: number; effective: number } | undefined;
}

export interface CommitmentState {
  commitment: string;
  party: string;
  status: 'proposed' | 'awaiting-condition' | 'in-force' | 'breached' | 'withdrawn';
  /** Why it has its status, as a message (src/i18n renders it). */
  reason: Message;
  acceptance?: EntryRef;
  acceptedAt?: string;
  inForceSince?: string;
  withdrawal?: { ref: EntryRef; at: string; effective: string };
  conditions: { condition: Condition; holds: boolean }[];
  breaches: string[];
}

/** Which findings break which undertaking. */
const BREACH_RULES: Record<string, readonly string[]> = {
  limit: ['limit.exceeded', 'limit.exceeded-observed'],
  'host-inspections': ['inspection.not-conducted'],
  notify: ['notification.late', 'notification.missing', 'notification.explanation-missing'],
  metric: ['metric.deadline-missed', 'metric.relapsed'],
};

const KIND_OF_UNDERTAKING: Record<string, Finding['breaks']['kind']> = {
  limit: 'limit',
  'host-inspections': 'inspection',
  notify: 'notification',
  metric: 'metric',
};

export class Commitments {
  readonly #ctx: Ctx;
  readonly #tracks = new Map<string, Track>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    for (const c of ctx.regime.commitments) {
      this.#tracks.set(c.id, { steps: [], acceptance: undefined, acceptedAt: undefined, withdrawal: undefined });
    }
  }

  accept(e: EnvelopeOf<'commitment-accepted'>, ref: EntryRef, at: number): void {
    const t = this.#tracks.get(e.body.commitment);
    if (!t || t.acceptance) return; // accepted already: the first acceptance stands
    t.acceptance = ref;
    t.acceptedAt = at;
    t.withdrawal = undefined;
    t.steps.push({ at, on: true, ref });
  }

  withdraw(e: EnvelopeOf<'commitment-withdrawn'>, ref: EntryRef, at: number): void {
    const c = this.#ctx.ix.commitments.get(e.body.commitment);
    const t = this.#tracks.get(e.body.commitment);
    if (!c || !t) return;
    const a = e.body.acceptance;
    if (!t.acceptance || refKey(t.acceptance) !== refKey(a) || t.acceptance.leafHash !== a.leafHash) {
      this.#ctx.emit({
        rule: 'commitment.invalid-withdrawal',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'commitment', id: c.id },
        message: msg('commitment.invalid-withdrawal', { party: e.party, commitment: c.id }),
        refs: [ref, a],
      });
      return;
    }
    let effective = c.withdrawal ? plus(at, c.withdrawal.notice) : at;
    if (e.body.effective !== undefined) effective = Math.max(effective, startOfDay(e.body.effective));
    t.withdrawal = { ref, at, effective };
    t.acceptance = undefined;
    t.acceptedAt = undefined;
    t.steps.push({ at: effective, on: false, ref });
  }

  /** When the commitment was accepted and not withdrawn. */
  accepted(id: string, asOf: number): Intervals {
    const t = this.#tracks.get(id);
    if (!t) return NEVER;
    const steps = [...t.steps].sort((a, b) => a.at - b.at);
    return until(fromSteps(steps), asOf);
  }

  /** When the commitment was in force: accepted, regime in force, every condition holding. */
  inForce(id: string, q: QueryContext, seen: Set<string> = new Set()): Intervals {
    const c = this.#ctx.ix.commitments.get(id);
    if (!c || seen.has(id)) return NEVER;
    seen.add(id);
    const parts = [q.accepted(id), q.regimeInForce, ...c.conditions.map((k) => this.#condition(k, q, seen))];
    seen.delete(id);
    return intersectAll(parts);
  }

  #condition(k: Condition, q: QueryContext, seen: Set<string>): Intervals {
    switch (k.kind) {
      case 'accepted':
        return q.accepted(k.commitment);
      case 'in-force':
        return this.inForce(k.commitment, q, seen);
      case 'metric-met':
        return q.metricMet(k.metric);
      case 'date':
        return from(k.from ? startOfDay(k.from) : -Infinity, k.until ? endOfDay(k.until) : Infinity);
    }
  }

  state(q: QueryContext, findings: readonly Finding[]): CommitmentState[] {
    return this.#ctx.regime.commitments.map((c) => this.#stateOf(c, q, findings));
  }

  #stateOf(c: Commitment, q: QueryContext, findings: readonly Finding[]): CommitmentState {
    const t = this.#tracks.get(c.id)!;
    const asOf = q.asOf;
    const inForce = q.inForce(c.id);
    const current = containing(inForce, asOf);
    const conditions = c.conditions.map((k) => ({
      condition: k,
      holds: contains(this.#condition(k, q, new Set([c.id])), asOf),
    }));
    const withdrawal = t.withdrawal && {
      ref: t.withdrawal.ref,
      at: iso(t.withdrawal.at),
      effective: iso(t.withdrawal.effective),
    };
    const base = {
      commitment: c.id,
      party: c.party,
      ...(t.acceptance ? { acceptance: t.acceptance, acceptedAt: iso(t.acceptedAt!) } : {}),
      ...(withdrawal ? { withdrawal } : {}),
      conditions,
    };
    if (t.withdrawal && t.withdrawal.effective <= asOf && !t.acceptance) {
      return {
        ...base,
        status: 'withdrawn',
        reason: msg('commitment.withdrawn', { party: c.party, effective: iso(t.withdrawal.effective) }),
        breaches: [],
      };
    }
    if (!t.acceptance && !t.withdrawal) {
      return {
        ...base,
        status: 'proposed',
        reason: msg('commitment.proposed', { party: c.party }),
        breaches: [],
      };
    }
    if (!current) {
      const unmet = conditions.filter((k) => !k.holds).map((k) => describe(k.condition));
      if (!contains(q.regimeInForce, asOf)) unmet.unshift(msg('condition.regime-in-force'));
      return {
        ...base,
        status: 'awaiting-condition',
        reason: msg('commitment.awaiting', { conditions: unmet }),
        breaches: [],
      };
    }
    const since = current[0];
    const breaches: Finding[] = [];
    for (const u of c.undertakes) {
      const id =
        u.kind === 'limit'
          ? u.limit
          : u.kind === 'host-inspections'
            ? u.inspection
            : u.kind === 'notify'
              ? u.rule
              : u.metric;
      const rules = BREACH_RULES[u.kind]!;
      const kind = KIND_OF_UNDERTAKING[u.kind]!;
      for (const f of findings) {
        if (f.party !== c.party || f.breaks.kind !== kind || f.breaks.id !== id || !rules.includes(f.rule)) continue;
        const at = Date.parse(f.at);
        if (at >= since && at <= asOf) breaches.push(f);
      }
    }
    // A withdrawal given but not yet effective is said with the status.
    const effective = t.withdrawal && t.withdrawal.effective > asOf ? iso(t.withdrawal.effective) : undefined;
    if (breaches.length) {
      const rules = [...new Set(breaches.map((f) => f.rule))].sort(byString);
      return {
        ...base,
        status: 'breached',
        inForceSince: iso(since),
        reason: msg(effective ? 'commitment.breached.withdrawing' : 'commitment.breached', {
          since: iso(since),
          rules,
          effective,
        }),
        breaches: breaches.map((f) => f.id).sort(byString),
      };
    }
    return {
      ...base,
      status: 'in-force',
      inForceSince: iso(since),
      reason: msg(effective ? 'commitment.in-force.withdrawing' : 'commitment.in-force', {
        since: iso(since),
        effective,
      }),
      breaches: [],
    };
  }
}

function describe(k: Condition): Message {
  switch (k.kind) {
    case 'accepted':
      return msg('condition.accepted', { commitment: k.commitment });
    case 'in-force':
      return msg('condition.in-force', { commitment: k.commitment });
    case 'metric-met':
      return msg('condition.metric-met', { metric: k.metric });
    case 'date':
      return msg('condition.date', { from: k.from ?? '…', until: k.until ?? '…' });
  }
}
