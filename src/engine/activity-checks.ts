/**
 * What the Vienna Document asks of notified activities beyond the notification itself, judged when the state is
 * asked for:
 * - Ch. VI, observation: an activity reaching the rule's `observation` thresholds is notified with observers
 *   invited (`observation.not-invited`, from when the notification counts);
 * - Ch. VII, annual calendars: an activity reaching the rule's `calendar` thresholds is listed, with dates that
 *   overlap its own, in the notifying state's calendar for the year it starts, counted before it starts
 *   (`calendar.not-listed`, from its start); activities without advance notice to the troops (¶41) are exempt;
 * - Ch. VIII, constraints: at most `atMost` activities reaching the thresholds within one calendar year, or three
 *   consecutive ones (`constraint.exceeded`, for each activity beyond, from its start).
 *
 * Only notified activities (those that reach the rule's trigger) count here; an activity seen but never notified
 * is already `notification.missing`.
 */
import type { ActivityConstraint, EnvelopeOf, NotificationRule } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding, keyOf } from './findings.js';
import { contains } from './intervals.js';
import { msg } from './messages.js';
import { iso } from './time.js';

type ActivityBody = Extract<EnvelopeOf<'notification'>['body'], { kind: 'activity' }>;
type CalendarBody = Extract<EnvelopeOf<'notification'>['body'], { kind: 'calendar' }>;
/** Trigger thresholds (`atLeast`) and constraint thresholds (`atLeast` or `moreThan`). */
type Threshold = ActivityConstraint['anyOf'][number];

interface Activity {
  party: string;
  rule: NotificationRule;
  start: number;
  end: number;
  countedAt: number;
  num: number;
  quantities: readonly { category: string; quantity: number }[];
  withoutNotice: boolean;
  observersInvited: boolean;
}

interface Calendar {
  countedAt: number;
  num: number;
  activities: { start: number; end: number }[];
}

/**
 * The first threshold the quantities reach, if any. `atLeast` counts the number itself (VD11 ¶40, ¶47: "9,000
 * troops or more", "meets or exceeds 13,000"); `moreThan` does not (Ch. VIII: "more than 40,000 troops").
 */
function reached(
  quantities: readonly { category: string; quantity: number }[],
  thresholds: readonly Threshold[] | undefined,
): Threshold | undefined {
  return thresholds?.find((th) =>
    quantities.some(
      (q) =>
        q.category === th.category &&
        (th.moreThan !== undefined ? q.quantity > th.moreThan : q.quantity >= (th.atLeast ?? Infinity)),
    ),
  );
}

const yearOf = (t: number) => new Date(t).getUTCFullYear();

