/**
 * Mirroring a 1,000,000-entry log from a peer on loopback: the peer serves its tiles over HTTP (tiles plugin) in
 * this process; the mirror runs in a child process, so that its time, CPU and peak memory are its own. Baseline in
 * the same run, also in a child: fetching the same bundles and tiles over the same HTTP, verifying and storing
 * nothing (the transport floor). Goal: memory ≤ 512 MB. Run: node dist/bench/mirror.js [entries]
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { tilesPlugin } from '../src/api/tiles.js';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { httpTileSource } from '../src/federation/http-tile-source.js';
import { openLogDir } from '../src/log/log-dir.js';
import { LogMirror } from '../src/node/mirror.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { openCheckpoint } from '../src/tlog/checkpoint.js';
import { tilesOfTree } from '../src/tlog/tile-math.js';
import { BENCH_DIR, fixtureLog } from './fixture-log.js';
import { fmt, header, maxRssMiB, row, table } from './harness.js';

interface Result {
  seconds: number;
  cpuSeconds: number;
  rssMiB: number;
}

async function child(kind: string, base: string, vkey: string, db: string): Promise<Result> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const source = httpTileSource(base);
  if (kind === 'mirror') {
    rmSync(db, { force: true });
    const origin = parseVerifierKey(vkey, nodeSuite).name;
    const store = SqliteStore.open(db, origin, { create: true });
    const result = await new LogMirror({ store, source, vkey, suite: nodeSuite }).sync();
    if (result.status !== 'advanced') throw new Error(`mirror ended ${result.status}`);
    store.close();
  } else {
    const { checkpoint } = openCheckpoint(await source.checkpoint(), parseVerifierKey(vkey, nodeSuite));
    for (const t of tilesOfTree(checkpoint.size)) {
      await source.hashTile(t.level, t.index, t.width);
      if (t.level === 0) await source.entryBundle(t.index, t.width);
    }
  }
  const used = process.cpuUsage(cpu);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    rssMiB: maxRssMiB(),
  };
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--child') {
  const [, , , kind, base, vkey, db] = process.argv;
  process.stdout.write(JSON.stringify(await child(kind!, base!, vkey!, db!)));
} else {
  const N = Number(process.argv[2] ?? 1_000_000);
  const log = openLogDir(fixtureLog(N), nodeSuite, { readonly: true });
  const app = Fastify({ logger: false });
  await app.register(tilesPlugin, { logs: [{ prefix: '/peer', store: log.store, vkey: log.vkey }] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/peer`;
  const db = join(BENCH_DIR, `mirror-${N}.sqlite`);
  const run = (kind: string): Promise<Result> =>
    new Promise((resolve, reject) => {
      // Asynchronous, so that this process keeps serving while the child pulls.
      execFile(process.execPath, [self, '--child', kind, base, log.vkey, db], { maxBuffer: 1 << 20 }, (err, stdout) =>
        err ? reject(err) : resolve(JSON.parse(stdout)),
      );
    });
  header(`mirror: ${fmt(N)} entries from a peer on loopback HTTP`);
  const fetchOnly = await run('fetch');
  const mirror = await run('mirror');
  table(['measure', 'mirror (verify + store)', 'fetch only (no verify, no store)', 'ours/baseline', 'goal']);
  row('wall time (s)', mirror.seconds.toFixed(1), fetchOnly.seconds.toFixed(1), mirror.seconds / fetchOnly.seconds);
  row(
    'CPU, mirror process (s)',
    mirror.cpuSeconds.toFixed(1),
    fetchOnly.cpuSeconds.toFixed(1),
    mirror.cpuSeconds / fetchOnly.cpuSeconds,
  );
  row('peak RSS (MiB)', fmt(mirror.rssMiB), fmt(fetchOnly.rssMiB), mirror.rssMiB / fetchOnly.rssMiB, '≤ 512');
  console.log(`entries per second mirrored: ${fmt(N / mirror.seconds)}`);
  await app.close();
  log.close();
  rmSync(db, { force: true });
}
