/**
 * Zones as geometry, compiled once per regime: which zones hold a point, a site, a place.
 *
 * - `area`: the regime's own GeoJSON polygon;
 * - `country`: the country's territory in the regime's border dataset (`geography.borders`), which the caller
 *   supplies as a `BorderSource` (the engine reads no files);
 * - `border-band`: inside `country` and at most `widthKm` from the territory of `neighbour`. For a point inside
 *   the country, the nearest point of the neighbour lies on the neighbour's boundary, so this is the distance to
 *   the shared border (maritime stretches included, such as the Kerch Strait).
 *
 * Point in polygon is turf's (holes and boundaries handled); distances are to each boundary segment on a local
 * equirectangular projection around the point (error well under 1 % at the 100 km scale), which is deterministic
 * and fast. Results are cached per point.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { DetenteError } from '../crypto/errors.js';
import type { Area, Regime } from '../model/index.js';

export type BorderSource = (iso3: string) => Area | undefined;

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

interface Bbox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

interface PreparedPolygon {
  bbox: Bbox;
  geometry: { type: 'Polygon'; coordinates: number[][][] };
}

/** A territory split into its polygons, each with its bounding box. */
class Territory {
  readonly polygons: PreparedPolygon[];
  readonly bbox: Bbox;
  constructor(area: Area) {
    const polys = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
    this.polygons = polys.map((rings) => ({
      bbox: bboxOf(rings[0]!),
      geometry: { type: 'Polygon', coordinates: rings.map((r) => r.map((p) => [p[0]!, p[1]!])) },
    }));
    this.bbox = this.polygons.map((p) => p.bbox).reduce(merge);
  }
  contains(lon: number, lat: number): boolean {
    if (!inBbox(this.bbox, lon, lat)) return false;
    return this.polygons.some((p) => inBbox(p.bbox, lon, lat) && booleanPointInPolygon([lon, lat], p.geometry));
  }
  /** Whether the boundary comes within `km` of the point (distance to the nearest boundary segment). */
  within(lon: number, lat: number, km: number): boolean {
    const dLat = km / (EARTH_RADIUS_KM * RAD);
    const cos = Math.cos(lat * RAD);
    const dLon = cos > 1e-6 ? dLat / cos : 360;
    const grown = (b: Bbox): Bbox => ({
      minLon: b.minLon - dLon,
      maxLon: b.maxLon + dLon,
      minLat: b.minLat - dLat,
      maxLat: b.maxLat + dLat,
    });
    if (!inBbox(grown(this.bbox), lon, lat)) return false;
    const kx = EARTH_RADIUS_KM * RAD * cos;
    const ky = EARTH_RADIUS_KM * RAD;
    const limit = km * km;
    for (const p of this.polygons) {
      if (!inBbox(grown(p.bbox), lon, lat)) continue;
      for (const ring of p.geometry.coordinates) {
        for (let i = 1; i < ring.length; i++) {
          const a = ring[i - 1]!;
          const b = ring[i]!;
          const ax = (a[0]! - lon) * kx;
          const ay = (a[1]! - lat) * ky;
          const bx = (b[0]! - lon) * kx;
          const by = (b[1]! - lat) * ky;
          if (segmentDistance2(ax, ay, bx, by) <= limit) return true;
        }
      }
    }
    return false;
  }
}

/** Squared distance from the origin to the segment a–b. */
function segmentDistance2(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : -(ax * dx + ay * dy) / len2;
  t = t < 0 ? 0 : Math.min(t, 1);
  const x = ax + t * dx;
  const y = ay + t * dy;
  return x * x + y * y;
}

function bboxOf(ring: readonly (readonly number[])[]): Bbox {
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of ring) {
    minLon = Math.min(minLon, lon!);
    maxLon = Math.max(maxLon, lon!);
    minLat = Math.min(minLat, lat!);
    maxLat = Math.max(maxLat, lat!);
  }
  return { minLon, minLat, maxLon, maxLat };
}

function merge(a: Bbox, b: Bbox): Bbox {
  return {
    minLon: Math.min(a.minLon, b.minLon),
    minLat: Math.min(a.minLat, b.minLat),
    maxLon: Math.max(a.maxLon, b.maxLon),
    maxLat: Math.max(a.maxLat, b.maxLat),
  };
}

