/**
 * The keys of an exercise: every key the regime lists gets an Ed25519 seed derived from the scenario's name and a
 * seed string, so that the same scenario played twice has the same keys, logs and hashes. Not for real use: anyone
 * who knows the seed string can sign.
 */
import { toBase64, utf8 } from '../crypto/bytes.js';
import type { CryptoSuite } from '../crypto/suite.js';

export const DEFAULT_SEED = 'detente-exercise';

export function keySeed(suite: CryptoSuite, scenario: string, seed: string, keyId: string): Uint8Array {
  return suite.sha256(utf8(`detente/exercise-key/v1\n${scenario}\n${seed}\n${keyId}`));
}

/** Seeds and public keys (base64) for the given key ids. */
export function exerciseKeys(
  suite: CryptoSuite,
  scenario: string,
  seed: string,
  keyIds: readonly string[],
): { seeds: Map<string, Uint8Array>; publicKeys: Record<string, string> } {
  const seeds = new Map<string, Uint8Array>();
  const publicKeys: Record<string, string> = {};
  for (const id of keyIds) {
    const s = keySeed(suite, scenario, seed, id);
    seeds.set(id, s);
    publicKeys[id] = toBase64(suite.ed25519.publicKey(s));
  }
  return { seeds, publicKeys };
}
