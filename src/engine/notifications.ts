/**
 * Notifications: each one's deadline (after the event it reports, or before an activity starts), whether the
 * receivers acknowledged it in time, whether a concern was explained in time, and notifications that were never
 * made: a later declaration or an observation shows an item moved or changed status with no notification, or an
 * activity above a threshold nobody notified.
 *
 * A change shown by a declaration happened by the end of its `asOf` day, so its notification is missing once the
 * rule's deadline has passed after that (earlier, it may still come in time); a change shown by an observation
 * happened by the time observed. A notification that comes afterwards resolves it and is judged on its own
 * deadline. All deadlines are judged when the state is asked for, from one compact record per notification.
 */
import { type EnvelopeOf, type NotificationRule, ruleParties, type Status } from '../model/index.js';
import { ActivityChecks } from './activity-checks.js';
import type { Ctx, QueryContext } from './context.js';
import { type Finding, finding, keyOf } from './findings.js';
import type { ItemChange } from './holdings.js';
import { contains, type Intervals } from './intervals.js';
import { LeafIndex } from './leaf-index.js';
import { LISTED, msg } from './messages.js';
import { DAY_MS, instant, iso, minus, plus } from './time.js';
import { byString, type EntryRef } from './types.js';

type Kind = 'movement' | 'status-change' | 'activity' | 'calendar' | 'concern' | 'explanation';

interface Ack {
  party: string;
  at: number;
  /** The acknowledgement's entry number (LeafIndex). */
  num: number;
}

/** One per notification: numbers and shared strings only, as there may be millions. */
interface NotifRecord {
  /** The notification's entry number (LeafIndex). */
  num: number;
  party: string;
  rule: NotificationRule;
  kind: Kind;
  countedAt: number;
  eventAt?: number;
  /** When it was due (undefined: no deadline applies, e.g. a concern). */
  due?: number;
  required: boolean;
  /** Acknowledgements: usually one (two-party rules), kept in place; an array only beyond it. */
  ack: Ack | undefined;
  moreAcks: Ack[] | undefined;
  /** A concern: whom it asks, and the explanation that answered it. */
  addressee?: string;
  explanation?: { at: number; num: number };
  items?: number;
  /** The site it names: a movement's destination, a status change's site. */
  site?: string;
  /** An activity notified as carried out without advance notice, under a rule that provides for it (¶41). */
  withoutNotice?: true;
}

interface Missing {
  key: string;
  rule: NotificationRule;
  party: string;
  kind: 'movement' | 'status-change' | 'activity';
  due: number;
  evidence: EntryRef[];
  /** Item changes awaiting a notification: uid → the notification that came (if any). */
  uids?: Map<string, EntryRef | undefined>;
  /** The entries the items' earlier places came from (ItemChange.from): the finding rests on them too. */
  restsOn?: EntryRef[];
  /**
   * Where it was seen: the site of the changes (where the items went, or where they changed status), or of every
   * observation of an activity, when they share one; else null.
   */
  site?: string | null;
  /** An activity: when it was observed, and the notification that came (if any). */
  observed?: { first: number; last: number };
  resolvedBy?: EntryRef;
}

/** A two-level memo (by rule, then party): no key string to build per record. */
function byRuleAndParty<R, T>(memo: Map<R, Map<string, T>>, rule: R, party: string, make: () => T): T {
  let inner = memo.get(rule);
  if (!inner) {
    inner = new Map();
    memo.set(rule, inner);
  }
  let v = inner.get(party);
  if (v === undefined) {
    v = make();
    inner.set(party, v);
  }
  return v;
}

function ackOf(r: NotifRecord, party: string): Ack | undefined {
  return r.ack?.party === party ? r.ack : r.moreAcks?.find((x) => x.party === party);
}

const KINDS = {
  movement: 'movement',
  'status-change': 'status-change',
  activity: 'activity',
  calendar: 'calendar',
  concern: 'concern',
  explanation: 'explanation',
} as const satisfies Record<Kind, Kind>;

