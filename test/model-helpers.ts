/** Shared fixtures for the model tests: deterministic keys, the scenario regime, a small regime to break. */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import YAML from 'yaml';
import { toBase64, toHex, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { type RecipientKeyPair, recipientKeyPair } from '../src/crypto/hpke/index.js';
import { type EntryRef, type EntrySigner, entrySigner, parseRegime, type Regime } from '../src/model/index.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';

export const suite = nodeSuite;
const hasher = new Rfc6962Hasher(suite.sha256);

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository: above test/ when vitest runs the sources, above dist/test/ when a benchmark imports the build. */
const ROOT = basename(dirname(HERE)) === 'dist' ? join(HERE, '..', '..') : join(HERE, '..');

export const SCENARIO_REGIME = join(ROOT, 'scenarios', 'european-security-2022', 'regime.yaml');

/** A deterministic test seed per key id. */
export function seedOf(keyId: string): Uint8Array {
  return suite.sha256(utf8(`test seed ${keyId}`));
}

export function publicKeyOf(keyId: string): string {
  return toBase64(suite.ed25519.publicKey(seedOf(keyId)));
}

/** The scenario regime as written: recipient keys, New START data sealed to the US and Russia (issue 14). */
export function sealedScenarioText(): string {
  return readFileSync(SCENARIO_REGIME, 'utf8');
}

/**
 * The scenario regime in the clear: without its recipient keys and audiences, so that the tests of everything else
 * (which make Ed25519 keys for every key id and read every entry) run as before confidentiality. The tests of
 * confidentiality and of the scenario itself use it as written.
 */
export function scenarioText(): string {
  return sealedScenarioText()
    .replace(/^ +- \{ id: [a-z]+-recipient, roles: \[recipient\] \}\n/gm, '')
    .replace(/^ {4}audience: \[[a-z, ]+\]\n/gm, '')
    .replace(/^# --- Who reads what[\s\S]*?^audiences:\n(?: {2}- .*\n)+/m, '');
}

export function loadScenario(): Regime {
  return parseRegime(scenarioText(), { keys: (id) => publicKeyOf(id) });
}

/** A reference to a leaf as the log would hash it. */
export function refTo(origin: string, index: number, leaf: Uint8Array): EntryRef {
  return { origin, index, leafHash: toHex(hasher.hashLeaf(leaf)) };
}

/** A small regime that passes every check, as a plain object for tests to break. */
export function smallRegime(): any {
  const text = (en: string) => ({ en, ru: `${en} (ru)` });
  const party = (id: string, status = 'party') => ({
    id,
    name: text(id),
    status,
    origin: `example.org/${id}`,
    keys: [
      { id: `${id}-declarant`, roles: ['declarant'], publicKey: publicKeyOf(`${id}-declarant`) },
      { id: `${id}-inspector`, roles: ['inspector'], publicKey: publicKeyOf(`${id}-inspector`) },
    ],
  });
  return {
    format: 'detente-regime/1',
    id: 'small',
    version: 1,
    name: text('Small'),
    parties: [party('a'), party('b'), party('c', 'observer')],
    siteKinds: [{ id: 'base', name: text('Base') }],
    categories: [
      { id: 'missile', name: text('Missile'), kind: 'item', attributes: ['warheads'] },
      { id: 'troops', name: text('Troops'), kind: 'quantity' },
    ],
    groups: [
      {
        id: 'warheads',
        name: text('Warheads'),
        members: [{ category: 'missile', status: ['deployed'], count: { attribute: 'warheads' } }],
      },
    ],
    sites: [
      { id: 'a-base', name: text('A base'), host: 'a', kind: 'base', location: { lat: 50, lon: 10 } },
      { id: 'b-base', name: text('B base'), host: 'b', kind: 'base', location: { lat: 55, lon: 40 } },
    ],
    geography: { borders: { dataset: 'world-countries@5.1.0' } },
    zones: [
      {
        id: 'square',
        name: text('Square'),
        kind: 'area',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [30, 50],
              [31, 50],
              [31, 51],
              [30, 51],
              [30, 50],
            ],
          ],
        },
      },
      { id: 'band', name: text('Band'), kind: 'border-band', country: 'RUS', neighbour: 'UKR', widthKm: 100 },
    ],
    limits: [
      {
        id: 'warhead-limit',
        name: text('Warhead limit'),
        parties: ['a', 'b'],
        counts: { group: 'warheads' },
        atMost: 1550,
        from: '2018-02-05',
      },
      {
        id: 'no-missiles-in-square',
        name: text('No missiles in the square'),
        parties: ['a', 'b'],
        counts: { category: 'missile' },
        zone: 'square',
        atMost: 0,
        from: '2022-01-26',
      },
    ],
    notifications: [
      {
        id: 'movement',
        name: text('Movement'),
        parties: ['a', 'b'],
        trigger: { kind: 'movement', categories: ['missile'] },
        deadline: { after: 'P5D' },
        acknowledge: { within: 'P1D' },
      },
      {
        id: 'exercise',
        name: text('Exercise'),
        parties: ['a', 'b'],
        trigger: { kind: 'activity', anyOf: [{ category: 'troops', atLeast: 9000 }] },
        deadline: { before: 'P42D' },
      },
      {
        id: 'concern',
        name: text('Concern'),
        parties: ['a', 'b'],
        trigger: { kind: 'concern' },
        deadline: { after: 'PT48H' },
      },
    ],
    inspections: [
      {
        id: 'visit',
        name: text('Visit'),
        pairs: [
          { inspector: 'a', host: 'b' },
          { inspector: 'b', host: 'a' },
        ],
        where: { sites: ['a-base', 'b-base'] },
        quota: { count: 2, period: 'P1Y', anchor: '2022-01-26' },
        notice: 'P7D',
        duration: 'PT24H',
        verifies: [{ kind: 'absence', categories: ['missile'] }],
      },
    ],
    metrics: [
      {
        id: 'troops-in-band',
        name: text('Troops in the band'),
        party: 'b',
        zone: 'band',
        counts: { category: 'troops' },
        target: { atMost: 35000 },
        deadline: '2022-03-31',
        holdFor: 'P90D',
        evidence: { declarations: true, minSources: 2, tolerance: 0.1 },
      },
    ],
    commitments: [
      {
        id: 'a-no-missiles',
        party: 'a',
        name: text('A: no missiles'),
        statement: text('A will not'),
        undertakes: [{ kind: 'limit', limit: 'no-missiles-in-square' }],
        conditions: [
          { kind: 'accepted', commitment: 'b-no-missiles' },
          { kind: 'metric-met', metric: 'troops-in-band' },
        ],
      },
      {
        id: 'b-no-missiles',
        party: 'b',
        name: text('B: no missiles'),
        statement: text('B will not'),
        undertakes: [
          { kind: 'limit', limit: 'no-missiles-in-square' },
          { kind: 'host-inspections', inspection: 'visit' },
        ],
        conditions: [{ kind: 'accepted', commitment: 'a-no-missiles' }],
      },
    ],
    escrow: {
      padding: { multipleOf: 64, maxLeaves: 4096 },
      draw: { commitWithin: 'PT24H', revealWithin: 'PT24H', fallback: 'counterpart-chooses' },
    },
  };
}

