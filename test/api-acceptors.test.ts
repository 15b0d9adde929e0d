/**
 * `--http-workers`: the node behind acceptor processes (api/acceptors.ts) answers as the single process does, over
 * real HTTP on loopback: the same status and the same bytes for every refused submission (nothing stored), the same
 * answers for the routes passed through, and a receipt whose inclusion proof verifies for an accepted entry.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWithAcceptors } from '../src/api/acceptors.js';
import { buildServer } from '../src/api/server.js';
import { fromBase64 } from '../src/crypto/bytes.js';
import { PartyNode } from '../src/node/node.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { verifyInclusion } from '../src/tlog/inclusion.js';
import { CLI, detente } from './helpers/cli.js';
import { addUser, freePort, initNodes, nonce, submit, suite } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-api-acceptors-');

interface Call {
  name: string;
  method?: string;
  path?: string;
  token?: string;
  contentType?: string;
  body: string;
}

interface Answer {
  status: number;
  body: string;
  cacheControl: string | null;
  /** The server's keep-alive deadline, as announced (the acceptors' must be the node's). */
  keepAlive: string | null;
}

async function call(url: string, c: Call): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': c.contentType ?? 'application/json' };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  const res = await fetch(`${url}${c.path ?? '/api/submissions'}`, {
    method: c.method ?? 'POST',
    headers,
    ...(c.method === 'GET' ? {} : { body: c.body }),
  });
  // The issuedAt window is the node's clock at the time of the request: the one part that differs between two runs.
  const body = (await res.text()).replace(/window \([^)]*\)/, 'window (…)');
  return {
    status: res.status,
    body,
    cacheControl: res.headers.get('cache-control'),
    keepAlive: res.headers.get('keep-alive'),
  };
}

