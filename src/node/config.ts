/**
 * A party node's directory:
 *
 *   node.json            party id, log origin, peers [{party, url}], witness and batching settings
 *   regime.yaml          the regime document as given (public keys may be left out of it)
 *   regime-keys.json     every public key known so far, by key id (base64): the party's own, written by
 *                        `node init`, and the other parties', imported with `node keys import`
 *   keys/<key id>.seed   the party's Ed25519 seeds (base64), mode 0600 in a 0700 directory
 *   keys/<key id>.recipient  its X-Wing recipient keys (recipient-keys.ts), mode 0600
 *   log/                 the party's own log (log-dir.ts); its key is the party's `log` key, named by the origin
 *   mirrors/<party>.sqlite, witness.sqlite, users.sqlite, evidence/
 *
 * The regime binds keys to parties: the keys a node signs with must be those the regime lists for its party, so
 * `node init` generates a seed for every key of the party that the document lists without a public key, and
 * prints the public keys for the others to import. A node serves only once every key of every party is known.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { randomSeed } from '../crypto/ed25519.js';
import { DetenteError, fail } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { initLogDir } from '../log/log-dir.js';
import { type Party, parseRegime, type Regime, regimeIndex } from '../model/index.js';
import { formatCosignatureVerifierKey } from '../tlog/cosignature.js';

export const NODE_FORMAT = 'detente-node/1';
export const NODE_FILE = 'node.json';
export const REGIME_FILE = 'regime.yaml';
export const REGIME_KEYS_FILE = 'regime-keys.json';

export interface PeerConfig {
  /** The peer's party id in the regime. */
  party: string;
  /** Base URL of the peer's node, e.g. http://127.0.0.1:8081 (its logs are under /logs/<party>). */
  url: string;
}

export interface NodeConfig {
  format: typeof NODE_FORMAT;
  party: string;
  origin: string;
  peers: PeerConfig[];
  /** SHA-256 (hex) of regime.yaml as given at init: a changed file is refused. */
  regimeTextSha256: string;
  witness: {
    /** Cosign peers' checkpoints (this node's `witness` key). */
    enabled: boolean;
    /** Ask peers' witnesses to cosign this node's checkpoints every N ms. */
    requestEveryMs: number;
  };
  mirror: { syncEveryMs: number };
  gossip: { everyMs: number };
  batch: {
    /** A batch is appended as soon as it holds this many entries... */
    maxEntries: number;
    /** ...or this long after its first entry arrived (at most 1000: a checkpoint at least every second). */
    maxDelayMs: number;
  };
}

export function defaultConfig(party: string, origin: string, regimeTextSha256: string): NodeConfig {
  return {
    format: NODE_FORMAT,
    party,
    origin,
    peers: [],
    regimeTextSha256,
    // Fallbacks: checkpoints and entries come by push as soon as they are durable, and witnesses are asked after
    // each batch; these loops catch up with a peer that was down, and compare what peers serve (gossip).
    witness: { enabled: true, requestEveryMs: 10_000 },
    mirror: { syncEveryMs: 10_000 },
    gossip: { everyMs: 10_000 },
    batch: { maxEntries: 256, maxDelayMs: 2 },
  };
}

/** The name of a party's witness key (its cosignature vkey's name): `<origin>/witness`. */
export function witnessName(party: Party): string {
  return `${party.origin}/witness`;
}

/** The witness key of a party (the first key with role `witness`), if it has one. */
export function witnessKeyOf(party: Party): Party['keys'][number] | undefined {
  return party.keys.find((k) => k.roles.includes('witness'));
}

/** The cosignature verifier key (type 0x04) of a party's witness, from the regime. */
export function witnessVkeyOf(party: Party, suite: CryptoSuite): string | undefined {
  const key = witnessKeyOf(party);
  if (!key?.publicKey) return undefined;
  return formatCosignatureVerifierKey(suite.sha256, witnessName(party), fromBase64(key.publicKey));
}

/** The name of a party's mirror key (its cosignature vkey's name): `<origin>/mirror`. */
export function mirrorName(party: Party): string {
  return `${party.origin}/mirror`;
}

