/**
 * The engine: a pure, deterministic fold of the entries of every log into the state of compliance and a list of
 * findings. No I/O and no clock: each entry comes with the time it counts from, and every question names its
 * "as of" time.
 *
 * Entries are applied in the canonical order (order.ts), one at a time; applying one costs about the same whatever
 * the length of the history, because each rule family keeps compact state (counters, current values, the moments
 * something changed) and judges deadlines only when asked. Same entries, same answer, on any machine, whatever the
 * order the logs were read in.
 */

import { DetenteError } from '../crypto/errors.js';
import type { SymmetricSuite } from '../crypto/hpke/symmetric.js';
import type { Sha256 } from '../crypto/sha256.js';
import { sha256Portable } from '../crypto/sha256.js';
import { type Envelope, type Regime, regimeIndex } from '../model/index.js';
import { type CommitmentState, Commitments } from './commitments.js';
import { Confidential, type ConfidentialState, type OpenedEntries, type RereadSealed } from './confidential.js';
import { Consultations, type ConsultationsState } from './consultations.js';
import type { Ctx, QueryContext } from './context.js';
import { EscrowRules, type EscrowState } from './escrow.js';
import { type Finding, finding, keyOf, type RuleId, SEVERITIES, type Severity, sortFindings } from './findings.js';
import { Holdings, type ItemChange, type PartyHoldingsState } from './holdings.js';
import { type Incident, Incidents } from './incidents.js';
import { Inspections, type InspectionsState } from './inspections.js';
import { type Intervals, intersect, union } from './intervals.js';
import { LeafIndex } from './leaf-index.js';
import { type LimitState, Limits } from './limits.js';
import { LISTED, msg } from './messages.js';
import { type MetricState, Metrics } from './metrics.js';
import { Missions, type MissionsState } from './missions.js';
import { Notifications, type NotificationsState } from './notifications.js';
import { compareEntries, sortEntries } from './order.js';
import { Periodic } from './periodic.js';
import { type RegimeState, RegimeStatus } from './regime-status.js';
import { endOfDay, instant, iso } from './time.js';
import { type ProposalState, Proposals, type TrackState, trackStates } from './tracks.js';
import { byString, type EngineEntry, type EntryRef, refOf } from './types.js';
import type { ZoneIndex } from './zones.js';

/** The entry a body names, if any (the model's entryRefs, without building a list for every entry). */
function bodyRef(e: Envelope): EntryRef | undefined {
  switch (e.type) {
    case 'acknowledgement':
      return e.body.notification;
    case 'notification':
      return e.body.kind === 'explanation' ? e.body.concern : undefined;
    case 'declaration-opening':
      return e.body.declaration;
    case 'inspection-request':
      return e.body.draw;
    case 'inspection-report':
    case 'inspection-refusal':
      return e.body.request;
    case 'commitment-withdrawn':
      return e.body.acceptance;
    case 'random-reveal':
      return e.body.commit;
    case 'consultation':
      return 'previous' in e.body ? e.body.previous : undefined;
    default:
      return undefined;
  }
}

export interface EngineOptions {
  regime: Regime;
  /** regimeHash(regime): what every party must have signed. */
  regimeHash: string;
  /** The regime's zones, compiled with its border dataset. */
  zones: ZoneIndex;
  /** AES-256-GCM and HKDF to open sealed entries with (default the portable ones; Node passes node:crypto's). */
  sym?: SymmetricSuite;
  /** SHA-256 for the commitments of sealed entries (default the portable one; Node passes node:crypto's, faster). */
  sha256?: Sha256;
  /** Sealed entries opened by earlier folds, by leaf hash (a node's, kept across its folds: confidential.ts). */
  opened?: OpenedEntries;
  /**
   * Reads a sealed entry applied earlier again, for a complaint that names it: with it, the fold keeps of each sealed
   * entry only its audience and whether it read it (a reader that streams its entries from their logs: foldDir).
   */
  rereadSealed?: RereadSealed;
}

export interface StateOptions {
  /**
   * `full` (the default) lists every notification, inspection and metric value; `summary` gives counts only, for
   * very long histories.
   */
  detail?: 'full' | 'summary';
}

