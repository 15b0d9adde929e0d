/**
 * Confidential entries' cryptography (src/crypto/hpke): HPKE known-answer vectors, audience keys wrapped with X-Wing,
 * content keys and sealed bodies with their commitments. Every way to get a ciphertext wrong is a typed error.
 */
import { readFileSync } from 'node:fs';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { XWing } from '@hpke/hybridkem-x-wing';
import { expand } from '@noble/hashes/hkdf.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { DetenteError, type DetenteErrorCode } from '../src/crypto/errors.js';
import {
  blobKey,
  bodyCommitment,
  contentKey,
  openBlob,
  openBody,
  recipientKeyPair,
  recipientPublicKey,
  type SealedBody,
  sealBlob,
  sealBody,
  symmetricPortable,
  unwrapKey,
  wrapKey,
} from '../src/crypto/hpke/index.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import { sha256Node, symmetricNode } from '../src/runtime/node-crypto.js';
import { expectCode } from './helpers-errors.js';

interface Vector {
  ikmR: string;
  ikmE: string;
  skRm: string;
  pkRm: string;
  info: string;
  enc: string;
  encryptions: { seq?: number; pt: string; aad: string; ct: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
}
const VECTORS = JSON.parse(readFileSync(new URL('./fixtures/hpke/vectors.json', import.meta.url), 'utf8')) as {
  rfc9180_a1: Vector;
  xwing: Vector;
};

const buf = (hex: string): ArrayBuffer => fromHex(hex).buffer as ArrayBuffer;
const hex = (b: ArrayBuffer): string => toHex(new Uint8Array(b));

/** Runs a base-mode vector: key pair, encapsulation, every encryption (in sequence order) and every export. */
async function runVector(suite: CipherSuite, v: Vector, recipient: CryptoKeyPair, ekm: CryptoKeyPair | ArrayBuffer) {
  expect(hex(await suite.kem.serializePublicKey(recipient.publicKey))).toBe(v.pkRm);
  expect(hex(await suite.kem.serializePrivateKey(recipient.privateKey))).toBe(v.skRm);
  const sender = await suite.createSenderContext({ recipientPublicKey: recipient.publicKey, info: buf(v.info), ekm });
  expect(hex(sender.enc)).toBe(v.enc);
  const receiver = await suite.createRecipientContext({ recipientKey: recipient, enc: buf(v.enc), info: buf(v.info) });
  let seq = 0;
  for (const [i, e] of v.encryptions.entries()) {
    const target = e.seq ?? i;
    for (; seq < target; seq++) {
      // Advance both contexts' sequence numbers past the encryptions the vector leaves out.
      await receiver.open(await sender.seal(new ArrayBuffer(0)));
    }
    const ct = await sender.seal(buf(e.pt), buf(e.aad));
    expect(hex(ct), `encryption ${target}`).toBe(e.ct);
    expect(hex(await receiver.open(ct, buf(e.aad)))).toBe(e.pt);
    seq++;
  }
  for (const x of v.exports) {
    expect(hex(await receiver.export(buf(x.exporter_context), x.L))).toBe(x.exported_value);
  }
}

describe('HPKE known-answer vectors (@hpke/core)', () => {
  it('RFC 9180 A.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode', async () => {
    const v = VECTORS.rfc9180_a1;
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
    const recipient = await suite.kem.deriveKeyPair(buf(v.ikmR));
    await runVector(suite, v, recipient, await suite.kem.deriveKeyPair(buf(v.ikmE)));
  });

  it('draft-ietf-hpke-pq: X-Wing, HKDF-SHA256, ChaCha20Poly1305, base mode', async () => {
    const v = VECTORS.xwing;
    const kem = new XWing();
    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
    // The draft derives skRm from ikmR with its own labelled SHAKE256 step; we take the seed as given (wrap.ts).
    const recipient = await kem.generateKeyPairDerand(fromHex(v.skRm));
    await runVector(suite, v, recipient, buf(v.ikmE)); // X-Wing's encapsulation seed is the vector's ikmE
  });

  it('our recipient key pair is the vector X-Wing key pair of the same seed', async () => {
    const pair = await recipientKeyPair(fromHex(VECTORS.xwing.skRm));
    expect(toHex(pair.publicKey)).toBe(VECTORS.xwing.pkRm);
  });

  it("the synchronous public key (@noble/post-quantum) is the vector key, and @hpke's for any seed", async () => {
    expect(toHex(recipientPublicKey(fromHex(VECTORS.xwing.skRm)))).toBe(VECTORS.xwing.pkRm);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (seed) => {
        expect(toHex(recipientPublicKey(seed))).toBe(toHex((await recipientKeyPair(seed)).publicKey));
      }),
      { numRuns: 8 },
    );
    expectCode(() => recipientPublicKey(new Uint8Array(31)), 'CIPHERTEXT_MALFORMED');
  });

