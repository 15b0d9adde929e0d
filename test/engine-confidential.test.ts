/**
 * The fold per audience (issue 14): each reader folds what its party may read. Readers of the same audience compute
 * the same bytes, and the same holdings as a fold of the entries in the clear; a reader outside it (and the public
 * view) sees that sealed entries exist, not what they say; findings resting on sealed entries carry their audience.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import type { SymmetricSuite } from '../src/crypto/hpke/index.js';
import { type EngineEntry, fold, OpenedEntries } from '../src/engine/index.js';
import {
  audienceKeyBody,
  buildEnvelope,
  type EnvelopeOf,
  openAudienceKey,
  type Regime,
  regimeIndex,
  sealEntry,
  sealEntryBlobs,
  sealedContentKey,
  sealingRandomness,
} from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { ref, Script, T, zonesOf } from './engine-helpers.js';
import { confidentialScenario, recipientKeyOf, suite } from './model-helpers.js';

const sym = symmetricNode;
let regime: Regime;
const audienceKey = new Uint8Array(32).fill(42);

/** A blob of further items the US declaration names (sealed with it; the readers below are not given it). */
const MORE = new TextEncoder().encode(
  '[{"category":"icbm","site":"malmstrom","status":"deployed","uid":"US-ICBM-0002"}]',
);

const declarationBody = (warheads: number, more = false) => ({
  form: 'plain',
  asOf: '2022-02-01',
  items: [{ uid: 'US-ICBM-0001', category: 'icbm', site: 'malmstrom', status: 'deployed', attributes: { warheads } }],
  quantities: [],
  // Further items in a blob the reader does not hold: a finding (declaration.incomplete) that rests on this entry.
  ...(more ? { more: [{ sha256: toHex(suite.sha256(MORE)), size: MORE.length, mediaType: 'application/json' }] } : {}),
});

/** The script twice: once with the US declaration sealed to [ru, us], once in the clear. */
async function scripts() {
  const sealed = new Script(regime);
  const clear = new Script(regime);
  for (const s of [sealed, clear]) s.signAll();
  const at = '2022-02-02T10:00:00.000Z';
  const keysBody = await audienceKeyBody(regime, 'us', ['us', 'ru'], '2022', audienceKey);
  const keysEntry = sealed.add('us', 'audience-key', keysBody, '2022-02-02T09:00:00.000Z');
  clear.add(
    'us',
    'random-commit',
    { draw: 'padding', inspection: 'ru-ground-missile-base-transparency', commitment: 'ab'.repeat(32) },
    '2022-02-02T09:00:00.000Z',
  );
  const plain = buildEnvelope({
    type: 'declaration',
    party: 'us',
    key: 'us-declarant',
    issuedAt: at,
    body: declarationBody(1, true),
  } as never);
  const { id, salt } = sealingRandomness(sym, audienceKey, new TextEncoder().encode(canonicalJson(plain)));
  const { sealed: envelope, blobs } = sealEntryBlobs(
    sym,
    suite.sha256,
    plain,
    { audience: ['us', 'ru'], keys: ref(keysEntry), audienceKey, id, salt },
    [MORE],
  );
  const sealedEntry = sealed.add('us', 'sealed', envelope.body, at);
  expect(sealedEntry.envelope).toEqual(envelope);
  clear.add('us', 'declaration', plain.body, at);
  return { sealed, clear, keysEntry, sealedEntry, plain, blobs, seal: { id, salt } };
}

/** The entries as `reader` folds them: with the content key of each sealed entry its recipient key opens. */
async function view(
  entries: EngineEntry[],
  keysEntry: EngineEntry,
  reader: string | undefined,
): Promise<EngineEntry[]> {
  if (!reader) return entries;
  const ix = regimeIndex(regime);
  const privateKeys = new Map([[`${reader}-recipient`, (await recipientKeyOf(`${reader}-recipient`)).privateKey]]);
  let key: Uint8Array | undefined;
  try {
    key = await openAudienceKey(
      regime.id,
      keysEntry.envelope as EnvelopeOf<'audience-key'>,
      reader,
      privateKeys,
      (id) => ix.keys.get(id)?.party.id,
    );
  } catch {
    return entries;
  }
  return entries.map((e) =>
    e.envelope.type === 'sealed' ? { ...e, contentKey: sealedContentKey(sym, e.envelope, key!) } : e,
  );
}

