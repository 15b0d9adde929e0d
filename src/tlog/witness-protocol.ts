/**
 * C2SP tlog-witness (tag tlog-witness/v1.0.0, https://c2sp.org/tlog-witness@v1.0.0): the bodies of the
 * add-checkpoint exchange, without HTTP.
 *
 *   request:  "old <N>\n" ‖ up to 63 "<base64 hash>\n" consistency-proof lines ‖ "\n" ‖ the signed checkpoint note
 *   200:      one or more note signature lines "— <name> <base64>\n" (the witness's cosignatures)
 *   409:      "<latest cosigned size>\n" (Content-Type text/x.tlog.size)
 *
 * Syntax only: whether old ≤ size, whether an old size of 0 came with an empty proof, and whether the proof and
 * signatures verify are the witness's checks (they map to distinct status codes), not the parser's.
 * Request syntax errors are BAD_INPUT (or BAD_ENCODING for a number or hash that does not decode strictly).
 */
import { fromBase64, fromUtf8, toBase64 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import {
  formatSignatureLine,
  MAX_SIGNATURES,
  type NoteSignature,
  parseNote,
  parseSignatureLine,
} from '../crypto/note.js';
import { formatDecimal, parseDecimal } from '../crypto/text.js';
import { HASH_SIZE } from './hasher.js';

/** A client MUST NOT send more consistency-proof lines than this. */
export const MAX_PROOF_LINES = 63;
export const TREE_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint, as sent: open it with openCheckpoint. */
  checkpointNote: string;
}

function bodyText(body: string | Uint8Array, field: string): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return fromUtf8(body, field);
  fail('BAD_INPUT', `${field}: expected a string or Uint8Array, got ${typeof body}`);
}

export function parseAddCheckpointRequest(body: string | Uint8Array): AddCheckpointRequest {
  const text = bodyText(body, 'add-checkpoint request');
  let pos = 0;
  // Each line, the last included, must end in "\n": a line without one is refused, never taken as final.
  const nextLine = (what: string): string => {
    const end = text.indexOf('\n', pos);
    if (end < 0) fail('BAD_INPUT', `add-checkpoint request: ${what} does not end in a newline`);
    const line = text.slice(pos, end);
    pos = end + 1;
    return line;
  };
  const oldLine = nextLine('old size line');
  if (!oldLine.startsWith('old ')) fail('BAD_INPUT', 'add-checkpoint request: expected first line "old <size>"');
  const oldSize = parseDecimal(oldLine.slice(4), 'add-checkpoint old size');
  const proof: Uint8Array[] = [];
  for (;;) {
    const line = nextLine('consistency proof');
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) {
      fail('BAD_INPUT', `add-checkpoint request: more than ${MAX_PROOF_LINES} consistency proof lines`);
    }
    const hash = fromBase64(line, `add-checkpoint proof line ${proof.length + 1}`);
    if (hash.length !== HASH_SIZE) {
      fail(
        'BAD_INPUT',
        `add-checkpoint proof line ${proof.length + 1}: expected ${HASH_SIZE} bytes, got ${hash.length}`,
      );
    }
    proof.push(hash);
  }
  const checkpointNote = text.slice(pos);
  if (checkpointNote === '' || !checkpointNote.endsWith('\n')) {
    fail('BAD_INPUT', 'add-checkpoint request: expected a signed checkpoint ending in a newline after the blank line');
  }
  return { oldSize, proof, checkpointNote };
}

/**
 * An add-checkpoint body and the origin its checkpoint names (the first line of the note's text): what a witness or
 * a mirror needs to pick the log, and so the key to open the note with. Throws DetenteError on malformed input.
 */
export function readAddCheckpoint(body: string | Uint8Array): { request: AddCheckpointRequest; origin: string } {
  const request = parseAddCheckpointRequest(body);
  return { request, origin: parseNote(request.checkpointNote).text.split('\n', 1)[0]! };
}

export function formatAddCheckpointRequest(req: AddCheckpointRequest): string {
  const { oldSize, proof, checkpointNote } = req ?? ({} as AddCheckpointRequest);
  const old = formatDecimal(oldSize, 'add-checkpoint old size');
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LINES) {
    fail('BAD_INPUT', `add-checkpoint proof: expected at most ${MAX_PROOF_LINES} hashes`);
  }
  const lines = proof.map((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      fail('BAD_INPUT', `add-checkpoint proof hash ${i + 1}: expected ${HASH_SIZE} bytes`);
    }
    return `${toBase64(h)}\n`;
  });
  if (typeof checkpointNote !== 'string' || checkpointNote === '' || !checkpointNote.endsWith('\n')) {
    fail('BAD_INPUT', 'add-checkpoint checkpoint: expected a signed note ending in a newline');
  }
  return `old ${old}\n${lines.join('')}\n${checkpointNote}`;
}

/** The 200 body: one or more cosignature lines. */
export function formatAddCheckpointResponse(cosignatures: readonly NoteSignature[]): string {
  if (!Array.isArray(cosignatures) || cosignatures.length === 0) {
    fail('BAD_INPUT', 'add-checkpoint response: expected one or more cosignatures');
  }
  return cosignatures.map(formatSignatureLine).join('');
}

/**
 * Parses a 200 body into its signature lines (syntax only: timestamps and signatures are checked when the lines
 * are appended to the checkpoint and opened, see appendCosignatures). Errors are COSIGNATURE_MALFORMED.
 */
export function parseAddCheckpointResponse(body: string | Uint8Array): NoteSignature[] {
  let text: string;
  try {
    text = bodyText(body, 'add-checkpoint response');
    if (text === '' || !text.endsWith('\n')) fail('NOTE_MALFORMED', 'expected lines ending in a newline');
    const lines = text.slice(0, -1).split('\n');
    if (lines.length > MAX_SIGNATURES) fail('NOTE_MALFORMED', `more than ${MAX_SIGNATURES} lines`);
    return lines.map(parseSignatureLine);
  } catch (e) {
    if (e instanceof DetenteError && e.code === 'BAD_INPUT') throw e;
    throw new DetenteError('COSIGNATURE_MALFORMED', `add-checkpoint response: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Appends a witness's response lines to the signed checkpoint, as the spec suggests, so that the result can be
 * opened with openCosignedCheckpoint (which ignores unknown witnesses and refuses bad known ones).
 */
export function appendCosignatures(checkpointNote: string, responseBody: string | Uint8Array): string {
  if (typeof checkpointNote !== 'string' || !checkpointNote.endsWith('\n')) {
    fail('BAD_INPUT', 'checkpoint note: expected a signed note ending in a newline');
  }
  return checkpointNote + parseAddCheckpointResponse(responseBody).map(formatSignatureLine).join('');
}

/** The 409 body: the size of the latest checkpoint the witness cosigned, then a newline. */
export function formatTreeSizeBody(size: number): string {
  return `${formatDecimal(size, 'tree size')}\n`;
}

export function parseTreeSizeBody(body: string | Uint8Array): number {
  const text = bodyText(body, 'tree size body');
  if (!text.endsWith('\n')) fail('BAD_INPUT', 'tree size body: expected "<size>\\n"');
  return parseDecimal(text.slice(0, -1), 'tree size body');
}
