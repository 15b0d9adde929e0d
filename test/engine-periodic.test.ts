/**
 * Periodic data obligations: New START's 6-monthly update (data as of 1 March and 1 September, due within 30 days)
 * and the Vienna Document's annual exchange (valid 1 January, due 15 December), kept, late and missing; and
 * `regime check` refusing obligations that contradict themselves, every problem by path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { occurrences } from '../src/engine/periodic.js';
import { renderMessage } from '../src/i18n/index.js';
import { type PeriodicObligation, parseRegime, type Regime } from '../src/model/index.js';
import { Script, T } from './engine-helpers.js';
import { loadScenario } from './model-helpers.js';

const text = (en: string, ru: string) => ({ en, ru });
const NST_UPDATE: PeriodicObligation = {
  id: 'nst-six-monthly-update',
  name: text('New START six-monthly update', 'Шестимесячное обновление (ДСНВ)'),
  parties: ['us', 'ru'],
  first: '2022-03-01',
  every: 'P6M',
  deadline: { after: 'P30D' },
  source: 'New START Protocol, Part Four, Section I, paragraph 2',
};
const VD_EXCHANGE: PeriodicObligation = {
  id: 'vd11-annual-exchange',
  name: text('Annual exchange of military information', 'Ежегодный обмен военной информацией'),
  parties: ['ru'],
  first: '2022-01-01',
  every: 'P1Y',
  deadline: { before: 'P17D' },
};

const base = loadScenario();
const withPeriodic = (periodic: PeriodicObligation[]): Regime => ({ ...base, periodic });
const empty = (asOf: string) => ({ form: 'plain', asOf, items: [], quantities: [] });
const periodic = (fs: Finding[]) => fs.filter((f) => f.rule.startsWith('periodic.'));
const ids = (fs: Finding[]) => periodic(fs).map((f) => `${f.rule} ${f.party} ${f.at}`);

describe('periodic data obligations', () => {
  it('an update on time raises nothing; one after its deadline is late, counted from when it came', () => {
    const s = new Script(withPeriodic([NST_UPDATE]));
    s.signAll('2022-01-27');
    s.add('us', 'declaration', empty('2022-03-01'), '2022-03-20');
    const late = s.add('ru', 'declaration', empty('2022-03-01'), '2022-04-05T12:00:00Z');
    expect(ids(s.findings('2022-08-31'))).toEqual(['periodic.late ru 2022-04-05T12:00:00.000Z']);
    const f = periodic(s.findings('2022-08-31'))[0]!;
    expect(f).toMatchObject({
      id: 'periodic.late/nst-six-monthly-update/ru/2022-03-01',
      severity: 'minor',
      breaks: { kind: 'periodic', id: 'nst-six-monthly-update' },
      refs: [{ origin: late.origin, index: late.index, leafHash: late.leafHash }],
    });
    expect(renderMessage(f.message, 'en')).toBe(
      'ru declared its data as of 2022-03-01 under "nst-six-monthly-update" 4 days 12 h late (due 2022-03-31)',
    );
    expect(renderMessage(f.message, 'ru')).toContain('с опозданием на 4 суток 12 ч');
  });

  it('an update not made is missing from its deadline, and turns late once it comes', () => {
    const s = new Script(withPeriodic([NST_UPDATE]));
    s.signAll('2022-01-27');
    s.add('us', 'declaration', empty('2022-03-01'), '2022-03-20');
    // Due on 31 March: the whole day is on time; missing from its end.
    expect(ids(s.findings('2022-03-31T23:59:59Z'))).toEqual([]);
    expect(ids(s.findings('2022-04-01'))).toEqual(['periodic.missing ru 2022-04-01T00:00:00.000Z']);
    // A declaration as of another date does not fulfil it.
    s.add('ru', 'declaration', empty('2022-03-02'), '2022-04-01');
    expect(ids(s.findings('2022-04-02'))).toEqual(['periodic.missing ru 2022-04-01T00:00:00.000Z']);
    s.add('ru', 'declaration', empty('2022-03-01'), '2022-04-03');
    expect(ids(s.findings('2022-04-04'))).toEqual(['periodic.late ru 2022-04-03T00:00:00.000Z']);
    // The next period: data as of 1 September, due 1 October; neither party declares.
    expect(ids(s.findings('2022-10-02'))).toEqual([
      'periodic.late ru 2022-04-03T00:00:00.000Z',
      'periodic.missing ru 2022-10-02T00:00:00.000Z',
      'periodic.missing us 2022-10-02T00:00:00.000Z',
    ]);
    expect(periodic(s.findings('2022-10-02')).find((f) => f.rule === 'periodic.missing')!.severity).toBe('major');
  });

  it('binds only while the regime is in force, and a deadline before the data date counts back from it', () => {
    const s = new Script(withPeriodic([VD_EXCHANGE]));
    // Due 2021-12-15 for 2022: before the regime is in force, so nothing; due 2022-12-15 for 2023.
    expect(ids(s.findings('2022-06-01'))).toEqual([]);
    s.signAll('2022-01-27');
    expect(ids(s.findings('2022-12-15T23:59:59Z'))).toEqual([]);
    expect(ids(s.findings('2022-12-16'))).toEqual(['periodic.missing ru 2022-12-16T00:00:00.000Z']);
    s.add('ru', 'declaration', empty('2023-01-01'), '2022-12-20');
    expect(ids(s.findings('2022-12-31'))).toEqual(['periodic.late ru 2022-12-20T00:00:00.000Z']);
  });

  it('an annual exchange made in time raises nothing', () => {
    const s = new Script(withPeriodic([VD_EXCHANGE]));
    s.signAll('2022-01-27');
    s.add('ru', 'declaration', empty('2023-01-01'), '2022-12-10');
    expect(ids(s.findings('2022-12-31'))).toEqual([]);
  });

  it('enumerates each occurrence whose deadline has come, in order, and no other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 4000 }),
        (months, days, after, daysOn) => {
          const o: PeriodicObligation = {
            ...NST_UPDATE,
            every: `P${months}M`,
            deadline: after ? { after: `P${days}D` } : { before: `P${days}D` },
          };
          const asOf = T('2020-01-01') + daysOn * 86_400_000;
          const list = occurrences(o, asOf);
          for (const [i, x] of list.entries()) {
            expect(x.due).toBeLessThanOrEqual(asOf);
            if (i) expect(x.asOf > list[i - 1]!.asOf).toBe(true);
          }
          const next = occurrences(o, asOf + 400 * 86_400_000 * months)[list.length];
          if (next) expect(next.due).toBeGreaterThan(asOf);
        },
      ),
      { numRuns: 200 },
    );
    expect(occurrences({ ...NST_UPDATE, every: undefined }, T('2030-01-01')).map((x) => x.asOf)).toEqual([
      '2022-03-01',
    ]);
    expect(occurrences({ ...NST_UPDATE, until: '2023-03-01' }, T('2030-01-01')).map((x) => x.asOf)).toEqual([
      '2022-03-01',
      '2022-09-01',
      '2023-03-01',
    ]);
  });
});

describe('regime check of periodic obligations', () => {
  const check = (periodic: unknown[]) => {
    try {
      parseRegime(JSON.stringify({ ...base, periodic }), 'json');
      return [];
    } catch (err) {
      return ((err as { problems?: { path: string; message: string }[] }).problems ?? []).map(
        (p) => `${p.path}: ${p.message}`,
      );
    }
  };

  it('accepts the real ones', () => {
    expect(check([NST_UPDATE, VD_EXCHANGE])).toEqual([]);
  });

  it('lists every contradiction by path', () => {
    const problems = check([
      { ...NST_UPDATE, id: 'a', parties: ['us', 'atlantis'], until: '2021-01-01' },
      { ...NST_UPDATE, id: 'b', every: 'PT1H' },
      { ...VD_EXCHANGE, id: 'c', deadline: { before: 'P1Y' } },
      { ...VD_EXCHANGE, id: 'd', deadline: { before: 'P1D', after: 'P1D' } },
      { ...VD_EXCHANGE, id: 'e', every: 'sometimes' },
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.periodic\[0\]\.parties\[1\]: unknown party "atlantis"/),
        '$.periodic[0].until: 2021-01-01 is before first (2022-03-01)',
        '$.periodic[1].every: expected a period of at least one day',
        expect.stringMatching(/^\$\.periodic\[2\]\.deadline\.before: P1Y before the data date .* before its period$/),
        expect.stringMatching(/^\$\.periodic\[3\]\.deadline/),
        expect.stringMatching(/^\$\.periodic\[4\]\.every: expected an ISO 8601 duration/),
      ]),
    );
    expect(problems.length).toBe(6);
  });
});
