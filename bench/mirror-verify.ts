/**
 * Mirror catch-up verifying every entry, as a node mirrors a peer: the largest party log of the engine's fixture
 * (signed entries in the scenario's mix; bench/engine-fixture.ts) served over loopback HTTP by this process, pulled
 * by a LogMirror in a child process that checks each entry (strict decoding, the party's key and role, Ed25519, the
 * regime's names). Ours: the checks on worker threads (MirrorOptions.validateMany over EntryWorkers, one a core
 * beside the event loop's); baseline, in the same run and interleaved: the same checks entry by entry on the
 * event loop (MirrorOptions.validate), as before. Best of `rounds` each.
 * Run: node dist/bench/mirror-verify.js [fixture entries, default 100000] [rounds, default 2]
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { tilesPlugin } from '../src/api/tiles.js';
import { DetenteError } from '../src/crypto/errors.js';
import { httpTileSource } from '../src/federation/http-tile-source.js';
import { openLogDir } from '../src/log/log-dir.js';
import { decodeEntry, parseRegime, verifyEntry } from '../src/model/index.js';
import { LogMirror } from '../src/node/mirror.js';
import { EntryWorkers } from '../src/runtime/entry-workers.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { engineFixture } from './engine-fixture.js';
import { BENCH_DIR } from './fixture-log.js';
import { fmt, header, maxRssMiB, row, table } from './harness.js';

interface Result {
  seconds: number;
  cpuSeconds: number;
  rssMiB: number;
  size: number;
}

async function child(kind: string, base: string, vkey: string, db: string, dir: string, party: string) {
  const regime = parseRegime(readFileSync(join(dir, 'regime.json'), 'utf8'), 'json');
  rmSync(db, { force: true });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const origin = openLogDir(join(dir, party), nodeSuite, { readonly: true });
  const store = SqliteStore.open(db, origin.store.origin, { create: true });
  origin.close();
  const workers = kind === 'workers' ? new EntryWorkers({ regime }) : undefined;
  const validate = (bytes: Uint8Array) => {
    const signed = decodeEntry(bytes);
    if (signed.envelope.party !== party)
      throw new DetenteError('KEY_UNKNOWN', `an entry of "${signed.envelope.party}" in the log of "${party}"`);
    verifyEntry(nodeSuite, regime, signed);
  };
  const result = await new LogMirror({
    store,
    source: httpTileSource(base),
    vkey,
    suite: nodeSuite,
    validate,
    ...(workers ? { validateMany: workers.validatorFor(party) } : {}),
  }).sync();
  if (result.status !== 'advanced') throw new Error(`mirror ended ${result.status}`);
  await workers?.close();
  store.close();
  const used = process.cpuUsage(cpu);
  const r: Result = {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    rssMiB: maxRssMiB(),
    size: result.size,
  };
  return r;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--child') {
  const [, , , kind, base, vkey, db, dir, party] = process.argv;
  process.stdout.write(JSON.stringify(await child(kind!, base!, vkey!, db!, dir!, party!)));
} else {
  const N = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 2);
  const dir = engineFixture(N);
  const regime = parseRegime(readFileSync(join(dir, 'regime.json'), 'utf8'), 'json');
  const logs = regime.parties.map((p) => ({
    party: p.id,
    log: openLogDir(join(dir, p.id), nodeSuite, { readonly: true }),
  }));
  const largest = logs.sort((a, b) => (b.log.store.head()?.size ?? 0) - (a.log.store.head()?.size ?? 0))[0]!;
  const app = Fastify({ logger: false });
  await app.register(tilesPlugin, { logs: [{ prefix: '/peer', store: largest.log.store, vkey: largest.log.vkey }] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/peer`;
  const db = join(BENCH_DIR, `mirror-verify-${N}.sqlite`);
  const run = (kind: string): Promise<Result> =>
    new Promise((resolve, reject) => {
      // Asynchronous, so that this process keeps serving while the child pulls.
      execFile(
        process.execPath,
        [self, '--child', kind, base, largest.log.vkey, db, dir, largest.party],
        { maxBuffer: 1 << 20 },
        (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))),
      );
    });
  const one: Result[] = [];
  const many: Result[] = [];
  for (let r = 0; r < rounds; r++) {
    one.push(await run('one-thread'));
    many.push(await run('workers'));
  }
  const best = (xs: Result[]) => [...xs].sort((a, b) => a.seconds - b.seconds)[0]!;
  const [a, b] = [best(many), best(one)];
  header(`mirror catch-up verifying every entry: ${fmt(a.size)} entries of ${largest.party}'s log on loopback HTTP`);
  table(['measure', 'checks on worker threads', 'checks on the event loop', 'ours/baseline', 'goal']);
  row('wall time (s), best of each', a.seconds.toFixed(2), b.seconds.toFixed(2), a.seconds / b.seconds);
  row(
    'CPU, mirror process, all threads (s)',
    a.cpuSeconds.toFixed(2),
    b.cpuSeconds.toFixed(2),
    a.cpuSeconds / b.cpuSeconds,
  );
  row('peak RSS (MiB)', fmt(a.rssMiB), fmt(b.rssMiB), a.rssMiB / b.rssMiB);
  console.log(
    `every round, wall s (event loop / workers): ${one.map((x, i) => `${x.seconds.toFixed(2)} / ${many[i]!.seconds.toFixed(2)}`).join('; ')}; entries/s with workers ${fmt(a.size / a.seconds)}; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  await app.close();
  for (const l of logs) l.log.close();
  rmSync(db, { force: true });
}