beforeAll(async () => {
  regime = await confidentialScenario();
});

describe('the fold per audience', () => {
  it('readers of one audience agree byte for byte; they hold what a fold in the clear holds', async () => {
    const { sealed, clear, keysEntry, sealedEntry } = await scripts();
    const asOf = T('2022-03-01');
    const answer = async (reader: string | undefined) => {
      const r = sealed.fold(undefined, await view(sealed.entries, keysEntry, reader)).evaluate(asOf);
      return { state: canonicalJson(r.state), findings: canonicalJson(r.findings), raw: r };
    };
    const us = await answer('us');
    const ru = await answer('ru');
    expect(ru.state).toBe(us.state);
    expect(ru.findings).toBe(us.findings);
    const inClear = clear.fold().evaluate(asOf);
    // The same holdings; their reference names the sealed leaf rather than the clear one.
    const clearLeaf = clear.entries.at(-1)!.leafHash;
    expect(canonicalJson(us.raw.state.holdings)).toBe(
      canonicalJson(inClear.state.holdings).replace(clearLeaf, sealedEntry.leafHash),
    );
    expect(us.raw.state.confidential).toEqual({ read: [{ audience: 'ru,us', entries: 1 }], hidden: [] });
    // The finding that rests on the sealed declaration carries its audience.
    const incomplete = us.raw.findings.find((f) => f.rule === 'declaration.incomplete')!;
    expect(incomplete.audience).toEqual(['ru', 'us']);
    expect(inClear.findings.find((f) => f.rule === 'declaration.incomplete')!.audience).toBeUndefined();
  });

  it('a party outside the audience, and the public, see that a sealed entry exists, not what it says', async () => {
    const { sealed, keysEntry } = await scripts();
    const asOf = T('2022-03-01');
    const us = sealed.fold(undefined, await view(sealed.entries, keysEntry, 'us')).evaluate(asOf);
    for (const reader of ['nato', undefined]) {
      const r = sealed.fold(undefined, await view(sealed.entries, keysEntry, reader)).evaluate(asOf);
      const text = canonicalJson(r);
      expect(text).not.toContain('US-ICBM-0001');
      expect(text).not.toContain('malmstrom');
      expect(r.state.confidential).toEqual({ read: [], hidden: [{ audience: 'ru,us', entries: 1 }] });
      expect(r.findings.map((f) => f.rule)).not.toContain('declaration.incomplete');
      // They differ from the audience's view only by what the audience hides.
      expect(canonicalJson(r.state.regime)).toBe(canonicalJson(us.state.regime));
      expect(r.state.entries).toEqual(us.state.entries);
    }
  });

  it('a sealed entry its content key does not open is charged to its author', async () => {
    const { sealed, keysEntry } = await scripts();
    const entries = (await view(sealed.entries, keysEntry, 'ru')).map((e) =>
      e.envelope.type === 'sealed' ? { ...e, contentKey: new Uint8Array(32).fill(7) } : e,
    );
    const r = sealed.fold(undefined, entries).evaluate(T('2022-03-01'));
    const f = r.findings.find((x) => x.rule === 'confidential.undecryptable')!;
    expect(f).toMatchObject({ party: 'us', message: { params: { reason: 'DECRYPTION_FAILED' } } });
    // About the ciphertext, which is public: no audience.
    expect(f.audience).toBeUndefined();
    expect(canonicalJson(r.state.holdings)).not.toContain('malmstrom');
  });
});

