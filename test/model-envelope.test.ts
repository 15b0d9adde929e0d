import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromUtf8, toBase64, toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import { portableSuite } from '../src/crypto/suite.js';
import {
  buildEnvelope,
  checkEntryRefs,
  countersignReport,
  decodeEntry,
  ENTRY_ROLE,
  ENTRY_TYPES,
  type EntryRef,
  type Envelope,
  type EnvelopeFields,
  encodeEntry,
  entrySigner,
  type InspectionReportBody,
  MAX_ENTRY_BYTES,
  preparedFromCanonical,
  prepareEntry,
  type Regime,
  regimeHash,
  type SignedEntry,
  sealPrepared,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { caught, confidentialScenario, refTo, seedOf, suite } from './model-helpers.js';

let regime: Regime;
const issuedAt = '2022-02-01T12:00:00Z';
const hex = (byte: number) => toHex(new Uint8Array(32).fill(byte));
const b64 = (byte: number) => toBase64(new Uint8Array(32).fill(byte));
const text = (en: string) => ({ en, ru: `${en} (по-русски)` });
const someRef = (i: number): EntryRef => refTo('detente.example/us', i, utf8(`leaf ${i}`));

/** One sample of every entry type (several notification kinds), each valid under the scenario regime. */
function samples(): EnvelopeFields[] {
  const us = (type: string, body: unknown, key = 'us-declarant') => ({ type, party: 'us', key, issuedAt, body });
  const ru = (type: string, body: unknown, key = 'ru-declarant') => ({ type, party: 'ru', key, issuedAt, body });
  const item = {
    uid: 'RU-ICBM-0001',
    category: 'icbm',
    site: 'kozelsk',
    status: 'deployed',
    attributes: { warheads: 4 },
  };
  const list = [
    us('regime-signature', { regime: regimeHash(regime, suite.sha256), id: regime.id, version: 1 }),
    ru('declaration', {
      form: 'plain',
      asOf: '2022-03-01',
      items: [item],
      quantities: [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: 120000 }],
    }),
    us('declaration', {
      form: 'escrowed',
      asOf: '2022-03-01',
      root: hex(7),
      leaves: 128,
      totals: [{ category: 'icbm', status: 'deployed', total: 400 }],
    }),
    ru('declaration-opening', {
      declaration: someRef(1),
      region: 'ukraine',
      leaves: [
        { index: 0, item, salt: b64(1), proof: [{ hash: hex(2), sums: { icbm: 3 } }] },
        { index: 1, item: null, salt: b64(3), proof: [] },
      ],
    }),
    us('notification', {
      kind: 'movement',
      rule: 'nst-movement',
      items: [{ uid: 'US-ICBM-0001', category: 'icbm' }],
      from: 'malmstrom',
      to: 'minot',
      at: '2022-02-01T08:00:00Z',
    }),
    ru('notification', {
      kind: 'status-change',
      rule: 'nst-status-change',
      changes: [{ uid: 'RU-HB-0007', category: 'heavy-bomber', from: 'deployed', to: 'non-deployed' }],
      site: 'engels',
      at: '2022-02-01T08:00:00Z',
    }),
    ru('notification', {
      kind: 'activity',
      rule: 'vd11-prior-notification',
      name: text('Exercise Union Resolve'),
      start: '2022-02-10T00:00:00Z',
      end: '2022-02-20T00:00:00Z',
      zone: 'ru-ukraine-border-band',
      quantities: [{ category: 'troops', quantity: 12800 }],
    }),
    us('notification', { kind: 'concern', rule: 'vd11-unusual-activity', addressee: 'ru', statement: text('Explain') }),
    ru('notification', {
      kind: 'explanation',
      rule: 'vd11-unusual-activity',
      concern: someRef(2),
      statement: text('Ok'),
    }),
    ru('acknowledgement', { notification: someRef(3) }),
    ru(
      'inspection-request',
      { inspection: 'aegis-ashore-transparency', host: 'us', site: 'deveselu', arrival: '2022-03-01T09:00:00Z' },
      'ru-inspector',
    ),
    ru('inspection-report', report(), 'ru-inspector'),
    us('inspection-refusal', { request: someRef(5), reason: text('Not now') }),
    {
      type: 'observation',
      party: 'nato',
      key: 'nato-inspector',
      issuedAt,
      body: {
        subject: 'ru',
        observedAt: '2022-02-01T06:00:00Z',
        place: { zone: 'ru-ukraine-border-band' },
        quantities: [{ category: 'troops', quantity: 100000 }],
        method: 'overhead-imagery',
        evidence: [{ sha256: hex(9), size: 1234567, mediaType: 'image/jpeg', name: 'pass-1.jpg' }],
        metric: 'ru-border-band-troops',
      },
    },
    us('commitment-accepted', { commitment: 'us-aegis-ashore-transparency', statement: text('We accept') }),
    ru('commitment-withdrawn', { commitment: 'ru-ground-missile-base-transparency', acceptance: someRef(4) }),
    us('random-commit', { draw: 'sites-2022', inspection: 'ru-ground-missile-base-transparency', commitment: hex(5) }),
    us('random-reveal', { commit: someRef(5), value: b64(6), salt: b64(8) }),
    us('consultation', {
      step: 'concern',
      mechanism: 'vd11-unusual-activities',
      addressee: 'ru',
      statement: { en: 'Please explain.', ru: 'Просим объяснить.' },
    }),
    ru('consultation', {
      step: 'reply',
      previous: someRef(7),
      stage: 'reply',
      statement: { en: 'Routine.', ru: 'Плановое.' },
    }),
    {
      type: 'mission',
      party: 'us',
      key: 'us-inspector',
      issuedAt,
      body: { step: 'lists', inspection: 'nst-type-one', host: 'ru', inspectors: ['A. Smith'], aircrew: ['B. Jones'] },
    },
    ru('proposal', {
      forum: 'ssd',
      track: 'inf-range-missiles',
      title: { en: 'Draft treaty', ru: 'Проект договора' },
      tabled: '2021-12-17T00:00:00Z',
      document: { sha256: 'ab'.repeat(32), size: 10, mediaType: 'text/markdown', name: 'draft.md' },
      draft: { sha256: 'cd'.repeat(32), size: 20, mediaType: 'application/yaml' },
    }),
    ru('assessment', {
      incident: 'inspection.item-not-found/detente.example/us#25',
      position: 'insufficient-information',
      statement: { en: 'The bomber was at Ukrainka.', ru: 'Бомбардировщик находился на Украинке.' },
    }),
    us('audience-key', {
      audience: ['ru', 'us'],
      period: '2022',
      wraps: ['ru', 'us'].map((p) => ({
        recipient: `${p}-recipient`,
        enc: toBase64(new Uint8Array(1120).fill(1)),
        key: toBase64(new Uint8Array(48).fill(2)),
      })),
    }),
    ru('sealed', {
      type: 'declaration',
      audience: ['ru', 'us'],
      keys: someRef(7),
      id: toBase64(new Uint8Array(16).fill(3)),
      commitment: hex(4),
      keyCommitment: hex(6),
      ciphertext: toBase64(new Uint8Array(100).fill(5)),
    }),
    ru('complaint', { entry: someRef(8), contentKey: b64(9) }),
  ];
  return list as EnvelopeFields[];
}

