/**
 * Properties of the VD11 counting rules against references written another way: a one-year constraint exceeds by
 * Σ_year max(0, n_year − atMost); a three-year one never by less; derived quotas never let more in than
 * ⌈units / per⌉ (at most `atMost`), nor more than its share from one state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Script } from './engine-helpers.js';
import { RULE, text, vdRegime } from './vd-helpers.js';

const DAY = 86_400_000;

function constraintRegime(atMost: number, years: 1 | 3) {
  return vdRegime((doc) => {
    const rule = doc.notifications.find((n: { id: string }) => n.id === RULE);
    rule.constraints = [{ anyOf: [{ category: 'troops', atLeast: 13000 }], atMost, years }];
    delete rule.calendar;
    delete rule.trigger.observation;
  });
}

const activities = fc.array(
  fc.record({ day: fc.integer({ min: 0, max: 5 * 365 }), troops: fc.integer({ min: 9000, max: 20000 }) }),
  { maxLength: 14 },
);

function exceeded(atMost: number, years: 1 | 3, acts: { day: number; troops: number }[]): number {
  const s = new Script(constraintRegime(atMost, years));
  s.signAll('2019-06-01');
  const t0 = Date.parse('2020-01-01T00:00:00Z');
  for (const a of acts) {
    const start = t0 + a.day * DAY;
    s.add(
      'a',
      'notification',
      {
        kind: 'activity',
        rule: RULE,
        name: text('Exercise'),
        start: new Date(start).toISOString(),
        end: new Date(start + DAY).toISOString(),
        quantities: [{ category: 'troops', quantity: a.troops }],
      },
      new Date(start - 50 * DAY).toISOString(),
    );
  }
  // Entries count in time order, as a log would have them.
  s.entries.sort((x, y) => x.countedAt - y.countedAt);
  return s.findings('2025-06-01').filter((f) => f.rule === 'constraint.exceeded').length;
}

describe('constraints (property)', () => {
  it('one calendar year: Σ max(0, n − atMost); three: never fewer', () => {
    fc.assert(
      fc.property(activities, fc.integer({ min: 0, max: 3 }), (acts, atMost) => {
        const perYear = new Map<number, number>();
        for (const a of acts) {
          if (a.troops < 13000) continue;
          const y = new Date(Date.parse('2020-01-01T00:00:00Z') + a.day * DAY).getUTCFullYear();
          perYear.set(y, (perYear.get(y) ?? 0) + 1);
        }
        const expected = [...perYear.values()].reduce((sum, n) => sum + Math.max(0, n - atMost), 0);
        const one = exceeded(atMost, 1, acts);
        expect(one).toBe(expected);
        expect(exceeded(atMost, 3, acts)).toBeGreaterThanOrEqual(one);
      }),
      { numRuns: 25 },
    );
  });
});

describe('derived quotas (property)', () => {
  it('never more than ⌈units / 60⌉ (at most 15) in all, nor more than the share from one state', () => {
    const r = vdRegime((doc) => {
      doc.inspections.push({
        id: 'evaluation',
        name: text('Evaluation visit'),
        pairs: ['b', 'd', 'e'].map((p) => ({ inspector: p, host: 'a' })),
        where: { sites: ['a-base'] },
        quota: {
          count: 15,
          period: 'P1Y',
          anchor: '2022-01-01',
          fromUnits: { category: 'units', per: 60, atMost: 15, fromOneShare: 5 },
        },
        notice: 'P5D',
        duration: 'PT12H',
        verifies: [{ kind: 'absence', categories: ['missile'] }],
      });
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1200 }),
        fc.array(fc.constantFrom('b', 'd', 'e'), { maxLength: 20 }),
        (units, inspectors) => {
          const s = new Script(r);
          s.signAll();
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
          inspectors.forEach((by, i) => {
            const at = Date.parse('2022-03-01T00:00:00Z') + i * 10 * DAY;
            s.add(
              by,
              'inspection-request',
              { inspection: 'evaluation', host: 'a', site: 'a-base', arrival: new Date(at + 7 * DAY).toISOString() },
              new Date(at).toISOString(),
            );
          });
          const quota = Math.min(15, Math.ceil(units / 60));
          const share = Math.max(1, Math.floor(quota / 5));
          const used = s
            .evaluate('2022-12-01')
            .state.inspections.quotas.filter((q) => q.inspection === 'evaluation')
            .map((q) => q.used);
          expect(used.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(quota);
          for (const u of used) expect(u).toBeLessThanOrEqual(Math.min(quota, share));
          // Greedy acceptance: a request is refused only when a quota is full.
          const perInspector = new Map<string, number>();
          let total = 0;
          for (const by of inspectors) {
            const own = perInspector.get(by) ?? 0;
            if (own < Math.min(quota, share) && total < quota) {
              perInspector.set(by, own + 1);
              total++;
            }
          }
          expect(used.reduce((a, b) => a + b, 0)).toBe(total);
        },
      ),
      { numRuns: 25 },
    );
  });
});
