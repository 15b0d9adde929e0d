/**
 * Consultations: concerns raised under the regime's mechanisms, the stages that must follow each within its clock,
 * and the outcome that closes it; and the mechanisms' regular sessions. Each missed stage is a finding against the
 * party whose stage it is; the procedure, not a verdict, is what the engine keeps honest.
 *
 * A stage's clock runs from the stage before it (the concern for the first): from the moment that step counts, or,
 * if it was missed, from its deadline. A meeting counts from when it was held, as its record states, but never
 * later than the record counts (a record cannot date a meeting after it was written). Later stages are due while
 * the consultation is open: an outcome closes it, and nothing is due after. Steps that do not fit the chain (one
 * naming no consultation, a closed one, a step already followed, a stage out of order) are the submission
 * checks' to refuse (model/entries/consultation.ts); an entry that got past them anyway (a log written by other
 * software) is reported as `consultation.out-of-order` and changes nothing.
 */
import type { ConsultationMechanism, EnvelopeOf } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding } from './findings.js';
import { msg } from './messages.js';
import { instant, iso, periodStart, plus, startOfDay } from './time.js';
import { byString, type EntryRef, refKey } from './types.js';

type Outcome = 'resolved' | 'disputed' | 'referred';

interface Step {
  step: 'concern' | 'reply' | 'meeting' | 'outcome';
  stage?: string;
  party: string;
  at: number;
  ref: EntryRef;
}

interface Record {
  key: string;
  mechanism: ConsultationMechanism;
  raiser: string;
  addressee: string;
  incident?: string;
  steps: Step[];
  /** The index of the last stage recorded (-1: none yet). */
  stage: number;
  outcome?: Outcome;
}

interface Session {
  mechanism: string;
  party: string;
  held: number;
  attendance: readonly string[];
  agenda: number;
  agreed: number;
  countersigned: boolean;
  ref: EntryRef;
}

export interface ConsultationStepState {
  step: Step['step'];
  stage?: string;
  party: string;
  at: string;
  ref: EntryRef;
}

export interface ConsultationState {
  /** `origin#index` of the concern that opened it. */
  id: string;
  mechanism: string;
  raiser: string;
  addressee: string;
  incident?: string;
  opened: string;
  status: 'open' | Outcome;
  /** The next stage due and by when (open consultations with a stage left). */
  due?: { stage: string; by: string; party: string };
  steps: ConsultationStepState[];
}

export interface SessionState {
  mechanism: string;
  held: string;
  attendance: string[];
  agenda: number;
  agreed: number;
  countersigned: boolean;
  ref: EntryRef;
}

export interface ConsultationsState {
  consultations: ConsultationState[];
  sessions: SessionState[];
}

