/**
 * The notification catalogue: every notification type of a regime with its stable number, its title in each of
 * the regime's languages, who notifies whom, the event it reports, its deadline, the treaty article or format it
 * implements and the fields its message carries. Numbered rules come first, by number; the rest follow in regime
 * order, without a number.
 */
import { ruleParties } from './notifications.js';
import type { Regime } from './schema.js';
import type { Text } from './text.js';

export interface CatalogueLine {
  number?: number;
  rule: string;
  title: Text;
  trigger: string;
  parties: 'all' | readonly string[];
  /** How many states it binds (with `all`, every participating state). */
  bound: number;
  deadline: { before: string } | { after: string };
  acknowledge?: string;
  withoutNotice?: string;
  article?: string;
  fields: readonly string[];
}

export function notificationCatalogue(regime: Regime): CatalogueLine[] {
  const lines = regime.notifications.map(
    (r): CatalogueLine => ({
      ...(r.catalogue ? { number: r.catalogue.number } : {}),
      rule: r.id,
      title: r.name,
      trigger: r.trigger.kind,
      parties: r.parties,
      bound: ruleParties(regime, r).length,
      deadline: r.deadline.before !== undefined ? { before: r.deadline.before } : { after: r.deadline.after! },
      ...(r.acknowledge ? { acknowledge: r.acknowledge.within } : {}),
      ...(r.withoutNotice ? { withoutNotice: r.withoutNotice.after } : {}),
      ...(r.catalogue ? { article: r.catalogue.article } : {}),
      fields: r.catalogue?.fields ?? [],
    }),
  );
  return lines
    .map((l, i) => ({ l, i }))
    .sort((a, b) => (a.l.number ?? Infinity) - (b.l.number ?? Infinity) || a.i - b.i)
    .map(({ l }) => l);
}
