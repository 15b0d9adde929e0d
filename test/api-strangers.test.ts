/**
 * What a stranger can reach on a node (red team L1, L2, L3, L7, L8, M4 and the rate limits): real nodes, real
 * SQLite files, real HTTP and raw sockets on loopback.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ServerOptions } from '../src/api/server.js';
import { openLogDir } from '../src/log/log-dir.js';
import { PartyNode } from '../src/node/node.js';
import { raw } from './helpers/logs.js';
import { addUser, initNodes, regimeSignature, submit, suite } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-strangers-');

interface Served {
  node: PartyNode;
  app: FastifyInstance;
  url: string;
  port: number;
  logged: string[];
  close(): Promise<void>;
}

/** A node of `us` with a peer `ru` that is never there, served with these options. */
async function serve(dir: string, options: ServerOptions = {}): Promise<Served> {
  const logged: string[] = [];
  const node = PartyNode.open(dir, {
    peers: [{ party: 'ru', url: 'http://127.0.0.1:9/secret-peer-path' }],
    timeoutMs: 500,
    logger: (level, message) => logged.push(`${level} ${message}`),
  });
  const app = await buildServer(node, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    node,
    app,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    logged,
    async close() {
      await app.close();
      await node.close();
    },
  };
}

/** Resolves when the server closes the socket (what a stalled client is owed); collects what it was sent. */
function closed(socket: Socket): Promise<string> {
  let got = '';
  socket.on('data', (d) => {
    got += d.toString('latin1');
  });
  return new Promise((resolve) => socket.on('close', () => resolve(got)));
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

describe('a node against strangers', () => {
  let dirs: Map<string, string>;
  let token: string;
  let n: Served;

  beforeAll(async () => {
    dirs = initNodes(tmp, ['us', 'ru']);
    token = addUser(dirs.get('us')!, 'us', 'alice', ['declarant', 'inspector']);
    n = await serve(dirs.get('us')!, {
      timeouts: { requestMs: 1500, headersMs: 1500, idleMs: 1500, keepAliveMs: 500 },
      rateLimits: { expensive: 40, witness: 3 },
    });
    const { status } = await submit(n.url, token, regimeSignature(n.node));
    expect(status).toBe(201);
  });

  afterAll(async () => {
    await n.close();
  });

  it('L1: asOf is read strictly, in range, and never answers 500', async () => {
    for (const bad of [
      '-271821-04-20T00:00:00Z',
      '0',
      '1',
      '2022-02-30',
      '2022-02-28T24:00:00Z',
      '2022-02-28T12:00:00+25:00',
      '1969-12-31',
      '+275760-09-13T00:00:00Z',
      'now',
    ]) {
      const res = await fetch(`${n.url}/api/state?asOf=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect((await res.json()).error.code, bad).toBe('BAD_INPUT');
    }
    const repeated = await fetch(`${n.url}/api/findings?asOf=2022-01-01&asOf=2023-01-01`);
    expect(repeated.status).toBe(400);
    for (const good of ['1970-01-01', '9999-12-31', '2024-02-29', '2026-01-01T12:00:00+02:00']) {
      const res = await fetch(`${n.url}/api/state?asOf=${encodeURIComponent(good)}`);
      expect(res.status, good).toBe(200);
    }
    const end = await (await fetch(`${n.url}/api/state?asOf=2022-03-31`)).json();
    expect(end.asOf).toBe('2022-03-31T23:59:59.999Z');
  });

  it('L7: a blob naming a category the regime lacks is refused and not stored', async () => {
    const item = { uid: 'x-1', category: 'no-such-category', site: 'nowhere', status: 'deployed' };
    const res = await fetch(`${n.url}/api/blobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([item]),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.path).toBe('$[0].category');
    const sha = Buffer.from(suite.sha256(Buffer.from(JSON.stringify([item])))).toString('hex');
    expect((await fetch(`${n.url}/api/blobs/${sha}`)).status).toBe(404);
  });

  it('L8: our error body for bad percent-encoding, strict UTF-8 JSON, a case-insensitive Bearer', async () => {
    const bad = await raw(n.port, 'GET', '/logs/us/tile/%zz');
    expect(bad.status).toBe(400);
    expect(JSON.parse(Buffer.from(bad.body).toString()).error.code).toBe('MALFORMED_REQUEST');

    const post = (body: Uint8Array | string, contentType: string) =>
      raw(n.port, 'POST', '/api/submissions', body, {
        authorization: `bearer ${token}`,
        'content-type': contentType,
      });
    const good = JSON.stringify(regimeSignature(n.node));
    const utf16 = await post(Buffer.from(good, 'utf16le'), 'application/json; charset=utf-16');
    expect(utf16.status).toBe(415);
    const invalid = Buffer.concat([Buffer.from('{"nonce":"'), Buffer.from([0xff, 0xfe]), Buffer.from('x"}')]);
    const notUtf8 = await post(invalid, 'application/json');
    expect(notUtf8.status).toBe(400);
    expect(JSON.parse(Buffer.from(notUtf8.body).toString()).error.code).toBe('MALFORMED_REQUEST');
    // Lowercase scheme and an explicit utf-8 charset: accepted.
    const ok = await post(good, 'application/json; charset=UTF-8');
    expect(ok.status, Buffer.from(ok.body).toString()).toBe(201);
  });

  it('L8: /api/health without a token names no peer URL and no raw error', async () => {
    await n.node.syncMirror('ru'); // fails: nothing listens there
    const open = await (await fetch(`${n.url}/api/health`)).json();
    const text = JSON.stringify(open);
    expect(text).not.toContain('secret-peer-path');
    expect(text).not.toContain('127.0.0.1');
    expect(open.mirrors[0]).toMatchObject({ party: 'ru', failing: true });
    const mine = await (await fetch(`${n.url}/api/health`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(mine.mirrors[0].lastError).toEqual(expect.any(String));
  });

  it('rate limits: strangers get 429 with our body on expensive routes and the witness; a token holder does not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await fetch(`${n.url}/api/entries?limit=1`)).status);
    // 40 a minute for this address (the L1 test above spent some): then 429s, never anything else.
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.indexOf(429)).toBeGreaterThan(0);
    expect(statuses.slice(statuses.indexOf(429)).every((s) => s === 429)).toBe(true);
    const limited = await fetch(`${n.url}/api/state`);
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    const withToken = await fetch(`${n.url}/api/state`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
    // Tiles stay open to strangers (peers mirror through them).
    expect((await fetch(`${n.url}/logs/us/checkpoint`)).status).toBe(200);

    const witness: number[] = [];
    for (let i = 0; i < 5; i++) {
      witness.push((await fetch(`${n.url}/logs/ru/add-checkpoint`, { method: 'POST', body: 'junk' })).status);
    }
    expect(witness.slice(0, 3).every((s) => s !== 429)).toBe(true);
    expect(witness.slice(3)).toEqual([429, 429]);
  });

  it('M4: a request whose body never comes, or trickles, is closed by the server', async () => {
    const idle = await open(n.port);
    const idleClosed = closed(idle);
    idle.write('POST /logs/ru/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const trickle = await open(n.port);
    const trickleClosed = closed(trickle);
    trickle.write(
      'POST /api/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const timer = setInterval(() => trickle.writable && trickle.write(' '), 200);
    const headers = await open(n.port);
    const headersClosed = closed(headers);
    headers.write('GET /logs HTTP/1.1\r\nHost: x\r\n');
    const tick = setInterval(() => headers.writable && headers.write('X-A: b\r\n'), 200);
    try {
      await Promise.all([idleClosed, trickleClosed, headersClosed]);
    } finally {
      clearInterval(timer);
      clearInterval(tick);
    }
    // The node still serves.
    expect((await fetch(`${n.url}/logs`)).status).toBe(200);
  });
});

describe('a node whose store is broken', () => {
  it("L2: an entry that no longer decodes is 500 STORE_CORRUPT (not the client's fault), and health says so", async () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    // What a flipped byte in the entries table leaves: a leaf that is not an entry, under a valid checkpoint.
    const log = openLogDir(join(dir, 'log'), suite);
    const { logWriter } = await import('../src/log/log-dir.js');
    logWriter(log, suite).append([new TextEncoder().encode('not an entry')]);
    log.close();
    const n = await serve(dir);
    try {
      for (const path of ['/api/state', '/api/findings', '/api/entries', `/api/entries/${n.node.party.origin}/0`]) {
        const res = await fetch(`${n.url}${path}`);
        expect(res.status, path).toBe(500);
        expect((await res.json()).error.code, path).toBe('STORE_CORRUPT');
      }
      const health = await (await fetch(`${n.url}/api/health`)).json();
      expect(health).toMatchObject({ ok: false, store: 'corrupt' });
      expect(n.logged.some((l) => l.startsWith('error') && l.includes('corrupt'))).toBe(true);
    } finally {
      await n.close();
    }
  });

  it('L3: a full disk answers 507 STORE_FULL and is logged by the node, even with the server logger off', async () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    // A real SQLite "database or disk is full" (SQLITE_FULL), from a database capped at its current size: what the
    // log's own write raises when the disk fills (mounting a small filesystem needs privileges tests lack).
    const full = new Database(':memory:');
    full.exec('CREATE TABLE t (x BLOB)');
    full.pragma('max_page_count = 2');
    const n = await serve(dir, {
      extend: (app) => {
        app.post('/test/write', () => {
          full.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(65536));
          return {};
        });
      },
    });
    try {
      const res = await fetch(`${n.url}/test/write`, { method: 'POST' });
      expect(res.status).toBe(507);
      expect((await res.json()).error.code).toBe('STORE_FULL');
      expect(n.logged.some((l) => l.startsWith('error') && l.includes('disk is full'))).toBe(true);
    } finally {
      await n.close();
      full.close();
    }
  });
});
