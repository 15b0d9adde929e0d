/**
 * The message catalogue: every code the engine can say and every rule it checks has a text in each language, with
 * the same parameters; the renderer's plurals, durations, instants and lists against known answers; and no sentence
 * built inside the engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/engine/findings.js';
import { MESSAGE_CODES, type MessageParam, msg } from '../src/engine/messages.js';
import {
  CATALOGUES,
  formatDuration,
  formatInstant,
  LANGS,
  PLACEHOLDER,
  plural,
  renderMessage,
  ruleTitle,
} from '../src/i18n/index.js';

const placeholders = (template: string) =>
  [...template.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1]!, format: m[2], forms: m[3] }));
const names = (template: string) => [...new Set(placeholders(template).map((p) => p.name))].sort();

/** A value of the right shape for each placeholder the English text uses. */
function sampleParams(template: string): Record<string, MessageParam> {
  const out: Record<string, MessageParam> = {};
  for (const p of placeholders(template)) {
    if (p.forms !== undefined || p.name === 'n') out[p.name] = 3;
    else if (p.format === 'time') out[p.name] ??= '2022-03-28T14:00:00.000Z';
    else if (p.format === 'duration') out[p.name] ??= 'PT32H';
    else if (p.format === 'term') out[p.name] ??= 'movement';
    else out[p.name] ??= p.name === 'conditions' ? [msg('condition.accepted', { commitment: 'c' })] : `x-${p.name}`;
  }
  return out;
}

describe('the catalogue', () => {
  it('has a text for every message code and every rule, in every language, and nothing else', () => {
    for (const lang of LANGS) {
      const c = CATALOGUES[lang];
      expect(Object.keys(c.messages).sort(), lang).toEqual([...MESSAGE_CODES].sort());
      expect(Object.keys(c.rules).sort(), lang).toEqual(Object.keys(RULES).sort());
      for (const [code, text] of [...Object.entries(c.messages), ...Object.entries(c.rules)]) {
        expect(text.trim().length, `${lang} ${code}`).toBeGreaterThan(3);
      }
      expect(Object.keys(c.terms).sort()).toEqual(Object.keys(CATALOGUES.en.terms).sort());
      expect(Object.keys(c.words).sort()).toEqual(Object.keys(CATALOGUES.en.words).sort());
    }
  });

  it('fails a language that lacks a key (the check above is not vacuous)', () => {
    const { 'metric.relapsed': _, ...short } = CATALOGUES.ru.messages;
    expect(Object.keys(short).sort()).not.toEqual([...MESSAGE_CODES].sort());
  });

  it('uses the same parameters in each language, and Russian is Cyrillic', () => {
    for (const code of MESSAGE_CODES) {
      expect(names(CATALOGUES.ru.messages[code]), code).toEqual(names(CATALOGUES.en.messages[code]));
      expect(CATALOGUES.ru.messages[code], code).toMatch(/[а-яё]/i);
    }
    for (const rule of Object.keys(RULES) as (keyof typeof RULES)[]) expect(ruleTitle(rule, 'ru')).toMatch(/[а-яё]/i);
  });

  it('renders every code in every language with nothing left unfilled', () => {
    for (const code of MESSAGE_CODES) {
      const params = sampleParams(CATALOGUES.en.messages[code]);
      for (const lang of LANGS) {
        const s = renderMessage(msg(code, params), lang);
        expect(s, `${lang} ${code}`).not.toMatch(/[{}]/);
        expect(s, `${lang} ${code}`).not.toMatch(/PT32H|undefined/);
      }
    }
  });
});