describe("a sealed entry's blobs", () => {
  it('open with it for a reader holding their ciphertexts; one the author sealed wrong is charged to it', async () => {
    const { sealed, keysEntry, sealedEntry, plain, blobs, seal } = await scripts();
    const asOf = T('2022-03-01');
    const withBlobs = async (reader: string, ciphertexts: Uint8Array[]) =>
      (await view(sealed.entries, keysEntry, reader)).map((e) =>
        e.envelope.type === 'sealed' ? { ...e, blobs: ciphertexts } : e,
      );
    const read = sealed.fold(undefined, await withBlobs('ru', [blobs[0]!.bytes])).evaluate(asOf);
    // The items of the blob count: the declaration is complete, with both ICBMs at Malmstrom.
    expect(read.findings.map((f) => f.rule)).not.toContain('declaration.incomplete');
    expect(canonicalJson(read.state.holdings)).toContain('"declared":2');
    // NATO holds the same ciphertext and reads nothing of it.
    const nato = sealed.fold(undefined, await withBlobs('nato', [blobs[0]!.bytes])).evaluate(asOf);
    expect(canonicalJson(nato)).not.toContain('US-ICBM');

    // The author names (and signs) a ciphertext that does not open under the blob key.
    const flipped = blobs[0]!.bytes.slice();
    flipped[3]! ^= 1;
    const badRef = { sha256: toHex(suite.sha256(flipped)), size: flipped.length, mediaType: 'x/y' };
    const bad = sealEntry(sym, suite.sha256, plain, {
      audience: ['us', 'ru'],
      keys: ref(keysEntry),
      audienceKey,
      ...seal,
      blobs: [badRef],
    });
    sealed.entries.pop();
    Object.assign(sealedEntry, sealed.add('us', 'sealed', bad.body, sealedEntry.envelope.issuedAt));
    const charged = sealed.fold(undefined, await withBlobs('ru', [flipped])).evaluate(asOf);
    const f = charged.findings.find((x) => x.rule === 'confidential.undecryptable')!;
    expect(f).toMatchObject({ party: 'us', message: { params: { reason: 'DECRYPTION_FAILED' } } });
    expect(canonicalJson(charged.state.holdings)).not.toContain('malmstrom');
    // Russia's complaint reveals the content key: every view, the public one included, charges the US.
    const key = sealedContentKey(sym, sealedEntry.envelope as EnvelopeOf<'sealed'>, audienceKey);
    sealed.add(
      'ru',
      'complaint',
      { entry: ref(sealedEntry), contentKey: Buffer.from(key).toString('base64') },
      '2022-02-10T00:00:00.000Z',
    );
    const publicView = sealed
      .fold(
        undefined,
        sealed.entries.map((e) => (e.envelope.type === 'sealed' ? { ...e, blobs: [flipped] } : e)),
      )
      .evaluate(asOf);
    expect(
      publicView.findings.filter((x) => x.rule.startsWith('confidential.')).map((x) => `${x.rule} ${x.party}`),
    ).toEqual(['confidential.undecryptable us']);
  });
});

