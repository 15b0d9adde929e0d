import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { equalBytes, utf8 } from '../src/crypto/bytes.js';
import { parseSignerKey } from '../src/crypto/vkey.js';
import { verifyEvidence } from '../src/federation/evidence.js';
import { httpTileSource } from '../src/federation/http-tile-source.js';
import { verifySource } from '../src/log/verify-log.js';
import { EntryRejectedError, LogMirror, mirroredCheckpoint, verifyMirrorStore } from '../src/node/mirror.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { signCheckpoint } from '../src/tlog/checkpoint.js';
import { MemoryTree } from '../src/tlog/memory-tree.js';
import type { TileSource } from '../src/tlog/tile-source.js';
import { hasher, listen, makeLog, quietApp, suite, type TestLog, verifierOf } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const ORIGIN = 'mirror.test/peer';

/** Counts what a source is asked for. */
function counting(source: TileSource) {
  const calls = { checkpoint: 0, tiles: [] as string[], bundles: [] as string[] };
  const wrapped: TileSource = {
    checkpoint: () => {
      calls.checkpoint++;
      return source.checkpoint();
    },
    hashTile: (l, i, w) => {
      calls.tiles.push(`${l}/${i}/${w}`);
      return source.hashTile(l, i, w);
    },
    entryBundle: (i, w) => {
      calls.bundles.push(`${i}/${w}`);
      return source.entryBundle(i, w);
    },
  };
  return { calls, source: wrapped };
}

function sameEntries(a: SqliteStore, b: SqliteStore, size: number): boolean {
  const x = a.entries(0, size)[Symbol.iterator]();
  for (const e of b.entries(0, size)) {
    const f = x.next();
    if (f.done || !equalBytes(f.value, e)) return false;
  }
  return x.next().done === true;
}

