/**
 * A party's recipient private keys on its node (issue 14): `keys/<key id>.recipient`, the 32-byte X-Wing seed in
 * base64, mode 0600 in the 0700 keys directory, like the Ed25519 seeds. They are made apart from `node init`
 * (X-Wing key expansion is asynchronous in @hpke), by `createRecipientKeys`, whose public keys the parties exchange
 * like the others. A node that lacks one still runs: it cannot read what was wrapped for that key, and says so once.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import { RECIPIENT_PRIVATE_KEY_BYTES, recipientKeyPair } from '../crypto/hpke/index.js';
import type { Party } from '../model/index.js';

const recipientPath = (dir: string, keyId: string) => join(dir, 'keys', `${keyId}.recipient`);

/** The party's recipient key ids. */
export function recipientKeyIds(party: Party): string[] {
  return party.keys.filter((k) => k.roles.includes('recipient')).map((k) => k.id);
}

/**
 * Writes a private key for each of the party's recipient keys not yet on disk (`seeds` by key id, else random) and
 * returns the public keys, base64 by key id, for `node keys import`.
 */
export async function createRecipientKeys(
  dir: string,
  party: Party,
  seeds?: ReadonlyMap<string, Uint8Array>,
): Promise<Record<string, string>> {
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const publicKeys: Record<string, string> = {};
  for (const id of recipientKeyIds(party)) {
    const path = recipientPath(dir, id);
    const existing = existsSync(path) ? readRecipientKey(dir, id) : undefined;
    const seed = existing ?? seeds?.get(id) ?? crypto.getRandomValues(new Uint8Array(RECIPIENT_PRIVATE_KEY_BYTES));
    if (!existing) {
      writeFileSync(path, `${toBase64(seed)}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
    publicKeys[id] = toBase64((await recipientKeyPair(seed)).publicKey);
  }
  return publicKeys;
}

function readRecipientKey(dir: string, keyId: string): Uint8Array {
  const path = recipientPath(dir, keyId);
  const key = fromBase64(readFileSync(path, 'utf8').trim(), `recipient key ${keyId}`);
  if (key.length !== RECIPIENT_PRIVATE_KEY_BYTES) fail('STORE_ERROR', `${path}: expected a 32-byte key`);
  return key;
}

/** The recipient private keys on disk, by key id, and the ids of those the party has but the node lacks. */
export function readRecipientKeys(dir: string, party: Party): { keys: Map<string, Uint8Array>; missing: string[] } {
  const keys = new Map<string, Uint8Array>();
  const missing: string[] = [];
  for (const id of recipientKeyIds(party)) {
    if (existsSync(recipientPath(dir, id))) keys.set(id, readRecipientKey(dir, id));
    else missing.push(id);
  }
  return { keys, missing };
}
