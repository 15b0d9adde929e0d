/**
 * Reading a regime: YAML or JSON text -> plain JSON value -> public keys supplied at load time merged in ->
 * schema -> cross-references. Anything wrong is refused with ONE DetenteError('REGIME_INVALID') whose message has
 * a `path: what is wrong` line per problem, and whose `problems` holds the same list.
 *
 * The schema is checked on the whole document (zod reports every issue). The cross-reference checks run on every
 * element that passed its own schema, so one bad element does not hide the dangling references of the others; a
 * reference to an element that exists but is itself invalid is not reported twice.
 *
 * The regime's hash (`regimeHash`) is SHA-256 of the RFC 8785 canonical JSON of the loaded document, keys included:
 * YAML or JSON, comments, order and layout do not change it; a public key supplied at load time does.
 */
import YAML from 'yaml';
import { z } from 'zod';
import { toHex } from '../../crypto/bytes.js';
import { canonicalJsonBytes } from '../../crypto/canonical-json.js';
import { DetenteError, type Problem } from '../../crypto/errors.js';
import type { Sha256 } from '../../crypto/sha256.js';
import { addDuration, formatPath, problemsError, problemsOf } from '../common.js';

const DAY_MS = 86_400_000;

import { audienceProblems } from './audience-check.js';
import type { Category, Group } from './categories.js';
import type { Commitment } from './commitments.js';
import type { ConsultationMechanism } from './consultations.js';
import type { InspectionType } from './inspections.js';
import type { Limit } from './limits.js';
import type { Metric } from './metrics.js';
import type { MissionRules } from './missions.js';
import { type NotificationRule, ruleParties } from './notifications.js';
import type { Party } from './parties.js';
import type { PeriodicObligation } from './periodic.js';
import { COLLECTIONS, type Collection, type Regime, RegimeSchema } from './schema.js';
import type { Site, SiteKind, Zone } from './sites-zones.js';
import type { Forum, Track } from './tracks.js';
import type { ItemType } from './types.js';

/** Regime documents carry zones as GeoJSON and can be large, but not without bound. */
export const MAX_REGIME_TEXT = 16 * 1024 * 1024;
const MAX_DEPTH = 32;

export interface ParseRegimeOptions {
  /** `yaml` (the default; YAML 1.2 core schema, which also reads JSON) or `json` (strict JSON.parse). */
  format?: 'yaml' | 'json';
  /**
   * Public keys (base64) for keys the document lists without one, by key id: a map or a function. This is how a
   * scenario's regime file stays free of placeholder keys: the generator creates the keys and supplies them here.
   * A supplied key that the document does not list, or that contradicts the document, is a problem.
   */
  keys?: Readonly<Record<string, string>> | ((keyId: string, partyId: string) => string | undefined);
  /** Accept keys without a public key (to check a file before its keys exist). Default: every key must have one. */
  allowMissingKeys?: boolean;
}

/**
 * Parses, validates and cross-checks a regime document; the result is deeply frozen. Throws
 * DetenteError('REGIME_INVALID') listing every problem.
 */
export function parseRegime(text: string, options: ParseRegimeOptions | 'yaml' | 'json' = {}): Regime {
  const opts: ParseRegimeOptions = typeof options === 'string' ? { format: options } : options;
  const raw = parseText(text, opts.format ?? 'yaml');
  const problems = [...jsonProblems(raw), ...mergeKeys(raw, opts.keys)];
  if (problems.length) throw refuse(problems);

  const parsed = RegimeSchema.safeParse(raw);
  if (!parsed.success) problems.push(...problemsOf(parsed.error));
  problems.push(...crossCheck(raw, opts.allowMissingKeys ?? false));
  if (problems.length || !parsed.success) throw refuse(problems);
  return deepFreeze(parsed.data);
}

