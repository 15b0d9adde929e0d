/**
 * Tile reads: requests per second for a full hash tile from a node (the whole server: routing, the tiles plugin's
 * cache, headers) vs a bare Fastify serving the same bytes from memory, 32 keep-alive clients, each server in
 * the same process as its load (same conditions for both). Goal: ours/bare ≥ 0.7.
 * Run: node dist/bench/tiles-read.js [seconds]
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

async function load(app: FastifyInstance, path: string): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  let n = 0;
  const run = async (until: number) => {
    while (performance.now() < until) {
      if ((await get(agent, port, path)) !== 200) throw new Error(`${path}: not 200`);
      n++;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => run(performance.now() + 500)));
  n = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => run(started + seconds * 1000)));
  const rate = n / ((performance.now() - started) / 1000);
  agent.destroy();
  await app.close();
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
  const ours = await load(await buildServer(node), path);
  const bare = Fastify({ logger: false });
  bare.get('/logs/us/tile/0/000', (_req, reply) => {
    reply.header('content-type', 'application/octet-stream').send(tile);
  });
  const baseline = await load(bare, path);
  await node.close();
  header(`Tile reads (${CLIENTS} keep-alive clients, ${seconds} s, full 8 KiB tile)`);
  table(['what', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row(
    'node tiles requests/s vs bare Fastify from memory',
    `${fmt(ours)}/s`,
    `${fmt(baseline)}/s`,
    ours / baseline,
    '≥ 0.7',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
