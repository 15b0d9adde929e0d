/**
 * Build-time borders: a virtual module `virtual:borders` with the few countries the map draws, read from the
 * world-countries dataset (which places Crimea in Ukraine), simplified and rounded so the bundle stays small. No
 * map tiles, no fetch at run time: the dashboard works on an air-gapped network.
 *
 * Also an approximate border band (Russian territory within 100 km of Ukraine), computed here with turf as
 * buffer(UKR) ∩ RUS. The engine computes the authoritative geometry; the map prefers the engine's when /api/state
 * gives one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as turf from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { Plugin } from 'vite';

const ID = 'virtual:borders';
const RESOLVED = `\0${ID}`;

/** ISO alpha-3 codes drawn on the Europe map, and on the North America inset. */
export const EUROPE = [
  'UKR',
  'RUS',
  'BLR',
  'POL',
  'ROU',
  'MDA',
  'LTU',
  'LVA',
  'EST',
  'FIN',
  'SWE',
  'NOR',
  'DNK',
  'DEU',
  'CZE',
  'SVK',
  'HUN',
  'AUT',
  'BGR',
  'SRB',
  'HRV',
  'BIH',
  'MNE',
  'ALB',
  'MKD',
  'GRC',
  'TUR',
  'GEO',
  'ARM',
  'AZE',
  'KAZ',
  'SVN',
  'ITA',
  'NLD',
  'BEL',
  'CHE',
  'XKX',
  'IRN',
  'TKM',
  'UZB',
  'CYP',
  'SYR',
  'IRQ',
  // Western Europe and Central Asia: the Vienna Document's 57 states have sites there too.
  'FRA',
  'ESP',
  'PRT',
  'GBR',
  'IRL',
  'ISL',
  'LUX',
  'KGZ',
  'TJK',
];
export const AMERICA = ['USA', 'CAN', 'MEX'];
/** East Asia, for the inset that shows sites east of 70°E (with Russia and Kazakhstan from the main list). */
export const EAST = ['MNG', 'CHN', 'JPN', 'KOR', 'PRK'];

type Shape = Feature<Polygon | MultiPolygon, { iso: string }>;

function load(dir: string, iso: string, tolerance: number): Shape | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, `${iso.toLowerCase()}.geo.json`), 'utf8');
  } catch {
    return undefined;
  }
  const feature = JSON.parse(text).features[0] as Feature<Polygon | MultiPolygon>;
  const simple = turf.simplify(feature, { tolerance, highQuality: false });
  const rounded = turf.truncate(simple, { precision: 2, coordinates: 2 });
  return { type: 'Feature', properties: { iso }, geometry: rounded.geometry };
}

export function bordersPlugin(): Plugin {
  return {
    name: 'detente-borders',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      const require = createRequire(import.meta.url);
      const dir = join(dirname(require.resolve('world-countries/package.json')), 'data');
      const europe = EUROPE.map((iso) => load(dir, iso, iso === 'RUS' || iso === 'KAZ' ? 0.04 : 0.02)).filter(
        (f): f is Shape => f !== undefined,
      );
      const america = AMERICA.map((iso) => load(dir, iso, 0.15)).filter((f): f is Shape => f !== undefined);
      const east = EAST.map((iso) => load(dir, iso, 0.1)).filter((f): f is Shape => f !== undefined);
      // The band from the unrounded shapes, then rounded like the rest.
      const ukr = turf.simplify(JSON.parse(readFileSync(join(dir, 'ukr.geo.json'), 'utf8')).features[0], {
        tolerance: 0.02,
      });
      const rus = turf.simplify(JSON.parse(readFileSync(join(dir, 'rus.geo.json'), 'utf8')).features[0], {
        tolerance: 0.03,
      });
      const buffer = turf.buffer(ukr, 100, { units: 'kilometers' });
      const band = buffer ? turf.intersect(turf.featureCollection([buffer, rus])) : null;
      const bandShape = band ? turf.truncate(band, { precision: 2, coordinates: 2 }).geometry : null;
      return [
        `export const europe = ${JSON.stringify(europe)};`,
        `export const america = ${JSON.stringify(america)};`,
        `export const east = ${JSON.stringify(east)};`,
        `export const borderBands = ${JSON.stringify({ 'RUS-UKR-100': bandShape })};`,
        `export const dataset = 'world-countries@5.1.0';`,
      ].join('\n');
    },
  };
}