/** A loaded regime never changes: its hash, and every index built on it, stay true. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The canonical bytes of a regime: what is hashed, signed (by hash) and stored as a blob. */
export function regimeBytes(regime: Regime): Uint8Array {
  return canonicalJsonBytes(regime);
}

/** The regime's identity: lowercase hex SHA-256 of its canonical JSON (RFC 8785), public keys included. */
export function regimeHash(regime: Regime, sha256: Sha256): string {
  return toHex(sha256(regimeBytes(regime)));
}

function refuse(problems: Problem[]) {
  return problemsError('REGIME_INVALID', 'regime refused', problems);
}

function one(path: string, message: string): Problem[] {
  return [{ path, message }];
}

function parseText(text: string, format: 'yaml' | 'json'): unknown {
  if (typeof text !== 'string') throw refuse(one('$', `expected the document as a string, got ${typeof text}`));
  if (text.length > MAX_REGIME_TEXT) {
    throw refuse(one('$', `document too large: ${text.length} characters, at most ${MAX_REGIME_TEXT}`));
  }
  try {
    if (format === 'json') {
      try {
        return JSON.parse(text);
      } catch (err) {
        throw refuse(one('$', `not valid JSON: ${(err as Error).message}`));
      }
    }
    const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) {
      throw refuse(
        doc.errors.map((e) => ({ path: lineAndColumn(text, e.pos[0]), message: `not valid YAML: ${e.message}` })),
      );
    }
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof DetenteError) throw err;
    // Deep nesting (RangeError), alias bombs, and whatever else the parser refuses are bad input, not crashes.
    throw refuse(one('$', `cannot read the document: ${(err as Error)?.message ?? String(err)}`));
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** YAML can express what JSON cannot (binary, non-finite numbers, ...): the regime must be plain JSON. */
function jsonProblems(value: unknown, path: PropertyKey[] = [], out: Problem[] = []): Problem[] {
  if (path.length > MAX_DEPTH) {
    out.push({ path: formatPath(path), message: `nested deeper than ${MAX_DEPTH} levels` });
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value))
      out.push({ path: formatPath(path), message: `expected a finite number, got ${value}` });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      jsonProblems(v, [...path, i], out);
    });
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) jsonProblems(v, [...path, k], out);
  } else if (value !== null && typeof value !== 'string' && typeof value !== 'boolean') {
    const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    out.push({ path: formatPath(path), message: `expected a JSON value, got ${kind}` });
  }
  return out;
}

