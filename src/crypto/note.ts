/**
 * C2SP signed-note (tag signed-note/v1.0.0, https://c2sp.org/signed-note@v1.0.0): a UTF-8 text ending in a newline,
 * a blank line, then one or more lines `— <key name> <base64(keyID[4] ‖ signature)>`.
 *
 * `openNote` mirrors Go's golang.org/x/mod/sumdb/note.Open (the reference implementation) rule for rule, with two
 * deliberate tightenings: base64 must be canonical (Go's decoder accepts non-zero padding bits, so one signature
 * would have several spellings), and every signature line from a known key is verified, not only its first copy
 * (the spec says a known key's signature MUST be verified; Go skips repeats).
 *
 * Signatures are primitives-agnostic: a NoteSigner/NoteVerifier carries its own algorithm (see vkey.ts for Ed25519
 * and tlog/cosignature.ts for timestamped cosignatures).
 */
import { concat, fromBase64, putU32be, toBase64, u32be, utf8 } from './bytes.js';
import { DetenteError, fail } from './errors.js';
import { hasControlChar, hasLoneSurrogate } from './text.js';

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes that follow the 4-byte key ID on the signature line. */
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** Whether `signature` (the bytes after the key ID) is valid for `message` (the note text, UTF-8). */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The bytes after the key ID. */
  signature: Uint8Array;
}

export interface OpenedNote {
  text: string;
  /** Signatures from known keys, each (name, key ID) once, in note order. */
  verified: NoteSignature[];
  /** Signatures from unknown keys, identical lines once, in note order. */
  unverified: NoteSignature[];
}

/** Go rejects notes with more signature lines than this; C2SP requires accepting at least 16. */
export const MAX_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 '; // em dash, space
// Go's unicode.IsSpace: ASCII \t\n\v\f\r and space, U+0085, U+00A0, and the Z categories. Not JS's \s, which also
// counts U+FEFF and omits U+0085.
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Key names: non-empty, no Unicode space, no '+' (the vkey separator). */
export function isValidKeyName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !UNICODE_SPACE.test(name) &&
    !name.includes('+') &&
    !hasLoneSurrogate(name)
  );
}

function checkKeyId(keyId: unknown, field: string): asserts keyId is number {
  if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) {
    fail('BAD_INPUT', `${field}: expected a key ID in 0..2^32−1, got ${String(keyId)}`);
  }
}

/** Decodes and checks the characters of a whole note: valid UTF-8, no control characters but \n. */
function noteString(note: unknown): string {
  let s: string;
  if (typeof note === 'string') {
    if (hasLoneSurrogate(note)) fail('NOTE_MALFORMED', 'note: expected valid UTF-8 (lone surrogate)');
    s = note;
  } else if (note instanceof Uint8Array) {
    try {
      s = strictUtf8.decode(note);
    } catch {
      fail('NOTE_MALFORMED', 'note: expected valid UTF-8');
    }
  } else {
    fail('BAD_INPUT', `note: expected a string or Uint8Array, got ${typeof note}`);
  }
  if (hasControlChar(s, true)) fail('NOTE_MALFORMED', 'note: control character other than newline');
  return s;
}

/** Parses one signature line, without its final newline. */
export function parseSignatureLine(line: string): NoteSignature {
  if (typeof line !== 'string') fail('BAD_INPUT', `signature line: expected a string, got ${typeof line}`);
  if (!line.startsWith(SIG_PREFIX))
    fail('NOTE_MALFORMED', 'signature line: expected to start with "— " (U+2014, space)');
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const b64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(name)) {
    fail('NOTE_MALFORMED', 'signature line: key name must be non-empty, with no Unicode space and no "+"');
  }
  if (b64 === '') fail('NOTE_MALFORMED', `signature line for ${name}: missing base64 signature`);
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64, `signature of ${name}`);
  } catch (e) {
    throw new DetenteError('NOTE_MALFORMED', (e as Error).message, { cause: e });
  }
  if (raw.length < 5) fail('NOTE_MALFORMED', `signature of ${name}: expected at least 5 bytes, got ${raw.length}`);
  return { name, keyId: u32be(raw), signature: raw.slice(4) };
}

/** `— <name> <base64(keyID ‖ signature)>\n`, checking the fields so that the line will parse back. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig?.name)) {
    fail('BAD_INPUT', 'signature name: expected non-empty, with no Unicode space and no "+"');
  }
  checkKeyId(sig.keyId, `signature of ${sig.name}: key ID`);
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length < 1) {
    fail('BAD_INPUT', `signature of ${sig.name}: expected at least 1 byte after the key ID`);
  }
  return `${SIG_PREFIX}${sig.name} ${toBase64(concat(putU32be(sig.keyId), sig.signature))}\n`;
}

/**
 * Syntax only: splits a note into its text and every signature line, verifying nothing.
 * Use it to inspect a note that `openNote` refused as unverified.
 */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  const s = noteString(note);
  // The text ends at the LAST blank line: the text itself may contain blank lines.
  const split = s.lastIndexOf('\n\n');
  if (split < 0) fail('NOTE_MALFORMED', 'note: expected a blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    fail('NOTE_MALFORMED', 'note: expected one or more signature lines, each ending in a newline');
  }
  const lines = block.slice(0, -1).split('\n');
  // Checked before any line is parsed, so a hostile note costs O(limit) work, as in Go.
  if (lines.length > MAX_SIGNATURES) {
    fail('NOTE_MALFORMED', `note: ${lines.length} signature lines, more than the ${MAX_SIGNATURES} accepted`);
  }
  return { text, signatures: lines.map(parseSignatureLine) };
}

