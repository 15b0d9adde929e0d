import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZoneIndex } from '../src/engine/zones.js';
import { parseRegime } from '../src/model/index.js';
import { bordersFor } from '../src/runtime/borders.js';
import { loadScenario, smallRegime } from './model-helpers.js';

describe('zones', () => {
  const regime = loadScenario();
  const zones = new ZoneIndex(regime, bordersFor(regime));

  it('puts Crimea in Ukraine (world-countries) and in a zone of its own, Kharkiv in Ukraine outside it, Moscow not', () => {
    expect(zones.zonesOfPoint(44.95, 34.1)).toEqual(['ukraine', 'crimea']); // Simferopol
    expect(zones.zonesOfPoint(44.6, 33.52)).toEqual(['ukraine', 'crimea']); // Sevastopol
    expect(zones.zonesOfPoint(49.99, 36.23)).toEqual(['ukraine', 'ukraine-except-crimea']); // Kharkiv
    expect(zones.zonesOfPoint(47.84, 35.14)).toEqual(['ukraine', 'ukraine-except-crimea']); // Zaporizhzhia
    expect(zones.zonesOfPoint(55.75, 37.6)).toEqual([]); // Moscow
  });

  it('computes the band of Russian territory within 100 km of Ukraine', () => {
    expect(zones.zonesOfPoint(50.6, 36.6)).toEqual(['ru-ukraine-border-band']); // Belgorod, ~40 km
    expect(zones.zonesOfPoint(47.23, 39.7)).toEqual(['ru-ukraine-border-band']); // Rostov-on-Don
    expect(zones.zonesOfPoint(45.27, 37.38)).toEqual(['ru-ukraine-border-band']); // Temryuk, across the Kerch Strait
    expect(zones.zonesOfPoint(51.67, 39.2)).toEqual([]); // Voronezh, ~150 km
    expect(zones.zonesOfPoint(53.25, 34.37)).toEqual([]); // Bryansk, ~110 km
    expect(zones.zonesOfPoint(51.73, 36.19)).toEqual(['ru-ukraine-border-band']); // Kursk, ~90 km
  });

  it('places every scenario site outside both zones', () => {
    for (const s of regime.sites) expect(zones.zonesOfSite(s.id), s.id).toEqual([]);
  });

  it('handles area zones and places', () => {
    const small = parseRegime(JSON.stringify(smallRegime()), 'json');
    const z = new ZoneIndex(small, bordersFor(small));
    expect(z.zonesOfPoint(50.5, 30.5)).toEqual(['square']);
    expect(z.zonesOfPlace({ zone: 'band' })).toEqual(['band']);
    expect(z.zonesOfPlace({ point: { lat: 50.5, lon: 30.5 } })).toEqual(['square']);
    expect(
      z.zonesOfPlace({
        area: {
          type: 'Polygon',
          coordinates: [
            [
              [30.2, 50.2],
              [30.4, 50.2],
              [30.4, 50.4],
              [30.2, 50.2],
            ],
          ],
        },
      }),
    ).toEqual(['square']);
  });

  it('takes excepted zones out of a zone; regime check refuses positions and exceptions that contradict', () => {
    const doc = smallRegime();
    const square = doc.zones.find((z: { id: string }) => z.id === 'square');
    doc.zones.push({
      id: 'corner',
      name: { en: 'Corner', ru: 'Угол' },
      kind: 'area',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [30.4, 50.4],
            [30.6, 50.4],
            [30.6, 50.6],
            [30.4, 50.6],
            [30.4, 50.4],
          ],
        ],
      },
      positions: [{ party: doc.parties[0].id, statement: { en: 'Ours.', ru: 'Наш.' } }],
    });
    square.except = ['corner'];
    const ok = parseRegime(JSON.stringify(doc), 'json');
    const z = new ZoneIndex(ok, bordersFor(ok));
    expect(z.zonesOfPoint(50.3, 30.3)).toEqual(['square']);
    expect(z.zonesOfPoint(50.5, 30.5)).toEqual(['corner']);
    const bad = JSON.parse(JSON.stringify(doc));
    const corner = bad.zones.length - 1;
    const sq = bad.zones.findIndex((x: { id: string }) => x.id === 'square');
    bad.zones[corner].positions.push({ party: doc.parties[0].id, statement: { en: 'Again.', ru: 'Снова.' } });
    bad.zones[corner].positions.push({ party: 'atlantis', statement: { en: 'Ours.', ru: 'Наш.' } });
    bad.zones[corner].except = ['corner'];
    bad.zones[sq].except = ['corner', 'nowhere'];
    const err = (() => {
      try {
        parseRegime(JSON.stringify(bad), 'json');
      } catch (e) {
        return e as { problems: { path: string; message: string }[] };
      }
      throw new Error('accepted');
    })();
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        `$.zones[${corner}].positions[1].party: "${doc.parties[0].id}" states its position twice`,
        expect.stringMatching(
          new RegExp(`^\\$\\.zones\\[${corner}\\]\\.positions\\[2\\]\\.party: unknown party "atlantis"`),
        ),
        `$.zones[${corner}].except[0]: a zone cannot except itself`,
        `$.zones[${sq}].except[0]: "corner" excepts zones itself: take out plain zones only`,
        expect.stringMatching(new RegExp(`^\\$\\.zones\\[${sq}\\]\\.except\\[1\\]: unknown zone "nowhere"`)),
      ]),
    );
  });

  it('refuses a regime whose derived zones have no borders', () => {
    const small = parseRegime(JSON.stringify(smallRegime()), 'json');
    expect(() => new ZoneIndex(small, () => undefined)).toThrow(/no borders for RUS, UKR/);
  });
});

describe('layering', () => {
  it('src/engine imports only src/model, src/escrow, src/crypto, src/tlog, @turf/* and itself (pure: no fs, no clock)', () => {
    const root = join(import.meta.dirname, '..', 'src', 'engine');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      expect(source, `${file} reads the clock`).not.toMatch(/Date\.now\(|performance\.now\(|new Date\(\)/);
      for (const [, spec] of source.matchAll(/from '([^']+)'/g)) {
        const ok =
          spec!.startsWith('@turf/') ||
          spec!.startsWith('./') ||
          [
            '../model/index.js',
            '../escrow/index.js',
            '../crypto/errors.js',
            '../crypto/canonical-json.js',
            '../crypto/bytes.js',
            '../crypto/sha256.js',
            // AES-256-GCM and HKDF behind an interface, portable default from noble: no KEM, no Node module.
            '../crypto/hpke/symmetric.js',
          ].includes(spec!) ||
          spec!.startsWith('../tlog/');
        expect(ok, `${file} imports ${spec}`).toBe(true);
      }
    }
  });
});
