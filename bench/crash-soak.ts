/**
 * The longer crash test: `node dist/bench/crash-soak.js [kills=500]`. Same checks as the test suite's 50 kills.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashRounds } from '../test/helpers/crash.js';

const kills = Number(process.argv[2] ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'detente-soak-'));
const started = Date.now();
try {
  const rounds = await crashRounds(join(dir, 'log'), kills);
  const last = rounds.at(-1)!;
  console.log(
    `${kills} SIGKILLs: every acknowledged entry survived; final size ${last.size}, last acknowledged index ${last.acknowledged}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
