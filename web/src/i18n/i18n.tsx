/** English and Russian, switchable; every date is shown in UTC with its zone written out. */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { parseDuration } from '../../../src/model/index.js';
import en from './en.json';
import ru from './ru.json';

export type Lang = 'en' | 'ru';
export type MessageKey = keyof typeof en;
const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, ru };
export const LANGS: { id: Lang; label: string; name: string }[] = [
  { id: 'en', label: 'EN', name: 'English' },
  { id: 'ru', label: 'RU', name: 'Русский' },
];

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** A bilingual text from the regime or the engine: `{en, ru}`. */
  text: (value: unknown) => string;
}

const Context = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem('detente.lang');
  if (saved === 'en' || saved === 'ru') return saved;
  return globalThis.navigator?.language?.startsWith('ru') ? 'ru' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    globalThis.localStorage?.setItem('detente.lang', l);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[lang];
    const t: Translate = (key, vars) => {
      let s = messages[key] ?? en[key] ?? key;
      if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    };
    const text = (v: unknown): string => {
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const s = o[lang] ?? o.en;
        if (typeof s === 'string') return s;
      }
      return v === undefined || v === null ? '' : JSON.stringify(v);
    };
    return { lang, setLang, t, text };
  }, [lang, setLang]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Context);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

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
