/**
 * Incidents: the findings that come from one event, grouped, with the evidence graded and each party's own
 * assessment beside them. The engine's findings are indicators, not verdicts (compliance assessment is a national,
 * political act): one missing bomber at Engels is both `escrow.declared-not-found` and `inspection.item-not-found`,
 * and an analyst wants one incident that cites both rules, the sources behind it and what each side says about it.
 *
 * Two findings are of one event when they concern the same party, took effect within `INCIDENT_WINDOW_MS` of each
 * other, and either cite a common entry or happened at the same place (a site, or the zone of a limit or metric).
 * Incidents are the connected groups of that relation, so they are a pure function of the findings (and of the
 * evidence records the lookup gives): the order findings come in changes nothing, and every finding is in exactly
 * one incident (property tests in test/engine-incidents.test.ts).
 */
import type { AssessmentPosition, EnvelopeOf, Regime, RegimeIndex } from '../model/index.js';
import type { Finding, RuleId } from './findings.js';
import { type Message, msg } from './messages.js';
import { iso } from './time.js';
import { byString, compareRefs, type EntryRef, refKey } from './types.js';

/**
 * Findings further apart than this are never of one event. A week, the window within which the engine takes
 * independent sources as seeing the same thing (metrics.ts): an inspection and its opening, an observation and the
 * notification it shows missing, fall well within it.
 */
export const INCIDENT_WINDOW_MS = 7 * 24 * 3600 * 1000;

/**
 * What kind of source an entry is. `cooperative`: the party concerned let it happen (an inspection, an on-site
 * visit); `national-technical-means`: imagery or sensors of the observing party; `open-source`: published material;
 * `record`: an entry that states something rather than observes it (a declaration, a notification, a request).
 */
export type SourceClass = 'cooperative' | 'national-technical-means' | 'open-source' | 'record' | 'other';

/**
 * The author of a source as against the party the incident concerns: the party itself, another party to the
 * regime, or an observer. Only an observer is counted as independent of the parties concerned; the engine cannot
 * know alliances, so the board names every author and leaves that judgement to the reader.
 */
export type SourceRelation = 'self' | 'counterpart' | 'observer';

/** What the engine keeps of an entry that observes something (observations and inspection reports). */
export interface SourceRecord {
  party: string;
  type: 'observation' | 'inspection-report';
  class: SourceClass;
  /** SHA-256 of each evidence file (imagery, documents), as blobs. */
  files: readonly string[];
  /** An inspection report the host's escort countersigned. */
  countersigned?: boolean;
}

export interface EvidenceSource {
  ref: EntryRef;
  party: string;
  /** The entry type, when the engine kept a record of it (observations and reports). */
  type?: SourceRecord['type'];
  class: SourceClass;
  relation: SourceRelation;
  independent: boolean;
  files: string[];
  countersigned?: boolean;
}

/**
 * How strong the evidence is, from what the sources are rather than what they say:
 * `cooperative-endorsed` an inspection report the party concerned countersigned; `cooperative` an inspection or
 * on-site visit it did not endorse; `corroborated` two or more authors other than the party concerned;
 * `single-source` one such author; `own-record` only the party's own entries (a late notification, a declaration).
 */
export type EvidenceGrade = 'cooperative-endorsed' | 'cooperative' | 'corroborated' | 'single-source' | 'own-record';

export interface Evidence {
  grade: EvidenceGrade;
  sources: EvidenceSource[];
  /** The distinct authors of the sources. */
  authors: string[];
  /** How many of those authors are independent of the parties concerned (observers). */
  independent: number;
  /** Every evidence file the sources attach (SHA-256), sorted. */
  files: string[];
}

/** A party's own assessment of an incident (the latest it recorded). */
export interface Assessment {
  party: string;
  position: AssessmentPosition;
  at: string;
  /** The finding id the entry named. */
  names: string;
  ref: EntryRef;
}

/** An assessment entry as the engine keeps it until incidents are asked for. */
export interface AssessmentRecord {
  party: string;
  position: AssessmentPosition;
  at: number;
  names: string;
  ref: EntryRef;
}

export interface Incident {
  /** `incident/` and the id of its first finding (time, then id). */
  id: string;
  /** The party the indicators concern. */
  party: string;
  from: string;
  to: string;
  /** Where, as `site:<id>` or `zone:<id>`, when the findings say. */
  places: string[];
  /** Every rule its findings cite, sorted. */
  rules: RuleId[];
  /** Its findings' ids, in canonical order (time, then id). */
  findings: string[];
  /** What the indicators are, as a message (never a verdict). */
  message: Message;
  /** The question the incident puts to the party concerned. */
  question: Message;
  evidence: Evidence;
  /** Each party's latest assessment, by party. */
  assessments: Assessment[];
  refs: EntryRef[];
}

