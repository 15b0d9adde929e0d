/**
 * Negotiation tracks as the state shows them: each track's forum, and whether it may move as of the query, when a
 * gate makes it depend on a metric (the de-escalation the seed's package waits for): open while the metric is met,
 * with the periods it was open so far. A track without a gate is always open.
 */
import type { Regime } from '../model/index.js';
import type { QueryContext } from './context.js';
import { containing } from './intervals.js';
import { iso } from './time.js';

export interface TrackState {
  track: string;
  forum: string;
  gate?: { metric: string };
  open: boolean;
  /** Since when the track has been open (absent while closed, or open with no gate). */
  openSince?: string;
  /** Every period the gate was open, up to the query's date. */
  opened: { from: string; until?: string }[];
}

export function trackStates(regime: Regime, q: QueryContext): TrackState[] {
  return (regime.tracks ?? []).map((t) => {
    if (!t.gate) return { track: t.id, forum: t.forum, open: true, opened: [] };
    const met = q.metricMet(t.gate.metric).filter(([a]) => a <= q.asOf);
    const now = containing(met, q.asOf);
    return {
      track: t.id,
      forum: t.forum,
      gate: { metric: t.gate.metric },
      open: now !== undefined,
      ...(now ? { openSince: iso(now[0]) } : {}),
      opened: met.map(([a, b]) => ({ from: iso(a), ...(b <= q.asOf ? { until: iso(b) } : {}) })),
    };
  });
}
