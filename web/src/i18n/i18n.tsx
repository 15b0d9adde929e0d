/** English and Russian, switchable; every date is shown in UTC with its zone written out. */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { isMessage, paramNames, renderMessage } from '../../../src/i18n/index.js';
import type { Regime } from '../../../src/model/index.js';
import en from './en.json';
import type { Lang, MessageKey, Translate } from './format.js';
import ru from './ru.json';

export type { Lang, MessageKey, Translate };

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, ru };
export const LANGS: { id: Lang; label: string; name: string }[] = [
  { id: 'en', label: 'EN', name: 'English' },
  { id: 'ru', label: 'RU', name: 'Русский' },
];

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** A bilingual text from the regime (`{en, ru}`), or a message of the engine (a code and parameters, src/i18n). */
  text: (value: unknown) => string;
  /** Whether a key built at run time (`entryType.${type}`) is one of ours. */
  hasKey: (key: string) => key is MessageKey;
  /** The regime whose names replace the ids in the engine's messages (set once it is loaded: data.tsx). */
  setRegime: (regime: Regime) => void;
}

const hasKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

const Context = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem('detente.lang');
  if (saved === 'en' || saved === 'ru') return saved;
  return globalThis.navigator?.language?.startsWith('ru') ? 'ru' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [regime, setRegime] = useState<Regime | undefined>();
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    globalThis.localStorage?.setItem('detente.lang', l);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[lang];
    const names = regime ? paramNames(regime, lang) : undefined;
    const t: Translate = (key, vars) => {
      let s = messages[key] ?? en[key] ?? key;
      if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    };
    const text = (v: unknown): string => {
      if (typeof v === 'string') return v;
      if (isMessage(v)) return renderMessage(v, lang, names);
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const s = o[lang] ?? o.en;
        if (typeof s === 'string') return s;
      }
      return v === undefined || v === null ? '' : JSON.stringify(v);
    };
    return { lang, setLang, t, text, hasKey, setRegime };
  }, [lang, setLang, regime]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Context);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export { formatDuration, formatNumber, formatSpan, formatUtc } from './format.js';
