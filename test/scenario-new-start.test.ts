/**
 * The New START scenario (2021-2023), played into real SQLite logs and read back: the published aggregates reproduced
 * item by item and assessed as limits on each 6-monthly update, changes notified and acknowledged on time, Type One
 * and Type Two inspections conducted, and what Russia's suspension shows in the logs (an inspection not hosted, the
 * March 2023 update and the telemetry of 2022 not provided).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceState, Finding } from '../src/engine/index.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { type ExerciseMeta, playScenario, scenarioRegime } from '../src/exercise/play.js';
import { aggregate, parseTimeline } from '../src/exercise/timeline.js';
import { renderMessage } from '../src/i18n/index.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const NAME = 'new-start-2021';
const GROUPS = ['nst-deployed-delivery-vehicles', 'nst-warheads', 'nst-launchers'];
let dir: string;
let meta: ExerciseMeta;
let state: ComplianceState;
let findings: Finding[];

const evaluate = (day: string) => {
  const f = foldDir(dir, { asOf: Date.parse(`${day}T23:59:59.999Z`), readAs: 'us' });
  return f.engine.evaluate(f.asOf);
};
/** The three New START limits of a party as [declared, status], in GROUPS order. */
const limits = (s: ComplianceState, party: string) =>
  GROUPS.map((id) => {
    const l = s.limits.find((x) => x.limit === id && x.party === party)!;
    return [l.declared, l.status];
  });

beforeAll(async () => {
  dir = join(tmp(), 'play');
  meta = await playScenario(NAME, dir);
  const f = foldDir(dir, { readAs: 'us' });
  expect(f.set.problems).toEqual([]);
  ({ state, findings } = f.engine.evaluate(f.asOf));
});

describe('the New START 2021-2023 scenario', () => {
  it('plays every entry, refusing none', () => {
    expect(meta.refused).toEqual([]);
    // And each party's audience key for each year it sealed notifications or inspections in (2021-2023, 2021-2022).
    expect(meta.parties.map((p) => [p.id, p.entries])).toEqual([
      ['us', 24 + 3],
      ['ru', 21 + 2],
    ]);
  });

  it('seals notifications and inspections to the two parties: the public view holds none of them', () => {
    const open = foldDir(dir);
    const seen = open.engine.evaluate(open.asOf);
    expect(state.confidential!.read).toEqual([{ audience: 'ru,us', entries: expect.any(Number) }]);
    expect(seen.state.confidential).toEqual({ read: [], hidden: state.confidential!.read });
    expect(seen.findings.filter((f) => f.audience !== undefined)).toEqual([]);
    expect(findings.some((f) => f.audience?.join(',') === 'ru,us')).toBe(true);
  });

  it('reproduces the published aggregates item by item (September 2021, March 2022, March 2023)', () => {
    const { regime } = scenarioRegime(NAME);
    const t = parseTimeline(readFileSync(join('scenarios', NAME, 'timeline.yaml'), 'utf8'), regime);
    const agg = (set: string) => GROUPS.map((g) => aggregate(regime, t.itemSets.get(set)!, g));
    // ACA, Dec 2021; mid.ru 1808707; state.gov (README.md).
    expect(agg('us-2021-09')).toEqual([665, 1389, 800]);
    expect(agg('ru-2021-09')).toEqual([527, 1458, 742]);
    expect(agg('us-2022-03')).toEqual([686, 1515, 800]);
    expect(agg('ru-2022-03')).toEqual([526, 1474, 761]);
    expect(agg('us-2023-03')).toEqual([662, 1419, 800]);
  });

  it('assesses the limits on each update as published, on the whole database', () => {
    expect(limits(evaluate('2021-10-01').state, 'us')).toEqual([
      [665, 'within'],
      [1389, 'within'],
      [800, 'within'],
    ]);
    expect(limits(evaluate('2021-10-01').state, 'ru')).toEqual([
      [527, 'within'],
      [1458, 'within'],
      [742, 'within'],
    ]);
    expect(limits(evaluate('2022-03-31').state, 'us')).toEqual([
      [686, 'within'],
      [1515, 'within'],
      [800, 'within'],
    ]);
    expect(limits(evaluate('2022-03-31').state, 'ru')).toEqual([
      [526, 'within'],
      [1474, 'within'],
      [761, 'within'],
    ]);
    expect(limits(state, 'us')).toEqual([
      [662, 'within'],
      [1419, 'within'],
      [800, 'within'],
    ]);
    // No coverage caveat: plain declarations give the counterpart the whole database.
    for (const l of state.limits) expect(l.partial ?? false, l.limit).toBe(false);
  });

  it('keeps the picture current between updates: notified changes count at once', () => {
    // The 20 Bangor launchers deployed on 18 Jan 2022 and the Whiteman bomber on 7 Jan, notified within 5 days.
    expect(limits(evaluate('2022-02-01').state, 'us')[0]).toEqual([686 - 20, 'within']);
    const n = state.notifications.summary.filter((s) => s.rule === 'nst-status-change');
    expect(n.map((s) => [s.party, s.notified, s.onTime, s.late, s.missing])).toEqual(
      expect.arrayContaining([
        ['us', 6, 6, 0, 0],
        ['ru', 8, 8, 0, 0],
      ]),
    );
  });

  it('conducts a Type One at an ICBM base and a Type Two at a storage facility, within quota', () => {
    expect(state.inspections.items.map((i) => [i.inspection, i.inspector, i.site, i.status])).toEqual([
      ['nst-type-one', 'us', 'uzhur', 'conducted'],
      ['nst-type-two', 'ru', 'hill', 'conducted'],
      ['nst-type-one', 'us', 'yasny', 'not-conducted'],
    ]);
    const quota = evaluate('2022-01-01').state.inspections.quotas.find(
      (q) => q.inspection === 'nst-type-two' && q.inspector === 'ru',
    )!;
    expect(quota).toMatchObject({ used: 1, left: 7, period: { from: '2021-02-05T00:00:00.000Z' } });
  });

  it('finds what Russia did not do after 8 August 2022, and nothing else', () => {
    // The update as of 1 March 2023 is due by the end of 30 March (30 days after the period ends with February):
    // at 30 March 23:59:59.999 nothing is missing yet.
    expect(evaluate('2023-03-30').findings.map((f) => [f.rule, f.party])).toEqual([['inspection.not-conducted', 'ru']]);
    expect(findings.map((f) => [f.at.slice(0, 16), f.rule, f.party, f.severity])).toEqual([
      ['2022-08-15T08:00', 'inspection.not-conducted', 'ru', 'major'],
      ['2023-03-31T00:00', 'periodic.missing', 'ru', 'major'],
      ['2023-04-02T00:00', 'periodic.missing', 'ru', 'major'],
    ]);
    const text = findings.map((f) => renderMessage(f.message, 'en'));
    expect(text[1]).toContain('as of 2023-03-01 under "nst-six-monthly-update"');
    expect(text[2]).toContain('as of 2023-01-01 under "nst-telemetry-exchange"');
  });
});
