/**
 * A confidential submission checked, sealed and signed in one step (prepareSealed; issue 14, bench/confidential.ts):
 * the sealed entry is byte for byte the one the two-step path makes (prepare the plain entry, seal it with
 * sealEntry and sealingRandomness, prepare the sealed entry), on a worker thread as on this one; bad input is
 * refused with the plain entry's error; an entry naming blobs is left to the node (no sealed entry).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import type { DetenteError } from '../src/crypto/errors.js';
import {
  openSealed,
  type PreparedEntry,
  prepareEntry,
  type Regime,
  type SealWith,
  sealEntry,
  sealedContentKey,
  sealingRandomness,
  sealPrepared,
} from '../src/model/index.js';
import { EntryWorkers, inlinePreparer, type PrepareFields } from '../src/runtime/entry-workers.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { confidentialScenario, seedOf, suite, usDeclarant } from './model-helpers.js';

const sym = symmetricNode;
let regime: Regime;
let workers: EntryWorkers;
const seal: SealWith = {
  audience: ['ru', 'us'],
  keys: { origin: 'detente.example/us', index: 7, leafHash: 'ab'.repeat(32) },
  audienceKey: new Uint8Array(32).fill(3),
};

beforeAll(async () => {
  regime = await confidentialScenario();
  workers = new EntryWorkers({ regime, party: 'us', seeds: new Map([['us-declarant', seedOf('us-declarant')]]) });
});
afterAll(() => workers?.close());

const declaration = (warheads: number, uid: string, more = false): PrepareFields =>
  ({
    type: 'declaration',
    issuedAt: '2022-02-02T10:00:00.000Z',
    body: {
      form: 'plain',
      asOf: '2022-02-01',
      items: [{ uid, category: 'icbm', site: 'malmstrom', status: 'deployed', attributes: { warheads } }],
      quantities: [],
      ...(more ? { more: [{ sha256: 'cd'.repeat(32), size: 10, mediaType: 'application/json' }] } : {}),
    },
  }) as PrepareFields;

/** The two-step path: the plain entry prepared, sealed, and the sealed entry prepared. */
function twoSteps(fields: PrepareFields): PreparedEntry {
  const signer = usDeclarant(regime);
  const plain = prepareEntry(suite, regime, signer, fields);
  const { id, salt } = sealingRandomness(sym, seal.audienceKey, plain.message);
  const sealed = sealEntry(sym, suite.sha256, plain.envelope, { ...seal, id, salt });
  return prepareEntry(suite, regime, signer, {
    type: 'sealed',
    body: sealed.body,
    refs: sealed.refs,
    issuedAt: sealed.issuedAt,
  });
}

const outcome = async (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: DetenteError) => ({ code: e.code, message: e.message }),
  );

describe('a confidential submission in one step', () => {
  it('seals the bytes of the two-step path, here and on a worker thread, and signs them', async () => {
    const signer = usDeclarant(regime);
    const inline = inlinePreparer(suite, regime, sym);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 14 }), fc.stringMatching(/^US-[A-Z0-9-]{1,12}$/), async (w, uid) => {
        const fields = declaration(w, uid);
        const want = twoSteps(fields);
        for (const out of [
          await inline.prepareSealed(signer, fields, seal),
          await workers.prepareSealed(signer, fields, seal),
        ]) {
          // The leaf the log appends: the sealed entry's canonical JSON and its (deterministic) signature.
          const leaf = sealPrepared(want, suite.ed25519.sign(signer.seed, want.message)).leaf;
          expect(toHex(out.sealed!.leaf)).toBe(toHex(leaf));
          expect(suite.ed25519.verify(suite.ed25519.publicKey(signer.seed), want.message, out.sealed!.signature)).toBe(
            true,
          );
          expect(out.plain.envelope.body).toEqual((fields as { body: unknown }).body);
        }
        // And it opens, with the content key of its audience key, to the plain entry.
        const sealed = want.envelope as Parameters<typeof openSealed>[2];
        const key = sealedContentKey(sym, sealed, seal.audienceKey);
        expect(openSealed(sym, suite.sha256, sealed, key).body).toEqual((fields as { body: unknown }).body);
      }),
      { numRuns: 15 },
    );
  });

  it("refuses bad input with the plain entry's error, and leaves an entry naming blobs to the node", async () => {
    const signer = usDeclarant(regime);
    const bad = { ...declaration(1, 'US-1'), body: { form: 'plain', items: 'none' } } as unknown as PrepareFields;
    const plainError = await outcome(workers.prepare(signer, bad));
    expect(plainError).toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(await outcome(workers.prepareSealed(signer, bad, seal))).toEqual(plainError);
    expect(await outcome(inlinePreparer(suite, regime, sym).prepareSealed(signer, bad, seal))).toEqual(plainError);
    const withBlobs = await workers.prepareSealed(signer, declaration(1, 'US-1', true), seal);
    expect(withBlobs.sealed).toBeUndefined();
    expect(withBlobs.plain.envelope.type).toBe('declaration');
  });
});
