/**
 * Submissions through HTTP: durable, signed, acknowledged entries per second, 32 concurrent clients (keep-alive;
 * BENCH_CLIENTS=32,128 measures each count in turn, interleaved: a server's capacity is measured at saturation),
 * against `detente node serve` in a child process. Each acknowledgement means: checked (schema, role, regime),
 * signed, verified, appended with its batch's signed checkpoint (SQLite, synchronous=FULL), inclusion proof
 * returned. Baseline in the same run: raw Ed25519 verifications per second on one core (node:crypto).
 * Goal: ours/limit ≥ 0.5 (Tessera reports ~2,900 entries/s).
 *
 * Two nodes, measured in turn, round by round (each round followed by a second of the baseline): the node in one
 * process (the default), and the node with BENCH_HTTP_WORKERS (default 1) HTTP acceptor processes
 * (`--http-workers`, api/acceptors.ts) that parse, check and sign submissions for the writer. BENCH_HTTP_WORKERS=0
 * measures the single process only. The node's CPU counts its acceptors'. BENCH_CLI_BEFORE=<another build's
 * dist/src/cli/main.js> adds that build's node in one process to the same rounds (a change against the code before it). Each round also gives the median and
 * 99th percentile of a submission's latency as its client saw it (with a closed loop, rate = clients / latency).
 *
 * A third node takes the same submissions BENCH_BATCH (default 16; 0: none) at a time, through POST
 * /api/submissions/batch: the per-request cost of HTTP (a read, a parse, the routing and a write of the answer for
 * each entry, on both the node and its clients) is then paid once a batch, and each entry still gets its own receipt
 * once durable. Its clients rotate over 512 users, as many clients of a regime's office would: the batch route
 * allows a user 12,000 / 64 = 187 batches a minute.
 * BENCH_NODE_CPUS and BENCH_CLIENT_CPUS put the nodes and this process (clients and baseline) on cores of their own
 * (pinClients).
 * Run: node dist/bench/submit.js [seconds] [rounds]
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BATCH_MAX } from '../src/api/http.js';
import { utf8 } from '../src/crypto/bytes.js';
import { randomSeed } from '../src/crypto/ed25519.js';
import { openLogDir } from '../src/log/log-dir.js';
import { readConfig, writeConfig } from '../src/node/config.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { fmt, header, mainThreadCpuOf, row, table } from './harness.js';
import { cpuSecondsOf, pinClients, postJson, serveNode, stopNode } from './http-node.js';
import { benchNode, CLI } from './node-setup.js';

const seconds = Number(process.argv[2] ?? 5);
/** Concurrent clients, one count or several (`32,128`): each measured in turn, in every round. */
const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '32').split(',').map(Number);
if (CLIENT_COUNTS.some((c) => !Number.isInteger(c) || c < 1))
  throw new Error('BENCH_CLIENTS: expected counts like 32,128');
const CLIENTS = Math.max(...CLIENT_COUNTS);
const ROUNDS = Number(process.argv[3] ?? 5);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_S ?? 3) * 1000;
const HTTP_WORKERS = Number(process.env.BENCH_HTTP_WORKERS ?? 1);
/** Another build's CLI (the code before a change): its node, in one process, measured in the same rounds. */
const BEFORE_CLI = process.env.BENCH_CLI_BEFORE;
/** Submissions a request for the batching node (0: no such node). */
const BATCH = Number(process.env.BENCH_BATCH ?? 16);
if (!Number.isInteger(BATCH) || BATCH < 0 || BATCH > BATCH_MAX)
  throw new Error(`BENCH_BATCH: expected 0 to ${BATCH_MAX}`);
/** Users of the batching node, each a client of the rate limits (src/api/http.ts: 187 batches a minute each). */
const BATCH_USERS = 512;

/** Raw Ed25519 verifications per wall second and per CPU second (the difference is what other load takes). */
function verifyRate(): { wall: number; cpu: number } {
  const seed = randomSeed();
  const pub = nodeSuite.ed25519.publicKey(seed);
  const msg = utf8(`detente/entry/v1\n${'x'.repeat(300)}`);
  const sig = nodeSuite.ed25519.sign(seed, msg);
  let n = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) nodeSuite.ed25519.verify(pub, msg, sig);
    n += 100;
  }
  const used = process.cpuUsage(cpu);
  return { wall: n, cpu: n / ((used.user + used.system) / 1e6) };
}

/** POSTs a submission; resolves with the status, or the error's code. */
async function post(agent: Agent, port: number, token: string, body: string): Promise<number | string> {
  const r = await postJson(agent, port, token, '/api/submissions', body, false);
  return typeof r === 'string' ? r : r.status;
}

/** POSTs a batch; resolves with each submission's status, or the request's status (or error code) if it failed. */
async function postBatch(agent: Agent, port: number, token: string, body: string): Promise<number[] | string> {
  const r = await postJson(agent, port, token, '/api/submissions/batch', body, true);
  if (typeof r === 'string') return r;
  if (r.status !== 200) return `batch ${r.status}`;
  return (JSON.parse(r.answer!) as { results: { status: number }[] }).results.map((x) => x.status);
}