export class ActivityChecks {
  readonly #ctx: Ctx;
  readonly #activities: Activity[] = [];
  /** Calendars by rule, party and year. */
  readonly #calendars = new Map<string, Calendar[]>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  activity(
    party: string,
    rule: NotificationRule,
    body: ActivityBody,
    start: number,
    end: number,
    countedAt: number,
    num: number,
  ): void {
    const t = rule.trigger;
    if (t.kind !== 'activity' || (!t.observation && !rule.calendar && !rule.constraints)) return;
    this.#activities.push({
      party,
      rule,
      start,
      end,
      countedAt,
      num,
      quantities: body.quantities,
      withoutNotice: body.withoutNotice === true && rule.withoutNotice !== undefined,
      observersInvited: body.observersInvited === true,
    });
  }

  calendar(party: string, rule: NotificationRule, body: CalendarBody, countedAt: number, num: number): void {
    if (!rule.calendar) return;
    const key = `${rule.id}\u0000${party}\u0000${body.year}`;
    const list = this.#calendars.get(key) ?? [];
    list.push({
      countedAt,
      num,
      activities: body.activities.map((a) => ({ start: Date.parse(a.start), end: Date.parse(a.end) })),
    });
    this.#calendars.set(key, list);
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    const known = this.#activities.filter((a) => a.countedAt <= q.asOf);
    const binds = (a: Activity, at: number) => contains(q.binding('notify', a.rule.id, a.party), at);
    const ref = (a: Activity) => this.#ctx.leaves.ref(a.num);
    const base = (a: Activity) => ({ party: a.party, breaks: { kind: 'notification' as const, id: a.rule.id } });
    for (const a of known) {
      const t = a.rule.trigger;
      const observe = t.kind === 'activity' ? reached(a.quantities, t.observation) : undefined;
      if (observe && !a.observersInvited && binds(a, a.countedAt)) {
        out.push(
          finding({
            ...base(a),
            rule: 'observation.not-invited',
            key: `${a.rule.id}/${keyOf(ref(a))}`,
            at: a.countedAt,
            message: msg('observation.not-invited', {
              party: a.party,
              rule: a.rule.id,
              start: iso(a.start),
              category: observe.category,
              atLeast: observe.atLeast,
            }),
            refs: [ref(a)],
          }),
        );
      }
      const listed = a.rule.calendar && t.kind === 'activity' ? (a.rule.calendar.anyOf ?? t.anyOf) : undefined;
      if (listed && !a.withoutNotice && reached(a.quantities, listed) && q.asOf >= a.start && binds(a, a.start)) {
        const year = yearOf(a.start);
        const calendars = (this.#calendars.get(`${a.rule.id}\u0000${a.party}\u0000${year}`) ?? []).filter(
          (c) => c.countedAt <= a.start,
        );
        const inCalendar = calendars.some((c) => c.activities.some((x) => x.start <= a.end && a.start <= x.end));
        if (!inCalendar) {
          out.push(
            finding({
              ...base(a),
              rule: 'calendar.not-listed',
              key: `${a.rule.id}/${keyOf(ref(a))}`,
              at: a.start,
              message: msg('calendar.not-listed', { party: a.party, rule: a.rule.id, start: iso(a.start), year }),
              refs: [ref(a), ...calendars.map((c) => this.#ctx.leaves.ref(c.num))],
            }),
          );
        }
      }
    }
    out.push(...this.#constraints(q, known));
    return out;
  }

  /** Each activity beyond a constraint's number within its window of calendar years, from its start. */
  #constraints(q: QueryContext, known: readonly Activity[]): Finding[] {
    const out: Finding[] = [];
    const byStart = [...known].sort((a, b) => a.start - b.start || a.num - b.num);
    for (const rule of this.#ctx.regime.notifications) {
      rule.constraints?.forEach((c, ci) => {
        const counted = new Map<string, Activity[]>();
        for (const a of byStart) {
          if (a.rule !== rule) continue;
          const th = reached(a.quantities, c.anyOf);
          if (!th || reached(a.quantities, c.unless)) continue;
          const earlier = counted.get(a.party) ?? [];
          earlier.push(a);
          counted.set(a.party, earlier);
          const from = yearOf(a.start) - (c.years - 1);
          const within = earlier.filter((x) => yearOf(x.start) >= from).length;
          const at = Math.max(a.start, a.countedAt);
          if (within <= c.atMost || q.asOf < at || !contains(q.binding('notify', rule.id, a.party), at)) continue;
          const r = this.#ctx.leaves.ref(a.num);
          out.push(
            finding({
              rule: 'constraint.exceeded',
              key: `${rule.id}/${ci}/${keyOf(r)}`,
              party: a.party,
              at,
              breaks: { kind: 'notification', id: rule.id },
              message: msg(th.moreThan !== undefined ? 'constraint.exceeded.more-than' : 'constraint.exceeded', {
                party: a.party,
                rule: rule.id,
                n: within,
                atMost: c.atMost,
                years: c.years,
                category: th.category,
                ...(th.moreThan !== undefined ? { moreThan: th.moreThan } : { atLeast: th.atLeast! }),
                start: iso(a.start),
              }),
              refs: earlier.filter((x) => yearOf(x.start) >= from).map((x) => this.#ctx.leaves.ref(x.num)),
            }),
          );
        }
      });
    }
    return out;
  }
}
