/**
 * Periodic data obligations (regime `periodic`, src/model/regime/periodic.ts): each party owes a declaration as of
 * each data date, by its deadline. The first declaration (plain or escrowed) counted with that `asOf` fulfils the
 * occurrence; a later one changes nothing. Judged when the state is asked for, while the regime is in force at the
 * deadline: `periodic.late` from when a late declaration counts, `periodic.missing` from the deadline while none has.
 *
 * The deadline is a day, not an instant, and that whole day (UTC) is on time: the treaties count these deadlines in
 * dates of receipt (New START Protocol Part Four §I.2: "the date of provision of notification shall be the date of
 * receipt", times in GMT; §II.1 "no later than 45 days after entry into force"; VD11 Ch. I, the annual exchange "not
 * later than 15 December", and Ch. VII ¶61, calendars "not later than 15 November"). So the day of data date ±
 * deadline is the last day on time, and 00:00 UTC the day after is late: the annual exchange valid 1 January with
 * `before: P17D` is on time through 15 December; New START's 6-monthly update, "no later than 30 days after the
 * expiration" of a period ending 28 (29) February, with data as of 1 March, is `after: P29D`, through 30 March.
 */
import { type PeriodicObligation, ruleParties } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding } from './findings.js';
import { contains } from './intervals.js';
import { msg } from './messages.js';
import { endOfDay, iso, minus, periodStart, plus } from './time.js';
import type { EntryRef } from './types.js';

interface Declared {
  at: number;
  ref: EntryRef;
}

/**
 * One occurrence of an obligation: its data date (`YYYY-MM-DD`), its deadline day (`YYYY-MM-DD`, on time through its
 * end) and `due`, the first instant that is late (the start of the next day, UTC).
 */
export interface Occurrence {
  asOf: string;
  day: string;
  due: number;
}

/** The occurrences of `o` whose deadline day has ended by `asOf`, in order. */
export function occurrences(o: PeriodicObligation, asOf: number): Occurrence[] {
  const first = Date.parse(`${o.first}T00:00:00Z`);
  const until = o.until === undefined ? Infinity : Date.parse(`${o.until}T00:00:00Z`);
  const out: Occurrence[] = [];
  for (let k = 0; ; k++) {
    const date = k === 0 ? first : o.every === undefined ? Infinity : periodStart(first, o.every, k);
    if (date === Infinity || date > until) break;
    const at = o.deadline.before !== undefined ? minus(date, o.deadline.before) : plus(date, o.deadline.after!);
    const day = iso(at).slice(0, 10);
    const due = endOfDay(day);
    if (due > asOf) break;
    out.push({ asOf: iso(date).slice(0, 10), day, due });
  }
  return out;
}

/** Calendars are kept beside declarations, under a key no `asOf` date can take. */
const calendarKey = (rule: string, year: number) => `calendar\u0000${rule}\u0000${year}`;

export class Periodic {
  readonly #ctx: Ctx;
  /** party → data date → the first declaration counted with it. */
  readonly #declared = new Map<string, Map<string, Declared>>();
  /**
   * Per party and type (`declaration`, or `notification` for calendars), when this fold first met one of its sealed
   * entries of that type it cannot read: which data date it fulfils is hidden, so whether an occurrence is missing is
   * left to the folds of that entry's audience (issue 14), as escrow phases are.
   */
  readonly #hidden = new Map<string, number>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  /** An annual calendar under `rule` for `year`: it fulfils the obligations that name the rule, for that year. */
  calendar(party: string, rule: string, year: number, at: number, ref: EntryRef): void {
    this.declared(party, calendarKey(rule, year), at, ref);
  }

  /** A sealed declaration or notification of `party` this fold cannot read, counted at `at`. */
  hidden(party: string, type: 'declaration' | 'notification', at: number): void {
    const key = `${party}\u0000${type}`;
    if (!this.#hidden.has(key)) this.#hidden.set(key, at);
  }

  declared(party: string, asOf: string, at: number, ref: EntryRef): void {
    let byDate = this.#declared.get(party);
    if (!byDate) {
      byDate = new Map();
      this.#declared.set(party, byDate);
    }
    if (!byDate.has(asOf)) byDate.set(asOf, { at, ref });
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    for (const o of this.#ctx.ix.periodic.values()) {
      const list = occurrences(o, q.asOf);
      for (const party of ruleParties(this.#ctx.regime, o)) {
        for (const { asOf, day, due } of list) {
          // In force on the deadline day (its last instant).
          if (!contains(q.regimeInForce, due - 1)) continue;
          const key = o.calendar === undefined ? asOf : calendarKey(o.calendar, Number(asOf.slice(0, 4)));
          const d = this.#declared.get(party)?.get(key);
          const base = { key: `${o.id}/${party}/${asOf}`, party, breaks: { kind: 'periodic' as const, id: o.id } };
          if (d && d.at <= q.asOf) {
            if (d.at < due) continue;
            out.push(
              finding({
                ...base,
                rule: 'periodic.late',
                at: d.at,
                message: msg('periodic.late', { party, obligation: o.id, asOf, late: d.at - due, due: day }),
                refs: [d.ref],
              }),
            );
          } else {
            const hidden = this.#hidden.get(
              `${party}\u0000${o.calendar === undefined ? 'declaration' : 'notification'}`,
            );
            if (hidden !== undefined && hidden <= q.asOf) continue;
            out.push(
              finding({
                ...base,
                rule: 'periodic.missing',
                at: due,
                message: msg('periodic.missing', { party, obligation: o.id, asOf, due: day }),
                refs: [],
                // None of the party's declarations fulfils it: it rests on all of them (sealed ones give it their audience).
                restsOn: [...(this.#declared.get(party)?.values() ?? [])]
                  .filter((x) => x.at <= q.asOf)
                  .map((x) => x.ref),
              }),
            );
          }
        }
      }
    }
    return out;
  }
}
