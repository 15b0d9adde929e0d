/**
 * `--lang ru` on the command line: the status report, the findings, the scenario list and the regime check print
 * their headings, column headers, labels and statuses in Russian; and every word the command line has exists in
 * both languages. Runs the built CLI (dist/src/cli/main.js) on a played scenario.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_WORDS } from '../src/cli/words.js';
import { scenarioRegime } from '../src/exercise/play.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const REGIME = join('scenarios', 'european-security-2022', 'regime.yaml');
const dir = join(tmp(), 'play');

function ok(args: string[]): string {
  const r = detente(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Upper-case Latin words of four letters or more: an English heading, header or status left untranslated. */
const shouting = (text: string) =>
  (text.match(/\b[A-Z][A-Z-]{3,}\b/g) ?? []).filter((w) => w !== 'UTC' && !w.endsWith('-')); // item ids: RU-HB-0003

beforeAll(() => {
  ok(['scenario', 'play', 'european-security-2022', '--dir', dir]);
}, 120_000);

describe('--lang ru', () => {
  it('status: every heading, column header and status is Russian', () => {
    const ru = ok(['status', '--dir', dir, '--lang', 'ru']);
    for (const heading of [
      'ОБЯЗАТЕЛЬСТВА',
      'ОГРАНИЧЕНИЯ',
      'УВЕДОМЛЕНИЯ',
      'КВОТЫ ИНСПЕКЦИЙ',
      'ИНСПЕКЦИИ',
      'НАРУШЕНИЯ',
    ]) {
      expect(ru).toContain(heading);
    }
    expect(ru).toContain('состояние на 2022-12-31 23:59:59 UTC');
    expect(ru).toMatch(/СТОРОНА +СТАТУС +ПОЧЕМУ/);
    expect(ru).toContain('В ПРЕДЕЛАХ');
    expect(ru).toContain('deveselu (государство пребывания ro: согласие 2022-04-07 10:00 UTC, контрподписан)');
    expect(shouting(ru)).toEqual([]);
    // English stays as it was.
    const en = ok(['status', '--dir', dir]);
    expect(en).toContain('COMMITMENTS');
    expect(en).toContain('WITHIN');
    expect(en).not.toMatch(/[а-яё]/i);
  });

  it('findings: the count, the severities, the rule titles and the labels', () => {
    const ru = ok(['findings', '--dir', dir, '--lang', 'ru']);
    expect(ru.split('\n')[0]).toBe('33 замечания на 2022-12-31 23:59:59 UTC');
    expect(ru).toContain('  критическое: 3');
    expect(ru).toContain('касается стороны');
    expect(ru).not.toContain('concerns');
    expect(shouting(ru)).toEqual([]);
  });

  it('the engine’s messages name sites, parties and mechanisms as the regime does, in both languages (NEWCOMER m1)', () => {
    const { regime } = scenarioRegime('european-security-2022');
    const ids = [...regime.sites, ...(regime.consultations ?? [])].map((x) => x.id);
    const idInText = new RegExp(`(?<![\\w-])(?:${ids.join('|')})(?![\\w-])`, 'g');
    const nameOf = (id: string, lang: 'en' | 'ru') => {
      const site = regime.sites.find((s) => s.id === id)!;
      return typeof site.name === 'string' ? site.name : site.name[lang];
    };
    for (const lang of ['en', 'ru'] as const) {
      const out = ok(['findings', '--dir', dir, '--lang', lang]);
      // Each finding's message is the line under its heading (which starts with its time and keeps the rule's id).
      const lines = out.split('\n');
      const messages = lines.filter((_, i) => i > 0 && /^\d{4}-\d\d-\d\d /.test(lines[i - 1]!));
      expect(messages.length).toBe(33);
      expect(messages.join('\n').match(idInText) ?? [], lang).toEqual([]);
      expect(out).toContain(nameOf('kozelsk', lang));
      expect(out).toContain(nameOf('mozdok', lang));
      const status = ok(['status', '--dir', dir, '--lang', lang]);
      expect(status).toContain(lang === 'en' ? 'Russian Federation' : 'Российская Федерация');
    }
  });

  it('scenario list and regime check', () => {
    const list = ok(['scenario', 'list', '--lang', 'ru']);
    expect(list).toMatch(/^Сценарии:\neuropean-security-2022 \(по умолчанию\)/);
    const check = ok(['regime', 'check', REGIME, '--lang', 'ru']);
    expect(check).toMatch(/^ВЕРНО european-security-2022 v1: Европейская безопасность/);
    expect(check).toContain('сторон: 6, наблюдателей: 1, ключей: 36, объектов: 16, зон: 6');
    expect(check).toContain('хеша ещё нет');
    expect(check).not.toMatch(/\b(parties|sites|zones|limits|hash) /);
  });

  it('a language other than en and ru is refused with one line', () => {
    const r = detente(['scenario', 'list', '--lang', 'de']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('detente: --lang: expected en or ru, got "de"');
  });
});

describe('the command line’s words', () => {
  it('every word has a text in both languages, and the Russian is Russian', () => {
    const keys = Object.keys(CLI_WORDS.en);
    expect(Object.keys(CLI_WORDS.ru).sort()).toEqual(keys.sort());
    for (const k of keys) {
      expect(CLI_WORDS.ru[k as keyof typeof CLI_WORDS.ru], k).toMatch(/[а-яё]|^OK$/i);
    }
  });
});
