/** A dishonest (or just hand-made) peer: logs signed with a real party's keys, served as the test chooses. */
import { join } from 'node:path';
import { ed25519Signer } from '../../src/crypto/vkey.js';
import { LogWriter } from '../../src/log/log-writer.js';
import { buildEnvelope, encodeEntry, type Regime, signEntry } from '../../src/model/index.js';
import { readSeed } from '../../src/node/config.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { Rfc6962Hasher } from '../../src/tlog/hasher.js';
import { suite } from './nodes.js';

export const hasher = new Rfc6962Hasher(suite.sha256);

/** A log of `party` (with its real log key, read from its node directory) in its own file. */
export function partyLog(nodeDir: string, party: string, origin: string, file: string) {
  const store = SqliteStore.open(join(nodeDir, file), origin, { create: true });
  const writer = new LogWriter(store, hasher, ed25519Signer(suite, origin, readSeed(nodeDir, `${party}-log`)));
  writer.init();
  return { store, writer };
}

/** A regime-signature entry of `party`, signed with its declarant key; `n` varies the content. */
export function signedEntry(
  nodeDir: string,
  party: string,
  regime: Regime,
  hash: string,
  n: number,
  forge = false,
): Uint8Array {
  const envelope = buildEnvelope({
    type: 'regime-signature',
    party,
    key: `${party}-declarant`,
    issuedAt: new Date(Date.UTC(2022, 0, 1, 0, 0, n)).toISOString(),
    body: { regime: hash, id: regime.id, version: regime.version },
  });
  const signed = signEntry(suite, envelope, readSeed(nodeDir, `${party}-declarant`));
  if (forge) signed.signature[0]! ^= 1;
  return encodeEntry(signed);
}