const MAX_EVIDENCE = 20;

/** When a notified activity runs. */
interface Span {
  start: number;
  end: number;
}
const MAX_INDEXED_DAYS = 366;

export interface NotificationItemState {
  ref: EntryRef;
  rule: string;
  party: string;
  kind: Kind;
  countedAt: string;
  eventAt?: string;
  dueBy?: string;
  status: 'on-time' | 'late' | 'not-required' | 'no-deadline';
  acknowledgements: {
    party: string;
    status: 'on-time' | 'late' | 'missing' | 'awaiting';
    dueBy: string;
    at?: string;
    ref?: EntryRef;
  }[];
  explanation?: {
    by: string;
    status: 'on-time' | 'late' | 'missing' | 'awaiting';
    dueBy: string;
    at?: string;
    ref?: EntryRef;
  };
}

export interface MissingNotificationState {
  rule: string;
  party: string;
  kind: 'movement' | 'status-change' | 'activity';
  dueBy: string;
  status: 'missing' | 'awaiting' | 'notified';
  evidence: EntryRef[];
  items?: { uid: string; notifiedBy?: EntryRef }[];
  notifiedBy?: EntryRef;
  /** The parties who can see what it rests on, when that is sealed (as a finding's `audience`); absent: public. */
  audience?: string[];
  /** The entries it rests on without citing them (Missing.restsOn): the engine's own, read for `audience`. */
  restsOn?: EntryRef[];
}

export interface NotificationSummary {
  rule: string;
  party: string;
  notified: number;
  onTime: number;
  late: number;
  missing: number;
  acknowledgementsDue: number;
  acknowledged: number;
  unacknowledged: number;
}

export interface NotificationsState {
  summary: NotificationSummary[];
  items: NotificationItemState[];
  missing: MissingNotificationState[];
}

export class Notifications {
  readonly #ctx: Ctx;
  /** Records by log number, then by index in the log (arrays: no hashing on the hot path). */
  readonly #records: (NotifRecord | undefined)[][] = [];
  /** Every record, in the order notified. */
  readonly #all: NotifRecord[] = [];
  readonly #missing: Missing[] = [];
  /** Unresolved item changes by party and uid. */
  readonly #pending = new Map<string, Missing[]>();
  /**
   * Notified activities per party and day they cover (party → day index → activities): an O(1) look-up, with no
   * key string per day; an activity's span is one object shared by every day and party it covers.
   */
  readonly #activityDays = new Map<string, Map<number, Span[]>>();
  /** Unresolved missing activities per party and the day they were first observed. */
  readonly #missingActivityDays = new Map<string, Map<number, Missing[]>>();
  readonly #longActivities: { party: string; start: number; end: number }[] = [];
  readonly #openActivity = new Map<string, Missing>();
  /** Observation invitations, annual calendars and constraints (VD11 Ch. VI–VIII). */
  readonly #activities: ActivityChecks;

