/**
 * The entry workers (runtime/entry-workers.ts) give exactly what the single-threaded path gives: the same prepared
 * bytes and signatures, the same verdicts, the same errors (code, message, problems), in order. They run the built
 * worker (npx tsc -p tsconfig.json first).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import {
  buildEnvelope,
  decodeEntry,
  ENTRY_TYPES,
  encodeEntry,
  entrySigner,
  type Regime,
  regimeHash,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { EntryWorkers, inlinePreparer, SyncEntryVerifier, type Verdict } from '../src/runtime/entry-workers.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { loadScenario, seedOf, suite } from './model-helpers.js';

const regime: Regime = loadScenario();
const hash = regimeHash(regime, suite.sha256);
const KEYS = ['us-declarant', 'us-inspector'];
const seeds = new Map(KEYS.map((k) => [k, seedOf(k)]));
const signers = new Map(KEYS.map((k) => [k, entrySigner(suite, regime, 'us', k, seedOf(k))]));
const workers = new EntryWorkers({ regime, party: 'us', seeds, workers: 2 });
afterAll(() => workers.close());

/** What the single-threaded path says of one entry's bytes. */
function verdictOf(bytes: Uint8Array, party?: string): Verdict {
  try {
    const signed = decodeEntry(bytes);
    if (party !== undefined && signed.envelope.party !== party)
      throw new DetenteError('KEY_UNKNOWN', `an entry of "${signed.envelope.party}" in the log of "${party}"`);
    verifyEntry(suite, regime, signed);
    return { envelope: signed.envelope };
  } catch (err) {
    const e = err as DetenteError;
    return { error: { code: e.code, message: e.message, problems: e.problems } };
  }
}

function signature(party: string, n: number): Uint8Array {
  const envelope = buildEnvelope({
    type: 'regime-signature',
    party,
    key: `${party}-declarant`,
    issuedAt: new Date(Date.UTC(2022, 0, 1, 0, 0, n)).toISOString(),
    body: { regime: hash, id: regime.id, version: regime.version },
  });
  return encodeEntry(signEntry(suite, envelope, seedOf(`${party}-declarant`)));
}

const outcome = async (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: DetenteError) => ({ code: e.code, message: e.message, problems: e.problems }),
  );

