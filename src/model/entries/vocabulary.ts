/**
 * An entry against the regime's vocabulary: the categories, sites, zones, rules, inspection types, commitments,
 * metrics and parties it names exist, and fit (an item is of an item category, a movement notification follows a
 * movement rule that binds its author, a party accepts only its own commitments, ...). Returns every problem with
 * its path; what depends on other entries or on time (quotas, deadlines, whether a site was declared) is the
 * engine's.
 */
import type { Problem } from '../../crypto/errors.js';
import { formatPath } from '../common.js';
import { type RegimeIndex, regimeIndex, ruleParties } from '../regime/index.js';
import type { Regime } from '../regime/schema.js';
import { confidentialProblems } from './confidential-vocabulary.js';
import type { Item } from './declaration.js';
import type { Envelope } from './index.js';

type Path = (string | number)[];

/** The body's path, the start of most paths below (spread, never changed). */
const b: readonly string[] = ['body'];

/**
 * A path as a template ("body.items.#.category", each # the next index given beside it), made a path only for a
 * problem: a fold checks every entry it opens, and a clean entry then allocates none.
 */
type At = string;

function pathOf(at: At, i?: number, j?: number): Path {
  let n = 0;
  return at.split('.').map((part) => (part === '#' ? (n++ === 0 ? i! : j!) : part));
}

/** Types that name nothing of the regime's vocabulary: nothing to check. */
const NAMES_NOTHING: ReadonlySet<Envelope['type']> = new Set([
  'regime-signature',
  'acknowledgement',
  'random-reveal',
  'assessment',
  'complaint',
]);

/** The checks of one entry against one regime, each problem reported at its path. */
class Check {
  readonly problems: Problem[] = [];
  readonly regime: Regime;
  readonly ix: RegimeIndex;
  readonly envelope: Envelope;

  constructor(regime: Regime, envelope: Envelope) {
    this.regime = regime;
    this.ix = regimeIndex(regime);
    this.envelope = envelope;
  }

  report(path: Path, message: string): void {
    this.problems.push({ path: formatPath(path), message });
  }

  known(map: ReadonlyMap<string, unknown>, noun: string, id: string | undefined, at: At, i?: number, j?: number) {
    if (id === undefined || map.has(id)) return true;
    this.report(pathOf(at, i, j), `unknown ${noun} "${id}" (not in regime "${this.regime.id}")`);
    return false;
  }

  category(id: string, kind: 'item' | 'quantity' | undefined, at: At, i?: number, j?: number): void {
    if (!this.known(this.ix.categories, 'category', id, at, i, j)) return;
    const c = this.ix.categories.get(id)!;
    const article = (k: string) => (k === 'item' ? 'an item' : 'a quantity');
    if (kind && c.kind !== kind)
      this.report(pathOf(at, i, j), `"${id}" is ${article(c.kind)} category, expected ${article(kind)} category`);
  }

  site(id: string | undefined, at: At, i?: number): boolean {
    return this.known(this.ix.sites, 'site', id, at, i);
  }

  zone(id: string | undefined, at: At, i?: number, j?: number): boolean {
    return this.known(this.ix.zones, 'zone', id, at, i, j);
  }

  party(id: string, at: At, i?: number): void {
    if (!this.known(this.ix.parties, 'party', id, at, i)) return;
    if (id === this.envelope.party) this.report(pathOf(at, i), `"${id}" is the entry's own party`);
  }

  /** A list of items: each of an item category, each uid once. `at` names the list. */
  items(list: readonly Pick<Item, 'uid' | 'category'>[], at: At): void {
    const seen = new Set<string>();
    for (let i = 0; i < list.length; i++) {
      const it = list[i]!;
      this.category(it.category, 'item', `${at}.#.category`, i);
      if (seen.has(it.uid)) this.report([...pathOf(at), i, 'uid'], `"${it.uid}" is listed twice`);
      seen.add(it.uid);
    }
  }

  /** An item against the types registry: a known type of its category, within the type's attribute bounds. */
  itemType(it: { category: string; type?: string; attributes?: Record<string, number> }, at: At, i: number): void {
    const ix = this.ix;
    if (it.type === undefined) {
      if (ix.typedCategories.has(it.category))
        this.report(pathOf(`${at}.type`, i), `category "${it.category}" has agreed types: the item must name one`);
      return;
    }
    if (!this.known(ix.types, 'item type', it.type, `${at}.type`, i)) return;
    const t = ix.types.get(it.type)!;
    if (t.category !== it.category) {
      this.report(pathOf(`${at}.type`, i), `type "${t.id}" is of category "${t.category}", not "${it.category}"`);
      return;
    }
    if (!t.attributes) return;
    for (const [a, bound] of Object.entries(t.attributes)) {
      const value = it.attributes?.[a];
      if (value !== undefined && value > bound.atMost)
        this.report(
          [...pathOf(at, i), 'attributes', a],
          `${value} is more than a ${t.id} carries (at most ${bound.atMost})`,
        );
    }
  }
}

