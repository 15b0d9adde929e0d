/**
 * The New START successor sketch: every warhead of both parties committed in escrow at its storage site, the
 * ceiling judged on the committed totals alone, phased disclosure kept and missed, and an inspection at the site a
 * joint draw selected, whose opened items the inspectors all confirm.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceState, Finding } from '../src/engine/index.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario, scenarioRegime } from '../src/exercise/play.js';
import { aggregate, parseTimeline } from '../src/exercise/timeline.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const NAME = 'new-start-successor';
let dir: string;
let state: ComplianceState;
let findings: Finding[];

beforeAll(async () => {
  dir = join(tmp(), 'play');
  expect((await playScenario(NAME, dir)).refused).toEqual([]);
  const f = foldDir(dir, { readAs: 'us' });
  expect(f.set.problems).toEqual([]);
  ({ state, findings } = f.engine.evaluate(f.asOf));
}, 60_000);

describe('the New START successor sketch', () => {
  it('commits every warhead: the FAS 2022 totals, strategic and non-strategic, by status', () => {
    const { regime } = scenarioRegime(NAME);
    const t = parseTimeline(readFileSync(join('scenarios', NAME, 'timeline.yaml'), 'utf8'), regime);
    expect(aggregate(regime, t.itemSets.get('us-all')!, 'all-warheads')).toBe(3708);
    expect(aggregate(regime, t.itemSets.get('ru-all')!, 'all-warheads')).toBe(4477);
    const totals = (party: string) =>
      Object.fromEntries(
        state.holdings
          .find((h) => h.party === party)!
          .declaration!.escrow!.totals.filter((x) => x.attribute === undefined && x.status !== undefined && x.total > 0)
          .map((x) => [`${x.category}/${x.status}`, x.total]),
      );
    expect(totals('us')).toEqual({
      'strategic-warhead/deployed': 1644,
      'strategic-warhead/non-deployed': 1864,
      'non-strategic-warhead/deployed': 100,
      'non-strategic-warhead/non-deployed': 100,
    });
    expect(totals('ru')).toEqual({
      'strategic-warhead/deployed': 1588,
      'strategic-warhead/non-deployed': 977,
      'non-strategic-warhead/non-deployed': 1912,
    });
  });

  it('judges the ceiling on the committed totals, with no item opened', () => {
    const f = foldDir(dir, { asOf: Date.parse('2026-03-03T00:00:00Z'), readAs: 'us' });
    const early = f.engine.evaluate(f.asOf).state;
    expect(early.limits.map((l) => [l.party, l.declared, l.status, l.partial ?? false])).toEqual([
      ['ru', 4477, 'within', false],
      ['us', 3708, 'within', false],
    ]);
  });

  it('inspects the site the joint draw selected, and finds every opened warhead there', () => {
    expect(state.escrow.draws.map((d) => [d.draw, d.status, d.selected])).toEqual([
      ['ru-storage-2026-1', 'joint', ['tatishchevo']],
    ]);
    expect(state.inspections.items.map((i) => [i.inspector, i.site, i.status])).toEqual([
      ['us', 'tatishchevo', 'conducted'],
    ]);
  });

  it('keeps the disclosure schedule for phase 1; Russia misses phase 2 and only that is found', () => {
    expect(findings.map((f) => [f.at.slice(0, 10), f.rule, f.party])).toEqual([
      ['2027-01-01', 'escrow.phase-not-opened', 'ru'],
    ]);
  });
});
