/** The regime: schema, loader, hash, and the lookups entries are checked with. */
import type { Commitment } from './commitments.js';
import type { Party, PartyKey } from './parties.js';
import type { Regime } from './schema.js';

export * from './audience.js';
export * from './catalogue.js';
export * from './categories.js';
export * from './commitments.js';
export * from './consultations.js';
export * from './diff.js';
export * from './inspections.js';
export * from './limits.js';
export { MAX_REGIME_TEXT, type ParseRegimeOptions, parseRegime, regimeBytes, regimeHash } from './load.js';
export * from './metrics.js';
export * from './missions.js';
export * from './notifications.js';
export * from './parties.js';
export * from './periodic.js';
export * from './schema.js';
export * from './sites-zones.js';
export * from './text.js';
export * from './tracks.js';
export * from './types.js';

/** Lookups by id over a loaded regime, built once per regime object. */
export interface RegimeIndex {
  regime: Regime;
  parties: ReadonlyMap<string, Party>;
  /** Every key by its id, with the party that holds it. */
  keys: ReadonlyMap<string, { party: Party; key: PartyKey }>;
  categories: ReadonlyMap<string, Regime['categories'][number]>;
  groups: ReadonlyMap<string, Regime['groups'][number]>;
  sites: ReadonlyMap<string, Regime['sites'][number]>;
  zones: ReadonlyMap<string, Regime['zones'][number]>;
  limits: ReadonlyMap<string, Regime['limits'][number]>;
  notifications: ReadonlyMap<string, Regime['notifications'][number]>;
  inspections: ReadonlyMap<string, Regime['inspections'][number]>;
  commitments: ReadonlyMap<string, Commitment>;
  metrics: ReadonlyMap<string, Regime['metrics'][number]>;
  periodic: ReadonlyMap<string, NonNullable<Regime['periodic']>[number]>;
  types: ReadonlyMap<string, NonNullable<Regime['types']>[number]>;
  /** Item categories the types registry covers: their items must name a type. */
  typedCategories: ReadonlySet<string>;
  consultations: ReadonlyMap<string, NonNullable<Regime['consultations']>[number]>;
  missions: ReadonlyMap<string, NonNullable<Regime['missions']>[number]>;
  forums: ReadonlyMap<string, NonNullable<Regime['forums']>[number]>;
  tracks: ReadonlyMap<string, NonNullable<Regime['tracks']>[number]>;
}

const cache = new WeakMap<Regime, RegimeIndex>();

function byId<T extends { id: string }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((x) => [x.id, x]));
}

export function regimeIndex(regime: Regime): RegimeIndex {
  let index = cache.get(regime);
  if (!index) {
    const keys = new Map<string, { party: Party; key: PartyKey }>();
    for (const party of regime.parties) for (const key of party.keys) keys.set(key.id, { party, key });
    index = {
      regime,
      parties: byId(regime.parties),
      keys,
      categories: byId(regime.categories),
      groups: byId(regime.groups),
      sites: byId(regime.sites),
      zones: byId(regime.zones),
      limits: byId(regime.limits),
      notifications: byId(regime.notifications),
      inspections: byId(regime.inspections),
      commitments: byId(regime.commitments),
      metrics: byId(regime.metrics),
      periodic: byId(regime.periodic ?? []),
      types: byId(regime.types ?? []),
      typedCategories: new Set((regime.types ?? []).map((t) => t.category)),
      consultations: byId(regime.consultations ?? []),
      missions: byId(regime.missions ?? []),
      forums: byId(regime.forums ?? []),
      tracks: byId(regime.tracks ?? []),
    };
    cache.set(regime, index);
  }
  return index;
}