export function vocabularyProblems(regime: Regime, envelope: Envelope): Problem[] {
  // Before the checks below are set up (a fold checks every sealed entry it opens, acknowledgements a third of them).
  if (NAMES_NOTHING.has(envelope.type)) return [];
  const check = new Check(regime, envelope);
  const { ix, problems } = check;
  const report = check.report.bind(check);

  switch (envelope.type) {
    case 'declaration': {
      const body = envelope.body;
      if (body.form === 'plain') {
        check.items(body.items, 'body.items');
        for (let i = 0; i < body.items.length; i++) {
          const it = body.items[i]!;
          check.site(it.site, 'body.items.#.site', i);
          check.itemType(it, 'body.items.#', i);
          const c = ix.categories.get(it.category);
          if (c?.kind !== 'item' || !it.attributes) continue;
          for (const a of Object.keys(it.attributes)) {
            if (!c.attributes?.includes(a)) {
              report([...b, 'items', i, 'attributes', a], `category "${c.id}" has no attribute "${a}"`);
            }
          }
        }
      }
      const quantities = body.quantities ?? [];
      for (let i = 0; i < quantities.length; i++) {
        const q = quantities[i]!;
        check.category(q.category, 'quantity', 'body.quantities.#.category', i);
        check.site(q.site, 'body.quantities.#.site', i);
        check.zone(q.zone, 'body.quantities.#.zone', i);
        if (q.site !== undefined && q.zone !== undefined)
          report([...b, 'quantities', i], 'expected a site or a zone, not both');
      }
      if (body.form === 'escrowed') {
        const max = regime.escrow?.padding.maxLeaves;
        if (!regime.escrow) report([...b, 'form'], `regime "${regime.id}" has no escrow settings`);
        else if (body.leaves % regime.escrow.padding.multipleOf !== 0 || body.leaves > max!) {
          report([...b, 'leaves'], `expected a multiple of ${regime.escrow.padding.multipleOf} up to ${max}`);
        }
        for (let i = 0; i < body.totals.length; i++)
          check.category(body.totals[i]!.category, undefined, 'body.totals.#.category', i);
      }
      break;
    }
    case 'declaration-opening': {
      // A phase of disclosure opens a zone, or a single site, in full.
      const region = envelope.body.region;
      if (region !== undefined && !ix.sites.has(region)) check.known(ix.zones, 'zone or site', region, 'body.region');
      const leaves = envelope.body.leaves ?? [];
      for (let i = 0; i < leaves.length; i++) {
        const item = leaves[i]!.item;
        if (!item) continue;
        check.category(item.category, 'item', 'body.leaves.#.item.category', i);
        check.site(item.site, 'body.leaves.#.item.site', i);
        check.itemType(item, 'body.leaves.#.item', i);
      }
      break;
    }
    case 'notification': {
      const body = envelope.body;
      if (!check.known(ix.notifications, 'notification rule', body.rule, 'body.rule')) break;
      const rule = ix.notifications.get(body.rule)!;
      const t = rule.trigger;
      const expected =
        t.kind === 'concern' ? ['concern', 'explanation'] : rule.calendar ? [t.kind, 'calendar'] : [t.kind];
      const bound = ruleParties(regime, rule);
      if (!expected.includes(body.kind)) {
        report([...b, 'kind'], `rule "${rule.id}" is triggered by ${t.kind}, expected kind ${expected.join(' or ')}`);
      }
      if (!bound.includes(envelope.party)) report(['party'], `rule "${rule.id}" does not bind "${envelope.party}"`);
      // Each item's category among those the rule's trigger covers (a movement's or status change's).
      const covered = (list: readonly { category: string }[], member: 'items' | 'changes') => {
        if (t.kind !== 'movement' && t.kind !== 'status-change') return;
        for (let i = 0; i < list.length; i++) {
          const cat = list[i]!.category;
          if (ix.categories.has(cat) && !t.categories.includes(cat))
            report([...b, member, i, 'category'], `rule "${rule.id}" does not cover category "${cat}"`);
        }
      };
      if (body.kind === 'movement') {
        check.items(body.items, 'body.items');
        covered(body.items, 'items');
        check.site(body.from, 'body.from');
        check.site(body.to, 'body.to');
      } else if (body.kind === 'status-change') {
        check.items(body.changes, 'body.changes');
        covered(body.changes, 'changes');
        check.site(body.site, 'body.site');
      } else if (body.kind === 'activity') {
        for (let i = 0; i < body.quantities.length; i++)
          check.category(body.quantities[i]!.category, undefined, 'body.quantities.#.category', i);
        check.zone(body.zone, 'body.zone');
        if (Date.parse(body.end) < Date.parse(body.start)) report([...b, 'end'], 'the activity ends before it starts');
        const participants = body.participants ?? [];
        for (let i = 0; i < participants.length; i++) {
          const p = participants[i]!;
          check.party(p, 'body.participants.#', i);
          if (ix.parties.has(p) && !bound.includes(p))
            report([...b, 'participants', i], `rule "${rule.id}" does not bind "${p}"`);
        }
      } else if (body.kind === 'calendar') {
        for (let i = 0; i < body.activities.length; i++) {
          const a = body.activities[i]!;
          check.zone(a.zone, 'body.activities.#.zone', i);
          const quantities = a.quantities ?? [];
          for (let j = 0; j < quantities.length; j++)
            check.category(quantities[j]!.category, undefined, 'body.activities.#.quantities.#.category', i, j);
          if (Date.parse(a.end) < Date.parse(a.start))
            report([...b, 'activities', i, 'end'], 'the activity ends before it starts');
          if (new Date(a.start).getUTCFullYear() !== body.year)
            report(
              [...b, 'activities', i, 'start'],
              `the calendar for ${body.year} lists an activity starting in another year`,
            );
        }
      } else if (body.kind === 'concern') {
        check.party(body.addressee, 'body.addressee');
        if (ix.parties.has(body.addressee) && !bound.includes(body.addressee)) {
          report([...b, 'addressee'], `rule "${rule.id}" does not bind "${body.addressee}"`);
        }
      }
      break;
    }
    case 'inspection-request':
    case 'inspection-report': {
      const body = envelope.body;
      check.party(body.host, 'body.host');
      check.site(body.site, 'body.site');
      if (!check.known(ix.inspections, 'inspection type', body.inspection, 'body.inspection')) break;
      const t = ix.inspections.get(body.inspection)!;
      if (!t.pairs.some((p) => p.inspector === envelope.party && p.host === body.host)) {
        report([...b, 'host'], `inspection type "${t.id}" does not let "${envelope.party}" inspect "${body.host}"`);
      }
      const s = ix.sites.get(body.site);
      if (s) {
        if (s.host !== body.host) report([...b, 'site'], `site "${s.id}" is hosted by "${s.host}", not "${body.host}"`);
        const allowed = t.where.sites ? t.where.sites.includes(s.id) : t.where.siteKinds!.includes(s.kind);
        if (!allowed) report([...b, 'site'], `inspection type "${t.id}" does not cover site "${s.id}"`);
      }
      if (envelope.type === 'inspection-report') {
        const r = envelope.body;
        if (Date.parse(r.end) < Date.parse(r.start)) report([...b, 'end'], 'the inspection ends before it starts');
        if (r.hostNationCountersignature && s && s.hostNation === undefined)
          report([...b, 'hostNationCountersignature'], `site "${s.id}" has no host nation to countersign`);
        for (let i = 0; i < r.findings.length; i++) {
          const f = r.findings[i]!;
          if (f.kind === 'item') check.category(f.category, 'item', 'body.findings.#.category', i);
          else if (f.kind === 'configuration') {
            const expected = t.verifies.some(
              (v) => v.kind === 'configuration' && v.expected.some((x) => x.attribute === f.attribute),
            );
            if (!expected)
              report(
                [...b, 'findings', i, 'attribute'],
                `inspection type "${t.id}" verifies no attribute "${f.attribute}"`,
              );
          } else if (f.kind !== 'remark') check.category(f.category, undefined, 'body.findings.#.category', i);
          if (f.kind === 'absence' && f.type !== undefined) {
            if (!check.known(ix.types, 'item type', f.type, 'body.findings.#.type', i)) continue;
            const ty = ix.types.get(f.type)!;
            const fp = [...b, 'findings', i, 'type'];
            if (ty.category !== f.category)
              report(fp, `type "${ty.id}" is of category "${ty.category}", not "${f.category}"`);
            else if (!t.verifies.some((v) => v.kind === 'absence' && v.types?.includes(f.type!)))
              report(fp, `inspection type "${t.id}" verifies the absence of no type "${f.type}"`);
          }
        }
      }
      break;
    }
    case 'observation': {
      const body = envelope.body;
      check.party(body.subject, 'body.subject');
      check.site(body.place.site, 'body.place.site');
      check.zone(body.place.zone, 'body.place.zone');
      for (let i = 0; i < body.quantities.length; i++)
        check.category(body.quantities[i]!.category, undefined, 'body.quantities.#.category', i);
      if (body.items) check.items(body.items, 'body.items');
      if (check.known(ix.metrics, 'metric', body.metric, 'body.metric') && body.metric !== undefined) {
        const m = ix.metrics.get(body.metric)!;
        if (m.party !== body.subject)
          report([...b, 'metric'], `metric "${m.id}" measures "${m.party}", not "${body.subject}"`);
      }
      break;
    }
    case 'commitment-accepted':
    case 'commitment-withdrawn': {
      const id = envelope.body.commitment;
      if (!check.known(ix.commitments, 'commitment', id, 'body.commitment')) break;
      const c = ix.commitments.get(id)!;
      if (c.party !== envelope.party)
        report([...b, 'commitment'], `commitment "${id}" is "${c.party}"'s, not "${envelope.party}"'s`);
      break;
    }
    case 'random-commit':
      check.known(ix.inspections, 'inspection type', envelope.body.inspection, 'body.inspection');
      break;
    case 'audience-key':
    case 'sealed':
      problems.push(...confidentialProblems(regime, envelope));
      break;
    case 'regime-signature':
    case 'acknowledgement':
    case 'random-reveal':
    case 'assessment':
    case 'complaint':
      break; // NAMES_NOTHING: returned above
    case 'mission': {
      const body = envelope.body;
      if (body.step === 'lists') {
        if (check.known(ix.inspections, 'inspection type', body.inspection, 'body.inspection')) {
          const t = ix.inspections.get(body.inspection)!;
          if (!t.pairs.some((p) => p.inspector === envelope.party && p.host === body.host))
            report([...b, 'host'], `"${envelope.party}" does not inspect "${body.host}" under "${t.id}"`);
        }
        check.party(body.host, 'body.host');
      }
      if (body.step === 'designation') check.site(body.site, 'body.site');
      // Which request's site it consents to is the engine's to check (it needs the request); here, that the party
      // is the host nation of some site at all.
      if (body.step === 'consent' && ![...ix.sites.values()].some((x) => x.hostNation === envelope.party))
        report(['party'], `"${envelope.party}" is the host nation of no site: it has no inspection to consent to`);
      break;
    }
    case 'proposal': {
      const body = envelope.body;
      if (!check.known(ix.forums, 'forum', body.forum, 'body.forum')) break;
      // A state the forum consults (forums[].consulted) takes part by tabling its own proposals there too.
      const forum = ix.forums.get(body.forum)!;
      if (!forum.parties.includes(envelope.party) && !(forum.consulted ?? []).includes(envelope.party))
        report(['party'], `"${envelope.party}" is neither a party to forum "${body.forum}" nor consulted by it`);
      if (body.track !== undefined && check.known(ix.tracks, 'track', body.track, 'body.track')) {
        const t = ix.tracks.get(body.track)!;
        if (t.forum !== body.forum)
          report([...b, 'track'], `track "${t.id}" is negotiated in "${t.forum}", not "${body.forum}"`);
      }
      break;
    }
    case 'consultation': {
      const body = envelope.body;
      if (body.step === 'concern' || body.step === 'session') {
        if (!check.known(ix.consultations, 'consultation mechanism', body.mechanism, 'body.mechanism')) break;
        const m = ix.consultations.get(body.mechanism)!;
        if (!m.parties.includes(envelope.party))
          report(['party'], `"${envelope.party}" is not a party to mechanism "${m.id}"`);
        if (body.step === 'concern') {
          check.party(body.addressee, 'body.addressee');
          if (ix.parties.has(body.addressee) && !m.parties.includes(body.addressee))
            report([...b, 'addressee'], `"${body.addressee}" is not a party to mechanism "${m.id}"`);
        }
      }
      if (body.step === 'meeting' || body.step === 'session') {
        for (let i = 0; i < body.attendance.length; i++)
          check.known(ix.parties, 'party', body.attendance[i], 'body.attendance.#', i);
      }
      if (body.step === 'session') {
        const cs = body.countersignature;
        const holder = cs === undefined ? undefined : ix.keys.get(cs.key)?.party.id;
        if (cs !== undefined && (holder === envelope.party || !body.attendance.includes(holder ?? '')))
          report(
            [...b, 'countersignature', 'key'],
            `expected a key of another party that attended, not of "${holder ?? '?'}"`,
          );
        const m = ix.consultations.get(body.mechanism);
        if (cs === undefined && m?.countersigned && body.agreedStatements?.length)
          report(
            [...b, 'countersignature'],
            `mechanism "${m.id}" wants agreed statements countersigned by the other party`,
          );
      }
      break;
    }
  }
  return problems;
}