export interface ComplianceState {
  asOf: string;
  regime: RegimeState;
  entries: { total: number; byParty: Record<string, number>; lastCountedAt?: string };
  holdings: PartyHoldingsState[];
  /** Sealed entries read and hidden, per audience (confidential.ts); absent when there are none. */
  confidential?: ConfidentialState;
  limits: LimitState[];
  commitments: CommitmentState[];
  notifications: NotificationsState;
  inspections: InspectionsState;
  metrics: MetricState[];
  escrow: EscrowState;
  /** The findings grouped by event, with graded evidence and each party's own assessment (incidents.ts). */
  incidents: Incident[];
  /** Concerns raised, their stages and outcomes, and the mechanisms' sessions (consultations.ts). */
  consultations: ConsultationsState;
  /** Inspection missions: lists, arrival, designation, briefing, refusal, postponement, force majeure (missions.ts). */
  missions: MissionsState;
  /** Negotiation tracks: open or closed by their gate (tracks.ts). */
  tracks: TrackState[];
  /** Proposals tabled in the forums, by hash (tracks.ts); only where there are any. */
  proposals?: ProposalState[];
  findings: { total: number; bySeverity: Record<Severity, number>; byRule: Record<string, number> };
}

export class Engine {
  readonly regime: Regime;
  readonly #ctx: Ctx;
  readonly #partyOf = new Map<string, string>();
  readonly #leaves = new LeafIndex();
  readonly #events: Finding[] = [];
  readonly #regime: RegimeStatus;
  readonly #holdings: Holdings;
  readonly #limits: Limits;
  readonly #commitments: Commitments;
  readonly #notifications: Notifications;
  readonly #inspections: Inspections;
  readonly #metrics: Metrics;
  readonly #periodic: Periodic;
  readonly #escrow: EscrowRules;
  readonly #incidents = new Incidents();
  readonly #consultations: Consultations;
  readonly #missions: Missions;
  readonly #proposals = new Proposals();
  /** The last entry applied (its order key only is read). */
  #last: Pick<EngineEntry, 'countedAt' | 'origin' | 'index'> | undefined;
  #total = 0;
  /** Entries per log (origin strings are shared by a log's entries: cheap keys). */
  readonly #byOrigin = new Map<string, number>();
  readonly #confidential: Confidential;

