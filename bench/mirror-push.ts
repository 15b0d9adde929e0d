/**
 * Push mirroring (C2SP tlog-mirror) in a federation of three party nodes on loopback, each node in its own process
 * (bench/push-node.ts), as in service: one node's disk waits and CPU do not stall the others'.
 *
 * 1. Receipt latency: submissions to one node at a fixed offered rate (open loop, from this process), each timed
 *    from its acknowledgement (the 201 with its inclusion proof) to the moment the node holds both counterparts'
 *    mirror cosignatures of a checkpoint that contains it. Median and 99th percentile, at 100 and 2,000
 *    submissions a second. The fallback loops run every 60 s, so what arrives comes by push.
 * 2. Idle cost: the settled federation, nothing new, over `idle` seconds: CPU of the three node processes and HTTP
 *    requests per second, with the default configuration (push, fallback loops on their slow default intervals)
 *    against the 1 s polling of before (mirror and witness every 1 s, gossip every 1 s), the baseline, in the same
 *    run.
 *
 * Run: node dist/bench/mirror-push.js [seconds per rate = 5] [idle seconds = 60]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, importRegimeKeys, initNodeDir } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { UserStore } from '../src/node/users.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { absentPartyKeys, freePort, scenarioRegimeText } from '../test/helpers/nodes.js';
import { fmt, header, row, table } from './harness.js';

const RATE_SECONDS = Number(process.argv[2] ?? 5);
const IDLE_SECONDS = Number(process.argv[3] ?? 60);
const PARTIES = ['us', 'ru', 'nato'];
const NODE_SCRIPT = join(fileURLToPath(import.meta.url), '..', 'push-node.js');

interface Receipt {
  size: number;
  name: string;
  at: number;
}

interface Federation {
  token: string;
  usPort: number;
  regime: { regime: string; id: string; version: number };
  receipts: Receipt[];
  /** CPU ms and requests of all nodes so far. */
  stats(): Promise<{ cpuMs: number; requests: number }>;
  close(): Promise<void>;
}

const now = () => performance.timeOrigin + performance.now();
const issuedBase = Date.now();
let issued = 0;

/**
 * Three node processes peered with each other; `loopMs` the fallback loops' interval (undefined: the default), and
 * whether idle loops back off (the nodes' default; the 1 s polling baseline polls every second, as nodes did before).
 */
