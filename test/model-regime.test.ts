import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { DetenteError } from '../src/crypto/errors.js';
import { parseRegime, regimeHash, regimeIndex } from '../src/model/index.js';
import { caught, loadScenario, publicKeyOf, scenarioText, smallRegime, suite } from './model-helpers.js';

const load = (doc: unknown) => parseRegime(JSON.stringify(doc), 'json');
/** The problems parseRegime lists for a document, as `path: message` strings. */
const problems = (doc: unknown) => {
  const err = caught(() => load(doc));
  expect(err.code).toBe('REGIME_INVALID');
  for (const p of err.problems) expect(err.message).toContain(`${p.path}: ${p.message}`);
  return err.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('the default scenario regime', () => {
  it('loads, with keys supplied at load time', () => {
    const regime = loadScenario();
    expect(regime.parties.map((p) => p.id)).toEqual(['us', 'ru', 'nato', 'ro', 'pl', 'ua']);
    const ix = regimeIndex(regime);
    expect(ix.keys.get('ru-inspector')?.party.id).toBe('ru');
    expect(ix.keys.get('ru-inspector')?.key.publicKey).toBe(publicKeyOf('ru-inspector'));
    expect(ix.limits.get('nst-warheads')?.atMost).toBe(1550);
    expect(ix.groups.get('nst-warheads')?.members.find((m) => m.category === 'heavy-bomber')?.count).toEqual({
      perItem: 1,
    });
    expect(ix.notifications.get('vd11-prior-notification')?.deadline).toEqual({ before: 'P42D' });
    expect(ix.inspections.get('nst-type-one')?.quota.count).toBe(10);
    expect(ix.inspections.get('nst-type-two')?.quota.count).toBe(8);
    expect(Object.isFrozen(regime.parties[0]!.keys)).toBe(true);
  });

  it('carries a source on every public fact and both languages on every name', () => {
    const regime = loadScenario();
    for (const col of ['siteKinds', 'categories', 'groups', 'sites', 'zones', 'limits', 'notifications'] as const) {
      for (const x of regime[col]) expect(x.source, `${col} ${x.id}`).toBeTruthy();
    }
    for (const col of ['inspections', 'commitments', 'metrics'] as const) {
      for (const x of regime[col]) expect(x.source, `${col} ${x.id}`).toBeTruthy();
    }
    expect(regime.geography?.borders.dataset).toBe('world-countries@5.1.0');
  });

  it('without keys is refused, naming each missing key, unless asked to allow it', () => {
    const err = caught(() => parseRegime(scenarioText()));
    expect(err.code).toBe('REGIME_INVALID');
    // Five keys of each of the six parties (the host nations and Ukraine too).
    expect(err.problems).toHaveLength(30);
    expect(err.message).toContain('$.parties[1].keys[2].publicKey: missing');
    expect(parseRegime(scenarioText(), { allowMissingKeys: true }).id).toBe('european-security-2022');
  });

  it('refuses supplied keys the regime does not list or that contradict it', () => {
    const doc = smallRegime();
    const keys = { 'a-declarant': publicKeyOf('other'), 'z-key': publicKeyOf('z') };
    const err = caught(() => parseRegime(JSON.stringify(doc), { format: 'json', keys }));
    expect(err.problems.map((p) => p.path)).toEqual(['$.parties[0].keys[0].publicKey', 'keys["z-key"]']);
  });

  it('has one hash whatever the layout: YAML or JSON, key order, comments', () => {
    const regime = loadScenario();
    const hash = regimeHash(regime, suite.sha256);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(regime).reverse()), null, 2);
    expect(regimeHash(parseRegime(reordered, 'json'), suite.sha256)).toBe(hash);
    const yaml = `# a comment\n${YAML.stringify(regime, { indent: 4 })}`;
    expect(regimeHash(parseRegime(yaml), suite.sha256)).toBe(hash);
    // A different key is a different regime.
    const other = parseRegime(scenarioText(), { keys: (id) => publicKeyOf(id === 'us-log' ? 'x' : id) });
    expect(regimeHash(other, suite.sha256)).not.toBe(hash);
  });
});

