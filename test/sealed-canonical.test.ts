/**
 * The canonical JSON of a node's sealed entry, written from its associated data's text with the ciphertext put in
 * (model/confidential.ts, sealedCanonicalOfPrepared), is canonicalJsonBytes of the entry, whatever the audience and
 * `audience-key` reference hold (quotes, backslashes, a `"ciphertext":""` of their own, any Unicode), and its entry
 * is sealedOfPrepared's; cutting the ciphertext out of that text again (sealedAadTextOf) gives the associated data,
 * and the members decrypting needs cut from it (sealedMembersOf) are the envelope's.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import {
  type EntrySigner,
  prepareEntry,
  type Regime,
  type SealWith,
  sealedAad,
  sealedAadTextOf,
  sealedCanonicalOfPrepared,
  sealedMembersOf,
  sealedOfPrepared,
} from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { confidentialScenario, suite, usDeclarant, usIcbmItem } from './model-helpers.js';

const sym = symmetricNode;
let regime: Regime;
let signer: EntrySigner;

beforeAll(async () => {
  regime = await confidentialScenario();
  signer = usDeclarant(regime);
});

// Strings that would trip a writer that looks for the ciphertext's place by text: JSON syntax and escapes.
const tricky = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"ciphertext":""', '","ciphertext":"', '\\"ciphertext\\":\\"\\"', 'ciphertext', '\u2028"', 'us'),
);
const item = usIcbmItem(12);
const ref = fc.record({ origin: tricky, index: fc.nat(), leafHash: tricky });

describe("a sealed entry's canonical JSON written from its associated data", () => {
  it('is canonicalJsonBytes of the entry sealedOfPrepared gives, for any audience and reference', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(item, { selector: (i) => i.uid, maxLength: 20 }),
        fc.array(ref, { maxLength: 2 }),
        fc.array(tricky, { maxLength: 4 }),
        ref,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (items, refs, audience, keys, audienceKey) => {
          const plain = prepareEntry(suite, regime, signer, {
            type: 'declaration',
            issuedAt: '2022-02-02T10:00:00.000Z',
            refs: refs.map((r) => ({ ...r, leafHash: 'ab'.repeat(32), origin: 'detente.example/ru' })),
            body: { form: 'plain', asOf: '2022-02-01', items, quantities: [] },
          } as Parameters<typeof prepareEntry>[3]);
          const seal: SealWith = { audience, keys, audienceKey };
          const { envelope, text } = sealedCanonicalOfPrepared(suite, sym, plain, seal);
          const canonical = utf8(text);
          expect(envelope).toEqual(sealedOfPrepared(suite, sym, plain, seal));
          expect(toHex(canonical)).toBe(toHex(canonicalJsonBytes(envelope)));
          // The ciphertext's place is the body's member: the rest is the associated data the body was sealed with.
          const aad = sealedAad(envelope);
          expect(canonical.length - aad.length).toBe(envelope.body.ciphertext.length);
          // And cutting it out of the entry's text gives the associated data back (what an opener reads a leaf with).
          expect(sealedAadTextOf(new TextDecoder().decode(canonical))).toBe(new TextDecoder().decode(aad));
          // The members decrypting needs, cut from the text (and from a leaf's, which holds it), are the envelope's.
          const { ciphertext, id, keyCommitment } = envelope.body;
          const members = { body: { ciphertext, id, keyCommitment } };
          expect(sealedMembersOf(text)).toEqual(members);
          expect(sealedMembersOf(`{"entry":${text},"sig":"${'A'.repeat(86)}=="}`)).toEqual(members);
          // A text cut before the key commitment's end names them not.
          const end = text.indexOf('"', text.indexOf('"keyCommitment":"') + 17);
          expect(sealedMembersOf(text.slice(0, end))).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
