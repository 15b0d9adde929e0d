/**
 * Cosignature lines that verified, remembered: a line is verified when a peer's collector stores it and again when
 * the checkpoint it signs is served, and in a federation of n nodes in one process (`detente start`, 57 parties)
 * every node verifies the same n-1 witness lines of every new checkpoint. An Ed25519 verification is deterministic
 * in (public key, message, signature), so a line that verified once under a key over a checkpoint text verifies
 * again: the memo is keyed by exactly those (the verifier's public key and name, the text, the line). Only successes
 * are kept, first in first out, a bounded number of them.
 */
import { toHex } from '../crypto/bytes.js';
import { parseSignatureLine } from '../crypto/note.js';
import { type CosignatureVerifier, verifyCosignature } from '../tlog/cosignature.js';

const MAX_REMEMBERED = 1 << 15;
const remembered = new Map<string, number>();
const keyHex = new WeakMap<CosignatureVerifier, string>();

function memoKey(verifier: CosignatureVerifier, text: string, line: string): string {
  let hex = keyHex.get(verifier);
  if (hex === undefined) {
    hex = toHex(verifier.publicKey);
    keyHex.set(verifier, hex);
  }
  return `${hex} ${verifier.name}\n${text}${line}`;
}

/**
 * The timestamp of a cosignature line (trailing newline optional) under `verifier` over `text`; throws as
 * `verifyCosignature` does (COSIGNATURE_INVALID, NOTE_MALFORMED) when it does not verify.
 */
export function verifyCosignatureLine(
  verifier: CosignatureVerifier,
  text: string,
  line: string,
): { timestamp: number } {
  const trimmed = line.trimEnd();
  const key = memoKey(verifier, text, trimmed);
  const known = remembered.get(key);
  if (known !== undefined) return { timestamp: known };
  const { timestamp } = verifyCosignature(verifier, text, parseSignatureLine(trimmed));
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, timestamp);
  return { timestamp };
}

/** Whether a line verifies under one of `verifiers` (matched by name and key id) over `text`. */
export function cosignatureLineVerifiesCached(
  line: string,
  text: string,
  verifiers: readonly CosignatureVerifier[],
): boolean {
  let name: string;
  let keyId: number;
  try {
    ({ name, keyId } = parseSignatureLine(line.trimEnd()));
  } catch {
    return false;
  }
  const verifier = verifiers.find((v) => v.name === name && v.keyId === keyId);
  if (!verifier) return false;
  try {
    verifyCosignatureLine(verifier, text, line);
    return true;
  } catch {
    return false;
  }
}