/** The DetenteError `fn` throws (fails the test if it throws nothing or something else). */
export function caught(fn: () => unknown): DetenteError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DetenteError) return err;
    throw new Error(`expected a DetenteError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a DetenteError, nothing was thrown');
}

/** A deterministic X-Wing recipient key pair per key id (the private key is its 32-byte seed). */
export async function recipientKeyOf(keyId: string): Promise<RecipientKeyPair> {
  return recipientKeyPair(seedOf(`recipient ${keyId}`));
}

/**
 * The scenario regime with a recipient key `<party>-recipient` for each party (and `extra` further keys, such as a
 * rotated one) and the given `audiences`; for the confidentiality tests.
 */
export async function confidentialScenario(
  audiences: unknown[] = [{ types: ['declaration'], parties: ['us', 'ru'], audience: ['us', 'ru'] }],
  extra: Record<string, string> = {},
): Promise<Regime> {
  const doc = YAML.parse(scenarioText());
  const keys: Record<string, string> = {};
  for (const party of doc.parties) {
    const ids = [`${party.id}-recipient`, ...Object.keys(extra).filter((k) => extra[k] === party.id)];
    for (const id of ids) {
      party.keys.push({ id, roles: ['recipient'] });
      keys[id] = toBase64((await recipientKeyOf(id)).publicKey);
    }
  }
  doc.audiences = audiences;
  return parseRegime(JSON.stringify(doc), { format: 'json', keys: (id) => keys[id] ?? publicKeyOf(id) });
}

/** The US declarant's entry signer under `regime` (its key's seed from seedOf). */
export function usDeclarant(regime: Regime): EntrySigner {
  return entrySigner(suite, regime, 'us', 'us-declarant', seedOf('us-declarant'));
}

/** A US ICBM item of a declaration, its uid of 1 to `uidChars` characters after `US-`. */
export function usIcbmItem(uidChars: number) {
  return fc.record({
    uid: fc.stringMatching(new RegExp(`^US-[A-Z0-9-]{1,${uidChars}}$`)),
    category: fc.constant('icbm'),
    site: fc.constantFrom('malmstrom', 'minot'),
    status: fc.constantFrom('deployed', 'non-deployed'),
    attributes: fc.record({ warheads: fc.integer({ min: 0, max: 14 }) }),
  });
}
