/**
 * Confidentiality in the model (issue 14): audiences in the regime and `regime check`, an entry's audience (narrow,
 * never widen), audience keys wrapped for recipient keys (rotation included), sealed entries signed over their
 * ciphertext and opened again, and every way a sealed entry can be wrong as a typed error.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { fromBase64, toBase64, toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJson, canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import type { DetenteError } from '../src/crypto/errors.js';
import { bodyCommitment, contentKey, sealBlob, sealBody } from '../src/crypto/hpke/index.js';
import { openSealedEntry } from '../src/engine/confidential.js';
import { scenarioRegime } from '../src/exercise/play.js';
import {
  audienceKeyBody,
  bodyOfPrepared,
  buildEnvelope,
  checkComplaint,
  type Envelope,
  type EnvelopeOf,
  entryAudience,
  openAudienceKey,
  openSealed,
  openSealedBlobs,
  parseRegime,
  type Regime,
  regimeAudience,
  regimeIndex,
  SEALED_BLOB_MEDIA_TYPE,
  sealEntry,
  sealEntryBlobs,
  sealedAad,
  sealedContentKey,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { expectCode } from './helpers-errors.js';
import {
  caught,
  confidentialScenario,
  publicKeyOf,
  recipientKeyOf,
  scenarioText,
  seedOf,
  suite,
} from './model-helpers.js';

const sym = symmetricNode;
const issuedAt = '2022-02-05T12:00:00Z';
let regime: Regime;

const declaration = (party = 'us'): Envelope =>
  buildEnvelope({
    type: 'declaration',
    party,
    key: `${party}-declarant`,
    issuedAt,
    body: {
      form: 'plain',
      asOf: '2022-02-01',
      items: [
        { uid: 'US-ICBM-0001', category: 'icbm', site: 'malmstrom', status: 'deployed', attributes: { warheads: 1 } },
      ],
      quantities: [],
    },
  } as never);

const someRef = { origin: 'detente.example/us', index: 0, leafHash: 'ab'.repeat(32) };

async function privateKeys(...ids: string[]): Promise<Map<string, Uint8Array>> {
  return new Map(await Promise.all(ids.map(async (id) => [id, (await recipientKeyOf(id)).privateKey] as const)));
}

const keyParty = (r: Regime) => (id: string) => regimeIndex(r).keys.get(id)?.party.id;

beforeAll(async () => {
  regime = await confidentialScenario();
});

describe('regime check: audiences and recipient keys', () => {
  const problems = async (mutate: (doc: any) => void): Promise<string[]> => {
    const doc = YAML.parse(scenarioText());
    const listed = new Set<string>(doc.parties.flatMap((p: any) => p.keys.map((k: any) => k.id)));
    mutate(doc);
    const keys = (id: string) => (listed.has(id) ? publicKeyOf(id) : undefined);
    try {
      parseRegime(JSON.stringify(doc), { format: 'json', keys, allowMissingKeys: true });
      return [];
    } catch (e) {
      expect((e as DetenteError).code).toBe('REGIME_INVALID');
      return (e as DetenteError).problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('accepts audiences that include every party who writes or reads, and regimes without any keep their hash', async () => {
    expect(
      await problems((d) => {
        d.audiences = [
          { types: ['declaration', 'declaration-opening'], parties: ['us', 'ru'], audience: ['us', 'ru'] },
        ];
        d.notifications[0].audience = ['us', 'ru'];
        d.inspections[0].audience = 'public';
      }),
    ).toEqual([]);
    expect(regime.audiences).toHaveLength(1);
  });

  it('refuses an unknown party, a party named twice, and an audience that leaves a writer or reader out', async () => {
    const found = await problems((d) => {
      d.audiences = [
        { types: ['declaration'], parties: ['us'], audience: ['us', 'mars'] },
        { types: ['observation'], parties: ['nato'], audience: ['us'] },
        { types: ['notification'], audience: ['us', 'ru'] },
        { types: ['regime-signature'], audience: ['us'] },
      ];
      d.notifications[0].audience = ['us', 'us'];
      d.inspections[0].audience = ['nato'];
    });
    expect(found).toEqual(
      expect.arrayContaining([
        '$.audiences[0].audience[1]: unknown party "mars"',
        '$.audiences[1].audience: leaves out "nato", an author it names',
        // Every party may author a notification: NATO, the host nations and Ukraine too.
        '$.audiences[2].audience: leaves out "nato", "ro", "pl", "ua", a possible author',
        expect.stringMatching(/^\$\.audiences\[3\]\.types\[0\]: /),
        '$.notifications[0].audience[1]: "us" is listed twice',
        '$.notifications[0].audience: leaves out "ru", a party to this rule',
        expect.stringMatching(/^\$\.inspections\[0\]\.audience: leaves out "(us|ru)", "(us|ru)", an inspector or host/),
      ]),
    );
  });

  it('refuses a recipient key that also signs, or that is not an X-Wing key, and an X-Wing key that signs', async () => {
    const x = toBase64((await recipientKeyOf('x')).publicKey);
    const y = toBase64((await recipientKeyOf('y')).publicKey);
    const found = await problems((d) => {
      d.parties[0].keys.push({ id: 'us-r1', roles: ['recipient', 'declarant'], publicKey: x });
      d.parties[1].keys.push({ id: 'ru-r1', roles: ['recipient'], publicKey: publicKeyOf('ru-r1') });
      d.parties[2].keys.push({ id: 'nato-d', roles: ['declarant'], publicKey: y });
    });
    expect(found.map((f) => f.replace(/keys\[\d+\]/, 'keys[n]'))).toEqual([
      '$.parties[0].keys[n].roles: a recipient key only receives: it cannot also hold a signing role',
      '$.parties[1].keys[n].publicKey: a recipient key is an X-Wing key: 1,216 bytes, base64',
      '$.parties[2].keys[n].publicKey: a signing key is an Ed25519 key: 32 bytes, base64',
    ]);
  });
});

describe("an entry's audience", () => {
  it("is the regime's, or narrower; widening, leaving the author out, unknown parties and public-only types are refused", () => {
    const d = declaration('us');
    expect(regimeAudience(regime, d)).toEqual(['us', 'ru']);
    expect(regimeAudience(regime, declaration('nato'))).toBe('public');
    expect(entryAudience(regime, d)).toEqual(['us', 'ru']);
    expect(entryAudience(regime, d, ['us'])).toEqual(['us']);
    const refused = (requested: any, envelope = d) => {
      const err = caught(() => entryAudience(regime, envelope, requested));
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.problems[0]?.path).toBe('$.audience');
      return err.problems[0]!.message;
    };
    expect(refused('public')).toMatch(/widens/);
    expect(refused(['us', 'ru', 'nato'])).toMatch(/widens/);
    expect(refused(['ru'])).toMatch(/leaves out the author "us"/);
    expect(refused(['us', 'mars'])).toMatch(/unknown party "mars"/);
    const signature = buildEnvelope({
      type: 'regime-signature',
      party: 'us',
      key: 'us-declarant',
      issuedAt,
      body: { regime: 'ab'.repeat(32), id: regime.id, version: 1 },
    } as never);
    expect(refused(['us'], signature)).toMatch(/always public/);
  });

  it("a mission step goes with its inspection's audience; an assessment may narrow to its incident's", async () => {
    // The 2022 scenario's regime as written (its inspection types carry their audiences).
    const { regime } = scenarioRegime('european-security-2022');
    const lists = buildEnvelope({
      type: 'mission',
      party: 'us',
      key: 'us-declarant',
      issuedAt,
      body: { step: 'lists', inspection: 'nst-type-one', host: 'ru', inspectors: ['A. Smith'], aircrew: ['B. Jones'] },
    } as never);
    const ix = regimeIndex(regime);
    const nstAudience = ix.inspections.get('nst-type-one')?.audience;
    expect(nstAudience).toEqual(['us', 'ru']);
    expect(regimeAudience(regime, lists)).toEqual(nstAudience);
    expect(entryAudience(regime, lists)).toEqual(['us', 'ru']);
    expect(caught(() => entryAudience(regime, lists, ['us', 'ru', 'nato'])).problems[0]!.message).toMatch(/widens/);
    const assessment = buildEnvelope({
      type: 'assessment',
      party: 'ru',
      key: 'ru-declarant',
      issuedAt,
      body: {
        incident: 'escrow.declared-not-found/detente.example/us#29',
        position: 'concern',
        statement: { en: 'Not found', ru: 'Не найдено' },
      },
    } as never);
    // The scenario seals US and Russian assessments to the two of them; under a regime that leaves them public, the
    // author may narrow one to its incident's audience.
    expect(regimeAudience(regime, assessment)).toEqual(['us', 'ru']);
    const open = await confidentialScenario([]);
    expect(regimeAudience(open, assessment)).toBe('public');
    expect(entryAudience(open, assessment, ['us', 'ru'])).toEqual(['ru', 'us']);
    // Mission steps after the lists name only their request: the regime's `audiences` rule gives theirs.
    const designation = buildEnvelope({
      type: 'mission',
      party: 'ru',
      key: 'ru-declarant',
      issuedAt,
      body: { step: 'designation', request: someRef, site: 'kozelsk' },
    } as never);
    expect(regimeAudience(regime, designation)).toEqual(['us', 'ru']);
    expect(regimeAudience(open, designation)).toBe('public');
    // A type that stays public stays so.
    const accepted = buildEnvelope({
      type: 'commitment-accepted',
      party: 'ru',
      key: 'ru-declarant',
      issuedAt,
      body: { commitment: 'us-aegis-ashore-transparency', statement: { en: 'We accept', ru: 'Принимаем' } },
    } as never);
    expect(caught(() => entryAudience(regime, accepted, ['us', 'ru'])).problems[0]!.message).toMatch(/always public/);
  });
});

describe('sealed entries', () => {
  async function sealedDeclaration(audienceKey = new Uint8Array(32).fill(9)) {
    const body = await audienceKeyBody(regime, 'us', ['us', 'ru'], '2022', audienceKey);
    const keysEntry = buildEnvelope({
      type: 'audience-key',
      party: 'us',
      key: 'us-declarant',
      issuedAt,
      body,
    } as never);
    verifyEntry(suite, regime, signEntry(suite, keysEntry, seedOf('us-declarant')));
    const plain = declaration('us');
    const sealed = sealEntry(sym, suite.sha256, plain, {
      audience: ['us', 'ru'],
      keys: someRef,
      audienceKey,
      id: new Uint8Array(16).fill(1),
      salt: new Uint8Array(32).fill(2),
    });
    return { plain, sealed, keysEntry: keysEntry as EnvelopeOf<'audience-key'> };
  }

  it('each party of the audience opens the audience key and the entry; the signature covers the ciphertext', async () => {
    const { plain, sealed, keysEntry } = await sealedDeclaration();
    const signed = signEntry(suite, sealed, seedOf('us-declarant'));
    verifyEntry(suite, regime, signed);
    for (const reader of ['us', 'ru']) {
      const key = await openAudienceKey(
        regime.id,
        keysEntry,
        reader,
        await privateKeys(`${reader}-recipient`),
        keyParty(regime),
      );
      expect(openSealed(sym, suite.sha256, sealed, sealedContentKey(sym, sealed, key))).toEqual(plain);
    }
    // NATO is not in the audience: no copy is wrapped for it, and its key opens none.
    const nato = await privateKeys('nato-recipient');
    await expect(openAudienceKey(regime.id, keysEntry, 'nato', nato, keyParty(regime))).rejects.toMatchObject({
      code: 'KEY_UNKNOWN',
    });
    // Any change to the ciphertext breaks the author's signature.
    const altered = {
      ...sealed,
      body: { ...sealed.body, ciphertext: toBase64(flip(fromBase64(sealed.body.ciphertext), 3)) },
    };
    expectCode(() => verifyEntry(suite, regime, { ...signed, envelope: altered }), 'SIGNATURE_INVALID');
    // The plaintext is nowhere in the sealed entry.
    expect(JSON.stringify(sealed)).not.toContain('US-ICBM-0001');
    expect(JSON.stringify(sealed)).not.toContain('malmstrom');
  });

  it('a node lacking the recipient key the entry was wrapped for is told which key', async () => {
    const { keysEntry } = await sealedDeclaration();
    await expect(openAudienceKey(regime.id, keysEntry, 'ru', new Map(), keyParty(regime))).rejects.toThrow(
      /recipient key "ru-recipient" is not on this node/,
    );
  });

  it('wrong or swapped content key, altered envelope or ciphertext, commitment mismatch: each a typed error', async () => {
    const { sealed } = await sealedDeclaration();
    const audienceKey = new Uint8Array(32).fill(9);
    const key = sealedContentKey(sym, sealed, audienceKey);
    const open =
      (e: EnvelopeOf<'sealed'>, k = key) =>
      () =>
        openSealed(sym, suite.sha256, e, k);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(), fc.nat(), (otherId, bit, cut) => {
        fc.pre(toBase64(otherId) !== sealed.body.id);
        expectCode(open(sealed, contentKey(sym, audienceKey, otherId)), 'DECRYPTION_FAILED'); // swapped
        expectCode(
          open(sealed, contentKey(sym, flip(audienceKey, bit), fromBase64(sealed.body.id))),
          'DECRYPTION_FAILED',
        );
        const ct = fromBase64(sealed.body.ciphertext);
        const withCt = (bytes: Uint8Array) => ({ ...sealed, body: { ...sealed.body, ciphertext: toBase64(bytes) } });
        expectCode(open(withCt(flip(ct, bit))), 'DECRYPTION_FAILED');
        const length = cut % ct.length;
        expectCode(open(withCt(ct.subarray(0, length))), length < 16 ? 'CIPHERTEXT_MALFORMED' : 'DECRYPTION_FAILED');
        // The envelope is the associated data: moving the ciphertext to another time or party fails.
        expectCode(open({ ...sealed, issuedAt: '2022-02-06T12:00:00Z' }), 'DECRYPTION_FAILED');
      }),
      { numRuns: 50 },
    );
    // An author who commits to one body and encrypts another (the commitment is in the associated data, so the
    // lie is sealed in place), or encrypts what is not a body of the stated type.
    const salt = new Uint8Array(32).fill(2);
    const sealAs = (body: Uint8Array, committed: Uint8Array): EnvelopeOf<'sealed'> => {
      const draft = {
        ...sealed,
        body: { ...sealed.body, commitment: toHex(bodyCommitment(suite.sha256, salt, committed)), ciphertext: '' },
      };
      const ct = sealBody(sym, suite.sha256, key, body, sealedAad(draft), salt).ciphertext;
      return { ...draft, body: { ...draft.body, ciphertext: toBase64(ct) } };
    };
    const truth = canonicalJsonBytes(declaration('us').body);
    const other = canonicalJsonBytes({ ...declaration('us').body, asOf: '2022-01-01' });
    expectCode(open(sealAs(truth, other)), 'COMMITMENT_MISMATCH');
    expect(open(sealAs(truth, truth))()).toEqual(declaration('us'));
    const notADeclaration = canonicalJsonBytes({ form: 'plain' });
    expectCode(open(sealAs(notADeclaration, notADeclaration)), 'SCHEMA_INVALID');
    const notCanonical = utf8('{ "form": "plain" }');
    expectCode(open(sealAs(notCanonical, notCanonical)), 'SCHEMA_INVALID');
  });

  it('rotation: entries wrapped for the old key and for the new one both read', async () => {
    const rotated = await confidentialScenario(undefined, { 'ru-recipient-2': 'ru' });
    const oldKey = new Uint8Array(32).fill(1);
    const newKey = new Uint8Array(32).fill(2);
    const before = await audienceKeyBody(regime, 'us', ['us', 'ru'], '2022', oldKey); // wrapped for ru-recipient
    const after = await audienceKeyBody(rotated, 'us', ['us', 'ru'], '2023', newKey); // for ru-recipient-2
    expect(before.wraps.map((w) => w.recipient)).toEqual(['ru-recipient', 'us-recipient']);
    expect(after.wraps.map((w) => w.recipient)).toEqual(['ru-recipient-2', 'us-recipient']);
    const ruKeys = await privateKeys('ru-recipient', 'ru-recipient-2');
    const entry = (body: typeof before) =>
      buildEnvelope({
        type: 'audience-key',
        party: 'us',
        key: 'us-declarant',
        issuedAt,
        body,
      } as never) as EnvelopeOf<'audience-key'>;
    expect(await openAudienceKey(rotated.id, entry(before), 'ru', ruKeys, keyParty(rotated))).toEqual(oldKey);
    expect(await openAudienceKey(rotated.id, entry(after), 'ru', ruKeys, keyParty(rotated))).toEqual(newKey);
    verifyEntry(suite, rotated, signEntry(suite, entry(before), seedOf('us-declarant')));
    verifyEntry(suite, rotated, signEntry(suite, entry(after), seedOf('us-declarant')));
  });

  it('an audience key entry must wrap once for each party of the audience, to that party recipient key', async () => {
    const body = await audienceKeyBody(regime, 'us', ['us', 'ru'], '2022', new Uint8Array(32));
    const check = (b: unknown) =>
      caught(() =>
        verifyEntry(
          suite,
          regime,
          signEntry(
            suite,
            buildEnvelope({ type: 'audience-key', party: 'us', key: 'us-declarant', issuedAt, body: b } as never),
            seedOf('us-declarant'),
          ),
        ),
      ).problems.map((p) => `${p.path}: ${p.message}`);
    expect(check({ ...body, wraps: body.wraps.slice(1) })).toEqual(['$.entry.body.wraps: no key wrapped for "ru"']);
    expect(check({ ...body, wraps: [{ ...body.wraps[0]!, recipient: 'us-declarant' }, body.wraps[1]] })).toEqual([
      '$.entry.body.wraps[0].recipient: key "us-declarant" is not a recipient key',
      '$.entry.body.wraps: no key wrapped for "ru"',
    ]);
    expect(check({ ...body, audience: ['ru'], wraps: body.wraps.slice(0, 1) })).toEqual([
      '$.entry.body.audience: leaves out the author "us": a party always reads its own entries',
    ]);
  });
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const i = bit % (out.length * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

describe('complaints, checked offline', () => {
  it('a revealed content key opens its own entry and no other, and settles the complaint from public data', () => {
    const audienceKey = new Uint8Array(32).fill(9);
    const seal = (issuedAt: string, id: number) =>
      sealEntry(
        sym,
        suite.sha256,
        { ...declaration('us'), issuedAt },
        {
          audience: ['us', 'ru'],
          keys: someRef,
          audienceKey,
          id: new Uint8Array(16).fill(id),
          salt: new Uint8Array(32).fill(id),
        },
      );
    const one = seal('2022-02-05T12:00:00Z', 1);
    const two = seal('2022-02-06T12:00:00Z', 2);
    const key = toBase64(sealedContentKey(sym, one, audienceKey));
    expect(checkComplaint(sym, suite.sha256, regime, one, key)).toEqual({ verdict: 'false', reason: 'OPENS' });
    // The key of one entry is not the key of another under the same audience key.
    expectCode(() => openSealed(sym, suite.sha256, two, fromBase64(key)), 'DECRYPTION_FAILED');
    expect(checkComplaint(sym, suite.sha256, regime, two, key)).toEqual({
      verdict: 'false',
      reason: 'KEY_NOT_COMMITTED',
    });
    // A ciphertext altered after sealing (and signed so by its author) opens to nothing: the author's fault.
    const ct = fromBase64(one.body.ciphertext);
    const broken = { ...one, body: { ...one.body, ciphertext: toBase64(flip(ct, 9)) } };
    expect(checkComplaint(sym, suite.sha256, regime, broken, key)).toEqual({
      verdict: 'undecryptable',
      reason: 'DECRYPTION_FAILED',
    });
  });

  it('given the opening a fold kept (openSealedEntry), reaches the verdict it reaches decrypting again', () => {
    const audienceKey = new Uint8Array(32).fill(9);
    const one = sealEntry(sym, suite.sha256, declaration('us'), {
      audience: ['us', 'ru'],
      keys: someRef,
      audienceKey,
      id: new Uint8Array(16).fill(3),
      salt: new Uint8Array(32).fill(3),
    });
    const ct = fromBase64(one.body.ciphertext);
    const key = sealedContentKey(sym, one, audienceKey);
    fc.assert(
      fc.property(fc.option(fc.nat(ct.length * 8 - 1)), fc.option(fc.nat(255)), (bit, keyByte) => {
        const entry = bit === null ? one : { ...one, body: { ...one.body, ciphertext: toBase64(flip(ct, bit)) } };
        const k = key.slice();
        if (keyByte !== null) k[keyByte % 32]! ^= 1;
        const kept = openSealedEntry(sym, suite.sha256, entry, k);
        expect(checkComplaint(sym, suite.sha256, regime, entry, toBase64(k), undefined, kept)).toEqual(
          checkComplaint(sym, suite.sha256, regime, entry, toBase64(k)),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe("a sealed entry's blobs", () => {
  const audienceKey = new Uint8Array(32).fill(9);
  const item = (n: number) => ({
    uid: `US-ICBM-${String(n).padStart(4, '0')}`,
    category: 'icbm',
    site: 'malmstrom',
    status: 'deployed',
    attributes: { warheads: 1 },
  });
  /** A plain US declaration naming two blobs of further items, sealed with them. */
  function sealedWithBlobs() {
    const plaintexts = [[item(2), item(3)], [item(4)]].map((items) => canonicalJsonBytes(items));
    const more = plaintexts.map((bytes, i) => ({
      sha256: toHex(suite.sha256(bytes)),
      size: bytes.length,
      mediaType: 'application/json',
      name: `items-${i + 1}.json`,
    }));
    const base = declaration('us') as EnvelopeOf<'declaration'>;
    const plain = { ...base, body: { ...base.body, more } } as Envelope;
    const o = {
      audience: ['us', 'ru'],
      keys: someRef,
      audienceKey,
      id: new Uint8Array(16).fill(1),
      salt: new Uint8Array(32).fill(2),
    };
    const { sealed, blobs } = sealEntryBlobs(sym, suite.sha256, plain, o, plaintexts);
    return { plain, sealed, blobs, plaintexts, key: sealedContentKey(sym, sealed, audienceKey), o };
  }

  it('are named by their ciphertexts in the public envelope, and open to the bytes the sealed body names', () => {
    const { plain, sealed, blobs, plaintexts, key } = sealedWithBlobs();
    expect(sealed.body.blobs).toEqual(blobs.map((b) => b.ref));
    for (const [i, b] of blobs.entries()) {
      expect(b.ref.mediaType).toBe(SEALED_BLOB_MEDIA_TYPE);
      expect(b.ref.size).toBe(plaintexts[i]!.length + 16);
      // Nothing of an item in a ciphertext, nor in the envelope.
      expect(Buffer.from(b.bytes).toString('latin1')).not.toContain('US-ICBM');
    }
    expect(JSON.stringify(sealed)).not.toContain('US-ICBM');
    // Built with its keys in canonical order (what canonicalJson's fast path needs), blobs and all.
    expect(JSON.stringify(sealed)).toBe(canonicalJson(sealed));
    verifyEntry(suite, regime, signEntry(suite, sealed, seedOf('us-declarant')));
    const opened = openSealed(sym, suite.sha256, sealed, key);
    expect(opened).toEqual(plain);
    const bytes = blobs.map((b) => b.bytes);
    expect(openSealedBlobs(sym, suite.sha256, sealed, opened, key, bytes)).toEqual(plaintexts);
    // A blob not held yet, or bytes that are not the ciphertext named: not held, nothing else.
    expect(openSealedBlobs(sym, suite.sha256, sealed, opened, key, [undefined, bytes[1]])).toEqual([
      undefined,
      plaintexts[1],
    ]);
    expect(openSealedBlobs(sym, suite.sha256, sealed, opened, key, [bytes[1], bytes[1]])[0]).toBeUndefined();
    expect(checkComplaint(sym, suite.sha256, regime, sealed, toBase64(key), bytes)).toEqual({
      verdict: 'false',
      reason: 'OPENS',
    });
  });

  it('a blob sealed under another key or index, or to other bytes than the body names, is the author’s fault', () => {
    const { plain, sealed, blobs, key, o, plaintexts } = sealedWithBlobs();
    const opened = openSealed(sym, suite.sha256, sealed, key);
    // The author signs an envelope naming ciphertexts that do not open: blob 1's bytes at index 0, and so on.
    const rename = (bytes: Uint8Array[]) => {
      const refs = bytes.map((b) => ({ sha256: toHex(suite.sha256(b)), size: b.length, mediaType: 'x/y' }));
      return { envelope: sealEntry(sym, suite.sha256, plain, { ...o, blobs: refs }), bytes };
    };
    const swapped = rename([blobs[1]!.bytes, blobs[0]!.bytes]);
    const flipped = rename([flip(blobs[0]!.bytes, 5), blobs[1]!.bytes]);
    for (const bad of [swapped, flipped]) {
      const e = openSealed(sym, suite.sha256, bad.envelope, key);
      expectCode(() => openSealedBlobs(sym, suite.sha256, bad.envelope, e, key, bad.bytes), 'DECRYPTION_FAILED');
      expect(checkComplaint(sym, suite.sha256, regime, bad.envelope, toBase64(key), bad.bytes)).toEqual({
        verdict: 'undecryptable',
        reason: 'DECRYPTION_FAILED',
      });
    }
    // Sealed properly, but not the bytes the body commits to (the author sealed other items than it named).
    const other = sealBlob(sym, key, 0, canonicalJsonBytes([item(9)]));
    const wrong = rename([other, blobs[1]!.bytes]);
    const e = openSealed(sym, suite.sha256, wrong.envelope, key);
    expectCode(() => openSealedBlobs(sym, suite.sha256, wrong.envelope, e, key, wrong.bytes), 'COMMITMENT_MISMATCH');
    expect(checkComplaint(sym, suite.sha256, regime, wrong.envelope, toBase64(key), wrong.bytes).verdict).toBe(
      'undecryptable',
    );
    // An envelope naming another number of blobs than the body: the body does not open (SCHEMA_INVALID).
    const short = rename([blobs[0]!.bytes]);
    expectCode(() => openSealed(sym, suite.sha256, short.envelope, key), 'SCHEMA_INVALID');
    // Plaintexts that are not the blobs the entry names are refused before anything is sealed.
    expectCode(() => sealEntryBlobs(sym, suite.sha256, plain, o, [plaintexts[1]!, plaintexts[0]!]), 'BAD_INPUT');
    expectCode(() => sealEntryBlobs(sym, suite.sha256, plain, o, [plaintexts[0]!]), 'BAD_INPUT');
    expect(opened).toEqual(plain);
  });
});