function inBbox(b: Bbox, lon: number, lat: number): boolean {
  return lon >= b.minLon && lon <= b.maxLon && lat >= b.minLat && lat <= b.maxLat;
}

type ZoneTest = (lon: number, lat: number) => boolean;

/** Where something is, as an observation or a declaration states it. */
export interface PlaceLike {
  site?: string;
  zone?: string;
  point?: { lat: number; lon: number };
  area?: Area;
}

const MAX_CACHED_POINTS = 10_000;

export class ZoneIndex {
  readonly #tests: [string, ZoneTest][] = [];
  readonly #sites = new Map<string, readonly string[]>();
  readonly #points = new Map<string, readonly string[]>();

  /**
   * Compiles every zone of the regime. A derived zone needs borders: throws BAD_INPUT naming each country the
   * border source lacks.
   */
  constructor(regime: Regime, borders?: BorderSource) {
    const territories = new Map<string, Territory>();
    const missing: string[] = [];
    const territory = (iso3: string): Territory | undefined => {
      let t = territories.get(iso3);
      if (!t) {
        const area = borders?.(iso3);
        if (!area) {
          missing.push(iso3);
          return undefined;
        }
        t = new Territory(area);
        territories.set(iso3, t);
      }
      return t;
    };
    for (const zone of regime.zones) {
      if (zone.kind === 'area') {
        const t = new Territory(zone.geometry);
        this.#tests.push([zone.id, (lon, lat) => t.contains(lon, lat)]);
      } else if (zone.kind === 'country') {
        const t = territory(zone.country);
        if (t) this.#tests.push([zone.id, (lon, lat) => t.contains(lon, lat)]);
      } else {
        const inside = territory(zone.country);
        const neighbour = territory(zone.neighbour);
        const km = zone.widthKm;
        if (inside && neighbour) {
          this.#tests.push([zone.id, (lon, lat) => inside.contains(lon, lat) && neighbour.within(lon, lat, km)]);
        }
      }
    }
    // A zone with `except` holds a point only if none of the excepted zones does (Ukraine except Crimea).
    const byId = new Map(this.#tests);
    for (const zone of regime.zones) {
      if (!zone.except) continue;
      const i = this.#tests.findIndex(([id]) => id === zone.id);
      const base = this.#tests[i]?.[1];
      const out = zone.except.map((x) => byId.get(x)).filter((t) => t !== undefined);
      if (base) this.#tests[i] = [zone.id, (lon, lat) => base(lon, lat) && !out.some((t) => t(lon, lat))];
    }
    if (missing.length) {
      const dataset = regime.geography?.borders.dataset ?? '(no geography.borders in the regime)';
      throw new DetenteError(
        'BAD_INPUT',
        `zones: no borders for ${[...new Set(missing)].join(', ')} from ${dataset}: derived zones cannot be computed`,
      );
    }
    for (const site of regime.sites) this.#sites.set(site.id, this.zonesOfPoint(site.location.lat, site.location.lon));
  }

  /** The ids of the zones that hold the point, in regime order. */
  zonesOfPoint(lat: number, lon: number): readonly string[] {
    const key = `${lat},${lon}`;
    let zones = this.#points.get(key);
    if (!zones) {
      zones = this.#tests.filter(([, test]) => test(lon, lat)).map(([id]) => id);
      if (this.#points.size >= MAX_CACHED_POINTS) this.#points.clear();
      this.#points.set(key, zones);
    }
    return zones;
  }

  zonesOfSite(site: string): readonly string[] {
    return this.#sites.get(site) ?? [];
  }

  /**
   * The zones of a place: a site's, a zone itself, a point's (its centre, whatever its radius), or an area's (the
   * mean of its outer ring's vertices).
   */
  zonesOfPlace(place: PlaceLike): readonly string[] {
    if (place.site !== undefined) return this.zonesOfSite(place.site);
    if (place.zone !== undefined) return [place.zone];
    if (place.point) return this.zonesOfPoint(place.point.lat, place.point.lon);
    if (place.area) {
      const ring = place.area.type === 'Polygon' ? place.area.coordinates[0]! : place.area.coordinates[0]![0]!;
      const pts = ring.slice(0, -1);
      const lon = pts.reduce((s, p) => s + p[0]!, 0) / pts.length;
      const lat = pts.reduce((s, p) => s + p[1]!, 0) / pts.length;
      return this.zonesOfPoint(lat, lon);
    }
    return [];
  }
}
