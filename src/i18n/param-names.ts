/**
 * The regime's names for the ids in an engine message's parameters, by parameter name (render.ts ParamNames):
 * "at mozdok" reads "at Mozdok (9M729 battalion)", "ru's inspectors" "Russian Federation's inspectors". Only
 * parameters that always hold one kind of id are named; anything else, or an id the regime lacks, stays as it is.
 * The dashboard and the command line both render with it.
 */
import type { Regime } from '../model/index.js';
import type { ParamNames } from './render.js';
import type { Lang } from './types.js';

type Named = { id: string; name?: unknown };
type List =
  | 'parties'
  | 'sites'
  | 'zones'
  | 'limits'
  | 'commitments'
  | 'metrics'
  | 'categories'
  | 'notifications'
  | 'inspections'
  | 'consultations';

const PARTY: List[] = ['parties'];
const LISTS: Record<string, List[]> = {
  party: PARTY,
  host: PARTY,
  inspector: PARTY,
  notifier: PARTY,
  raiser: PARTY,
  subject: PARTY,
  author: PARTY,
  complainant: PARTY,
  addressee: PARTY,
  site: ['sites'],
  chosen: ['sites'],
  place: ['sites', 'zones'],
  zone: ['zones'],
  region: ['zones', 'sites'],
  limit: ['limits'],
  commitment: ['commitments'],
  metric: ['metrics'],
  category: ['categories'],
  rule: ['notifications'],
  type: ['inspections'],
  mechanism: ['consultations'],
};

export function paramNames(regime: Regime, lang: Lang): ParamNames {
  return (param, id) => {
    for (const list of LISTS[param] ?? []) {
      const found = ((regime as unknown as Record<List, readonly Named[] | undefined>)[list] ?? []).find(
        (x) => x.id === id,
      );
      const name = found?.name as { en?: string; ru?: string } | string | undefined;
      if (typeof name === 'string') return name;
      if (name) return name[lang] ?? name.en;
    }
    return undefined;
  };
}
