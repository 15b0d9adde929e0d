/**
 * What a verification step found, or why it failed, as a message key and its facts (sizes, hashes, names), so the
 * page says it in the reader's language. Counts are rendered with the language's plural forms.
 */
import type { Lang, MessageKey, Translate } from '../i18n/format.js';
import { formatNumber } from '../i18n/format.js';

/** A count of something, written with the noun's plural form (`count.<noun>.<one|few|many|other>`). */
export interface Count {
  count: number;
  noun: 'hashes' | 'tiles' | 'bytes' | 'leaves' | 'items';
}

export interface Said {
  key: MessageKey;
  vars?: Record<string, string | number | Count>;
}

/** A fact shown as it is (a key, a hash, an error from the tlog code with its code). */
export const fact = (text: string): Said => ({ key: 'verify.fact', vars: { text } });

export const count = (n: number, noun: Count['noun']): Count => ({ count: n, noun });

export function say(said: Said, t: Translate, lang: Lang): string {
  const plural = new Intl.PluralRules(lang === 'ru' ? 'ru-RU' : 'en-GB');
  const vars: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(said.vars ?? {})) {
    vars[k] =
      typeof v === 'object'
        ? t(`count.${v.noun}.${plural.select(v.count) as 'one'}`, { n: formatNumber(v.count, lang) })
        : v;
  }
  return t(said.key, vars);
}
