/** What every rule family shares while folding: the regime, its lookups, zones, and where findings go. */
import type { Regime, RegimeIndex } from '../model/index.js';
import type { FindingInput } from './findings.js';
import type { Intervals } from './intervals.js';
import type { LeafIndex } from './leaf-index.js';
import type { ZoneIndex } from './zones.js';

export interface Ctx {
  readonly regime: Regime;
  readonly ix: RegimeIndex;
  readonly zones: ZoneIndex;
  /** Every entry's leaf hash: references by number (`num`) and back (`ref`). */
  readonly leaves: LeafIndex;
  /** Records a finding that an entry establishes by itself, at the time it counts from. */
  emit(finding: FindingInput): void;
}

/**
 * What a query at `asOf` knows about time-dependent facts, computed once per query from the compact state of each
 * family: when the regime is in force, when each metric is met, when each commitment is accepted and in force.
 */
export interface QueryContext {
  readonly asOf: number;
  readonly regimeInForce: Intervals;
  metricMet(metric: string): Intervals;
  accepted(commitment: string): Intervals;
  inForce(commitment: string): Intervals;
  /**
   * When an obligation binds a party: while the regime is in force and, if some commitment of that party
   * undertakes it, while one of those commitments is in force.
   */
  binding(kind: 'limit' | 'host-inspections' | 'notify' | 'metric', id: string, party: string): Intervals;
}
