/**
 * The map's layout (web/src/map/layout.ts) puts every site of any regime inside its frame, and the dashboard's two
 * languages carry the same keys, with durations written as people write them (web/src/i18n).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/engine/messages.js';
import { scenarioRegime } from '../src/exercise/play.js';
import { paramNames, renderMessage } from '../src/i18n/index.js';
import en from '../web/src/i18n/en.json';
import { formatDuration, type MessageKey, type Translate } from '../web/src/i18n/format.js';
import ru from '../web/src/i18n/ru.json';
import { frameOf, H, inFrame, mapLayout, W } from '../web/src/map/layout.js';

const site = (lon: number, lat: number) => ({ location: { lon, lat } });

/** The participating States of the Vienna Document reach from Alaska to Chukotka: sites anywhere in that belt. */
const osceSite = fc
  .record({ lon: fc.double({ min: -170, max: 179, noNaN: true }), lat: fc.double({ min: 25, max: 78, noNaN: true }) })
  .map(({ lon, lat }) => site(lon, lat));

describe('map layout', () => {
  it('places every site of the scenario inside its frame, Ukrainka (128°E) in the East Asia inset', () => {
    const sites = [site(21.3, 45.2), site(-111.2, 47.5), site(128.45, 51.17), site(44.6, 43.3), site(33.4, 69.25)];
    const layout = mapLayout(sites);
    expect(layout.frames.map((f) => f.id)).toEqual(['main', 'america', 'east']);
    for (const s of sites) {
      const { frame, x, y } = layout.place(s);
      expect(frame.id).toBe(frameOf(s));
      expect(inFrame(frame, x, y)).toBe(true);
    }
    expect(layout.place(site(128.45, 51.17)).frame.id).toBe('east');
  });

  it('has no East Asia inset when no site is there', () => {
    expect(mapLayout([site(21.3, 45.2), site(-80, 35)]).frames.map((f) => f.id)).toEqual(['main', 'america']);
  });

  it('fits any regime: every site inside the map and its frame, none under an inset', () => {
    fc.assert(
      fc.property(fc.array(osceSite, { minLength: 1, maxLength: 120 }), (sites) => {
        const layout = mapLayout(sites);
        const insets = layout.frames.filter((f) => f.id !== 'main');
        for (const s of sites) {
          const { frame, x, y } = layout.place(s);
          if (!(x >= 0 && x <= W && y >= 0 && y <= H && inFrame(frame, x, y))) return false;
          if (frame.id === 'main' && insets.some((f) => inFrame(f, x, y))) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});

describe('dashboard languages', () => {
  it('English and Russian have the same keys, none empty', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of [...Object.entries(en), ...Object.entries(ru)])
      expect([k, v.trim().length > 0]).toEqual([k, true]);
  });

  it('each text has the same placeholders in both languages, each written {name} (the form t() fills)', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const messages = { en, ru } as Record<string, Record<string, string>>;
    for (const [key, text] of Object.entries(en)) {
      for (const lang of ['en', 'ru']) {
        const s = messages[lang]![key]!;
        expect([lang, key, s.includes('{{')]).toEqual([lang, key, false]);
        expect([lang, key, placeholders(s)]).toEqual([lang, key, placeholders(text)]);
      }
    }
  });

  const tr =
    (messages: Record<string, string>): Translate =>
    (key: MessageKey, vars) => {
      let s = messages[key] ?? key;
      for (const [k, v] of Object.entries(vars ?? {})) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    };

  it('writes durations as people do, in both languages', () => {
    const cases: [string, string, string][] = [
      ['P7D', '7 days', '7 дней'],
      ['PT32H', '32 h', '32 ч'],
      ['P1Y', '1 year', '1 год'],
      ['P42D', '42 days', '42 дня'],
      ['P1D', '1 day', '1 день'],
      ['P90D', '90 days', '90 дней'],
      ['PT48H', '48 h', '48 ч'],
      ['P1DT12H', '1 day 12 h', '1 день 12 ч'],
    ];
    for (const [iso, inEn, inRu] of cases) {
      expect(formatDuration(iso, tr(en), 'en')).toBe(inEn);
      expect(formatDuration(iso, tr(ru), 'ru')).toBe(inRu);
    }
    expect(formatDuration('soon', tr(en), 'en')).toBe('soon');
  });

  it('never leaves an ISO 8601 duration in what it writes', () => {
    const duration = fc
      .record({
        y: fc.nat(9),
        d: fc.nat(400),
        h: fc.nat(72),
      })
      .filter(({ y, d, h }) => y + d + h > 0)
      .map(({ y, d, h }) => `P${y ? `${y}Y` : ''}${d ? `${d}D` : ''}${h ? `T${h}H` : ''}`);
    fc.assert(
      fc.property(duration, fc.constantFrom('en' as const, 'ru' as const), (iso, lang) => {
        const out = formatDuration(iso, tr(lang === 'en' ? en : ru), lang);
        return !/\bP(T?\d+[YMWDHS])+\b/.test(out) && !out.includes('{');
      }),
    );
  });
});

describe('the engine’s messages on the dashboard', () => {
  const { regime } = scenarioRegime('european-security-2022');
  const message = {
    code: 'inspection.not-conducted',
    params: { inspector: 'us', type: 'nst-type-one', site: 'kozelsk', arrival: '2022-08-15T08:00:00.000Z' },
  } as Message;

  it('name parties, sites and inspection types as the regime does, in both languages', () => {
    expect(renderMessage(message, 'en', paramNames(regime, 'en'))).toBe(
      'United States of America\'s "New START Type One inspection" inspection at Kozelsk, Kaluga oblast (arrival 2022-08-15 08:00 UTC) was due and no report followed',
    );
    const ru = renderMessage(message, 'ru', paramNames(regime, 'ru'));
    expect(ru).toContain('Соединённые Штаты Америки');
    expect(ru).toContain('Козельск, Калужская область');
    expect(ru).not.toMatch(/\b(us|kozelsk|nst-type-one)\b/);
  });

  it('name the ids inside nested messages too (a commitment’s conditions)', () => {
    const awaiting = {
      code: 'commitment.awaiting',
      params: { conditions: [{ code: 'condition.metric-met', params: { metric: 'ru-border-band-troops' } }] },
    } as unknown as Message;
    const metric = regime.metrics.find((m) => m.id === 'ru-border-band-troops')!.name;
    expect(renderMessage(awaiting, 'en', paramNames(regime, 'en'))).toBe(`awaiting: metric "${metric.en}" met`);
    expect(renderMessage(awaiting, 'ru', paramNames(regime, 'ru'))).toContain(metric.ru);
  });

  it('keep an id the regime lacks, and a parameter that is not a name, as they are', () => {
    const names = paramNames(regime, 'en');
    expect(names('site', 'atlantis')).toBeUndefined();
    expect(names('reason', 'kozelsk')).toBeUndefined();
    expect(renderMessage(message, 'en')).toContain('at kozelsk');
  });
});