describe('mirroring a log over HTTP', () => {
  let peer: TestLog;
  let fork: TestLog;
  let mirrorStore: SqliteStore;
  const app = quietApp();
  let base = '';

  beforeAll(async () => {
    const dir = tmp();
    peer = makeLog(dir, ORIGIN, 1, 'peer.sqlite');
    // The same key, another history from entry 5 on.
    fork = makeLog(dir, ORIGIN, 1, 'fork.sqlite');
    mirrorStore = SqliteStore.open(join(dir, 'mirror.sqlite'), ORIGIN, { create: true });
    await app.register(tilesPlugin, {
      logs: [
        { prefix: '/peer', store: peer.store, vkey: peer.vkey },
        { prefix: '/fork', store: fork.store, vkey: fork.vkey },
        { prefix: '/mirror', store: mirrorStore, vkey: peer.vkey, checkpoint: () => mirroredCheckpoint(mirrorStore) },
      ],
      cacheBytes: 0,
    });
    ({ base } = await listen(app));
  });

  afterAll(async () => {
    await app.close();
    peer.close();
    fork.close();
    mirrorStore.close();
  });

  const mirrorOf = (source: TileSource, extra: Partial<ConstructorParameters<typeof LogMirror>[0]> = {}) =>
    new LogMirror({ store: mirrorStore, source, vkey: peer.vkey, suite, bundlesPerCommit: 2, ...extra });

  it('mirrors the whole log, stores the peer-signed checkpoint verbatim, and is then up to date', async () => {
    peer.grow(1000, 300);
    const validated: number[] = [];
    const mirror = mirrorOf(httpTileSource(`${base}/peer`), { validate: (_e, i) => void validated.push(i) });
    const result = await mirror.sync();
    expect(result).toMatchObject({ status: 'advanced', from: 0, size: 1000 });
    expect(validated).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(mirrorStore.head()!.checkpoint).toBe(peer.store.head()!.checkpoint);
    expect(mirror.mirroredCheckpoint()).toBe(peer.store.head()!.checkpoint);
    expect(sameEntries(mirrorStore, peer.store, 1000)).toBe(true);
    expect(await verifyMirrorStore(mirrorStore, suite, peer.vkey)).toEqual({ size: 1000, checkpoints: 1 });
    expect((await mirror.sync()).status).toBe('up-to-date');
  });

  it('then mirrors only what is new, incrementally, and serves its copy', async () => {
    peer.grow(37);
    const { calls, source } = counting(httpTileSource(`${base}/peer`));
    const validated: number[] = [];
    const result = await mirrorOf(source, { validate: (_e, i) => void validated.push(i) }).sync();
    expect(result).toMatchObject({ status: 'advanced', from: 1000, size: 1037 });
    expect(calls.bundles).toEqual(['3/256', '4/13']); // 768..1023 (holds 1000..1023) and the new partial bundle
    expect(validated).toEqual(Array.from({ length: 37 }, (_, i) => 1000 + i));
    peer.grow(2000, 700);
    expect(await mirrorOf(httpTileSource(`${base}/peer`)).sync()).toMatchObject({ from: 1037, size: 3037 });
    expect(sameEntries(mirrorStore, peer.store, 3037)).toBe(true);
    expect(await verifyMirrorStore(mirrorStore, suite, peer.vkey)).toEqual({ size: 3037, checkpoints: 3 });
    // Others can read the peer's log from the mirror: the same checkpoint, verifiable from scratch.
    const fromMirror = await verifySource(httpTileSource(`${base}/mirror`), hasher, verifierOf(peer.vkey));
    expect(fromMirror.size).toBe(3037);
  });

  it('stops before storing an entry the validator refuses', async () => {
    peer.grow(600);
    const mirror = mirrorOf(httpTileSource(`${base}/peer`), {
      validate: (_e, i) => {
        if (i === 3037 + 550) throw new Error('not signed by a key of its role');
      },
    });
    const err = await mirror.sync().catch((e) => e);
    expect(err).toBeInstanceOf(EntryRejectedError);
    expect(err.index).toBe(3587);
    // Batches before the refused one were committed (as a pending prefix), the one holding it was not.
    expect(mirrorStore.head()!.size).toBe(2816 + 512); // batches are aligned to bundles: [3037, 3328)
    expect(mirror.mirroredCheckpoint()).toBe(peer.store.checkpoint(3037));
    expect(await verifyMirrorStore(mirrorStore, suite, peer.vkey)).toEqual({ size: 3037, checkpoints: 3 });
    expect(await mirrorOf(httpTileSource(`${base}/peer`)).sync()).toMatchObject({ status: 'advanced', size: 3637 });
  });

  it('a peer serving entries that do not match its signed checkpoint is an error, not evidence; nothing is stored', async () => {
    peer.grow(100);
    const db = new Database(peer.path);
    db.prepare('UPDATE entries SET data = ? WHERE idx = 3700').run(utf8('swapped in transit'));
    db.close();
    const before = mirrorStore.head()!;
    const mirror = mirrorOf(httpTileSource(`${base}/peer`));
    await expect(mirror.sync()).rejects.toMatchObject({ code: 'LOG_INCONSISTENT' });
    expect(mirrorStore.head()).toEqual(before);
    const db2 = new Database(peer.path);
    db2.prepare('UPDATE entries SET data = ? WHERE idx = 3700').run(utf8('entry 3700'));
    db2.close();
    expect((await mirror.sync()).size).toBe(3737);
  });

  it('a log that rewrites an entry and re-signs its checkpoint for the same size: same-size evidence', async () => {
    const size = mirrorStore.head()!.size;
    expect(size).toBe(peer.store.head()!.size);
    // Tamper with the peer's SQLite and re-sign a checkpoint for the same size with the log's key.
    const db = new Database(peer.path);
    db.prepare('UPDATE entries SET data = ? WHERE idx = 5').run(utf8('rewritten'));
    const leaves = (db.prepare('SELECT data FROM entries ORDER BY idx').pluck().all() as Buffer[]).map((e) =>
      hasher.hashLeaf(new Uint8Array(e)),
    );
    const root = new MemoryTree(hasher, leaves).root();
    const note = signCheckpoint({ origin: ORIGIN, size, root, extensions: [] }, parseSignerKey(peer.skey, suite));
    const original = db.prepare('SELECT note FROM checkpoints WHERE size = ?').pluck().get(size) as string;
    db.prepare('UPDATE checkpoints SET note = ? WHERE size = ?').run(note, size);
    db.close();
    const found: unknown[] = [];
    const result = await mirrorOf(httpTileSource(`${base}/peer`), { onEvidence: (e) => found.push(e) }).sync();
    expect(result.status).toBe('equivocation');
    if (result.status !== 'equivocation') return;
    expect(found).toEqual([result.evidence]);
    expect(verifyEvidence(JSON.parse(JSON.stringify(result.evidence)), suite)).toMatchObject({
      type: 'same-size-different-root',
      sizeA: size,
    });
    expect(result.evidence.checkpointA).toBe(original);
    expect(result.evidence.checkpointB).toBe(note);
    expect(mirrorStore.head()!.checkpoint).toBe(original); // the mirror did not move
    // Put the peer back.
    const undo = new Database(peer.path);
    undo.prepare('UPDATE entries SET data = ? WHERE idx = 5').run(utf8('entry 5'));
    undo.prepare('UPDATE checkpoints SET note = ? WHERE size = ?').run(original, size);
    undo.close();
  });

  it('a forked history (same key) that grew past the mirror, or stopped short of it: prefix evidence', async () => {
    const size = mirrorStore.head()!.size; // 3737
    const rewritten = (i: number) => utf8(i === 5 ? 'rewritten' : `entry ${i}`);
    fork.grow(2000, 2000, rewritten); // shorter than the mirror
    const shorter = await mirrorOf(httpTileSource(`${base}/fork`)).sync();
    expect(shorter.status).toBe('equivocation');
    if (shorter.status !== 'equivocation') return;
    expect(verifyEvidence(shorter.evidence, suite)).toMatchObject({
      type: 'inconsistent-prefix',
      sizeA: size,
      sizeB: 2000,
      prefixSize: 2000,
    });
    fork.grow(size + 500 - 2000, 1000, rewritten); // now longer than the mirror
    const longer = await mirrorOf(httpTileSource(`${base}/fork`)).sync();
    expect(longer.status).toBe('equivocation');
    if (longer.status !== 'equivocation') return;
    expect(verifyEvidence(longer.evidence, suite)).toMatchObject({
      type: 'inconsistent-prefix',
      sizeA: size,
      sizeB: size + 500,
      prefixSize: size,
    });
    expect(mirrorStore.head()!.size).toBe(size);
    // The honest peer is still mirrored as before.
    peer.grow(10);
    expect((await mirrorOf(httpTileSource(`${base}/peer`)).sync()).status).toBe('advanced');
  });

  it('a fork found while the mirror is part way to a checkpoint (a pending head)', async () => {
    const dir = tmp();
    const store = SqliteStore.open(join(dir, 'm.sqlite'), ORIGIN, { create: true });
    const honest = makeLog(dir, ORIGIN, 1, 'h.sqlite');
    honest.grow(3000, 3000);
    const early = makeLog(dir, ORIGIN, 1, 'e.sqlite'); // differs at entry 100, size 400
    early.grow(400, 400, (i) => utf8(i === 100 ? 'rewritten' : `entry ${i}`));
    const late = makeLog(dir, ORIGIN, 1, 'l.sqlite'); // differs at entry 1200, size 1500
    late.grow(1500, 1500, (i) => utf8(i === 1200 ? 'rewritten' : `entry ${i}`));
    const app2 = quietApp();
    await app2.register(tilesPlugin, {
      logs: [
        { prefix: '/h', store: honest.store, vkey: honest.vkey },
        { prefix: '/e', store: early.store, vkey: early.vkey },
        { prefix: '/l', store: late.store, vkey: late.vkey },
      ],
    });
    const { base: b2 } = await listen(app2);
    const from = (prefix: string) =>
      new LogMirror({ store, source: httpTileSource(`${b2}${prefix}`), vkey: honest.vkey, suite, bundlesPerCommit: 2 });
    try {
      // Stop after the first batch (2 bundles = 512 entries): a pending head at 512, a proven prefix of 3000.
      const stop = new LogMirror({
        store,
        source: httpTileSource(`${b2}/h`),
        vkey: honest.vkey,
        suite,
        bundlesPerCommit: 2,
        validate: (_e, i) => {
          if (i === 600) throw new Error('stop here');
        },
      });
      await expect(stop.sync()).rejects.toBeInstanceOf(EntryRejectedError);
      expect(store.head()!.size).toBe(512);
      expect(mirroredCheckpoint(store)).toBeUndefined();

      // A smaller tree that disagrees with our 512 entries: evidence against the 3000 we are proven part of,
      // through two proofs (400 → 512 from our store, 512 → 3000 kept from the peer when the batch was stored).
      const early400 = await from('/e').sync();
      expect(early400.status).toBe('equivocation');
      if (early400.status !== 'equivocation') return;
      expect(early400.evidence.prefix!.a.hops.map((h) => h.size)).toEqual([512, 3000]);
      expect(verifyEvidence(early400.evidence, suite)).toMatchObject({ sizeA: 3000, sizeB: 400, prefixSize: 400 });

      // A tree that agrees with our 512 entries but is smaller than 3000: not followed, it cannot be checked yet.
      expect(await from('/l').sync()).toMatchObject({ status: 'stale', size: 512 });
      // Once it reaches 3000, it is checked against the target, and caught.
      late.grow(2000, 2000);
      const late3500 = await from('/l').sync();
      expect(late3500.status).toBe('equivocation');
      if (late3500.status !== 'equivocation') return;
      expect(verifyEvidence(late3500.evidence, suite)).toMatchObject({ sizeA: 3000, sizeB: 3500, prefixSize: 3000 });
      expect(store.head()!.size).toBe(512);

      // From the honest peer it completes.
      expect(await from('/h').sync()).toMatchObject({ status: 'advanced', from: 512, size: 3000 });
      expect(await verifyMirrorStore(store, suite, honest.vkey)).toEqual({ size: 3000, checkpoints: 1 });
    } finally {
      await app2.close();
      store.close();
      for (const l of [honest, early, late]) l.close();
    }
  });
});