  it('a fixed encapsulation randomness (exercises) wraps to the same bytes, which still open', async () => {
    const seed = fromHex(VECTORS.xwing.skRm);
    const { publicKey } = await recipientKeyPair(seed);
    const key = new Uint8Array(32).fill(7);
    const random = new Uint8Array(64).fill(9);
    const a = await wrapKey(key, publicKey, 'p', random);
    const b = await wrapKey(key, publicKey, 'p', random);
    expect(toHex(a.enc)).toBe(toHex(b.enc));
    expect(toHex(a.ciphertext)).toBe(toHex(b.ciphertext));
    expect(toHex(await unwrapKey(a, seed, 'p'))).toBe(toHex(key));
    expect(toHex((await wrapKey(key, publicKey, 'p')).enc)).not.toBe(toHex(a.enc));
    await expect(wrapKey(key, publicKey, 'p', new Uint8Array(63))).rejects.toMatchObject({
      code: 'CIPHERTEXT_MALFORMED',
    });
  });
});

describe('AES-256-GCM, HKDF-SHA256 and HMAC: node:crypto and the portable suite', () => {
  it('known answers (McGrew and Viega, GCM test cases 13 and 14; RFC 5869 A.1)', () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    for (const sym of [symmetricNode, symmetricPortable]) {
      expect(toHex(sym.aes256gcm.seal(key, nonce, new Uint8Array(0), new Uint8Array(0)))).toBe(
        '530f8afbc74536b9a963b4f1c4cb738b',
      );
      expect(toHex(sym.aes256gcm.seal(key, nonce, new Uint8Array(16), new Uint8Array(0)))).toBe(
        'cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919',
      );
      const okm = sym.hkdfSha256(
        fromHex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
        fromHex('000102030405060708090a0b0c'),
        fromHex('f0f1f2f3f4f5f6f7f8f9'),
        42,
      );
      expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
      // RFC 4231 test cases 2 and 6 (a key longer than the block: hashed first).
      expect(toHex(sym.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      );
      expect(
        toHex(
          sym.hmacSha256(fromHex('aa'.repeat(131)), utf8('Test Using Larger Than Block-Size Key - Hash Key First')),
        ),
      ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    }
  });

  it('HMAC-SHA512 known answers (RFC 4231 test cases 1, 2, 6 and 7), the message whole or in parts', () => {
    const cases = [
      {
        key: '0b'.repeat(20),
        data: utf8('Hi There'),
        mac: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
      },
      {
        key: toHex(utf8('Jefe')),
        data: utf8('what do ya want for nothing?'),
        mac: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
      },
      {
        // A key longer than the block: hashed first.
        key: 'aa'.repeat(131),
        data: utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
        mac: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
      },
      {
        key: 'aa'.repeat(131),
        data: utf8(
          'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
        ),
        mac: 'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58',
      },
    ];
    for (const sym of [symmetricNode, symmetricPortable]) {
      for (const { key, data, mac } of cases) {
        expect(toHex(sym.hmacSha512(fromHex(key), data))).toBe(mac);
        expect(toHex(sym.hmacSha512(fromHex(key), data.subarray(0, 5), new Uint8Array(0), data.subarray(5)))).toBe(mac);
      }
    }
  });

  it('agree on every HMAC', () => {
    fc.assert(
      // Messages past 8,192 bytes take node:crypto's createHmac rather than the two one-shot hashes; keys past a
      // block (64 bytes, 128 for SHA-512) are hashed first.
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.oneof(fc.uint8Array({ maxLength: 1100 }), fc.uint8Array({ minLength: 8100, maxLength: 8300 })),
        (key, message) => {
          expect(symmetricNode.hmacSha256(key, message)).toEqual(symmetricPortable.hmacSha256(key, message));
          const cut = key.length % (message.length + 1);
          const parts = [message.subarray(0, cut), message.subarray(cut)];
          expect(symmetricNode.hmacSha512(key, ...parts)).toEqual(symmetricPortable.hmacSha512(key, message));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agree on every HKDF-SHA256 output (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 60 }),
        fc.integer({ min: 1, max: 100 }),
        (ikm, salt, info, length) => {
          expect(symmetricNode.hkdfSha256(ikm, salt, info, length)).toEqual(
            symmetricPortable.hkdfSha256(ikm, salt, info, length),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agree on every seal and refuse the same altered ciphertexts', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(),
        (k, n, pt, aad, bit) => {
          const sealed = symmetricNode.aes256gcm.seal(k, n, pt, aad);
          expect(symmetricPortable.aes256gcm.seal(k, n, pt, aad)).toEqual(sealed);
          expect(symmetricPortable.aes256gcm.open(k, n, sealed, aad)).toEqual(pt);
          const flipped = flip(sealed, bit);
          for (const sym of [symmetricNode, symmetricPortable]) {
            expectCode(() => sym.aes256gcm.open(k, n, flipped, aad), 'DECRYPTION_FAILED');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const i = bit % (out.length * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

async function expectRejects(promise: Promise<unknown>, code: DetenteErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(DetenteError);
  expect((err as DetenteError).code, (err as Error).message).toBe(code);
}

describe('audience keys wrapped for recipients (X-Wing, HKDF-SHA256, AES-256-GCM)', () => {
  const purpose = 'regime=new-start;audience=ru,us;period=2022;key=us-recipient-1';

  it('the recipient opens what was wrapped for it, and sizes are those of X-Wing', async () => {
    const us = await recipientKeyPair(new Uint8Array(32).fill(1));
    expect(us.publicKey.length).toBe(1216);
    const audienceKey = new Uint8Array(32).fill(7);
    const wrapped = await wrapKey(audienceKey, us.publicKey, purpose);
    expect(wrapped.enc.length).toBe(1120);
    expect(wrapped.ciphertext.length).toBe(48);
    expect(await unwrapKey(wrapped, us.privateKey, purpose)).toEqual(audienceKey);
  });

  it('wrong recipient key, another purpose, a bit flipped or bytes cut off: a typed error, never the key', async () => {
    const us = await recipientKeyPair(new Uint8Array(32).fill(1));
    const nato = await recipientKeyPair(new Uint8Array(32).fill(2));
    const wrapped = await wrapKey(new Uint8Array(32).fill(7), us.publicKey, purpose);
    await expectRejects(unwrapKey(wrapped, nato.privateKey, purpose), 'DECRYPTION_FAILED');
    await expectRejects(unwrapKey(wrapped, us.privateKey, `${purpose}x`), 'DECRYPTION_FAILED');
    await expectRejects(
      unwrapKey({ ...wrapped, enc: wrapped.enc.subarray(1) }, us.privateKey, purpose),
      'CIPHERTEXT_MALFORMED',
    );
    await expectRejects(
      unwrapKey({ ...wrapped, ciphertext: wrapped.ciphertext.subarray(0, 47) }, us.privateKey, purpose),
      'CIPHERTEXT_MALFORMED',
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), async (inEnc, bit) => {
        const altered = inEnc
          ? { ...wrapped, enc: flip(wrapped.enc, bit) }
          : { ...wrapped, ciphertext: flip(wrapped.ciphertext, bit) };
        await expectRejects(unwrapKey(altered, us.privateKey, purpose), 'DECRYPTION_FAILED');
      }),
      { numRuns: 25 },
    );
    await expectRejects(wrapKey(new Uint8Array(31), us.publicKey, purpose), 'CIPHERTEXT_MALFORMED');
    await expectRejects(wrapKey(new Uint8Array(32), us.publicKey.subarray(1), purpose), 'CIPHERTEXT_MALFORMED');
  });
});

describe('sealed bodies: content keys and commitments', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const body = fc.string({ maxLength: 200 }).map((s) => utf8(JSON.stringify({ s })));
  const aad = utf8('{"type":"declaration","party":"us"}');

  function sealed(audienceKey: Uint8Array, id: Uint8Array, b: Uint8Array, salt: Uint8Array) {
    const key = contentKey(symmetricNode, audienceKey, id);
    return { key, sealed: sealBody(symmetricNode, sha256Node, key, b, aad, salt) };
  }

  it('a content key is HKDF-Expand-SHA256 of the audience key, info `detente/content-key/v2` and the entry id', () => {
    const expected = (ak: Uint8Array, id: Uint8Array) =>
      expand(nobleSha256, ak, new Uint8Array([...utf8('detente/content-key/v2'), ...id]), 32);
    const ak = fromHex(`${'00'.repeat(31)}01`);
    const id = fromHex('000102030405060708090a0b0c0d0e0f');
    expect(toHex(expected(ak, id))).toBe('316d043245ed05fd19c9a09fd4d2617a0ce4e9555e91c794b46e05203eb8bcfb');
    expect(toHex(contentKey(symmetricNode, ak, id))).toBe(toHex(expected(ak, id)));
    fc.assert(
      fc.property(bytes(32), bytes(16), (ak, id) => {
        expect(contentKey(symmetricNode, ak, id)).toEqual(expected(ak, id));
        expect(contentKey(symmetricPortable, ak, id)).toEqual(expected(ak, id));
      }),
      { numRuns: 100 },
    );
  });

  it('opens to the body with its own content key, on either implementation', () => {
    fc.assert(
      fc.property(bytes(32), bytes(16), body, bytes(32), (ak, id, b, salt) => {
        const { key, sealed: s } = sealed(ak, id, b, salt);
        expect(contentKey(symmetricPortable, ak, id)).toEqual(key);
        expect(sealBody(symmetricPortable, sha256Portable, key, b, aad, salt)).toEqual(s);
        expect(openBody(symmetricNode, sha256Node, key, s, aad)).toEqual(b);
        expect(openBody(symmetricPortable, sha256Portable, key, s, aad)).toEqual(b);
        expect(s.commitment).toEqual(bodyCommitment(sha256Node, salt, b));
      }),
    );
  });

  it('wrong or swapped content key, other associated data, truncated or bit-flipped ciphertext: DECRYPTION_FAILED', () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(16),
        bytes(16),
        body,
        bytes(32),
        fc.nat(),
        fc.nat(),
        (ak, id, otherId, b, salt, bit, cut) => {
          fc.pre(toHex(id) !== toHex(otherId));
          const { sealed: s } = sealed(ak, id, b, salt);
          const swapped = contentKey(symmetricNode, ak, otherId); // another entry's key under the same audience key
          const open =
            (key: Uint8Array, x: SealedBody, a = aad) =>
            () =>
              openBody(symmetricNode, sha256Node, key, x, a);
          const key = contentKey(symmetricNode, ak, id);
          expectCode(open(swapped, s), 'DECRYPTION_FAILED');
          expectCode(open(contentKey(symmetricNode, flip(ak, bit), id), s), 'DECRYPTION_FAILED');
          expectCode(open(key, s, utf8('{"type":"declaration","party":"ru"}')), 'DECRYPTION_FAILED');
          expectCode(open(key, { ...s, ciphertext: flip(s.ciphertext, bit) }), 'DECRYPTION_FAILED');
          const length = cut % s.ciphertext.length;
          const truncated = { ...s, ciphertext: s.ciphertext.subarray(0, length) };
          expectCode(open(key, truncated), length < 16 ? 'CIPHERTEXT_MALFORMED' : 'DECRYPTION_FAILED');
        },
      ),
    );
  });

  it('a commitment to anything but the sealed body: COMMITMENT_MISMATCH', () => {
    fc.assert(
      fc.property(bytes(32), bytes(16), body, body, bytes(32), fc.nat(), (ak, id, b, other, salt, bit) => {
        fc.pre(toHex(b) !== toHex(other));
        const { key, sealed: s } = sealed(ak, id, b, salt);
        const open = (x: SealedBody) => () => openBody(symmetricNode, sha256Node, key, x, aad);
        expectCode(open({ ...s, commitment: flip(s.commitment, bit) }), 'COMMITMENT_MISMATCH');
        // An author who commits to one body and encrypts another.
        expectCode(open({ ...s, commitment: bodyCommitment(sha256Node, salt, other) }), 'COMMITMENT_MISMATCH');
      }),
    );
  });

  it('keys and salts of the wrong length are refused before anything is computed', () => {
    expectCode(() => contentKey(symmetricNode, new Uint8Array(31), new Uint8Array(16)), 'CIPHERTEXT_MALFORMED');
    expectCode(() => contentKey(symmetricNode, new Uint8Array(32), new Uint8Array(15)), 'CIPHERTEXT_MALFORMED');
    expectCode(() => bodyCommitment(sha256Node, new Uint8Array(31), new Uint8Array(0)), 'CIPHERTEXT_MALFORMED');
    expectCode(
      () => sealBody(symmetricNode, sha256Node, new Uint8Array(16), new Uint8Array(0), aad, new Uint8Array(32)),
      'CIPHERTEXT_MALFORMED',
    );
  });
});

const BLOB_KEY_0 = '07fcc1392a1a6f2677d7fa8ef3b678202352aa4e9829492966d397d7dbe6dcc9';

describe("sealed blobs: each under a key derived from its entry's content key and its index", () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const blob = fc.uint8Array({ maxLength: 2000 });

  it('known answer: blob key 0 of the all-zero content key (HKDF-SHA256, RFC 5869 computed independently)', () => {
    // HKDF-SHA256(ikm = 32 zero bytes, salt = 00000000, info = "detente/blob-key/v1", L = 32), from Python's hmac:
    // prk = HMAC(salt, ikm); okm = HMAC(prk, info || 0x01).
    expect(toHex(blobKey(symmetricNode, new Uint8Array(32), 0))).toBe(BLOB_KEY_0);
    expect(blobKey(symmetricPortable, new Uint8Array(32), 0)).toEqual(blobKey(symmetricNode, new Uint8Array(32), 0));
  });

  it('opens with its content key and index, on either implementation; 16 bytes longer than the plaintext', () => {
    fc.assert(
      fc.property(bytes(32), fc.nat({ max: 1000 }), blob, (key, index, plain) => {
        const sealed = sealBlob(symmetricNode, key, index, plain);
        expect(sealed.length).toBe(plain.length + 16);
        expect(sealBlob(symmetricPortable, key, index, plain)).toEqual(sealed);
        expect(openBlob(symmetricNode, key, index, sealed)).toEqual(plain);
        expect(openBlob(symmetricPortable, key, index, sealed)).toEqual(plain);
      }),
    );
  });

  it('another content key, another index, a bit flipped or bytes cut off: a typed error, never the plaintext', () => {
    fc.assert(
      fc.property(bytes(32), fc.nat({ max: 1000 }), blob, fc.nat(), fc.nat(), (key, index, plain, bit, cut) => {
        const sealed = sealBlob(symmetricNode, key, index, plain);
        expectCode(() => openBlob(symmetricNode, flip(key, bit), index, sealed), 'DECRYPTION_FAILED');
        expectCode(() => openBlob(symmetricNode, key, index + 1, sealed), 'DECRYPTION_FAILED');
        expectCode(() => openBlob(symmetricNode, key, index, flip(sealed, bit)), 'DECRYPTION_FAILED');
        const length = cut % sealed.length;
        expectCode(
          () => openBlob(symmetricNode, key, index, sealed.subarray(0, length)),
          length < 16 ? 'CIPHERTEXT_MALFORMED' : 'DECRYPTION_FAILED',
        );
      }),
    );
    expectCode(() => blobKey(symmetricNode, new Uint8Array(31), 0), 'CIPHERTEXT_MALFORMED');
    expectCode(() => blobKey(symmetricNode, new Uint8Array(32), -1), 'BAD_INPUT');
    expectCode(() => blobKey(symmetricNode, new Uint8Array(32), 2 ** 32), 'BAD_INPUT');
  });
});
