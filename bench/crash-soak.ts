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
  const rounds = await crashRounds(join(dir, 'log'), kills, Math.random, (round, { size }) => {
    // A long run says how far it is (on stderr, so that stdout stays the one-line result).
    if (round % 50 === 0) process.stderr.write(`${round}/${kills} kills, log size ${size}\n`);
  });
  const last = rounds.at(-1)!;
  console.log(
    `${kills} SIGKILLs: every acknowledged entry survived; final size ${last.size}, last acknowledged index ${last.acknowledged}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
