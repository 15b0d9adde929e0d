/**
 * Inspections as treaties count them: evaluation visits derived from the units a state reported (VD11 ¶107–109:
 * one per 60 units or part thereof, at most 15 a year, at most a fifth from one state), and the host's refusal,
 * which gives the quota back and is the host's finding when the request was due.
 */
import { describe, expect, it } from 'vitest';
import { renderMessage } from '../src/i18n/index.js';
import { parseRegime, type Regime } from '../src/model/index.js';
import { Script } from './engine-helpers.js';
import { caught } from './model-helpers.js';
import { vdDoc, vdRegime } from './vd-helpers.js';

const TYPE = 'evaluation';

/** Evaluation visits to a (a-base) by every other participating state. */
function regime(fromUnits: Record<string, unknown> | undefined, count = 15): Regime {
  return vdRegime((doc) => {
    doc.inspections.push({
      id: TYPE,
      name: { en: 'Evaluation visit', ru: 'Посещение по оценке' },
      pairs: ['b', 'd', 'e'].map((p) => ({ inspector: p, host: 'a' })),
      where: { sites: ['a-base'] },
      quota: { count, period: 'P1Y', anchor: '2022-01-01', ...(fromUnits ? { fromUnits } : {}) },
      notice: 'P5D',
      duration: 'PT12H',
      verifies: [{ kind: 'absence', categories: ['missile'] }],
    });
  });
}

const VD11 = { category: 'units', per: 60, atMost: 15, fromOneShare: 5 };

function play(r: Regime, units: number | undefined, requests: [string, string][]) {
  const s = new Script(r);
  s.signAll();
  if (units !== undefined)
    s.add(
      'a',
      'declaration',
      {
        form: 'plain',
        asOf: '2022-02-01',
        items: [],
        quantities: [{ category: 'units', site: 'a-base', quantity: units }],
      },
      '2022-02-01',
    );
  const asked = requests.map(([by, month]) =>
    s.add(
      by,
      'inspection-request',
      { inspection: TYPE, host: 'a', site: 'a-base', arrival: `2022-${month}-15T08:00:00Z` },
      `2022-${month}-01`,
    ),
  );
  return { s, asked };
}

const over = (s: Script, asOf: string) =>
  s
    .findings(asOf)
    .filter((f) => f.rule === 'inspection.quota-exceeded')
    .map((f) => [f.party, f.message.code, f.message.params.quota]);

describe('evaluation visits derived from reported units', () => {
  it('130 units: a quota of 3 (one per 60 or part), at most one from the same state', () => {
    const { s } = play(regime(VD11), 130, [
      ['b', '03'],
      ['b', '04'],
      ['d', '05'],
      ['e', '06'],
      ['d', '07'],
    ]);
    expect(over(s, '2022-08-01')).toEqual([
      ['b', 'inspection.quota-exceeded', 1],
      ['d', 'inspection.quota-exceeded', 1],
    ]);
    const { s: t } = play(regime({ ...VD11, fromOneShare: undefined }), 130, [
      ['b', '03'],
      ['b', '04'],
      ['d', '05'],
      ['e', '06'],
    ]);
    expect(over(t, '2022-08-01')).toEqual([['e', 'inspection.quota-exceeded.host', 3]]);
  });

  it('1,000 units: at most 15, and a fifth of that (3) from one state', () => {
    const { s } = play(regime(VD11), 1000, [
      ['b', '02'],
      ['b', '03'],
      ['b', '04'],
      ['b', '05'],
    ]);
    expect(over(s, '2022-06-01')).toEqual([['b', 'inspection.quota-exceeded', 3]]);
  });

  it('no units declared: no quota at all', () => {
    const { s } = play(regime(VD11), undefined, [['b', '03']]);
    expect(over(s, '2022-04-01')).toEqual([['b', 'inspection.quota-exceeded', 0]]);
  });

  it('regime check refuses a quota derived from a category the regime lacks', () => {
    const doc = vdDoc();
    doc.inspections[0].quota.fromUnits = { category: 'brigades', per: 60 };
    expect(caught(() => parseRegime(JSON.stringify(doc), 'json')).message).toContain(
      '$.inspections[0].quota.fromUnits.category: unknown category "brigades"',
    );
  });
});

describe('refusals', () => {
  const refuse = (s: Script, by: string, req: { origin: string; index: number; leafHash: string }, at: string) =>
    s.add(by, 'inspection-refusal', { request: { origin: req.origin, index: req.index, leafHash: req.leafHash } }, at);

  it('refusing a due request is the host finding, no report is then due, and the quota is given back', () => {
    const { s, asked } = play(regime(undefined, 1), undefined, [['b', '03']]);
    const refusal = refuse(s, 'a', asked[0]!, '2022-03-02');
    const ev = s.evaluate('2022-05-01');
    const fs = ev.findings.filter((f) => f.rule.startsWith('inspection.'));
    expect(fs.map((f) => [f.rule, f.party])).toEqual([['inspection.refused', 'a']]);
    expect(fs[0]!.refs.map((r) => r.index).sort()).toEqual([asked[0]!.index, refusal.index].sort());
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      `a refused b's due "${TYPE}" inspection at a-base (arrival 2022-03-15 08:00 UTC)`,
    );
    expect(renderMessage(fs[0]!.message, 'ru')).toContain('отказал(а) в положенной инспекции');
    const quota = ev.state.inspections.quotas.find((q) => q.inspection === TYPE && q.inspector === 'b')!;
    expect([quota.used, quota.left]).toEqual([0, 1]);
    expect(ev.state.inspections.items.find((i) => i.inspection === TYPE)!.status).toBe('refused');
  });

  it('the refused request does not use the quota: the next one is within it', () => {
    const { s, asked } = play(regime(undefined, 1), undefined, [['b', '03']]);
    refuse(s, 'a', asked[0]!, '2022-03-02');
    s.add(
      'b',
      'inspection-request',
      { inspection: TYPE, host: 'a', site: 'a-base', arrival: '2022-06-15T08:00:00Z' },
      '2022-06-01',
    );
    expect(over(s, '2022-06-02')).toEqual([]);
  });

  it('without a refusal the same request is not conducted (the host still)', () => {
    const { s } = play(regime(undefined, 1), undefined, [['b', '03']]);
    const fs = s.findings('2022-05-01').filter((f) => f.rule.startsWith('inspection.'));
    expect(fs.map((f) => [f.rule, f.party])).toEqual([['inspection.not-conducted', 'a']]);
  });

  it('refusing a request beyond quota is no finding', () => {
    const { s, asked } = play(regime(undefined, 1), undefined, [
      ['b', '03'],
      ['b', '04'],
    ]);
    refuse(s, 'a', asked[1]!, '2022-04-02');
    const rules = s.findings('2022-03-16').map((f) => f.rule);
    expect(rules).not.toContain('inspection.refused');
    expect(s.findings('2022-05-01').filter((f) => f.rule === 'inspection.refused')).toEqual([]);
  });

  it('a refusal by anyone but the host refers to nothing it may refuse', () => {
    const { s, asked } = play(regime(undefined, 1), undefined, [['b', '03']]);
    refuse(s, 'd', asked[0]!, '2022-03-02');
    const fs = s.findings('2022-05-01');
    expect(fs.filter((f) => f.rule === 'entry.invalid-reference').map((f) => [f.party, f.message.code])).toEqual([
      ['d', 'entry.invalid-reference.refusal'],
    ]);
    expect(fs.filter((f) => f.rule === 'inspection.not-conducted').map((f) => f.party)).toEqual(['a']);
  });
});
