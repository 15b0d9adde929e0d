/**
 * Where a worker's compiled script is, by its path under src/ without the extension (`log/verify-export-worker`).
 * Compiled (dist/src/…/*.js) it sits beside the code that starts it; run from the TypeScript sources (vitest), Node
 * cannot load a .ts worker, so the built copy under dist/ is used (`npx tsc`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../crypto/errors.js';

export function workerScript(name: string): string {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..');
  const beside = join(src, `${name}.js`);
  if (existsSync(beside)) return beside;
  const built = join(src, '..', 'dist', 'src', `${name}.js`);
  if (!existsSync(built)) fail('BAD_INPUT', `${built} is missing: build first (npx tsc -p tsconfig.json)`);
  return built;
}