/**
 * Opens a note: parses it, verifies every signature from a known (name, key ID), and ignores unknown ones.
 * Throws NOTE_MALFORMED on bad syntax, NOTE_BAD_SIGNATURE if any known key's signature fails (the whole note is
 * refused: it was tampered with or the key is misused), NOTE_UNVERIFIED if no known key signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  if (!Array.isArray(verifiers)) fail('BAD_INPUT', 'verifiers: expected an array');
  const { text, signatures } = parseNote(note);
  const message = utf8(text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenVerified = new Set<string>();
  const seenUnverified = new Set<string>();
  for (const sig of signatures) {
    const id = `${sig.name}+${sig.keyId}`;
    const matches = verifiers.filter((v) => v?.name === sig.name && v.keyId === sig.keyId);
    if (matches.length === 0) {
      // Identical unknown lines are reported once, as Go does.
      const line = `${id} ${toBase64(sig.signature)}`;
      if (!seenUnverified.has(line)) {
        seenUnverified.add(line);
        unverified.push(sig);
      }
      continue;
    }
    if (matches.length > 1) fail('BAD_INPUT', `verifiers: ambiguous key ${keyLabel(sig)}`);
    if (!callVerify(matches[0]!, message, sig)) {
      fail('NOTE_BAD_SIGNATURE', `note: invalid signature for key ${keyLabel(sig)}`);
    }
    if (!seenVerified.has(id)) {
      seenVerified.add(id);
      verified.push(sig);
    }
  }
  if (verified.length === 0) fail('NOTE_UNVERIFIED', 'note: no signature from a known key');
  return { text, verified, unverified };
}

function callVerify(v: NoteVerifier, message: Uint8Array, sig: NoteSignature): boolean {
  try {
    return v.verify(message, sig.signature) === true;
  } catch (e) {
    if (e instanceof DetenteError) throw e;
    throw new DetenteError('BAD_INPUT', `verifier ${keyLabel(sig)} threw: ${String(e)}`, { cause: e });
  }
}

function keyLabel(sig: { name: string; keyId: number }): string {
  return `${sig.name}+${sig.keyId.toString(16).padStart(8, '0')}`;
}

/**
 * Signs `text` (which must end in a newline) with each signer, keeping the `existing` signatures that no signer
 * replaces (same name and key ID). As in Go's note.Sign, existing signatures come first, then the new ones.
 */
export function signNote(
  text: string,
  signers: readonly NoteSigner[],
  existing: readonly NoteSignature[] = [],
): string {
  if (typeof text !== 'string' || !text.endsWith('\n')) fail('NOTE_MALFORMED', 'note text: expected to end in "\\n"');
  if (!Array.isArray(signers) || !Array.isArray(existing)) fail('BAD_INPUT', 'signers, existing: expected arrays');
  // Refuse a text that no verifier could open rather than produce it.
  if (hasLoneSurrogate(text)) fail('NOTE_MALFORMED', 'note text: expected valid UTF-8 (lone surrogate)');
  if (hasControlChar(text, true)) fail('NOTE_MALFORMED', 'note text: control character other than newline');
  const message = utf8(text);
  const replaced = new Set<string>();
  const fresh: string[] = [];
  for (const s of signers) {
    if (!isValidKeyName(s?.name)) fail('BAD_INPUT', 'signer name: expected non-empty, no Unicode space and no "+"');
    checkKeyId(s.keyId, `signer ${s.name}: key ID`);
    replaced.add(`${s.name}+${s.keyId}`);
    let signature: Uint8Array;
    try {
      signature = s.sign(message);
    } catch (e) {
      if (e instanceof DetenteError) throw e;
      throw new DetenteError('BAD_INPUT', `signer ${s.name} threw: ${String(e)}`, { cause: e });
    }
    fresh.push(formatSignatureLine({ name: s.name, keyId: s.keyId, signature }));
  }
  const kept: string[] = [];
  for (const sig of existing) {
    // As Go does, a malformed existing signature is a malformed note, even if a signer would replace it.
    if (!isValidKeyName(sig?.name)) fail('NOTE_MALFORMED', 'existing signature: invalid key name');
    if (!(sig.signature instanceof Uint8Array) || sig.signature.length < 1) {
      fail('NOTE_MALFORMED', `existing signature of ${sig.name}: expected at least 1 byte after the key ID`);
    }
    if (replaced.has(`${sig.name}+${sig.keyId}`)) continue;
    kept.push(formatSignatureLine(sig));
  }
  const lines = kept.concat(fresh);
  if (lines.length === 0) fail('BAD_INPUT', 'signNote: no signers and no existing signatures');
  if (lines.length > MAX_SIGNATURES) {
    fail('NOTE_MALFORMED', `note: ${lines.length} signatures, more than the ${MAX_SIGNATURES} a verifier accepts`);
  }
  return `${text}\n${lines.join('')}`;
}