interface Round {
  ours: number;
  perCpu: number;
  /** CPU of the node's event loop (its main thread) per acknowledged entry, µs. */
  loopPerEntry: number;
  limit: { wall: number; cpu: number };
  node: number;
  client: number;
  /** A submission's latency as its client saw it, median and 99th percentile (ms). */
  latency: { median: number; p99: number };
}

interface Node {
  name: string;
  dir: string;
  port: number;
  child: ChildProcess;
  tokens: string[];
  regime: { hash: string; regime: { id: string; version: string } };
  agent: Agent;
  /** Submissions a request: 1 through POST /api/submissions, more through POST /api/submissions/batch. */
  batch: number;
  /** Rounds by client count. */
  rounds: Map<number, Round[]>;
  perBatch: number;
}

/**
 * The node directory's maker of the build whose CLI is `cli`: another build (BENCH_CLI_BEFORE) may not read the
 * files this one writes (its store schema may be older), so its directory is made by its own bench/node-setup.js.
 */
async function benchNodeOf(cli: string): Promise<typeof benchNode> {
  const setup = join(dirname(cli), '..', '..', 'bench', 'node-setup.js');
  if (cli === CLI || !existsSync(setup)) return benchNode;
  return ((await import(pathToFileURL(setup).href)) as { benchNode: typeof benchNode }).benchNode;
}

/** A node directory with one user a client (a token is one client of the rate limits, as each member would be). */
async function startNode(
  name: string,
  httpWorkers: number,
  cli = process.env.BENCH_CLI ?? CLI,
  batch = 1,
): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'detente-bench-submit-'));
  const tokens: string[] = [];
  (await benchNodeOf(cli))(dir, 'us', batch > 1 ? Math.max(CLIENTS, BATCH_USERS) : CLIENTS, tokens);
  if (process.env.BENCH_MAX_DELAY_MS !== undefined) {
    const config = readConfig(dir);
    config.batch.maxDelayMs = Number(process.env.BENCH_MAX_DELAY_MS);
    writeConfig(dir, config);
  }
  const { child, port } = await serveNode(cli, dir, httpWorkers > 0 ? ['--http-workers', String(httpWorkers)] : []);
  const regime = await (await fetch(`http://127.0.0.1:${port}/api/regime`)).json();
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  return {
    name,
    dir,
    port,
    child,
    tokens,
    regime,
    agent,
    batch,
    rounds: new Map(CLIENT_COUNTS.map((c) => [c, []])),
    perBatch: 0,
  };
}

let ok = 0;
let seq = 0;
// Each entry its own issuedAt (a millisecond apart, going back from now): entries of the same body and time would
// be the same signed entry, refused 409 DUPLICATE_ENTRY.
const start = Date.now();
const statuses = new Map<string, number>();
let latencies: number[] = [];
const submission = (node: Node) => ({
  nonce: `bench-${process.pid}-${seq++}`,
  type: 'regime-signature',
  issuedAt: new Date(start - seq).toISOString(),
  body: { regime: node.regime.hash, id: node.regime.regime.id, version: node.regime.regime.version },
});
const refused = (node: Node, status: number | string) => {
  const key = `${status} (${node.name})`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
};

/** One client: submits until `until`, as the `tokens` in turn (one, but for a batching node). */
async function run(node: Node, tokens: string[], until: number) {
  for (let turn = 0; performance.now() < until; turn++) {
    const token = tokens[turn % tokens.length]!;
    const sent = performance.now();
    const answer =
      node.batch === 1
        ? [await post(node.agent, node.port, token, JSON.stringify(submission(node)))]
        : await postBatch(
            node.agent,
            node.port,
            token,
            JSON.stringify({ submissions: Array.from({ length: node.batch }, () => submission(node)) }),
          );
    latencies.push(performance.now() - sent);
    if (typeof answer === 'string') refused(node, answer);
    else for (const status of answer) status === 201 ? ok++ : refused(node, status);
  }
}

/** The tokens of each of `clients` clients: one each, or for a batching node every `clients`-th of its users. */
const tokensOf = (node: Node, clients: number): string[][] =>
  Array.from({ length: clients }, (_, c) =>
    node.batch === 1 ? [node.tokens[c]!] : node.tokens.filter((_, i) => i % clients === c),
  );

async function round(node: Node, clients: number): Promise<void> {
  ok = 0;
  latencies = [];
  const clientCpuBefore = process.cpuUsage();
  const nodeCpuBefore = cpuSecondsOf(node.child.pid!);
  const loopCpuBefore = mainThreadCpuOf(node.child.pid!);
  const started = performance.now();
  await Promise.all(tokensOf(node, clients).map((t) => run(node, t, started + seconds * 1000)));
  const elapsed = (performance.now() - started) / 1000;
  const nodeCpu = cpuSecondsOf(node.child.pid!) - nodeCpuBefore;
  const loopCpu = mainThreadCpuOf(node.child.pid!) - loopCpuBefore;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const sorted = latencies.sort((x, y) => x - y);
  const latency = {
    median: sorted[Math.floor(sorted.length / 2)] ?? 0,
    p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
  };
  node.rounds.get(clients)!.push({
    ours: ok / elapsed,
    perCpu: ok / nodeCpu,
    loopPerEntry: (loopCpu * 1e6) / Math.max(1, ok),
    limit: verifyRate(),
    node: nodeCpu / elapsed,
    client: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
    latency,
  });
}