describe('mirror crash safety', () => {
  const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'test', 'fixtures', 'mirror-child.js');

  function runChild(args: string[], killAfterMs?: number): Promise<{ committed: number; done?: string }> {
    return new Promise((resolve, reject) => {
      const child: ChildProcess = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let committed = -1;
      let done: string | undefined;
      let out = '';
      let err = '';
      let timer: NodeJS.Timeout | undefined;
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk;
        const lines = out.split('\n');
        out = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('commit ')) committed = Number(line.slice(7));
          if (line.startsWith('done ')) done = line;
        }
        if (killAfterMs !== undefined) timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      });
      child.stderr!.on('data', (c: Buffer) => {
        err += c;
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (signal === 'SIGKILL' || code === 0) resolve({ committed, done });
        else reject(new Error(`mirror child failed (${code}): ${err}`));
      });
    });
  }

  it('a mirror killed with SIGKILL mid-sync resumes with nothing lost or duplicated', async () => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run \`npm run build\` first`);
    const dir = tmp();
    const peer = makeLog(dir, 'crash.test/peer', 6, 'peer.sqlite');
    peer.grow(60_000, 10_000);
    const app = quietApp();
    await app.register(tilesPlugin, { logs: [{ prefix: '/peer', store: peer.store, vkey: peer.vkey }] });
    const { base } = await listen(app);
    const db = join(dir, 'mirror.sqlite');
    const args = [db, `${base}/peer`, peer.vkey, '4'];
    try {
      let acknowledged = -1;
      let kills = 0;
      const midway: number[] = [];
      for (let round = 0; round < 40 && kills < 6; round++) {
        const { committed, done } = await runChild(args, 20 + Math.floor(Math.random() * 150));
        acknowledged = Math.max(acknowledged, committed);
        const store = SqliteStore.open(db, undefined);
        try {
          const size = store.head()?.size ?? 0;
          expect(size).toBeGreaterThanOrEqual(acknowledged);
          const count = new Database(db, { readonly: true });
          expect(count.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(size);
          count.close();
          expect(sameEntries(store, peer.store, size)).toBe(true);
          await verifyMirrorStore(store, suite, peer.vkey);
        } finally {
          store.close();
        }
        if (done) break;
        kills++;
        if (acknowledged > 0 && acknowledged < 60_000) midway.push(acknowledged);
      }
      // Kills landed mid-sync, with batches committed before them.
      expect(midway.length, `kills after commits ${midway}`).toBeGreaterThan(0);
      const last = await runChild(args);
      expect(last.done).toMatch(/^done (advanced|up-to-date) 60000$/);
      const store = SqliteStore.open(db, undefined);
      expect(mirroredCheckpoint(store)).toBe(peer.store.head()!.checkpoint);
      expect(sameEntries(store, peer.store, 60_000)).toBe(true);
      expect((await verifyMirrorStore(store, suite, peer.vkey)).size).toBe(60_000);
      store.close();
    } finally {
      await app.close();
      peer.close();
    }
  }, 120_000);
});