  /** The zones that are a party's territory: most observations lie in none, and need no look for a host. */
  readonly #territories: ReadonlySet<string>;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#activities = new ActivityChecks(ctx);
    this.#territories = new Set(ctx.regime.parties.flatMap((p) => (p.territory === undefined ? [] : [p.territory])));
  }

  /** The parties a rule binds (`all`: every participating state). */
  #bound(rule: NotificationRule): readonly string[] {
    return ruleParties(this.#ctx.regime, rule);
  }

  /** Whether a site lies in the rule's zone of application (no zone: everywhere). */
  #applies(rule: NotificationRule, site: string | undefined): boolean {
    const t = rule.trigger;
    if (t.kind === 'concern' || t.zone === undefined || site === undefined) return true;
    return this.#ctx.zones.zonesOfSite(site).includes(t.zone);
  }

  #record(num: number): NotifRecord | undefined {
    const [log, index] = LeafIndex.split(num);
    return this.#records[log]?.[index];
  }

  /**
   * The rule of `kind` that covers an item category (and status) for a party, in regime order; with `site`, only a
   * rule whose zone of application holds it.
   */
  ruleFor(
    kind: 'movement' | 'status-change',
    party: string,
    category: string,
    to?: Status,
    site?: string,
  ): NotificationRule | undefined {
    return this.#ctx.regime.notifications.find(
      (r) =>
        r.trigger.kind === kind &&
        this.#bound(r).includes(party) &&
        this.#applies(r, site) &&
        r.trigger.categories.includes(category) &&
        (r.trigger.kind !== 'status-change' || !r.trigger.to || to === undefined || r.trigger.to.includes(to)),
    );
  }

  /** `concernNum`: for an explanation, the number of the concern it names. */
  notification(e: EnvelopeOf<'notification'>, ref: EntryRef, num: number, at: number, concernNum?: number): void {
    const body = e.body;
    const rule = this.#ctx.ix.notifications.get(body.rule);
    if (!rule) return;
    const deadline = (eventAt: number) =>
      rule.deadline.before !== undefined ? minus(eventAt, rule.deadline.before) : plus(eventAt, rule.deadline.after!);
    const rec: NotifRecord = {
      num,
      // Shared strings, not the entry's own copies: records outlive entries.
      party: this.#ctx.ix.parties.get(e.party)?.id ?? e.party,
      rule,
      kind: KINDS[body.kind],
      countedAt: at,
      eventAt: undefined,
      due: undefined,
      required: true,
      ack: undefined,
      moreAcks: undefined,
      addressee: undefined,
      explanation: undefined,
      items: undefined,
      site: undefined,
    };
    switch (body.kind) {
      case 'movement':
      case 'status-change': {
        rec.eventAt = instant(body.at);
        rec.due = deadline(rec.eventAt);
        const uids = body.kind === 'movement' ? body.items.map((i) => i.uid) : body.changes.map((c) => c.uid);
        rec.items = uids.length;
        const site = body.kind === 'movement' ? body.to : body.site;
        rec.site = site === undefined ? undefined : this.#ctx.ix.sites.get(site)?.id;
        for (const uid of uids) this.#resolve(e.party, uid, body.kind, ref);
        break;
      }
      case 'activity': {
        const start = instant(body.start);
        const end = instant(body.end);
        rec.eventAt = start;
        if (body.withoutNotice && rule.withoutNotice) {
          rec.withoutNotice = true;
          rec.due = plus(start, rule.withoutNotice.after);
        } else rec.due = deadline(start);
        const t = rule.trigger;
        // Outside the zone of application only when the notification's area shows it; a named zone is taken as
        // the notifying state's word that it is inside.
        const inZone =
          t.kind !== 'activity' ||
          t.zone === undefined ||
          body.area === undefined ||
          this.#ctx.zones.zonesOfPlace({ area: body.area }).includes(t.zone);
        // A threshold counts its own number (VD11 ¶40.1: "9,000 troops or more"; ¶40.2 "at least 3,000").
        rec.required =
          inZone &&
          t.kind === 'activity' &&
          t.anyOf.some((th) => body.quantities.some((q) => q.category === th.category && q.quantity >= th.atLeast));
        if (rec.required) this.#activities.activity(rec.party, rule, body, start, end, at, num);
        // The notification covers the notifying state and the participating states it names (VD11 ¶38).
        const covers = [rec.party, ...(body.participants ?? []).flatMap((p) => this.#ctx.ix.parties.get(p)?.id ?? [])];
        // Activities longer than a year (unusual) are looked up one by one; the rest by the days they cover.
        const last = Math.min(Math.floor(end / DAY_MS), Math.floor(start / DAY_MS) + MAX_INDEXED_DAYS);
        if (last < Math.floor(end / DAY_MS))
          for (const p of covers) this.#longActivities.push({ party: p, start, end });
        const span: Span = { start, end };
        for (let day = Math.floor(start / DAY_MS); day <= last; day++) {
          for (const covered of covers) this.#cover(covered, day, span, ref);
        }
        break;
      }
      case 'calendar':
        this.#activities.calendar(rec.party, rule, body, at, num);
        rec.required = false;
        break;
      case 'concern':
        rec.addressee = this.#ctx.ix.parties.get(body.addressee)?.id ?? body.addressee;
        rec.due = plus(at, rule.deadline.after ?? rule.deadline.before!);
        rec.required = false;
        break;
      case 'explanation': {
        const cnum = concernNum ?? this.#ctx.leaves.num(body.concern);
        const concern = cnum === undefined ? undefined : this.#record(cnum);
        if (concern?.kind !== 'concern' || concern.addressee !== e.party) {
          this.#ctx.emit({
            rule: 'entry.invalid-reference',
            key: keyOf(ref),
            party: e.party,
            at,
            breaks: { kind: 'notification', id: rule.id },
            message: msg('entry.invalid-reference.explanation', { party: e.party }),
            refs: [ref, body.concern],
          });
          rec.required = false;
          break;
        }
        if (!concern.explanation) concern.explanation = { at, num };
        rec.eventAt = concern.countedAt;
        rec.due = concern.due;
        break;
      }
    }
    const [log, index] = LeafIndex.split(num);
    let list = this.#records[log];
    if (!list) {
      list = [];
      this.#records[log] = list;
    }
    list[index] = rec;
    this.#all.push(rec);
  }

  /** A notified activity covers `party` on `day`: it resolves that party's missing activities seen within it. */
  #cover(party: string, day: number, span: Span, ref: EntryRef): void {
    const { start, end } = span;
    let days = this.#activityDays.get(party);
    if (!days) {
      days = new Map();
      this.#activityDays.set(party, days);
    }
    const covering = days.get(day);
    if (covering) covering.push(span);
    else days.set(day, [span]);
    const missingDays = this.#missingActivityDays.get(party);
    const open = missingDays?.get(day);
    if (!missingDays || !open) return;
    const rest = open.filter((m) => {
      if (start > m.observed!.first || m.observed!.first > end) return true;
      m.resolvedBy = ref;
      const ok = `${m.rule.id}\u0000${m.party}`;
      if (this.#openActivity.get(ok) === m) this.#openActivity.delete(ok);
      return false;
    });
    if (rest.length) missingDays.set(day, rest);
    else missingDays.delete(day);
  }

  /** `targetNum`: the number of the entry acknowledged. */
  acknowledgement(e: EnvelopeOf<'acknowledgement'>, ref: EntryRef, num: number, at: number, targetNum?: number): void {
    const target = e.body.notification;
    const tnum = targetNum ?? this.#ctx.leaves.num(target);
    const rec = tnum === undefined ? undefined : this.#record(tnum);
    if (!rec || rec.party === e.party || !this.#bound(rec.rule).includes(e.party)) {
      this.#ctx.emit({
        rule: 'entry.invalid-reference',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'entry', id: 'acknowledgement' },
        message: msg('entry.invalid-reference.acknowledgement', { party: e.party }),
        refs: [ref, target],
      });
      return;
    }
    if (ackOf(rec, e.party)) return; // the first acknowledgement stands
    const ack = { party: this.#bound(rec.rule).find((p) => p === e.party)!, at, num };
    if (!rec.ack) rec.ack = ack;
    else {
      rec.moreAcks ??= [];
      rec.moreAcks.push(ack);
    }
  }

  /**
   * Item changes a declaration (or an observation) shows: `happenedBy` is the latest moment they can have
   * happened, `countedAt` when the evidence counts from (a notification is missing from the later of that and the
   * deadline after the change). A change already awaiting a notification is not counted twice.
   */
  changes(
    party: string,
    changes: readonly ItemChange[],
    happenedBy: number,
    countedAt: number,
    evidence: EntryRef[],
  ): void {
    const created = new Map<string, Missing>();
    const add = (
      kind: 'movement' | 'status-change',
      rule: NotificationRule | undefined,
      uid: string,
      site: string,
      from: EntryRef | undefined,
    ) => {
      if (!rule || rule.deadline.after === undefined) return;
      const pk = `${party}\u0000${uid}`;
      if (this.#pending.get(pk)?.some((m) => m.kind === kind)) return;
      const k = `${rule.id}\u0000${kind}`;
      let m = created.get(k);
      if (!m) {
        m = {
          key: `${rule.id}/${keyOf(evidence[evidence.length - 1]!)}/${kind}`,
          rule,
          party,
          kind,
          due: Math.max(countedAt, plus(happenedBy, rule.deadline.after)),
          evidence,
          uids: new Map(),
        };
        created.set(k, m);
        this.#missing.push(m);
      }
      m.uids!.set(uid, undefined);
      m.site = m.site === undefined || m.site === site ? site : null;
      if (from && !m.restsOn?.some((r) => r.leafHash === from.leafHash)) {
        if (m.restsOn) m.restsOn.push(from);
        else m.restsOn = [from];
      }
      let list = this.#pending.get(pk);
      if (!list) {
        list = [];
        this.#pending.set(pk, list);
      }
      list.push(m);
    };
    for (const c of changes) {
      if (c.fromSite !== c.toSite)
        add('movement', this.ruleFor('movement', party, c.category, undefined, c.toSite), c.uid, c.toSite, c.from);
      if (c.fromStatus !== c.toStatus)
        add(
          'status-change',
          this.ruleFor('status-change', party, c.category, c.toStatus, c.toSite),
          c.uid,
          c.toSite,
          c.from,
        );
    }
  }

  #resolve(party: string, uid: string, kind: 'movement' | 'status-change', ref: EntryRef): void {
    if (this.#pending.size === 0) return;
    const pk = `${party}\u0000${uid}`;
    const list = this.#pending.get(pk);
    if (!list) return;
    for (const m of list) if (m.kind === kind && m.uids!.get(uid) === undefined) m.uids!.set(uid, ref);
    const rest = list.filter((m) => m.uids!.has(uid) && m.uids!.get(uid) === undefined);
    if (rest.length) this.#pending.set(pk, rest);
    else this.#pending.delete(pk);
  }

  /**
   * An observation of `subject`'s forces: an activity above a threshold needs a notification covering it, from the
   * subject and, where the place lies in another participating state's `territory`, from that host state too.
   */
  observedActivity(
    subject: string,
    zones: readonly string[],
    counts: ReadonlyMap<string, number>,
    observedAt: number,
    countedAt: number,
    ref: EntryRef,
    site?: string,
  ): void {
    this.#observed(subject, undefined, zones, counts, observedAt, countedAt, ref, site);
    if (!zones.some((z) => this.#territories.has(z))) return;
    for (const p of this.#ctx.regime.parties) {
      if (p.id !== subject && p.territory !== undefined && zones.includes(p.territory)) {
        this.#observed(p.id, p.id, zones, counts, observedAt, countedAt, ref, site);
      }
    }
  }

  /** `host`: the host state's id, where `party` is one (its finding key names it). */

  #observed(
    party: string,
    host: string | undefined,
    zones: readonly string[],
    counts: ReadonlyMap<string, number>,
    observedAt: number,
    countedAt: number,
    ref: EntryRef,
    site?: string,
  ): void {
    for (const rule of this.#ctx.regime.notifications) {
      const t = rule.trigger;
      if (t.kind !== 'activity' || !this.#bound(rule).includes(party)) continue;
      if (t.zone !== undefined && !zones.includes(t.zone)) continue;
      // As for a notified activity: the threshold's own number is notifiable (VD11 ¶40.1).
      if (!t.anyOf.some((th) => (counts.get(th.category) ?? 0) >= th.atLeast)) continue;
      const day = Math.floor(observedAt / DAY_MS);
      const covered =
        this.#activityDays
          .get(party)
          ?.get(day)
          ?.some((a) => a.start <= observedAt && observedAt <= a.end) ||
        this.#longActivities.some((a) => a.party === party && a.start <= observedAt && observedAt <= a.end);
      if (covered) continue;
      const ok = `${rule.id}\u0000${party}`;
      const open = this.#openActivity.get(ok);
      const window = rule.deadline.before ?? rule.deadline.after!;
      if (open?.observed && observedAt <= plus(open.observed.last, window)) {
        open.observed.last = Math.max(open.observed.last, observedAt);
        if (open.site !== site) open.site = null;
        if (open.evidence.length < MAX_EVIDENCE) open.evidence.push(ref);
        continue;
      }
      // The host's own finding key names it, as one observation may show both states' omissions.
      const key = host === undefined ? keyOf(ref) : `${keyOf(ref)}/${host}`;
      const m: Missing = {
        key: `${rule.id}/${key}`,
        rule,
        party,
        kind: 'activity',
        due: Math.max(
          countedAt,
          rule.deadline.before !== undefined ? observedAt : plus(observedAt, rule.deadline.after!),
        ),
        evidence: [ref],
        observed: { first: observedAt, last: observedAt },
        site: site ?? null,
      };
      this.#missing.push(m);
      this.#openActivity.set(ok, m);
      let missingDays = this.#missingActivityDays.get(party);
      if (!missingDays) {
        missingDays = new Map();
        this.#missingActivityDays.set(party, missingDays);
      }
      const list = missingDays.get(day);
      if (list) list.push(m);
      else missingDays.set(day, [m]);
    }
  }

  /** Receivers who owe an acknowledgement, with the deadline. */
  #ackDue(r: NotifRecord): { receivers: readonly string[]; due: number } | undefined {
    if (!r.rule.acknowledge || r.kind === 'concern' || r.kind === 'explanation' || r.kind === 'calendar')
      return undefined;
    const receivers = byRuleAndParty(this.#receivers, r.rule, r.party, () =>
      this.#bound(r.rule).filter((p) => p !== r.party),
    );
    return { receivers, due: plus(r.countedAt, r.rule.acknowledge.within) };
  }

  readonly #receivers = new Map<NotificationRule, Map<string, readonly string[]>>();

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = this.#activities.findings(q);
    const asOf = q.asOf;
    const bindings = new Map<string, Map<string, Intervals>>();
    const binds = (rule: string, party: string, at: number) =>
      contains(
        byRuleAndParty(bindings, rule, party, () => q.binding('notify', rule, party)),
        at,
      );
    for (const r of this.#all) {
      const rule = r.rule.id;
      if (
        r.required &&
        r.due !== undefined &&
        r.kind !== 'concern' &&
        // On time at the deadline itself: VD11 ¶38 "42 days or more in advance", ¶41 "at the time the troops
        // involved commence", ¶16.1 "within 48 hours"; New START Part Four "no later than five days after".
        r.countedAt > r.due &&
        binds(rule, r.party, r.countedAt)
      ) {
        const explanation = r.kind === 'explanation';
        const code = explanation
          ? 'notification.explanation-late'
          : r.withoutNotice
            ? 'notification.snap-late'
            : 'notification.late';
        out.push(
          finding({
            rule: code,
            key: keyOf(this.#ctx.leaves.ref(r.num)),
            party: r.party,
            at: r.countedAt,
            breaks: { kind: 'notification', id: rule },
            site: r.site,
            message: msg(code, {
              party: r.party,
              kind: explanation ? undefined : r.kind,
              rule,
              late: r.countedAt - r.due,
              due: iso(r.due),
            }),
            refs: [this.#ctx.leaves.ref(r.num)],
          }),
        );
      }
      if (
        r.kind === 'concern' &&
        r.due !== undefined &&
        !r.explanation &&
        asOf >= r.due &&
        binds(rule, r.addressee!, r.due)
      ) {
        out.push(
          finding({
            rule: 'notification.explanation-missing',
            key: keyOf(this.#ctx.leaves.ref(r.num)),
            party: r.addressee!,
            at: r.due,
            breaks: { kind: 'notification', id: rule },
            message: msg('notification.explanation-missing', {
              addressee: r.addressee,
              party: r.party,
              rule,
              due: iso(r.due),
            }),
            refs: [this.#ctx.leaves.ref(r.num)],
          }),
        );
      }
      const ack = this.#ackDue(r);
      if (!ack) continue;
      for (const p of ack.receivers) {
        const a = ackOf(r, p);
        if (a && a.at > ack.due) {
          out.push(
            finding({
              rule: 'acknowledgement.late',
              key: keyOf(this.#ctx.leaves.ref(a.num)),
              party: p,
              at: a.at,
              breaks: { kind: 'notification', id: rule },
              site: r.site,
              message: msg('acknowledgement.late', { party: p, notifier: r.party, rule, late: a.at - ack.due }),
              refs: [this.#ctx.leaves.ref(r.num), this.#ctx.leaves.ref(a.num)],
            }),
          );
        } else if (!a && asOf >= ack.due) {
          out.push(
            finding({
              rule: 'acknowledgement.missing',
              key: `${keyOf(this.#ctx.leaves.ref(r.num))}/${p}`,
              party: p,
              at: ack.due,
              breaks: { kind: 'notification', id: rule },
              site: r.site,
              message: msg('acknowledgement.missing', { party: p, notifier: r.party, rule, due: iso(ack.due) }),
              refs: [this.#ctx.leaves.ref(r.num)],
            }),
          );
        }
      }
    }
    for (const m of this.#missing) {
      if (asOf < m.due || !binds(m.rule.id, m.party, m.due)) continue;
      if (m.kind === 'activity') {
        if (m.resolvedBy) continue;
        out.push(
          finding({
            rule: 'notification.missing',
            key: m.key,
            party: m.party,
            at: m.due,
            breaks: { kind: 'notification', id: m.rule.id },
            site: m.site ?? undefined,
            message: msg('notification.missing.activity', {
              party: m.party,
              first: iso(m.observed!.first),
              rule: m.rule.id,
            }),
            refs: m.evidence,
          }),
        );
        continue;
      }
      const open = [...m.uids!.entries()].filter(([, r]) => r === undefined).map(([u]) => u);
      if (!open.length) continue;
      out.push(
        finding({
          rule: 'notification.missing',
          key: m.key,
          party: m.party,
          at: m.due,
          breaks: { kind: 'notification', id: m.rule.id },
          site: m.site ?? undefined,
          message: msg('notification.missing', {
            party: m.party,
            kind: m.kind,
            rule: m.rule.id,
            n: open.length,
            items: open.slice(0, LISTED),
          }),
          refs: m.evidence,
          restsOn: m.restsOn,
        }),
      );
    }
    return out;
  }

  state(q: QueryContext, detail: boolean): NotificationsState {
    const asOf = q.asOf;
    const summary = new Map<string, NotificationSummary>();
    const summaries = new Map<string, Map<string, NotificationSummary>>();
    const sum = (rule: string, party: string) =>
      byRuleAndParty(summaries, rule, party, () => {
        const s: NotificationSummary = {
          rule,
          party,
          notified: 0,
          onTime: 0,
          late: 0,
          missing: 0,
          acknowledgementsDue: 0,
          acknowledged: 0,
          unacknowledged: 0,
        };
        summary.set(`${rule}\u0000${party}`, s);
        return s;
      });
    const items: NotificationItemState[] = [];
    for (const r of this.#all) {
      const s = sum(r.rule.id, r.party);
      s.notified++;
      const status: NotificationItemState['status'] =
        r.kind === 'concern' || r.due === undefined
          ? 'no-deadline'
          : !r.required
            ? 'not-required'
            : r.countedAt > r.due
              ? 'late'
              : 'on-time';
      if (status === 'late') s.late++;
      else if (status === 'on-time') s.onTime++;
      const ack = this.#ackDue(r);
      const acknowledgements: NotificationItemState['acknowledgements'] = [];
      for (const p of ack?.receivers ?? []) {
        const a = ackOf(r, p);
        s.acknowledgementsDue++;
        if (a) s.acknowledged++;
        else s.unacknowledged++;
        if (!detail) continue;
        acknowledgements.push({
          party: p,
          status: a ? (a.at > ack!.due ? 'late' : 'on-time') : asOf >= ack!.due ? 'missing' : 'awaiting',
          dueBy: iso(ack!.due),
          ...(a ? { at: iso(a.at), ref: this.#ctx.leaves.ref(a.num) } : {}),
        });
      }
      if (!detail) continue;
      items.push({
        ref: this.#ctx.leaves.ref(r.num),
        rule: r.rule.id,
        party: r.party,
        kind: r.kind,
        countedAt: iso(r.countedAt),
        ...(r.eventAt !== undefined ? { eventAt: iso(r.eventAt) } : {}),
        ...(r.due !== undefined ? { dueBy: iso(r.due) } : {}),
        status,
        acknowledgements,
        ...(r.kind === 'concern'
          ? {
              explanation: {
                by: r.addressee!,
                status: r.explanation
                  ? r.explanation.at > r.due!
                    ? 'late'
                    : 'on-time'
                  : asOf >= r.due!
                    ? 'missing'
                    : 'awaiting',
                dueBy: iso(r.due!),
                ...(r.explanation ? { at: iso(r.explanation.at), ref: this.#ctx.leaves.ref(r.explanation.num) } : {}),
              },
            }
          : {}),
      });
    }
    const missing: MissingNotificationState[] = [];
    for (const m of this.#missing) {
      const open =
        m.kind === 'activity' ? (m.resolvedBy ? 0 : 1) : [...m.uids!.values()].filter((r) => r === undefined).length;
      const status = open === 0 ? 'notified' : asOf >= m.due ? 'missing' : 'awaiting';
      if (status === 'missing') sum(m.rule.id, m.party).missing += m.kind === 'activity' ? 1 : open;
      if (!detail) continue;
      missing.push({
        rule: m.rule.id,
        party: m.party,
        kind: m.kind,
        dueBy: iso(m.due),
        status,
        evidence: m.evidence,
        ...(m.uids
          ? {
              items: [...m.uids.entries()]
                .map(([uid, r]) => ({ uid, ...(r ? { notifiedBy: r } : {}) }))
                .sort((a, b) => byString(a.uid, b.uid)),
            }
          : {}),
        ...(m.resolvedBy ? { notifiedBy: m.resolvedBy } : {}),
        ...(m.restsOn ? { restsOn: m.restsOn } : {}),
      });
    }
    const ord = (a: { countedAt: string; ref: EntryRef }, b: { countedAt: string; ref: EntryRef }) =>
      byString(a.countedAt, b.countedAt) || byString(a.ref.origin, b.ref.origin) || a.ref.index - b.ref.index;
    return {
      summary: [...summary.values()].sort((a, b) => byString(a.rule, b.rule) || byString(a.party, b.party)),
      items: items.sort(ord),
      missing: missing.sort(
        (a, b) =>
          byString(a.dueBy, b.dueBy) ||
          byString(a.rule, b.rule) ||
          byString(a.party, b.party) ||
          byString(a.kind, b.kind) ||
          byString(a.evidence[0]?.origin ?? '', b.evidence[0]?.origin ?? '') ||
          (a.evidence[0]?.index ?? 0) - (b.evidence[0]?.index ?? 0),
      ),
    };
  }
}