async function stop(node: Node): Promise<void> {
  node.agent.destroy();
  await stopNode(node.child);
  // One checkpoint a batch: how many entries each fsync carried.
  const log = openLogDir(join(node.dir, 'log'), nodeSuite, { readonly: true });
  node.perBatch = (log.store.head()?.size ?? 0) / Math.max(1, log.store.checkpointRecords().length - 1);
  log.close();
}

const pinned = pinClients();
const nodes: Node[] = [];
try {
  nodes.push(await startNode('one process', 0));
  if (BEFORE_CLI) nodes.push(await startNode('one process (before)', 0, BEFORE_CLI));
  if (HTTP_WORKERS > 0)
    nodes.push(await startNode(`${HTTP_WORKERS} HTTP acceptor${HTTP_WORKERS > 1 ? 's' : ''}`, HTTP_WORKERS));
  if (BATCH > 1) nodes.push(await startNode(`one process, batches of ${BATCH}`, 0, undefined, BATCH));
  // Warm-up (the node's code compiled, its caches filled: with 1 s the first round was the slowest of every run on a
  // loaded machine), then rounds that interleave the measurements, so that all see the same machine.
  for (const node of nodes) {
    const until = performance.now() + WARMUP_MS;
    await Promise.all(tokensOf(node, CLIENTS).map((t) => run(node, t, until)));
  }
  for (let r = 0; r < ROUNDS; r++) for (const node of nodes) for (const c of CLIENT_COUNTS) await round(node, c);
  for (const node of nodes) await stop(node);
  header(
    `Submissions through HTTP (${CLIENT_COUNTS.join(' and ')} clients, ${ROUNDS} rounds of ${seconds} s a node and count, nodes in child processes, rounds interleaved)`,
  );
  if (pinned) console.log(pinned);
  table(['what (the median round by ratio)', 'ours', 'baseline', 'ours/baseline', 'goal']);
  const medianOf = (rounds: Round[]) =>
    [...rounds].sort((x, y) => x.ours / x.limit.wall - y.ours / y.limit.wall)[Math.floor(rounds.length / 2)]!;
  const label = (node: Node, c: number) =>
    CLIENT_COUNTS.length > 1 || c !== 32 ? `${node.name}, ${c} clients` : node.name;
  for (const c of CLIENT_COUNTS) {
    for (const node of nodes) {
      const mid = medianOf(node.rounds.get(c)!);
      row(
        `${label(node, c)}: acknowledged entries/s vs raw Ed25519 verify/s`,
        `${fmt(mid.ours)}/s`,
        `${fmt(mid.limit.wall)}/s`,
        mid.ours / mid.limit.wall,
        '≥ 0.5',
      );
      row(
        `${label(node, c)}: entries per CPU second of the node vs verifies per CPU second`,
        `${fmt(mid.perCpu)}/s`,
        `${fmt(mid.limit.cpu)}/s`,
        mid.perCpu / mid.limit.cpu,
        '',
      );
    }
    const a = medianOf(nodes[0]!.rounds.get(c)!);
    for (const other of nodes.slice(1)) {
      const b = medianOf(other.rounds.get(c)!);
      row(
        `${label(other, c)} vs one process, acknowledged entries/s`,
        `${fmt(b.ours)}/s`,
        `${fmt(a.ours)}/s`,
        b.ours / a.ours,
        '',
      );
    }
  }
  for (const c of CLIENT_COUNTS) {
    for (const node of nodes) {
      const rounds = node.rounds.get(c)!;
      const mid = medianOf(rounds);
      console.log(
        `${label(node, c)}: every round (ours/limit): ${rounds.map((x) => `${fmt(x.ours)}/${fmt(x.limit.wall)} = ${(x.ours / x.limit.wall).toFixed(2)}`).join('; ')}`,
      );
      console.log(
        `${label(node, c)}: median round: node ${fmt(100 * mid.node)}% of a core, the ${c} clients ${fmt(100 * mid.client)}% (2 cores in all); ${node.batch > 1 ? `a batch's latency` : 'latency'} median ${fmt(mid.latency.median, 1)} ms, p99 ${fmt(mid.latency.p99, 1)} ms; the writer's event loop ${rounds.map((x) => fmt(x.loopPerEntry)).join(', ')} µs of CPU an entry (every round)`,
      );
    }
  }
  for (const node of nodes)
    console.log(`${node.name}: ${fmt(node.perBatch, 1)} entries a checkpoint (one transaction, one fsync), all rounds`);
  console.log(
    `refused or failed: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ') || 0}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; Tessera reports ~2,900 entries/s`,
  );
} finally {
  for (const node of nodes) {
    if (node.child.exitCode === null) node.child.kill('SIGTERM');
    rmSync(node.dir, { recursive: true, force: true });
  }
}
