/**
 * An entry's one-line summary in words. The node sends `type field=value …` (src/api/server.ts summaryOf); the ids
 * in it become the regime's names (site, inspection, notification rule, commitment) and the codes words of the
 * reader's language.
 */
import type { Regime } from '../../../src/model/index.js';
import type { MessageKey, Translate } from '../i18n/format.js';

type Named = { id: string; name?: unknown };

export function readableSummary(
  summary: string | undefined,
  regime: Regime,
  t: Translate,
  text: (v: unknown) => string,
  hasKey: (key: string) => key is MessageKey,
): string {
  if (!summary) return '';
  const fields = new Map<string, string>();
  for (const part of summary.split(' ').slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const name = (list: readonly Named[], id: string) => text(list.find((x) => x.id === id)?.name) || id;
  const out: string[] = [];
  for (const [field, value] of fields) {
    switch (field) {
      case 'kind':
      case 'mode': {
        const key = `entryKind.${value}`;
        out.push(hasKey(key) ? t(key) : value);
        break;
      }
      case 'asOf':
        out.push(t('summary.asOf', { date: value }));
        break;
      case 'site':
        out.push(name(regime.sites, value));
        break;
      case 'inspection':
        out.push(name(regime.inspections, value));
        break;
      case 'rule':
        out.push(name(regime.notifications, value));
        break;
      case 'commitment':
        out.push(name(regime.commitments, value));
        break;
      case 'draw':
        out.push(t('summary.draw', { id: value }));
        break;
      default:
        out.push(value);
    }
  }
  return out.join(' · ');
}
