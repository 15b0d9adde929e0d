/**
 * Verifier keys (C2SP signed-note v1.0.0, "Verifier keys": `<name>+<hex key ID>+<base64(type ‖ public key)>`) and
 * Go's private signer keys (`PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`, golang.org/x/mod/sumdb/note;
 * a Go convention, not part of C2SP), for Ed25519 note signatures (type 0x01).
 *
 * base64 may itself contain '+', so a vkey is split on its first two '+' only (Go's two strings.Cut calls), and a
 * signer key on its first four. Key IDs are always recomputed and must equal the one written: a key string whose
 * ID does not match its name and key is refused, not silently corrected.
 */
import { concat, fromBase64, toBase64, u32be, utf8 } from './bytes.js';
import { randomSeed } from './ed25519.js';
import { DetenteError, fail } from './errors.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './note.js';
import type { Sha256 } from './sha256.js';
import type { CryptoSuite } from './suite.js';

/** Signature type byte of plain Ed25519 note signatures. */
export const ED25519_NOTE_TYPE = 0x01;

const HEX_ID = /^[0-9a-f]{8}$/;

/** Key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], as a big-endian uint32. */
export function keyIdFor(sha256: Sha256, name: string, type: number, publicKey: Uint8Array): number {
  if (!isValidKeyName(name)) fail('BAD_INPUT', 'key name: expected non-empty, with no Unicode space and no "+"');
  if (!Number.isInteger(type) || type < 0 || type > 0xff) fail('BAD_INPUT', `key type: expected a byte, got ${type}`);
  if (!(publicKey instanceof Uint8Array)) fail('BAD_INPUT', 'public key: expected a Uint8Array');
  return u32be(sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey)));
}

function hexId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/** `<name>+<8 lowercase hex key ID>+<base64(type ‖ public key)>`. */
export function formatVerifierKey(
  sha256: Sha256,
  name: string,
  publicKey: Uint8Array,
  type = ED25519_NOTE_TYPE,
): string {
  const keyId = keyIdFor(sha256, name, type, publicKey);
  return `${name}+${hexId(keyId)}+${toBase64(concat(Uint8Array.of(type), publicKey))}`;
}

export interface DecodedVerifierKey {
  name: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
}

/**
 * Decodes a vkey of the given signature type and public-key length, checking the key ID against the name and key.
 * Shared by every key type (Ed25519 notes here, cosignatures in tlog/cosignature.ts).
 */
export function decodeVerifierKey(
  vkey: string,
  sha256: Sha256,
  expectedType: number,
  publicKeyLength: number,
): DecodedVerifierKey {
  if (typeof vkey !== 'string') fail('BAD_INPUT', `verifier key: expected a string, got ${typeof vkey}`);
  const [name, id, b64] = cutTwice(vkey, 'verifier key');
  if (!isValidKeyName(name)) {
    fail('VKEY_MALFORMED', 'verifier key name: expected non-empty, with no Unicode space and no "+"');
  }
  if (!HEX_ID.test(id)) fail('VKEY_MALFORMED', `verifier key ${name}: key ID must be 8 lowercase hex digits`);
  const key = decodeKey(b64, `verifier key ${name}`);
  const type = key[0]!;
  if (type !== expectedType) {
    fail('VKEY_MALFORMED', `verifier key ${name}: type 0x${hex2(type)} is not the expected 0x${hex2(expectedType)}`);
  }
  const publicKey = key.slice(1);
  if (publicKey.length !== publicKeyLength) {
    fail('VKEY_MALFORMED', `verifier key ${name}: expected a ${publicKeyLength}-byte key, got ${publicKey.length}`);
  }
  const keyId = keyIdFor(sha256, name, type, publicKey);
  if (keyId !== Number.parseInt(id, 16)) {
    fail('VKEY_MALFORMED', `verifier key ${name}: key ID ${id} does not match the key (expected ${hexId(keyId)})`);
  }
  return { name, keyId, type, publicKey };
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function cutTwice(s: string, field: string): [string, string, string] {
  const a = s.indexOf('+');
  const b = a < 0 ? -1 : s.indexOf('+', a + 1);
  if (b < 0) fail('VKEY_MALFORMED', `${field}: expected <name>+<key ID>+<base64 key>`);
  return [s.slice(0, a), s.slice(a + 1, b), s.slice(b + 1)];
}

function decodeKey(b64: string, field: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromBase64(b64, field);
  } catch (e) {
    // Never echo key material: the base64 decoder's message names only the field.
    throw new DetenteError('VKEY_MALFORMED', (e as Error).message, { cause: e });
  }
  if (key.length === 0) fail('VKEY_MALFORMED', `${field}: empty key`);
  return key;
}

