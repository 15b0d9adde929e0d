/**
 * Inspection missions (src/engine/missions.ts) under the scenario's New START Type One rules: lists and a late
 * objection, the arrival notified with less than 32 hours, the designation and briefing, a refusal (a finding
 * against the host), a postponement and force majeure, each with the quota effect the regime gives it; and a step
 * by the wrong side, which changes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEntry, Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { parseRegime } from '../src/model/index.js';
import { ref, Script, text } from './engine-helpers.js';
import { publicKeyOf, scenarioText } from './model-helpers.js';

const missions = (fs: Finding[]) => fs.filter((f) => f.rule.startsWith('mission.')).map((f) => `${f.rule} ${f.party}`);
const request = (s: Script, site: string, at: string, arrival: string) =>
  s.add('us', 'inspection-request', { inspection: 'nst-type-one', host: 'ru', site, arrival, inspectors: 2 }, at);
const step = (s: Script, party: string, body: unknown, at: string) =>
  s.add(party, 'mission', body, at, { key: `${party}-inspector` });

/** Three requests for 1 April 2022, to be answered by threeOutcomes. */
const threeRequests = (s: Script): [EngineEntry, EngineEntry, EngineEntry] => [
  request(s, 'kozelsk', '2022-04-01T00:00:00Z', '2022-04-04T08:00:00Z'),
  request(s, 'engels', '2022-04-01T01:00:00Z', '2022-04-04T08:00:00Z'),
  request(s, 'engels', '2022-04-01T02:00:00Z', '2022-04-05T08:00:00Z'),
];

/** Russia's three outcomes of three requests (threeRequests' by default): a refusal, a postponement, force majeure. */
function threeOutcomes(s: Script, [a, b, c] = threeRequests(s)): void {
  const reason = text('Closed.');
  step(s, 'ru', { step: 'refusal', request: ref(a), reason }, '2022-04-02T00:00:00Z');
  step(
    s,
    'ru',
    { step: 'postponement', request: ref(b), until: '2022-05-01T00:00:00Z', reason },
    '2022-04-02T01:00:00Z',
  );
  step(s, 'ru', { step: 'force-majeure', request: ref(c), reason }, '2022-04-02T02:00:00Z');
}