  constructor(options: EngineOptions) {
    this.regime = options.regime;
    const ctx: Ctx = {
      regime: options.regime,
      ix: regimeIndex(options.regime),
      zones: options.zones,
      leaves: this.#leaves,
      emit: (f) => {
        this.#events.push(finding(f));
      },
    };
    this.#ctx = ctx;
    for (const p of options.regime.parties) this.#partyOf.set(p.origin, p.id);
    this.#regime = new RegimeStatus(ctx, options.regimeHash);
    this.#holdings = new Holdings(ctx);
    this.#limits = new Limits(ctx, this.#holdings);
    this.#commitments = new Commitments(ctx);
    this.#notifications = new Notifications(ctx);
    this.#inspections = new Inspections(ctx, (party, category) => this.#holdings.count(party, { category }).value);
    this.#metrics = new Metrics(ctx);
    this.#periodic = new Periodic(ctx);
    this.#escrow = new EscrowRules(ctx);
    this.#consultations = new Consultations(ctx);
    this.#missions = new Missions(ctx);
    this.#confidential = new Confidential({
      regime: options.regime,
      leaves: this.#leaves,
      sha256: options.sha256 ?? sha256Portable,
      sym: options.sym,
      opened: options.opened,
      reread: options.rereadSealed,
    });
  }

  /**
   * A log proven to have forked (equivocation evidence, checked by the caller): a critical finding against its
   * party. The caller folds that log only up to `foldedTo`; `at` is when its last folded entry counts from.
   */
  recordFork(fork: {
    origin: string;
    party: string;
    size: number;
    foldedTo: number;
    evidence: string;
    at: number;
  }): void {
    this.#ctx.emit({
      rule: 'log.equivocation',
      key: fork.origin,
      party: fork.party,
      at: fork.at,
      breaks: { kind: 'regime', id: this.regime.id },
      message: msg('log.equivocation', {
        origin: fork.origin,
        size: fork.size,
        foldedTo: fork.foldedTo,
        evidence: fork.evidence,
      }),
      refs: [],
    });
  }

  /** The time the last applied entry counts from (undefined before the first). */
  get lastCountedAt(): number | undefined {
    return this.#last?.countedAt;
  }

  get size(): number {
    return this.#total;
  }

  /**
   * Applies one entry. Entries must come in the canonical order (order.ts); an entry that sorts before the last
   * one applied (or repeats it) is refused with BAD_INPUT: fold a sorted list instead.
   */
  apply(entry: EngineEntry): void {
    if (this.#last && compareEntries(this.#last, entry) >= 0) {
      throw new DetenteError(
        'BAD_INPUT',
        `engine: entry ${entry.origin}#${entry.index} (counted ${iso(entry.countedAt)}) does not come after ${this.#last.origin}#${this.#last.index} (counted ${iso(this.#last.countedAt)}): apply entries in the canonical order`,
      );
    }
    this.#last = entry;
    this.#total++;
    let e = entry.envelope;
    this.#byOrigin.set(entry.origin, (this.#byOrigin.get(entry.origin) ?? 0) + 1);
    const ref = refOf(entry);
    const at = entry.countedAt;
    const logParty = this.#partyOf.get(entry.origin);
    if (logParty !== e.party) {
      this.#ctx.emit({
        rule: 'entry.wrong-log',
        key: keyOf(ref),
        party: logParty ?? e.party,
        at,
        breaks: { kind: 'entry', id: e.type },
        message:
          logParty === undefined
            ? msg('entry.wrong-log.no-party', { party: e.party, origin: entry.origin })
            : msg('entry.wrong-log', { party: e.party, log: logParty, origin: entry.origin }),
        refs: [ref],
      });
      return;
    }
    const num = this.#leaves.add(entry.origin, entry.index, entry.leafHash);
    const original = entry;
    if (e.type === 'sealed') {
      // What the reader's party may read is folded as the plain entry it holds (confidential.ts).
      const plain = this.#confidential.open(entry, ref, num, this.#ctx.emit);
      if (!plain) {
        if (this.#confidential.hides(ref)) {
          if (e.body.type === 'declaration-opening') this.#escrow.hiddenOpening(e.party, at);
          else if (e.body.type === 'declaration' || e.body.type === 'notification')
            this.#periodic.hidden(e.party, e.body.type, at);
        }
        return;
      }
      const opened = this.#confidential.openBlobs(entry, plain, ref, this.#ctx.emit);
      if (!opened) return;
      entry = opened;
      e = plain;
    }
    if (e.type === 'complaint') {
      this.#confidential.complaint(entry, ref, this.#ctx.emit);
      return;
    }
    this.#confidential.checkAudience(original, e, ref, this.#ctx.emit);
    // The entry its body names (every type names at most one), and the entries its envelope cites.
    const target = bodyRef(e);
    // An entry about a sealed entry this fold cannot read (an acknowledgement of a sealed notification, a step of a
    // sealed inspection's mission) is not this fold's to judge: its audience's folds judge it.
    const about = target ?? (e.type === 'mission' && 'request' in e.body ? e.body.request : undefined);
    if (about !== undefined && this.#confidential.hides(about)) return;
    const targetNum = target === undefined ? undefined : this.#leaves.num(target);
    // Built only when something is missing: most entries cite nothing unknown.
    let missing: EntryRef[] | undefined;
    if (target !== undefined && targetNum === undefined) missing = [target];
    for (const r of e.refs) {
      if (this.#leaves.has(r)) continue;
      if (missing) missing.push(r);
      else missing = [r];
    }
    if (missing) {
      this.#ctx.emit({
        rule: 'entry.unresolved-reference',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'entry', id: e.type },
        message: msg('entry.unresolved-reference', {
          party: e.party,
          type: e.type,
          n: missing.length,
          entries: missing.map((r) => `${r.origin}#${r.index}`),
        }),
        refs: [ref],
      });
      // A record that names what does not exist cannot change what it would refer to.
      if (target !== undefined && targetNum === undefined) return;
    }
    this.#dispatch(e, entry, ref, num, targetNum, at);
  }

  /** `targetNum`: the number of the entry the body names, when it names one. */
  #dispatch(
    e: Envelope,
    entry: EngineEntry,
    ref: EntryRef,
    num: number,
    targetNum: number | undefined,
    at: number,
  ): void {
    switch (e.type) {
      case 'regime-signature':
        this.#regime.apply(e, ref, at);
        break;
      case 'declaration': {
        if (!this.#escrow.declaration(e, ref, at)) break;
        this.#periodic.declared(e.party, e.body.asOf, at, ref);
        const previous = this.#holdings.declaration(e.party);
        const { changes, complete } = this.#holdings.declare(e.party, e.body, ref, at, entry.moreItems);
        if (!complete) {
          this.#ctx.emit({
            rule: 'declaration.incomplete',
            key: keyOf(ref),
            party: e.party,
            at,
            breaks: { kind: 'entry', id: 'declaration' },
            message: msg('declaration.incomplete', { party: e.party, asOf: e.body.asOf }),
            refs: [ref],
          });
        }
        if (previous && changes.length) {
          this.#notifications.changes(e.party, changes, endOfDay(e.body.asOf), at, [previous.ref, ref]);
        }
        this.#limits.recount(e.party, at, [ref]);
        this.#metrics.declared(e.party, (m) => this.#holdings.count(e.party, m.counts, m.zone).value, at, num);
        break;
      }
      case 'declaration-opening': {
        const d = this.#holdings.declaration(e.party);
        const target = e.body.declaration;
        if (d?.form !== 'escrowed' || d.ref.origin !== target.origin || d.ref.index !== target.index) {
          this.#ctx.emit({
            rule: 'entry.invalid-reference',
            key: keyOf(ref),
            party: e.party,
            at,
            breaks: { kind: 'entry', id: 'declaration-opening' },
            message: msg('entry.invalid-reference.opening', { party: e.party }),
            refs: [ref, target],
          });
          break;
        }
        const opened = this.#escrow.opening(e, ref, at, entry.blobs);
        if (!opened) break;
        this.#holdings.open(e.party, opened, ref);
        this.#limits.recount(e.party, at, [ref, d.ref]);
        break;
      }
      case 'notification': {
        const b = e.body;
        if (b.kind === 'movement' || b.kind === 'status-change') {
          const unknown: string[] = [];
          const happened = instant(b.at);
          const d = this.#holdings.declaration(e.party);
          const refs = d ? [ref, d.ref] : [ref];
          // Under an escrowed declaration an item not opened yet may well be declared (in a leaf not opened):
          // only under a plain one is an unknown item never declared.
          const escrowed = this.#holdings.escrowed(e.party);
          const changed = (uid: string, c: ItemChange | undefined) => {
            if (c) this.#limits.adjust(e.party, c, at, refs);
            else if (escrowed) this.#limits.recount(e.party, at, refs);
            else unknown.push(uid);
          };
          if (b.kind === 'movement') {
            for (const it of b.items)
              changed(it.uid, this.#holdings.notifyChange(e.party, it.uid, { site: b.to }, happened, ref));
          } else {
            for (const c of b.changes) {
              changed(c.uid, this.#holdings.notifyChange(e.party, c.uid, { status: c.to }, happened, ref));
            }
          }
          if (unknown.length) {
            this.#ctx.emit({
              rule: 'notification.unknown-item',
              key: keyOf(ref),
              party: e.party,
              at,
              breaks: { kind: 'notification', id: b.rule },
              site: b.kind === 'movement' ? b.to : b.site,
              message: msg('notification.unknown-item', {
                party: e.party,
                n: unknown.length,
                items: unknown.slice(0, LISTED),
              }),
              refs: [ref],
            });
          }
        }
        this.#notifications.notification(e, ref, num, at, targetNum);
        if (e.body.kind === 'calendar') this.#periodic.calendar(e.party, e.body.rule, e.body.year, at, ref);
        break;
      }
      case 'acknowledgement':
        this.#notifications.acknowledgement(e, ref, num, at, targetNum);
        break;
      case 'inspection-request':
        this.#inspections.request(e, ref, at);
        this.#missions.request(e, ref);
        this.#escrow.request(e, ref, at);
        break;
      case 'inspection-refusal':
        this.#inspections.refusal(e, ref, at);
        break;
      case 'inspection-report': {
        this.#incidents.source(e, ref);
        const ev = this.#inspections.report(e, ref, at);
        this.#escrow.report(e, ref, at);
        const counts = new Map<string, number>();
        for (const [category, r] of ev.byCategory) {
          this.#holdings.inspect(ev.host, ev.site, category, { by: ev.by, at, ref, ...r });
          if (r.absent !== undefined || r.undeclared !== undefined) {
            counts.set(category, (r.present ?? 0) + (r.undeclared ?? 0));
          }
        }
        if (counts.size) {
          const zones = this.#ctx.zones.zonesOfSite(ev.site);
          this.#limits.evidence(ev.host, zones, `site:${ev.site}`, ev.by, counts, at, num);
        }
        break;
      }
      case 'observation': {
        this.#incidents.source(e, ref);
        const b = e.body;
        const subject = b.subject;
        const zones = this.#ctx.zones.zonesOfPlace(b.place);
        const counts = new Map<string, number>();
        for (const q of b.quantities) counts.set(q.category, (counts.get(q.category) ?? 0) + q.quantity);
        for (const it of b.items ?? []) counts.set(it.category, (counts.get(it.category) ?? 0) + 1);
        const places =
          b.place.site !== undefined
            ? [`site:${b.place.site}`]
            : b.place.zone !== undefined
              ? [`zone:${b.place.zone}`]
              : zones.length
                ? zones.map((z) => `zone:${z}`)
                : [b.place.point ? `point:${b.place.point.lat},${b.place.point.lon}` : 'area'];
        for (const place of places) {
          for (const [category, quantity] of counts)
            this.#holdings.observe(subject, place, category, e.party, quantity, at, num);
        }
        this.#limits.evidence(subject, zones, places.join(' '), e.party, counts, at, num);
        this.#metrics.observed(subject, e.party, zones, b.metric, counts, at, num);
        const observedAt = instant(b.observedAt);
        // An activity is what was seen beyond what the party declared there.
        const excess = new Map<string, number>();
        for (const [category, n] of counts) {
          let declared = 0;
          if (this.#ctx.ix.categories.get(category)?.kind === 'quantity') {
            for (const z of zones) declared = Math.max(declared, this.#holdings.count(subject, { category }, z).value);
          }
          excess.set(category, n - declared);
        }
        // The regime's own string for the site (records outlive entries).
        const seenAt = b.place.site === undefined ? undefined : this.#ctx.ix.sites.get(b.place.site)?.id;
        this.#notifications.observedActivity(subject, zones, excess, observedAt, at, ref, seenAt);
        if (b.place.site !== undefined && b.items?.length) {
          const site = b.place.site;
          const changes = b.items.flatMap((it) => {
            const held = this.#holdings.item(subject, it.uid);
            return held && held.site !== site
              ? [
                  {
                    uid: it.uid,
                    category: held.category,
                    fromSite: held.site,
                    toSite: site,
                    fromStatus: held.status,
                    toStatus: held.status,
                    ...(held.from ? { from: held.from } : {}),
                  },
                ]
              : [];
          });
          if (changes.length) this.#notifications.changes(subject, changes, observedAt, at, [ref]);
        }
        break;
      }
      case 'commitment-accepted':
        this.#commitments.accept(e, ref, at);
        break;
      case 'commitment-withdrawn':
        this.#commitments.withdraw(e, ref, at);
        break;
      case 'random-commit':
        this.#escrow.randomCommit(e, ref, at);
        break;
      case 'random-reveal':
        this.#escrow.randomReveal(e, ref, at);
        break;
      case 'assessment':
        this.#incidents.assessment(e, ref, at);
        break;
      case 'consultation':
        this.#consultations.apply(e, ref, at);
        break;
      case 'proposal':
        this.#proposals.apply(e, ref, at);
        break;
      case 'mission': {
        // A host nation's consent needs no mission rules: any inspection at a site on its territory wants it.
        if (e.body.step === 'consent') {
          this.#inspections.consent(e, ref, at);
          break;
        }
        const outcome = this.#missions.apply(e, ref, at);
        if (outcome) this.#inspections.missionOutcome(outcome);
        break;
      }
    }
  }

  #query(asOf: number): QueryContext {
    if (this.#last && asOf < this.#last.countedAt) {
      throw new DetenteError(
        'BAD_INPUT',
        `engine: as of ${iso(asOf)} is before the last entry applied (${iso(this.#last.countedAt)}): fold only the entries counted by then`,
      );
    }
    const memo = <T>(f: (id: string) => T) => {
      const cache = new Map<string, T>();
      return (id: string) => {
        let v = cache.get(id);
        if (v === undefined) {
          v = f(id);
          cache.set(id, v);
        }
        return v;
      };
    };
    const regimeInForce = this.#regime.inForce(asOf);
    const q: QueryContext = {
      asOf,
      regimeInForce,
      metricMet: memo((id) => this.#metrics.met(id, asOf)),
      accepted: memo((id) => this.#commitments.accepted(id, asOf)),
      inForce: memo((id) => this.#commitments.inForce(id, q)),
      binding: (kind, id, party) => bindingMemo(`${kind}\u0000${id}\u0000${party}`),
    };
    const bindingMemo = memo((key: string): Intervals => {
      const [kind, id, party] = key.split('\u0000') as [string, string, string];
      const by = this.regime.commitments.filter(
        (c) =>
          c.party === party &&
          c.undertakes.some(
            (u) =>
              u.kind === kind &&
              (u.kind === 'limit'
                ? u.limit
                : u.kind === 'host-inspections'
                  ? u.inspection
                  : u.kind === 'notify'
                    ? u.rule
                    : u.metric) === id,
          ),
      );
      if (!by.length) return regimeInForce;
      return intersect(regimeInForce, union(...by.map((c) => q.inForce(c.id))));
    });
    return q;
  }

  #entriesByParty(): Record<string, number> {
    const out = new Map<string, number>();
    for (const [origin, n] of this.#byOrigin) {
      const party = this.#partyOf.get(origin) ?? origin;
      out.set(party, (out.get(party) ?? 0) + n);
    }
    return Object.fromEntries([...out.entries()].sort(([a], [b]) => byString(a, b)));
  }

  /** Every finding as of `q`, with the audience of the sealed entries it rests on (confidential.ts). */
  #findings(q: QueryContext): Finding[] {
    const all = sortFindings([
      ...this.#events.filter((f) => Date.parse(f.at) <= q.asOf),
      ...this.#limits.findings(q),
      ...this.#notifications.findings(q),
      ...this.#inspections.findings(q),
      ...this.#metrics.findings(q),
      ...this.#periodic.findings(q),
      ...this.#escrow.findings(q),
      ...this.#consultations.findings(q),
    ]);
    return this.#confidential.annotate(all);
  }

  /** Every finding as of `asOf` (which may not be before the last entry applied), in canonical order. */
  findings(asOf: number): Finding[] {
    return this.#findings(this.#query(asOf));
  }

  /** The state and the findings as of `asOf`. */
  evaluate(asOf: number, options: StateOptions = {}): { state: ComplianceState; findings: Finding[] } {
    const q = this.#query(asOf);
    const detail = (options.detail ?? 'full') === 'full';
    const findings = this.#findings(q);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    const byRule: Record<string, number> = {};
    for (const f of findings) {
      bySeverity[f.severity]++;
      byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    }
    const state: ComplianceState = {
      asOf: iso(asOf),
      regime: this.#regime.state(asOf),
      entries: {
        total: this.#total,
        byParty: this.#entriesByParty(),
        ...(this.#last ? { lastCountedAt: iso(this.#last.countedAt) } : {}),
      },
      holdings: this.#holdings.state(),
      limits: this.#limits.state(q),
      commitments: this.#commitments.state(q, findings),
      notifications: this.#confidential.annotateMissing(this.#notifications.state(q, detail)),
      inspections: this.#inspections.state(q, detail),
      metrics: this.#metrics.state(q, detail),
      escrow: this.#escrow.state(q),
      incidents: this.#incidents.group(findings, this.regime, this.#ctx.ix),
      consultations: this.#consultations.state(q),
      missions: this.#missions.state(),
      tracks: trackStates(this.regime, q, this.#proposals),
      ...(this.#proposals.any ? { proposals: this.#proposals.state(asOf) } : {}),
      findings: {
        total: findings.length,
        bySeverity,
        byRule: Object.fromEntries(Object.entries(byRule).sort(([a], [b]) => byString(a, b))) as Record<RuleId, number>,
      },
      // Only where there are sealed entries, so that the state of a regime without any keeps its bytes.
      ...(this.#confidential.any ? { confidential: this.#confidential.state() } : {}),
    };
    return { state, findings };
  }

  /** The findings as of `asOf` grouped into incidents (incidents.ts). */
  incidents(asOf: number): Incident[] {
    return this.#incidents.group(this.findings(asOf), this.regime, this.#ctx.ix);
  }

  state(asOf: number, options: StateOptions = {}): ComplianceState {
    return this.evaluate(asOf, options).state;
  }
}

/**
 * Folds entries read in any order: sorts them canonically and applies those counted at or before `asOf` (all when
 * absent).
 */
export function fold(options: EngineOptions, entries: Iterable<EngineEntry>, asOf?: number): Engine {
  const engine = new Engine(options);
  for (const e of sortEntries(entries)) {
    if (asOf !== undefined && e.countedAt > asOf) break;
    engine.apply(e);
  }
  return engine;
}
