/** A log of n synthetic entries on disk for benchmarks, built once and reused (BENCH_DIR, default the OS tmpdir). */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../src/crypto/bytes.js';
import { initLogDir, logWriter, openLogDir } from '../src/log/log-dir.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';

export const BENCH_DIR = process.env.BENCH_DIR ?? join(tmpdir(), 'detente-bench');

export function syntheticEntry(i: number): Uint8Array {
  return utf8(
    JSON.stringify({
      v: 1,
      type: 'notification',
      party: i % 2 ? 'us' : 'ru',
      n: i,
      note: 'synthetic benchmark entry, 100-odd bytes',
    }),
  );
}

/** The directory of a log holding exactly n synthetic entries. */
export function fixtureLog(n: number): string {
  const dir = join(BENCH_DIR, `log-${n}`);
  if (existsSync(join(dir, 'log.sqlite'))) {
    const log = openLogDir(dir, nodeSuite, { readonly: true });
    const size = log.store.head()?.size;
    log.close();
    if (size === n) return dir;
    throw new Error(`${dir} holds ${size} entries, not ${n}: remove it`);
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  initLogDir(dir, `bench.detente.example/log-${n}`, nodeSuite);
  const log = openLogDir(dir, nodeSuite);
  const writer = logWriter(log, nodeSuite);
  const started = Date.now();
  for (let i = 0; i < n; i += 256) {
    writer.append(Array.from({ length: Math.min(256, n - i) }, (_, j) => syntheticEntry(i + j)));
  }
  log.close();
  console.log(`(built the ${n}-entry fixture log in ${((Date.now() - started) / 1000).toFixed(1)} s at ${dir})`);
  return dir;
}