describe('inspection missions', () => {
  it('lists, a late objection, an arrival with short notice, designation and briefing', () => {
    const s = new Script();
    s.signAll('2022-01-27');
    const lists = step(
      s,
      'us',
      { step: 'lists', inspection: 'nst-type-one', host: 'ru', inspectors: ['A', 'B'], aircrew: ['C'] },
      '2022-03-01T00:00:00Z',
    );
    step(s, 'ru', { step: 'objection', lists: ref(lists), names: ['B', 'Z'] }, '2022-03-25T00:00:00Z');
    const r = request(s, 'kozelsk', '2022-04-01T00:00:00Z', '2022-04-04T08:00:00Z');
    step(
      s,
      'us',
      { step: 'arrival', request: ref(r), pointOfEntry: 'Moscow', eta: '2022-04-04T06:00:00Z' },
      '2022-04-03T00:00:00Z',
    );
    step(s, 'us', { step: 'designation', request: ref(r), site: 'kozelsk' }, '2022-04-04T08:00:00Z');
    step(
      s,
      'ru',
      { step: 'briefing', request: ref(r), diagrams: [], equipment: [text('Scales')] },
      '2022-04-04T09:00:00Z',
    );
    const { state, findings } = s.evaluate('2022-04-04T10:00:00Z');
    expect(missions(findings)).toEqual(['mission.objection-late ru', 'mission.arrival-notice-short us']);
    const short = findings.find((f) => f.rule === 'mission.arrival-notice-short')!;
    expect(renderMessage(short.message, 'en')).toBe(
      'us notified its arrival at Moscow (estimated 2022-04-04 06:00 UTC) with less than 32 h notice',
    );
    expect(state.missions.lists).toMatchObject([
      {
        inspector: 'us',
        host: 'ru',
        inspectors: 2,
        aircrew: 1,
        objected: ['B'],
        objectionsDue: '2022-03-21T00:00:00.000Z',
      },
    ]);
    expect(state.missions.missions).toMatchObject([
      {
        site: 'kozelsk',
        arrival: { notice: 'short', pointOfEntry: 'Moscow' },
        designated: 'kozelsk',
        briefing: { diagrams: 0, equipment: 1 },
      },
    ]);
    expect(state.missions.missions[0]!.quota).toBeUndefined();
  });

  it('refusal is a finding against the host; postponement and force majeure are not; each states its quota effect', () => {
    const s = new Script();
    s.signAll('2022-01-27');
    threeOutcomes(s);
    const { state, findings } = s.evaluate('2022-04-03');
    expect(missions(findings)).toEqual(['mission.refused ru']);
    expect(state.missions.missions.map((m) => [m.outcome?.step, m.quota])).toEqual([
      ['refusal', 'not-consumed'],
      ['postponement', 'not-consumed'],
      ['force-majeure', 'not-consumed'],
    ]);
  });

  it('a step by the wrong side, for no request, or after a refusal is reported and changes nothing', () => {
    const s = new Script();
    s.signAll('2022-01-27');
    const r: EngineEntry = request(s, 'kozelsk', '2022-04-01T00:00:00Z', '2022-04-04T08:00:00Z');
    step(s, 'us', { step: 'refusal', request: ref(r), reason: text('x') }, '2022-04-02T00:00:00Z');
    step(
      s,
      'ru',
      { step: 'arrival', request: ref(r), pointOfEntry: 'X', eta: '2022-04-04T06:00:00Z' },
      '2022-04-02T01:00:00Z',
    );
    step(s, 'ru', { step: 'refusal', request: ref(r), reason: text('x') }, '2022-04-02T02:00:00Z');
    step(s, 'ru', { step: 'briefing', request: ref(r), diagrams: [], equipment: [] }, '2022-04-02T03:00:00Z');
    const { state, findings } = s.evaluate('2022-04-03');
    expect(findings.filter((f) => f.rule.startsWith('mission.')).map((f) => f.message.code)).toEqual([
      'mission.step-misplaced.side',
      'mission.step-misplaced.side',
      'mission.refused',
      'mission.step-misplaced.closed',
    ]);
    expect(state.missions.missions[0]!.arrival).toBeUndefined();
    expect(state.missions.missions[0]!.briefing).toBeUndefined();
  });

  /** Type One quota used by us at ru in the treaty year from 5 Feb 2022, and the requests' statuses. */
  const quotaOf = (state: ReturnType<Script['evaluate']>['state']) =>
    state.inspections.quotas.find((q) => q.inspection === 'nst-type-one' && q.inspector === 'us')!;

  it('a refused, postponed or force-majeure request gives its quota back where the regime says not consumed', () => {
    const s = new Script();
    s.signAll('2022-01-27');
    const answered = threeRequests(s);
    request(s, 'gadzhiyevo', '2022-04-01T03:00:00Z', '2022-04-05T08:00:00Z');
    expect(quotaOf(s.evaluate('2022-04-01T04:00:00Z').state)).toMatchObject({ used: 4, left: 6 });
    threeOutcomes(s, answered);
    const { state, findings } = s.evaluate('2022-04-20');
    expect(quotaOf(state)).toMatchObject({ used: 1, left: 9 });
    // The refusal is one finding (mission.refused), the force majeure none; the postponed one is not due until May;
    // only the request nobody answered is not conducted.
    expect(
      findings
        .filter((f) => f.rule.startsWith('inspection.') || f.rule.startsWith('mission.'))
        .map((f) => `${f.rule} ${f.site}`),
    ).toEqual(['mission.refused kozelsk', 'inspection.not-conducted gadzhiyevo']);
    expect(state.inspections.items.map((i) => [i.site, i.status, i.mission])).toEqual([
      ['kozelsk', 'refused', 'refusal'],
      ['engels', 'requested', 'postponement'],
      ['engels', 'not-due', 'force-majeure'],
      ['gadzhiyevo', 'not-conducted', undefined],
    ]);
    // Past its new date, the postponed inspection not conducted is the host's finding.
    expect(
      s
        .findings('2022-05-10')
        .filter((f) => f.rule === 'inspection.not-conducted')
        .map((f) => f.site)
        .sort(),
    ).toEqual(['engels', 'gadzhiyevo']);
  });

  it('where the regime says consumed, the quota stays used', () => {
    const source = scenarioText().replace(
      'quota: { refused: not-consumed, postponed: not-consumed, forceMajeure: not-consumed }',
      'quota: { refused: consumed, postponed: consumed, forceMajeure: not-consumed }',
    );
    const regime = parseRegime(source, { keys: (id) => publicKeyOf(id) });
    expect(regime.missions![0]!.quota.refused).toBe('consumed');
    const s = new Script(regime);
    s.signAll('2022-01-27');
    threeOutcomes(s);
    const { state } = s.evaluate('2022-04-03');
    expect(quotaOf(state)).toMatchObject({ used: 2, left: 8 });
    expect(state.missions.missions.map((m) => m.quota)).toEqual(['consumed', 'consumed', 'not-consumed']);
  });

  it('an outcome after the request was refused by an inspection-refusal changes nothing more', () => {
    const s = new Script();
    s.signAll('2022-01-27');
    const a = request(s, 'kozelsk', '2022-04-01T00:00:00Z', '2022-04-04T08:00:00Z');
    s.add('ru', 'inspection-refusal', { request: ref(a), reason: text('No.') }, '2022-04-01T12:00:00Z');
    step(s, 'ru', { step: 'force-majeure', request: ref(a), reason: text('Storm.') }, '2022-04-02T00:00:00Z');
    const { state, findings } = s.evaluate('2022-04-20');
    expect(quotaOf(state)).toMatchObject({ used: 0 });
    expect(findings.filter((f) => f.rule === 'inspection.refused')).toHaveLength(1);
  });
});
