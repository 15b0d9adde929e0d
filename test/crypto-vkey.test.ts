import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toHex } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { portableSuite } from '../src/crypto/suite.js';
import {
  decodeVerifierKey,
  ed25519Signer,
  formatSignerKey,
  formatVerifierKey,
  generateSigner,
  keyIdFor,
  parseSignerKey,
  parseVerifierKey,
} from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';
import { loadVector } from './vectors.js';

const V = loadVector('signed-note-vectors.json');
const tessera = loadVector('tessera-testdata-log.json');
const peter = V.vectors.find((v: any) => v.id === 'gosumdb-peterneumann-sign');
const GOOD_VKEYS: string[] = [...V.vectors.map((v: any) => v.vkey), tessera.logPublicKey];

/** Go's TestNewVerifier/TestNewSigner manglings: every strict substring and every single-byte increment. */
function manglings(key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= key.length; i++) {
    for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) out.push(key.slice(i, j));
  }
  for (let i = 0; i < key.length; i++) {
    out.push(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
  }
  return out;
}

for (const [suiteName, suite] of [
  ['node:crypto', nodeSuite],
  ['noble', portableSuite],
] as const) {
  describe(`verifier and signer keys (${suiteName})`, () => {
    it('parses every good vkey in the vectors, and formats it back identically', () => {
      for (const vkey of GOOD_VKEYS) {
        const v = parseVerifierKey(vkey, suite);
        const [name, id] = vkey.split('+');
        expect(v.name).toBe(name);
        expect(v.keyId.toString(16).padStart(8, '0')).toBe(id);
        expect(formatVerifierKey(suite.sha256, v.name, v.publicKey)).toBe(vkey);
      }
    });

    it('refuses the bad vkeys of the vectors', () => {
      for (const bad of V.badVkeys) expectCode(() => parseVerifierKey(bad, suite), 'VKEY_MALFORMED');
    });

    it('refuses every strict substring and every single-byte increment of a good vkey (Go TestNewVerifier)', () => {
      for (const vkey of [peter.vkey, tessera.logPublicKey]) {
        for (const bad of manglings(vkey)) expectCode(() => parseVerifierKey(bad, suite), 'VKEY_MALFORMED');
      }
    });

    it('refuses every strict substring and single-byte increment of a signer key, never echoing it', () => {
      for (const skey of [peter.skey, tessera.logPrivateKey]) {
        const secret = skey.slice(skey.lastIndexOf('+', skey.length - 45) + 1);
        for (const bad of manglings(skey)) {
          const e = expectCode(() => parseSignerKey(bad, suite), 'VKEY_MALFORMED');
          expect(e.message).not.toContain(secret.slice(8, 24));
        }
      }
    });

    it('parses Go signer keys: PeterNeumann and the Tessera test log key match their vkeys', () => {
      const p = parseSignerKey(peter.skey, suite);
      expect(p.name).toBe('PeterNeumann');
      expect(p.keyId).toBe(0xc74f20a3);
      expect(p.verifierKey).toBe(peter.vkey);
      expect(formatSignerKey(suite, p.name, p.seed)).toBe(peter.skey);
      const t = parseSignerKey(tessera.logPrivateKey, suite);
      expect(t.verifierKey).toBe(tessera.logPublicKey);
      expect(formatSignerKey(suite, t.name, t.seed)).toBe(tessera.logPrivateKey);
    });

    it('generateSigner produces a self-consistent pair (deterministic from a given seed)', () => {
      const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
      const { skey, vkey } = generateSigner(suite, 'example.com/gen', seed);
      expect(generateSigner(suite, 'example.com/gen', seed)).toEqual({ skey, vkey });
      const signer = parseSignerKey(skey, suite);
      const verifier = parseVerifierKey(vkey, suite);
      expect(signer.keyId).toBe(verifier.keyId);
      const msg = new TextEncoder().encode('hi');
      const sig = signer.sign(msg);
      expect(verifier.verify(msg, sig)).toBe(true);
      sig[0]! ^= 1;
      expect(verifier.verify(msg, sig)).toBe(false);
      sig[0]! ^= 1;
      msg[0]! ^= 1;
      expect(verifier.verify(msg, sig)).toBe(false);
      // Random seeds by default.
      expect(generateSigner(suite, 'x').skey).not.toBe(generateSigner(suite, 'x').skey);
    });
  });
}

