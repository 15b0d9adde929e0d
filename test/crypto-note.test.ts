import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, utf8 } from '../src/crypto/bytes.js';
import {
  formatSignatureLine,
  isValidKeyName,
  MAX_SIGNATURES,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  openNote,
  parseNote,
  parseSignatureLine,
  signNote,
} from '../src/crypto/note.js';
import { portableSuite } from '../src/crypto/suite.js';
import { ed25519Signer, ed25519Verifier, parseSignerKey, parseVerifierKey } from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';
import { loadVector } from './vectors.js';

const V = loadVector('signed-note-vectors.json');
const peterVector = V.vectors.find((v: any) => v.id === 'gosumdb-peterneumann-sign');
const enochVector = V.vectors.find((v: any) => v.id === 'gosumdb-enochroot');
const TEXT: string = peterVector.expectText;
const PETER_SIG = `${peterVector.note.slice(TEXT.length + 1)}`; // "— PeterNeumann ...\n"
const ENOCH_SIG = `${enochVector.note.slice(TEXT.length + 1)}`;

const CODES: Record<string, string> = {
  'error:malformed': 'NOTE_MALFORMED',
  'error:unverified': 'NOTE_UNVERIFIED',
  'error:invalid-signature': 'NOTE_BAD_SIGNATURE',
};

const names = (sigs: NoteSignature[]) => sigs.map((s) => s.name);