describe('rendering', () => {
  it('spells known answers in English and Russian', () => {
    const m = msg('inspection.item-not-found', {
      inspector: 'us',
      host: 'ru',
      site: 'engels',
      n: 8,
      items: ['A', 'B', 'C', 'D', 'E', 'F'],
    });
    expect(renderMessage(m, 'en')).toBe(
      "us's inspectors did not find 8 items ru declared at engels: A, B, C, D, E, F and 2 more",
    );
    expect(renderMessage(m, 'ru')).toBe(
      'инспекторы стороны us не нашли 8 единиц, заявленных стороной ru на объекте engels: A, B, C, D, E, F и ещё 2',
    );
    const late = msg('notification.late', {
      party: 'ru',
      kind: 'movement',
      rule: 'nst-movement',
      late: 30 * 3_600_000,
      due: '2022-03-28T14:00:00.000Z',
    });
    expect(renderMessage(late, 'en')).toBe(
      'ru notified movement under "nst-movement" 1 day 6 h late (due 2022-03-28 14:00 UTC)',
    );
    expect(renderMessage(late, 'ru')).toBe(
      'ru уведомил(а) о перемещении по «nst-movement» с опозданием на 1 сутки 6 ч (срок 2022-03-28 14:00 UTC)',
    );
    const awaiting = msg('commitment.awaiting', {
      conditions: [msg('condition.regime-in-force'), msg('condition.metric-met', { metric: 'm' })],
    });
    expect(renderMessage(awaiting, 'en')).toBe('awaiting: the regime is in force; metric "m" met');
    expect(renderMessage(awaiting, 'ru')).toBe('ожидается: режим вступил в силу; выполнение показателя «m»');
  });

  it('says durations and instants as people do', () => {
    expect(formatDuration('PT32H', 'en')).toBe('32 h');
    expect(formatDuration('P7D', 'en')).toBe('7 days');
    expect(formatDuration('P1Y2M', 'ru')).toBe('1 год 2 месяца');
    expect(formatDuration('P45D', 'ru')).toBe('45 суток');
    expect(formatDuration(20 * 60_000, 'en')).toBe('under an hour');
    expect(formatDuration(49 * 3_600_000, 'en')).toBe('2 days 1 h');
    expect(formatDuration('not a duration', 'en')).toBe('not a duration');
    expect(formatInstant('2022-02-24T03:00:05.000Z', 'en')).toBe('2022-02-24 03:00:05 UTC');
    expect(formatInstant('2022-02-24', 'ru')).toBe('2022-02-24');
  });

  it('picks Russian plural forms by the rule of the language (one, few, many)', () => {
    const forms = ['one', 'few', 'many'];
    fc.assert(
      fc.property(fc.nat(1_000_000), (n) => {
        const d = n % 10;
        const h = n % 100;
        const want = d === 1 && h !== 11 ? 'one' : d >= 2 && d <= 4 && (h < 12 || h > 14) ? 'few' : 'many';
        expect(plural(n, forms, 'ru')).toBe(want);
        expect(plural(n, ['one', 'other'], 'en')).toBe(n === 1 ? 'one' : 'other');
      }),
    );
    expect([1, 2, 5, 11, 21, 22, 25, 111, 112].map((n) => plural(n, forms, 'ru'))).toEqual([
      'one',
      'few',
      'many',
      'many',
      'one',
      'few',
      'many',
      'many',
      'many',
    ]);
  });

  it('never throws and never loses an identifier, whatever the parameters', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true }));
    fc.assert(
      fc.property(
        fc.constantFrom(...MESSAGE_CODES),
        fc.dictionary(fc.string(), scalar),
        fc.constantFrom(...LANGS),
        (code, params, lang) => {
          expect(typeof renderMessage(msg(code, params), lang)).toBe('string');
        },
      ),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z][A-Z0-9-]{2,12}$/), (uid) => {
        for (const lang of LANGS) {
          expect(renderMessage(msg('notification.unknown-item', { party: 'ru', n: 1, items: [uid] }), lang)).toContain(
            uid,
          );
        }
      }),
    );
  });

  it('says a code the catalogue does not know as it is, rather than nothing', () => {
    const unknown = { code: 'rule.from-a-newer-engine', params: { a: 1 } } as unknown as ReturnType<typeof msg>;
    expect(renderMessage(unknown, 'ru')).toBe('rule.from-a-newer-engine {"a":1}');
  });
});

describe('the engine', () => {
  it('builds no sentence: no en/ru text and no template with words in a message', () => {
    const dir = join(import.meta.dirname, '..', 'src', 'engine');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(join(dir, file), 'utf8');
      expect(src, file).not.toMatch(/\b(en|ru):\s*[`'"]/);
      expect(src, file).not.toMatch(/[а-яё]/i);
    }
  });
});
