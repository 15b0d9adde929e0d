/**
 * A log's directory on disk: `log.sqlite` (the store), `log.key` (the Ed25519 signing key, Go's
 * PRIVATE+KEY form, readable by the owner only) and `log.vkey` (the verifier key, public). The key's name is
 * the log's origin.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type Ed25519NoteVerifier, generateSigner, parseSignerKey, parseVerifierKey } from '../crypto/vkey.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { LogWriter } from './log-writer.js';

export const STORE_FILE = 'log.sqlite';
export const KEY_FILE = 'log.key';
export const VKEY_FILE = 'log.vkey';

export interface OpenLog {
  dir: string;
  store: SqliteStore;
  hasher: Rfc6962Hasher;
  vkey: string;
  verifier: Ed25519NoteVerifier;
  close(): void;
}

/**
 * Creates a new log in `dir` (which must not hold one) and returns its verifier key. The key comes from the
 * platform CSPRNG unless a 32-byte `seed` is given (a party node's log key is the regime's `log` key of the party; a
 * scenario derives its keys from a seed, so that runs are reproducible).
 */
export function initLogDir(
  dir: string,
  origin: string,
  suite: CryptoSuite,
  seed?: Uint8Array,
  /** The time recorded with the empty tree's checkpoint (ms; default now). */
  clock?: () => number,
): string {
  if (existsSync(join(dir, STORE_FILE)) || existsSync(join(dir, KEY_FILE)))
    fail('STORE_ERROR', `${dir} already holds a log`);
  if (existsSync(dir) && readdirSync(dir).length > 0) fail('STORE_ERROR', `${dir} is not empty`);
  const { skey, vkey } = generateSigner(suite, origin, seed);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, KEY_FILE), `${skey}\n`, { mode: 0o600 });
  chmodSync(join(dir, KEY_FILE), 0o600);
  writeFileSync(join(dir, VKEY_FILE), `${vkey}\n`);
  const store = SqliteStore.open(join(dir, STORE_FILE), origin, { create: true });
  try {
    new LogWriter(store, new Rfc6962Hasher(suite.sha256), parseSignerKey(skey, suite), clock).init();
  } finally {
    store.close();
  }
  return vkey;
}

function readText(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    fail('STORE_ERROR', `${join(dir, file)} is missing: is ${dir} a log directory (detente log init)?`);
  }
}

export function openLogDir(dir: string, suite: CryptoSuite, options: { readonly?: boolean } = {}): OpenLog {
  if (!existsSync(dir)) fail('STORE_ERROR', `no such directory: ${dir}`);
  const vkey = readText(dir, VKEY_FILE);
  const verifier = parseVerifierKey(vkey, suite);
  const store = SqliteStore.open(join(dir, STORE_FILE), verifier.name, { readonly: options.readonly ?? false });
  return { dir, store, hasher: new Rfc6962Hasher(suite.sha256), vkey, verifier, close: () => store.close() };
}

/** The writer for an opened log, with the key from its directory. */
export function logWriter(log: OpenLog, suite: CryptoSuite, clock?: () => number): LogWriter {
  const signer = parseSignerKey(readText(log.dir, KEY_FILE), suite);
  if (signer.keyId !== log.verifier.keyId) fail('STORE_ERROR', `${KEY_FILE} does not match ${VKEY_FILE} in ${log.dir}`);
  return new LogWriter(log.store, log.hasher, signer, clock);
}