describe('a bad regime is refused with every problem listed by path', () => {
  it('the small regime is fine', () => {
    expect(load(smallRegime()).id).toBe('small');
  });

  it('dangling references', () => {
    const doc = smallRegime();
    doc.sites[0].host = 'x';
    doc.sites[1].kind = 'silo';
    doc.limits[0].parties = ['a', 'q'];
    doc.notifications[0].parties.push('a');
    doc.inspections[0].where.sites.push('nowhere');
    doc.metrics[0].zone = 'moon';
    doc.commitments[0].conditions[0].commitment = 'c-unknown';
    doc.commitments[1].undertakes[0].limit = 'no-such-limit';
    expect(problems(doc)).toEqual([
      '$.sites[0].host: unknown party "x" (known: a, b, c)',
      '$.sites[1].kind: unknown site kind "silo" (known: base)',
      '$.limits[0].parties[1]: unknown party "q" (known: a, b, c)',
      '$.notifications[0].parties[2]: "a" is listed twice',
      '$.inspections[0].where.sites[2]: unknown site "nowhere" (known: a-base, b-base)',
      '$.metrics[0].zone: unknown zone "moon" (known: square, band)',
      '$.commitments[0].conditions[0].commitment: unknown commitment "c-unknown" (known: a-no-missiles, b-no-missiles)',
      '$.commitments[1].undertakes[0].limit: unknown limit "no-such-limit" (known: warhead-limit, no-missiles-in-square)',
    ]);
  });

  it('a phased disclosure schedule names zones or sites, and parties, of the regime', () => {
    const doc = smallRegime();
    doc.escrow.phases = [
      { region: 'square', by: '2023-01-01' },
      { region: 'a-base', by: '2023-02-01', party: 'a' },
      { region: 'moon', by: '2023-03-01', party: 'q' },
    ];
    expect(problems(doc)).toEqual([
      '$.escrow.phases[2].region: "moon" is neither a zone nor a site of this regime',
      '$.escrow.phases[2].party: unknown party "q" (known: a, b, c)',
    ]);
    doc.escrow.phases = [{ region: 'square', by: '2023-13-01' }];
    expect(problems(doc)).toEqual(['$.escrow.phases[0].by: expected a date YYYY-MM-DD']);
  });

  it('limits, groups, rules and inspections on unknown categories', () => {
    const doc = smallRegime();
    doc.limits[1].counts = { category: 'tanks' };
    doc.limits[0].counts = { group: 'nope' };
    doc.groups[0].members.push({ category: 'bombers' });
    doc.groups[0].members[0].count = { attribute: 'yield' };
    doc.notifications[1].trigger.anyOf[0].category = 'sorties';
    doc.inspections[0].verifies[0].categories = ['missile', 'glcm'];
    expect(problems(doc)).toEqual([
      '$.groups[0].members[0].count.attribute: category "missile" has no attribute "yield"',
      '$.groups[0].members[1].category: unknown category "bombers" (known: missile, troops)',
      '$.limits[0].counts.group: unknown group "nope" (known: warheads)',
      '$.limits[1].counts.category: unknown category "tanks" (known: missile, troops)',
      '$.notifications[1].trigger.anyOf[0].category: unknown category "sorties" (known: missile, troops)',
      '$.inspections[0].verifies[0].categories[1]: unknown category "glcm" (known: missile, troops)',
    ]);
  });

  it('invalid GeoJSON: open rings, short rings, coordinates out of range, wrong geometry', () => {
    const doc = smallRegime();
    const ring = doc.zones[0].geometry.coordinates[0];
    ring[4] = [30, 50.5]; // not closed
    ring[1] = [181, 50]; // longitude out of range
    doc.zones.push(
      {
        id: 'short',
        name: doc.zones[0].name,
        kind: 'area',
        geometry: {
          type: 'MultiPolygon',
          coordinates: [
            [
              [
                [0, 0],
                [1, 1],
                [0, 0],
              ],
            ],
          ],
        },
      },
      { id: 'line', name: doc.zones[0].name, kind: 'area', geometry: { type: 'LineString', coordinates: [] } },
      {
        id: 'lat',
        name: doc.zones[0].name,
        kind: 'area',
        geometry: { type: 'Polygon', coordinates: [[[0, 91], 'x']] },
      },
    );
    expect(problems(doc)).toEqual([
      '$.zones[0].geometry.coordinates[0][1][0]: expected longitude in [-180, 180], got 181',
      '$.zones[0].geometry.coordinates[0][4]: expected the ring to be closed: last position [30,50.5] differs from the first [30,50]',
      '$.zones[2].geometry.coordinates[0][0]: expected a linear ring of at least 4 positions, got 3',
      `$.zones[3].geometry.type: Invalid discriminator value. Expected 'Polygon' | 'MultiPolygon'`,
      '$.zones[4].geometry.coordinates[0][0][1]: expected latitude in [-90, 90], got 91',
      '$.zones[4].geometry.coordinates[0][1]: expected a position [longitude, latitude]',
    ]);
  });

  it('commitments whose in-force conditions form a cycle (acceptance alone is reciprocity, not a cycle)', () => {
    const doc = smallRegime();
    const base = doc.commitments[0];
    const c = (id: string, on: string[]) => ({
      ...base,
      id,
      conditions: on.map((x) => ({ kind: 'in-force', commitment: x })),
    });
    doc.commitments.push(c('x', ['y']), c('y', ['z']), c('z', ['x']), c('w', ['x', 'w']));
    expect(problems(doc)).toEqual([
      '$.commitments[5].conditions[1].commitment: a commitment cannot be conditioned on itself',
      '$.commitments[2].conditions[0]: conditions form a cycle: x -> y -> z -> x',
    ]);
  });

  it('wrong types and unknown fields, together with reference problems elsewhere', () => {
    const doc = smallRegime();
    doc.version = '1';
    doc.parties[0].status = 'ally';
    doc.parties[1].keys[0].roles = ['signer'];
    doc.parties[1].keys[1].publicKey = 'not base64';
    doc.categories[1].colour = 'red';
    doc.limits[0].atMost = -1;
    doc.limits[1].from = '2022-02-30';
    doc.notifications[0].deadline = { after: '5 days' };
    doc.notifications[1].deadline = { after: 'P1D', before: 'P2D' };
    doc.metrics[0].name = { en: 'only English' };
    doc.sites[1].host = 'nobody'; // a reference problem in an element whose schema is fine
    expect(problems(doc)).toEqual([
      '$.version: Invalid input: expected number, received string',
      '$.parties[0].status: Invalid option: expected one of "party"|"observer"',
      '$.parties[1].keys[0].roles[0]: Invalid option: expected one of "declarant"|"inspector"|"witness"|"log"|"mirror"|"recipient"',
      '$.parties[1].keys[1].publicKey: expected standard base64 of 32 bytes (44 characters)',
      '$.categories[1].colour: unknown field',
      '$.limits[0].atMost: expected a whole number ≥ 0',
      '$.limits[1].from: expected a date YYYY-MM-DD',
      '$.notifications[0].deadline.after: expected an ISO 8601 duration such as P42D, PT48H or P1Y',
      '$.notifications[1].deadline: expected exactly one of before, after (got before, after)',
      '$.metrics[0].name.ru: expected the Russian text',
      '$.sites[1].host: unknown party "nobody" (known: a, b, c)',
    ]);
  });

  it('duplicate ids, keys shared between parties, self-inspection, impossible evidence', () => {
    const doc = smallRegime();
    doc.categories.push({ ...doc.categories[0] });
    doc.parties[1].keys[0].publicKey = doc.parties[0].keys[0].publicKey;
    doc.parties[2].keys[0].id = 'a-declarant';
    doc.parties[2].origin = doc.parties[0].origin;
    doc.inspections[0].pairs[0].inspector = 'b';
    doc.metrics[0].evidence = { declarations: false, minSources: 3, tolerance: 0.1, sources: ['a', 'b'] };
    doc.zones[1].neighbour = 'RUS';
    expect(problems(doc)).toEqual([
      '$.categories[2].id: duplicate category id "missile" (first at $.categories[0])',
      '$.parties[1].keys[0].publicKey: the same public key is also $.parties[0].keys[0].publicKey',
      '$.parties[2].origin: origin "example.org/a" is also $.parties[0].origin',
      '$.parties[2].keys[0].id: duplicate key id "a-declarant" (first at $.parties[0].keys[0].id)',
      `$.zones[1].neighbour: a border band lies along another country's border, not "RUS"`,
      '$.inspections[0].pairs[0].host: a party does not inspect itself',
      '$.metrics[0].evidence.sources[1]: "b" is the party observed, not an independent source',
      '$.metrics[0].evidence.minSources: 3 independent sources required, only 1 possible',
    ]);
  });

  it('commitments that undertake what does not bind their party', () => {
    const doc = smallRegime();
    doc.limits[1].parties = ['b'];
    doc.commitments[0].undertakes.push(
      { kind: 'host-inspections', inspection: 'visit' },
      { kind: 'metric', metric: 'troops-in-band' },
    );
    doc.inspections[0].pairs = [{ inspector: 'a', host: 'b' }];
    doc.inspections[0].where.sites = ['b-base'];
    expect(problems(doc)).toEqual([
      '$.commitments[0].undertakes[0].limit: limit "no-missiles-in-square" does not bind "a"',
      '$.commitments[0].undertakes[1].inspection: inspection type "visit" has no pair with "a" as host',
      '$.commitments[0].undertakes[2].metric: metric "troops-in-band" measures "b", not "a"',
    ]);
  });

  it('text that is not YAML or JSON, or not plain JSON data', () => {
    expect(caught(() => parseRegime('a: [1\n')).message).toMatch(/line 2, column 1: not valid YAML/);
    expect(caught(() => parseRegime('a: 1\na: 2\n')).message).toMatch(/Map keys must be unique/);
    expect(caught(() => parseRegime('{"a":', 'json')).message).toMatch(/\$: not valid JSON/);
    const err = caught(() => parseRegime('x: .inf\ny: !!binary aGVsbG8=\n'));
    expect(err.problems.map((p) => p.path)).toEqual(['$.x', '$.y']);
    expect(caught(() => parseRegime('')).problems[0]!.message).toBe('Invalid input: expected object, received null');
    expect(caught(() => parseRegime('a: &a [1]\nb: [*a, *a]\n')).code).toBe('REGIME_INVALID');
  });

  it('arbitrary text throws only REGIME_INVALID', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'grapheme' })), fc.boolean(), (text, json) => {
        try {
          parseRegime(text, json ? 'json' : 'yaml');
          return false; // nothing short and random is a valid regime
        } catch (err) {
          return err instanceof DetenteError && err.code === 'REGIME_INVALID';
        }
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary changes to a valid regime are accepted or refused with REGIME_INVALID, never crash', () => {
    const base = JSON.stringify(smallRegime());
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.string({ maxLength: 3 }), (at, insert) => {
        const text = base.slice(0, at) + insert + base.slice(at + 1);
        try {
          parseRegime(text, 'json');
        } catch (err) {
          return err instanceof DetenteError && err.code === 'REGIME_INVALID';
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