async function federation(loopMs: number | undefined, backoff = true): Promise<Federation> {
  const root = mkdtempSync(join(tmpdir(), 'detente-bench-push-'));
  const keys: Record<string, string> = {};
  for (const p of PARTIES) {
    Object.assign(
      keys,
      initNodeDir(join(root, p), { party: p, regimeText: scenarioRegimeText() }, nodeSuite).publicKeys,
    );
  }
  const ports = new Map<string, number>();
  for (const p of PARTIES) ports.set(p, await freePort());
  let token = '';
  const children = new Map<string, ChildProcess>();
  const receipts: Receipt[] = [];
  const defaults = defaultConfig('us', 'x', '');
  const interval = loopMs ?? defaults.mirror.syncEveryMs;
  Object.assign(keys, absentPartyKeys(scenarioRegimeText(), PARTIES));
  for (const p of PARTIES) importRegimeKeys(join(root, p), keys);
  const probe = PartyNode.open(join(root, 'us'), { peers: [] });
  const regime = { regime: probe.regimeHash, id: probe.regime.id, version: probe.regime.version };
  await probe.close();
  for (const p of PARTIES) {
    const dir = join(root, p);
    if (p === 'us') {
      const users = UserStore.open(join(dir, 'users.sqlite'), nodeSuite);
      token = users.add('bench', p, ['declarant']).token;
      users.close();
    }
    const peers = PARTIES.filter((q) => q !== p).map((q) => ({ party: q, url: `http://127.0.0.1:${ports.get(q)}` }));
    const args = [dir, String(ports.get(p)), JSON.stringify(peers), String(interval), backoff ? 'backoff' : 'steady'];
    const child = fork(NODE_SCRIPT, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: process.env.PUSH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PUSH_PROF}`] : [],
    });
    child.on('message', (m: { receipt?: Receipt }) => {
      if (m.receipt) receipts.push(m.receipt);
    });
    children.set(p, child);
  }
  await Promise.all(
    [...children.values()].map(
      (c) => new Promise<void>((resolve) => c.on('message', (m: { ready?: boolean }) => m.ready && resolve())),
    ),
  );
  const ask = (c: ChildProcess) =>
    new Promise<{ cpuMs: number; requests: number }>((resolve) => {
      const on = (m: { stats?: { cpuMs: number; requests: number } }) => {
        if (!m.stats) return;
        c.off('message', on);
        resolve(m.stats);
      };
      c.on('message', on);
      c.send('stats');
    });
  return {
    token,
    usPort: ports.get('us')!,
    regime,
    receipts,
    async stats() {
      const all = await Promise.all([...children.values()].map(ask));
      return all.reduce((a, b) => ({ cpuMs: a.cpuMs + b.cpuMs, requests: a.requests + b.requests }));
    },
    async close() {
      await Promise.all(
        [...children.values()].map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once('exit', () => resolve());
              c.send('close');
            }),
        ),
      );
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
async function latency(f: Federation, rate: number) {
  f.receipts.length = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const acks: { index: number; at: number }[] = [];
  let sent = 0;
  const refused: Record<string, number> = {};
  const inflight: Promise<void>[] = [];
  const started = now();
  const tickMs = 10;
  while (now() - started < RATE_SECONDS * 1000) {
    const due = Math.floor(((now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      // A distinct issuedAt each (a millisecond apart, in the past): identical entries are refused.
      const body = JSON.stringify({
        nonce: `bench-${rate}-${sent}-${Math.random()}`,
        type: 'regime-signature',
        issuedAt: new Date(issuedBase - issued++).toISOString(),
        body: f.regime,
      });
      inflight.push(
        post(agent, f.usPort, f.token, body).then(({ status, json }) => {
          if (status === 201) acks.push({ index: json.index, at: now() });
          else refused[status] = (refused[status] ?? 0) + 1;
        }),
      );
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inflight);
  const ackSeconds = (Math.max(...acks.map((a) => a.at)) - started) / 1000;
  // Wait for the last receipts.
  const last = Math.max(...acks.map((a) => a.index));
  const deadline = now() + 30_000;
  const both = (index: number) => {
    const names = new Map<string, number>();
    for (const r of f.receipts) if (r.size > index && !(names.get(r.name)! <= r.at)) names.set(r.name, r.at);
    return names.size === 2 ? Math.max(...names.values()) : undefined;
  };
  while (both(last) === undefined && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  const lat = acks.map((a) => (both(a.index) ?? Number.NaN) - a.at).filter((x) => !Number.isNaN(x));
  lat.sort((a, b) => a - b);
  return { acked: acks.length, refused, achieved: acks.length / ackSeconds, lat, missing: acks.length - lat.length };
}

/** CPU (share of one core, all three node processes) and requests a second of a settled federation. */
async function idle(loopMs: number | undefined, backoff = true) {
  const f = await federation(loopMs, backoff);
  try {
    // Something to mirror, then let it settle.
    const agent = new Agent({ keepAlive: true });
    await post(agent, f.usPort, f.token, JSON.stringify({ nonce: 'idle-1', type: 'regime-signature', body: f.regime }));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 3000));
    const before = await f.stats();
    const t = now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const after = await f.stats();
    const seconds = (now() - t) / 1000;
    return { cpu: (after.cpuMs - before.cpuMs) / 1000 / seconds, rps: (after.requests - before.requests) / seconds };
  } finally {
    await f.close();
  }
}

header('Push mirroring: acknowledgement to both counterparts’ mirror cosignatures (3 nodes, a process each)');
table(['offered rate', 'acked/s', 'median ms', 'p99 ms', 'receipts missing']);
{
  const f = await federation(60_000);
  try {
    for (const rate of [100, 2000]) {
      const r = await latency(f, rate);
      console.log(
        `| ${fmt(rate)}/s | ${fmt(r.achieved)} | ${fmt(quantile(r.lat, 0.5), 1)} | ${fmt(quantile(r.lat, 0.99), 1)} | ${r.missing} of ${fmt(r.acked)}${Object.keys(r.refused).length ? ` (refused: ${JSON.stringify(r.refused)})` : ''} |`,
      );
    }
  } finally {
    await f.close();
  }
}

const defaultLoopMs = defaultConfig('us', 'x', '').mirror.syncEveryMs;
header(`Idle cost of a settled 3-node federation over ${IDLE_SECONDS} s (nothing new)`);
table([
  'what',
  `push, fallback loops every ${fmt(defaultLoopMs / 1000)} s (default)`,
  'polling every 1 s',
  'ratio',
  'goal',
]);
const polling = await idle(1000, false);
const push = await idle(undefined);
row('CPU (share of one core)', `${fmt(push.cpu * 100, 2)} %`, `${fmt(polling.cpu * 100, 2)} %`, push.cpu / polling.cpu);
row('HTTP requests/s (all nodes)', fmt(push.rps, 2), fmt(polling.rps, 2), push.rps / polling.rps);
