/**
 * Country borders for derived zones, from the npm package the regime names (`geography.borders.dataset`). Only
 * `world-countries` is supported: its `data/<iso3>.geo.json` files put Crimea inside Ukraine (BRIEF §5). The
 * installed version must be the one the regime names, or zones could silently move.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DetenteError } from '../crypto/errors.js';
import type { BorderSource } from '../engine/zones.js';
import type { Area, Regime } from '../model/index.js';

const require = createRequire(import.meta.url);

function packageDir(name: string): { dir: string; version: string } {
  let file: string;
  try {
    file = require.resolve(`${name}/package.json`);
  } catch {
    throw new DetenteError('BAD_INPUT', `borders: the package ${name} is not installed`);
  }
  const version = JSON.parse(readFileSync(file, 'utf8')).version as string;
  return { dir: dirname(file), version };
}

/** A BorderSource for the regime's dataset; undefined when the regime has no geography. */
export function bordersFor(regime: Regime): BorderSource | undefined {
  const dataset = regime.geography?.borders.dataset;
  if (dataset === undefined) return undefined;
  const at = dataset.lastIndexOf('@');
  const name = dataset.slice(0, at);
  const wanted = dataset.slice(at + 1);
  if (name !== 'world-countries') {
    throw new DetenteError('BAD_INPUT', `borders: dataset ${dataset} is not supported (only world-countries)`);
  }
  const { dir, version } = packageDir(name);
  if (version !== wanted) {
    throw new DetenteError('BAD_INPUT', `borders: the regime needs ${dataset}, but ${name}@${version} is installed`);
  }
  const cache = new Map<string, Area | undefined>();
  return (iso3: string) => {
    if (!/^[A-Z]{3}$/.test(iso3)) return undefined;
    if (cache.has(iso3)) return cache.get(iso3);
    let area: Area | undefined;
    try {
      const doc = JSON.parse(readFileSync(join(dir, 'data', `${iso3.toLowerCase()}.geo.json`), 'utf8'));
      const geometry = doc.type === 'FeatureCollection' ? doc.features?.[0]?.geometry : doc.geometry;
      if (geometry?.type === 'Polygon' || geometry?.type === 'MultiPolygon') area = geometry as Area;
    } catch {
      area = undefined;
    }
    cache.set(iso3, area);
    return area;
  };
}
