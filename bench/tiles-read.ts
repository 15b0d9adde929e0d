/**
 * Tile reads: requests per second for a full hash tile from a node (the whole server: routing, the tiles plugin's
 * cache, headers) vs a bare Fastify serving the same bytes from memory, 32 keep-alive clients, each server in
 * the same process as its load (same conditions for both). Goal: ours/bare ≥ 0.7.
 * Run: node dist/bench/tiles-read.js [seconds] [rounds]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildServer } from '../src/api/server.js';
import { utf8 } from '../src/crypto/bytes.js';
import { PartyNode } from '../src/node/node.js';
import { fmt, header, row, table } from './harness.js';
import { benchNode } from './node-setup.js';

const seconds = Number(process.argv[2] ?? 3);
const CLIENTS = 32;
const ROUNDS = Number(process.argv[3] ?? 5);

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

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/** GET requests per second on `path` from CLIENTS keep-alive clients, after a short warm-up. */
async function measure(port: number, path: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  let n = 0;
  const run = async (until: number) => {
    while (performance.now() < until) {
      if ((await get(agent, port, path)) !== 200) throw new Error(`${path}: not 200`);
      n++;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => run(performance.now() + 300)));
  n = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => run(started + seconds * 1000)));
  const rate = n / ((performance.now() - started) / 1000);
  agent.destroy();
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'detente-bench-tiles-'));
try {
  benchNode(dir);
  const node = PartyNode.open(dir);
  // 300 leaves: the log must hold a full tile. The bytes need not be entries for a tile read.
  node.writer.append(Array.from({ length: 300 }, (_, i) => utf8(`entry ${i}`)));
  const path = '/logs/us/tile/0/000';
  const tile = Buffer.from(node.log.store.tile(0, 0)!.subarray(0, 256 * 32));
  const app = await buildServer(node);
  const bare = Fastify({ logger: false });
  bare.get('/logs/us/tile/0/000', (_req, reply) => {
    reply.header('content-type', 'application/octet-stream').send(tile);
  });
  const [oursPort, barePort] = [await listen(app), await listen(bare)];
  // Rounds alternate the two servers, so that both see the same machine; the median round by ratio is reported.
  const rounds: { ours: number; baseline: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push({ ours: await measure(oursPort, path), baseline: await measure(barePort, path) });
  }
  await app.close();
  await bare.close();
  await node.close();
  const mid = [...rounds].sort((x, y) => x.ours / x.baseline - y.ours / y.baseline)[Math.floor(ROUNDS / 2)]!;
  header(`Tile reads (${CLIENTS} keep-alive clients, ${ROUNDS} rounds of ${seconds} s each, full 8 KiB tile)`);
  table(['what (the median round by ratio)', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row(
    'node tiles requests/s vs bare Fastify from memory',
    `${fmt(mid.ours)}/s`,
    `${fmt(mid.baseline)}/s`,
    mid.ours / mid.baseline,
    '≥ 0.7',
  );
  console.log(`every round: ${rounds.map((x) => (x.ours / x.baseline).toFixed(2)).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
