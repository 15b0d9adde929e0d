/**
 * Negotiation tracks as the state shows them: each track's forum, and whether it may move as of the query, when a
 * gate makes it depend on a metric (the de-escalation the seed's package waits for): open while the metric is met,
 * with the periods it was open so far. A track without a gate is always open. And the proposals tabled in the forums,
 * each recorded by the hash of its document (and of its draft regime, if it is one).
 */
import type { BlobRef, EnvelopeOf, Regime } from '../model/index.js';
import type { QueryContext } from './context.js';
import { containing, from, intersect } from './intervals.js';
import { instant, iso } from './time.js';
import { byString, type EntryRef, type Text } from './types.js';

export interface TrackState {
  track: string;
  forum: string;
  gate?: { metric: string; consulted?: string[] };
  /** The parties the gate waits to hear, each with when its first proposal on the track counted (if one has). */
  consulted?: { party: string; heard?: string }[];
  open: boolean;
  /** Since when the track has been open (absent while closed, or open with no gate). */
  openSince?: string;
  /** Every period the gate was open, up to the query's date. */
  opened: { from: string; until?: string }[];
}

export function trackStates(regime: Regime, q: QueryContext, proposals: Proposals): TrackState[] {
  return (regime.tracks ?? []).map((t) => {
    if (!t.gate) return { track: t.id, forum: t.forum, open: true, opened: [] };
    const consulted = (t.gate.consulted ?? []).map((party) => ({ party, heard: proposals.heard(t.id, party, q.asOf) }));
    // Open while the metric is met, from the time the last of the consulted parties was heard.
    const heardAll = consulted.some((c) => c.heard === undefined)
      ? Infinity
      : Math.max(-Infinity, ...consulted.map((c) => c.heard!));
    const met = intersect(q.metricMet(t.gate.metric), from(heardAll)).filter(([a]) => a <= q.asOf);
    const now = containing(met, q.asOf);
    return {
      track: t.id,
      forum: t.forum,
      gate: { metric: t.gate.metric, ...(t.gate.consulted ? { consulted: [...t.gate.consulted] } : {}) },
      ...(t.gate.consulted
        ? {
            consulted: consulted.map((c) => ({
              party: c.party,
              ...(c.heard !== undefined ? { heard: iso(c.heard) } : {}),
            })),
          }
        : {}),
      open: now !== undefined,
      ...(now ? { openSince: iso(now[0]) } : {}),
      opened: met.map(([a, b]) => ({ from: iso(a), ...(b <= q.asOf ? { until: iso(b) } : {}) })),
    };
  });
}

/** A proposal tabled in a forum, as its entry records it: the document and any draft regime by SHA-256. */
export interface ProposalState {
  ref: EntryRef;
  party: string;
  forum: string;
  track?: string;
  title: Text;
  tabled: string;
  /** When the entry counts from (it may record a proposal tabled earlier). */
  recorded: string;
  document: { sha256: string; mediaType: string; name?: string };
  draft?: { sha256: string; mediaType: string; name?: string };
}

/** The proposals recorded, in the order they were tabled (the model checked their forum and track). */
export class Proposals {
  readonly #all: ProposalState[] = [];

  get any(): boolean {
    return this.#all.length > 0;
  }

  /** When `party` was first heard on `track` (its first proposal there counted), as of `asOf`. */
  heard(track: string, party: string, asOf: number): number | undefined {
    let first: number | undefined;
    for (const p of this.#all) {
      const at = Date.parse(p.recorded);
      if (p.track === track && p.party === party && at <= asOf && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  apply(e: EnvelopeOf<'proposal'>, ref: EntryRef, at: number): void {
    const b = e.body;
    const blob = (r: BlobRef) => ({ sha256: r.sha256, mediaType: r.mediaType, ...(r.name ? { name: r.name } : {}) });
    this.#all.push({
      ref,
      party: e.party,
      forum: b.forum,
      ...(b.track !== undefined ? { track: b.track } : {}),
      title: b.title,
      tabled: iso(instant(b.tabled)),
      recorded: iso(at),
      document: blob(b.document),
      ...(b.draft ? { draft: blob(b.draft) } : {}),
    });
  }

  state(asOf: number): ProposalState[] {
    return this.#all
      .filter((p) => Date.parse(p.recorded) <= asOf)
      .sort(
        (a, b) => byString(a.tabled, b.tabled) || byString(a.ref.origin, b.ref.origin) || a.ref.index - b.ref.index,
      );
  }
}