/** Fills in public keys supplied at load time (mutates the freshly parsed document). */
function mergeKeys(raw: unknown, keys: ParseRegimeOptions['keys']): Problem[] {
  if (keys === undefined) return [];
  const lookup = typeof keys === 'function' ? keys : (id: string) => (Object.hasOwn(keys, id) ? keys[id] : undefined);
  const problems: Problem[] = [];
  const used = new Set<string>();
  const parties = isPlainObject(raw) && Array.isArray(raw.parties) ? raw.parties : [];
  parties.forEach((party, p) => {
    if (!isPlainObject(party) || !Array.isArray(party.keys)) return;
    party.keys.forEach((key, k) => {
      if (!isPlainObject(key) || typeof key.id !== 'string') return;
      const supplied = lookup(key.id, typeof party.id === 'string' ? party.id : '');
      if (supplied === undefined) return;
      used.add(key.id);
      if (key.publicKey === undefined) key.publicKey = supplied;
      else if (key.publicKey !== supplied) {
        problems.push({
          path: formatPath(['parties', p, 'keys', k, 'publicKey']),
          message: `the document's key differs from the one supplied for "${key.id}"`,
        });
      }
    });
  });
  if (typeof keys !== 'function') {
    for (const id of Object.keys(keys)) {
      if (!used.has(id))
        problems.push({
          path: `keys[${JSON.stringify(id)}]`,
          message: 'supplied for a key id the regime does not list',
        });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-references

interface Valid {
  parties: Map<string, Party>;
  siteKinds: Map<string, SiteKind>;
  categories: Map<string, Category>;
  groups: Map<string, Group>;
  sites: Map<string, Site>;
  zones: Map<string, Zone>;
  limits: Map<string, Limit>;
  notifications: Map<string, NotificationRule>;
  inspections: Map<string, InspectionType>;
  commitments: Map<string, Commitment>;
  metrics: Map<string, Metric>;
  periodic: Map<string, PeriodicObligation>;
  types: Map<string, ItemType>;
  consultations: Map<string, ConsultationMechanism>;
  missions: Map<string, MissionRules>;
  forums: Map<string, Forum>;
  tracks: Map<string, Track>;
}

const NOUN: Record<Collection, string> = {
  parties: 'party',
  siteKinds: 'site kind',
  categories: 'category',
  groups: 'group',
  sites: 'site',
  zones: 'zone',
  limits: 'limit',
  notifications: 'notification rule',
  inspections: 'inspection type',
  commitments: 'commitment',
  metrics: 'metric',
  periodic: 'periodic obligation',
  types: 'item type',
  consultations: 'consultation mechanism',
  missions: 'mission rules',
  forums: 'forum',
  tracks: 'track',
};

type Path = (string | number)[];

function crossCheck(raw: unknown, allowMissingKeys: boolean): Problem[] {
  const doc = isPlainObject(raw) ? raw : {};
  const problems: Problem[] = [];
  const report = (path: Path, message: string) => problems.push({ path: formatPath(path), message });

  // Every id that appears (valid element or not), and the elements that passed their own schema.
  const known = {} as Record<Collection, Set<string>>;
  const valid = {} as Record<Collection, Map<string, unknown>>;
  const at = {} as Record<Collection, Map<string, number>>;
  for (const col of COLLECTIONS) {
    known[col] = new Set();
    valid[col] = new Map();
    at[col] = new Map();
    const list = doc[col];
    if (!Array.isArray(list)) continue;
    // Collections added later (periodic) are optional lists.
    const shape: z.ZodType = RegimeSchema.shape[col];
    const element = ((shape instanceof z.ZodOptional ? shape.unwrap() : shape) as z.ZodArray<z.ZodType>).element;
    list.forEach((item, i) => {
      const id = isPlainObject(item) && typeof item.id === 'string' ? item.id : undefined;
      if (id === undefined) return;
      if (at[col].has(id)) {
        report([col, i, 'id'], `duplicate ${NOUN[col]} id "${id}" (first at ${formatPath([col, at[col].get(id)!])})`);
        return;
      }
      known[col].add(id);
      at[col].set(id, i);
      const parsed = element.safeParse(item);
      if (parsed.success) valid[col].set(id, parsed.data);
    });
  }
  const v = valid as unknown as Valid;

  const ref = (path: Path, col: Collection, id: string): boolean => {
    if (known[col].has(id)) return true;
    const names = [...known[col]];
    const hint = names.length ? ` (known: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''})` : '';
    report(path, `unknown ${NOUN[col]} "${id}"${hint}`);
    return false;
  };
  const refs = (path: Path, col: Collection, ids: readonly string[]) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) report([...path, i], `"${id}" is listed twice`);
      seen.add(id);
      ref([...path, i], col, id);
    });
  };
  const path = (col: Collection, id: string, ...rest: Path): Path => [col, at[col].get(id)!, ...rest];
  const counted = (p: Path, c: { category?: string | undefined; group?: string | undefined }) => {
    if (c.category !== undefined) ref([...p, 'category'], 'categories', c.category);
    if (c.group !== undefined) ref([...p, 'group'], 'groups', c.group);
  };

  // Parties and keys: key ids, origins and public keys are unique across the whole regime.
  const keyAt = new Map<string, string>();
  const originAt = new Map<string, string>();
  const publicKeyAt = new Map<string, string>();
  for (const [id, p] of v.parties) {
    const here = formatPath(path('parties', id, 'origin'));
    if (originAt.has(p.origin))
      report(path('parties', id, 'origin'), `origin "${p.origin}" is also ${originAt.get(p.origin)}`);
    else originAt.set(p.origin, here);
    p.keys.forEach((k, i) => {
      const kp = path('parties', id, 'keys', i);
      if (keyAt.has(k.id)) report([...kp, 'id'], `duplicate key id "${k.id}" (first at ${keyAt.get(k.id)})`);
      else keyAt.set(k.id, formatPath([...kp, 'id']));
      const roles = new Set(k.roles);
      if (roles.size !== k.roles.length) report([...kp, 'roles'], 'a role is listed twice');
      if (k.publicKey === undefined) {
        if (!allowMissingKeys)
          report([...kp, 'publicKey'], 'missing: neither in the document nor supplied at load time');
      } else if (publicKeyAt.has(k.publicKey)) {
        report([...kp, 'publicKey'], `the same public key is also ${publicKeyAt.get(k.publicKey)}`);
      } else publicKeyAt.set(k.publicKey, formatPath([...kp, 'publicKey']));
    });
  }

  for (const [id, c] of v.categories) {
    if (c.kind === 'quantity' && c.attributes?.length) {
      report(path('categories', id, 'attributes'), 'a quantity category has no items, so no item attributes');
    }
  }

  for (const [id, g] of v.groups) {
    g.members.forEach((m, i) => {
      const mp = path('groups', id, 'members', i);
      if (!ref([...mp, 'category'], 'categories', m.category)) return;
      const c = v.categories.get(m.category);
      if (!c) return;
      if (c.kind === 'quantity') {
        if (m.status) report([...mp, 'status'], `"${c.id}" is a quantity category: its holdings have no status`);
        if (m.count) report([...mp, 'count'], `"${c.id}" is a quantity category: it counts its number`);
      } else if (m.count?.attribute !== undefined && !c.attributes?.includes(m.count.attribute)) {
        report([...mp, 'count', 'attribute'], `category "${c.id}" has no attribute "${m.count.attribute}"`);
      }
    });
  }

  for (const [id, s] of v.sites) {
    ref(path('sites', id, 'host'), 'parties', s.host);
    ref(path('sites', id, 'kind'), 'siteKinds', s.kind);
    if (s.hostNation !== undefined && ref(path('sites', id, 'hostNation'), 'parties', s.hostNation)) {
      const nation = v.parties.get(s.hostNation);
      if (s.hostNation === s.host)
        report(path('sites', id, 'hostNation'), `"${s.hostNation}" is the host itself: leave hostNation out`);
      // It consents (a mission step) and countersigns as escort: both need an inspector key.
      else if (nation && !nation.keys.some((k) => k.roles.includes('inspector')))
        report(
          path('sites', id, 'hostNation'),
          `host nation "${s.hostNation}" has no inspector key to consent and countersign with`,
        );
    }
  }

  const geography = isPlainObject(doc.geography);
  for (const [id, z] of v.zones) {
    const stated = new Set<string>();
    z.positions?.forEach((pos, i) => {
      const pp = [...path('zones', id, 'positions'), i, 'party'];
      ref(pp, 'parties', pos.party);
      if (stated.has(pos.party)) report(pp, `"${pos.party}" states its position twice`);
      stated.add(pos.party);
    });
    z.except?.forEach((other, i) => {
      const ep = [...path('zones', id, 'except'), i];
      if (other === id) report(ep, `a zone cannot except itself`);
      else if (ref(ep, 'zones', other) && v.zones.get(other)?.except)
        report(ep, `"${other}" excepts zones itself: take out plain zones only`);
    });
    if (z.kind === 'area') continue;
    if (!geography)
      report(path('zones', id, 'kind'), `a ${z.kind} zone is derived from borders: geography.borders is missing`);
    if (z.kind === 'border-band' && z.country === z.neighbour) {
      report(path('zones', id, 'neighbour'), `a border band lies along another country's border, not "${z.country}"`);
    }
  }

  for (const [id, l] of v.limits) {
    refs(path('limits', id, 'parties'), 'parties', l.parties);
    counted(path('limits', id, 'counts'), l.counts);
    if (l.zone !== undefined) ref(path('limits', id, 'zone'), 'zones', l.zone);
    if (l.until !== undefined && l.until < l.from)
      report(path('limits', id, 'until'), `${l.until} is before from (${l.from})`);
  }

  for (const [id, p] of v.parties)
    if (p.territory !== undefined) ref(path('parties', id, 'territory'), 'zones', p.territory);

  const numberAt = new Map<number, string>();
  const partiesOfDoc = [...v.parties.values()];
  for (const [id, n] of v.notifications) {
    if (n.parties !== 'all') refs(path('notifications', id, 'parties'), 'parties', n.parties);
    else if (ruleParties({ parties: partiesOfDoc }, n).length < 2)
      report(path('notifications', id, 'parties'), '"all" binds fewer than two participating states');
    const tp = path('notifications', id, 'trigger');
    const t = n.trigger;
    if (n.withoutNotice !== undefined && t.kind !== 'activity')
      report(
        path('notifications', id, 'withoutNotice'),
        `only an activity is carried out without notice, not a ${t.kind}`,
      );
    for (const field of ['calendar', 'constraints'] as const) {
      if (n[field] !== undefined && t.kind !== 'activity')
        report(path('notifications', id, field), `only an activity rule has ${field}, not a ${t.kind} rule`);
    }
    const thresholds = (p: Path, list: readonly { category: string }[] | undefined) => {
      list?.forEach((th, i) => {
        ref([...p, i, 'category'], 'categories', th.category);
      });
    };
    if (t.kind === 'movement' || t.kind === 'status-change') refs([...tp, 'categories'], 'categories', t.categories);
    if (t.kind !== 'concern' && t.zone !== undefined) ref([...tp, 'zone'], 'zones', t.zone);
    if (t.kind === 'activity') {
      thresholds([...tp, 'anyOf'], t.anyOf);
      thresholds([...tp, 'air'], t.air);
      thresholds([...tp, 'observation'], t.observation);
      thresholds(path('notifications', id, 'calendar', 'anyOf'), n.calendar?.anyOf);
      n.constraints?.forEach((c, i) => {
        thresholds(path('notifications', id, 'constraints', i, 'anyOf'), c.anyOf);
        thresholds(path('notifications', id, 'constraints', i, 'unless'), c.unless);
      });
    }
    if (n.catalogue) {
      const np = path('notifications', id, 'catalogue', 'number');
      const first = numberAt.get(n.catalogue.number);
      if (first) report(np, `number ${n.catalogue.number} is also ${first}`);
      else numberAt.set(n.catalogue.number, `"${id}"'s`);
      const seen = new Set<string>();
      n.catalogue.fields.forEach((f, i) => {
        if (seen.has(f)) report(path('notifications', id, 'catalogue', 'fields', i), `"${f}" is listed twice`);
        seen.add(f);
      });
    }
  }

  for (const [id, t] of v.types) {
    if (!ref(path('types', id, 'category'), 'categories', t.category)) continue;
    const c = v.categories.get(t.category);
    if (c?.kind === 'quantity') {
      report(path('types', id, 'category'), `"${c.id}" is a quantity category: it has no items to be of a type`);
      continue;
    }
    for (const a of Object.keys(t.attributes ?? {})) {
      if (c && !c.attributes?.includes(a))
        report(path('types', id, 'attributes', a), `category "${c.id}" has no attribute "${a}"`);
    }
  }

  for (const [id, t] of v.inspections) {
    const entry = t.timeLimits?.entry;
    // No request could both give the notice and have its inspectors let in within the entry limit.
    if (entry !== undefined && addDuration(0, entry) < addDuration(0, t.notice))
      report(path('inspections', id, 'timeLimits', 'entry'), `${entry} is shorter than the notice (${t.notice})`);
    const hosts = new Set<string>();
    t.pairs.forEach((pair, i) => {
      const pp = path('inspections', id, 'pairs', i);
      ref([...pp, 'inspector'], 'parties', pair.inspector);
      ref([...pp, 'host'], 'parties', pair.host);
      if (pair.inspector === pair.host) report([...pp, 'host'], 'a party does not inspect itself');
      hosts.add(pair.host);
    });
    const units = t.quota.fromUnits;
    if (units) ref(path('inspections', id, 'quota', 'fromUnits', 'category'), 'categories', units.category);
    const wp = path('inspections', id, 'where');
    if (t.where.siteKinds) refs([...wp, 'siteKinds'], 'siteKinds', t.where.siteKinds);
    if (t.where.sites) {
      refs([...wp, 'sites'], 'sites', t.where.sites);
      t.where.sites.forEach((s, i) => {
        const site = v.sites.get(s);
        if (site && known.parties.has(site.host) && !hosts.has(site.host)) {
          report([...wp, 'sites', i], `site "${s}" is hosted by "${site.host}", which no pair names as host`);
        }
      });
      if (t.selection && t.selection.count > t.where.sites.length) {
        report(
          path('inspections', id, 'selection', 'count'),
          `${t.selection.count} sites chosen from ${t.where.sites.length} listed`,
        );
      }
    }
    t.verifies.forEach((what, i) => {
      const vp = path('inspections', id, 'verifies', i);
      refs([...vp, 'categories'], 'categories', what.categories);
      if (what.kind === 'absence' && what.types) {
        refs([...vp, 'types'], 'types', what.types);
        what.types.forEach((tid, j) => {
          const ty = v.types.get(tid);
          if (ty && !what.categories.includes(ty.category))
            report(
              [...vp, 'types', j],
              `type "${tid}" is of category "${ty.category}", which this check does not list`,
            );
        });
      }
      if (what.kind === 'configuration') {
        const seen = new Set<string>();
        what.expected.forEach((x, j) => {
          if (seen.has(x.attribute)) report([...vp, 'expected', j, 'attribute'], `"${x.attribute}" is listed twice`);
          seen.add(x.attribute);
        });
      }
      if (what.kind !== 'declared-items') return;
      what.categories.forEach((cid, j) => {
        const c = v.categories.get(cid);
        if (c?.kind === 'quantity')
          report([...vp, 'categories', j], `"${cid}" is a quantity category: it has no declared items`);
      });
      what.attributes?.forEach((a, j) => {
        const has = what.categories.some((cid) => v.categories.get(cid)?.attributes?.includes(a));
        if (!has) report([...vp, 'attributes', j], `no listed category has attribute "${a}"`);
      });
    });
  }

  for (const [id, m] of v.metrics) {
    ref(path('metrics', id, 'party'), 'parties', m.party);
    ref(path('metrics', id, 'zone'), 'zones', m.zone);
    counted(path('metrics', id, 'counts'), m.counts);
    const ep = path('metrics', id, 'evidence');
    if (m.evidence.sources) {
      refs([...ep, 'sources'], 'parties', m.evidence.sources);
      const i = m.evidence.sources.indexOf(m.party);
      if (i >= 0) report([...ep, 'sources', i], `"${m.party}" is the party observed, not an independent source`);
    }
    const eligible = m.evidence.sources
      ? new Set(m.evidence.sources.filter((s) => s !== m.party)).size
      : [...known.parties].filter((p) => p !== m.party).length;
    if (m.evidence.minSources > eligible) {
      report([...ep, 'minSources'], `${m.evidence.minSources} independent sources required, only ${eligible} possible`);
    }
  }

  for (const [id, o] of v.periodic) {
    if (o.parties !== 'all') refs(path('periodic', id, 'parties'), 'parties', o.parties);
    if (o.calendar !== undefined && ref(path('periodic', id, 'calendar'), 'notifications', o.calendar)) {
      const rule = v.notifications.get(o.calendar);
      if (rule && !rule.calendar)
        report(path('periodic', id, 'calendar'), `notification rule "${o.calendar}" asks for no annual calendar`);
    }
    if (o.until !== undefined && o.until < o.first)
      report(path('periodic', id, 'until'), `${o.until} is before first (${o.first})`);
    const first = Date.parse(`${o.first}T00:00:00Z`);
    if (o.every !== undefined) {
      const next = addDuration(first, o.every);
      if (next - first < DAY_MS) report(path('periodic', id, 'every'), 'expected a period of at least one day');
      // Due before its data date by a period or more: the deadline falls in an earlier occurrence's period.
      else if (o.deadline.before !== undefined && addDuration(next, o.deadline.before, -1) <= first) {
        report(
          path('periodic', id, 'deadline', 'before'),
          `${o.deadline.before} before the data date reaches back a whole period (every ${o.every}): the deadline falls before its period`,
        );
      }
    }
  }

  for (const [id, m] of v.consultations) {
    refs(path('consultations', id, 'parties'), 'parties', m.parties);
    const seen = new Set<string>();
    m.stages.forEach((s, i) => {
      if (seen.has(s.id)) report(path('consultations', id, 'stages', i, 'id'), `duplicate stage id "${s.id}"`);
      seen.add(s.id);
    });
    if (m.sessions?.until !== undefined && m.sessions.until < m.sessions.from)
      report(path('consultations', id, 'sessions', 'until'), `${m.sessions.until} is before from (${m.sessions.from})`);
  }

  for (const id of v.missions.keys()) ref(path('missions', id, 'id'), 'inspections', id);
  for (const [id, f] of v.forums) {
    refs(path('forums', id, 'parties'), 'parties', f.parties);
    refs(path('forums', id, 'consulted'), 'parties', f.consulted ?? []);
  }
  for (const [id, t] of v.tracks) {
    ref(path('tracks', id, 'forum'), 'forums', t.forum);
    if (t.gate) ref(path('tracks', id, 'gate', 'metric'), 'metrics', t.gate.metric);
    // A consulted party is heard through its own proposals, so it must sit in the forum or be consulted there.
    const forum = v.forums.get(t.forum);
    t.gate?.consulted?.forEach((p, i) => {
      const at = path('tracks', id, 'gate', 'consulted', i);
      if (!ref(at, 'parties', p) || !forum) return;
      if (!forum.parties.includes(p) && !(forum.consulted ?? []).includes(p))
        report(at, `"${p}" neither sits in nor is consulted by forum "${forum.id}", so it cannot be heard there`);
    });
  }

  for (const [id, c] of v.commitments) {
    ref(path('commitments', id, 'party'), 'parties', c.party);
    c.undertakes.forEach((u, i) => {
      const up = path('commitments', id, 'undertakes', i);
      if (u.kind === 'limit' && ref([...up, 'limit'], 'limits', u.limit)) {
        const l = v.limits.get(u.limit);
        if (l && !l.parties.includes(c.party))
          report([...up, 'limit'], `limit "${u.limit}" does not bind "${c.party}"`);
      } else if (u.kind === 'host-inspections' && ref([...up, 'inspection'], 'inspections', u.inspection)) {
        const t = v.inspections.get(u.inspection);
        if (t && !t.pairs.some((p) => p.host === c.party)) {
          report([...up, 'inspection'], `inspection type "${u.inspection}" has no pair with "${c.party}" as host`);
        }
      } else if (u.kind === 'notify' && ref([...up, 'rule'], 'notifications', u.rule)) {
        const n = v.notifications.get(u.rule);
        if (n && !ruleParties({ parties: partiesOfDoc }, n).includes(c.party))
          report([...up, 'rule'], `notification rule "${u.rule}" does not name "${c.party}"`);
      } else if (u.kind === 'metric' && ref([...up, 'metric'], 'metrics', u.metric)) {
        const m = v.metrics.get(u.metric);
        if (m && m.party !== c.party)
          report([...up, 'metric'], `metric "${u.metric}" measures "${m.party}", not "${c.party}"`);
      }
    });
    c.conditions.forEach((cond, i) => {
      const cp = path('commitments', id, 'conditions', i);
      if (cond.kind === 'accepted' || cond.kind === 'in-force') {
        if (cond.commitment === id) report([...cp, 'commitment'], 'a commitment cannot be conditioned on itself');
        else ref([...cp, 'commitment'], 'commitments', cond.commitment);
      } else if (cond.kind === 'metric-met') {
        ref([...cp, 'metric'], 'metrics', cond.metric);
      } else if (cond.from !== undefined && cond.until !== undefined && cond.until < cond.from) {
        report([...cp, 'until'], `${cond.until} is before from (${cond.from})`);
      }
    });
  }
  for (const cycle of inForceCycles(v.commitments)) {
    const [first, second] = cycle;
    const i = v.commitments.get(first!)!.conditions.findIndex((c) => c.kind === 'in-force' && c.commitment === second);
    report(path('commitments', first!, 'conditions', i), `conditions form a cycle: ${cycle.join(' -> ')}`);
  }

  if (isPlainObject(doc.escrow) && isPlainObject(doc.escrow.padding)) {
    const { multipleOf, maxLeaves } = doc.escrow.padding;
    if (typeof multipleOf === 'number' && typeof maxLeaves === 'number' && maxLeaves < multipleOf) {
      report(['escrow', 'padding', 'maxLeaves'], `${maxLeaves} is less than multipleOf (${multipleOf})`);
    }
  }
  if (isPlainObject(doc.escrow) && Array.isArray(doc.escrow.phases)) {
    doc.escrow.phases.forEach((phase, i) => {
      if (!isPlainObject(phase)) return;
      const pp: Path = ['escrow', 'phases', i];
      const { region, party } = phase;
      if (typeof region === 'string' && !known.zones.has(region) && !known.sites.has(region)) {
        report([...pp, 'region'], `"${region}" is neither a zone nor a site of this regime`);
      }
      if (typeof party === 'string') ref([...pp, 'party'], 'parties', party);
    });
  }
  problems.push(
    ...audienceProblems({
      parties: v.parties,
      notifications: v.notifications,
      inspections: v.inspections,
      audiences: doc.audiences,
      knownParties: known.parties,
      pathOf: (col, id) => path(col, id),
    }),
  );
  return problems;
}

/**
 * Cycles among `in-force` conditions, as lists of ids that start and end with the same id: one per back edge of a
 * depth-first search in document order, so every cyclic knot is reported, and the report is stable.
 */
function inForceCycles(commitments: Map<string, Commitment>): string[][] {
  const edges = (id: string) =>
    (commitments.get(id)?.conditions ?? []).flatMap((c) =>
      c.kind === 'in-force' && c.commitment !== id && commitments.has(c.commitment) ? [c.commitment] : [],
    );
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  // Iterative depth-first search: a long chain of conditions must not overflow the call stack.
  for (const root of commitments.keys()) {
    if (state.has(root)) continue;
    const frames: { id: string; next: string[] }[] = [{ id: root, next: edges(root) }];
    state.set(root, 'open');
    stack.push(root);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      const to = frame.next.shift();
      if (to === undefined) {
        state.set(frame.id, 'done');
        stack.pop();
        frames.pop();
      } else if (state.get(to) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(to)), to]);
      } else if (!state.has(to)) {
        state.set(to, 'open');
        stack.push(to);
        frames.push({ id: to, next: edges(to) });
      }
    }
  }
  return cycles;
}