/** The mirror key of a party (the first key with role `mirror`), if it has one. */
export function mirrorKeyOf(party: Party): Party['keys'][number] | undefined {
  return party.keys.find((k) => k.roles.includes('mirror'));
}

/** The cosignature verifier key (type 0x04) of a party's mirror, from the regime. */
export function mirrorVkeyOf(party: Party, suite: CryptoSuite): string | undefined {
  const key = mirrorKeyOf(party);
  if (!key?.publicKey) return undefined;
  return formatCosignatureVerifierKey(suite.sha256, mirrorName(party), fromBase64(key.publicKey));
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    fail('STORE_ERROR', `${path} is missing: is this a node directory (detente node init)?`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    fail('STORE_ERROR', `${what} ${path}: not JSON (${(err as Error).message})`);
  }
}

export function readConfig(dir: string): NodeConfig {
  const config = readJson(join(dir, NODE_FILE), 'node configuration') as NodeConfig;
  if (config?.format !== NODE_FORMAT) fail('STORE_ERROR', `${join(dir, NODE_FILE)}: expected format ${NODE_FORMAT}`);
  if (config.batch.maxDelayMs > 1000 || config.batch.maxDelayMs < 0) {
    fail('BAD_INPUT', `${NODE_FILE}: batch.maxDelayMs must be 0..1000 (a checkpoint at least every second)`);
  }
  return config;
}