/** What grouping needs besides the findings: the regime (places, parties) and the records of sources. */
export interface IncidentContext {
  regime: Regime;
  ix: RegimeIndex;
  source(ref: EntryRef): SourceRecord | undefined;
}

/** Where a finding happened: its site, or the zone of the limit or metric it is about. */
function placeOf(f: Finding, ix: RegimeIndex): string | undefined {
  if (f.site !== undefined) return `site:${f.site}`;
  const zone =
    f.breaks.kind === 'limit'
      ? ix.limits.get(f.breaks.id)?.zone
      : f.breaks.kind === 'metric'
        ? ix.metrics.get(f.breaks.id)?.zone
        : undefined;
  return zone === undefined ? undefined : `zone:${zone}`;
}

const byTimeThenId = (a: Finding, b: Finding) => byString(a.at, b.at) || byString(a.id, b.id);

/** Groups findings into incidents (sorted by time, then id). A pure function: see the file's comment. */
export function groupIncidents(
  findings: readonly Finding[],
  ctx: IncidentContext,
  assessments: readonly AssessmentRecord[] = [],
): Incident[] {
  // Distinct ids, in a fixed order, whatever order they came in.
  const list = [...new Map(findings.map((f) => [f.id, f])).values()].sort(byTimeThenId);
  const parent = list.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const join = (a: number, b: number) => {
    const ra = root(a);
    const rb = root(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  // Findings sharing a key (party + entry, or party + place), in time order: linking each to the next within the
  // window gives the same groups as linking every pair within it, at the cost of a sort.
  const buckets = new Map<string, number[]>();
  const put = (key: string, i: number) => {
    const b = buckets.get(key);
    if (b) b.push(i);
    else buckets.set(key, [i]);
  };
  const times = list.map((f) => Date.parse(f.at));
  list.forEach((f, i) => {
    for (const r of f.refs) put(`${f.party}\u0000ref\u0000${refKey(r)}`, i);
    const place = placeOf(f, ctx.ix);
    if (place !== undefined) put(`${f.party}\u0000place\u0000${place}`, i);
  });
  for (const members of buckets.values()) {
    for (let k = 1; k < members.length; k++) {
      const a = members[k - 1]!;
      const b = members[k]!;
      if (times[b]! - times[a]! <= INCIDENT_WINDOW_MS) join(a, b);
    }
  }
  const groups = new Map<number, Finding[]>();
  list.forEach((f, i) => {
    const r = root(i);
    const g = groups.get(r);
    if (g) g.push(f);
    else groups.set(r, [f]);
  });
  const incidents = [...groups.values()].map((g) => incidentOf(g, ctx, assessments));
  return incidents.sort((a, b) => byString(a.from, b.from) || byString(a.id, b.id));
}

function incidentOf(group: Finding[], ctx: IncidentContext, records: readonly AssessmentRecord[]): Incident {
  const first = group[0]!;
  const party = first.party;
  const ids = group.map((f) => f.id);
  const rules = [...new Set(group.map((f) => f.rule))].sort(byString);
  const places = [...new Set(group.map((f) => placeOf(f, ctx.ix)).filter((p): p is string => p !== undefined))].sort(
    byString,
  );
  const refs = new Map<string, EntryRef>();
  for (const f of group) for (const r of f.refs) refs.set(refKey(r), r);
  const sortedRefs = [...refs.values()].sort(compareRefs);
  const evidence = evidenceOf(party, sortedRefs, ctx);
  const named = new Set(ids);
  const latest = new Map<string, AssessmentRecord>();
  for (const a of records) {
    if (!named.has(a.names)) continue;
    const prev = latest.get(a.party);
    if (!prev || prev.at < a.at || (prev.at === a.at && compareRefs(prev.ref, a.ref) < 0)) latest.set(a.party, a);
  }
  const assessments = [...latest.values()]
    .sort((a, b) => byString(a.party, b.party))
    .map((a) => ({ party: a.party, position: a.position, at: iso(a.at), names: a.names, ref: a.ref }));
  const site = places.find((p) => p.startsWith('site:'))?.slice(5);
  const zone = places.find((p) => p.startsWith('zone:'))?.slice(5);
  // The group keeps the findings' canonical order (time, then id).
  const from = first.at;
  const to = group[group.length - 1]!.at;
  return {
    id: `incident/${first.id}`,
    party,
    from,
    to,
    places,
    rules,
    findings: ids,
    message: msg(site !== undefined || zone !== undefined ? 'incident.indicators.at' : 'incident.indicators', {
      party,
      n: rules.length,
      rules,
      place: site ?? zone,
      findings: ids.length,
    }),
    question: msg(site !== undefined || zone !== undefined ? 'incident.question.at' : 'incident.question', {
      party,
      from,
      to,
      place: site ?? zone,
    }),
    evidence,
    assessments,
    refs: sortedRefs,
  };
}

function classOf(e: EnvelopeOf<'observation'>['body']['method']): SourceClass {
  switch (e) {
    case 'on-site':
      return 'cooperative';
    case 'overhead-imagery':
    case 'sensor':
      return 'national-technical-means';
    case 'open-source':
      return 'open-source';
    default:
      return 'other';
  }
}

/** What the engine keeps of an observation or an inspection report, for grading the evidence it gives. */
export function sourceRecord(e: EnvelopeOf<'observation'> | EnvelopeOf<'inspection-report'>): SourceRecord {
  const files = (e.body.evidence ?? []).map((b) => b.sha256);
  if (e.type === 'observation') return { party: e.party, type: e.type, class: classOf(e.body.method), files };
  return {
    party: e.party,
    type: e.type,
    class: 'cooperative',
    files,
    ...(e.body.countersignature ? { countersigned: true } : {}),
  };
}

function evidenceOf(party: string, refs: readonly EntryRef[], ctx: IncidentContext): Evidence {
  const partyOfOrigin = new Map(ctx.regime.parties.map((p) => [p.origin, p]));
  const sources: EvidenceSource[] = refs.map((ref) => {
    const rec = ctx.source(ref);
    const author = rec?.party ?? partyOfOrigin.get(ref.origin)?.id ?? ref.origin;
    const status = ctx.ix.parties.get(author)?.status;
    const relation: SourceRelation = author === party ? 'self' : status === 'observer' ? 'observer' : 'counterpart';
    return {
      ref,
      party: author,
      ...(rec ? { type: rec.type } : {}),
      class: rec?.class ?? 'record',
      relation,
      independent: relation === 'observer',
      files: [...(rec?.files ?? [])].sort(byString),
      ...(rec?.countersigned ? { countersigned: true } : {}),
    };
  });
  const others = new Set(sources.filter((s) => s.relation !== 'self').map((s) => s.party));
  const cooperative = sources.filter((s) => s.class === 'cooperative' && s.relation !== 'self');
  const grade: EvidenceGrade = cooperative.some((s) => s.countersigned)
    ? 'cooperative-endorsed'
    : cooperative.length
      ? 'cooperative'
      : others.size >= 2
        ? 'corroborated'
        : others.size === 1
          ? 'single-source'
          : 'own-record';
  const authors = [...new Set(sources.map((s) => s.party))].sort(byString);
  return {
    grade,
    sources,
    authors,
    independent: new Set(sources.filter((s) => s.independent).map((s) => s.party)).size,
    files: [...new Set(sources.flatMap((s) => s.files))].sort(byString),
  };
}

/**
 * The engine's side: keeps what grading needs of each observation and report (a few fields, not the entry) and
 * every assessment; groups the findings when asked.
 */
export class Incidents {
  /** By log origin, then index: no key string per observation (a fold may hold hundreds of thousands). */
  readonly #sources = new Map<string, Map<number, SourceRecord>>();
  readonly #assessments: AssessmentRecord[] = [];

  source(e: EnvelopeOf<'observation'> | EnvelopeOf<'inspection-report'>, ref: EntryRef): void {
    let byIndex = this.#sources.get(ref.origin);
    if (!byIndex) {
      byIndex = new Map();
      this.#sources.set(ref.origin, byIndex);
    }
    byIndex.set(ref.index, sourceRecord(e));
  }

  assessment(e: EnvelopeOf<'assessment'>, ref: EntryRef, at: number): void {
    this.#assessments.push({ party: e.party, position: e.body.position, at, names: e.body.incident, ref });
  }

  group(findings: readonly Finding[], regime: Regime, ix: RegimeIndex): Incident[] {
    return groupIncidents(
      findings,
      { regime, ix, source: (r) => this.#sources.get(r.origin)?.get(r.index) },
      this.#assessments,
    );
  }
}
