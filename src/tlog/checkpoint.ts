/**
 * C2SP tlog-checkpoint (tag tlog-checkpoint/v1.0.0, https://c2sp.org/tlog-checkpoint@v1.0.0): the signed-note body
 *
 *   <origin>\n<tree size, decimal>\n<base64 RFC 6962 root hash>\n[<extension line>\n ...]
 *
 * Parsing is strict where the spec leaves room (Go's formats/log parser is lenient): the size has no leading zeros
 * and must be a safe integer, the root is canonical base64 of exactly 32 bytes, so every checkpoint has exactly one
 * text and a signature over it cannot be replayed onto a re-spelling.
 */
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { type NoteSigner, type NoteVerifier, type OpenedNote, openNote, signNote } from '../crypto/note.js';
import { formatDecimal, hasControlChar, hasLoneSurrogate, parseDecimal, quote } from '../crypto/text.js';
import { HASH_SIZE } from './hasher.js';

export interface Checkpoint {
  /** The log's identity; SHOULD be a scheme-less URL, and our logs sign it with a key of the same name. */
  origin: string;
  size: number;
  root: Uint8Array;
  /** Optional extra lines, each non-empty, without their newline (NOT RECOMMENDED by the spec). */
  extensions: string[];
}

function checkLine(line: string, field: string): void {
  if (hasControlChar(line, false)) fail('CHECKPOINT_MALFORMED', `${field}: control character or newline`);
  if (hasLoneSurrogate(line)) fail('CHECKPOINT_MALFORMED', `${field}: expected valid UTF-8 (lone surrogate)`);
}

/** Parses a checkpoint body (the note text, ending in "\n"). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') fail('BAD_INPUT', `checkpoint: expected a string, got ${typeof text}`);
  if (!text.endsWith('\n')) fail('CHECKPOINT_MALFORMED', 'checkpoint: expected to end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) fail('CHECKPOINT_MALFORMED', `checkpoint: expected at least 3 lines, got ${lines.length}`);
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'checkpoint origin');
  if (origin === '') fail('CHECKPOINT_MALFORMED', 'checkpoint origin: expected a non-empty line');
  const size = parseDecimal(sizeLine, 'checkpoint size', 'CHECKPOINT_MALFORMED');
  let root: Uint8Array;
  try {
    root = fromBase64(rootLine, 'checkpoint root hash');
  } catch (e) {
    throw new DetenteError('CHECKPOINT_MALFORMED', (e as Error).message, { cause: e });
  }
  if (root.length !== HASH_SIZE) {
    fail('CHECKPOINT_MALFORMED', `checkpoint root hash: expected ${HASH_SIZE} bytes, got ${root.length}`);
  }
  extensions.forEach((line, i) => {
    checkLine(line, `checkpoint extension line ${i + 1}`);
    if (line === '') fail('CHECKPOINT_MALFORMED', `checkpoint extension line ${i + 1}: expected non-empty`);
  });
  return { origin, size, root, extensions };
}

/** The note body of a checkpoint; refuses any field that would not parse back to the same checkpoint. */
export function formatCheckpoint(cp: Checkpoint): string {
  if (cp === null || typeof cp !== 'object') fail('BAD_INPUT', 'checkpoint: expected an object');
  const { origin, size, root, extensions = [] } = cp;
  if (typeof origin !== 'string' || origin === '') fail('BAD_INPUT', 'checkpoint origin: expected a non-empty string');
  if (hasControlChar(origin, false) || hasLoneSurrogate(origin)) {
    fail('BAD_INPUT', 'checkpoint origin: control character, newline or lone surrogate');
  }
  const sizeText = formatDecimal(size, 'checkpoint size');
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) {
    fail('BAD_INPUT', `checkpoint root hash: expected ${HASH_SIZE} bytes`);
  }
  if (!Array.isArray(extensions)) fail('BAD_INPUT', 'checkpoint extensions: expected an array of strings');
  extensions.forEach((line, i) => {
    if (typeof line !== 'string' || line === '' || hasControlChar(line, false) || hasLoneSurrogate(line)) {
      fail('BAD_INPUT', `checkpoint extension line ${i + 1}: expected a non-empty single line`);
    }
  });
  return [origin, sizeText, toBase64(root), ...extensions].map((l) => `${l}\n`).join('');
}

/** Signs a checkpoint as a note. The signer's key name must be the origin, which openCheckpoint requires. */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  const text = formatCheckpoint(cp);
  if (signer?.name !== cp.origin) {
    fail('BAD_INPUT', `signCheckpoint: key name ${quote(signer?.name)} must equal the origin ${quote(cp.origin)}`);
  }
  return signNote(text, [signer]);
}

/**
 * Opens a signed checkpoint. The log's own key (whose name must equal the origin) must have signed it: a note
 * verified only by `otherVerifiers` (witnesses, say) is refused with NOTE_UNVERIFIED. Any known key's bad
 * signature refuses the whole note (NOTE_BAD_SIGNATURE); unknown signatures are kept in `note.unverified`.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  logVerifier: NoteVerifier,
  otherVerifiers: readonly NoteVerifier[] = [],
): { checkpoint: Checkpoint; note: OpenedNote } {
  if (logVerifier == null || typeof logVerifier !== 'object') fail('BAD_INPUT', 'log verifier: expected an object');
  if (!Array.isArray(otherVerifiers)) fail('BAD_INPUT', 'other verifiers: expected an array');
  const opened = openNote(note, [logVerifier, ...otherVerifiers]);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== logVerifier.name) {
    fail(
      'NOTE_UNVERIFIED',
      `checkpoint origin ${quote(checkpoint.origin)} is not the log key's name ${quote(logVerifier.name)}`,
    );
  }
  if (!opened.verified.some((s) => s.name === logVerifier.name && s.keyId === logVerifier.keyId)) {
    fail('NOTE_UNVERIFIED', `checkpoint for ${checkpoint.origin}: no signature from the log's key`);
  }
  return { checkpoint, note: opened };
}