describe('the audience check at fold time', () => {
  const widened = (findings: { rule: string; party: string; message: { params: Record<string, unknown> } }[]) =>
    findings
      .filter((f) => f.rule === 'confidential.audience-widened')
      .map((f) => `${f.party} ${f.message.params.audience} > ${f.message.params.allowed}`);

  it('an entry in the clear of a type the regime keeps from the public is charged to its author', async () => {
    const { sealed, clear, keysEntry } = await scripts();
    const asOf = T('2022-03-01');
    // The US declaration in the clear, where the regime seals US declarations to [ru, us].
    expect(widened(clear.fold().evaluate(asOf).findings)).toEqual(['us public > ru, us']);
    // Sealed as the regime says: nothing, for a reader and for the public.
    for (const reader of ['us', undefined]) {
      const r = sealed.fold(undefined, await view(sealed.entries, keysEntry, reader)).evaluate(asOf);
      expect(widened(r.findings)).toEqual([]);
    }
  });

  it('a sealed entry whose audience is wider than the regime allows is charged to its author, in its readers’ folds', async () => {
    const { sealed, keysEntry, sealedEntry, plain, blobs, seal } = await scripts();
    const wide = sealEntry(sym, suite.sha256, plain, {
      audience: ['nato', 'ru', 'us'],
      keys: ref(keysEntry),
      audienceKey,
      ...seal,
      blobs: blobs.map((b) => b.ref),
    });
    sealed.entries.pop();
    Object.assign(sealedEntry, sealed.add('us', 'sealed', wide.body, sealedEntry.envelope.issuedAt));
    const asOf = T('2022-03-01');
    const ru = sealed.fold(undefined, await view(sealed.entries, keysEntry, 'ru')).evaluate(asOf);
    expect(widened(ru.findings)).toEqual(['us nato, ru, us > ru, us']);
    const f = ru.findings.find((x) => x.rule === 'confidential.audience-widened')!;
    expect(f.refs).toEqual([ref(sealedEntry)]);
    // It rests on the sealed body: its audience sees it; a fold that cannot read the entry cannot tell.
    expect(f.audience).toEqual(['nato', 'ru', 'us']);
    expect(widened(sealed.fold().evaluate(asOf).findings)).toEqual([]);
    // The declaration still counts: what it says stands, only too many were shown it.
    expect(canonicalJson(ru.state.holdings)).toContain('malmstrom');
  });
});

