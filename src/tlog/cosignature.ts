/**
 * C2SP tlog-cosignature, Ed25519 cosignature/v1 (tag tlog-cosignature/v1.0.1, https://c2sp.org/tlog-cosignature):
 * a witness's timestamped signature over a checkpoint, carried as a signed-note signature line of type 0x04.
 *
 *   key ID  = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ pub32)[:4]
 *   payload = key ID[4] ‖ u64be timestamp ‖ Ed25519 signature[64]          (76 bytes, 104 base64 characters)
 *   message = "cosignature/v1\ntime <timestamp>\n" ‖ the whole checkpoint body, extension lines included
 *
 * The name is not signed, so each cosigner name needs its own key. Timestamps are POSIX seconds; the spec caps them
 * at 2^63−1, and we also refuse anything above 2^53−1 (a date 285 million years ahead: the spec lets verifiers
 * refuse future timestamps), so that every accepted timestamp is an exact JavaScript number.
 * ML-DSA-44 cosignatures (type 0x06) are not implemented: their vkeys are refused as VKEY_MALFORMED.
 */
import { concat, fromUtf8, putU64be, u32be, u64be, utf8 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import {
  formatSignatureLine,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from '../crypto/note.js';
import type { Sha256 } from '../crypto/sha256.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { formatDecimal } from '../crypto/text.js';
import { decodeVerifierKey, ED25519_NOTE_TYPE, formatVerifierKey, keyIdFor } from '../crypto/vkey.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';

/** Signature type byte of Ed25519 cosignature/v1. */
export const COSIGNATURE_V1_TYPE = 0x04;
/** Bytes after the key ID: u64 timestamp and a 64-byte Ed25519 signature. */
export const COSIGNATURE_V1_SIZE = 8 + 64;
const MAX_SPEC_TIMESTAMP = (1n << 63n) - 1n;

/** The exact bytes an Ed25519 cosignature/v1 signs. The text must be a valid checkpoint body. */
export function cosignatureV1Message(checkpointText: string, timestamp: number): Uint8Array {
  parseCheckpoint(checkpointText);
  const header = `cosignature/v1\ntime ${formatDecimal(timestamp, 'cosignature timestamp')}\n`;
  return utf8(header + checkpointText);
}

/**
 * Reads the timestamp of a cosignature from the bytes after its key ID (NoteSignature.signature). Refuses any
 * other length (a 64-byte plain note signature is not a cosignature) and timestamps past 2^53−1.
 */
export function parseCosignatureTimestamp(signature: Uint8Array): number {
  if (!(signature instanceof Uint8Array)) fail('BAD_INPUT', 'cosignature: expected a Uint8Array');
  if (signature.length !== COSIGNATURE_V1_SIZE) {
    fail(
      'COSIGNATURE_MALFORMED',
      `cosignature: expected ${COSIGNATURE_V1_SIZE} bytes after the key ID, got ${signature.length}`,
    );
  }
  const t = u64be(signature, 0);
  if (t > MAX_SPEC_TIMESTAMP) fail('COSIGNATURE_MALFORMED', `cosignature timestamp: ${t} exceeds 2^63−1`);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) {
    fail('COSIGNATURE_MALFORMED', `cosignature timestamp: ${t} exceeds 2^53−1 (refused as being in the future)`);
  }
  return Number(t);
}

/** Splits a whole decoded cosignature payload (key ID ‖ timestamp ‖ signature, 76 bytes). */
export function parseCosignaturePayload(payload: Uint8Array): {
  keyId: number;
  timestamp: number;
  signature: Uint8Array;
} {
  if (!(payload instanceof Uint8Array)) fail('BAD_INPUT', 'cosignature payload: expected a Uint8Array');
  if (payload.length !== 4 + COSIGNATURE_V1_SIZE) {
    fail(
      'COSIGNATURE_MALFORMED',
      `cosignature payload: expected ${4 + COSIGNATURE_V1_SIZE} bytes, got ${payload.length}`,
    );
  }
  const rest = payload.slice(4);
  return { keyId: u32be(payload), timestamp: parseCosignatureTimestamp(rest), signature: rest.slice(8) };
}

export interface CosignatureVerifier extends NoteVerifier {
  readonly publicKey: Uint8Array;
}

/** A verifier for one cosigner's Ed25519 key: usable with openNote, and with verifyCosignature. */
export function cosignatureVerifier(suite: CryptoSuite, name: string, publicKey: Uint8Array): CosignatureVerifier {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    fail('BAD_INPUT', 'cosigner public key: expected 32 bytes');
  }
  const key = publicKey.slice();
  return {
    name,
    keyId: keyIdFor(suite.sha256, name, COSIGNATURE_V1_TYPE, key),
    publicKey: key,
    // Returns false, never throws, on anything it cannot check: openNote turns false into NOTE_BAD_SIGNATURE.
    verify(message, signature) {
      let signed: Uint8Array;
      try {
        signed = cosignatureV1Message(fromUtf8(message), parseCosignatureTimestamp(signature));
      } catch {
        return false;
      }
      return suite.ed25519.verify(key, signed, signature.subarray(8));
    },
  };
}

/** Parses a cosignature vkey (type 0x04); the key ID must be the type-0x04 derivation. */
export function parseCosignatureVerifierKey(vkey: string, suite: CryptoSuite): CosignatureVerifier {
  const { name, publicKey } = decodeVerifierKey(vkey, suite.sha256, COSIGNATURE_V1_TYPE, 32);
  return cosignatureVerifier(suite, name, publicKey);
}

