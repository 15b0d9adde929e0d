/**
 * The Vienna Document scenario as a federation of 57 party nodes in one process (`detente start --scenario
 * vienna-document-2011`): the time to play and settle the timeline through the nodes' APIs, against the baseline of
 * playing it directly into 57 logs in the same run; the memory; that every node answers the same bytes for
 * /api/state; and the CPU the federation uses over a minute once settled, with nothing new to say (goal: under a
 * quarter of one core, i.e. the nodes learn of new checkpoints by being told, not by polling 56 peers).
 *
 * Run: npm run build && node dist/bench/federation-57.js [idleSeconds] [steps]   (BENCH_PORT: the first port, default 30000;
 * BENCH_DIR: where the 57 node directories go, default the temporary directory: on a slow disk, creating their
 * 57 × 58 SQLite files dominates the start, so /dev/shm measures the software rather than the disk)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFederation } from '../src/exercise/federation.js';
import { playScenario } from '../src/exercise/play.js';
import { fmt, header, row, secondsAsync, table } from './harness.js';

const SCENARIO = 'vienna-document-2011';
const idleSeconds = Number(process.argv[2] ?? 60);
/** Play only the first `steps` steps (all by default): the whole timeline takes many minutes on two cores. */
const stepLimit = process.argv[3] === undefined ? Infinity : Number(process.argv[3]);
const basePort = Number(process.env.BENCH_PORT ?? 30000);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'detente-bench-fed57-'));
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

header(`federation of 57 nodes: ${SCENARIO}`);
try {
  const direct = await secondsAsync(async () => {
    await playScenario(SCENARIO, join(dir, 'direct'));
  });
  let fed: Awaited<ReturnType<typeof startFederation>> | undefined;
  const started = await secondsAsync(async () => {
    fed = await startFederation({ scenario: SCENARIO, dir: join(dir, 'federation'), basePort });
  });
  const f = fed!;
  try {
    let steps = 0;
    const stop = new AbortController();
    const played = await secondsAsync(async () => {
      try {
        await f.playTimeline({
          signal: stop.signal,
          settleTimeoutMs: 120_000,
          onStep: (d, t) => {
            steps = d;
            if (d % 10 === 0) process.stderr.write(`step ${d}/${t}\n`);
            if (d >= stepLimit) stop.abort();
          },
        });
      } catch (err) {
        if (!stop.signal.aborted) throw err;
      }
      await f.settle(120_000);
    });
    const entries = f.nodes.reduce((a, n) => a + n.node.servedSize(n.node.logByParty(n.party)!), 0);
    const states = await Promise.all(
      f.nodes.map(async (n) => (await fetch(`${n.url}/api/state?asOf=${encodeURIComponent(f.clock.now())}`)).text()),
    );
    const identical = states.every((s) => s === states[0]);
    const settledRss = rssMiB();
    // Every HTTP request any node answers while idle (the nodes' polls of each other).
    let requests = 0;
    for (const n of f.nodes) n.app.server.on('request', () => requests++);
    const loadBefore = loadavg()[0]!;
    const before = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const used = process.cpuUsage(before);
    const elapsed = performance.now() - t0;
    const cores = (used.user + used.system) / 1000 / elapsed;
    const perSecond = requests / (elapsed / 1000);
    const loadAfter = loadavg()[0]!;
    console.log(
      `\n${f.nodes.length} nodes, ${steps} of ${f.timeline.steps.length} steps played, ${entries} entries; every node's /api/state identical: ${identical ? 'yes' : 'NO'}`,
    );
    table(['what', 'federation', 'direct play, every step (baseline)', 'ratio', 'goal']);
    row('start 57 nodes (s)', fmt(started, 1), fmt(direct, 1), started / direct, '');
    row(`play and settle ${steps} steps (s)`, fmt(played, 1), fmt(direct, 1), played / direct, 'direct play < 60 s');
    row('resident memory once settled (MiB)', fmt(settledRss), '—', 0, 'report');
    row(`CPU idle over ${idleSeconds} s (cores)`, fmt(cores, 3), '—', 0, '< 0.25');
    row(`requests per second idle over ${idleSeconds} s`, fmt(perSecond, 1), '—', 0, 'report');
    console.log(
      `\nload average (1 min) before the idle window ${loadBefore.toFixed(1)}, after ${loadAfter.toFixed(1)}`,
    );
  } finally {
    await f.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
