import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromBase64, fromHex, putU64be, toHex, utf8 } from '../src/crypto/bytes.js';
import { openNote, parseSignatureLine, signNote } from '../src/crypto/note.js';
import { portableSuite } from '../src/crypto/suite.js';
import { decodeVerifierKey, ed25519Signer, keyIdFor, parseSignerKey, parseVerifierKey } from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { formatCheckpoint, openCheckpoint } from '../src/tlog/checkpoint.js';
import {
  COSIGNATURE_V1_TYPE,
  cosignatureV1Message,
  cosignatureVerifier,
  cosignatureVerifierKeyFromNoteKey,
  cosignerFromSeed,
  openCosignedCheckpoint,
  parseCosignaturePayload,
  parseCosignatureTimestamp,
  parseCosignatureVerifierKey,
  verifyCosignature,
} from '../src/tlog/cosignature.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';
import { loadVector } from './vectors.js';

const C = loadVector('cosignature-v1-vectors.json');
const tessera = loadVector('tessera-testdata-log.json');
const witnessExamples = loadVector('tlog-witness-examples.json');
const CP15_NOTE: string = tessera.checkpointsBySize['15'];
const CP15 = CP15_NOTE.slice(0, CP15_NOTE.lastIndexOf('\n\n') + 1);
const hexId = (n: number) => n.toString(16).padStart(8, '0');

/** A 72-byte cosignature body (after the key ID) with the given timestamp and a zero signature. */
const withTimestamp = (t: bigint) => concat(putU64be(t), new Uint8Array(64));

