/** Dates, spans, numbers and durations as the dashboard writes them (UTC everywhere), apart from React. */
import { parseDuration } from '../../../src/model/index.js';
import type en from './en.json';

export type Lang = 'en' | 'ru';
export type MessageKey = keyof typeof en;
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const pad = (n: number) => String(n).padStart(2, '0');

/** '2022-02-01 12:00 UTC' (seconds when they are not zero). */
export function formatUtc(value: string | number | Date | undefined): string {
  if (value === undefined || value === '') return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const s = d.getUTCSeconds();
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}${s ? `:${pad(s)}` : ''} UTC`;
}

/** A span of time in days, hours and minutes ('3 d 4 h'). */
export function formatSpan(ms: number, t: Translate): string {
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const parts: string[] = [];
  if (days) parts.push(t('time.days', { n: days }));
  if (hours || days) parts.push(t('time.hours', { n: hours }));
  if (!days) parts.push(t('time.minutes', { n: minutes }));
  return parts.join(' ');
}

export function formatNumber(n: unknown, lang: Lang): string {
  return typeof n === 'number'
    ? n.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB')
    : n === undefined
      ? '—'
      : String(n);
}

const CALENDAR_UNITS = ['years', 'months', 'weeks', 'days'] as const;

/**
 * A regime's ISO 8601 duration as people write it: P7D → "7 days", PT32H → "32 h", P1Y → "1 year" (in Russian
 * "7 дней", "32 ч", "1 год"). Not a duration: shown as it is.
 */
export function formatDuration(value: string | undefined, t: Translate, lang: Lang): string {
  if (value === undefined) return '—';
  let parts: ReturnType<typeof parseDuration>;
  try {
    parts = parseDuration(value);
  } catch {
    return value;
  }
  const plural = new Intl.PluralRules(lang === 'ru' ? 'ru-RU' : 'en-GB');
  const out: string[] = [];
  for (const unit of CALENDAR_UNITS) {
    const n = parts[unit];
    if (n) out.push(t(`dur.${unit}.${plural.select(n) as 'one'}`, { n: formatNumber(n, lang) }));
  }
  if (parts.hours) out.push(t('dur.hours', { n: formatNumber(parts.hours, lang) }));
  if (parts.minutes) out.push(t('dur.minutes', { n: parts.minutes }));
  if (parts.seconds) out.push(t('dur.seconds', { n: parts.seconds }));
  return out.join(' ');
}
