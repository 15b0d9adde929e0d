/**
 * Read latency under a flood of strangers (H4 of the red team): `GET /logs` and `GET /api/entries/<origin>/<index>`
 * latency, median and 99th percentile, while 200 keep-alive clients hammer `/api/state` (half "now", half one of
 * 50 past dates), against the same probes with nobody hammering, in one run. The node holds ENTRIES entries; the
 * hammering clients run on a worker thread (strangers are not in the node's process); rate limits are lifted so
 * every request really reaches the read model. Goal: p99 < 200 ms on 2 cores (the red team measured 3 to 10 s).
 * Run: node dist/bench/read-latency.js [entries] [seconds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { buildServer } from '../src/api/server.js';
import { logWriter, openLogDir } from '../src/log/log-dir.js';
import { buildEnvelope, encodeEntry, signEntry } from '../src/model/index.js';
import { readSeed } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { fmt, header, row, table } from './harness.js';
import { benchNode } from './node-setup.js';

const ENTRIES = Number(process.argv[2] ?? 13_000);
const SECONDS = Number(process.argv[3] ?? 5);
const HAMMERS = 200;

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sequential probes of `paths` (round robin) for SECONDS: latencies in ms per path. */
async function probe(port: number, paths: (() => string)[]): Promise<number[][]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out = paths.map(() => [] as number[]);
  const end = performance.now() + SECONDS * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const k = i % paths.length;
    const t = performance.now();
    const status = await get(agent, port, paths[k]!());
    if (status !== 200) throw new Error(`probe ${paths[k]!()}: ${status}`);
    out[k]!.push(performance.now() - t);
  }
  agent.destroy();
  return out;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** HAMMERS clients on a worker thread, each looping GET /api/state until told to stop; resolves with their count. */
function hammer(port: number): { stop(): Promise<number> } {
  const code = `
    const { parentPort, workerData: { port, clients } } = require('node:worker_threads');
    const { Agent, request } = require('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    const day = 86400000, now = Date.now();
    let stop = false, n = 0;
    parentPort.on('message', () => { stop = true; });
    const get = (path) => new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', resolve); });
      req.on('error', resolve);
      req.end();
    });
    const client = async (c) => {
      for (let i = 0; !stop; i++) {
        const past = (c + i) % 2 === 1;
        await get('/api/state' + (past ? '?asOf=' + new Date(now - (1 + ((c + i) % 50)) * day).toISOString() : ''));
        n++;
      }
    };
    Promise.all(Array.from({ length: clients }, (_, c) => client(c))).then(() => parentPort.postMessage(n));
  `;
  const worker = new Worker(code, { eval: true, workerData: { port, clients: HAMMERS } });
  const done = new Promise<number>((resolve) => worker.once('message', resolve));
  return {
    async stop() {
      worker.postMessage('stop');
      const n = await done;
      await worker.terminate();
      return n;
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detente-bench-reads-'));
  try {
    benchNode(dir);
    const probeNode = PartyNode.open(dir, { peers: [] });
    const { regime, regimeHash } = probeNode;
    await probeNode.close();
    const log = openLogDir(join(dir, 'log'), nodeSuite);
    const writer = logWriter(log, nodeSuite);
    const seed = readSeed(dir, 'us-declarant');
    for (let i = 0; i < ENTRIES; i += 1000) {
      writer.append(
        Array.from({ length: Math.min(1000, ENTRIES - i) }, (_, j) => {
          const envelope = buildEnvelope({
            type: 'regime-signature',
            party: 'us',
            key: 'us-declarant',
            issuedAt: new Date(Date.UTC(2022, 0, 1) + (i + j) * 1000).toISOString(),
            body: { regime: regimeHash, id: regime.id, version: regime.version },
          });
          return encodeEntry(signEntry(nodeSuite, envelope, seed));
        }),
      );
    }
    log.close();
    const node = PartyNode.open(dir, { peers: [] });
    const app = await buildServer(node, {
      rateLimits: { expensive: Number.MAX_SAFE_INTEGER, other: Number.MAX_SAFE_INTEGER },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const origin = encodeURIComponent(node.party.origin);
    const paths = [() => '/logs', () => `/api/entries/${origin}/${Math.floor(Math.random() * ENTRIES)}`];
    // Warm: the first read decodes and folds what is on disk.
    await get(new Agent(), port, '/api/state');

    const quiet = await probe(port, paths);
    const h = hammer(port);
    await new Promise((r) => setTimeout(r, 500));
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const loaded = await probe(port, paths);
    lag.disable();
    const hammered = await h.stop();

    header(`Read latency, ${fmt(ENTRIES)} entries, ${HAMMERS} clients hammering /api/state (${SECONDS} s per phase)`);
    console.log(
      `/api/state answered ${fmt(hammered)} times under load (${fmt(hammered / SECONDS)}/s); the node's event loop delay under load: p99 ${fmt(lag.percentile(99) / 1e6, 1)} ms, max ${fmt(lag.max / 1e6, 1)} ms`,
    );
    table(['latency', 'hammered (ms)', 'quiet (ms)', 'hammered/quiet', 'goal']);
    for (const [i, name] of ['GET /logs', 'GET /api/entries/<origin>/<index>'].entries()) {
      for (const [q, label] of [
        [0.5, 'median'],
        [0.99, 'p99'],
      ] as const) {
        const ours = quantile(loaded[i]!, q);
        const base = quantile(quiet[i]!, q);
        row(`${name} ${label}`, fmt(ours, 1), fmt(base, 1), ours / base, q === 0.99 ? '< 200 ms' : '');
      }
    }
    await app.close();
    await node.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
