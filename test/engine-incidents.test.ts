/**
 * Incidents (src/engine/incidents.ts): findings of one event grouped, evidence graded, each party's assessment
 * beside them. Properties over generated findings; known answers from the 2022 scenario played into real logs.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AssessmentRecord,
  type Finding,
  groupIncidents,
  INCIDENT_WINDOW_MS,
  type Incident,
  type IncidentContext,
  type SourceRecord,
} from '../src/engine/index.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { renderMessage } from '../src/i18n/index.js';
import { type EntryRef, regimeIndex } from '../src/model/index.js';
import { canonical } from './engine-helpers.js';
import { tempDirs } from './helpers/tmp.js';
import { loadScenario } from './model-helpers.js';

const regime = loadScenario();
const ix = regimeIndex(regime);
const origins = regime.parties.map((p) => p.origin);
const leaf = (n: number) => n.toString(16).padStart(64, '0');
const refOf = (origin: number, index: number): EntryRef => ({
  origin: origins[origin % origins.length]!,
  index,
  leafHash: leaf(origin * 1000 + index),
});
const T0 = Date.parse('2022-03-01T00:00:00Z');

/** A finding as the engine writes one; what grouping reads is party, time, site, breaks and refs. */
function findingOf(i: number, f: { party: string; day: number; site?: string; refs: EntryRef[] }): Finding {
  return {
    id: `inspection.item-not-found/x#${i}`,
    rule: i % 2 ? 'inspection.item-not-found' : 'escrow.declared-not-found',
    severity: 'major',
    party: f.party,
    at: new Date(T0 + f.day * 3600 * 1000).toISOString(),
    breaks: { kind: 'inspection', id: 'nst-type-one' },
    ...(f.site !== undefined ? { site: f.site } : {}),
    message: { code: 'inspection.item-not-found', params: {} },
    refs: f.refs,
  };
}

const arbFindings = fc
  .array(
    fc.record({
      party: fc.constantFrom('us', 'ru', 'nato'),
      day: fc.integer({ min: 0, max: 24 * 60 }),
      site: fc.option(fc.constantFrom('engels', 'mozdok', 'minot'), { nil: undefined }),
      refs: fc.array(
        fc.tuple(fc.nat(2), fc.nat(6)).map(([o, i]) => refOf(o, i)),
        { maxLength: 3 },
      ),
    }),
    { maxLength: 40 },
  )
  .map((list) => list.map((f, i) => findingOf(i, f)));

const sources = new Map<string, SourceRecord>();
const ctx: IncidentContext = { regime, ix, source: (r) => sources.get(`${r.origin}#${r.index}`) };

