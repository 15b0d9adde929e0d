/**
 * Escrowed declarations and joint random draws (docs/ESCROW.md §10): the engine's side of src/escrow.
 *
 * - One escrowed declaration per party and period (its `asOf`): a second one is a finding and is ignored, because a
 *   party holding two commitments could open whichever suits it.
 * - Every opening is verified against the commitment of the declaration it names; one that does not verify is a
 *   finding and reveals nothing.
 * - An inspection report at a site is compared with the items opened there: an opened item the report does not
 *   find (neither confirmed nor mismatched) was declared but not found; an item the report finds that is not among
 *   the opened items of a site opened in full (an opening whose `region` is the site or a zone holding it) was
 *   found but not declared.
 * - Draws: each participant records a random-commit, then a random-reveal. The commit deadline is the first
 *   commitment's counted time plus the regime's `escrow.draw.commitWithin`, the reveal deadline that plus
 *   `revealWithin`. A missing, late or wrong commitment or reveal is a finding; the regime's fallback decides
 *   (`counterpart-chooses`: the only party that did not default designates; `revealed-only`; `void`). A draw for an
 *   inspection type selects `selection.count` of its sites; an inspection request naming the draw must be at one.
 */
import { fromBase64, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { sha256Portable } from '../crypto/sha256.js';
import {
  detectionTable,
  type EscrowCommitment,
  type RandomRound,
  type RoundFinding,
  type RoundOutcome,
  resolveRound,
  selectSample,
} from '../escrow/index.js';
import type { EnvelopeOf, InspectionType, Item, Regime } from '../model/index.js';
import type { Ctx, QueryContext } from './context.js';
import { commitmentOfDeclaration, openedItemsOf } from './escrow-entries.js';
import { type Finding, finding, keyOf, type RuleId } from './findings.js';
import { LISTED, type MessageCode, msg } from './messages.js';
import { endOfDay, iso, plus } from './time.js';
import { byString, type EntryRef, refKey } from './types.js';

const sha256 = sha256Portable;

interface Declared {
  ref: EntryRef;
  party: string;
  asOf: string;
  commitment: EscrowCommitment;
}

interface Opened {
  declaration: string;
  /** Opened items by uid, with the opening that revealed them. */
  items: Map<string, { item: Item; ref: EntryRef }>;
  /** Regions (sites or zones) opened in full, with the opening. */
  regions: Map<string, EntryRef>;
}

interface Draw {
  name: string;
  inspection?: string;
  first: number;
  commits: { party: string; commitment: string; at: number; ref: EntryRef }[];
  reveals: { party: string; value: string; at: number; ref: EntryRef }[];
}

export interface DrawState {
  draw: string;
  inspection?: string;
  parties: string[];
  commitDeadline: string;
  revealDeadline: string;
  fallback: string;
  commits: { party: string; at: string; ref: EntryRef }[];
  reveals: { party: string; at: string; ref: EntryRef }[];
  status: RoundOutcome['status'];
  seed?: string;
  contributors?: string[];
  designatedBy?: string;
  eligible: number;
  sampleSize: number;
  selected?: string[];
  /** P(detect ≥ 1) if k of the eligible were violations (hypergeometric). */
  detection: { k: number; probability: number }[];
}

export interface EscrowState {
  declarations: { party: string; asOf: string; ref: EntryRef; root: string; leaves: number; opened: number }[];
  draws: DrawState[];
}

const ROUND_RULES: Record<RoundFinding['kind'], RuleId & MessageCode> = {
  NOT_A_PARTY: 'draw.not-a-party',
  COMMITMENT_LATE: 'draw.commit-late',
  COMMITMENT_DUPLICATE: 'draw.commit-duplicate',
  COMMITMENT_MISSING: 'draw.commit-missing',
  REVEAL_INVALID: 'draw.reveal-invalid',
  REVEAL_LATE: 'draw.reveal-late',
  REVEAL_MISSING: 'draw.reveal-missing',
};

/**
 * The parties of a draw: the inspector and host parties of its inspection type, or every `party` of the regime
 * when it names none. Shared with the node, which reveals only once all of them have committed.
 */
export function drawParties(regime: Regime, type?: InspectionType): string[] {
  return type
    ? [...new Set(type.pairs.flatMap((p) => [p.inspector, p.host]))].sort(byString)
    : regime.parties.filter((p) => p.status === 'party').map((p) => p.id);
}

export class EscrowRules {
  readonly #ctx: Ctx;
  readonly #byPeriod = new Map<string, Declared>();
  readonly #byRef = new Map<string, Declared>();
  /** The opened items of each party's current declaration (reset by every new declaration). */
  readonly #opened = new Map<string, Opened>();
  /** Each party's escrowed declarations in the order they counted (for the phase schedule). */
  readonly #history = new Map<string, { at: number; ref: EntryRef; asOf: string }[]>();
  /** For each declaration (refKey), the regions opened in full and when each was first opened. */
  readonly #regionsOpened = new Map<string, Map<string, number>>();
  /**
   * Per party, when this fold first met one of its sealed openings it cannot read: what it opened is hidden, so its
   * phases are left to the folds of that opening's audience (issue 14).
   */
  readonly #hiddenOpenings = new Map<string, number>();
  /**
   * Per party, the openings this fold read, in order: whether a region was opened rests on all of them (a sealed
   * opening names its declaration and region only inside), so its phase findings take their audience.
   */
  readonly #openingsRead = new Map<string, { at: number; ref: EntryRef }[]>();
  readonly #draws = new Map<string, Draw>();
  readonly #commitRefs = new Map<string, { draw: string; party: string }>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  /** A declaration: false if it must be ignored (a second escrowed declaration for the same period). */
  declaration(e: EnvelopeOf<'declaration'>, ref: EntryRef, at: number): boolean {
    const b = e.body;
    if (b.form !== 'escrowed') {
      this.#opened.delete(e.party);
      return true;
    }
    const key = `${e.party}\u0000${b.asOf}`;
    const first = this.#byPeriod.get(key);
    if (first) {
      this.#ctx.emit({
        rule: 'escrow.duplicate-commitment',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'entry', id: 'declaration' },
        message: msg('escrow.duplicate-commitment', {
          party: e.party,
          asOf: b.asOf,
          root: b.root,
          first: first.commitment.root,
        }),
        refs: [first.ref, ref],
      });
      return false;
    }
    let commitment: EscrowCommitment;
    try {
      commitment = commitmentOfDeclaration(b);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      this.#invalid(e.party, ref, at, 'declaration', err);
      return true;
    }
    const d: Declared = { ref, party: e.party, asOf: b.asOf, commitment };
    this.#byPeriod.set(key, d);
    this.#byRef.set(refKey(ref), d);
    this.#opened.set(e.party, { declaration: refKey(ref), items: new Map(), regions: new Map() });
    const history = this.#history.get(e.party) ?? [];
    history.push({ at, ref, asOf: b.asOf });
    this.#history.set(e.party, history);
    return true;
  }

  /**
   * An opening (`blobs`: the bytes of the blobs it names, as the reader holds them): the items it reveals, or
   * undefined (and a finding) if it does not verify against the commitment it names.
   */
  /** A sealed declaration-opening of `party` this fold cannot read, counted at `at`. */
  hiddenOpening(party: string, at: number): void {
    if (!this.#hiddenOpenings.has(party)) this.#hiddenOpenings.set(party, at);
  }

  opening(
    e: EnvelopeOf<'declaration-opening'>,
    ref: EntryRef,
    at: number,
    blobs: readonly (Uint8Array | undefined)[] | undefined,
  ): Item[] | undefined {
    const d = this.#byRef.get(refKey(e.body.declaration));
    if (!d || d.party !== e.party) return []; // the engine reports a reference to no current declaration
    const read = this.#openingsRead.get(e.party);
    if (read) read.push({ at, ref });
    else this.#openingsRead.set(e.party, [{ at, ref }]);
    let items: Item[];
    try {
      items = openedItemsOf(e.body, d.commitment, blobs, sha256);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      const region = e.body.region;
      const site = region !== undefined && this.#ctx.ix.sites.has(region) ? region : undefined;
      this.#invalid(e.party, ref, at, 'declaration-opening', err, d.ref, site);
      return undefined;
    }
    if (e.body.region !== undefined) {
      const regions = this.#regionsOpened.get(refKey(d.ref)) ?? new Map<string, number>();
      if (!regions.has(e.body.region)) regions.set(e.body.region, at);
      this.#regionsOpened.set(refKey(d.ref), regions);
    }
    const o = this.#opened.get(e.party);
    if (o?.declaration === refKey(d.ref)) {
      for (const item of items) o.items.set(item.uid, { item, ref });
      if (e.body.region !== undefined) o.regions.set(e.body.region, ref);
    }
    return items;
  }

  #invalid(
    party: string,
    ref: EntryRef,
    at: number,
    id: string,
    why: DetenteError,
    declaration?: EntryRef,
    site?: string,
  ): void {
    this.#ctx.emit({
      rule: 'escrow.invalid-opening',
      key: keyOf(ref),
      party,
      at,
      breaks: { kind: 'entry', id },
      site,
      message: msg(id === 'declaration' ? 'escrow.invalid-opening.declaration' : 'escrow.invalid-opening', {
        party,
        code: why.code,
        // The check's own words (src/escrow), kept as evidence beside the code.
        detail: why.message,
      }),
      refs: declaration ? [declaration, ref] : [ref],
    });
  }

  /** An inspection report, compared with the items the host opened at the site. */
  report(e: EnvelopeOf<'inspection-report'>, ref: EntryRef, at: number): void {
    const b = e.body;
    const o = this.#opened.get(b.host);
    if (!o) return;
    const zones = this.#ctx.zones.zonesOfSite(b.site);
    const fullRef = o.regions.get(b.site) ?? zones.map((z) => o.regions.get(z)).find((r) => r !== undefined);
    const atSite = [...o.items.values()].filter((x) => x.item.site === b.site);
    if (!atSite.length && !fullRef) return;
    const found = new Set<string>();
    const foundItems: string[] = [];
    for (const f of b.findings) {
      if (f.kind === 'item' && f.result !== 'not-found') {
        found.add(f.uid);
        foundItems.push(f.uid);
      }
    }
    const missing = atSite.filter((x) => !found.has(x.item.uid));
    const base = { party: b.host, at, breaks: { kind: 'inspection' as const, id: b.inspection }, site: b.site };
    const list = (xs: string[]) => ({ n: xs.length, items: xs.slice(0, LISTED) });
    if (missing.length) {
      const uids = missing.map((x) => x.item.uid).sort(byString);
      this.#ctx.emit({
        ...base,
        rule: 'escrow.declared-not-found',
        key: keyOf(ref),
        message: msg('escrow.declared-not-found', { host: b.host, site: b.site, inspector: e.party, ...list(uids) }),
        refs: [ref, ...missing.map((x) => x.ref)],
      });
    }
    if (fullRef) {
      const extra = foundItems.filter((uid) => o.items.get(uid)?.item.site !== b.site).sort(byString);
      if (extra.length) {
        this.#ctx.emit({
          ...base,
          rule: 'escrow.found-not-declared',
          key: keyOf(ref),
          message: msg('escrow.found-not-declared', { inspector: e.party, site: b.site, host: b.host, ...list(extra) }),
          refs: [ref, fullRef],
        });
      }
    }
  }

  randomCommit(e: EnvelopeOf<'random-commit'>, ref: EntryRef, at: number): void {
    const b = e.body;
    let d = this.#draws.get(b.draw);
    if (!d) {
      d = { name: b.draw, first: at, commits: [], reveals: [], ...(b.inspection ? { inspection: b.inspection } : {}) };
      this.#draws.set(b.draw, d);
    }
    d.commits.push({ party: e.party, commitment: b.commitment, at, ref });
    this.#commitRefs.set(refKey(ref), { draw: b.draw, party: e.party });
  }

  randomReveal(e: EnvelopeOf<'random-reveal'>, ref: EntryRef, at: number): void {
    const c = this.#commitRefs.get(refKey(e.body.commit));
    if (!c || c.party !== e.party) {
      this.#ctx.emit({
        rule: 'entry.invalid-reference',
        key: keyOf(ref),
        party: e.party,
        at,
        breaks: { kind: 'entry', id: 'random-reveal' },
        message: msg('entry.invalid-reference.reveal', { party: e.party }),
        refs: [ref, e.body.commit],
      });
      return;
    }
    const value = toHex(fromBase64(e.body.value));
    this.#draws.get(c.draw)!.reveals.push({ party: e.party, value, at, ref });
  }

  /** An inspection request that names a draw must be at a site the draw selected. */
  request(e: EnvelopeOf<'inspection-request'>, ref: EntryRef, at: number): void {
    const drawRef = e.body.draw;
    if (!drawRef) return;
    const c = this.#commitRefs.get(refKey(drawRef));
    const d = c && this.#draws.get(c.draw);
    if (!d) return;
    const s = this.#drawState(d, at);
    const ok = s.selected?.includes(e.body.site) === true || (s.status === 'fallback' && s.designatedBy === e.party);
    if (ok) return;
    this.#ctx.emit({
      rule: 'inspection.site-not-drawn',
      key: keyOf(ref),
      party: e.party,
      at,
      breaks: { kind: 'inspection', id: e.body.inspection },
      site: e.body.site,
      message: msg(s.selected ? 'inspection.site-not-drawn.selected' : 'inspection.site-not-drawn', {
        party: e.party,
        site: e.body.site,
        draw: d.name,
        status: s.status,
        selected: s.selected,
      }),
      refs: [ref, drawRef],
    });
  }

  #round(d: Draw): { round: RandomRound; eligible: string[]; n: number; counterpart: boolean } {
    const regime = this.#ctx.regime;
    const settings = regime.escrow?.draw ?? { commitWithin: 'PT24H', revealWithin: 'PT24H', fallback: 'void' };
    const type = d.inspection ? this.#ctx.ix.inspections.get(d.inspection) : undefined;
    const parties = drawParties(regime, type);
    let eligible: string[] = [];
    if (type) {
      const hosts = new Set(type.pairs.map((p) => p.host));
      eligible = type.where.sites
        ? [...type.where.sites]
        : regime.sites.filter((s) => type.where.siteKinds?.includes(s.kind) && hosts.has(s.host)).map((s) => s.id);
    }
    const commitDeadline = plus(d.first, settings.commitWithin);
    const fallback =
      settings.fallback === 'revealed-only' ? { kind: 'revealed-only' as const } : { kind: 'void' as const };
    return {
      round: {
        round: d.name,
        parties,
        commitDeadline,
        revealDeadline: plus(commitDeadline, settings.revealWithin),
        fallback,
      },
      eligible,
      n: Math.min(type?.selection?.count ?? 1, eligible.length),
      counterpart: settings.fallback === 'counterpart-chooses',
    };
  }

  #resolve(d: Draw, asOf: number) {
    const r = this.#round(d);
    // Times as RFC 3339, so that the round's messages read as dates.
    const upTo = <T extends { at: number }>(xs: T[]) =>
      xs.filter((x) => x.at <= asOf).map((x) => ({ ...x, at: iso(x.at) }));
    const round = {
      ...r.round,
      commitDeadline: iso(r.round.commitDeadline as number),
      revealDeadline: iso(r.round.revealDeadline as number),
    };
    let outcome = resolveRound(round, upTo(d.commits), upTo(d.reveals), iso(asOf), sha256);
    const defaulted = new Set(outcome.findings.filter((f) => f.kind.endsWith('_MISSING')).map((f) => f.party));
    if (outcome.status === 'void' && r.counterpart) {
      const others = r.round.parties.filter((p) => !defaulted.has(p));
      if (others.length === 1) {
        outcome = { status: 'fallback', rule: 'designation', designatedBy: others[0]!, findings: outcome.findings };
      }
    }
    // A late or wrong reveal already says the party did not reveal in time: no second finding for it.
    const said = new Set(
      outcome.findings.filter((f) => f.kind === 'REVEAL_LATE' || f.kind === 'REVEAL_INVALID').map((f) => f.party),
    );
    const findings = outcome.findings.filter((f) => !(f.kind === 'REVEAL_MISSING' && said.has(f.party)));
    return { ...r, outcome, findings };
  }

  #drawState(d: Draw, asOf: number): DrawState {
    const { round, eligible, n, outcome } = this.#resolve(d, asOf);
    const seed = 'seed' in outcome ? outcome.seed : undefined;
    return {
      draw: d.name,
      ...(d.inspection ? { inspection: d.inspection } : {}),
      parties: round.parties,
      commitDeadline: iso(round.commitDeadline as number),
      revealDeadline: iso(round.revealDeadline as number),
      fallback: this.#ctx.regime.escrow?.draw.fallback ?? 'void',
      commits: d.commits.filter((c) => c.at <= asOf).map((c) => ({ party: c.party, at: iso(c.at), ref: c.ref })),
      reveals: d.reveals.filter((c) => c.at <= asOf).map((c) => ({ party: c.party, at: iso(c.at), ref: c.ref })),
      status: outcome.status,
      ...(seed !== undefined ? { seed } : {}),
      ...('contributors' in outcome ? { contributors: outcome.contributors } : {}),
      ...('designatedBy' in outcome ? { designatedBy: outcome.designatedBy } : {}),
      eligible: eligible.length,
      sampleSize: n,
      ...(seed !== undefined && eligible.length ? { selected: selectSample(seed, eligible, n, sha256) } : {}),
      detection: detectionTable(eligible.length, n),
    };
  }

  /**
   * The regime's phased disclosure: by the end of each phase's `by`, the escrowed declaration a party has in
   * effect then (its last one counted by that time) must have been opened in full for the phase's region. A party
   * with no escrowed declaration by then has nothing to open. Opened late is still a finding, dated at the deadline.
   */
  #phaseFindings(q: QueryContext): Finding[] {
    const out: Finding[] = [];
    for (const phase of this.#ctx.regime.escrow?.phases ?? []) {
      // The end of the day `by`, exclusive: what counts at that instant is already late.
      const deadline = endOfDay(phase.by);
      if (q.asOf < deadline) continue;
      const parties = phase.party !== undefined ? [phase.party] : [...this.#history.keys()].sort(byString);
      for (const party of parties) {
        const history = this.#history.get(party) ?? [];
        const current = history.filter((h) => h.at < deadline).pop();
        if (!current) continue;
        // Whether the party opened the region may be in an opening this fold cannot read: not this fold's to judge.
        const hidden = this.#hiddenOpenings.get(party);
        if (hidden !== undefined && hidden <= q.asOf) continue;
        const opened = this.#regionsOpened.get(refKey(current.ref))?.get(phase.region);
        if (opened !== undefined && opened < deadline) continue;
        const late = opened !== undefined && opened <= q.asOf;
        out.push(
          finding({
            rule: 'escrow.phase-not-opened',
            key: `${phase.region}/${phase.by}/${party}`,
            party,
            at: deadline,
            breaks: { kind: 'regime', id: `escrow.phases/${phase.region}/${phase.by}` },
            // A phase whose region is one site names it, as other findings at a site do.
            site: this.#ctx.ix.sites.get(phase.region)?.id,
            message: msg(late ? 'escrow.phase-not-opened.late' : 'escrow.phase-not-opened', {
              party,
              region: phase.region,
              by: phase.by,
              asOf: current.asOf,
              opened: late ? iso(opened) : undefined,
            }),
            refs: [current.ref],
            restsOn: this.#openingsRead
              .get(party)
              ?.filter((o) => o.at <= q.asOf)
              .map((o) => o.ref),
          }),
        );
      }
    }
    return out;
  }

  findings(q: QueryContext): Finding[] {
    const out: Finding[] = this.#phaseFindings(q);
    for (const d of this.#draws.values()) {
      if (d.first > q.asOf) continue;
      const { round, findings } = this.#resolve(d, q.asOf);
      const type = d.inspection;
      for (const f of findings) {
        const mine = (xs: { party: string; at: number; ref: EntryRef }[]) => xs.filter((x) => x.party === f.party);
        const commits = mine(d.commits);
        const reveals = mine(d.reveals);
        const missing = f.kind === 'COMMITMENT_MISSING' || f.kind === 'REVEAL_MISSING';
        const records = f.kind.startsWith('COMMITMENT') ? commits : reveals;
        const last = records[records.length - 1];
        const at = missing || !last ? (round.revealDeadline as number) : last.at;
        out.push(
          finding({
            rule: ROUND_RULES[f.kind],
            key: `${d.name}/${f.party}`,
            party: f.party,
            at,
            breaks: type ? { kind: 'inspection', id: type } : { kind: 'entry', id: 'random-commit' },
            message: msg(ROUND_RULES[f.kind], { draw: d.name, party: f.party }),
            refs: [...commits, ...reveals].map((x) => x.ref),
          }),
        );
      }
    }
    return out;
  }

  state(q: QueryContext): EscrowState {
    const declarations = [...this.#byPeriod.values()]
      .filter((d) => d.ref !== undefined)
      .map((d) => {
        const o = this.#opened.get(d.party);
        return {
          party: d.party,
          asOf: d.asOf,
          ref: d.ref,
          root: d.commitment.root,
          leaves: d.commitment.size,
          opened: o?.declaration === refKey(d.ref) ? o.items.size : 0,
        };
      })
      .sort((a, b) => byString(a.party, b.party) || byString(a.asOf, b.asOf));
    const draws = [...this.#draws.values()]
      .filter((d) => d.first <= q.asOf)
      .map((d) => this.#drawState(d, q.asOf))
      .sort((a, b) => byString(a.draw, b.draw));
    return { declarations, draws };
  }
}
