/**
 * Sites (places items are declared at and inspected) and zones (areas that limits, notifications and metrics
 * apply to).
 *
 * A zone is a GeoJSON (RFC 7946) Polygon or MultiPolygon, or a derived zone that the engine computes from the
 * regime's border dataset (`geography.borders`): a country's territory, or a band of `widthKm` inside `country`
 * along its border with `neighbour`. Derived zones are only declared here; their geometry comes later.
 */
import { z } from 'zod';
import { Id, Iso3, LatLon, Source } from '../common.js';
import { Text } from './text.js';

export const SiteKind = z.strictObject({ id: Id, name: Text, source: Source.optional() });
export type SiteKind = z.infer<typeof SiteKind>;

export const Site = z.strictObject({
  id: Id,
  name: Text,
  /** The party whose items are there and which receives inspectors (not necessarily the host nation). */
  host: Id,
  /**
   * The party on whose territory the site lies, when it is not `host` (Romania at Deveselu): it consents to each
   * inspection there (a `mission` step `consent`, before the visit) and its escort countersigns the report beside
   * the host's (`hostNationCountersignature`).
   */
  hostNation: Id.optional(),
  kind: Id,
  location: LatLon,
  /** The country the site lies in. */
  country: Iso3.optional(),
  note: Text.optional(),
  source: Source.optional(),
});
export type Site = z.infer<typeof Site>;

/** [longitude, latitude] or [longitude, latitude, altitude], RFC 7946 §3.1.1. */
const Position = z
  .array(z.number(), { error: 'expected a position [longitude, latitude]' })
  .min(2, { error: 'expected a position [longitude, latitude]' })
  .max(3, { error: 'expected a position [longitude, latitude] or [longitude, latitude, altitude]' })
  .superRefine((p, ctx) => {
    const [lon, lat] = p;
    if (lon !== undefined && (lon < -180 || lon > 180)) {
      ctx.addIssue({ code: 'custom', path: [0], message: `expected longitude in [-180, 180], got ${lon}` });
    }
    if (lat !== undefined && (lat < -90 || lat > 90)) {
      ctx.addIssue({ code: 'custom', path: [1], message: `expected latitude in [-90, 90], got ${lat}` });
    }
  });

/** A linear ring (RFC 7946 §3.1.6): at least four positions, the last equal to the first. */
const LinearRing = z
  .array(Position, { error: 'expected a linear ring (an array of positions)' })
  .superRefine((ring, ctx) => {
    if (ring.length < 4) {
      ctx.addIssue({ code: 'custom', message: `expected a linear ring of at least 4 positions, got ${ring.length}` });
      return;
    }
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (first.length !== last.length || first.some((v, i) => v !== last[i])) {
      ctx.addIssue({
        code: 'custom',
        path: [ring.length - 1],
        message: `expected the ring to be closed: last position ${JSON.stringify(last)} differs from the first ${JSON.stringify(first)}`,
      });
    }
  });

const PolygonCoordinates = z
  .array(LinearRing, { error: 'expected polygon coordinates (an array of linear rings)' })
  .min(1, { error: 'expected at least the exterior ring' });

const BBox = z.array(z.number()).min(4).max(6).optional();

export const Polygon = z.strictObject({ type: z.literal('Polygon'), coordinates: PolygonCoordinates, bbox: BBox });
export const MultiPolygon = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(PolygonCoordinates).min(1, { error: 'expected at least one polygon' }),
  bbox: BBox,
});
/** An area: a GeoJSON Polygon or MultiPolygon geometry. */
export const Area = z.discriminatedUnion('type', [Polygon, MultiPolygon]);
export type Area = z.infer<typeof Area>;

/**
 * A party's legal position on a zone, stated in the regime it signs (Crimea: part of Ukraine for one, of Russia for
 * the other). Where positions differ, the regime treats the territory as a zone of its own, without prejudice to
 * either position, so that no limit's count depends on which position is right.
 */
export const LegalPosition = z.strictObject({ party: Id, statement: Text });
export type LegalPosition = z.infer<typeof LegalPosition>;

const zoneBase = {
  id: Id,
  name: Text,
  note: Text.optional(),
  /** Each party's stated position on the territory (at most one per party). */
  positions: z.array(LegalPosition).min(1).optional(),
  /** Zones taken out of this one (Ukraine except Crimea): a point in any of them is not in this zone. */
  except: z.array(Id).min(1).optional(),
  source: Source.optional(),
};

export const Zone = z.discriminatedUnion('kind', [
  z.strictObject({ ...zoneBase, kind: z.literal('area'), geometry: Area }),
  z.strictObject({ ...zoneBase, kind: z.literal('country'), country: Iso3 }),
  z.strictObject({
    ...zoneBase,
    kind: z.literal('border-band'),
    country: Iso3,
    neighbour: Iso3,
    widthKm: z
      .number()
      .positive({ error: 'expected a width > 0 km' })
      .max(2000, { error: 'expected a width ≤ 2000 km' }),
  }),
]);
export type Zone = z.infer<typeof Zone>;

/** Where derived zones get their borders. */
export const Geography = z.strictObject({
  borders: z.strictObject({
    /** npm package and version, e.g. `world-countries@5.1.0`. */
    dataset: z.string().regex(/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+@\d+\.\d+\.\d+$/, {
      error: 'expected an npm package@version such as world-countries@5.1.0',
    }),
    note: Text.optional(),
    source: Source.optional(),
  }),
});
export type Geography = z.infer<typeof Geography>;