describe('incidents: properties', () => {
  it('are a pure function of the findings: any order gives the same incidents, byte for byte', () => {
    fc.assert(
      fc.property(arbFindings, fc.integer(), (findings, seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray(findings, { minLength: findings.length }), {
          seed,
          numRuns: 1,
        })[0]!;
        expect(canonical(groupIncidents(shuffled, ctx))).toBe(canonical(groupIncidents(findings, ctx)));
      }),
      { numRuns: 200 },
    );
  });

  it('put every finding in exactly one incident, of its own party, within one window of another of it', () => {
    fc.assert(
      fc.property(arbFindings, (findings) => {
        const incidents = groupIncidents(findings, ctx);
        const seen = incidents.flatMap((i) => i.findings);
        expect([...seen].sort()).toEqual(findings.map((f) => f.id).sort());
        const byId = new Map(findings.map((f) => [f.id, f]));
        for (const inc of incidents) {
          const members = inc.findings.map((id) => byId.get(id)!);
          expect(new Set(members.map((f) => f.party))).toEqual(new Set([inc.party]));
          expect(inc.id).toBe(`incident/${inc.findings[0]}`);
          expect(inc.rules).toEqual([...new Set(members.map((f) => f.rule))].sort());
          // Consecutive members in time are never further apart than a window (a chain of links).
          const times = members.map((f) => Date.parse(f.at)).sort((a, b) => a - b);
          for (let k = 1; k < times.length; k++)
            expect(times[k]! - times[k - 1]!).toBeLessThanOrEqual(INCIDENT_WINDOW_MS);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('join two findings of one party that share an entry or a site within the window, and no others', () => {
    const shared = refOf(1, 5);
    const a = findingOf(1, { party: 'ru', day: 0, refs: [shared] });
    const b = findingOf(2, { party: 'ru', day: 24 * 6, refs: [shared, refOf(0, 1)] });
    const c = findingOf(3, { party: 'ru', day: 24 * 6, site: 'engels', refs: [] });
    const d = findingOf(4, { party: 'ru', day: 24 * 8, site: 'engels', refs: [] });
    const e = findingOf(5, { party: 'us', day: 0, refs: [shared] });
    const far = findingOf(6, { party: 'ru', day: 24 * 30, refs: [shared] });
    const groups = groupIncidents([far, e, d, c, b, a], ctx).map((i) => i.findings);
    expect(groups).toEqual([[a.id, b.id], [e.id], [c.id, d.id], [far.id]]);
  });

  it("grade evidence by what the sources are, and keep each party's latest assessment", () => {
    const report = refOf(0, 1);
    const photo = refOf(2, 1);
    const own = refOf(1, 1);
    const s = new Map<string, SourceRecord>([
      [`${photo.origin}#1`, { party: 'nato', type: 'observation', class: 'national-technical-means', files: ['bb'] }],
      [`${report.origin}#1`, { party: 'us', type: 'inspection-report', class: 'cooperative', files: ['aa'] }],
    ]);
    const c2: IncidentContext = { ...ctx, source: (r) => s.get(`${r.origin}#${r.index}`) };
    const grade = (refs: EntryRef[]) => groupIncidents([findingOf(1, { party: 'ru', day: 0, refs })], c2)[0]!.evidence;
    expect(grade([own]).grade).toBe('own-record');
    expect(grade([own, photo])).toMatchObject({ grade: 'single-source', authors: ['nato', 'ru'], independent: 1 });
    expect(grade([photo, report])).toMatchObject({ grade: 'cooperative', files: ['aa', 'bb'], independent: 1 });
    expect(grade([photo, report]).sources.map((x) => [x.party, x.relation, x.class])).toEqual([
      ['nato', 'observer', 'national-technical-means'],
      ['us', 'counterpart', 'cooperative'],
    ]);
    s.set(`${report.origin}#1`, {
      party: 'us',
      type: 'inspection-report',
      class: 'cooperative',
      files: [],
      countersigned: true,
    });
    expect(grade([report]).grade).toBe('cooperative-endorsed');

    const f = findingOf(1, { party: 'ru', day: 0, refs: [report] });
    const g = findingOf(2, { party: 'ru', day: 1, refs: [report] });
    const rec = (party: string, position: AssessmentRecord['position'], hours: number, names: string, i: number) => ({
      party,
      position,
      at: T0 + hours * 3600 * 1000,
      names,
      ref: refOf(party === 'us' ? 0 : 1, 100 + i),
    });
    const records = [
      rec('us', 'concern', 10, f.id, 1),
      rec('us', 'resolved', 20, g.id, 2),
      rec('ru', 'no-concern', 5, g.id, 3),
      rec('ru', 'concern', 5, 'no-such-finding', 4),
    ];
    const [inc] = groupIncidents([g, f], c2, records) as [Incident];
    expect(inc.assessments.map((a) => [a.party, a.position, a.names])).toEqual([
      ['ru', 'no-concern', g.id],
      ['us', 'resolved', g.id],
    ]);
  });
});

describe('incidents: the 2022 scenario', () => {
  const tmp = tempDirs();
  let incidents: Incident[];
  let findings: Finding[];
  beforeAll(async () => {
    const dir = join(tmp(), 'play');
    await playScenario('european-security-2022', dir);
    // As the US reads it: the inspections below are sealed to the US and Russia.
    const f = foldDir(dir, { readAs: 'us' });
    const r = f.engine.evaluate(f.asOf);
    incidents = r.state.incidents;
    findings = r.findings;
    expect(canonical(f.engine.incidents(f.asOf))).toBe(canonical(incidents));
  });

  const containing = (rule: string, site: string) =>
    incidents.filter((i) =>
      i.findings.some((id) => findings.find((f) => f.id === id && f.rule === rule && f.site === site)),
    );

  it('report the missing bomber at Engels once: one incident citing both rules, on evidence the host endorsed', () => {
    const [engels, ...more] = containing('escrow.declared-not-found', 'engels');
    expect(more).toEqual([]);
    expect(engels!.rules).toEqual(['escrow.declared-not-found', 'inspection.item-not-found']);
    expect(engels!.places).toEqual(['site:engels']);
    expect(engels!.party).toBe('ru');
    // us's inspection report, which ru's escort countersigned, and ru's own opening.
    expect(engels!.evidence.grade).toBe('cooperative-endorsed');
    expect(engels!.evidence.sources.map((x) => [x.party, x.relation, x.class])).toEqual([
      ['ru', 'self', 'record'],
      ['us', 'counterpart', 'cooperative'],
    ]);
    expect(renderMessage(engels!.message, 'en')).toBe(
      // Rules by their titles (the catalogue renders {x:rule}), never their ids.
      '2 indicators concerning ru at engels (2 findings): an item opened at a site was not found there by the inspectors, a declared item was not found where declared',
    );
    expect(renderMessage(engels!.question, 'en')).toBe(
      'question for ru: what explains the records at engels between 2022-05-06 10:00 UTC and 2022-05-06 10:00 UTC?',
    );
    expect(renderMessage(engels!.message, 'ru')).toContain('2 признака в отношении ru');
  });

  it('report the discovery at Mozdok once, and every finding in exactly one incident', () => {
    const [mozdok, ...more] = containing('inspection.absence-not-confirmed', 'mozdok');
    expect(more).toEqual([]);
    expect(mozdok!.rules).toEqual([
      'escrow.found-not-declared',
      'inspection.absence-not-confirmed',
      'inspection.not-countersigned',
    ]);
    expect(mozdok!.evidence.grade).toBe('cooperative');
    const ids = incidents.flatMap((i) => i.findings);
    expect(ids.sort()).toEqual(findings.map((f) => f.id).sort());
    expect(incidents.length).toBeLessThan(findings.length);
  });
});
