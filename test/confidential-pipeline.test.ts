/**
 * Sealed entries opened ahead on worker threads (runtime/sealed-openers.ts): the fold that takes the workers'
 * openings (EngineEntry.opening) computes the very state and findings, byte for byte, of the fold that opens every
 * sealed entry itself, on intact and on tampered inputs alike (flipped, truncated or swapped ciphertexts, wrong,
 * swapped or short content keys, altered commitments, bodies that are not valid entries), whatever the runs the
 * reader sends. Needs the built worker (npx tsc -p tsconfig.json).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import { sealBodyWith } from '../src/crypto/hpke/content.js';
import { type EngineEntry, fold, OpenedEntries } from '../src/engine/index.js';
import {
  audienceKeyBody,
  buildEnvelope,
  type Envelope,
  type EnvelopeOf,
  type Regime,
  sealEntry,
  sealedAad,
  sealedContentKey,
  sealingRandomness,
} from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { openAhead, SyncSealedOpener } from '../src/runtime/sealed-openers.js';
import { ref, Script, T, zonesOf } from './engine-helpers.js';
import { confidentialScenario, suite } from './model-helpers.js';

const sym = symmetricNode;
const audienceKey = new Uint8Array(32).fill(42);
let regime: Regime;
let script: Script;
/** The script's entries, each sealed one with its content key: what a reader of [ru, us] folds. */
let entries: EngineEntry[];
let opener: SyncSealedOpener;

const declaration = (i: number) => ({
  form: 'plain',
  asOf: `2022-02-${String(i + 1).padStart(2, '0')}`,
  items: [
    {
      uid: `US-ICBM-000${i}`,
      category: 'icbm',
      site: 'malmstrom',
      status: 'deployed',
      attributes: { warheads: 1 + (i % 3) },
    },
  ],
  quantities: [],
});

beforeAll(async () => {
  regime = await confidentialScenario();
  script = new Script(regime);
  script.signAll();
  const keysEntry = script.add(
    'us',
    'audience-key',
    await audienceKeyBody(regime, 'us', ['us', 'ru'], '2022', audienceKey),
    '2022-02-01T08:00:00.000Z',
  );
  for (let i = 0; i < 8; i++) {
    const at = `2022-02-${String(i + 2).padStart(2, '0')}T10:00:00.000Z`;
    let plain: Envelope = buildEnvelope({
      type: 'declaration',
      party: 'us',
      key: 'us-declarant',
      issuedAt: at,
      body: declaration(i),
    } as never);
    // The last sealed body is no valid declaration: the author's fault, whoever opens it.
    if (i === 7) plain = { ...plain, body: { ...plain.body, items: 'none' } } as never;
    const message = new TextEncoder().encode(canonicalJson(plain));
    const { id, salt } = sealingRandomness(sym, audienceKey, message);
    const sealed = sealEntry(sym, suite.sha256, plain, {
      audience: ['us', 'ru'],
      keys: ref(keysEntry),
      audienceKey,
      id,
      salt,
    });
    script.add('us', 'sealed', sealed.body, at);
  }
  entries = script.entries.map((e) =>
    e.envelope.type === 'sealed' ? { ...e, contentKey: sealedContentKey(sym, e.envelope, audienceKey) } : e,
  );
  opener = new SyncSealedOpener(2);
});

afterAll(() => opener?.close());

/** State and findings of a fold of `list`, as bytes. */
function answer(list: Iterable<EngineEntry>, opened?: OpenedEntries): string {
  const engine = fold({ regime, regimeHash: script.hash, zones: zonesOf(regime), sym, sha256: suite.sha256, opened }, [
    ...list,
  ]);
  const r = engine.evaluate(T('2022-03-01'));
  return canonicalJson({ state: r.state, findings: r.findings });
}

type Tamper = 'none' | 'flip' | 'truncate' | 'swap-ciphertext' | 'wrong-key' | 'swap-key' | 'short-key' | 'commitment';
const TAMPERS: Tamper[] = [
  'none',
  'flip',
  'truncate',
  'swap-ciphertext',
  'wrong-key',
  'swap-key',
  'short-key',
  'commitment',
];