export function formatCosignatureVerifierKey(sha256: Sha256, name: string, publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    fail('BAD_INPUT', 'cosigner public key: expected 32 bytes');
  }
  return formatVerifierKey(sha256, name, publicKey, COSIGNATURE_V1_TYPE);
}

/**
 * Converts a plain Ed25519 note vkey (type 0x01) into the cosignature vkey of the same key (type 0x04, new key ID),
 * like transparency-dev/formats' VKeyToCosignatureV1. We never accept a 0x01 vkey as a cosigner key directly.
 */
export function cosignatureVerifierKeyFromNoteKey(vkey: string, sha256: Sha256): string {
  const { name, publicKey } = decodeVerifierKey(vkey, sha256, ED25519_NOTE_TYPE, 32);
  return formatCosignatureVerifierKey(sha256, name, publicKey);
}

export interface Cosigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** The cosigner's vkey (type 0x04), to give to verifiers. */
  readonly verifierKey: string;
  /** Cosigns a checkpoint body at the given time (POSIX seconds). */
  cosign(checkpointText: string, timestamp: number): NoteSignature;
  /** The same, as a signature line ending in "\n", ready to append to the checkpoint note. */
  cosignLine(checkpointText: string, timestamp: number): string;
}

/** POSIX seconds now, the default clock of a cosigner used as a plain NoteSigner. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * An Ed25519 cosigner from a 32-byte seed. As a NoteSigner (for signNote) it timestamps with `clock`; prefer
 * `cosign` with an explicit time where the caller must record which time it signed.
 */
export function cosignerFromSeed(
  suite: CryptoSuite,
  name: string,
  seed: Uint8Array,
  clock: () => number = nowSeconds,
): Cosigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) fail('BAD_INPUT', 'cosigner seed: expected 32 bytes');
  const secret = seed.slice();
  const publicKey = suite.ed25519.publicKey(secret);
  const keyId = keyIdFor(suite.sha256, name, COSIGNATURE_V1_TYPE, publicKey);
  const signature = (checkpointText: string, timestamp: number): Uint8Array => {
    const message = cosignatureV1Message(checkpointText, timestamp);
    return concat(putU64be(BigInt(timestamp)), suite.ed25519.sign(secret, message));
  };
  const cosign = (checkpointText: string, timestamp: number): NoteSignature => ({
    name,
    keyId,
    signature: signature(checkpointText, timestamp),
  });
  return {
    name,
    keyId,
    publicKey,
    verifierKey: formatCosignatureVerifierKey(suite.sha256, name, publicKey),
    cosign,
    cosignLine: (checkpointText, timestamp) => formatSignatureLine(cosign(checkpointText, timestamp)),
    sign: (message) => signature(fromUtf8(message, 'checkpoint'), clock()),
  };
}

/**
 * Verifies one cosignature over a checkpoint body, returning its timestamp. Throws COSIGNATURE_INVALID if the
 * signature is from another key or does not verify, COSIGNATURE_MALFORMED if it is not a v1 cosignature.
 */
export function verifyCosignature(
  verifier: CosignatureVerifier,
  checkpointText: string,
  sig: NoteSignature,
): { timestamp: number } {
  if (sig?.name !== verifier?.name || sig.keyId !== verifier.keyId) {
    fail('COSIGNATURE_INVALID', "cosignature: name or key ID is not the verifier's");
  }
  const timestamp = parseCosignatureTimestamp(sig.signature);
  let ok: boolean;
  try {
    parseCheckpoint(checkpointText);
    ok = verifier.verify(utf8(checkpointText), sig.signature);
  } catch (e) {
    if (e instanceof DetenteError) throw e;
    throw new DetenteError('BAD_INPUT', `cosignature verifier threw: ${String(e)}`, { cause: e });
  }
  if (!ok) fail('COSIGNATURE_INVALID', `cosignature from ${sig.name}: signature does not verify`);
  return { timestamp };
}

export interface VerifiedCosignature {
  name: string;
  keyId: number;
  timestamp: number;
}

/**
 * Opens a checkpoint note that carries the log's signature and witness cosignatures: the log's key must have
 * signed (openCheckpoint), every known witness's cosignature must verify (else NOTE_BAD_SIGNATURE), unknown lines
 * are ignored. Returns the verified cosignatures with their times; a quorum policy is the caller's.
 */
export function openCosignedCheckpoint(
  note: string | Uint8Array,
  logVerifier: NoteVerifier,
  witnesses: readonly CosignatureVerifier[],
): { checkpoint: Checkpoint; note: OpenedNote; cosignatures: VerifiedCosignature[] } {
  if (!Array.isArray(witnesses)) fail('BAD_INPUT', 'witnesses: expected an array');
  const opened = openCheckpoint(note, logVerifier, witnesses);
  const cosignatures: VerifiedCosignature[] = [];
  for (const s of opened.note.verified) {
    if (!witnesses.some((w) => w.name === s.name && w.keyId === s.keyId)) continue;
    cosignatures.push({ name: s.name, keyId: s.keyId, timestamp: parseCosignatureTimestamp(s.signature) });
  }
  return { ...opened, cosignatures };
}
