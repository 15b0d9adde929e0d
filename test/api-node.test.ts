import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { partyLog, signedEntry } from './helpers/fake-peer.js';
import { listen, raw } from './helpers/logs.js';
import {
  addUser,
  freePort,
  initNodes,
  nonce,
  type RunningNode,
  regimeSignature,
  startNode,
  submit,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-api-node-');

describe('the node API refuses what it must, stores nothing, and keeps serving', () => {
  let us: RunningNode;
  let declarant: string;
  let inspector: string;
  const fake = Fastify({ logger: false, forceCloseConnections: true });
  let ruDir: string;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    ruDir = dirs.get('ru')!;
    declarant = addUser(dirs.get('us')!, 'us', 'alice', ['declarant']);
    inspector = addUser(dirs.get('us')!, 'us', 'ivan', ['inspector']);
    // A "ru" peer whose log holds one good entry and one with a forged signature, both under ru's real log key.
    const port = await freePort();
    const node0 = await startNode(dirs.get('us')!, port, [], false);
    const regime = node0.node.regime;
    const hash = node0.node.regimeHash;
    await node0.close();
    const ru = partyLog(ruDir, 'ru', 'detente.example/ru', 'forged.sqlite');
    ru.writer.append([signedEntry(ruDir, 'ru', regime, hash, 1), signedEntry(ruDir, 'ru', regime, hash, 2, true)]);
    const vkey = readFileSync(join(ruDir, 'log', 'log.vkey'), 'utf8').trim();
    await fake.register(tilesPlugin, { logs: [{ prefix: '/logs/ru', store: ru.store, vkey }] });
    const { base } = await listen(fake);
    us = await startNode(dirs.get('us')!, port, [{ party: 'ru', url: base }], false);
  });

  afterAll(async () => {
    await us.close();
    await fake.close();
  });

  const size = () => us.node.log.store.head()!.size;

  async function expectRefused(status: number, code: string, send: () => Promise<{ status: number; json: any }>) {
    const before = size();
    const res = await send();
    expect(res.status, JSON.stringify(res.json)).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message.length).toBeGreaterThan(10);
    expect(size()).toBe(before);
    expect((await fetch(`${us.url}/api/health`)).status).toBe(200);
    return res.json;
  }

  it('accepts a good submission and says who the user is', async () => {
    const ok = await submit(us.url, declarant, regimeSignature(us.node));
    expect(ok.status).toBe(201);
    const me = await (await fetch(`${us.url}/api/me`, { headers: { authorization: `Bearer ${declarant}` } })).json();
    expect(me).toEqual({ user: 'alice', party: 'us', roles: ['declarant'] });
  });

  it('401 without a token or with an unknown one', async () => {
    await expectRefused(401, 'UNAUTHENTICATED', () => submit(us.url, 'dt_nope', regimeSignature(us.node)));
    const res = await fetch(`${us.url}/api/submissions`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });

  it('403 for a user without the role, or acting as another party', async () => {
    const e = await expectRefused(403, 'ROLE_DENIED', () => submit(us.url, inspector, regimeSignature(us.node)));
    expect(e.error.message).toContain('declarant');
    await expectRefused(403, 'ROLE_DENIED', () =>
      submit(us.url, declarant, {
        nonce: nonce(),
        type: 'inspection-request',
        body: { inspection: 'x', host: 'ru', site: 'y', arrival: '2022-02-01T00:00:00Z' },
      }),
    );
    await expectRefused(403, 'PARTY_DENIED', () =>
      submit(us.url, declarant, { ...regimeSignature(us.node), party: 'ru' }),
    );
    // The model's codes and words (NEWCOMER m17): another party's key, a key not in the regime, a key without the role.
    const other = await expectRefused(403, 'KEY_UNKNOWN', () =>
      submit(us.url, declarant, { ...regimeSignature(us.node), key: 'ru-declarant' }),
    );
    expect(other.error.message).toBe('key "ru-declarant" belongs to "ru", not "us"');
    await expectRefused(403, 'KEY_UNKNOWN', () =>
      submit(us.url, declarant, { ...regimeSignature(us.node), key: 'nobody' }),
    );
    const lacking = await expectRefused(403, 'ROLE_DENIED', () =>
      submit(us.url, declarant, { ...regimeSignature(us.node), key: 'us-inspector' }),
    );
    expect(lacking.error.path).toBe('$.key');
  });

  it('409 for a replayed nonce', async () => {
    const sub = regimeSignature(us.node);
    expect((await submit(us.url, declarant, sub)).status).toBe(201);
    const e = await expectRefused(409, 'REPLAYED', () => submit(us.url, declarant, sub));
    expect(e.error.path).toBe('$.nonce');
    // Two at once with one nonce: exactly one wins.
    const twin = regimeSignature(us.node);
    const [a, b] = await Promise.all([submit(us.url, declarant, twin), submit(us.url, declarant, twin)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
  });

  it('400 with the path for a schema error, 422 for an unknown reference', async () => {
    const e = await expectRefused(400, 'SCHEMA_INVALID', () =>
      submit(us.url, declarant, {
        nonce: nonce(),
        type: 'regime-signature',
        body: { regime: 'zz', id: 'x', version: 1 },
      }),
    );
    expect(e.error.path).toBe('$.body.regime');
    await expectRefused(422, 'REFERENCE_UNKNOWN', () =>
      submit(us.url, declarant, {
        nonce: nonce(),
        type: 'acknowledgement',
        body: { notification: { origin: 'detente.example/ru', index: 5, leafHash: 'ab'.repeat(32) } },
      }),
    );
  });

  it('413 for an oversized body, 400 for malformed JSON', async () => {
    const big = JSON.stringify({ ...regimeSignature(us.node), pad: 'x'.repeat(300 * 1024) });
    const r1 = await raw(us.port, 'POST', '/api/submissions', big, {
      authorization: `Bearer ${declarant}`,
      'content-type': 'application/json',
    });
    expect(r1.status).toBe(413);
    expect(JSON.parse(r1.body.toString()).error.code).toBe('BODY_TOO_LARGE');
    const r2 = await raw(us.port, 'POST', '/api/submissions', '{"nonce": "abc', {
      authorization: `Bearer ${declarant}`,
      'content-type': 'application/json',
    });
    expect(r2.status).toBe(400);
    expect(JSON.parse(r2.body.toString()).error.code).toBe('MALFORMED_REQUEST');
    // An entry too large for a leaf is a 413 too.
    const huge = await submit(us.url, declarant, {
      nonce: nonce(),
      type: 'notification',
      body: { kind: 'concern', rule: 'r', addressee: 'ru', statement: { en: 'x'.repeat(70_000), ru: 'y' } },
    });
    expect([400, 413]).toContain(huge.status);
  });

  it('400 for a path traversal in tile paths, for every log', async () => {
    for (const p of [
      '/logs/us/tile/../../etc/passwd',
      '/logs/us/tile/%2e%2e/x',
      '/logs/ru/tile/0/..%2f..%2f',
      '/logs/us/tile/entries/000/../x',
    ]) {
      const r = await raw(us.port, 'GET', p);
      expect([400, 404], p).toContain(r.status);
    }
    expect((await raw(us.port, 'GET', '/logs/us/tile/..%2f..%2fnode.json')).status).toBe(400);
  });

  it('the mirror refuses a peer entry with a forged signature, and stores none of the batch', async () => {
    await us.node.syncMirror('ru');
    const m = us.node.mirrors.get('ru')!;
    expect(m.lastError).toMatch(/entry 1 refused by the validator.*not a valid signature/);
    expect(m.store.head()?.size ?? 0).toBe(0);
    expect((await fetch(`${us.url}/api/health`)).status).toBe(200);
  });

  it('serves OpenAPI and caching headers', async () => {
    const doc = await (await fetch(`${us.url}/docs/json`)).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/submissions', '/api/submissions/batch', '/logs', '/api/entries']),
    );
    expect(
      doc.paths['/api/submissions/batch'].post.requestBody.content['application/json'].schema.properties.submissions
        .maxItems,
    ).toBe(64);
    expect((await fetch(`${us.url}/docs`)).status).toBeLessThan(400);
    const cp = await fetch(`${us.url}/logs/us/checkpoint`);
    expect(cp.headers.get('cache-control')).toBe('no-cache');
    const tile = await fetch(`${us.url}/logs/us/tile/0/000.p/1`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('cache-control')).toContain('immutable');
    const vkey = (await (await fetch(`${us.url}/logs`)).json()).logs[0].vkey;
    expect(parseVerifierKey(vkey, us.node.suite).name).toBe('detente.example/us');
    expect(existsSync(join(us.dir, 'users.sqlite'))).toBe(true);
    expect(readFileSync(join(us.dir, 'users.sqlite')).includes(Buffer.from(declarant))).toBe(false);
  });
});
