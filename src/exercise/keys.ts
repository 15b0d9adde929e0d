/**
 * The keys of an exercise: every key the regime lists gets a 32-byte seed derived from the scenario's name and a
 * seed string, so that the same scenario played twice has the same keys, logs and hashes: an Ed25519 seed, or for a
 * `recipient` key an X-Wing private key. Not for real use: anyone who knows the seed string can sign and read.
 */
import { toBase64, utf8 } from '../crypto/bytes.js';
import { AUDIENCE_KEY_BYTES, recipientPublicKey } from '../crypto/hpke/index.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type EnvelopeOf, sameAudienceAsWritten, sealedContentKey } from '../model/index.js';
import { audienceKeyPurposes, keyPeriod } from '../node/audience-keys.js';
import { nodeSuite, symmetricNode } from '../runtime/node-crypto.js';

export const DEFAULT_SEED = 'detente-exercise';

export function keySeed(suite: CryptoSuite, scenario: string, seed: string, keyId: string): Uint8Array {
  return suite.sha256(utf8(`detente/exercise-key/v1\n${scenario}\n${seed}\n${keyId}`));
}

/** Seeds and public keys (base64) for the given key ids; those in `recipientIds` are X-Wing keys. */
export function exerciseKeys(
  suite: CryptoSuite,
  scenario: string,
  seed: string,
  keyIds: readonly string[],
  recipientIds: ReadonlySet<string> = new Set(),
): { seeds: Map<string, Uint8Array>; publicKeys: Record<string, string> } {
  const seeds = new Map<string, Uint8Array>();
  const publicKeys: Record<string, string> = {};
  for (const id of keyIds) {
    const s = keySeed(suite, scenario, seed, id);
    seeds.set(id, s);
    publicKeys[id] = toBase64(recipientIds.has(id) ? recipientPublicKey(s) : suite.ed25519.publicKey(s));
  }
  return { seeds, publicKeys };
}

/**
 * An exercise's randomness for one purpose (a declaration's salts and leaf order, a draw's value): SHA-256 in
 * counter mode over the scenario, the seed string, the party and the purpose. The same exercise played twice, or
 * played directly and as a federation, commits the same trees. Only exercises do this: a real party's salts come
 * from the CSPRNG, or anyone who knows the seed could open every leaf.
 */
export function exerciseRandom(
  suite: CryptoSuite,
  scenario: string,
  seed: string,
  party: string,
  purpose: string,
): (out: Uint8Array) => void {
  const prefix = `detente/exercise-random/v1\n${scenario}\n${seed}\n${party}\n${purpose}\n`;
  let block = 0;
  let buffered: Uint8Array = new Uint8Array(0);
  let pos = 0;
  return (out) => {
    for (let i = 0; i < out.length; i++) {
      if (pos === buffered.length) {
        buffered = suite.sha256(utf8(`${prefix}${block++}`));
        pos = 0;
      }
      out[i] = buffered[pos++]!;
    }
  };
}

/**
 * The content key of a sealed entry of an exercise, from the exercise's seed: its author drew the audience key with
 * exerciseRandom (AudienceKeysOptions.random), so whoever holds the seed reads what any party reads, without the
 * recipient keys. What a folded play directory is read as a party with (foldDir's `readAs`); nodes use HPKE.
 */
export function exerciseContentKey(scenario: string, seed: string, sealed: EnvelopeOf<'sealed'>): Uint8Array {
  const audienceKey = exerciseAudienceKey(scenario, seed, sealed.party, sealed.body.audience, sealed.issuedAt);
  return sealedContentKey(symmetricNode, sealed, audienceKey);
}

/** The audience keys of exercises by author, audience and period: a few a year, each read for thousands of entries. */
const audienceKeys = new Map<string, Uint8Array>();
const MAX_AUDIENCE_KEYS = 4096;
/** The keys asked for last, newest first. */
const recent: {
  scenario: string;
  seed: string;
  author: string;
  audience: readonly string[];
  period: string;
  key: Uint8Array;
}[] = [];
const RECENT = 8;

/**
 * The audience key `author` of an exercise seals for `audience` in the period of `issuedAt` (exerciseContentKey's,
 * and what a play or a benchmark's fixture seals with). The caller must not change it: it is kept.
 */
export function exerciseAudienceKey(
  scenario: string,
  seed: string,
  author: string,
  audience: readonly string[],
  issuedAt: string,
): Uint8Array {
  // The few keys a fold reads are found first without building an id (a string and a hash for each sealed entry).
  const period = keyPeriod(issuedAt);
  for (const r of recent) {
    if (
      r.author === author &&
      r.period === period &&
      r.scenario === scenario &&
      r.seed === seed &&
      sameAudienceAsWritten(r.audience, audience)
    )
      return r.key;
  }
  // Kept by the audience as the entry writes it: the purpose sorts the audience, which a fold would pay for each of
  // its sealed entries (a sort allocates its work arrays).
  const id = `${scenario}\n${seed}\n${author}\n${audience.join(',')}\n${period}`;
  let key = audienceKeys.get(id);
  if (!key) {
    const purpose = audienceKeyPurposes(audience, period).key;
    key = new Uint8Array(AUDIENCE_KEY_BYTES);
    exerciseRandom(nodeSuite, scenario, seed, author, purpose)(key);
    if (audienceKeys.size >= MAX_AUDIENCE_KEYS) audienceKeys.clear();
    audienceKeys.set(id, key);
  }
  recent.unshift({ scenario, seed, author, audience: [...audience], period, key });
  if (recent.length > RECENT) recent.pop();
  return key;
}
