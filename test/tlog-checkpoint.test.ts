import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../src/crypto/bytes.js';
import { signNote } from '../src/crypto/note.js';
import { portableSuite } from '../src/crypto/suite.js';
import { ed25519Signer, parseSignerKey, parseVerifierKey } from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../src/tlog/checkpoint.js';
import { CompactRange } from '../src/tlog/compact-range.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';
import { loadVector } from './vectors.js';

const tessera = loadVector('tessera-testdata-log.json');
const witness = loadVector('tlog-witness-examples.json');
const CHECKPOINTS: [string, string][] = Object.entries(tessera.checkpointsBySize);
const bodyOf = (note: string) => note.slice(0, note.lastIndexOf('\n\n') + 1);
const ROOT = toBase64(new Uint8Array(32).fill(7));

for (const [suiteName, suite] of [
  ['node:crypto', nodeSuite],
  ['noble', portableSuite],
] as const) {
  describe(`Tessera testdata checkpoints (${suiteName})`, () => {
    const logVerifier = parseVerifierKey(tessera.logPublicKey, suite);
    const logSigner = parseSignerKey(tessera.logPrivateKey, suite);

    it('every checkpoint 0..15 opens with the Tessera public key; its root is the RFC 6962 root of the leaves', () => {
      expect(CHECKPOINTS).toHaveLength(16);
      const hasher = new Rfc6962Hasher(suite.sha256);
      const range = new CompactRange(hasher);
      for (const [size, note] of CHECKPOINTS) {
        const { checkpoint, note: opened } = openCheckpoint(note, logVerifier);
        expect(checkpoint.origin).toBe(tessera.origin);
        expect(checkpoint.size).toBe(Number(size));
        expect(checkpoint.extensions).toEqual([]);
        expect(opened.verified.map((s) => s.name)).toEqual([tessera.origin]);
        while (range.size < checkpoint.size) range.append(hasher.hashLeaf(utf8(tessera.leavesAscii[range.size])));
        expect(toBase64(checkpoint.root)).toBe(toBase64(range.root()));
      }
    });

    it('re-signing each checkpoint with the Tessera private key reproduces it byte for byte', () => {
      for (const [, note] of CHECKPOINTS) {
        const cp = parseCheckpoint(bodyOf(note));
        expect(formatCheckpoint(cp)).toBe(bodyOf(note));
        expect(signCheckpoint(cp, logSigner)).toBe(note);
      }
    });

    it('refuses a checkpoint signed only by another known key, or whose origin is not the log key name', () => {
      const other = ed25519Signer(suite, 'witness.example/w', new Uint8Array(32).fill(3));
      const otherVerifier = { name: other.name, keyId: other.keyId, verify: () => true };
      const body = bodyOf(CHECKPOINTS[15]![1]);
      expectCode(() => openCheckpoint(signNote(body, [other]), logVerifier, [otherVerifier]), 'NOTE_UNVERIFIED');
      // A key named like another origin signs a checkpoint for this origin: refused even though it verifies.
      const impostor = ed25519Signer(suite, 'example.com/other', new Uint8Array(32).fill(4));
      const impostorVerifier = { name: impostor.name, keyId: impostor.keyId, verify: () => true };
      expectCode(() => openCheckpoint(signNote(body, [impostor]), impostorVerifier), 'NOTE_UNVERIFIED');
      expectCode(() => signCheckpoint(parseCheckpoint(body), impostor), 'BAD_INPUT');
    });

    it('a bad log signature refuses the note; unknown extra signatures are kept as unverified', () => {
      const note = CHECKPOINTS[15]![1];
      const tampered = note.replace('\n15\n', '\n16\n');
      expectCode(() => openCheckpoint(tampered, logVerifier), 'NOTE_BAD_SIGNATURE');
      const stranger = ed25519Signer(suite, 'stranger', new Uint8Array(32).fill(5));
      const cosigned = signNote(bodyOf(note), [stranger], openCheckpoint(note, logVerifier).note.verified);
      const { note: opened } = openCheckpoint(cosigned, logVerifier);
      expect(opened.unverified.map((s) => s.name)).toEqual(['stranger']);
    });
  });
}