export class Consultations {
  readonly #ctx: Ctx;
  readonly #byConcern = new Map<string, Record>();
  /** Every step's entry → its consultation, and whether a later step already follows it. */
  readonly #stepOf = new Map<string, { record: Record; followed: boolean }>();
  readonly #sessions: Session[] = [];

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  apply(e: EnvelopeOf<'consultation'>, ref: EntryRef, at: number): void {
    const b = e.body;
    const mechanisms = this.#ctx.ix.consultations;
    if (b.step === 'session') {
      if (!mechanisms.has(b.mechanism)) return;
      this.#sessions.push({
        mechanism: b.mechanism,
        party: e.party,
        held: Math.min(instant(b.held), at),
        attendance: b.attendance,
        agenda: b.agenda.length,
        agreed: b.agreedStatements?.length ?? 0,
        countersigned: b.countersignature !== undefined,
        ref,
      });
      return;
    }
    if (b.step === 'concern') {
      const mechanism = mechanisms.get(b.mechanism);
      if (!mechanism) return;
      const record: Record = {
        key: refKey(ref),
        mechanism,
        raiser: e.party,
        addressee: b.addressee,
        ...(b.incident !== undefined ? { incident: b.incident } : {}),
        steps: [{ step: 'concern', party: e.party, at, ref }],
        stage: -1,
      };
      this.#byConcern.set(record.key, record);
      this.#stepOf.set(record.key, { record, followed: false });
      return;
    }
    const previous = this.#stepOf.get(refKey(b.previous));
    const record = previous?.record;
    const index =
      b.step === 'outcome'
        ? record?.mechanism.stages.length
        : record?.mechanism.stages.findIndex((s) => s.id === b.stage);
    const why =
      !previous || !record
        ? 'unknown'
        : record.outcome !== undefined
          ? 'closed'
          : previous.followed
            ? 'followed'
            : e.party !== record.raiser && e.party !== record.addressee
              ? 'not-a-side'
              : index === undefined || index < 0 || index <= record.stage
                ? 'order'
                : undefined;
    if (why !== undefined || !record || !previous) {
      this.#ctx.emit({
        rule: 'consultation.out-of-order',
        key: refKey(ref),
        party: e.party,
        at,
        breaks: { kind: 'consultation', id: record?.mechanism.id ?? 'unknown' },
        message: msg(`consultation.out-of-order.${why ?? 'unknown'}`, { party: e.party, step: b.step }),
        refs: [ref, b.previous],
      });
      return;
    }
    previous.followed = true;
    const when = b.step === 'meeting' ? Math.min(instant(b.held), at) : at;
    if (b.step === 'outcome') {
      record.outcome = b.outcome;
      record.steps.push({ step: 'outcome', party: e.party, at: when, ref });
    } else {
      record.stage = index!;
      record.steps.push({ step: b.step, stage: b.stage, party: e.party, at: when, ref });
    }
    this.#stepOf.set(refKey(ref), { record, followed: false });
  }

  /** Each stage's deadline and the step that met it (if any), up to `asOf` or the outcome. */
  #walk(r: Record, asOf: number) {
    const out: { stage: number; due: number; step?: Step; owner: string }[] = [];
    const closedAt = r.outcome !== undefined ? r.steps[r.steps.length - 1]!.at : Infinity;
    let base = r.steps[0]!.at;
    for (let i = 0; i < r.mechanism.stages.length; i++) {
      const s = r.mechanism.stages[i]!;
      // VD11 ¶16: each stage "within 48 hours"; a step at exactly 48 h is on time, missed only after it.
      const due = plus(base, s.within);
      const step = r.steps.find((x) => x.stage === s.id);
      const owner = s.by === 'raiser' ? r.raiser : r.addressee;
      if (
        !step &&
        (closedAt <= due || asOf < due) &&
        !r.steps.some((x) => x.stage !== undefined && this.#stageIndex(r, x.stage) > i)
      ) {
        out.push({ stage: i, due, owner });
        break;
      }
      out.push({ stage: i, due, owner, ...(step ? { step } : {}) });
      base = step ? step.at : due;
      if (closedAt <= base) break;
    }
    return out;
  }

  #stageIndex(r: Record, stage: string): number {
    return r.mechanism.stages.findIndex((s) => s.id === stage);
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    for (const r of this.#byConcern.values()) {
      const closedAt = r.outcome !== undefined ? r.steps[r.steps.length - 1]!.at : Infinity;
      for (const w of this.#walk(r, q.asOf)) {
        const s = r.mechanism.stages[w.stage]!;
        const base = {
          party: w.owner,
          breaks: { kind: 'consultation' as const, id: r.mechanism.id },
          refs: [r.steps[0]!.ref, ...(w.step ? [w.step.ref] : [])],
        };
        if (w.step && w.step.at > w.due) {
          out.push(
            finding({
              ...base,
              rule: 'consultation.stage-late',
              key: `${r.key}/${s.id}`,
              at: w.step.at,
              message: msg('consultation.stage-late', {
                party: w.owner,
                stage: s.id,
                mechanism: r.mechanism.id,
                raiser: r.raiser,
                due: iso(w.due),
                late: w.step.at - w.due,
              }),
            }),
          );
        } else if (!w.step && w.due < q.asOf && w.due < closedAt) {
          out.push(
            finding({
              ...base,
              rule: 'consultation.stage-missed',
              key: `${r.key}/${s.id}`,
              at: w.due,
              message: msg('consultation.stage-missed', {
                party: w.owner,
                stage: s.id,
                mechanism: r.mechanism.id,
                raiser: r.raiser,
                due: iso(w.due),
              }),
            }),
          );
        }
      }
    }
    for (const m of this.#ctx.ix.consultations.values()) {
      if (!m.sessions) continue;
      const anchor = startOfDay(m.sessions.from);
      const until = m.sessions.until === undefined ? Infinity : startOfDay(m.sessions.until);
      for (let k = 0; ; k++) {
        const from = periodStart(anchor, m.sessions.every, k);
        const to = periodStart(anchor, m.sessions.every, k + 1);
        if (to > q.asOf || to > until) break;
        const held = this.#sessions.filter((s) => s.mechanism === m.id && s.held >= from && s.held < to);
        if (held.length >= m.sessions.atLeast) continue;
        for (const party of m.parties) {
          out.push(
            finding({
              rule: 'consultation.sessions-missing',
              key: `${m.id}/${iso(from)}/${party}`,
              party,
              at: to,
              breaks: { kind: 'consultation', id: m.id },
              message: msg('consultation.sessions-missing', {
                mechanism: m.id,
                held: held.length,
                atLeast: m.sessions.atLeast,
                from: iso(from),
                to: iso(to),
              }),
              refs: held.map((s) => s.ref),
            }),
          );
        }
      }
    }
    return out;
  }

  state(q: QueryContext): ConsultationsState {
    const consultations = [...this.#byConcern.values()].map((r): ConsultationState => {
      const walk = this.#walk(r, q.asOf);
      const next = r.outcome === undefined ? walk.find((w) => !w.step && w.due >= q.asOf) : undefined;
      return {
        id: r.key,
        mechanism: r.mechanism.id,
        raiser: r.raiser,
        addressee: r.addressee,
        ...(r.incident !== undefined ? { incident: r.incident } : {}),
        opened: iso(r.steps[0]!.at),
        status: r.outcome ?? 'open',
        ...(next ? { due: { stage: r.mechanism.stages[next.stage]!.id, by: iso(next.due), party: next.owner } } : {}),
        steps: r.steps.map((s) => ({
          step: s.step,
          ...(s.stage !== undefined ? { stage: s.stage } : {}),
          party: s.party,
          at: iso(s.at),
          ref: s.ref,
        })),
      };
    });
    consultations.sort((a, b) => byString(a.opened, b.opened) || byString(a.id, b.id));
    const sessions = this.#sessions
      .map((s) => ({
        mechanism: s.mechanism,
        held: iso(s.held),
        attendance: [...s.attendance].sort(byString),
        agenda: s.agenda,
        agreed: s.agreed,
        countersigned: s.countersigned,
        ref: s.ref,
      }))
      .sort((a, b) => byString(a.held, b.held) || byString(a.mechanism, b.mechanism));
    return { consultations, sessions };
  }
}