for (const [suiteName, suite] of [
  ['node:crypto', nodeSuite],
  ['noble', portableSuite],
] as const) {
  describe(`signed-note vectors (${suiteName})`, () => {
    const peter = parseVerifierKey(peterVector.vkey, suite);
    const enoch = parseVerifierKey(enochVector.vkey, suite);

    for (const vec of V.vectors) {
      it(`${vec.id}: opens with its vkey and yields the expected text`, () => {
        const v = parseVerifierKey(vec.vkey, suite);
        const opened = openNote(vec.note, [v]);
        expect(opened.text).toBe(vec.expectText);
        expect(opened.verified).toHaveLength(1);
        expect(opened.verified[0]!.name).toBe(v.name);
        expect(opened.verified[0]!.keyId.toString(16).padStart(8, '0')).toBe(vec.vkey.split('+')[1]);
        expect(opened.unverified).toEqual([]);
        // The same note as bytes opens identically.
        expect(openNote(utf8(vec.note), [v])).toEqual(opened);
      });
    }

    it('re-signing PeterNeumann with its private key reproduces the note byte for byte', () => {
      const signer = parseSignerKey(peterVector.skey, suite);
      expect(signer.verifierKey).toBe(peterVector.vkey);
      expect(signNote(TEXT, [signer])).toBe(peterVector.note);
      // Go's TestSign: an existing signature by the same key is replaced, not kept.
      const stale: NoteSignature = { name: 'PeterNeumann', keyId: 0xc74f20a3, signature: Uint8Array.of(1) };
      expect(signNote(TEXT, [signer], [stale])).toBe(peterVector.note);
    });

    for (const c of V.openCases) {
      it(`open case: ${c.desc}`, () => {
        let note: string | Uint8Array = c.note;
        if (c.noteHex) note = fromHex(c.noteHex);
        if (c.noteBuilder) note = `${TEXT}\n${PETER_SIG.repeat(101)}`;
        // Go's malformed cases run with VerifierList(peterVerifier).
        const verifiers = c.knownVkeys ? c.knownVkeys.map((k: string) => parseVerifierKey(k, suite)) : [peter];
        if (c.expect === 'ok') {
          const opened = openNote(note, verifiers);
          expect(opened.text).toBe(TEXT);
          expect(names(opened.verified)).toEqual(c.verified);
          expect(names(opened.unverified)).toEqual(c.unverified ?? []);
        } else {
          expectCode(() => openNote(note, verifiers), CODES[c.expect] as any);
        }
      });
    }

    it('Go TestOpen extras: ambiguous verifiers, duplicates, too many signatures', () => {
      // Duplicated verifier for a key that signed: refused (a broken configuration), unused duplicate: fine.
      expectCode(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]), 'BAD_INPUT');
      expect(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).verified).toHaveLength(1);
      // 101 lines are malformed even when no key is known.
      expectCode(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []), 'NOTE_MALFORMED');
      // Duplicated verified and unverified signatures: each reported once; distinct unknown lines kept.
      const enochABCD = `${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`;
      const opened = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochABCD}`, [peter]);
      expect(names(opened.verified)).toEqual(['PeterNeumann']);
      expect(opened.unverified.map((s) => formatSignatureLine(s))).toEqual([ENOCH_SIG, enochABCD]);
    });

    it('a known key with one good and one bad signature line refuses the whole note', () => {
      const bad = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
      expectCode(() => openNote(`${TEXT}\n${PETER_SIG}${bad}`, [peter]), 'NOTE_BAD_SIGNATURE');
      expectCode(() => openNote(`${TEXT}\n${ENOCH_SIG}${bad}`, [peter, enoch]), 'NOTE_BAD_SIGNATURE');
    });
  });
}

describe('signed-note syntax', () => {
  const suite = nodeSuite;
  const peter = parseVerifierKey(peterVector.vkey, suite);

  it('splits at the last blank line: the text may contain blank lines', () => {
    const signer = parseSignerKey(peterVector.skey, suite);
    for (const text of ['a\n\nb\n', 'a\n\n', '\n', 'a\n\n\n\nb\n']) {
      expect(openNote(signNote(text, [signer]), [peter]).text).toBe(text);
    }
  });

  it('accepts at least 16 signatures (C2SP) and up to 100 lines (Go), refuses 101', () => {
    const signers = Array.from({ length: 16 }, (_, i) =>
      ed25519Signer(suite, `k${i}.example`, new Uint8Array(32).fill(i + 1)),
    );
    const verifiers = signers.map((s) => ed25519Verifier(suite, s.name, s.publicKey));
    const note = signNote(TEXT, signers);
    expect(openNote(note, verifiers).verified).toHaveLength(16);
    expect(openNote(`${TEXT}\n${PETER_SIG.repeat(MAX_SIGNATURES)}`, [peter]).verified).toHaveLength(1);
    expectCode(() => openNote(`${TEXT}\n${PETER_SIG.repeat(MAX_SIGNATURES + 1)}`, [peter]), 'NOTE_MALFORMED');
    expectCode(() => signNote(TEXT, Array(MAX_SIGNATURES + 1).fill(signers[0])), 'NOTE_MALFORMED');
  });

  it('key names: no Unicode space (as Go unicode.IsSpace), no "+", non-empty', () => {
    for (const bad of [
      '',
      'a b',
      'a+b',
      'a\tb',
      'a\u00a0b',
      'a\u0085b',
      'a\u2003b',
      'a\u2028b',
      'a\u3000b',
      '\ud800',
    ]) {
      expect(isValidKeyName(bad), JSON.stringify(bad)).toBe(false);
      expectCode(() => parseSignatureLine(`— ${bad} AAAAAAA=`), 'NOTE_MALFORMED');
    }
    // U+FEFF is not a space for Go (JavaScript's \s says it is): accepted, like Go.
    for (const good of ['a', 'example.com/log', 'a\ufeffb', 'ünï/cødé', 'a\u200bb']) {
      expect(isValidKeyName(good), JSON.stringify(good)).toBe(true);
    }
  });

  it('signature lines: em dash prefix, one space, canonical padded base64 of at least 5 bytes', () => {
    const b64 = PETER_SIG.slice('— PeterNeumann '.length, -1);
    expect(parseSignatureLine(`— PeterNeumann ${b64}`).keyId).toBe(0xc74f20a3);
    for (const bad of [
      `- PeterNeumann ${b64}`, // ASCII hyphen
      `—PeterNeumann ${b64}`,
      `— PeterNeumann  ${b64}`, // two spaces: the base64 would start with a space
      `— PeterNeumann ${b64} `,
      `— PeterNeumann ${b64.slice(0, -1)}`, // unpadded
      '— PeterNeumann AAAAAA==', // 4 bytes: key ID only
      '— PeterNeumann AAAAAAB=', // non-canonical trailing bits (Go would accept; we refuse)
      '— PeterNeumann',
      '— PeterNeumann ',
    ]) {
      expectCode(() => parseSignatureLine(bad), 'NOTE_MALFORMED');
    }
  });

  it('note-level syntax errors are NOTE_MALFORMED', () => {
    for (const bad of [
      '',
      '\n\n',
      `${TEXT}\n${PETER_SIG}\n`, // a trailing blank line: no signature after the last blank line
      `${TEXT}\r\n${PETER_SIG}`,
      `${TEXT}\n${PETER_SIG.replace('\n', '\r\n')}`,
      `\t${TEXT}\n${PETER_SIG}`,
      `${TEXT}\u0000\n${PETER_SIG}`,
      `\ud800${TEXT}\n${PETER_SIG}`,
    ]) {
      expectCode(() => openNote(bad, [peter]), 'NOTE_MALFORMED');
    }
    expectCode(() => openNote(Uint8Array.of(0xed, 0xa0, 0x80, 0x0a, 0x0a), [peter]), 'NOTE_MALFORMED'); // CESU surrogate
    expectCode(() => openNote(Uint8Array.of(0xc0, 0xaf, 0x0a, 0x0a), [peter]), 'NOTE_MALFORMED'); // overlong '/'
    expectCode(() => openNote(42 as any, [peter]), 'BAD_INPUT');
  });

  it('DEL and C1 controls are not ASCII controls: allowed, as in Go', () => {
    const signer = parseSignerKey(peterVector.skey, suite);
    const text = 'a\u007fb\u0085c\n';
    expect(openNote(signNote(text, [signer]), [peter]).text).toBe(text);
  });

  it('parseNote returns every line, verifying nothing', () => {
    const parsed = parseNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}`);
    expect(parsed.text).toBe(TEXT);
    expect(names(parsed.signatures)).toEqual(['PeterNeumann', 'PeterNeumann', 'EnochRoot']);
  });

  it('signNote checks its inputs like Go note.Sign', () => {
    const signer = parseSignerKey(peterVector.skey, suite);
    expectCode(() => signNote('abc', [signer]), 'NOTE_MALFORMED');
    expectCode(() => signNote('a\u0001\n', [signer]), 'NOTE_MALFORMED');
    expectCode(() => signNote(TEXT, [], [{ name: 'a+b', keyId: 0, signature: Uint8Array.of(1) }]), 'NOTE_MALFORMED');
    expectCode(() => signNote(TEXT, [{ ...signer, name: 'bad name' }]), 'BAD_INPUT');
    expectCode(() => signNote(TEXT, [{ ...signer, keyId: 2 ** 32 }]), 'BAD_INPUT');
    expectCode(() => signNote(TEXT, []), 'BAD_INPUT');
    const throwing: NoteSigner = {
      name: 'x',
      keyId: 1,
      sign() {
        throw new TypeError('surprise');
      },
    };
    expectCode(() => signNote(TEXT, [throwing]), 'BAD_INPUT');
    const empty: NoteSigner = { name: 'x', keyId: 1, sign: () => new Uint8Array(0) };
    expectCode(() => signNote(TEXT, [empty]), 'BAD_INPUT');
    // Existing signatures come first, then the new ones (Go's order).
    const enochSig = parseSignatureLine(ENOCH_SIG.slice(0, -1));
    expect(signNote(TEXT, [signer], [enochSig])).toBe(`${TEXT}\n${ENOCH_SIG}${PETER_SIG}`);
  });

  it('a verifier that throws is wrapped, never leaked', () => {
    const throwing: NoteVerifier = {
      name: 'PeterNeumann',
      keyId: 0xc74f20a3,
      verify() {
        throw new RangeError('boom');
      },
    };
    expectCode(() => openNote(peterVector.note, [throwing]), 'BAD_INPUT');
  });
});

