/**
 * Submissions through HTTP: durable, signed, acknowledged entries per second, 32 concurrent clients (keep-alive),
 * against `detente node serve` in a child process. Each acknowledgement means: checked (schema, role, regime),
 * signed, verified, appended with its batch's signed checkpoint (SQLite, synchronous=FULL), inclusion proof
 * returned. Baseline in the same run: raw Ed25519 verifications per second on one core (node:crypto).
 * Goal: ours/limit ≥ 0.5 (Tessera reports ~2,900 entries/s). Run: node dist/bench/submit.js [seconds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../src/crypto/bytes.js';
import { randomSeed } from '../src/crypto/ed25519.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { fmt, header, row, table } from './harness.js';
import { benchNode, CLI } from './node-setup.js';

const seconds = Number(process.argv[2] ?? 5);
const CLIENTS = 32;

function verifyRate(): number {
  const seed = randomSeed();
  const pub = nodeSuite.ed25519.publicKey(seed);
  const msg = utf8(`detente/entry/v1\n${'x'.repeat(300)}`);
  const sig = nodeSuite.ed25519.sign(seed, msg);
  let n = 0;
  const end = performance.now() + 2000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) nodeSuite.ed25519.verify(pub, msg, sig);
    n += 100;
  }
  return n / 2;
}

function post(agent: Agent, port: number, token: string, body: string): Promise<number> {
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
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'detente-bench-submit-'));
try {
  const token = benchNode(dir);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'] : []),
      CLI,
      'node',
      'serve',
      '--dir',
      dir,
      '--port',
      String(port),
      '--quiet',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('listening') && resolve()),
  );
  const regime = await (await fetch(`http://127.0.0.1:${port}/api/regime`)).json();
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  let ok = 0;
  let other = 0;
  let seq = 0;
  const run = async (until: number) => {
    while (performance.now() < until) {
      const body = JSON.stringify({
        nonce: `bench-${process.pid}-${seq++}`,
        type: 'regime-signature',
        body: { regime: regime.hash, id: regime.regime.id, version: regime.regime.version },
      });
      if ((await post(agent, port, token, body)) === 201) ok++;
      else other++;
    }
  };
  // Warm-up, then measure.
  await Promise.all(Array.from({ length: CLIENTS }, () => run(performance.now() + 1000)));
  ok = 0;
  other = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => run(started + seconds * 1000)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const ours = ok / elapsed;
  const limit = verifyRate();
  header(`Submissions through HTTP (${CLIENTS} clients, ${seconds} s, node in a child process)`);
  table(['what', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row('acknowledged entries/s vs raw Ed25519 verify/s', `${fmt(ours)}/s`, `${fmt(limit)}/s`, ours / limit, '≥ 0.5');
  console.log(`refused or failed: ${other}; Tessera reports ~2,900 entries/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