export function writeConfig(dir: string, config: NodeConfig): void {
  writeFileSync(join(dir, NODE_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

export function readRegimeKeys(dir: string): Record<string, string> {
  const path = join(dir, REGIME_KEYS_FILE);
  if (!existsSync(path)) return {};
  const value = readJson(path, 'public keys');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('BAD_INPUT', `${path}: expected {"key id": "base64 public key", ...}`);
  }
  for (const [id, key] of Object.entries(value)) {
    if (typeof key !== 'string') fail('BAD_INPUT', `${path}: key ${id} is not a string`);
  }
  return value as Record<string, string>;
}

/**
 * Adds public keys to the node's key list. A key already known with another value is refused: replacing a key
 * would change the regime's hash, which every party has signed.
 */
export function importRegimeKeys(dir: string, keys: Record<string, string>): string[] {
  const known = readRegimeKeys(dir);
  const added: string[] = [];
  for (const [id, key] of Object.entries(keys)) {
    if (typeof key !== 'string') fail('BAD_INPUT', `key ${id}: expected a base64 string`);
    if (known[id] !== undefined && known[id] !== key)
      fail('BAD_INPUT', `key ${id} is already known with another value`);
    if (known[id] === undefined) added.push(id);
    known[id] = key;
  }
  // Check against the regime before writing: an unknown key id or a key that contradicts the document is refused.
  parseRegime(readFileSync(join(dir, REGIME_FILE), 'utf8'), { keys: known, allowMissingKeys: true });
  writeFileSync(join(dir, REGIME_KEYS_FILE), `${JSON.stringify(known, null, 2)}\n`);
  return added;
}

/** The regime with every key known; refuses (listing what is missing) while some party's keys are not imported. */
export function loadRegime(dir: string, config: NodeConfig, suite: CryptoSuite): { regime: Regime; text: string } {
  const text = readFileSync(join(dir, REGIME_FILE), 'utf8');
  const sha = Buffer.from(suite.sha256(new TextEncoder().encode(text))).toString('hex');
  if (sha !== config.regimeTextSha256) fail('STORE_ERROR', `${join(dir, REGIME_FILE)} changed since node init`);
  try {
    return { regime: parseRegime(text, { keys: readRegimeKeys(dir) }), text };
  } catch (err) {
    if (err instanceof DetenteError && err.code === 'REGIME_INVALID') {
      throw new DetenteError(
        'REGIME_INVALID',
        `${err.message}\n(import the other parties' public keys with: detente node keys import --dir ${dir} FILE)`,
        { problems: err.problems },
      );
    }
    throw err;
  }
}

const seedPath = (dir: string, keyId: string) => join(dir, 'keys', `${keyId}.seed`);

/** The party's seed for a key id. */
export function readSeed(dir: string, keyId: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(seedPath(dir, keyId), 'utf8').trim();
  } catch {
    fail('STORE_ERROR', `${seedPath(dir, keyId)} is missing`);
  }
  const seed = fromBase64(text, `seed ${keyId}`);
  if (seed.length !== 32) fail('STORE_ERROR', `${seedPath(dir, keyId)}: expected a 32-byte seed`);
  return seed;
}

export interface InitResult {
  config: NodeConfig;
  /** The party's public keys, by key id: what the other parties import. */
  publicKeys: Record<string, string>;
  logVkey: string;
}

/**
 * Creates a node directory for `party`: copies the regime, generates the party's keys (every key the document
 * lists for the party without a public key), creates the log with the party's `log` key.
 */
export function initNodeDir(
  dir: string,
  options: {
    party: string;
    regimeText: string;
    peers?: PeerConfig[];
    keys?: Record<string, string>;
    /** The party's seeds by key id (an exercise derives them from the scenario); default: fresh random seeds. */
    seeds?: ReadonlyMap<string, Uint8Array>;
    /** The time of the log's first (empty) checkpoint, ms (an exercise passes its simulated clock). */
    clock?: () => number;
  },
  suite: CryptoSuite,
): InitResult {
  if (existsSync(dir) && readdirSync(dir).length > 0) fail('STORE_ERROR', `${dir} is not empty`);
  const draft = parseRegime(options.regimeText, { keys: options.keys ?? {}, allowMissingKeys: true });
  const party = regimeIndex(draft).parties.get(options.party);
  if (!party) {
    fail(
      'BAD_INPUT',
      `no party "${options.party}" in the regime (parties: ${draft.parties.map((p) => p.id).join(', ')})`,
    );
  }
  const logKey = party.keys.find((k) => k.roles.includes('log'));
  if (!logKey) fail('BAD_INPUT', `party "${party.id}" has no key with role "log" for its own log`);
  for (const key of party.keys) {
    if (key.publicKey !== undefined) {
      fail(
        'BAD_INPUT',
        `key ${key.id} of "${party.id}" already has a public key: node init generates the party's keys`,
      );
    }
  }
  for (const peer of options.peers ?? []) {
    if (!regimeIndex(draft).parties.has(peer.party) || peer.party === party.id) {
      fail('BAD_INPUT', `peer "${peer.party}" is not another party of the regime`);
    }
  }
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  chmodSync(join(dir, 'keys'), 0o700);
  mkdirSync(join(dir, 'mirrors'), { recursive: true });
  mkdirSync(join(dir, 'evidence'), { recursive: true });
  const publicKeys: Record<string, string> = {};
  const seeds = new Map<string, Uint8Array>();
  for (const key of party.keys) {
    // Recipient keys are X-Wing keys, made by createRecipientKeys (recipient-keys.ts), not Ed25519 seeds.
    if (key.roles.includes('recipient')) continue;
    const seed = options.seeds?.get(key.id) ?? randomSeed();
    if (seed.length !== 32) fail('BAD_INPUT', `seed of ${key.id}: expected 32 bytes`);
    seeds.set(key.id, seed);
    writeFileSync(seedPath(dir, key.id), `${toBase64(seed)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(seedPath(dir, key.id), 0o600);
    publicKeys[key.id] = toBase64(suite.ed25519.publicKey(seed));
  }
  writeFileSync(join(dir, REGIME_FILE), options.regimeText);
  const sha = Buffer.from(suite.sha256(new TextEncoder().encode(options.regimeText))).toString('hex');
  const config = defaultConfig(party.id, party.origin, sha);
  config.peers = options.peers ?? [];
  writeConfig(dir, config);
  writeFileSync(join(dir, REGIME_KEYS_FILE), '{}\n');
  importRegimeKeys(dir, { ...(options.keys ?? {}), ...publicKeys });
  writeFileSync(join(dir, 'public-keys.json'), `${JSON.stringify(publicKeys, null, 2)}\n`);
  const logVkey = initLogDir(join(dir, 'log'), party.origin, suite, seeds.get(logKey.id), options.clock);
  return { config, publicKeys, logVkey };
}
