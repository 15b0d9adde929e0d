/**
 * Push mirroring (C2SP tlog-mirror) in a federation of three party nodes on loopback, all in this process (so the
 * CPU measured is theirs and the load generator's).
 *
 * 1. Receipt latency: submissions to one node at a fixed offered rate (open loop), each timed from its
 *    acknowledgement (the 201 with its inclusion proof) to the moment the node holds both counterparts' mirror
 *    cosignatures of a checkpoint that contains it. Median and 99th percentile, at 100 and 2,000 submissions a
 *    second. Polling is slowed to 60 s, so what arrives comes by push.
 * 2. Idle cost: the settled federation, nothing new, over `idle` seconds: CPU (this process) and HTTP requests per
 *    second, with push and its slow fallback (mirror, witness and gossip loops every 60 s) against today's polling
 *    (mirror and witness every 1 s, gossip every 2 s), the baseline, in the same run.
 *
 * Run: node dist/bench/mirror-push.js [seconds per rate = 5] [idle seconds = 60]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/api/server.js';
import { importRegimeKeys, initNodeDir, type NodeConfig } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { UserStore } from '../src/node/users.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { fmt, header, row, table } from './harness.js';
import { REGIME } from './node-setup.js';

const RATE_SECONDS = Number(process.argv[2] ?? 5);
const IDLE_SECONDS = Number(process.argv[3] ?? 60);
const PARTIES = ['us', 'ru', 'nato'];

interface Federation {
  nodes: Map<string, { node: PartyNode; app: FastifyInstance; port: number }>;
  requests: () => number;
  close(): Promise<void>;
}

async function federation(configure: (c: NodeConfig) => void): Promise<Federation & { token: string }> {
  const root = mkdtempSync(join(tmpdir(), 'detente-bench-push-'));
  const keys: Record<string, string> = {};
  for (const p of PARTIES) {
    Object.assign(
      keys,
      initNodeDir(join(root, p), { party: p, regimeText: readFileSync(REGIME, 'utf8') }, nodeSuite).publicKeys,
    );
  }
  const ports = new Map(PARTIES.map((p, i) => [p, 21000 + Math.floor(Math.random() * 20000) + i]));
  let requests = 0;
  const nodes: Federation['nodes'] = new Map();
  let token = '';
  for (const p of PARTIES) {
    const dir = join(root, p);
    importRegimeKeys(dir, keys);
    if (p === 'us') {
      const users = UserStore.open(join(dir, 'users.sqlite'), nodeSuite);
      token = users.add('bench', p, ['declarant']).token;
      users.close();
    }
    const peers = PARTIES.filter((q) => q !== p).map((q) => ({ party: q, url: `http://127.0.0.1:${ports.get(q)}` }));
    const node = PartyNode.open(dir, { peers, configure });
    const app = await buildServer(node);
    app.addHook('onRequest', async () => {
      requests++;
    });
    await app.listen({ port: ports.get(p)!, host: '127.0.0.1' });
    node.start();
    nodes.set(p, { node, app, port: ports.get(p)! });
  }
  return {
    nodes,
    token,
    requests: () => requests,
    async close() {
      for (const n of nodes.values()) {
        await n.app.close();
        await n.node.close();
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function post(agent: Agent, port: number, token: string, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/submissions',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Offers `rate` submissions a second for RATE_SECONDS; returns ack-to-receipt latencies (ms) and what was acked. */
async function latency(f: Federation & { token: string }, rate: number) {
  const us = f.nodes.get('us')!;
  const receipts: { size: number; at: number; name: string }[] = [];
  const store = us.node.log.store;
  const add = store.addCosignature.bind(store);
  store.addCosignature = (c) => {
    add(c);
    if (c.name.endsWith('/mirror')) receipts.push({ size: c.size, at: performance.now(), name: c.name });
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const acks: { index: number; at: number }[] = [];
  const regime = { regime: us.node.regimeHash, id: us.node.regime.id, version: us.node.regime.version };
  let sent = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  const tickMs = 10;
  while (performance.now() - started < RATE_SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const body = JSON.stringify({
        nonce: `bench-${rate}-${sent}-${Math.random()}`,
        type: 'regime-signature',
        body: regime,
      });
      inflight.push(
        post(agent, us.port, f.token, body).then(({ status, json }) => {
          if (status === 201) acks.push({ index: json.index, at: performance.now() });
        }),
      );
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inflight);
  const ackSeconds = (Math.max(...acks.map((a) => a.at)) - started) / 1000;
  // Wait for the last receipts.
  const last = Math.max(...acks.map((a) => a.index));
  const deadline = performance.now() + 30_000;
  const both = (index: number) => {
    const names = new Map<string, number>();
    for (const r of receipts) if (r.size > index && !(names.get(r.name)! <= r.at)) names.set(r.name, r.at);
    return names.size === 2 ? Math.max(...names.values()) : undefined;
  };
  while (both(last) === undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  store.addCosignature = add;
  const lat = acks.map((a) => (both(a.index) ?? Number.NaN) - a.at).filter((x) => !Number.isNaN(x));
  lat.sort((a, b) => a - b);
  return { acked: acks.length, achieved: acks.length / ackSeconds, lat, missing: acks.length - lat.length };
}

async function idle(configure: (c: NodeConfig) => void) {
  const f = await federation(configure);
  try {
    // Something to mirror, then let it settle.
    const us = f.nodes.get('us')!;
    const agent = new Agent({ keepAlive: true });
    const regime = { regime: us.node.regimeHash, id: us.node.regime.id, version: us.node.regime.version };
    await post(agent, us.port, f.token, JSON.stringify({ nonce: 'idle-1', type: 'regime-signature', body: regime }));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 3000));
    const requests = f.requests();
    const cpu = process.cpuUsage();
    const t = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - t) / 1000;
    return { cpu: (used.user + used.system) / 1e6 / seconds, rps: (f.requests() - requests) / seconds };
  } finally {
    await f.close();
  }
}

const pushOnly = (c: NodeConfig) => {
  c.mirror.syncEveryMs = 60_000;
  c.witness.requestEveryMs = 60_000;
  c.gossip.everyMs = 60_000;
};

header('Push mirroring: acknowledgement to both counterparts’ mirror cosignatures (3 nodes, one process)');
table(['offered rate', 'acked/s', 'median ms', 'p99 ms', 'receipts missing']);
{
  const f = await federation(pushOnly);
  try {
    for (const rate of [100, 2000]) {
      const r = await latency(f, rate);
      console.log(
        `| ${fmt(rate)}/s | ${fmt(r.achieved)} | ${fmt(quantile(r.lat, 0.5), 1)} | ${fmt(quantile(r.lat, 0.99), 1)} | ${r.missing} of ${fmt(r.acked)} |`,
      );
    }
  } finally {
    await f.close();
  }
}

header(`Idle cost of a settled 3-node federation over ${IDLE_SECONDS} s (nothing new)`);
table(['what', 'push, 60 s fallback', "today's polling (1 s)", 'ratio', 'goal']);
const polling = await idle(() => {});
const push = await idle(pushOnly);
row('CPU (share of one core)', `${fmt(push.cpu * 100, 2)} %`, `${fmt(polling.cpu * 100, 2)} %`, push.cpu / polling.cpu);
row('HTTP requests/s (all nodes)', fmt(push.rps, 2), fmt(polling.rps, 2), push.rps / polling.rps);
