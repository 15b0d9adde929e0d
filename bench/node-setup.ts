/** A party node directory for the benchmarks (the scenario regime; the other parties' keys are random). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBase64 } from '../src/crypto/bytes.js';
import { randomSeed } from '../src/crypto/ed25519.js';
import { importRegimeKeys, initNodeDir } from '../src/node/config.js';
import { UserStore } from '../src/node/users.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const REGIME = join(ROOT, 'scenarios', 'european-security-2022', 'regime.yaml');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * The scenario regime in the clear (no recipient keys, no audiences: issue 14), as the tests other than
 * confidentiality's use it (test/model-helpers.ts scenarioText): these benchmarks measure entries in the clear.
 */
export function regimeText(): string {
  return readFileSync(REGIME, 'utf8')
    .replace(/^ +- \{ id: [a-z]+-recipient, roles: \[recipient\] \}\n/gm, '')
    .replace(/^ {4}audience: \[[a-z, ]+\]\n/gm, '')
    .replace(/^# --- Who reads what[\s\S]*?^audiences:\n(?: {2}- .*\n)+/m, '');
}

/**
 * Creates the node of `party` in `dir` with `users` declarant users (each is one client of the rate limits: 12,000
 * requests a minute); returns the first one's token, and all of them in `tokens`.
 */
export function benchNode(dir: string, party = 'us', users = 1, tokens: string[] = []): string {
  initNodeDir(dir, { party, regimeText: regimeText() }, nodeSuite);
  const keys: Record<string, string> = {};
  for (const p of ['us', 'ru', 'nato'].filter((x) => x !== party)) {
    for (const k of ['declarant', 'inspector', 'witness', 'log', 'mirror'])
      keys[`${p}-${k}`] = toBase64(nodeSuite.ed25519.publicKey(randomSeed()));
  }
  importRegimeKeys(dir, keys);
  const store = UserStore.open(join(dir, 'users.sqlite'), nodeSuite);
  try {
    for (let i = 0; i < users; i++)
      tokens.push(store.add(i === 0 ? 'bench' : `bench-${i}`, party, ['declarant', 'inspector']).token);
    return tokens[0]!;
  } finally {
    store.close();
  }
}
