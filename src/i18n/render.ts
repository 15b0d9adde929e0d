/**
 * Renders the engine's messages (a code and parameters) in a language, for the command line and the dashboard.
 * Pure and isomorphic: no clock, no locale of the machine (dates are UTC and spelt the same everywhere).
 */
import type { Finding, RuleId } from '../engine/findings.js';
import type { Message, MessageParam, MessageScalar } from '../engine/messages.js';
import { en } from './en.js';
import { ru } from './ru.js';
import type { Catalogue, Lang, Term, Word } from './types.js';

export const CATALOGUES: Readonly<Record<Lang, Catalogue>> = { en, ru };

/** `{name}`, `{name:format}` or `{name|form|form…}` (plural forms chosen by the number `name`). */
export const PLACEHOLDER = /\{(\w+)(?::(\w+))?(?:\|([^{}]*))?\}/g;

/**
 * A reader's names for the regime's ids among a message's parameters (`party` "ru" → "Russian Federation", `site`
 * "mozdok" → "Mozdok (9M729 battalion)"), by parameter name; undefined keeps the id. The engine speaks ids; the
 * dashboard, which holds the regime, passes names.
 */
export type ParamNames = (param: string, id: string) => string | undefined;

export function renderMessage(m: Message, lang: Lang, names?: ParamNames): string {
  const template = CATALOGUES[lang].messages[m.code] ?? CATALOGUES.en.messages[m.code];
  // A code this catalogue does not know (a newer engine): say it as it is rather than nothing.
  if (template === undefined) return `${m.code} ${JSON.stringify(m.params)}`;
  return fill(template, m.params, lang, names);
}

export const renderFinding = (f: Pick<Finding, 'message'>, lang: Lang): string => renderMessage(f.message, lang);

export const ruleTitle = (rule: RuleId, lang: Lang): string => CATALOGUES[lang].rules[rule] ?? rule;

export function isMessage(v: unknown): v is Message {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Message).code === 'string' &&
    typeof (v as Message).params === 'object' &&
    (v as Message).params !== null
  );
}

function fill(template: string, params: Message['params'], lang: Lang, names?: ParamNames): string {
  return template.replace(PLACEHOLDER, (whole, name: string, format: string | undefined, forms: string | undefined) => {
    const v = params[name];
    if (v === undefined) return whole;
    if (forms !== undefined) return typeof v === 'number' ? plural(v, forms.split('|'), lang) : whole;
    return value(v, format, params, lang, names, names && ((id) => names(name, id)));
  });
}

function value(
  v: MessageParam,
  format: string | undefined,
  params: Message['params'],
  lang: Lang,
  names?: ParamNames,
  named?: (id: string) => string | undefined,
): string {
  if (Array.isArray(v)) {
    const parts = (v as readonly (MessageScalar | Message)[]).map((x) => value(x, format, params, lang, names, named));
    const joined = parts.join(v.some(isMessage) ? '; ' : ', ');
    // Lists the engine shortened carry the full count beside them as `n`.
    const n = params.n;
    return typeof n === 'number' && n > parts.length ? `${joined} ${word('more', n - parts.length, lang)}` : joined;
  }
  if (isMessage(v)) return renderMessage(v, lang, names);
  const s = v as MessageScalar;
  if (format === undefined && typeof s === 'string' && named) return named(s) ?? s;
  switch (format) {
    case 'time':
      return formatInstant(s, lang);
    case 'duration':
      return formatDuration(s, lang);
    case 'hash':
      return typeof s === 'string' && s.length > 16 ? `${s.slice(0, 16)}…` : String(s);
    case 'term':
      return CATALOGUES[lang].terms[s as Term] ?? String(s);
    case 'rule':
      return ruleTitle(s as RuleId, lang);
    default:
      return String(s);
  }
}

function word(w: Word, n: number, lang: Lang): string {
  return fill(CATALOGUES[lang].words[w], { n }, lang);
}

/** The plural form of `forms` for n: English one/other, Russian one/few/many. */
export function plural(n: number, forms: readonly string[], lang: Lang): string {
  const pick = (i: number) => forms[Math.min(i, forms.length - 1)] ?? '';
  if (lang === 'ru') {
    const d = Math.abs(n) % 10;
    const h = Math.abs(n) % 100;
    if (Number.isInteger(n) && d === 1 && h !== 11) return pick(0);
    if (Number.isInteger(n) && d >= 2 && d <= 4 && (h < 12 || h > 14)) return pick(1);
    return pick(2);
  }
  return n === 1 ? pick(0) : pick(1);
}

/** `2022-03-28 14:00 UTC` (seconds when not zero) from RFC 3339 or ms; a bare date stays a date. */
export function formatInstant(v: MessageScalar, lang: Lang): string {
  const ms = typeof v === 'number' ? v : /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) return String(v);
  const s = new Date(ms).toISOString();
  const t = s.slice(11, 19);
  return `${s.slice(0, 10)} ${t.endsWith(':00') ? t.slice(0, 5) : t} ${CATALOGUES[lang].words.utc}`;
}

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNITS: readonly Word[] = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'];

/**
 * A span as people say it: an ISO 8601 duration unit by unit ("P7D" → "7 days", "PT32H" → "32 h"), milliseconds to
 * the hour ("3 days 4 h"; "under an hour").
 */
export function formatDuration(v: MessageScalar, lang: Lang): string {
  if (typeof v === 'string') {
    const m = ISO_DURATION.exec(v);
    if (!m || v === 'P' || v.endsWith('T')) return v;
    const parts = UNITS.flatMap((u, i) => (m[i + 1] ? [word(u, Number(m[i + 1]), lang)] : []));
    return parts.length ? parts.join(' ') : word('seconds', 0, lang);
  }
  const h = Math.round(v / 3_600_000);
  if (h <= 0) return CATALOGUES[lang].words['under-an-hour'];
  const d = Math.floor(h / 24);
  const r = h % 24;
  if (d === 0) return word('hours', h, lang);
  return r ? `${word('days', d, lang)} ${word('hours', r, lang)}` : word('days', d, lang);
}