/** `entries` with sealed entry k altered by `tampers[k]` (`at` picks the byte or the other entry). */
function tampered(tampers: Tamper[], at: number): EngineEntry[] {
  const sealed = entries.filter((e) => e.envelope.type === 'sealed');
  let k = -1;
  return entries.map((e) => {
    if (e.envelope.type !== 'sealed') return e;
    k++;
    const envelope = e.envelope as EnvelopeOf<'sealed'>;
    const other = sealed[(k + 1 + (at % (sealed.length - 1))) % sealed.length]!;
    const withBody = (body: Partial<EnvelopeOf<'sealed'>['body']>) => ({
      ...e,
      envelope: { ...envelope, body: { ...envelope.body, ...body } },
    });
    const bytes = Buffer.from(envelope.body.ciphertext, 'base64');
    switch (tampers[k % tampers.length]!) {
      case 'flip':
        bytes[at % bytes.length]! ^= 1 << (at % 8);
        return withBody({ ciphertext: bytes.toString('base64') });
      case 'truncate':
        return withBody({ ciphertext: bytes.subarray(0, at % bytes.length).toString('base64') });
      case 'swap-ciphertext':
        return withBody({ ciphertext: (other.envelope as EnvelopeOf<'sealed'>).body.ciphertext });
      case 'wrong-key':
        return { ...e, contentKey: new Uint8Array(32).fill(at % 256) };
      case 'swap-key':
        return { ...e, contentKey: other.contentKey! };
      case 'short-key':
        return { ...e, contentKey: e.contentKey!.subarray(0, 16) };
      case 'commitment': {
        const c = envelope.body.commitment;
        return withBody({ commitment: `${c[0] === '0' ? '1' : '0'}${c.slice(1)}` });
      }
      default:
        return e;
    }
  });
}