describe('two writers on one mirror store (the polling mirror and the push receiver)', () => {
  it('a polling round overtaken by the other writer ends as stale, and the store keeps what that writer verified', async () => {
    const dir = tmp();
    const peer = makeLog(dir, ORIGIN, 1, 'peer.sqlite');
    const store = SqliteStore.open(join(dir, 'mirror.sqlite'), ORIGIN, { create: true });
    const app = quietApp();
    await app.register(tilesPlugin, { logs: [{ prefix: '/peer', store: peer.store, vkey: peer.vkey }], cacheBytes: 0 });
    const { base } = await listen(app);
    try {
      peer.grow(600, 600);
      const http = httpTileSource(`${base}/peer`);
      const other = new LogMirror({ store, source: http, vkey: peer.vkey, suite });
      let overtaken = false;
      // The other writer completes a whole sync while this round fetches its first bundle.
      const slow: TileSource = {
        checkpoint: () => http.checkpoint(),
        hashTile: (l, i, w) => http.hashTile(l, i, w),
        entryBundle: async (i, w) => {
          if (!overtaken) {
            overtaken = true;
            expect(await other.sync()).toMatchObject({ status: 'advanced', size: 600 });
          }
          return http.entryBundle(i, w);
        },
      };
      const result = await new LogMirror({ store, source: slow, vkey: peer.vkey, suite }).sync();
      expect(overtaken).toBe(true);
      expect(result).toMatchObject({ status: 'stale', from: 0, size: 600 });
      expect(store.head()!.checkpoint).toBe(peer.store.head()!.checkpoint);
      expect(sameEntries(store, peer.store, 600)).toBe(true);
      expect(await new LogMirror({ store, source: http, vkey: peer.vkey, suite }).sync()).toMatchObject({
        status: 'up-to-date',
        size: 600,
      });
    } finally {
      await app.close();
      peer.close();
      store.close();
    }
  });
});