export interface Ed25519NoteVerifier extends NoteVerifier {
  readonly publicKey: Uint8Array;
}

export interface Ed25519NoteSigner extends NoteSigner {
  readonly publicKey: Uint8Array;
}

/** A verifier of plain Ed25519 note signatures (type 0x01) for a raw 32-byte public key. */
export function ed25519Verifier(suite: CryptoSuite, name: string, publicKey: Uint8Array): Ed25519NoteVerifier {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    fail('BAD_INPUT', 'Ed25519 public key: expected 32 bytes');
  }
  const key = publicKey.slice();
  return {
    name,
    keyId: keyIdFor(suite.sha256, name, ED25519_NOTE_TYPE, key),
    publicKey: key,
    verify: (message, signature) => suite.ed25519.verify(key, message, signature),
  };
}

/** Parses an Ed25519 (type 0x01) vkey into a NoteVerifier. */
export function parseVerifierKey(vkey: string, suite: CryptoSuite): Ed25519NoteVerifier {
  const { name, publicKey } = decodeVerifierKey(vkey, suite.sha256, ED25519_NOTE_TYPE, 32);
  return ed25519Verifier(suite, name, publicKey);
}

/** A signer of plain Ed25519 note signatures from a 32-byte RFC 8032 seed. */
export function ed25519Signer(suite: CryptoSuite, name: string, seed: Uint8Array): Ed25519NoteSigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) fail('BAD_INPUT', 'Ed25519 seed: expected 32 bytes');
  const secret = seed.slice();
  const publicKey = suite.ed25519.publicKey(secret);
  return {
    name,
    keyId: keyIdFor(suite.sha256, name, ED25519_NOTE_TYPE, publicKey),
    publicKey,
    sign: (message) => suite.ed25519.sign(secret, message),
  };
}

/** `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`, Go's x/mod/sumdb/note signer key. Keep it secret. */
export function formatSignerKey(suite: CryptoSuite, name: string, seed: Uint8Array): string {
  const signer = ed25519Signer(suite, name, seed);
  return `PRIVATE+KEY+${name}+${hexId(signer.keyId)}+${toBase64(concat(Uint8Array.of(ED25519_NOTE_TYPE), seed))}`;
}

/**
 * Parses a Go signer key. The key ID is checked against the public key derived from the seed. Error messages
 * never quote the input: it is a secret.
 */
export function parseSignerKey(
  skey: string,
  suite: CryptoSuite,
): Ed25519NoteSigner & { readonly seed: Uint8Array; readonly verifierKey: string } {
  if (typeof skey !== 'string') fail('BAD_INPUT', `signer key: expected a string, got ${typeof skey}`);
  if (!skey.startsWith('PRIVATE+KEY+')) fail('VKEY_MALFORMED', 'signer key: expected to start with "PRIVATE+KEY+"');
  const [name, id, b64] = cutTwice(skey.slice('PRIVATE+KEY+'.length), 'signer key');
  if (!isValidKeyName(name)) fail('VKEY_MALFORMED', 'signer key name: expected non-empty, no Unicode space, no "+"');
  if (!HEX_ID.test(id)) fail('VKEY_MALFORMED', `signer key ${name}: key ID must be 8 lowercase hex digits`);
  const key = decodeKey(b64, `signer key ${name}`);
  if (key[0] !== ED25519_NOTE_TYPE) fail('VKEY_MALFORMED', `signer key ${name}: type must be 0x01 (Ed25519)`);
  if (key.length !== 33) fail('VKEY_MALFORMED', `signer key ${name}: expected a 32-byte seed, got ${key.length - 1}`);
  const seed = key.slice(1);
  const signer = ed25519Signer(suite, name, seed);
  if (signer.keyId !== Number.parseInt(id, 16)) {
    fail('VKEY_MALFORMED', `signer key ${name}: key ID ${id} does not match the key`);
  }
  return { ...signer, seed, verifierKey: formatVerifierKey(suite.sha256, name, signer.publicKey) };
}

/** A fresh Ed25519 key pair as Go key strings (the seed from the platform CSPRNG unless given). */
export function generateSigner(
  suite: CryptoSuite,
  name: string,
  seed: Uint8Array = randomSeed(),
): { skey: string; vkey: string } {
  const signer = ed25519Signer(suite, name, seed);
  return {
    skey: formatSignerKey(suite, name, seed),
    vkey: formatVerifierKey(suite.sha256, name, signer.publicKey),
  };
}