function report(): InspectionReportBody {
  const body: InspectionReportBody = {
    request: someRef(6),
    inspection: 'aegis-ashore-transparency',
    host: 'us',
    site: 'deveselu',
    start: '2022-03-01T09:00:00Z',
    end: '2022-03-01T21:00:00Z',
    findings: [
      { kind: 'absence', category: 'inf-range-glm', result: 'absent' },
      { kind: 'absence', category: 'inf-range-glm-launcher', result: 'absent' },
    ],
    hostComments: text('No comments'),
  };
  return countersignReport(suite, 'ru', body, 'us-inspector', seedOf('us-inspector'));
}

function sign(fields: EnvelopeFields, seedKey = fields.key): SignedEntry {
  return signEntry(suite, buildEnvelope(fields), seedOf(seedKey));
}

function leafWith(mutate: (leaf: any) => void, fields = samples()[1]!): Uint8Array {
  const leaf = JSON.parse(fromUtf8(encodeEntry(sign(fields))));
  mutate(leaf);
  return utf8(canonicalJson(leaf));
}

beforeAll(async () => {
  regime = await confidentialScenario();
});

describe('signed envelopes', () => {
  it('cover every entry type, each with the role its type needs', () => {
    const types = new Set(samples().map((s) => s.type));
    expect([...types].sort()).toEqual([...ENTRY_TYPES].sort());
    expect(ENTRY_ROLE.observation).toBe('inspector');
    expect(ENTRY_ROLE.declaration).toBe('declarant');
  });

  it('sign -> encode -> decode -> verify round-trips, byte for byte, with either crypto suite', () => {
    for (const fields of samples()) {
      const signed = sign(fields);
      const bytes = encodeEntry(signed);
      expect(bytes.length).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
      const decoded = decodeEntry(bytes);
      expect(decoded.envelope).toEqual(signed.envelope);
      expect(toHex(decoded.signature)).toBe(toHex(signed.signature));
      expect(toHex(encodeEntry(decoded))).toBe(toHex(bytes));
      verifyEntry(suite, regime, decoded);
      verifyEntry(portableSuite, regime, decoded);
    }
  });

  it('the leaf is the canonical JSON of {entry, sig}', () => {
    const signed = sign(samples()[0]!);
    const text = fromUtf8(encodeEntry(signed));
    expect(text.startsWith('{"entry":{"body":{"id":"european-security-2022","regime":"')).toBe(true);
    expect(text).toMatch(/"v":1},"sig":"[A-Za-z0-9+/]{86}=="}$/);
  });

  it('a forged signature is refused with SIGNATURE_INVALID', () => {
    const fields = samples()[1]!;
    const forged = sign(fields, 'us-declarant'); // signed by another key than the one it names
    const err = caught(() => verifyEntry(suite, regime, forged));
    expect(err.code).toBe('SIGNATURE_INVALID');
    expect(err.message).toContain('$.sig');
    const changed = sign(fields);
    const tampered = { ...changed, envelope: { ...changed.envelope, issuedAt: '2022-02-01T12:00:01Z' } as Envelope };
    expect(caught(() => verifyEntry(suite, regime, tampered)).code).toBe('SIGNATURE_INVALID');
  });

  it('a key of another party is refused with KEY_UNKNOWN', () => {
    const fields = { ...samples()[1]!, key: 'us-declarant' }; // party ru, key of us, signed by that key
    const err = caught(() => verifyEntry(suite, regime, sign(fields)));
    expect(err.code).toBe('KEY_UNKNOWN');
    expect(err.message).toBe('$.entry.key: key "us-declarant" belongs to "us", not "ru"');
    const unknown = caught(() => verifyEntry(suite, regime, sign({ ...fields, key: 'ru-spare' }, 'ru-declarant')));
    expect(unknown.code).toBe('KEY_UNKNOWN');
    expect(unknown.message).toContain('key "ru-spare" is not in regime');
    const party = caught(() => verifyEntry(suite, regime, sign({ ...fields, party: 'ua', key: 'ru-declarant' })));
    expect(party.code).toBe('KEY_UNKNOWN');
  });

  it('a key without the role is refused with ROLE_DENIED', () => {
    for (const key of ['ru-inspector', 'ru-witness', 'ru-log', 'ru-mirror']) {
      const err = caught(() => verifyEntry(suite, regime, sign({ ...samples()[1]!, key })));
      expect(err.code).toBe('ROLE_DENIED');
      expect(err.message).toContain('$.entry.key');
      expect(err.message).toContain('needs role "declarant"');
    }
    const observation = samples().find((s) => s.type === 'observation')!;
    const err = caught(() => verifyEntry(suite, regime, sign({ ...observation, key: 'nato-declarant' })));
    expect(err.code).toBe('ROLE_DENIED');
  });

  it('a non-canonical encoding is refused with SCHEMA_INVALID', () => {
    const bytes = encodeEntry(sign(samples()[1]!));
    const text = fromUtf8(bytes);
    const variants = [
      `${text}\n`,
      ` ${text}`,
      text.replace('"v":1', '"v":1.0'),
      text.replace('"v":1', '"v":1e0'),
      text.replace('{"entry":', '{ "entry":'),
      text.replace('"form":"plain"', '"form":"pl\\u0061in"'),
      JSON.stringify(JSON.parse(text), null, 1),
      // keys out of order
      `{"sig":${JSON.stringify(JSON.parse(text).sig)},"entry":${JSON.stringify(JSON.parse(text).entry)}}`,
      // a duplicated key that JSON.parse would silently drop
      text.replace('{"entry":', '{"sig":"x","entry":'),
    ];
    for (const variant of variants) {
      const err = caught(() => decodeEntry(utf8(variant)));
      expect(err.code, variant.slice(0, 40)).toBe('SCHEMA_INVALID');
      expect(err.message).toMatch(/not in canonical form|\$\.sig/);
    }
    expect(decodeEntry(bytes).envelope.type).toBe('declaration');
  });

  it('an oversized entry is refused with ENTRY_TOO_LARGE', () => {
    const fields = samples()[1]!;
    const many = Array.from({ length: 800 }, (_, i) => ({
      uid: `RU-ICBM-${String(i).padStart(5, '0')}`,
      category: 'icbm',
      site: 'kozelsk',
      status: 'deployed',
      attributes: { warheads: 4 },
    }));
    const big = { ...fields, body: { ...(fields.body as object), items: many } } as any;
    const err = caught(() => sign(big));
    expect(err.code).toBe('ENTRY_TOO_LARGE');
    expect(err.message).toContain('at most 65535');
    expect(caught(() => decodeEntry(new Uint8Array(MAX_ENTRY_BYTES + 1))).code).toBe('ENTRY_TOO_LARGE');
  });

  it('an unknown type is refused with SCHEMA_INVALID naming the field', () => {
    const err = caught(() => decodeEntry(leafWith((leaf) => (leaf.entry.type = 'treaty'))));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.message).toContain("$.entry.type: Invalid discriminator value. Expected 'regime-signature' |");
    expect(caught(() => buildEnvelope({ ...samples()[0]!, type: 'treaty' } as any)).message).toContain('$.type');
  });

  it('a bad field is refused with SCHEMA_INVALID naming it, every one', () => {
    const err = caught(() =>
      decodeEntry(
        leafWith((leaf) => {
          leaf.entry.body.items[0].status = 'parked';
          leaf.entry.body.items[0].colour = 'green';
          leaf.entry.issuedAt = 'yesterday';
          leaf.entry.refs = [{ origin: 'x', index: -1, leafHash: 'AB' }];
        }),
      ),
    );
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.problems.map((p) => p.path)).toEqual([
      '$.entry.issuedAt',
      '$.entry.body.items[0].status',
      '$.entry.body.items[0].colour',
      '$.entry.refs[0].index',
      '$.entry.refs[0].leafHash',
    ]);
    expect(caught(() => decodeEntry(leafWith((leaf) => (leaf.sig = 'AAAA')))).message).toContain(
      '$.sig: expected a 64-byte Ed25519 signature, got 3 bytes',
    );
    const build = caught(() => buildEnvelope({ ...samples()[1]!, body: { form: 'plain', asOf: '2022-13-01' } } as any));
    expect(build.problems.map((p) => p.path)).toEqual(['$.body.asOf', '$.body.items', '$.body.quantities']);
  });

  it('names the regime does not define are refused with SCHEMA_INVALID, every one', () => {
    const [, declaration] = samples();
    const body = declaration!.body as any;
    body.items.push({ ...body.items[0], category: 'tanks', site: 'atlantis' });
    body.items.push({ ...body.items[0], uid: 'RU-ICBM-0002', attributes: { megatons: 1 } });
    body.quantities.push({ category: 'icbm', quantity: 1 });
    const err = caught(() => verifyEntry(suite, regime, sign(declaration!)));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      '$.entry.body.items[1].category: unknown category "tanks" (not in regime "european-security-2022")',
      '$.entry.body.items[1].uid: "RU-ICBM-0001" is listed twice',
      '$.entry.body.items[1].site: unknown site "atlantis" (not in regime "european-security-2022")',
      '$.entry.body.items[2].attributes.megatons: category "icbm" has no attribute "megatons"',
      '$.entry.body.quantities[1].category: "icbm" is an item category, expected a quantity category',
    ]);

    const others = samples();
    const accept = others.find((s) => s.type === 'commitment-accepted')!;
    (accept.body as any).commitment = 'ru-ukraine-no-offensive-missiles';
    expect(caught(() => verifyEntry(suite, regime, sign(accept))).message).toContain(
      `commitment "ru-ukraine-no-offensive-missiles" is "ru"'s, not "us"'s`,
    );
    const request = others.find((s) => s.type === 'inspection-request')!;
    (request.body as any).site = 'luga';
    expect(caught(() => verifyEntry(suite, regime, sign(request))).problems.map((p) => p.message)).toEqual([
      'site "luga" is hosted by "ru", not "us"',
      'inspection type "aegis-ashore-transparency" does not cover site "luga"',
    ]);
  });

  it("checks the host escort's countersignature on an inspection report", () => {
    const fields = samples().find((s) => s.type === 'inspection-report')!;
    verifyEntry(suite, regime, sign(fields));
    const body = fields.body as InspectionReportBody;
    const altered = { ...fields, body: { ...body, findings: [body.findings[0]!] } } as EnvelopeFields;
    const err = caught(() => verifyEntry(suite, regime, sign(altered)));
    expect(err.code).toBe('SIGNATURE_INVALID');
    expect(err.message).toContain('$.entry.body.countersignature.sig');
    const byInspector = countersignReport(
      suite,
      'ru',
      { ...body, countersignature: undefined },
      'ru-inspector',
      seedOf('ru-inspector'),
    );
    const wrongParty = { ...fields, body: byInspector } as EnvelopeFields;
    const err2 = caught(() => verifyEntry(suite, regime, sign(wrongParty)));
    expect(err2.code).toBe('KEY_UNKNOWN');
    expect(err2.message).toContain('$.entry.body.countersignature.key: key "ru-inspector" belongs to "ru", not "us"');
  });

  it('references must name existing entries (REFERENCE_UNKNOWN lists each missing one)', () => {
    const ack = samples().find((s) => s.type === 'acknowledgement')!;
    const envelope = buildEnvelope({ ...ack, refs: [someRef(10), someRef(11)] });
    const have = new Set([someRef(3), someRef(10)].map((r) => JSON.stringify(r)));
    const exists = (r: EntryRef) => have.has(JSON.stringify(r));
    const err = caught(() => checkEntryRefs(envelope, exists));
    expect(err.code).toBe('REFERENCE_UNKNOWN');
    expect(err.problems.map((p) => p.path)).toEqual(['$.entry.refs[1]']);
    have.add(JSON.stringify(someRef(11)));
    checkEntryRefs(envelope, exists);
    have.delete(JSON.stringify(someRef(3)));
    expect(caught(() => checkEntryRefs(envelope, exists)).problems.map((p) => p.path)).toEqual([
      '$.entry.body.notification',
    ]);
  });
});