// Notes with no control characters but \n and valid UTF-8: fast-check's full-Unicode strings, with controls mapped.
const noteText = fc
  .string({ unit: 'grapheme', maxLength: 80 })
  .map((s) => `${s.replace(/\p{Cc}/gu, (c) => (c === '\n' ? c : '.'))}\n`);
const keyName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter(isValidKeyName);
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('signed-note properties', () => {
  it('sign → open round-trips random texts and names (both suites)', () => {
    fc.assert(
      fc.property(noteText, keyName, seed, fc.boolean(), (text, name, sd, useNode) => {
        const suite = useNode ? nodeSuite : portableSuite;
        const signer = ed25519Signer(suite, name, sd);
        const note = signNote(text, [signer]);
        const opened = openNote(note, [ed25519Verifier(suite, name, signer.publicKey)]);
        expect(opened.text).toBe(text);
        expect(opened.verified).toEqual([{ name, keyId: signer.keyId, signature: signer.sign(utf8(text)) }]);
      }),
    );
  });

  it('flipping any single bit of the PeterNeumann note (text, separator or signature line) makes open fail', () => {
    const peter = parseVerifierKey(peterVector.vkey, nodeSuite);
    const bytes = utf8(peterVector.note);
    for (let i = 0; i < bytes.length * 8; i++) {
      const mutated = bytes.slice();
      mutated[i >> 3]! ^= 1 << (i & 7);
      expect(() => openNote(mutated, [peter]), `bit ${i}`).toThrow();
      onlyDetenteErrors(() => openNote(mutated, [peter]));
    }
  });

  it('flipping any bit of the decoded signature (key ID or Ed25519 bytes) makes open fail', () => {
    for (const suite of [nodeSuite, portableSuite]) {
      const peter = parseVerifierKey(peterVector.vkey, suite);
      const raw = fromBase64(PETER_SIG.slice('— PeterNeumann '.length, -1));
      for (let i = 0; i < raw.length * 8; i++) {
        const m = raw.slice();
        m[i >> 3]! ^= 1 << (i & 7);
        const note = `${TEXT}\n— PeterNeumann ${toBase64(m)}\n`;
        const code = i < 32 ? 'NOTE_UNVERIFIED' : 'NOTE_BAD_SIGNATURE';
        expectCode(() => openNote(note, [peter]), code);
      }
    }
  });

  it('random single-bit flips of random signed notes make open fail', () => {
    fc.assert(
      fc.property(noteText, keyName, seed, fc.nat(), (text, name, sd, bit) => {
        const signer = ed25519Signer(nodeSuite, name, sd);
        const bytes = utf8(signNote(text, [signer]));
        const i = bit % (bytes.length * 8);
        bytes[i >> 3]! ^= 1 << (i & 7);
        expect(() => openNote(bytes, [ed25519Verifier(nodeSuite, name, signer.publicKey)])).toThrow();
      }),
    );
  });

  it('openNote, parseNote and parseSignatureLine throw only DetenteError on arbitrary input', () => {
    const peter = parseVerifierKey(peterVector.vkey, nodeSuite);
    const valid = peterVector.note as string;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 300 }),
          // Splices into a valid note reach deeper into the parser than random strings do.
          fc
            .tuple(fc.nat(valid.length), fc.nat(8), fc.string({ unit: 'binary', maxLength: 8 }))
            .map(([at, del, ins]) => valid.slice(0, at) + ins + valid.slice(at + del)),
        ),
        (input) => {
          onlyDetenteErrors(() => openNote(input, [peter]));
          onlyDetenteErrors(() => parseNote(input));
          if (typeof input === 'string') onlyDetenteErrors(() => parseSignatureLine(input));
        },
      ),
      { numRuns: 1000 },
    );
    for (const junk of [undefined, null, 1, {}, [], new Uint16Array(3)]) {
      onlyDetenteErrors(() => openNote(junk as any, [peter]));
      onlyDetenteErrors(() => openNote(valid, junk as any));
      onlyDetenteErrors(() => parseSignatureLine(junk as any));
      onlyDetenteErrors(() => formatSignatureLine(junk as any));
      onlyDetenteErrors(() => signNote(junk as any, [] as any));
      onlyDetenteErrors(() => signNote(TEXT, junk as any));
    }
  });
});
