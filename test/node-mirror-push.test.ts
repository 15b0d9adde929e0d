/**
 * The receiving side of C2SP tlog-mirror over real HTTP on loopback, into a real SQLite store: every status code of
 * the spec, resumed and concurrent uploads, lies, truncations, gzip, a body that never ends, and the pushing
 * client against it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorPlugin } from '../src/api/mirror.js';
import { concat, utf8 } from '../src/crypto/bytes.js';
import { parseNote } from '../src/crypto/note.js';
import { storeTileSource } from '../src/log/store-tile-source.js';
import { mirroredCheckpoint, verifyMirrorStore } from '../src/node/mirror.js';
import { MirrorPusher } from '../src/node/mirror-push.js';
import { MirrorReceiver, originHash } from '../src/node/mirror-receiver.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { cosignerFromSeed, openCosignedCheckpoint, parseCosignatureVerifierKey } from '../src/tlog/cosignature.js';
import { MIRROR_INFO_CONTENT_TYPE, parseMirrorInfo } from '../src/tlog/mirror-protocol.js';
import { hasher, listen, makeLog, quietApp, seed, suite, type TestLog, verifierOf } from './helpers/logs.js';
import { addCheckpointBody, addEntriesBody } from './helpers/mirror-upload.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const ORIGIN = 'mirror.test/peer';
const cosigner = cosignerFromSeed(suite, 'mirror.test/us/mirror', seed(9));
const mirrorVerifier = parseCosignatureVerifierKey(cosigner.verifierKey, suite);

interface Answer {
  status: number;
  type: string;
  text: string;
}

interface Mirror {
  store: SqliteStore;
  receiver: MirrorReceiver;
  base: string;
  port: number;
  post(path: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

async function startMirror(
  source: TestLog,
  options: { maxExcessEntries?: number; file?: string } = {},
): Promise<Mirror> {
  const store = SqliteStore.open(join(tmp(), options.file ?? 'mirror.sqlite'), source.origin, { create: true });
  const receiver = new MirrorReceiver({
    logs: [{ vkey: source.vkey, store }],
    cosigner,
    suite,
    maxExcessEntries: options.maxExcessEntries,
  });
  const app = quietApp();
  await app.register(mirrorPlugin, { receiver, logs: [{ store, vkey: source.vkey }], suite, idleMs: 300 });
  const { base, port } = await listen(app);
  return {
    store,
    receiver,
    base,
    port,
    async post(path, body, headers = {}) {
      const res = await fetch(`${base}/mirror/${path}`, {
        method: 'POST',
        body: typeof body === 'string' ? body : Buffer.from(body),
        headers,
      });
      return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
    },
    async close() {
      await app.close();
      store.close();
    },
  };
}

const info = (a: Answer) => {
  expect(a.type).toBe(MIRROR_INFO_CONTENT_TYPE);
  return parseMirrorInfo(a.text);
};

let source: TestLog;

beforeAll(() => {
  source = makeLog(tmp(), ORIGIN);
  source.grow(1000, 500); // checkpoints at 0, 500, 1000
});

afterAll(() => source.close());

describe('add-checkpoint (the mirror signs nothing here)', () => {
  it('accepts a consistent checkpoint and answers each refusal with its code', async () => {
    const m = await startMirror(source);
    try {
      const cp500 = addCheckpointBody(source.store, hasher, 0, 500);
      expect((await m.post('add-checkpoint', 'garbage')).status).toBe(400);
      const other = makeLog(tmp(), 'mirror.test/other', 2);
      other.grow(3);
      expect((await m.post('add-checkpoint', addCheckpointBody(other.store, hasher, 0, 3))).status).toBe(404);
      // Signed by another key under our origin.
      const forged = makeLog(tmp(), ORIGIN, 3);
      forged.grow(500);
      expect((await m.post('add-checkpoint', addCheckpointBody(forged.store, hasher, 0, 500))).status).toBe(403);
      expect(await m.post('add-checkpoint', cp500)).toEqual({
        status: 200,
        type: 'text/plain; charset=utf-8',
        text: '',
      });
      // Old size not the pending one: 409 with the pending size.
      const stale = await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 1000));
      expect(stale).toMatchObject({ status: 409, type: 'text/x.tlog.size', text: '500\n' });
      // A proof that lies.
      const body = addCheckpointBody(source.store, hasher, 500, 1000);
      const lines = body.split('\n');
      lines[1] = Buffer.alloc(32, 7).toString('base64');
      expect((await m.post('add-checkpoint', lines.join('\n'))).status).toBe(422);
      // The honest proof from the pending size moves it.
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 500, 1000))).status).toBe(200);
      // Nothing is cosigned or stored by add-checkpoint.
      expect(m.store.head()).toBeUndefined();
      expect(mirroredCheckpoint(m.store)).toBeUndefined();
      other.close();
      forged.close();
    } finally {
      await m.close();
    }
  });

  it('refuses a second checkpoint of the same size with another root (409, text/plain)', async () => {
    const a = makeLog(tmp(), 'mirror.test/fork', 4, 'a.sqlite');
    const b = makeLog(tmp(), 'mirror.test/fork', 4, 'b.sqlite');
    a.grow(10);
    b.grow(10, 1000, (i) => utf8(`other ${i}`));
    const m = await startMirror(a);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(a.store, hasher, 0, 10))).status).toBe(200);
      const fork = await m.post('add-checkpoint', addCheckpointBody(b.store, hasher, 10, 10));
      expect(fork.status).toBe(409);
      expect(fork.type).toMatch(/^text\/plain/);
    } finally {
      await m.close();
      a.close();
      b.close();
    }
  });
});

describe('add-entries', () => {
  it('commits a whole upload and answers 200 with a cosignature that verifies; it serves tiles identical to the source', async () => {
    const m = await startMirror(source);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 1000))).status).toBe(200);
      const ok = await m.post('add-entries', gzipSync(addEntriesBody(source.store, hasher, 0, 1000)), {
        'content-type': 'application/octet-stream',
        'content-encoding': 'gzip',
      });
      expect(ok.status).toBe(200);
      const note = source.store.checkpoint(1000)!;
      const opened = openCosignedCheckpoint(note + ok.text, verifierOf(source.vkey), [mirrorVerifier]);
      expect(opened.cosignatures.map((c) => c.name)).toEqual([cosigner.name]);
      expect(await verifyMirrorStore(m.store, suite, source.vkey)).toEqual({ size: 1000, checkpoints: 1 });
      for (const [level, index] of [
        [0, 0],
        [0, 3],
        [1, 0],
      ] as const) {
        expect(m.store.tile(level, index)).toEqual(source.store.tile(level, index));
      }
      // Served under the hash of the origin, with the mirror's cosignature.
      const prefix = `${m.base}/mirror/${originHash(suite, ORIGIN)}`;
      const served = await (await fetch(`${prefix}/checkpoint`)).text();
      expect(served.startsWith(note)).toBe(true);
      expect(openCosignedCheckpoint(served, verifierOf(source.vkey), [mirrorVerifier]).cosignatures).toHaveLength(1);
      const bundle = new Uint8Array(await (await fetch(`${prefix}/tile/entries/003.p/232`)).arrayBuffer());
      expect(bundle).toEqual(new Uint8Array(await storeTileSource(source.store).entryBundle(3, 232)));
      // The same upload again: nothing new, the same cosignature.
      const again = await m.post('add-entries', addEntriesBody(source.store, hasher, 0, 1000));
      expect(again).toMatchObject({ status: 200, text: ok.text });
    } finally {
      await m.close();
    }
  });

  it('answers 404, 422, 409 and 400 before reading packages, and commits nothing', async () => {
    const m = await startMirror(source, { maxExcessEntries: 300 });
    try {
      const body = addEntriesBody(source.store, hasher, 0, 500);
      expect(
        (await m.post('add-entries', addEntriesBody(source.store, hasher, 0, 500, { origin: 'x/y' }))).status,
      ).toBe(404);
      expect((await m.post('add-entries', body)).status).toBe(422); // no pending checkpoint yet
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 500))).status).toBe(200);
      // upload_end that is no pending checkpoint.
      const unknown = await m.post('add-entries', addEntriesBody(source.store, hasher, 0, 1000, { packages: 1 }));
      expect(unknown.status).toBe(409);
      expect(info(unknown)).toMatchObject({ pendingSize: 500, nextEntry: 0 });
      // upload_start beyond the next entry.
      const ahead = await m.post('add-entries', addEntriesBody(source.store, hasher, 256, 500));
      expect(ahead.status).toBe(409);
      expect(info(ahead)).toMatchObject({ pendingSize: 500, nextEntry: 0 });
      // Nothing valid: a truncated header, a truncated first package, an empty sequence of packages.
      expect((await m.post('add-entries', body.subarray(0, 10))).status).toBe(400);
      expect((await m.post('add-entries', body.subarray(0, 100))).status).toBe(400);
      expect((await m.post('add-entries', addEntriesBody(source.store, hasher, 0, 500, { packages: 0 }))).status).toBe(
        400,
      );
      // Beyond the limits: a package with 64 proof hashes; an entry longer than the rest of the body.
      const tooMany = addEntriesBody(source.store, hasher, 0, 500, {
        packages: 1,
        tamper: (_, pkg) => {
          pkg.proof = Array.from({ length: 63 }, () => new Uint8Array(32));
        },
      });
      tooMany[tooMany.length - 63 * 32 - 1] = 64;
      expect((await m.post('add-entries', concat(tooMany, new Uint8Array(32)))).status).toBe(400);
      const header = addEntriesBody(source.store, hasher, 0, 500, { packages: 0 });
      const longEntry = concat(header, new Uint8Array([0xff, 0xff]), new Uint8Array(1000));
      expect((await m.post('add-entries', longEntry)).status).toBe(400);
      expect(m.store.head()).toBeUndefined();
      // Too many re-sent entries: commit 500, then send from 0 with 300 allowed.
      expect((await m.post('add-entries', body)).status).toBe(200);
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 500, 1000))).status).toBe(200);
      const excess = await m.post('add-entries', addEntriesBody(source.store, hasher, 0, 1000));
      expect(excess.status).toBe(409);
      expect(info(excess)).toMatchObject({ pendingSize: 1000, nextEntry: 500 });
      expect(m.store.head()!.size).toBe(500);
      // The mirror checkpoint never moves back: an upload to an older size is refused once past it.
      expect((await m.post('add-entries', addEntriesBody(source.store, hasher, 500, 1000))).status).toBe(200);
      const back = await m.post('add-entries', addEntriesBody(source.store, hasher, 500, 500));
      expect(back.status).toBe(409);
      expect(info(back)).toMatchObject({ pendingSize: 1000, nextEntry: 1000 });
      expect(mirroredCheckpoint(m.store)).toBe(source.store.checkpoint(1000));
      // Trailing bytes after the whole canonical sequence.
      const trailing = concat(addEntriesBody(source.store, hasher, 1000, 1000), new Uint8Array([1]));
      expect((await m.post('add-entries', trailing)).status).toBe(400);
    } finally {
      await m.close();
    }
  });

  it('answers 202 to a strict prefix or an interrupted body, keeps every whole package, and resumes to 200', async () => {
    const m = await startMirror(source);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 1000))).status).toBe(200);
      const prefix = await m.post('add-entries', addEntriesBody(source.store, hasher, 0, 1000, { packages: 1 }));
      expect(prefix.status).toBe(202);
      expect(info(prefix)).toEqual({ pendingSize: 1000, nextEntry: 256, ticket: new Uint8Array(0) });
      // Interrupted inside the third package: the second counts, the partial third does not.
      const whole = addEntriesBody(source.store, hasher, 256, 1000);
      const cut = await m.post('add-entries', whole.subarray(0, whole.length - 3000));
      expect(cut.status).toBe(202);
      expect(info(cut).nextEntry).toBe(512);
      expect(m.store.head()!.size).toBe(512);
      expect(mirroredCheckpoint(m.store)).toBeUndefined(); // pending rows only: nothing to serve or cosign yet
      const rest = await m.post('add-entries', addEntriesBody(source.store, hasher, 512, 1000));
      expect(rest.status).toBe(200);
      expect(await verifyMirrorStore(m.store, suite, source.vkey)).toEqual({ size: 1000, checkpoints: 1 });
    } finally {
      await m.close();
    }
  });

  it('answers 422 to a package whose proof or entries lie, and commits nothing of it', async () => {
    const m = await startMirror(source);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 1000))).status).toBe(200);
      const badProof = addEntriesBody(source.store, hasher, 0, 1000, {
        tamper: (i, pkg) => {
          if (i === 1) pkg.proof[0] = new Uint8Array(32).fill(1);
        },
      });
      expect((await m.post('add-entries', badProof)).status).toBe(422);
      expect(m.store.head()!.size).toBe(256);
      const badEntry = addEntriesBody(source.store, hasher, 256, 1000, {
        tamper: (i, pkg) => {
          if (i === 0) pkg.entries[5] = utf8('not what the log holds');
        },
      });
      expect((await m.post('add-entries', badEntry)).status).toBe(422);
      expect(m.store.head()!.size).toBe(256);
      expect([...m.store.entries(0, 256)]).toEqual([...source.store.entries(0, 256)]);
      expect((await m.post('add-entries', addEntriesBody(source.store, hasher, 256, 1000))).status).toBe(200);
    } finally {
      await m.close();
    }
  });

  it('takes two concurrent uploads of the same entries, both ending in 200, and stores each entry once', async () => {
    const m = await startMirror(source);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 500))).status).toBe(200);
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 500, 1000))).status).toBe(200);
      const [a, b] = await Promise.all([
        m.post('add-entries', addEntriesBody(source.store, hasher, 0, 500)),
        m.post('add-entries', addEntriesBody(source.store, hasher, 0, 1000)),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(await verifyMirrorStore(m.store, suite, source.vkey)).toMatchObject({ size: 1000 });
      expect(
        openCosignedCheckpoint(source.store.checkpoint(500)! + a.text, verifierOf(source.vkey), [mirrorVerifier])
          .cosignatures,
      ).toHaveLength(1);
    } finally {
      await m.close();
    }
  });

  it('ends a body that never ends after its idle time, keeping the packages that came whole (202)', async () => {
    const m = await startMirror(source);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 1000))).status).toBe(200);
      const whole = addEntriesBody(source.store, hasher, 0, 1000);
      const oneAndABit = addEntriesBody(source.store, hasher, 0, 1000, { packages: 1 }).length + 100;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: m.port,
            method: 'POST',
            path: '/mirror/add-entries',
            headers: { 'content-type': 'application/octet-stream' },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.write(whole.subarray(0, oneAndABit)); // and never more, never end()
      });
      expect(answer.status).toBe(202);
      expect(parseMirrorInfo(answer.body).nextEntry).toBe(256);
      expect(m.store.head()!.size).toBe(256);
    } finally {
      await m.close();
    }
  });

  it('refuses a gzip body that is not gzip, and an encoding it does not speak', async () => {
    const m = await startMirror(source);
    try {
      expect((await m.post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, 500))).status).toBe(200);
      const body = addEntriesBody(source.store, hasher, 0, 500);
      const notGzip = await m.post('add-entries', body, { 'content-encoding': 'gzip' });
      expect(notGzip.status).toBe(400);
      const br = await m.post('add-entries', body, { 'content-encoding': 'br' });
      expect(br.status).toBe(415);
      expect(m.store.head()).toBeUndefined();
    } finally {
      await m.close();
    }
  });
});

describe('the pushing client', () => {
  it('pushes a growing log to a mirror (202s beyond 32 packages), a fresh client learns what the mirror holds from 409s, and the cosignatures are kept', async () => {
    const log = makeLog(tmp(), 'mirror.test/pushed', 5);
    log.grow(300, 100);
    const m = await startMirror(log, { file: 'pushed.sqlite' });
    const pusher = () =>
      new MirrorPusher({
        store: log.store,
        hasher,
        targets: [{ party: 'us', url: `${m.base}/mirror`, verifier: mirrorVerifier }],
        fetch: (url, init) => fetch(url, init),
      });
    try {
      const p = pusher();
      await p.push();
      const at300 = log.store.cosignatures(300).filter((c) => c.name === cosigner.name);
      expect(at300).toHaveLength(1);
      log.grow(9000, 3000); // more than 32 packages a request: 202s in between
      await p.push();
      expect(log.store.cosignatures(9300).filter((c) => c.name === cosigner.name)).toHaveLength(1);
      expect(await verifyMirrorStore(m.store, suite, log.vkey)).toMatchObject({ size: 9300 });
      // A fresh client (it knows nothing of the mirror's state) learns it from the 409s.
      log.grow(10);
      await pusher().push();
      const note = log.store.checkpoint(9310)!;
      const lines = log.store.cosignatures(9310).map((c) => `${c.line}\n`);
      expect(
        openCosignedCheckpoint(note + lines.join(''), verifierOf(log.vkey), [mirrorVerifier]).cosignatures,
      ).toHaveLength(1);
      expect(parseNote(note).text.startsWith('mirror.test/pushed\n9310\n')).toBe(true);
    } finally {
      await m.close();
      log.close();
    }
  });
});

describe('a mirror killed with SIGKILL during add-entries', () => {
  const CHILD = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'dist',
    'test',
    'fixtures',
    'mirror-receiver-child.js',
  );

  /** Starts the receiver in a child; resolves with its port and a promise of its exit. */
  function startChild(db: string, vkey: string): Promise<{ child: ChildProcess; port: number; exited: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD, db, vkey], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const exited = new Promise<void>((done) => child.on('exit', () => done()));
      child.stdout!.on('data', (c: Buffer) => {
        out += c;
        const m = /port (\d+)\n/.exec(out);
        if (m) resolve({ child, port: Number(m[1]), exited });
      });
      child.stderr!.on('data', (c: Buffer) => {
        err += c;
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`mirror child ended (${code}): ${err}`));
      });
    });
  }

  it('restarts with every acknowledged entry, and its mirror checkpoint never moves back', async () => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run \`npx tsc -p tsconfig.json\` first`);
    const dir = tmp();
    const log = makeLog(dir, 'crash.test/pushed', 7, 'source.sqlite');
    const db = join(dir, 'mirror.sqlite');
    let acknowledged = 0;
    let mirrorSize = 0;
    let midway = 0;
    try {
      for (let round = 0; round < 6; round++) {
        log.grow(20_000, 5000); // three requests of at most 32 packages each
        const { child, port, exited } = await startChild(db, log.vkey);
        const pushedSize = log.store.head()!.size;
        const pusher = new MirrorPusher({
          store: log.store,
          hasher,
          targets: [{ party: 'us', url: `http://127.0.0.1:${port}/mirror`, verifier: mirrorVerifier }],
          fetch: async (url, init) => {
            const res = await fetch(url, init);
            const copy = res.clone();
            if (url.endsWith('/add-entries') && res.status === 202) {
              acknowledged = Math.max(acknowledged, parseMirrorInfo(await copy.text()).nextEntry);
              // Kill it while it takes the next request's packages.
              setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 40));
            } else if (url.endsWith('/add-entries') && res.status === 200) {
              acknowledged = Math.max(acknowledged, pushedSize);
            }
            return res;
          },
        });
        const pushing = pusher.push();
        setTimeout(() => child.kill('SIGKILL'), 2000); // if no 202 came first
        await exited;
        await pushing;
        await pusher.close();
        const store = SqliteStore.open(db, undefined);
        try {
          const size = store.head()?.size ?? 0;
          expect(size).toBeGreaterThanOrEqual(acknowledged);
          expect([...store.entries(0, size)]).toEqual([...log.store.entries(0, size)]);
          const verified = await verifyMirrorStore(store, suite, log.vkey);
          expect(verified.size).toBeGreaterThanOrEqual(mirrorSize);
          mirrorSize = verified.size;
          if (size > 0 && size < pushedSize) midway++;
        } finally {
          store.close();
        }
      }
      expect(midway, 'kills that landed mid-upload').toBeGreaterThan(0);
      // A last run, not killed, completes the upload.
      const { child, port, exited } = await startChild(db, log.vkey);
      const pusher = new MirrorPusher({
        store: log.store,
        hasher,
        targets: [{ party: 'us', url: `http://127.0.0.1:${port}/mirror`, verifier: mirrorVerifier }],
        fetch: (url, init) => fetch(url, init),
      });
      await pusher.push();
      child.kill('SIGKILL');
      await exited;
      const size = log.store.head()!.size;
      expect(log.store.cosignatures(size).filter((c) => c.name === cosigner.name)).toHaveLength(1);
      const store = SqliteStore.open(db, undefined);
      expect(mirroredCheckpoint(store)).toBe(log.store.checkpoint(size));
      expect((await verifyMirrorStore(store, suite, log.vkey)).size).toBe(size);
      store.close();
    } finally {
      log.close();
    }
  }, 120_000);
});
