/** Where scenarios live: `scenarios/<name>/` at the root of the package (found from this file, built or not). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DetenteError } from '../crypto/errors.js';

export const DEFAULT_SCENARIO = 'european-security-2022';

/** The package root: the nearest directory above this file with a package.json and a scenarios folder. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new DetenteError('BAD_INPUT', 'cannot find the scenarios folder of the package');
    dir = up;
  }
}

/** The folder of a named scenario (regime.yaml, timeline.yaml, README.md). */
export function scenarioDir(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name))
    throw new DetenteError('BAD_INPUT', `scenario: bad name ${JSON.stringify(name)}`);
  const dir = join(packageRoot(), 'scenarios', name);
  if (!existsSync(join(dir, 'regime.yaml')) || !existsSync(join(dir, 'timeline.yaml'))) {
    throw new DetenteError(
      'BAD_INPUT',
      `scenario: no scenario "${name}" (expected ${dir}/regime.yaml and timeline.yaml)`,
    );
  }
  return dir;
}