describe('sealed entries opened ahead on worker threads', () => {
  it('intact: the same bytes as the fold that opens each entry itself, every entry read', () => {
    const plain = answer(entries);
    expect(answer(openAhead(entries, opener, { run: 3, ahead: 1 }))).toBe(plain);
    expect(answer(openAhead(entries, opener))).toBe(plain);
    expect(plain).toContain('"read":[{"audience":"ru,us","entries":8}]');
    expect(plain).toContain('malmstrom');
    // The invalid body is charged to its author, by both folds.
    expect(plain).toContain('confidential.undecryptable');
    const openings = [...openAhead(entries, opener)].filter((e) => e.opening);
    expect(openings).toHaveLength(8);
    expect(openings.filter((e) => e.opening && 'code' in e.opening).map((e) => e.opening)).toEqual([
      { code: 'SCHEMA_INVALID' },
    ]);
  });

  it('tampered: every alteration gives the same state and findings (same codes) as the fold that opens itself', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...TAMPERS), { minLength: 1, maxLength: 8 }),
        fc.nat(10_000),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (tampers, at, run, ahead) => {
          const list = tampered(tampers, at);
          const plain = answer(list);
          expect(answer(openAhead(list, opener, { run, ahead }))).toBe(plain);
          // A node's fold keeps what the workers opened (OpenedEntries): its refold reads the same.
          const opened = new OpenedEntries();
          expect(answer(openAhead(list, opener, { run, ahead }), opened)).toBe(plain);
          expect(answer(list, opened)).toBe(plain);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('each alteration is the finding of its code, on the workers as in the engine', () => {
    const reasons: [Tamper, string][] = [
      ['flip', 'DECRYPTION_FAILED'],
      ['truncate', 'CIPHERTEXT_MALFORMED'], // to 5 bytes: shorter than the AES-GCM tag
      ['swap-ciphertext', 'DECRYPTION_FAILED'],
      ['wrong-key', 'DECRYPTION_FAILED'],
      ['swap-key', 'DECRYPTION_FAILED'],
      ['short-key', 'CIPHERTEXT_MALFORMED'],
      ['commitment', 'DECRYPTION_FAILED'],
    ];
    for (const [tamper, reason] of reasons) {
      const list = tampered([tamper], 5);
      const ahead = answer(openAhead(list, opener, { run: 2 }));
      expect(ahead).toBe(answer(list));
      expect(ahead, tamper).toContain(`"reason":"${reason}"`);
      expect(ahead, tamper).not.toContain('malmstrom');
    }
  });

  it('entries it cannot open ahead (no content key, a key of another length) reach the engine as they came', () => {
    const list = tampered(['short-key'], 0).map((e, i) => (i % 2 ? e : { ...e, contentKey: undefined }));
    const out = [...openAhead(list, opener, { run: 2 })];
    expect(out).toHaveLength(list.length);
    for (const [i, e] of out.entries()) {
      const opened = e.envelope.type === 'sealed' && e.contentKey?.length === 32;
      expect(e.opening !== undefined).toBe(opened);
      expect({ ...e, opening: undefined }).toEqual({ ...list[i]!, opening: undefined });
    }
  });

  it('with audience keys, the workers derive each content key: the same bytes as the reader that derives them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Tamper>('none', 'flip', 'truncate', 'swap-ciphertext', 'commitment'), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(10_000),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom('ours', 'wrong', 'none'), { minLength: 8, maxLength: 8 }),
        (tampers, at, run, keys) => {
          // Each sealed entry read with the audience key, another one (its content key is not the committed one:
          // DECRYPTION_FAILED) or none (hidden); the reader that derives the keys itself is the reference.
          let k = 0;
          const audienceOf = new Map<EngineEntry, Uint8Array | undefined>();
          const list = tampered(tampers, at).map((e) => {
            if (e.envelope.type !== 'sealed') return e;
            const which = keys[k++ % keys.length];
            const key = which === 'ours' ? audienceKey : which === 'wrong' ? new Uint8Array(32).fill(7) : undefined;
            const { contentKey: _, ...unkeyed } = e;
            audienceOf.set(unkeyed, key);
            return unkeyed;
          });
          const derived = list.map((e): EngineEntry => {
            const key = audienceOf.get(e);
            return key ? { ...e, contentKey: sealedContentKey(sym, e.envelope as EnvelopeOf<'sealed'>, key) } : e;
          });
          const ahead = [...openAhead(list, opener, { run, audienceKey: (e) => audienceOf.get(e) })];
          expect(answer(ahead)).toBe(answer(derived));
          expect(ahead.map((e) => e.contentKey && Buffer.from(e.contentKey).toString('hex'))).toEqual(
            derived.map((e) => e.contentKey && Buffer.from(e.contentKey).toString('hex')),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it('from the leaves a reader parsed (the associated data cut from their text), the same bytes again', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...TAMPERS), { minLength: 1, maxLength: 8 }),
        fc.nat(10_000),
        fc.array(fc.constantFrom('canonical', 'spaced', 'none'), { minLength: 8, maxLength: 8 }),
        (tampers, at, leaves) => {
          // A leaf as a log holds it (canonical JSON), one that is not canonical (a space after the colon of its
          // entry: the associated data cut from it is wrong, so the worker opens again with the one it builds), or
          // none (the envelope serialized, as before).
          let k = 0;
          const list = tampered(tampers, at).map((e) => {
            if (e.envelope.type !== 'sealed') return e;
            const how = leaves[k++ % leaves.length];
            if (how === 'none') return e;
            const text = canonicalJson({ entry: e.envelope, sig: `${'A'.repeat(86)}==` });
            const leaf = new TextEncoder().encode(how === 'canonical' ? text : text.replace('{"entry":', '{"entry": '));
            return { ...e, leaf };
          });
          const checked = new Set<string>();
          const name = (e: EngineEntry) => `${e.origin}#${e.index}`;
          const ahead = [...openAhead(list, opener, { run: 3, ahead: 1, onChecked: (e) => checked.add(name(e)) })];
          expect(ahead.some((e) => 'leaf' in e)).toBe(false);
          const want = answer(list.map(({ leaf: _, ...e }: EngineEntry & { leaf?: Uint8Array }) => e));
          expect(answer(ahead)).toBe(want);
          // The bodies checked then, only decrypted (their members cut from the leaf's text): the same bytes.
          expect(answer(openAhead(list, opener, { run: 3, checked: (e) => checked.has(name(e)) }))).toBe(want);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('bodies recorded as checked are only decrypted: a true record reads the same bytes, on any tampering', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...TAMPERS), { minLength: 1, maxLength: 8 }),
        fc.nat(10_000),
        fc.integer({ min: 1, max: 4 }),
        (tampers, at, run) => {
          const list = tampered(tampers, at);
          const plain = answer(list);
          // The first fold checks every body in full and names those that opened to a valid entry; the second
          // trusts that record (as a node's store keeps it: runtime/checked-bodies.ts).
          const name = (e: EngineEntry) => `${e.origin}#${e.index}`;
          const checked = new Set<string>();
          expect(answer(openAhead(list, opener, { run, onChecked: (e) => checked.add(name(e)) }))).toBe(plain);
          expect(answer(openAhead(list, opener, { run, checked: (e) => checked.has(name(e)) }))).toBe(plain);
          // Those named are the bodies that open, with the engine's own function, to a valid entry.
          const opened = [...openAhead(list, opener, { run })];
          const valid = opened.filter((e) => e.opening && 'plain' in e.opening).map(name);
          expect([...checked].sort()).toEqual(valid.sort());
        },
      ),
      { numRuns: 30 },
    );
  });

  it('a record that names bodies that do not decrypt changes nothing: the workers open those in full', () => {
    const failing = TAMPERS.filter((t) => t !== 'none');
    for (const tamper of failing) {
      const list = tampered([tamper], 5);
      const everyOne = answer(openAhead(list, opener, { run: 2, checked: () => true }));
      expect(everyOne, tamper).toBe(answer(list));
      expect(everyOne, tamper).not.toContain('malmstrom');
    }
  });

  it('a body the record names is only decrypted, not checked again: the record is trusted, as signatures are', () => {
    const codes = (o: { checked?: (e: EngineEntry) => boolean }) =>
      [...openAhead(entries, opener, o)].flatMap((e) => (e.opening && 'code' in e.opening ? [e.opening.code] : []));
    // The invalid body (the last) is refused when checked in full; named by a (lying) record, it is handed over.
    expect(codes({})).toEqual(['SCHEMA_INVALID']);
    expect(codes({ checked: () => true })).toEqual([]);
  });

  it('a body the record names that is not even JSON fails the fold with STORE_ERROR, and the opener serves on', () => {
    // Sealed with the right key and commitment, but its body is not JSON: opened in full, the author's fault; named
    // by a record (a record that lies), it reaches the reading thread unparsed, which then cannot read the run.
    const e = entries.find((x) => x.envelope.type === 'sealed')!;
    const envelope = e.envelope as EnvelopeOf<'sealed'>;
    const withCommitment = (c: Uint8Array) => ({ ...envelope, body: { ...envelope.body, commitment: toHex(c) } });
    const { ciphertext, commitment } = sealBodyWith(
      sym,
      suite.sha256,
      e.contentKey!,
      new Uint8Array(32),
      utf8('{"a":'),
      (c) => sealedAad(withCommitment(c)),
    );
    const body = { ...withCommitment(commitment).body, ciphertext: toBase64(ciphertext) };
    const bad: EngineEntry = { ...e, envelope: { ...envelope, body } };
    const [full] = [...openAhead([bad], opener)];
    expect(full!.opening).toEqual({ code: 'SCHEMA_INVALID' });
    let thrown: unknown;
    try {
      [...openAhead([bad], opener, { checked: () => true })];
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DetenteError);
    expect((thrown as DetenteError).code).toBe('STORE_ERROR');
    expect(answer(openAhead(entries, opener))).toBe(answer(entries));
  });

  it('a sealed entry whose id derives no content key stays unread (no key, no opening), the others open', () => {
    const list = entries.map(({ contentKey: _, ...e }): EngineEntry => e);
    const k = list.findIndex((e) => e.envelope.type === 'sealed');
    const envelope = list[k]!.envelope as EnvelopeOf<'sealed'>;
    list[k] = { ...list[k]!, envelope: { ...envelope, body: { ...envelope.body, id: 'not base64' } } };
    const ahead = [...openAhead(list, opener, { audienceKey: () => audienceKey })];
    expect(ahead[k]!.contentKey).toBeUndefined();
    expect(ahead[k]!.opening).toBeUndefined();
    expect(ahead.filter((e) => e.opening).length).toBe(list.filter((e) => e.envelope.type === 'sealed').length - 1);
  });
});
