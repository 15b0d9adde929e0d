/**
 * Export and verify a 1,000,000-entry log: time and peak memory, each phase in a child process of its own so
 * that its peak RSS is its own. Baselines in the same run: for export, copying the same entries out of SQLite
 * into one flat file (the I/O floor); for verify, reading the same bundles and hashing every entry once (the
 * floor of any verifier). Goal: memory under 512 MB. Run: node dist/bench/export-verify.js [entries]
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirTileSource } from '../src/log/dir-tile-source.js';
import { exportLog } from '../src/log/export.js';
import { openLogDir } from '../src/log/log-dir.js';
import { verifySource } from '../src/log/verify-log.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { decodeBundle } from '../src/tlog/entry-bundle.js';
import { BENCH_DIR, fixtureLog } from './fixture-log.js';
import { fmt, header, maxRssMiB, row, seconds, secondsAsync, table } from './harness.js';

interface Phase {
  seconds: number;
  rssMiB: number;
}

async function child(phase: string, dir: string, out: string): Promise<Phase> {
  const log = openLogDir(dir, nodeSuite, { readonly: true });
  let s = 0;
  if (phase === 'export') {
    rmSync(out, { recursive: true, force: true });
    s = seconds(() => exportLog(log.store, out));
  } else if (phase === 'copy') {
    const size = log.store.head()!.size;
    const fd = openSync(out, 'w');
    s = seconds(() => {
      // One write per 256 entries, like a bundle: the same number of writes as the export makes for bundles.
      let batch: Uint8Array[] = [];
      for (const entry of log.store.entries(0, size)) {
        batch.push(entry);
        if (batch.length === 256) {
          writeSync(fd, Buffer.concat(batch));
          batch = [];
        }
      }
      if (batch.length > 0) writeSync(fd, Buffer.concat(batch));
    });
    closeSync(fd);
  } else if (phase === 'verify') {
    s = await secondsAsync(async () => {
      await verifySource(dirTileSource(out), log.hasher, log.verifier);
    });
  } else if (phase === 'hash') {
    s = seconds(() => {
      const bundles = join(out, 'tile', 'entries');
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name));
          else for (const entry of decodeBundle(readFileSync(join(d, e.name)))) log.hasher.hashLeaf(entry);
        }
      };
      walk(bundles);
    });
  }
  log.close();
  return { seconds: s, rssMiB: maxRssMiB() };
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--child') {
  const result = await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  process.stdout.write(JSON.stringify(result));
} else {
  const N = Number(process.argv[2] ?? 1_000_000);
  const dir = fixtureLog(N);
  const out = join(BENCH_DIR, `export-${N}`);
  const flat = join(BENCH_DIR, `flat-${N}.bin`);
  const run = (phase: string, target: string): Phase =>
    JSON.parse(
      execFileSync(process.execPath, [self, '--child', phase, dir, target], { encoding: 'utf8', maxBuffer: 1 << 20 }),
    );
  header(`export and verify: ${fmt(N)} entries`);
  const copy = run('copy', flat);
  const exp = run('export', out);
  const hash = run('hash', out);
  const ver = run('verify', out);
  table(['phase', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row(
    'export, time (s)',
    exp.seconds.toFixed(2),
    `${copy.seconds.toFixed(2)} (copy entries to one file)`,
    exp.seconds / copy.seconds,
  );
  row('export, peak RSS (MiB)', fmt(exp.rssMiB), fmt(copy.rssMiB), exp.rssMiB / copy.rssMiB, '< 512');
  row(
    'verify, time (s)',
    ver.seconds.toFixed(2),
    `${hash.seconds.toFixed(2)} (read bundles, hash each entry)`,
    ver.seconds / hash.seconds,
  );
  row('verify, peak RSS (MiB)', fmt(ver.rssMiB), fmt(hash.rssMiB), ver.rssMiB / hash.rssMiB, '< 512');
  rmSync(flat, { force: true });
}