describe('complaints', () => {
  async function withComplaint(contentKey: (e: EngineEntry) => Uint8Array, corrupt = false) {
    const { sealed, keysEntry, sealedEntry } = await scripts();
    if (corrupt) {
      // The author seals a body that is not a declaration (it commits to it and signs it all the same).
      const plain = buildEnvelope({
        type: 'declaration',
        party: 'us',
        key: 'us-declarant',
        issuedAt: sealedEntry.envelope.issuedAt,
        body: declarationBody(1),
      } as never);
      const bad = sealEntry(sym, suite.sha256, { ...plain, body: { form: 'plain' } } as never, {
        audience: ['us', 'ru'],
        keys: ref(keysEntry),
        audienceKey,
        id: new Uint8Array(16).fill(5),
        salt: new Uint8Array(32).fill(6),
      });
      sealed.entries.pop();
      const again = sealed.add('us', 'sealed', bad.body, sealedEntry.envelope.issuedAt);
      Object.assign(sealedEntry, again);
    }
    const key = contentKey(sealedEntry);
    sealed.add(
      'ru',
      'complaint',
      { entry: ref(sealedEntry), contentKey: Buffer.from(key).toString('base64') },
      '2022-02-10T00:00:00.000Z',
    );
    const asOf = T('2022-03-01');
    const views = await Promise.all(
      ['ru', 'nato', undefined].map(
        async (r) => sealed.fold(undefined, await view(sealed.entries, keysEntry, r)).evaluate(asOf).findings,
      ),
    );
    return { views, sealedEntry, sealed, keysEntry, asOf };
  }
  const rules = (findings: { rule: string; party: string }[]) =>
    findings.filter((f) => f.rule.startsWith('confidential.')).map((f) => `${f.rule} ${f.party}`);

  it('a true complaint charges the author in every view, reader or not, from the revealed key alone', async () => {
    const { views } = await withComplaint(
      (e) => sealedContentKey(sym, e.envelope as EnvelopeOf<'sealed'>, audienceKey),
      true,
    );
    for (const findings of views) expect(rules(findings)).toEqual(['confidential.undecryptable us']);
    expect(canonicalJson(views[1])).toBe(canonicalJson(views[2]));
  });

  it('a complaint whose key opens a valid body, or is not the committed key, is charged to the complainant', async () => {
    for (const key of [
      (e: EngineEntry) => sealedContentKey(sym, e.envelope as EnvelopeOf<'sealed'>, audienceKey),
      () => new Uint8Array(32).fill(3),
    ]) {
      const { views } = await withComplaint(key);
      for (const findings of views) expect(rules(findings)).toEqual(['confidential.false-complaint ru']);
    }
  });

  it('a fold that keeps no sealed entry reads the one a complaint names again, and judges it the same', async () => {
    for (const corrupt of [true, false]) {
      const { sealed, keysEntry, sealedEntry, asOf } = await withComplaint(
        (e) => sealedContentKey(sym, e.envelope as EnvelopeOf<'sealed'>, audienceKey),
        corrupt,
      );
      for (const reader of ['ru', 'nato', undefined]) {
        const entries = await view(sealed.entries, keysEntry, reader);
        const options = { regime, regimeHash: sealed.hash, zones: zonesOf(regime), sym };
        const asked: string[] = [];
        const reread = fold(
          {
            ...options,
            rereadSealed: (r) => {
              asked.push(r.leafHash);
              const e = sealed.entries.find((x) => x.leafHash === r.leafHash)!;
              return { envelope: e.envelope as EnvelopeOf<'sealed'>, blobs: e.blobs };
            },
          },
          entries,
        ).evaluate(asOf);
        // Only the complaint's target is read again, once.
        expect(asked).toEqual([sealedEntry.leafHash]);
        expect(canonicalJson(reread)).toBe(canonicalJson(fold(options, entries).evaluate(asOf)));
        expect(rules(reread.findings)).toEqual([
          corrupt ? 'confidential.undecryptable us' : 'confidential.false-complaint ru',
        ]);
      }
    }
  });

  it('a complaint names its entry by the whole reference: the right leaf hash at another index names nothing', async () => {
    const { sealed, keysEntry, sealedEntry, asOf } = await withComplaint(() => new Uint8Array(32).fill(3));
    const complaint = sealed.entries.at(-1)!;
    const body = complaint.envelope.body as { entry: { index: number } };
    body.entry.index = sealedEntry.index + 1;
    sealed.entries.pop();
    sealed.add('ru', 'complaint', body, complaint.envelope.issuedAt);
    for (const reader of ['ru', undefined]) {
      const entries = await view(sealed.entries, keysEntry, reader);
      expect(rules(sealed.fold(undefined, entries).evaluate(asOf).findings)).toEqual([]);
    }
  });

  it('a fold whose reader cannot read the named entry again fails with STORE_ERROR', async () => {
    const { sealed, keysEntry } = await withComplaint(() => new Uint8Array(32).fill(3));
    const entries = await view(sealed.entries, keysEntry, 'ru');
    const options = { regime, regimeHash: sealed.hash, zones: zonesOf(regime), sym, rereadSealed: () => undefined };
    expect(() => fold(options, entries)).toThrow(
      expect.objectContaining({ code: 'STORE_ERROR', message: expect.stringMatching(/cannot be read again/) }),
    );
  });
});

