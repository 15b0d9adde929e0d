/**
 * A sealed entry's plaintext as a node hands it over and a reader checks it (model/sealed-plaintext.ts): what
 * sealEntry sealed opens back to the same salt and body and the same plain entry; a plaintext that is not the
 * committed one, or a committed body that is no entry, is a typed error; hostile bytes never crash the check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import { bodyCommitment, contentKey, sealBody } from '../src/crypto/hpke/index.js';
import {
  buildEnvelope,
  type Envelope,
  type EnvelopeOf,
  openSealed,
  plainOfPlaintext,
  sealEntry,
  sealedAad,
  sealedPlaintext,
} from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';
import { suite } from './model-helpers.js';

const sym = symmetricNode;
const ref = { origin: 'detente.example/us', index: 0, leafHash: 'ab'.repeat(32) };

const declaration = (uids: string[], warheads: number): Envelope =>
  buildEnvelope({
    type: 'declaration',
    party: 'us',
    key: 'us-declarant',
    issuedAt: '2022-02-05T12:00:00Z',
    body: {
      form: 'plain',
      asOf: '2022-02-01',
      items: uids.map((uid) => ({
        uid,
        category: 'icbm',
        site: 'malmstrom',
        status: 'deployed',
        attributes: { warheads },
      })),
      quantities: [],
    },
  } as never);

function seal(plain: Envelope, fill: number) {
  const audienceKey = new Uint8Array(32).fill(fill);
  const id = new Uint8Array(16).fill(fill + 1);
  const salt = new Uint8Array(32).fill(fill + 2);
  const sealed = sealEntry(sym, suite.sha256, plain, { audience: ['ru', 'us'], keys: ref, audienceKey, id, salt });
  return { sealed, key: contentKey(sym, audienceKey, id), salt };
}

const uid = fc.integer({ min: 1, max: 9999 }).map((n) => `US-ICBM-${String(n).padStart(4, '0')}`);

describe('a sealed entry’s plaintext', () => {
  it('opens to the salt and body sealed, which check against the commitment as the plain entry (any declaration)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(uid, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 14 }),
        fc.nat(200),
        (uids, w, fill) => {
          const plain = declaration(uids, w);
          const { sealed, key, salt } = seal(plain, fill);
          const plaintext = sealedPlaintext(sym, sealed, key);
          expect(plaintext.salt).toEqual(salt);
          expect(plaintext.body).toEqual(canonicalJsonBytes(plain.body));
          expect(plainOfPlaintext(suite.sha256, sealed, plaintext)).toEqual(openSealed(sym, suite.sha256, sealed, key));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('another entry’s body, or the right body under another salt, does not match: COMMITMENT_MISMATCH', () => {
    const a = seal(declaration(['US-ICBM-0001'], 1), 1);
    const b = seal(declaration(['US-ICBM-0002'], 1), 9);
    const pa = sealedPlaintext(sym, a.sealed, a.key);
    const pb = sealedPlaintext(sym, b.sealed, b.key);
    expectCode(() => plainOfPlaintext(suite.sha256, a.sealed, pb), 'COMMITMENT_MISMATCH');
    expectCode(() => plainOfPlaintext(suite.sha256, a.sealed, { salt: pb.salt, body: pa.body }), 'COMMITMENT_MISMATCH');
    // The wrong key does not open it at all.
    expectCode(() => sealedPlaintext(sym, a.sealed, b.key), 'DECRYPTION_FAILED');
  });

  it('a committed body that is no entry is SCHEMA_INVALID naming why: not JSON, not canonical, not a declaration body', () => {
    const { sealed } = seal(declaration(['US-ICBM-0001'], 1), 3);
    const salt = new Uint8Array(32).fill(7);
    const committing = (text: string) => {
      const body = new TextEncoder().encode(text);
      const envelope: EnvelopeOf<'sealed'> = {
        ...sealed,
        body: { ...sealed.body, commitment: toHex(bodyCommitment(suite.sha256, salt, body)) },
      };
      return expectCode(() => plainOfPlaintext(suite.sha256, envelope, { salt, body }), 'SCHEMA_INVALID');
    };
    expect(committing('{"form":').problems[0]).toEqual({ path: '$.body', message: 'not JSON text' });
    expect(committing('{"form": "plain"}').problems[0]).toEqual({ path: '$.body', message: 'not canonical JSON' });
    expect(committing('{"form":"plain"}').problems.length).toBeGreaterThan(0);
  });

  it('any committed body bytes: the plaintext check and openSealed give the same plain entry or the same error', () => {
    const { sealed, key } = seal(declaration(['US-ICBM-0001'], 1), 11);
    const salt = new Uint8Array(32).fill(4);
    const valid = canonicalJsonBytes(declaration(['US-ICBM-0002'], 2).body);
    const outcome = (f: () => Envelope) => {
      try {
        return { plain: f() };
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        return { code: err.code, message: err.message, problems: (err as { problems?: unknown }).problems };
      }
    };
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((t) => new TextEncoder().encode(t)),
      // A valid body with one byte changed, cut short or left as it is.
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([at, b, cut]) => {
        const out = cut ? valid.slice(0, at) : valid.slice();
        if (!cut) out[at] = b;
        return out;
      }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        const draft: EnvelopeOf<'sealed'> = {
          ...sealed,
          body: { ...sealed.body, commitment: toHex(bodyCommitment(suite.sha256, salt, body)), ciphertext: '' },
        };
        const ciphertext = sealBody(sym, suite.sha256, key, body, sealedAad(draft), salt).ciphertext;
        const envelope = { ...draft, body: { ...draft.body, ciphertext: toBase64(ciphertext) } };
        const opened = outcome(() => openSealed(sym, suite.sha256, envelope, key));
        expect(outcome(() => plainOfPlaintext(suite.sha256, envelope, { salt, body }))).toEqual(opened);
      }),
      { numRuns: 300 },
    );
  });

  it('hostile salt and body bytes give a DetenteError, never another error', () => {
    const { sealed } = seal(declaration(['US-ICBM-0001'], 1), 5);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 300 }), (salt, body) => {
        onlyDetenteErrors(() => plainOfPlaintext(suite.sha256, sealed, { salt, body }));
      }),
    );
  });
});
