/**
 * An entry against the regime's vocabulary: the categories, sites, zones, rules, inspection types, commitments,
 * metrics and parties it names exist, and fit (an item is of an item category, a movement notification follows a
 * movement rule that binds its author, a party accepts only its own commitments, ...). Returns every problem with
 * its path; what depends on other entries or on time (quotas, deadlines, whether a site was declared) is the
 * engine's.
 */
import type { Problem } from '../../crypto/errors.js';
import { formatPath } from '../common.js';
import { regimeIndex, ruleParties } from '../regime/index.js';
import type { Regime } from '../regime/schema.js';
import { confidentialProblems } from './confidential-vocabulary.js';
import type { Item } from './declaration.js';
import type { Envelope } from './index.js';

type Path = (string | number)[];

/** Types that name nothing of the regime's vocabulary: nothing to check. */
const NAMES_NOTHING: ReadonlySet<Envelope['type']> = new Set([
  'regime-signature',
  'acknowledgement',
  'random-reveal',
  'assessment',
  'complaint',
]);

export function vocabularyProblems(regime: Regime, envelope: Envelope): Problem[] {
  // Before the checks below are set up (a fold checks every sealed entry it opens, acknowledgements a third of them).
  if (NAMES_NOTHING.has(envelope.type)) return [];
  const ix = regimeIndex(regime);
  const problems: Problem[] = [];
  const report = (path: Path, message: string) => problems.push({ path: formatPath(path), message });
  const known = (path: Path, map: ReadonlyMap<string, unknown>, noun: string, id: string | undefined): boolean => {
    if (id === undefined || map.has(id)) return true;
    report(path, `unknown ${noun} "${id}" (not in regime "${regime.id}")`);
    return false;
  };
  const category = (path: Path, id: string, kind?: 'item' | 'quantity') => {
    if (!known(path, ix.categories, 'category', id)) return;
    const c = ix.categories.get(id)!;
    const article = (k: string) => (k === 'item' ? 'an item' : 'a quantity');
    if (kind && c.kind !== kind)
      report(path, `"${id}" is ${article(c.kind)} category, expected ${article(kind)} category`);
  };
  const site = (path: Path, id: string | undefined) => known(path, ix.sites, 'site', id);
  const zone = (path: Path, id: string | undefined) => known(path, ix.zones, 'zone', id);
  const party = (path: Path, id: string) => {
    if (!known(path, ix.parties, 'party', id)) return;
    if (id === envelope.party) report(path, `"${id}" is the entry's own party`);
  };
  const items = (path: Path, list: readonly Pick<Item, 'uid' | 'category'>[]) => {
    const seen = new Set<string>();
    list.forEach((it, i) => {
      category([...path, i, 'category'], it.category, 'item');
      if (seen.has(it.uid)) report([...path, i, 'uid'], `"${it.uid}" is listed twice`);
      seen.add(it.uid);
    });
  };
  /** An item against the types registry: a known type of its category, within the type's attribute bounds. */
  const itemType = (path: Path, it: { category: string; type?: string; attributes?: Record<string, number> }) => {
    if (it.type === undefined) {
      if (ix.typedCategories.has(it.category))
        report([...path, 'type'], `category "${it.category}" has agreed types: the item must name one`);
      return;
    }
    if (!known([...path, 'type'], ix.types, 'item type', it.type)) return;
    const t = ix.types.get(it.type)!;
    if (t.category !== it.category) {
      report([...path, 'type'], `type "${t.id}" is of category "${t.category}", not "${it.category}"`);
      return;
    }
    for (const [a, bound] of Object.entries(t.attributes ?? {})) {
      const value = it.attributes?.[a];
      if (value !== undefined && value > bound.atMost)
        report([...path, 'attributes', a], `${value} is more than a ${t.id} carries (at most ${bound.atMost})`);
    }
  };
  const b: Path = ['body'];

  switch (envelope.type) {
    case 'declaration': {
      const body = envelope.body;
      if (body.form === 'plain') {
        items([...b, 'items'], body.items);
        body.items.forEach((it, i) => {
          site([...b, 'items', i, 'site'], it.site);
          itemType([...b, 'items', i], it);
          const c = ix.categories.get(it.category);
          for (const a of Object.keys(it.attributes ?? {})) {
            if (c?.kind === 'item' && !c.attributes?.includes(a)) {
              report([...b, 'items', i, 'attributes', a], `category "${c.id}" has no attribute "${a}"`);
            }
          }
        });
      }
      (body.quantities ?? []).forEach((q, i) => {
        category([...b, 'quantities', i, 'category'], q.category, 'quantity');
        site([...b, 'quantities', i, 'site'], q.site);
        zone([...b, 'quantities', i, 'zone'], q.zone);
        if (q.site !== undefined && q.zone !== undefined)
          report([...b, 'quantities', i], 'expected a site or a zone, not both');
      });
      if (body.form === 'escrowed') {
        const max = regime.escrow?.padding.maxLeaves;
        if (!regime.escrow) report([...b, 'form'], `regime "${regime.id}" has no escrow settings`);
        else if (body.leaves % regime.escrow.padding.multipleOf !== 0 || body.leaves > max!) {
          report([...b, 'leaves'], `expected a multiple of ${regime.escrow.padding.multipleOf} up to ${max}`);
        }
        body.totals.forEach((t, i) => {
          category([...b, 'totals', i, 'category'], t.category);
        });
      }
      break;
    }
    case 'declaration-opening': {
      // A phase of disclosure opens a zone, or a single site, in full.
      const region = envelope.body.region;
      if (region !== undefined && !ix.sites.has(region)) known([...b, 'region'], ix.zones, 'zone or site', region);
      (envelope.body.leaves ?? []).forEach((leaf, i) => {
        if (!leaf.item) return;
        category([...b, 'leaves', i, 'item', 'category'], leaf.item.category, 'item');
        site([...b, 'leaves', i, 'item', 'site'], leaf.item.site);
        itemType([...b, 'leaves', i, 'item'], leaf.item);
      });
      break;
    }
    case 'notification': {
      const body = envelope.body;
      if (!known([...b, 'rule'], ix.notifications, 'notification rule', body.rule)) break;
      const rule = ix.notifications.get(body.rule)!;
      const expected =
        rule.trigger.kind === 'concern'
          ? ['concern', 'explanation']
          : rule.calendar
            ? [rule.trigger.kind, 'calendar']
            : [rule.trigger.kind];
      const bound = ruleParties(regime, rule);
      if (!expected.includes(body.kind)) {
        report(
          [...b, 'kind'],
          `rule "${rule.id}" is triggered by ${rule.trigger.kind}, expected kind ${expected.join(' or ')}`,
        );
      }
      if (!bound.includes(envelope.party)) report(['party'], `rule "${rule.id}" does not bind "${envelope.party}"`);
      const t = rule.trigger;
      const inTrigger = (path: Path, cat: string) => {
        if (
          (t.kind === 'movement' || t.kind === 'status-change') &&
          ix.categories.has(cat) &&
          !t.categories.includes(cat)
        ) {
          report(path, `rule "${rule.id}" does not cover category "${cat}"`);
        }
      };
      if (body.kind === 'movement') {
        items([...b, 'items'], body.items);
        body.items.forEach((it, i) => {
          inTrigger([...b, 'items', i, 'category'], it.category);
        });
        site([...b, 'from'], body.from);
        site([...b, 'to'], body.to);
      } else if (body.kind === 'status-change') {
        items([...b, 'changes'], body.changes);
        body.changes.forEach((c, i) => {
          inTrigger([...b, 'changes', i, 'category'], c.category);
        });
        site([...b, 'site'], body.site);
      } else if (body.kind === 'activity') {
        body.quantities.forEach((q, i) => {
          category([...b, 'quantities', i, 'category'], q.category);
        });
        zone([...b, 'zone'], body.zone);
        if (Date.parse(body.end) < Date.parse(body.start)) report([...b, 'end'], 'the activity ends before it starts');
        body.participants?.forEach((p, i) => {
          party([...b, 'participants', i], p);
          if (ix.parties.has(p) && !bound.includes(p))
            report([...b, 'participants', i], `rule "${rule.id}" does not bind "${p}"`);
        });
      } else if (body.kind === 'calendar') {
        body.activities.forEach((a, i) => {
          const ap = [...b, 'activities', i];
          zone([...ap, 'zone'], a.zone);
          a.quantities?.forEach((q, j) => {
            category([...ap, 'quantities', j, 'category'], q.category);
          });
          if (Date.parse(a.end) < Date.parse(a.start)) report([...ap, 'end'], 'the activity ends before it starts');
          if (new Date(a.start).getUTCFullYear() !== body.year)
            report([...ap, 'start'], `the calendar for ${body.year} lists an activity starting in another year`);
        });
      } else if (body.kind === 'concern') {
        party([...b, 'addressee'], body.addressee);
        if (ix.parties.has(body.addressee) && !bound.includes(body.addressee)) {
          report([...b, 'addressee'], `rule "${rule.id}" does not bind "${body.addressee}"`);
        }
      }
      break;
    }
    case 'inspection-request':
    case 'inspection-report': {
      const body = envelope.body;
      party([...b, 'host'], body.host);
      site([...b, 'site'], body.site);
      if (!known([...b, 'inspection'], ix.inspections, 'inspection type', body.inspection)) break;
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
        r.findings.forEach((f, i) => {
          if (f.kind === 'item') category([...b, 'findings', i, 'category'], f.category, 'item');
          else if (f.kind === 'configuration') {
            const expected = t.verifies.some(
              (v) => v.kind === 'configuration' && v.expected.some((x) => x.attribute === f.attribute),
            );
            if (!expected)
              report(
                [...b, 'findings', i, 'attribute'],
                `inspection type "${t.id}" verifies no attribute "${f.attribute}"`,
              );
          } else if (f.kind !== 'remark') category([...b, 'findings', i, 'category'], f.category);
          if (f.kind === 'absence' && f.type !== undefined) {
            const fp = [...b, 'findings', i, 'type'];
            if (!known(fp, ix.types, 'item type', f.type)) return;
            const ty = ix.types.get(f.type)!;
            if (ty.category !== f.category)
              report(fp, `type "${ty.id}" is of category "${ty.category}", not "${f.category}"`);
            else if (!t.verifies.some((v) => v.kind === 'absence' && v.types?.includes(f.type!)))
              report(fp, `inspection type "${t.id}" verifies the absence of no type "${f.type}"`);
          }
        });
      }
      break;
    }
    case 'observation': {
      const body = envelope.body;
      party([...b, 'subject'], body.subject);
      site([...b, 'place', 'site'], body.place.site);
      zone([...b, 'place', 'zone'], body.place.zone);
      body.quantities.forEach((q, i) => {
        category([...b, 'quantities', i, 'category'], q.category);
      });
      if (body.items) items([...b, 'items'], body.items);
      if (known([...b, 'metric'], ix.metrics, 'metric', body.metric) && body.metric !== undefined) {
        const m = ix.metrics.get(body.metric)!;
        if (m.party !== body.subject)
          report([...b, 'metric'], `metric "${m.id}" measures "${m.party}", not "${body.subject}"`);
      }
      break;
    }
    case 'commitment-accepted':
    case 'commitment-withdrawn': {
      const id = envelope.body.commitment;
      if (!known([...b, 'commitment'], ix.commitments, 'commitment', id)) break;
      const c = ix.commitments.get(id)!;
      if (c.party !== envelope.party)
        report([...b, 'commitment'], `commitment "${id}" is "${c.party}"'s, not "${envelope.party}"'s`);
      break;
    }
    case 'random-commit':
      known([...b, 'inspection'], ix.inspections, 'inspection type', envelope.body.inspection);
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
        if (known([...b, 'inspection'], ix.inspections, 'inspection type', body.inspection)) {
          const t = ix.inspections.get(body.inspection)!;
          if (!t.pairs.some((p) => p.inspector === envelope.party && p.host === body.host))
            report([...b, 'host'], `"${envelope.party}" does not inspect "${body.host}" under "${t.id}"`);
        }
        party([...b, 'host'], body.host);
      }
      if (body.step === 'designation') site([...b, 'site'], body.site);
      // Which request's site it consents to is the engine's to check (it needs the request); here, that the party
      // is the host nation of some site at all.
      if (body.step === 'consent' && ![...ix.sites.values()].some((x) => x.hostNation === envelope.party))
        report(['party'], `"${envelope.party}" is the host nation of no site: it has no inspection to consent to`);
      break;
    }
    case 'proposal': {
      const body = envelope.body;
      if (!known([...b, 'forum'], ix.forums, 'forum', body.forum)) break;
      // A state the forum consults (forums[].consulted) takes part by tabling its own proposals there too.
      const forum = ix.forums.get(body.forum)!;
      if (!forum.parties.includes(envelope.party) && !(forum.consulted ?? []).includes(envelope.party))
        report(['party'], `"${envelope.party}" is neither a party to forum "${body.forum}" nor consulted by it`);
      if (body.track !== undefined && known([...b, 'track'], ix.tracks, 'track', body.track)) {
        const t = ix.tracks.get(body.track)!;
        if (t.forum !== body.forum)
          report([...b, 'track'], `track "${t.id}" is negotiated in "${t.forum}", not "${body.forum}"`);
      }
      break;
    }
    case 'consultation': {
      const body = envelope.body;
      if (body.step === 'concern' || body.step === 'session') {
        if (!known([...b, 'mechanism'], ix.consultations, 'consultation mechanism', body.mechanism)) break;
        const m = ix.consultations.get(body.mechanism)!;
        if (!m.parties.includes(envelope.party))
          report(['party'], `"${envelope.party}" is not a party to mechanism "${m.id}"`);
        if (body.step === 'concern') {
          party([...b, 'addressee'], body.addressee);
          if (ix.parties.has(body.addressee) && !m.parties.includes(body.addressee))
            report([...b, 'addressee'], `"${body.addressee}" is not a party to mechanism "${m.id}"`);
        }
      }
      if (body.step === 'meeting' || body.step === 'session') {
        body.attendance.forEach((p, i) => {
          known([...b, 'attendance', i], ix.parties, 'party', p);
        });
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