describe('sealing entries (a node signing its own statements)', () => {
  const seal = (fields: EnvelopeFields, seedKey = fields.key) => {
    // What a node does: prepare (every check), sign, seal.
    const prepared = prepareEntry(
      suite,
      regime,
      entrySigner(suite, regime, fields.party, fields.key, seedOf(seedKey)),
      fields,
    );
    return sealPrepared(prepared, suite.ed25519.sign(seedOf(seedKey), prepared.message));
  };

  it('gives the same leaf as build, sign, verify and encode, for every entry type', () => {
    for (const fields of samples()) {
      const { signed, leaf } = seal(fields);
      expect(toHex(leaf)).toBe(toHex(encodeEntry(sign(fields))));
      expect(toHex(encodeEntry(decodeEntry(leaf)))).toBe(toHex(leaf));
      verifyEntry(portableSuite, regime, signed);
    }
  });

  it('rebuilds a prepared entry from its canonical bytes alone, equal to what prepareEntry gave, for every entry type', () => {
    // What crosses from a node's entry workers and HTTP acceptors to its event loop (preparedFromCanonical).
    for (const fields of samples()) {
      const prepared = prepareEntry(
        suite,
        regime,
        entrySigner(suite, regime, fields.party, fields.key, seedOf(fields.key)),
        fields,
      );
      const again = preparedFromCanonical(prepared.canonical);
      expect(again).toEqual(prepared);
      expect(toHex(again.message)).toBe(toHex(prepared.message));
      const signature = suite.ed25519.sign(seedOf(fields.key), prepared.message);
      expect(toHex(sealPrepared(again, signature).leaf)).toBe(toHex(sealPrepared(prepared, signature).leaf));
    }
  });

  it('refuses a seed that is not the private key of the regime key it claims', () => {
    const err = caught(() => entrySigner(suite, regime, 'us', 'us-declarant', seedOf('us-inspector')));
    expect(err.code).toBe('KEY_UNKNOWN');
    expect(err.message).toContain('us-declarant');
    expect(caught(() => entrySigner(suite, regime, 'ru', 'us-declarant', seedOf('us-declarant'))).code).toBe(
      'KEY_UNKNOWN',
    );
  });

  it('refuses what verifyEntry refuses: a key without the role, names the regime lacks, an oversized entry', () => {
    const [regimeSignature, declaration] = samples();
    const wrongRole = { ...regimeSignature!, key: 'us-inspector' } as EnvelopeFields;
    expect(caught(() => seal(wrongRole)).code).toBe('ROLE_DENIED');
    const body = structuredClone(declaration!.body) as any;
    body.items[0].site = 'atlantis';
    const err = caught(() => seal({ ...declaration!, body } as EnvelopeFields));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.problems.map((p) => p.path)).toEqual(['$.body.items[0].site']);
    const big = structuredClone(declaration!.body) as any;
    big.items = Array.from({ length: 800 }, (_, i) => ({
      ...big.items[0],
      uid: `RU-ICBM-${String(i).padStart(4, '0')}`,
    }));
    expect(caught(() => seal({ ...declaration!, body: big } as EnvelopeFields)).code).toBe('ENTRY_TOO_LARGE');
  });

  it('accepts exactly what the sign-then-verify path accepts, leaf for leaf (property)', () => {
    const all = samples();
    fc.assert(
      fc.property(
        fc.nat(all.length - 1),
        fc.constantFrom('issuedAt', 'type', 'body', 'refs'),
        fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), fc.constant('declaration'), fc.constant([])),
        (which, field, value) => {
          const fields = { ...all[which]!, [field]: value } as EnvelopeFields;
          let viaSeal: string;
          let viaVerify: string;
          try {
            viaSeal = toHex(seal(fields, all[which]!.key).leaf);
          } catch (err) {
            viaSeal = (err as DetenteError).code;
          }
          try {
            const signed = signEntry(suite, buildEnvelope(fields), seedOf(all[which]!.key));
            verifyEntry(suite, regime, signed);
            viaVerify = toHex(encodeEntry(signed));
          } catch (err) {
            viaVerify = (err as DetenteError).code;
          }
          return viaSeal === viaVerify;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('properties', () => {
  it('decodeEntry fed arbitrary bytes throws only DetenteError', () => {
    const json = fc.json().map((s) => utf8(s));
    const leafish = fc
      .record({ entry: fc.record({ v: fc.constant(1), type: fc.constantFrom(...ENTRY_TYPES) }), sig: fc.string() })
      .map((o) => utf8(canonicalJson(JSON.parse(JSON.stringify(o)))));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), json, leafish), (bytes) => {
        try {
          decodeEntry(bytes);
          return false;
        } catch (err) {
          return err instanceof DetenteError;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('every single-bit change to a signed entry is refused (exhaustively, for two entries)', () => {
    const all = samples();
    for (const fields of [all[0]!, all[4]!]) {
      const bytes = encodeEntry(sign(fields));
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const flipped = bytes.slice();
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        const err = caught(() => verifyEntry(suite, regime, decodeEntry(flipped)));
        expect(['SCHEMA_INVALID', 'SIGNATURE_INVALID', 'KEY_UNKNOWN', 'ROLE_DENIED']).toContain(err.code);
      }
    }
  });

  it('any single-bit change to any sample entry is refused', () => {
    const leaves = samples().map((fields) => encodeEntry(sign(fields)));
    fc.assert(
      fc.property(fc.nat(leaves.length - 1), fc.nat(), (which, at) => {
        const bytes = leaves[which]!.slice();
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        try {
          verifyEntry(suite, regime, decodeEntry(bytes));
          return false;
        } catch (err) {
          return err instanceof DetenteError;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
