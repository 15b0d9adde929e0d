/**
 * Where a worker's compiled script is. Compiled (dist/src/log/*.js) it sits beside this file; run from the
 * TypeScript sources (vitest), Node cannot load a .ts worker, so the built copy under dist/ is used (`npx tsc`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../crypto/errors.js';

export function workerScript(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, `${name}.js`);
  if (existsSync(beside)) return beside;
  const built = join(here, '..', '..', 'dist', 'src', 'log', `${name}.js`);
  if (!existsSync(built)) fail('BAD_INPUT', `${built} is missing: build first (npx tsc -p tsconfig.json)`);
  return built;
}
