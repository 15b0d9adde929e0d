/**
 * A checkpoint note as a node vouches for it: the log's own signature lines, then each held cosignature line that
 * verifies over exactly this checkpoint's text (so over its size and root) with a known witness key. Lines a
 * source added that we did not verify are dropped: a corrupt line from a known witness would make the whole note
 * fail under signed-note's rule, and we would have served it.
 */
import { formatSignatureLine, type NoteSignature, parseNote, parseSignatureLine } from '../crypto/note.js';
import { parseCheckpoint } from './checkpoint.js';
import { type CosignatureVerifier, verifyCosignature } from './cosignature.js';

/** The note with only the log's own signature lines (key name = origin). */
export function logSignedOnly(note: string): { note: string; text: string; size: number } {
  const { text, signatures } = parseNote(note);
  const { origin, size } = parseCheckpoint(text);
  const own = signatures.filter((s) => s.name === origin).map(formatSignatureLine);
  return { note: `${text}\n${own.join('')}`, text, size };
}

/** Whether a signature line is a cosignature that verifies over `text` with one of `witnesses`. */
export function cosignatureLineVerifies(
  line: string,
  text: string,
  witnesses: readonly CosignatureVerifier[],
): boolean {
  let sig: NoteSignature;
  try {
    sig = parseSignatureLine(line.trimEnd());
  } catch {
    return false;
  }
  const witness = witnesses.find((w) => w.name === sig.name && w.keyId === sig.keyId);
  if (!witness) return false;
  try {
    verifyCosignature(witness, text, sig);
    return true;
  } catch {
    return false;
  }
}

/** The note with the log's signature and every verifying cosignature among `lines`, each once. */
export function cosignedCheckpoint(
  note: string,
  lines: readonly string[],
  witnesses: readonly CosignatureVerifier[],
): string {
  const base = logSignedOnly(note);
  let out = base.note;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (out.includes(`\n${line}\n`) || !cosignatureLineVerifies(line, base.text, witnesses)) continue;
    out += `${line}\n`;
  }
  return out;
}