describe('checkpoint syntax (C2SP tlog-checkpoint v1.0.0)', () => {
  it('parses the tlog-witness spec example checkpoint', () => {
    const body = witness.addCheckpointRequestExample.body as string;
    const text = body.slice(body.indexOf('\n\n') + 2, body.lastIndexOf('\n\n') + 1);
    const cp = parseCheckpoint(text);
    expect(cp.origin).toBe(witness.addCheckpointRequestExample.parsed.origin);
    expect(cp.size).toBe(witness.addCheckpointRequestExample.parsed.checkpointSize);
  });

  it('round-trips extension lines', () => {
    const text = `example.com/log\n0\n${ROOT}\next one\n— not a signature\n`;
    const cp = parseCheckpoint(text);
    expect(cp.extensions).toEqual(['ext one', '— not a signature']);
    expect(formatCheckpoint(cp)).toBe(text);
  });

  it('refuses every malformation strictly, with CHECKPOINT_MALFORMED', () => {
    const bad = [
      '',
      'example.com/log\n1\n',
      `example.com/log\n1\n${ROOT}`, // no final newline
      `\n1\n${ROOT}\n`, // empty origin
      `example.com/log\n01\n${ROOT}\n`, // leading zero
      `example.com/log\n00\n${ROOT}\n`,
      `example.com/log\n+1\n${ROOT}\n`,
      `example.com/log\n-1\n${ROOT}\n`,
      `example.com/log\n 1\n${ROOT}\n`,
      `example.com/log\n1.0\n${ROOT}\n`,
      `example.com/log\n1e3\n${ROOT}\n`,
      `example.com/log\n0x10\n${ROOT}\n`,
      `example.com/log\n\n${ROOT}\n`,
      `example.com/log\n９\n${ROOT}\n`, // a full-width digit
      `example.com/log\n9007199254740992\n${ROOT}\n`, // 2^53: not a safe integer
      `example.com/log\n18446744073709551615\n${ROOT}\n`,
      `example.com/log\n1\n${toBase64(new Uint8Array(31))}\n`,
      `example.com/log\n1\n${toBase64(new Uint8Array(33))}\n`,
      `example.com/log\n1\n${ROOT.slice(0, -1)}\n`, // unpadded
      `example.com/log\n1\n${ROOT.slice(0, -2)}d=\n`, // non-canonical trailing bits (c → d)
      `example.com/log\n1\n${ROOT}\n\n`, // empty extension line
      `example.com/log\n1\n${ROOT}\next\n\n`,
      `example.com/log\r\n1\n${ROOT}\n`,
      `example.com/log\n1\r\n${ROOT}\n`,
      `example\u0000.com\n1\n${ROOT}\n`,
      `example.com/log\n1\n${ROOT}\nbad\tline\n`,
      `\ud800\n1\n${ROOT}\n`,
    ];
    for (const text of bad) expectCode(() => parseCheckpoint(text), 'CHECKPOINT_MALFORMED');
    expect(parseCheckpoint(`example.com/log\n9007199254740991\n${ROOT}\n`).size).toBe(2 ** 53 - 1);
    expectCode(() => parseCheckpoint(7 as any), 'BAD_INPUT');
  });

  it('formatCheckpoint refuses fields that would not parse back', () => {
    const ok: Checkpoint = { origin: 'o', size: 1, root: new Uint8Array(32), extensions: [] };
    for (const bad of [
      { ...ok, origin: '' },
      { ...ok, origin: 'a\nb' },
      { ...ok, size: -1 },
      { ...ok, size: 1.5 },
      { ...ok, size: 2 ** 53 },
      { ...ok, size: Number.NaN },
      { ...ok, root: new Uint8Array(31) },
      { ...ok, extensions: [''] },
      { ...ok, extensions: ['a\nb'] },
      { ...ok, extensions: [5 as any] },
    ]) {
      expectCode(() => formatCheckpoint(bad), 'BAD_INPUT');
    }
    expectCode(() => formatCheckpoint(null as any), 'BAD_INPUT');
  });

  const line = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
    .map((s) => s.replace(/\p{Cc}/gu, '.'))
    .filter((s) => s.length > 0);

  it('property: format → parse round-trips random checkpoints', () => {
    fc.assert(
      fc.property(
        line,
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, root, extensions) => {
          const cp = { origin, size, root, extensions };
          expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
        },
      ),
    );
  });

  it('property: parseCheckpoint and openCheckpoint throw only DetenteError on arbitrary input', () => {
    const verifier = parseVerifierKey(tessera.logPublicKey, nodeSuite);
    const valid = CHECKPOINTS[15]![1];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.constantFrom('\n', '0', '1', 'A', '=', 'x', ' ') }),
          fc
            .tuple(fc.nat(valid.length), fc.nat(6), fc.string({ unit: 'binary', maxLength: 6 }))
            .map(([at, del, ins]) => valid.slice(0, at) + ins + valid.slice(at + del)),
        ),
        (input) => {
          onlyDetenteErrors(() => parseCheckpoint(input));
          onlyDetenteErrors(() => openCheckpoint(input, verifier));
        },
      ),
      { numRuns: 1000 },
    );
    onlyDetenteErrors(() => openCheckpoint(valid, null as any));
    onlyDetenteErrors(() => openCheckpoint(valid, verifier, 3 as any));
  });
});
