import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { DetenteError } from '../src/crypto/errors.js';
import { fetchCheckpoint, httpTileSource } from '../src/federation/http-tile-source.js';
import { exportLog } from '../src/log/export.js';
import { verifySource } from '../src/log/verify-log.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { hasher, listen, makeLog, quietApp, raw, seed, suite, type TestLog, verifierOf } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe('tlog-tiles over HTTP', () => {
  let a: TestLog;
  let b: TestLog;
  let empty: SqliteStore;
  const app = quietApp();
  let base = '';
  let port = 0;
  const witness = cosignerFromSeed(suite, 'witness.test/w1', seed(9));

  beforeAll(async () => {
    const dir = tmp();
    a = makeLog(dir, 'tiles.test/a', 1, 'a.sqlite');
    // 70,000 entries: 273 full level-0 tiles and a partial one, a full level-1 tile and a partial, a level-2 one.
    a.grow(70_000, 5000);
    b = makeLog(dir, 'tiles.test/b', 2, 'b.sqlite');
    b.grow(300);
    empty = SqliteStore.open(join(dir, 'empty.sqlite'), 'tiles.test/empty', { create: true });
    await app.register(tilesPlugin, {
      logs: [
        { prefix: '/logs/a', store: a.store, vkey: a.vkey, witnesses: [witness.verifierKey] },
        { prefix: '/logs/b', store: b.store, vkey: b.vkey },
        { prefix: '/logs/empty', store: empty, vkey: makeLog(tmp(), 'tiles.test/empty', 3).vkey },
      ],
    });
    ({ base, port } = await listen(app));
  });

  afterAll(async () => {
    await app.close();
    a.close();
    b.close();
    empty.close();
  });

  it('a served log verifies from scratch through the HTTP tile source', async () => {
    const report = await verifySource(httpTileSource(`${base}/logs/a`), hasher, verifierOf(a.vkey));
    expect(report.size).toBe(70_000);
    expect(report.tiles).toBe(274 + 2 + 1);
    expect((await verifySource(httpTileSource(`${base}/logs/b/`), hasher, verifierOf(b.vkey))).size).toBe(300);
  });

  it('serves exactly the bytes `detente log export` writes', async () => {
    const out = join(tmp(), 'export');
    exportLog(a.store, out);
    const paths = files(out);
    expect(paths).toContain('tile/0/273.p/112');
    expect(paths).toContain('tile/entries/273.p/112');
    expect(paths).toContain('tile/2/000.p/1');
    for (const path of paths) {
      const res = await fetch(`${base}/logs/a/${path}`);
      expect(res.status, path).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(out, path))), path).toBe(true);
    }
  });

  it('caching: the checkpoint is not cached, tiles and bundles (full or partial) are immutable', async () => {
    const cp = await fetch(`${base}/logs/a/checkpoint`);
    expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(cp.headers.get('cache-control')).toBe('no-cache');
    expect(await cp.text()).toBe(a.store.head()!.checkpoint);
    for (const path of ['tile/0/000', 'tile/0/273.p/112', 'tile/entries/005', 'tile/entries/273.p/112', 'tile/1/000']) {
      const res = await fetch(`${base}/logs/a/${path}`);
      expect(res.headers.get('content-type'), path).toBe('application/octet-stream');
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=31536000, immutable');
      // A second read (from the cache) is the same.
      const again = await fetch(`${base}/logs/a/${path}`);
      expect(Buffer.from(await again.arrayBuffer()).equals(Buffer.from(await res.arrayBuffer()))).toBe(true);
    }
    expect((await fetch(`${base}/logs/a/tile/0/000`)).headers.get('content-length')).toBe('8192');
  });

  it('refuses malformed and traversal paths with a JSON 400, and keeps serving', async () => {
    const bad = [
      '/logs/a/tile/../..',
      '/logs/a/tile/../../../etc/passwd',
      '/logs/a/tile/%2e%2e/%2e%2e',
      '/logs/a/tile/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/logs/a/tile/0/../../checkpoint',
      '/logs/a/tile/0/000.p/0',
      '/logs/a/tile/0/000.p/256',
      '/logs/a/tile/0/000.p/007',
      '/logs/a/tile/00/000',
      '/logs/a/tile/64/000',
      '/logs/a/tile/0/0',
      '/logs/a/tile/0/x000',
      '/logs/a/tile/0/000/',
      '/logs/a/tile/entries/000.p/',
      '/logs/a/tile/entries/',
      '/logs/a/tile/',
      '/logs/a/tile//0/000',
      '/logs/a/tile/0/x999/x999/x999/x999/x999/x999/999',
    ];
    for (const path of bad) {
      const res = await raw(port, 'GET', path);
      expect(res.status, path).toBe(400);
      const json = JSON.parse(res.body.toString());
      expect(typeof json.error, path).toBe('string');
      expect(typeof json.message, path).toBe('string');
    }
    // A path that leaves the prefix altogether matches no route.
    expect((await raw(port, 'GET', '/logs/a/../b/checkpoint')).status).toBe(404);
    expect((await raw(port, 'GET', '/logs/a/tile/%zz')).status).toBe(400);
    const cp = await raw(port, 'GET', '/logs/a/checkpoint');
    expect(cp.status).toBe(200);
  });

  it('404 for tiles beyond the tree; a tile appears once the log grows over it', async () => {
    const beyond = [
      'tile/0/273', // the level-0 tile 273 is partial (112 hashes)
      'tile/0/273.p/113',
      'tile/0/274.p/1',
      'tile/entries/273',
      'tile/entries/274.p/1',
      'tile/1/001.p/18', // level 1 holds 273 hashes: tile 1/001 is partial (17)
      'tile/1/002.p/1',
      'tile/1/000.p/255', // tile 1/000 is full, so every width of it is served...
      'tile/2/000.p/2',
      'tile/3/000.p/1',
      'tile/0/x001/x152/x921/x504/x606/x846/976', // 2^60
    ];
    for (const path of beyond.filter((p) => p !== 'tile/1/000.p/255')) {
      const res = await raw(port, 'GET', `/logs/a/${path}`);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body.toString()).error).toBe('NOT_FOUND');
    }
    // ...cut to the asked width, as the tree had it when it was that size.
    const cut = await fetch(`${base}/logs/a/tile/1/000.p/255`);
    expect(cut.status).toBe(200);
    expect((await cut.arrayBuffer()).byteLength).toBe(255 * 32);
    const small = await fetch(`${base}/logs/a/tile/0/273.p/50`);
    expect(Buffer.from(await small.arrayBuffer()).equals(Buffer.from(a.store.tile(0, 273)!.subarray(0, 50 * 32)))).toBe(
      true,
    );

    expect((await raw(port, 'GET', '/logs/b/tile/0/001')).status).toBe(404);
    const partialBefore = (await raw(port, 'GET', '/logs/b/tile/0/001.p/44')).body;
    b.grow(300);
    expect((await raw(port, 'GET', '/logs/b/tile/0/001')).status).toBe(200);
    expect((await raw(port, 'GET', '/logs/b/tile/0/001.p/44')).body.equals(partialBefore)).toBe(true);
    expect((await verifySource(httpTileSource(`${base}/logs/b`), hasher, verifierOf(b.vkey))).size).toBe(600);
  });

  it('a log without a checkpoint has no checkpoint and no tiles', async () => {
    expect((await raw(port, 'GET', '/logs/empty/checkpoint')).status).toBe(404);
    expect((await raw(port, 'GET', '/logs/empty/tile/0/000.p/1')).status).toBe(404);
  });

  it('GET /logs lists origin, prefix, verifier key and witness keys', async () => {
    const res = await fetch(`${base}/logs`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { logs } = await res.json();
    expect(logs).toEqual([
      { origin: 'tiles.test/a', prefix: '/logs/a', vkey: a.vkey, witnesses: [witness.verifierKey] },
      { origin: 'tiles.test/b', prefix: '/logs/b', vkey: b.vkey, witnesses: [] },
      { origin: 'tiles.test/empty', prefix: '/logs/empty', vkey: expect.any(String), witnesses: [] },
    ]);
  });

  it('the HTTP tile source: 404 is LOG_INCONSISTENT "missing", and fetchCheckpoint reads the note', async () => {
    const source = httpTileSource(`${base}/logs/b`);
    await expect(source.hashTile(0, 99, 256)).rejects.toThrow(DetenteError);
    await expect(source.hashTile(0, 99, 256)).rejects.toThrow(/missing \(404\)/);
    await expect(source.entryBundle(99, 5)).rejects.toMatchObject({ code: 'LOG_INCONSISTENT' });
    expect(await fetchCheckpoint(`${base}/logs/b`)).toBe(b.store.head()!.checkpoint);
  });

  it('the HTTP tile source bounds what it reads and times out', async () => {
    const evil = quietApp();
    evil.get('/big/tile/0/000', (_req, reply) => reply.send(Buffer.alloc(9000)));
    evil.get('/big/checkpoint', (_req, reply) => reply.send('x'.repeat(70_000)));
    evil.get('/slow/checkpoint', async () => {
      await new Promise((r) => setTimeout(r, 2000));
      return 'late';
    });
    evil.get('/err/checkpoint', (_req, reply) => reply.code(503).send('busy'));
    const { base: evilBase } = await listen(evil);
    try {
      await expect(httpTileSource(`${evilBase}/big`).hashTile(0, 0, 256)).rejects.toThrow(/more than the 8192 /);
      await expect(fetchCheckpoint(`${evilBase}/big`)).rejects.toMatchObject({ code: 'LOG_INCONSISTENT' });
      await expect(fetchCheckpoint(`${evilBase}/slow`, { timeoutMs: 200 })).rejects.toMatchObject({
        name: 'FetchError',
        message: expect.stringMatching(/timed out/),
      });
      await expect(fetchCheckpoint(`${evilBase}/err`)).rejects.toMatchObject({ name: 'FetchError', status: 503 });
      await expect(fetchCheckpoint('http://127.0.0.1:1')).rejects.toMatchObject({ name: 'FetchError' });
    } finally {
      await evil.close();
    }
  });
});
