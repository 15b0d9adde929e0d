/**
 * Export and verify a 1,000,000-entry log: time and peak memory, each phase in a child process of its own so
 * that its peak RSS is its own. Baselines in the same run: for export, copying the same entries out of SQLite
 * into one flat file (the I/O floor); for verify, reading the same bundles and hashing every entry once (the
 * floor of any verifier). Goal: memory under 512 MB.
 *
 * Then `detente log verify --path` (on every core) against Go's sumdb/tlog verifier (test/interop/go/verify.go,
 * built here offline from Debian's golang-golang-x-mod-dev as the interop test builds it) on the same export, each
 * as the process a user runs, in interleaved rounds so that both meet the same load. Goal: ratio <= 1.5.
 * Run: node dist/bench/export-verify.js [entries] [rounds]
 */
import { execFileSync, spawnSync } from 'node:child_process';
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
const ROOT = join(self, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const VERIFY_GO = join(ROOT, 'test', 'interop', 'go', 'verify.go');

/** Go's verifier, built offline in GOPATH mode against Debian's golang.org/x/mod (as test/interop-go.test.ts). */
function buildGoVerifier(): string {
  const bin = join(BENCH_DIR, 'go-verify');
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: '/usr/share/gocode',
    GOPROXY: 'off',
    GOFLAGS: '',
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
    GOCACHE: process.env.GOCACHE ?? join(BENCH_DIR, 'go-build-cache'),
  };
  const r = spawnSync('go', ['build', '-o', bin, VERIFY_GO], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `go build failed (apt-get install -y golang-go golang-golang-x-mod-dev): ${r.stderr}${r.error ?? ''}`,
    );
  }
  return bin;
}

/** Wall seconds of one run of a command that must succeed. */
function timed(command: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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

  const rounds = Number(process.argv[3] ?? 3);
  const go = buildGoVerifier();
  const vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so that neither always meets a warm or a cold page cache.
    const runOurs = () => ours.push(timed(process.execPath, [CLI, 'log', 'verify', '--path', out, '--vkey', vkey]));
    const runGo = () => theirs.push(timed(go, [out, vkey]));
    if (r % 2 === 0) {
      runOurs();
      runGo();
    } else {
      runGo();
      runOurs();
    }
  }
  console.log(
    `\nlog verify --path against Go's sumdb/tlog verifier, ${rounds} interleaved rounds (each a fresh process):`,
  );
  console.log(
    `ours: ${ours.map((x) => x.toFixed(2)).join(', ')} s; Go: ${theirs.map((x) => x.toFixed(2)).join(', ')} s`,
  );
  table(['phase', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row(
    'detente log verify --path, median (s)',
    median(ours).toFixed(2),
    `${median(theirs).toFixed(2)} (Go x/mod sumdb/tlog, test/interop/go/verify.go)`,
    median(ours) / median(theirs),
    '<= 1.5',
  );
  row(
    'single-threaded verifySource (s), as before',
    ver.seconds.toFixed(2),
    `${median(theirs).toFixed(2)} (Go)`,
    ver.seconds / median(theirs),
  );
}