for (const [suiteName, suite] of [
  ['node:crypto', nodeSuite],
  ['noble', portableSuite],
] as const) {
  describe(`cosignature/v1 vectors (${suiteName})`, () => {
    const logVerifier = parseVerifierKey(tessera.logPublicKey, suite);

    it('key-ID vectors', () => {
      for (const v of C.keyIdVectors) {
        if (v.type === 4) {
          const w = parseCosignatureVerifierKey(v.vkey, suite);
          expect(hexId(w.keyId)).toBe(v.expectKeyIdHex);
        } else if (v.type === 1) {
          expect(hexId(parseVerifierKey(v.vkey, suite).keyId)).toBe(v.expectKeyIdHex);
          // A 0x01 key is not a cosigner key as is; converted, its key ID is the 0x04 derivation.
          expectCode(() => parseCosignatureVerifierKey(v.vkey, suite), 'VKEY_MALFORMED');
          const converted = cosignatureVerifierKeyFromNoteKey(v.vkey, suite.sha256);
          expect(converted.split('+')[1]).toBe(v.expectCosigV1KeyIdHex_type04);
          expect(hexId(parseCosignatureVerifierKey(converted, suite).keyId)).toBe(v.expectCosigV1KeyIdHex_type04);
        } else {
          // ML-DSA-44 (0x06): not supported here, and its key-ID field does not match the spec derivation.
          expectCode(() => parseCosignatureVerifierKey(v.vkey, suite), 'VKEY_MALFORMED');
          const raw = fromBase64(v.vkey.split('+').slice(2).join('+'));
          expect(raw.length).toBe(1 + 1312);
          expect(hexId(keyIdFor(suite.sha256, 'test', 6, raw.slice(1)))).toBe(v.expectKeyIdHex_perSpec);
          expectCode(() => decodeVerifierKey(v.vkey, suite.sha256, 6, 1312), 'VKEY_MALFORMED');
        }
      }
    });

    it('timestamp-parse vectors', () => {
      for (const v of C.timestampParseVectors) {
        if (v.signatureBase64) {
          const payload = fromBase64(v.signatureBase64);
          if (v.expect) {
            expectCode(() => parseCosignaturePayload(payload), 'COSIGNATURE_MALFORMED');
            expectCode(() => parseCosignatureTimestamp(payload.slice(4)), 'COSIGNATURE_MALFORMED');
          } else {
            const p = parseCosignaturePayload(payload);
            expect(hexId(p.keyId)).toBe(v.expectKeyIdHex);
            expect(p.timestamp).toBe(v.expectTimestamp);
            expect(p.signature).toHaveLength(64);
          }
        } else {
          const sig = parseSignatureLine(v.signatureLine);
          expect(hexId(sig.keyId)).toBe(v.expectKeyIdHex);
          expect(parseCosignatureTimestamp(sig.signature)).toBe(v.expectTimestamp);
        }
      }
    });

    for (const v of C.vectors) {
      it(`${v.id}: reproduces the signed message, the signature line and the cosigned checkpoint`, () => {
        expect(v.checkpointBody).toBe(CP15);
        const cosigner = cosignerFromSeed(
          suite,
          'witness.example/test-w1',
          fromHex(v.witnessSeedHex),
          () => v.timestamp,
        );
        expect(cosigner.verifierKey).toBe(v.vkey);
        expect(new TextDecoder().decode(cosignatureV1Message(v.checkpointBody, v.timestamp))).toBe(v.signedMessage);
        expect(cosigner.cosignLine(v.checkpointBody, v.timestamp)).toBe(`${v.signatureLine}\n`);
        // As a NoteSigner (timestamp from its clock), appended after the log's existing signature.
        const logSig = openCheckpoint(CP15_NOTE, logVerifier).note.verified;
        expect(signNote(v.checkpointBody, [cosigner], logSig)).toBe(v.cosignedCheckpoint);

        const witness = parseCosignatureVerifierKey(v.vkey, suite);
        const opened = openCosignedCheckpoint(v.cosignedCheckpoint, logVerifier, [witness]);
        expect(opened.checkpoint.size).toBe(15);
        expect(opened.cosignatures).toEqual([{ name: witness.name, keyId: witness.keyId, timestamp: v.timestamp }]);
        const sig = parseSignatureLine(v.signatureLine);
        expect(verifyCosignature(witness, v.checkpointBody, sig)).toEqual({ timestamp: v.timestamp });
      });
    }

    it('verifyCosignature refuses other keys, other checkpoints, other times and other lengths', () => {
      const v = C.vectors[0];
      const witness = parseCosignatureVerifierKey(v.vkey, suite);
      const sig = parseSignatureLine(v.signatureLine);
      const other = parseCosignatureVerifierKey(
        cosignerFromSeed(suite, witness.name, new Uint8Array(32).fill(9)).verifierKey,
        suite,
      );
      expectCode(() => verifyCosignature(other, v.checkpointBody, sig), 'COSIGNATURE_INVALID');
      const sameKeyIdOtherKey = { ...other, keyId: witness.keyId };
      expectCode(() => verifyCosignature(sameKeyIdOtherKey, v.checkpointBody, sig), 'COSIGNATURE_INVALID');
      expectCode(
        () => verifyCosignature(witness, `${tessera.checkpointsBySize['14'].split('\n\n')[0]}\n`, sig),
        'COSIGNATURE_INVALID',
      );
      const retimed = { ...sig, signature: concat(putU64be(BigInt(v.timestamp + 1)), sig.signature.slice(8)) };
      expectCode(() => verifyCosignature(witness, v.checkpointBody, retimed), 'COSIGNATURE_INVALID');
      expectCode(
        () => verifyCosignature(witness, v.checkpointBody, { ...sig, signature: sig.signature.slice(8) }),
        'COSIGNATURE_MALFORMED',
      );
      expectCode(() => verifyCosignature(witness, 'not a checkpoint\n', sig), 'CHECKPOINT_MALFORMED');
    });

    it('a known witness with a bad cosignature refuses the note; an unknown witness is ignored', () => {
      const v = C.vectors[0];
      const witness = parseCosignatureVerifierKey(v.vkey, suite);
      // The second vector's line with its timestamp changed from 1 to 2.
      const retimed = C.vectors[1].signatureLine.replace('AAAAAAAB', 'AAAAAAAC');
      const bad = v.cosignedCheckpoint.replace(v.signatureLine, retimed);
      expectCode(() => openCosignedCheckpoint(bad, logVerifier, [witness]), 'NOTE_BAD_SIGNATURE');
      const stranger = cosignatureVerifier(suite, 'someone.else', new Uint8Array(32).fill(1));
      const opened = openCosignedCheckpoint(v.cosignedCheckpoint, logVerifier, [stranger]);
      expect(opened.cosignatures).toEqual([]);
      expect(opened.note.unverified.map((s) => s.name)).toEqual([witness.name]);
      // Only cosigned, not signed by the log: refused.
      const cosigner = cosignerFromSeed(suite, 'witness.example/test-w1', fromHex(v.witnessSeedHex));
      expectCode(() => openCosignedCheckpoint(signNote(CP15, [cosigner]), logVerifier, [witness]), 'NOTE_UNVERIFIED');
    });

    it('the witness response example: lines parse, their placeholder timestamps are refused', () => {
      const lines = (witnessExamples.addCheckpointResponseExample as string).trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      for (const line of lines) {
        const sig = parseSignatureLine(line);
        expect(sig.signature).toHaveLength(72);
        expectCode(() => parseCosignatureTimestamp(sig.signature), 'COSIGNATURE_MALFORMED');
      }
    });
  });
}