describe('key strings: decisions and edge cases', () => {
  const suite = nodeSuite;

  it('key ID = SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]', () => {
    const v = parseVerifierKey(peter.vkey, suite);
    const raw = fromBase64(peter.vkey.split('+')[2]);
    expect(raw[0]).toBe(0x01);
    expect(keyIdFor(suite.sha256, 'PeterNeumann', 0x01, raw.slice(1))).toBe(v.keyId);
    expect(keyIdFor(suite.sha256, 'PeterNeumann', 0x04, raw.slice(1))).not.toBe(v.keyId);
    expectCode(() => keyIdFor(suite.sha256, 'a b', 1, raw), 'BAD_INPUT');
    expectCode(() => keyIdFor(suite.sha256, 'a', 256, raw), 'BAD_INPUT');
  });

  it('splits on the first two "+" only: base64 keys containing "+" parse', () => {
    // The Tessera public key's base64 contains '+'.
    expect(tessera.logPublicKey.split('+').length).toBeGreaterThan(3);
    expect(parseVerifierKey(tessera.logPublicKey, suite).name).toBe('example.com/log/testdata');
  });

  it('refuses an upper-case key ID (C2SP writes lower-case hex; Go would accept it)', () => {
    const [name, id, b64] = ['PeterNeumann', 'c74f20a3', peter.vkey.split('+')[2]];
    expectCode(() => parseVerifierKey(`${name}+${id.toUpperCase()}+${b64}`, suite), 'VKEY_MALFORMED');
  });

  it('refuses other key types and wrong key lengths, whatever the key ID says', () => {
    const pub = parseVerifierKey(peter.vkey, suite).publicKey;
    const cosig = formatVerifierKey(suite.sha256, 'w', pub, 0x04);
    expectCode(() => parseVerifierKey(cosig, suite), 'VKEY_MALFORMED');
    expect(decodeVerifierKey(cosig, suite.sha256, 0x04, 32).name).toBe('w');
    const short = formatVerifierKey(suite.sha256, 'w', pub.slice(1), 0x01);
    expectCode(() => parseVerifierKey(short, suite), 'VKEY_MALFORMED');
    expectCode(() => parseVerifierKey('w+00000000+', suite), 'VKEY_MALFORMED');
  });

  it('ed25519Signer refuses bad seeds and names', () => {
    expectCode(() => ed25519Signer(suite, 'a', new Uint8Array(31)), 'BAD_INPUT');
    expectCode(() => ed25519Signer(suite, 'a+b', new Uint8Array(32)), 'BAD_INPUT');
    // RFC 8032 §7.1 TEST 1.
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    expect(toHex(ed25519Signer(suite, 'a', seed).publicKey)).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
  });

  it('parseVerifierKey and parseSignerKey throw only DetenteError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.constantFrom('+', 'A', '/', '=', 'a', '0', ' ') }),
          fc
            .tuple(fc.constantFrom(peter.vkey, peter.skey), fc.nat(90), fc.nat(4), fc.string({ maxLength: 4 }))
            .map(([k, at, del, ins]) => k.slice(0, at) + ins + k.slice(at + del)),
        ),
        (input) => {
          onlyDetenteErrors(() => parseVerifierKey(input, suite));
          onlyDetenteErrors(() => parseSignerKey(input, suite));
          onlyDetenteErrors(() => parseSignerKey(`PRIVATE+KEY+${input}`, suite));
        },
      ),
      { numRuns: 1000 },
    );
    for (const junk of [undefined, null, 1, {}, []]) {
      expect(() => parseVerifierKey(junk as any, suite)).toThrow(DetenteError);
      expect(() => parseSignerKey(junk as any, suite)).toThrow(DetenteError);
    }
  });
});