describe("a prepared entry's body bytes (what sealing encrypts)", () => {
  it('cut from its canonical envelope, are the canonical JSON of its body, whatever the body holds', () => {
    // Bodies of any JSON, with members named issuedAt and strings holding the text the cut looks for.
    const tricky = fc.constantFrom(',"issuedAt":', '{"body":', '"', '\\', ',"issuedAt":"2022"', 'é');
    const value = fc.oneof(fc.jsonValue(), tricky, fc.record({ issuedAt: fc.oneof(tricky, fc.jsonValue()) }));
    const body = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('issuedAt', 'body', 'refs')), value);
    const ref = fc.record({
      origin: fc.constantFrom('detente.example/us'),
      index: fc.nat(),
      leafHash: fc.constant('ab'.repeat(32)),
    });
    fc.assert(
      fc.property(body, fc.array(ref, { maxLength: 3 }), (raw, refs) => {
        const b = JSON.parse(JSON.stringify(raw)); // plain objects (fast-check's have no prototype)
        const envelope = {
          v: 1,
          type: 'notification',
          party: 'us',
          key: 'us-declarant',
          issuedAt: '2022-02-24T04:00:00.000Z',
          body: b,
          refs: JSON.parse(JSON.stringify(refs)),
        } as unknown as Envelope;
        const canonical = canonicalJsonBytes(envelope);
        const cut = bodyOfPrepared({ envelope, canonical, message: canonical });
        expect(toHex(cut)).toBe(toHex(canonicalJsonBytes(b)));
      }),
      { numRuns: 500 },
    );
  });
});