describe('entry workers', () => {
  it('prepare and sign as the calling thread does, errors included (property)', async () => {
    const inline = inlinePreparer(suite, regime);
    const body = fc.oneof(
      fc.constant({ regime: hash, id: regime.id, version: regime.version }),
      fc.record({ regime: fc.string(), id: fc.constant(regime.id), version: fc.constant(regime.version) }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KEYS),
        fc.constantFrom('regime-signature', ...ENTRY_TYPES),
        body,
        fc.integer({ min: 0, max: 1e6 }),
        async (key, type, b, n) => {
          const fields = { type, issuedAt: new Date(Date.UTC(2022, 0, 1) + n).toISOString(), body: b } as never;
          const signer = signers.get(key)!;
          const [there, here] = await Promise.all([
            outcome(workers.prepare(signer, fields)),
            outcome(inline.prepare(signer, fields)),
          ]);
          expect(there).toEqual(here);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('verify as decodeEntry + verifyEntry do, in order, whatever byte is changed (property)', async () => {
    const entries: Uint8Array[] = [
      ...Array.from({ length: 6 }, (_, i) => signature('us', i)),
      signature('ru', 7),
      signature('nato', 8),
    ];
    const sync = new SyncEntryVerifier(regime, 2);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(entries.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 })), {
            maxLength: 12,
          }),
          fc.boolean(),
          async (changes, onlyUs) => {
            const list: Uint8Array[] = changes.map(([e, at, x]) => {
              const bytes = entries[e]!.slice();
              bytes[at % bytes.length]! ^= x;
              return bytes;
            });
            list.push(...entries);
            const party = onlyUs ? 'us' : undefined;
            const expected = list.map((b) => verdictOf(b, party));
            const verdicts = await workers.verify(list, { party, envelopes: true });
            expect(verdicts).toEqual(expected);
            const withoutEnvelopes = await workers.verify(list, { party });
            expect(withoutEnvelopes.map((v) => 'error' in v)).toEqual(expected.map((v) => 'error' in v));
            if (!onlyUs) {
              const tickets = [sync.post(list.slice(0, 3)), sync.post(list.slice(3))];
              expect(tickets.flatMap((t) => sync.take(t))).toEqual(expected);
            }
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      sync.close();
    }
  });

  it('answers requests made together each on its own: in order, a refused one failing alone', async () => {
    const at = (n: number) => new Date(Date.UTC(2022, 0, 1, 0, 0, n)).toISOString();
    const fields = (n: number) =>
      ({
        type: 'regime-signature',
        issuedAt: at(n),
        body: { regime: hash, id: regime.id, version: regime.version },
      }) as never;
    // The inspector's key may not sign a regime signature: every odd job is refused, the even ones signed.
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, n) => outcome(workers.prepare(signers.get(KEYS[n % 2]!)!, fields(n)))),
    );
    for (const [n, o] of all.entries()) {
      if (n % 2) {
        expect(o).toMatchObject({ code: 'ROLE_DENIED' });
        continue;
      }
      const p = (o as { ok: Awaited<ReturnType<EntryWorkers['prepare']>> }).ok;
      expect(p.prepared.envelope.issuedAt).toBe(at(n));
      expect(toHex(p.signature)).toBe(toHex(suite.ed25519.sign(seedOf(KEYS[0]!), p.prepared.message)));
    }
  });

  it('hand back with each entry its leaf, leaf hash and entry key, as the log and the pipeline compute them', async () => {
    const hasher = new Rfc6962Hasher(suite.sha256);
    const fields = {
      type: 'regime-signature',
      issuedAt: new Date(Date.UTC(2022, 0, 3)).toISOString(),
      body: { regime: hash, id: regime.id, version: regime.version },
    } as never;
    const signer = signers.get(KEYS[0]!)!;
    for (const p of [
      await workers.prepare(signer, fields),
      await inlinePreparer(suite, regime).prepare(signer, fields),
    ]) {
      const leaf = encodeEntry({ envelope: p.prepared.envelope, signature: p.signature });
      expect(toHex(p.leaf)).toBe(toHex(leaf));
      expect(toHex(p.leafHash)).toBe(toHex(hasher.hashLeaf(leaf)));
      expect(toHex(p.entryKey)).toBe(
        toHex(suite.sha256(concat(utf8('detente/submission-entry/v1\n'), p.prepared.message))),
      );
      expect(toHex(p.prepared.canonical)).toBe(toHex(canonicalJsonBytes(p.prepared.envelope)));
    }
  });

  it("splits a turn's jobs in two batches for its one worker, holds what arrives while it has two, and answers each job in order", async () => {
    const one = new EntryWorkers({ regime, party: 'us', seeds, workers: 1 });
    try {
      const at = (n: number) => new Date(Date.UTC(2022, 0, 2, 0, 0, n)).toISOString();
      const fields = (n: number) =>
        ({
          type: 'regime-signature',
          issuedAt: at(n),
          body: { regime: hash, id: regime.id, version: regime.version },
        }) as never;
      const answers: Promise<unknown>[] = [];
      // Requests over several turns of the event loop: the first turn's go at once as two batches, the later turns'
      // wait until one of them is back.
      for (let turn = 0; turn < 5; turn++) {
        for (let k = 0; k < 8; k++) answers.push(outcome(one.prepare(signers.get(KEYS[0]!)!, fields(turn * 8 + k))));
        await new Promise((r) => setImmediate(r));
      }
      for (const [n, o] of (await Promise.all(answers)).entries()) {
        const p = (o as { ok: Awaited<ReturnType<EntryWorkers['prepare']>> }).ok;
        expect(p.prepared.envelope.issuedAt).toBe(at(n));
        expect(toHex(p.signature)).toBe(toHex(suite.ed25519.sign(seedOf(KEYS[0]!), p.prepared.message)));
      }
    } finally {
      await one.close();
    }
  });
});
