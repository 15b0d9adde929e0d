/** The metric chart's scales follow the data, whatever the years (web/src/board/metric-scale.ts). */
import { describe, expect, it } from 'vitest';
import { metricScale, niceCeil } from '../web/src/board/metric-scale.js';

const t = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe('metric chart scales', () => {
  it('span the series, the deadline and the holding period, with a proportional margin', () => {
    const s = metricScale({
      points: [
        { at: t('2030-01-10'), value: 120 },
        { at: t('2030-06-01'), value: 40 },
      ],
      deadline: t('2030-03-31'),
      holdEnd: t('2030-06-29'),
      target: 50,
    });
    expect(s.x[0]).toBeLessThan(t('2030-01-10'));
    expect(s.x[1]).toBeGreaterThan(t('2030-06-29'));
    expect(s.x[1] - s.x[0]).toBeLessThan(200 * 86_400_000);
    expect(s.y).toEqual([0, 150]);
    expect(s.ticks.length).toBeGreaterThan(2);
    expect(s.ticks.length).toBeLessThanOrEqual(6);
    expect(s.ticks.every((x) => x >= s.x[0] && x <= s.x[1])).toBe(true);
    expect(s.tickFormat(s.ticks[0]!)).toMatch(/^2030-\d\d$/);
  });

  it('a series over years gets yearly ticks; a short one daily ticks; the target stays in view', () => {
    const long = metricScale({
      points: [
        { at: t('2022-01-01'), value: 100_000 },
        { at: t('2026-11-27'), value: 30_000 },
      ],
      deadline: t('2022-03-31'),
      holdEnd: t('2022-06-29'),
      target: 35_000,
    });
    expect(long.ticks.map(long.tickFormat)).toEqual(['2022', '2023', '2024', '2025', '2026', '2027']);
    expect(long.y[1]).toBeGreaterThanOrEqual(110_000);
    const short = metricScale({ points: [], deadline: t('2040-05-01'), holdEnd: t('2040-05-04'), target: 0 });
    expect(short.ticks.map(short.tickFormat)).toContain('2040-05-02');
    expect(short.y).toEqual([0, 1]);
  });

  it('rounds the value axis up to a round number: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten', () => {
    expect([0, 0.7, 3, 23, 2400, 38_500, 99_000, 114_400].map(niceCeil)).toEqual([
      1, 0.8, 3, 25, 2500, 40_000, 100_000, 120_000,
    ]);
  });
});
