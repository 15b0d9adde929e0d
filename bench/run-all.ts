/** `npm run bench`: every benchmark (not the crash soak), one after the other, each in its own process. */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const name of [
  'append',
  'tree',
  'proofs',
  'export-verify',
  'mirror',
  'escrow',
  'escrow-browser',
  'engine',
  'submit',
  'tiles-read',
  'tlog-proof',
  'first-view',
]) {
  execFileSync(process.execPath, [join(here, `${name}.js`)], { stdio: 'inherit' });
}
