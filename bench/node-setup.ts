/**
 * A party node directory for the benchmarks: the scenario regime in the clear with a witness quorum of two, and
 * made-up keys for the parties that run no node, as the tests' nodes (test/helpers/nodes.ts).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importRegimeKeys, initNodeDir } from '../src/node/config.js';
import { UserStore } from '../src/node/users.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { absentPartyKeys, scenarioRegimeText } from '../test/helpers/nodes.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * Creates the node of `party` in `dir` with `users` declarant users (each is one client of the rate limits: 12,000
 * requests a minute); returns the first one's token, and all of them in `tokens`.
 */
export function benchNode(dir: string, party = 'us', users = 1, tokens: string[] = []): string {
  const text = scenarioRegimeText();
  initNodeDir(dir, { party, regimeText: text }, nodeSuite);
  importRegimeKeys(dir, absentPartyKeys(text, [party]));
  const store = UserStore.open(join(dir, 'users.sqlite'), nodeSuite);
  try {
    for (let i = 0; i < users; i++)
      tokens.push(store.add(i === 0 ? 'bench' : `bench-${i}`, party, ['declarant', 'inspector']).token);
    return tokens[0]!;
  } finally {
    store.close();
  }
}