describe('sealed entries opened once per node (OpenedEntries, by leaf hash)', () => {
  /**
   * node:crypto's suites, counting what opening a sealed entry costs: the hashes (the key commitment is checked
   * first) and the AES-GCM openings. `count.work` moves exactly when a fold opens an entry.
   */
  function counting() {
    const count = { work: 0 };
    const counted: SymmetricSuite = {
      ...sym,
      aes256gcm: {
        seal: sym.aes256gcm.seal,
        open: (...args) => {
          count.work++;
          return sym.aes256gcm.open(...args);
        },
      },
    };
    const sha256 = (data: Uint8Array) => {
      count.work++;
      return suite.sha256(data);
    };
    return { count, counted, sha256 };
  }

  async function setup() {
    const { sealed, keysEntry, sealedEntry } = await scripts();
    const entries = await view(sealed.entries, keysEntry, 'ru');
    const { count, counted, sha256 } = counting();
    const answer = (list: EngineEntry[], opened?: OpenedEntries) => {
      const engine = fold(
        { regime, regimeHash: sealed.hash, zones: zonesOf(regime), sym: counted, sha256, opened },
        list,
      );
      const r = engine.evaluate(T('2022-03-01'));
      return { state: canonicalJson(r.state), findings: canonicalJson(r.findings), raw: r };
    };
    return { entries, sealedEntry, count, answer };
  }

  it('a refold reads the kept opening: the same bytes as a fold that decrypts, without decrypting again', async () => {
    const { entries, count, answer } = await setup();
    const cold = answer(entries);
    const once = count.work;
    expect(once).toBeGreaterThan(0);
    const opened = new OpenedEntries();
    expect(answer(entries, opened)).toEqual(cold);
    expect(count.work).toBe(2 * once);
    expect(opened.size).toBe(1);
    for (let i = 0; i < 3; i++) expect(answer(entries, opened)).toEqual(cold);
    expect(count.work).toBe(2 * once);
    expect(cold.raw.state.confidential).toEqual({ read: [{ audience: 'ru,us', entries: 1 }], hidden: [] });
  });

  it('another ciphertext or another key under the same leaf hash is opened again, never read from what is kept', async () => {
    const { entries, sealedEntry, count, answer } = await setup();
    const opened = new OpenedEntries();
    const good = answer(entries, opened);
    const at = entries.findIndex((e) => e.leafHash === sealedEntry.leafHash);
    const sealedEnvelope = entries[at]!.envelope as EnvelopeOf<'sealed'>;
    const bytes = Buffer.from(sealedEnvelope.body.ciphertext, 'base64');
    bytes[0]! ^= 1;
    const withEnvelope = (envelope: EnvelopeOf<'sealed'>, contentKey = entries[at]!.contentKey) =>
      entries.map((e, i) => (i === at ? { ...e, envelope, contentKey } : e));
    // A reader that labels a changed ciphertext with the leaf hash of the one opened before.
    const flipped = withEnvelope({
      ...sealedEnvelope,
      body: { ...sealedEnvelope.body, ciphertext: bytes.toString('base64') },
    });
    let before = count.work;
    const bad = answer(flipped, opened);
    expect(count.work).toBeGreaterThan(before);
    expect(bad.raw.findings.find((f) => f.rule === 'confidential.undecryptable')).toMatchObject({
      party: 'us',
      message: { params: { reason: 'DECRYPTION_FAILED' } },
    });
    expect(bad.state).not.toContain('malmstrom');
    // Another content key for the same entry: opened again, and refused.
    before = count.work;
    const wrongKey = answer(withEnvelope(sealedEnvelope, new Uint8Array(32).fill(7)), opened);
    expect(count.work).toBeGreaterThan(before);
    expect(wrongKey.findings).toBe(bad.findings);
    // The right ciphertext and key again: opened again (what was kept last was the failure), and read.
    before = count.work;
    expect(answer(entries, opened)).toEqual(good);
    expect(count.work).toBeGreaterThan(before);
    expect(good.state).toContain('malmstrom');
  });

  it('a failure is kept too (the finding on every fold, one decryption), and the openings kept are bounded', async () => {
    const { entries, count, answer } = await setup();
    const wrong = entries.map((e) =>
      e.envelope.type === 'sealed' ? { ...e, contentKey: new Uint8Array(32).fill(9) } : e,
    );
    const opened = new OpenedEntries(1);
    const first = answer(wrong, opened);
    const once = count.work;
    expect(answer(wrong, opened)).toEqual(first);
    expect(count.work).toBe(once);
    expect(first.raw.findings.map((f) => f.rule)).toContain('confidential.undecryptable');
    // Two sealed entries with room for one: each fold still reads both, correctly; one is kept.
    const [sealedOne] = entries.filter((e) => e.envelope.type === 'sealed');
    const twice = [...entries, { ...sealedOne!, index: 99, leafHash: 'ef'.repeat(32) }];
    const a = answer(twice, opened);
    const b = answer(twice, opened);
    expect(b).toEqual(a);
    expect(opened.size).toBe(1);
    expect(a.raw.state.confidential).toEqual({ read: [{ audience: 'ru,us', entries: 2 }], hidden: [] });
  });
});
