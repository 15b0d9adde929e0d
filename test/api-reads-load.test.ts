/**
 * H4 of the red team: a few dozen unauthenticated reads froze a node, so its peers' mirror and witness calls timed
 * out. Here 200 concurrent strangers read /api/state and /api/entries of a node holding thousands of entries while
 * a peer mirrors it and witnesses its new checkpoints (on today's main each
 * page decoded every entry: the peer's calls timed out): every read completes with the right answer, `GET /logs`
 * keeps answering, and the peer's calls all succeed (its own deadline is the only clock in this test).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { fold } from '../src/engine/engine.js';
import { compareEntries } from '../src/engine/order.js';
import { ZoneIndex } from '../src/engine/zones.js';
import { logWriter, openLogDir } from '../src/log/log-dir.js';
import { PartyNode } from '../src/node/node.js';
import { bordersFor } from '../src/runtime/borders.js';
import { signedEntry } from './helpers/fake-peer.js';
import { addUser, freePort, initNodes, regimeSignature, submit, suite, until } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-reads-load-');
const PREFILLED = 3000;

/** 200 concurrent reads by strangers, from a worker thread: half /api/state (now, or days back), half pages. */
function burst(url: string, now: number): Promise<{ path: string; status: number; body: any }[]> {
  const code = `
    const { parentPort, workerData: { url, now, prefilled } } = require('node:worker_threads');
    const day = 24 * 3600 * 1000;
    const get = (path, kind) => fetch(url + path).then(async (r) => ({ path: kind, status: r.status, body: await r.json() }));
    Promise.all(Array.from({ length: 200 }, (_, i) => i % 2 === 0
      ? get('/api/state' + (i % 4 === 0 ? '' : '?asOf=' + new Date(now - (1 + (i % 10)) * day).toISOString()), 'state')
      : get('/api/entries?limit=5&offset=' + ((i * 37) % (prefilled - 5)), 'entries'),
    )).then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage({ error: String(e) }));
  `;
  const worker = new Worker(code, { eval: true, workerData: { url, now, prefilled: PREFILLED } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      void worker.terminate();
      if (Array.isArray(m)) resolve(m);
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
  });
}

interface Up {
  node: PartyNode;
  url: string;
  logged: string[];
  close(): Promise<void>;
}

async function up(dir: string, port: number, peers: { party: string; url: string }[]): Promise<Up> {
  const logged: string[] = [];
  const node = PartyNode.open(dir, {
    peers,
    timeoutMs: 5000,
    logger: (level, message) => logged.push(`${level} ${message}`),
    configure: (c) => {
      c.mirror.syncEveryMs = 100;
      c.witness.requestEveryMs = 100;
      c.gossip.everyMs = 60_000;
    },
  });
  const app = await buildServer(node);
  await app.listen({ port, host: '127.0.0.1' });
  node.start();
  return {
    node,
    url: `http://127.0.0.1:${port}`,
    logged,
    async close() {
      await app.close();
      await node.close();
    },
  };
}

describe('200 concurrent strangers reading while a peer mirrors and witnesses', () => {
  let us: Up;
  let ru: Up;
  let token: string;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    const usDir = dirs.get('us')!;
    token = addUser(usDir, 'us', 'alice', ['declarant']);
    // Thousands of valid entries in us's log, written as its submissions would be (signed, in batches).
    const probe = PartyNode.open(usDir, { peers: [] });
    const { regime, regimeHash } = probe;
    await probe.close();
    const log = openLogDir(join(usDir, 'log'), suite);
    const writer = logWriter(log, suite);
    for (let i = 0; i < PREFILLED; i += 500) {
      writer.append(Array.from({ length: 500 }, (_, j) => signedEntry(usDir, 'us', regime, regimeHash, i + j)));
    }
    log.close();
    const [usPort, ruPort] = [await freePort(), await freePort()];
    us = await up(usDir, usPort, [{ party: 'ru', url: `http://127.0.0.1:${ruPort}` }]);
    ru = await up(dirs.get('ru')!, ruPort, [{ party: 'us', url: `http://127.0.0.1:${usPort}` }]);
    await until(
      "ru's mirror of us and ru's cosignature of us's head",
      () =>
        ru.node.servedSize(ru.node.logByParty('us')!) === PREFILLED &&
        us.node.cosignatures(us.node.logByParty('us')!, PREFILLED).length > 0,
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await us?.close();
    await ru?.close();
  });

  it('every read completes correctly, GET /logs answers throughout, and the peer never times out', async () => {
    const quietBefore = ru.logged.length;
    const now = Date.now();
    // The strangers run on another thread, as they would on other machines: the node's event loop is its own.
    const reads = burst(us.url, now);
    let done = false;
    const probes: number[] = [];
    const probing = (async () => {
      while (!done) {
        probes.push((await fetch(`${us.url}/logs`)).status);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Meanwhile us keeps writing: ru must mirror and cosign every new checkpoint.
    const receipts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { status, json } = await submit(us.url, token, regimeSignature(us.node));
      expect(status).toBe(201);
      receipts.push(json.index);
    }
    const results = await reads;
    done = true;
    await probing;

    for (const r of results) expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    for (const r of results.filter((x) => x.path === 'state')) {
      // Every entry was written today: none counts a day ago or more; all of them now.
      if (Date.parse(r.body.asOf) < now) expect(r.body.entries.total).toBe(0);
      else expect(r.body.entries.total).toBeGreaterThanOrEqual(PREFILLED);
    }
    for (const r of results.filter((x) => x.path === 'entries')) {
      expect(r.body.total).toBeGreaterThanOrEqual(PREFILLED);
      expect(r.body.entries).toHaveLength(5);
    }
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((s) => s === 200)).toBe(true);

    const last = receipts.at(-1)! + 1;
    await until('ru mirrored and cosigned the new entries', () => {
      return (
        ru.node.servedSize(ru.node.logByParty('us')!) >= last &&
        us.node.cosignatures(us.node.logByParty('us')!, us.node.servedSize(us.node.logByParty('us')!)).length > 0
      );
    });
    // No mirror or witness call of ru to us failed meanwhile (they time out after 5 s, the default).
    const trouble = ru.logged.slice(quietBefore).filter((l) => !l.startsWith('info'));
    expect(trouble).toEqual([]);
  }, 180_000);

  it('what is served equals a fresh fold of every entry, and /api/entries pages in canonical order', async () => {
    const asOf = '2099-01-01T00:00:00.000Z';
    const served = await (await fetch(`${us.url}/api/state?asOf=${asOf}`)).text();
    const entries = us.node.allEntries();
    const regime = us.node.regime;
    const engine = fold(
      { regime, regimeHash: us.node.regimeHash, zones: new ZoneIndex(regime, bordersFor(regime)) },
      entries,
    );
    expect(served).toBe(canonicalJson(engine.evaluate(Date.parse(asOf)).state));

    const sorted = [...entries].sort(compareEntries);
    const page = await (await fetch(`${us.url}/api/entries?offset=1000&limit=50`)).json();
    expect(page.total).toBe(sorted.length);
    expect(page.entries.map((e: { origin: string; index: number }) => `${e.origin}/${e.index}`)).toEqual(
      sorted.slice(1000, 1050).map((e) => `${e.origin}/${e.index}`),
    );
    const ofRu = await (await fetch(`${us.url}/api/entries?party=ru&limit=1000`)).json();
    expect(ofRu.total).toBe(sorted.filter((e) => e.party === 'ru').length);
  });
});