describe('a node with HTTP acceptor processes answers as the single process does', () => {
  let dir: string;
  let alice: string;
  let ivan: string;
  const single: Answer[] = [];
  let calls: Call[];
  let node: PartyNode;
  let pool: Awaited<ReturnType<typeof serveWithAcceptors>>;
  let url: string;

  beforeAll(async () => {
    dir = initNodes(tmp, ['us']).get('us')!;
    alice = addUser(dir, 'us', 'alice', ['declarant']);
    ivan = addUser(dir, 'us', 'ivan', ['inspector']);
    // The single process: one entry accepted, then every refusal recorded.
    node = PartyNode.open(dir);
    const regimeBody = { regime: node.regimeHash, id: node.regime.id, version: node.regime.version };
    const issuedAt = new Date(Date.now() - 60_000).toISOString();
    const first = { nonce: 'first-entry-nonce', type: 'regime-signature', issuedAt, body: regimeBody };
    const sub = (fields: object, token = alice) => ({
      token,
      body: JSON.stringify({ nonce: nonce(), type: 'regime-signature', body: regimeBody, ...fields }),
    });
    calls = [
      { name: 'no token', body: JSON.stringify(first) },
      { name: 'unknown token', token: 'dt_nobody', body: JSON.stringify(first) },
      { name: 'nonce replayed', token: alice, body: JSON.stringify(first) },
      { name: 'the same entry under another nonce', ...sub({ issuedAt }) },
      { name: 'nonce too short', ...sub({ nonce: 'short' }) },
      { name: 'unknown type', ...sub({ type: 'wish' }) },
      { name: 'a type the node makes', ...sub({ type: 'sealed' }) },
      { name: 'role the user lacks', ...sub({}, ivan) },
      { name: "another party's key", ...sub({ key: 'ru-declarant' }) },
      { name: 'a key without the role', ...sub({ key: 'us-inspector' }) },
      { name: 'another party', ...sub({ party: 'ru' }) },
      { name: 'body against the schema', ...sub({ body: { regime: 'not a hash' } }) },
      { name: 'issuedAt out of the window', ...sub({ issuedAt: '2001-01-01T00:00:00.000Z' }) },
      { name: 'no nonce (request schema)', token: alice, body: JSON.stringify({ type: 'regime-signature', body: {} }) },
      { name: 'malformed JSON', token: alice, body: '{"nonce": ' },
      { name: 'not UTF-8', token: alice, contentType: 'application/json; charset=latin1', body: '{}' },
      { name: 'body over the limit', ...sub({ padding: 'x'.repeat(300 * 1024) }) },
      { name: 'passed through: the regime', method: 'GET', path: '/api/regime', body: '' },
      { name: 'passed through: no such route', method: 'GET', path: '/api/nothing-here', body: '' },
      { name: 'passed through: a refused entry read', method: 'GET', path: '/api/entries/x/y', body: '' },
      {
        name: 'passed through: the first entry',
        method: 'GET',
        path: `/api/entries/${encodeURIComponent(node.log.store.origin)}/0`,
        body: '',
      },
      {
        name: 'passed through: a batch whose one submission is a replay',
        path: '/api/submissions/batch',
        token: alice,
        body: JSON.stringify({ submissions: [first] }),
      },
    ];
    const port = await freePort();
    const app = await buildServer(node);
    await app.listen({ port, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    expect((await call(base, { name: 'first', token: alice, body: JSON.stringify(first) })).status).toBe(201);
    for (const c of calls) single.push(await call(base, c));
    await app.close();
    await node.close();

    node = PartyNode.open(dir);
    pool = await serveWithAcceptors(node, { port: 0, host: '127.0.0.1', workers: 2 });
    url = `http://127.0.0.1:${pool.port}`;
  });

  afterAll(async () => {
    await pool?.close();
    await node?.close();
  });

  it('refuses every bad submission with the same status and bytes, and stores nothing', async () => {
    expect(single.filter((a) => a.status >= 400 && !a.body.includes('"error"'))).toEqual([]);
    expect(single[0]!.keepAlive).toBe('timeout=72');
    const size = node.log.store.head()!.size;
    expect(size).toBe(1);
    for (const [i, c] of calls.entries()) {
      const answer = await call(url, c);
      expect(answer, c.name).toEqual(single[i]);
    }
    expect(node.log.store.head()!.size).toBe(size);
    // Every refusal above is a refusal, with the codes the single process gives.
    const codes = single.map((a) => (a.status >= 400 ? JSON.parse(a.body).error.code : a.status));
    expect(codes).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'REPLAYED',
      'DUPLICATE_ENTRY',
      'SCHEMA_INVALID',
      'SCHEMA_INVALID',
      'SCHEMA_INVALID',
      'ROLE_DENIED',
      'KEY_UNKNOWN',
      'ROLE_DENIED',
      'PARTY_DENIED',
      'SCHEMA_INVALID',
      'ISSUED_AT_IMPLAUSIBLE',
      'SCHEMA_INVALID',
      'MALFORMED_REQUEST',
      'UNSUPPORTED_MEDIA_TYPE',
      'BODY_TOO_LARGE',
      200,
      'NOT_FOUND',
      'MALFORMED_REQUEST',
      200,
      200,
    ]);
    expect(JSON.parse(single.at(-1)!.body).results[0].error.code).toBe('REPLAYED');
  });

  it('accepts submissions on every acceptor, each answered with a receipt whose proof verifies', async () => {
    const before = node.log.store.head()!.size;
    const used = node.acceptedEntries.used;
    const body = { regime: node.regimeHash, id: node.regime.id, version: node.regime.version };
    const t0 = Date.now() - 1000;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(url, {
          name: `entry ${i}`,
          token: alice,
          body: JSON.stringify({
            nonce: nonce(),
            type: 'regime-signature',
            issuedAt: new Date(t0 - i).toISOString(),
            body,
          }),
        }),
      ),
    );
    const hasher = new Rfc6962Hasher(suite.sha256);
    const indexes = new Set<number>();
    for (const a of answers) {
      expect(a.status, a.body).toBe(201);
      expect(a.cacheControl).toBe('no-store');
      const receipt = JSON.parse(a.body);
      indexes.add(receipt.index);
      const leaf = node.log.store.entry(receipt.index)!;
      expect(receipt.leafHash).toBe(Buffer.from(hasher.hashLeaf(leaf)).toString('hex'));
      const root = fromBase64(receipt.checkpoint.split('\n')[2]);
      verifyInclusion(
        hasher,
        receipt.index,
        receipt.size,
        hasher.hashLeaf(leaf),
        receipt.proof.map((p: string) => fromBase64(p)),
        root,
      );
    }
    expect([...indexes].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => before + i));
    // Each was prepared and signed once, by an acceptor: the writer took the entry as it was handed over.
    expect(node.acceptedEntries.used - used).toBe(12);
    // The writer's reads see them at once, through the acceptors.
    const res = await fetch(`${url}/api/entries/${encodeURIComponent(node.log.store.origin)}/${before + 11}`);
    expect(res.status).toBe(200);
  });
});

describe('detente node serve --http-workers', () => {
  it('refuses a count out of range before opening anything', () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    for (const n of ['0', '65', 'two']) {
      const r = detente(['node', 'serve', '--dir', dir, '--http-workers', n]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`--http-workers`);
    }
  });

  it('serves submissions through its acceptors and stops them all on SIGTERM', async () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    const token = addUser(dir, 'us', 'alice', ['declarant']);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [CLI, 'node', 'serve', '--dir', dir, '--port', String(port), '--quiet', '--http-workers', '2'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c;
        if (out.includes('listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening`)));
    });
    expect(out).toContain('(2 HTTP acceptor processes)');
    const url = `http://127.0.0.1:${port}`;
    const regime = await (await fetch(`${url}/api/regime`)).json();
    const body = {
      nonce: nonce(),
      type: 'regime-signature',
      body: { regime: regime.hash, id: regime.regime.id, version: regime.regime.version },
    };
    const first = await submit(url, token, body);
    expect(first.status).toBe(201);
    expect(first.json.index).toBe(0);
    expect((await submit(url, token, body)).json.error.code).toBe('REPLAYED');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