describe('cosignature/v1 rules', () => {
  const suite = nodeSuite;
  const seed = new Uint8Array(32).fill(42);
  const cosigner = cosignerFromSeed(suite, 'w.example', seed);
  const verifier = parseCosignatureVerifierKey(cosigner.verifierKey, suite);

  it('key ID uses type 0x04; the same key as a plain note key has another ID', () => {
    expect(cosigner.keyId).toBe(keyIdFor(suite.sha256, 'w.example', COSIGNATURE_V1_TYPE, cosigner.publicKey));
    expect(ed25519Signer(suite, 'w.example', seed).keyId).not.toBe(cosigner.keyId);
  });

  it('timestamps: 0 and 2^53−1 round-trip; beyond 2^53−1 (and past 2^63−1) refused', () => {
    for (const t of [0, 1, 2 ** 53 - 1]) {
      const sig = cosigner.cosign(CP15, t);
      expect(verifyCosignature(verifier, CP15, sig).timestamp).toBe(t);
      expect(parseCosignatureTimestamp(sig.signature)).toBe(t);
    }
    for (const t of [-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectCode(() => cosigner.cosign(CP15, t), 'BAD_INPUT');
    }
    for (const t of [2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      expectCode(() => parseCosignatureTimestamp(withTimestamp(t)), 'COSIGNATURE_MALFORMED');
      expect(verifier.verify(utf8(CP15), withTimestamp(t))).toBe(false);
    }
  });

  it('signs extension lines too: changing one breaks the cosignature', () => {
    const text = formatCheckpoint({ origin: 'o.example', size: 3, root: new Uint8Array(32), extensions: ['ext'] });
    const sig = cosigner.cosign(text, 1000);
    expect(verifyCosignature(verifier, text, sig).timestamp).toBe(1000);
    expectCode(() => verifyCosignature(verifier, text.replace('ext', 'exu'), sig), 'COSIGNATURE_INVALID');
  });

  it('is domain-separated from plain note signatures of the same key', () => {
    const plain = ed25519Signer(suite, 'w.example', seed).sign(utf8(CP15));
    expect(verifier.verify(utf8(CP15), plain)).toBe(false);
    const asCosig = concat(putU64be(0n), plain);
    expect(verifier.verify(utf8(CP15), asCosig)).toBe(false);
  });

  it('cosigns only checkpoint bodies', () => {
    expectCode(() => cosigner.cosign('hello\n', 1), 'CHECKPOINT_MALFORMED');
    expect(verifier.verify(utf8('hello\n'), cosigner.cosign(CP15, 1).signature)).toBe(false);
  });

  it('as a NoteSigner it timestamps with its clock, in POSIX seconds by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const opened = openNote(signNote(CP15, [cosigner]), [verifier]);
    const t = parseCosignatureTimestamp(opened.verified[0]!.signature);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('property: cosign → verify round-trips random checkpoints and times, under both suites', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.boolean(),
        (sd, size, time, root, useNode) => {
          const s = useNode ? nodeSuite : portableSuite;
          const other = useNode ? portableSuite : nodeSuite;
          const text = formatCheckpoint({ origin: 'example.com/p', size, root, extensions: [] });
          const c = cosignerFromSeed(s, 'w', sd);
          const sig = c.cosign(text, time);
          // Signed with one suite, verified with the other.
          expect(verifyCosignature(parseCosignatureVerifierKey(c.verifierKey, other), text, sig).timestamp).toBe(time);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('property: cosignature parsers throw only DetenteError; verify never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.string({ unit: 'binary' }), (bytes, str) => {
        onlyDetenteErrors(() => parseCosignaturePayload(bytes));
        onlyDetenteErrors(() => parseCosignatureTimestamp(bytes));
        onlyDetenteErrors(() => parseCosignatureVerifierKey(str, suite));
        onlyDetenteErrors(() => cosignatureVerifierKeyFromNoteKey(str, suite.sha256));
        onlyDetenteErrors(() =>
          verifyCosignature(verifier, str, { name: 'w.example', keyId: verifier.keyId, signature: bytes }),
        );
        expect(typeof verifier.verify(bytes, bytes)).toBe('boolean');
        expect(typeof verifier.verify(utf8(CP15), bytes)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    for (const junk of [undefined, null, 1, 'x', {}]) {
      onlyDetenteErrors(() => parseCosignaturePayload(junk as any));
      onlyDetenteErrors(() => parseCosignatureTimestamp(junk as any));
      onlyDetenteErrors(() => parseCosignatureVerifierKey(junk as any, suite));
      onlyDetenteErrors(() => verifyCosignature(verifier, CP15, junk as any));
      onlyDetenteErrors(() => verifyCosignature(junk as any, CP15, cosigner.cosign(CP15, 1)));
    }
  });

  it('the Tessera log key cannot be used as a cosigner key without conversion', () => {
    const log = parseSignerKey(tessera.logPrivateKey, suite);
    expect(toHex(parseVerifierKey(tessera.logPublicKey, suite).publicKey)).toBe(toHex(log.publicKey));
    expectCode(() => parseCosignatureVerifierKey(tessera.logPublicKey, suite), 'VKEY_MALFORMED');
  });
});
