/**
 * A signed entry as it crosses from an entry worker (runtime/signed-entry.ts, signedCanonical): one buffer laid out
 * once, whose views are sealPrepared's leaf, the signature, RFC 6962's leaf hash of that leaf and the entry key of
 * the signed message, for entries of any size, clear and sealed, one after another (the entry key's input buffer is
 * reused, grown and shrunk), on node:crypto and the portable suite alike.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { portableSuite } from '../src/crypto/suite.js';
import { prepareEntry, type Regime, type SealWith, sealPrepared } from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { prepareSealedFromChecked } from '../src/runtime/sealed-submission.js';
import { entryKeyOf, fromCanonical, signedCanonical } from '../src/runtime/signed-entry.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { confidentialScenario, seedOf, suite, usDeclarant, usIcbmItem } from './model-helpers.js';

let regime: Regime;
beforeAll(async () => {
  regime = await confidentialScenario();
});

const seal: SealWith = {
  audience: ['ru', 'us'],
  keys: { origin: 'detente.example/us', index: 7, leafHash: 'ab'.repeat(32) },
  audienceKey: new Uint8Array(32).fill(3),
};

describe('signedCanonical: the leaf, its hash and the entry key in one buffer', () => {
  it("is sealPrepared's leaf, Rfc6962Hasher's leaf hash and entryKeyOf's key, for entries of any size", () => {
    const item = usIcbmItem(12);
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(item, { selector: (i) => i.uid, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (declarations, sealed) => {
          const signer = usDeclarant(regime);
          for (const items of declarations) {
            const plain = prepareEntry(suite, regime, signer, {
              type: 'declaration',
              issuedAt: '2022-02-02T10:00:00.000Z',
              refs: [],
              body: { form: 'plain', asOf: '2022-02-01', items, quantities: [] },
            } as Parameters<typeof prepareEntry>[3]);
            const prepared = sealed
              ? prepareSealedFromChecked(suite, symmetricNode, regime, signer, plain, seal)!
              : plain;
            const signature = suite.ed25519.sign(seedOf('us-declarant'), prepared.message);
            const leaf = sealPrepared(prepared, signature).leaf;
            for (const s of [suite, portableSuite]) {
              const crossing = signedCanonical(s, prepared, signature);
              expect(toHex(crossing.leaf)).toBe(toHex(leaf));
              expect(toHex(crossing.canonical)).toBe(toHex(prepared.canonical));
              expect(toHex(crossing.signature)).toBe(toHex(signature));
              expect(toHex(crossing.leafHash)).toBe(toHex(new Rfc6962Hasher(s.sha256).hashLeaf(leaf)));
              expect(toHex(crossing.entryKey)).toBe(toHex(entryKeyOf(s.sha256, prepared.message)));
              // What the event loop makes of it: the same entry.
              expect(fromCanonical(structuredClone(crossing)).prepared).toEqual({
                ...prepared,
                envelope: JSON.parse(new TextDecoder().decode(prepared.canonical)),
              });
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a signature that is not 64 bytes, as sealPrepared does', () => {
    const plain = prepareEntry(suite, regime, usDeclarant(regime), {
      type: 'declaration',
      issuedAt: '2022-02-02T10:00:00.000Z',
      refs: [],
      body: { form: 'plain', asOf: '2022-02-01', items: [], quantities: [] },
    } as Parameters<typeof prepareEntry>[3]);
    for (const length of [0, 63, 65]) {
      expect(() => signedCanonical(suite, plain, new Uint8Array(length))).toThrow(
        expect.objectContaining({ code: 'SCHEMA_INVALID', message: '$.sig: expected a 64-byte Ed25519 signature' }),
      );
    }
  });
});
