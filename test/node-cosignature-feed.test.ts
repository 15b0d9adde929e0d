/**
 * Mirrors read the author's whole cosignature feed (/api/cosignatures/feed), not only the lines of the checkpoint
 * they mirror now: a receipt that reaches the author after its mirrors moved past the checkpoint it signs still
 * reaches every mirror, so every node counts the same time. (Reading only the current checkpoint, three nodes
 * disagreed by a second now and then under load, for good: CI, session 12.) Three real nodes on loopback; ru's and
 * nato's clocks run 30 s ahead, so that their own receipts and cosignatures are later than the one the test adds.
 * And an author whose push lost its answer (the mirror signed and stored a receipt that never came back) reads that
 * mirror's feed of its own log, so that receipt still reaches it and every other mirror.
 */
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNote } from '../src/crypto/note.js';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { verifyStore } from '../src/log/verify-log.js';
import { mirrorName, mirrorVkeyOf } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { cosignerFromSeed, parseCosignatureVerifierKey } from '../src/tlog/cosignature.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { textsDifference } from './helpers/json-difference.js';
import { listen } from './helpers/logs.js';
import {
  addUser,
  freePort,
  initNodes,
  nonce,
  peersOf,
  type RunningNode,
  regimeSignature,
  startNode,
  submit,
  suite,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-cosignature-feed-');
const US = 'detente.example/us';
const AHEAD = 30_000;
const hasher = new Rfc6962Hasher(suite.sha256);

/**
 * A receipt of the us log's checkpoint of `size` by the mirror of a party that runs no node here (its key's seed is
 * the one absentPartyKeys made it from).
 */
function absentReceipt(node: PartyNode, size: number, timestamp: number, party = 'pl') {
  const p = node.regime.parties.find((x) => x.id === party)!;
  const cosigner = cosignerFromSeed(suite, mirrorName(p), suite.sha256(Buffer.from(`absent ${party}-mirror`)));
  const store = node.logByParty('us')!.store;
  const line = cosigner.cosignLine(parseNote(store.checkpoint(size)!).text, timestamp).trimEnd();
  return { size, name: cosigner.name, keyId: cosigner.keyId, timestamp, line };
}

/** Waits until every node answers the same bytes for /api/state (as of a day from now); those bytes. */
async function untilTheyAgree(nodes: RunningNode[]): Promise<string> {
  const asOf = new Date(Date.now() + 86_400_000).toISOString();
  let states: string[] = [];
  await until(
    'the nodes agree',
    async () => {
      states = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/api/state?asOf=${asOf}`)).text()));
      return new Set(states).size === 1;
    },
    20_000,
    () =>
      textsDifference(
        states,
        nodes.map((n) => n.node.party.id),
      ),
  );
  return states[0]!;
}

async function countedAt(n: RunningNode, index: number): Promise<string> {
  return (await (await fetch(`${n.url}/api/entries/${encodeURIComponent(US)}/${index}`)).json()).countedAt;
}

describe('a receipt that reaches the author late', () => {
  let us: RunningNode;
  let ru: RunningNode;
  let nato: RunningNode;
  let token: string;

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    token = addUser(dirs.get('us')!, 'us', 'officer', ['declarant']);
    const ports = { us: await freePort(), ru: await freePort(), nato: await freePort() };
    const peers = (self: keyof typeof ports) => peersOf(ports, self);
    const ahead = () => Date.now() + AHEAD;
    us = await startNode(dirs.get('us')!, ports.us, peers('us'));
    ru = await startNode(dirs.get('ru')!, ports.ru, peers('ru'), true, ahead);
    nato = await startNode(dirs.get('nato')!, ports.nato, peers('nato'), true, ahead);
  });

  afterAll(async () => {
    for (const n of [us, ru, nato]) await n?.close();
  });

  it('reaches every mirror, which counts from it as the author does, though both moved past its checkpoint', async () => {
    const first = await submit(us.url, token, regimeSignature(us.node));
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    const mirroredAt = (n: RunningNode, size: number) => n.node.servedSize(n.node.logByParty('us')!) >= size;
    await until('ru and nato mirror the first checkpoint', () => mirroredAt(ru, 1) && mirroredAt(nato, 1));
    const second = await submit(us.url, token, {
      nonce: nonce(),
      type: 'acknowledgement',
      body: { notification: { origin: US, index: 0, leafHash: first.json.leafHash } },
    });
    expect(second.status, JSON.stringify(second.json)).toBe(201);
    await until('ru and nato mirror the second checkpoint', () => mirroredAt(ru, 2) && mirroredAt(nato, 2));
    for (const n of [ru, nato]) expect(n.node.logByParty('us')!.store.checkpoint(1), n.party).toBeDefined();

    // pl's receipt of size 1, at the first whole second not before the entry was signed: earlier than any other.
    const issuedAt = Date.parse(us.node.allEntries().find((e) => e.origin === US && e.index === 0)!.envelope.issuedAt);
    const at = Math.ceil(issuedAt / 1000);
    const late = absentReceipt(us.node, 1, at);
    us.node.logByParty('us')!.store.addCosignature(late);
    us.node.touch();

    const expected = new Date(at * 1000).toISOString();
    expect(await countedAt(us, 0)).toBe(expected);
    await until('ru and nato count entry 0 from pl’s receipt', async () => {
      for (const n of [ru, nato]) if ((await countedAt(n, 0)) !== expected) return false;
      return true;
    });
    for (const n of [ru, nato]) {
      const held = n.node.logByParty('us')!.store.cosignatures(1);
      expect(
        held.some((c) => c.line === late.line),
        n.party,
      ).toBe(true);
    }
    expect(await untilTheyAgree([us, ru, nato])).toContain(expected);
  });
});

describe('a mirror that catches up past a checkpoint in one step', () => {
  let us: RunningNode;
  let ru: RunningNode;
  let nato: RunningNode | undefined;

  afterAll(async () => {
    for (const n of [us, ru, nato]) await n?.close();
  });

  it('takes the lines of the checkpoint it never held from the feed, and counts as the others do', async () => {
    const dirs = initNodes(tmp);
    const token = addUser(dirs.get('us')!, 'us', 'officer', ['declarant']);
    const ports = { us: await freePort(), ru: await freePort(), nato: await freePort() };
    const peers = (self: keyof typeof ports) => peersOf(ports, self);
    us = await startNode(dirs.get('us')!, ports.us, peers('us'));
    ru = await startNode(dirs.get('ru')!, ports.ru, peers('ru'), true, () => Date.now() + AHEAD);
    const mirroredAt = (n: RunningNode, size: number) => n.node.servedSize(n.node.logByParty('us')!) >= size;
    const receiptOfRu = (size: number) => us.node.mirrorReceipts(size).some((r) => r.party === 'ru');

    // Two checkpoints more than a second apart, each received by ru, while nato is down.
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await until('ru’s receipt of the first checkpoint', () => mirroredAt(ru, 1) && receiptOfRu(1));
    await new Promise((r) => setTimeout(r, 1100));
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await until('ru’s receipt of the second checkpoint', () => mirroredAt(ru, 2) && receiptOfRu(2));

    // nato comes up 60 s ahead (its own receipt is the latest) and mirrors size 2 at once.
    nato = await startNode(dirs.get('nato')!, ports.nato, peers('nato'), true, () => Date.now() + 2 * AHEAD);
    const late = nato;
    await until('nato mirrors the second checkpoint', () => mirroredAt(late, 2));
    expect(late.node.logByParty('us')!.store.checkpoint(1)).toBeUndefined();
    const expected = await countedAt(us, 0);
    expect(await countedAt(ru, 0)).toBe(expected);
    await until('nato counts entry 0 from ru’s receipt of the first checkpoint', async () => {
      return (await countedAt(late, 0)) === expected;
    });
    await untilTheyAgree([us, ru, late]);
    // The mirror's copy still verifies whole: ru's receipt of the checkpoint it never held checks over its own tree.
    const mirrored = late.node.logByParty('us')!;
    const ruMirror = parseCosignatureVerifierKey(
      mirrorVkeyOf(late.node.regime.parties.find((p) => p.id === 'ru')!, suite)!,
      suite,
    );
    const report = await verifyStore(mirrored.store, hasher, parseVerifierKey(mirrored.vkey, suite), {
      witnesses: [ruMirror],
    });
    expect(mirrored.store.cosignatures(1).map((c) => c.name)).toContain(ruMirror.name);
    expect(report.cosignaturesVerified).toBeGreaterThanOrEqual(2);
  });
});

describe('a receipt and a cosignature whose answers the author never got', () => {
  let us: RunningNode;
  let ru: RunningNode;
  let nato: RunningNode;
  let proxy: Server;
  /**
   * While set, the proxy in front of ru passes each push and each witness request on, and drops any answer that
   * carries ru's signature (its receipt, its witness's cosignature).
   */
  let dropping = true;
  let dropped = 0;

  afterAll(async () => {
    for (const n of [us, ru, nato]) await n?.close();
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
  });

  it('reach the author from the peer’s feeds, and every other node from the author’s', async () => {
    const dirs = initNodes(tmp);
    const token = addUser(dirs.get('us')!, 'us', 'officer', ['declarant']);
    const ports = { us: await freePort(), ru: await freePort(), nato: await freePort() };
    const proxyPort = await freePort();
    const ruUrl = `http://127.0.0.1:${ports.ru}`;
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        const upstream = await fetch(`${ruUrl}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(
            ['content-type', 'content-encoding'].flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : [])),
          ),
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        // A receipt is a signature line ("— name keyhash"): ru has signed and stored it; us never sees it.
        const signs = req.url?.startsWith('/mirror/') || req.url === '/logs/us/add-checkpoint';
        if (dropping && req.method === 'POST' && signs && body.includes('— ')) {
          dropped++;
          res.destroy();
          return;
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
        res.end(body);
      } catch {
        res.destroy();
      }
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
    const usPeers = peersOf(ports, 'us').map((p) =>
      p.party === 'ru' ? { ...p, url: `http://127.0.0.1:${proxyPort}` } : p,
    );
    us = await startNode(dirs.get('us')!, ports.us, usPeers);
    ru = await startNode(dirs.get('ru')!, ports.ru, peersOf(ports, 'ru'));
    nato = await startNode(dirs.get('nato')!, ports.nato, peersOf(ports, 'nato'), true, () => Date.now() + AHEAD);
    const ruReceipt = (size: number) =>
      ru.node
        .logByParty('us')!
        .store.cosignatures(size)
        .find((c) => c.name.endsWith('/ru/mirror'));

    // ru receives and signs the first checkpoint; its answer is lost, and us moves on before it pushes again.
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await until(
      'ru’s receipt and cosignature of the first checkpoint, on ru’s side',
      () => ruReceipt(1) !== undefined && ru.node.witness!.cosignaturesAt(US, 1).length > 0,
    );
    expect(dropped).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await until('ru’s receipt of the second checkpoint, on ru’s side', () => ruReceipt(2) !== undefined);
    dropping = false;

    const expected = new Date(ruReceipt(1)!.timestamp * 1000).toISOString();
    expect(await countedAt(ru, 0)).toBe(expected);
    await until('us and nato count entry 0 from ru’s receipt', async () => {
      for (const n of [us, nato]) if ((await countedAt(n, 0)) !== expected) return false;
      return true;
    });
    expect(us.node.mirrorReceipts(1).map((r) => r.party)).toContain('ru');
    // ru's witness's cosignature of size 1 (it counts only past the last receipt, so no time shows it): held by us
    // from ru's witness feed, and by nato from us's feed.
    const ruWitness = ru.node.witness!.cosignaturesAt(US, 1)[0]!.line.trimEnd();
    await until('us and nato hold ru’s witness cosignature of size 1', () =>
      [us, nato].every((n) =>
        n.node
          .logByParty('us')!
          .store.cosignatures(1)
          .some((c) => c.line === ruWitness),
      ),
    );
    await untilTheyAgree([us, ru, nato]);
  });
});

describe('the cosignature feed of a lone node', () => {
  let us: RunningNode;

  beforeAll(async () => {
    const dir = initNodes(tmp).get('us')!;
    const token = addUser(dir, 'us', 'officer', ['declarant']);
    us = await startNode(dir, await freePort(), []);
    const store = us.node.logByParty('us')!.store;
    for (let size = 1; size <= 3; size++) {
      expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
      const at = Math.ceil(Date.now() / 1000) + 60;
      for (const party of ['pl', 'ro', 'ua']) store.addCosignature(absentReceipt(us.node, size, at, party));
    }
  });

  afterAll(async () => {
    await us?.close();
  });

  it('serves the feed in pages that add up to every row stored, whatever the page size (property)', async () => {
    const store = us.node.logByParty('us')!.store;
    const all = store.cosignaturesSince(0).map((c) => ({ row: c.row, size: c.size, line: c.line.trimEnd() }));
    expect(all.length).toBeGreaterThanOrEqual(5);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.nat({ max: all.length }), async (limit, start) => {
        const after = start === 0 ? 0 : all[start - 1]!.row;
        const read: typeof all = [];
        let cursor = after;
        for (;;) {
          const res = await fetch(
            `${us.url}/api/cosignatures/feed?origin=${encodeURIComponent(US)}&after=${cursor}&limit=${limit}`,
          );
          expect(res.status).toBe(200);
          const page = (await res.json()) as { rows: typeof all; more: boolean };
          expect(page.rows.length).toBeLessThanOrEqual(limit);
          read.push(...page.rows);
          if (!page.more) break;
          cursor = page.rows.at(-1)!.row;
        }
        expect(read).toEqual(all.slice(start));
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a bad query with the field named, and an unknown log with 404 (both feeds)', async () => {
    const feed = (query: string) => fetch(`${us.url}/api/cosignatures/feed?${query}`);
    const bad = await feed(`origin=${encodeURIComponent(US)}&limit=0`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('limit');
    expect((await feed(`origin=${encodeURIComponent(US)}&after=-1`)).status).toBe(400);
    expect((await feed('origin=detente.example/nobody')).status).toBe(404);
    // The witness's feed takes the same query; a node's witness never cosigns the node's own log.
    const witness = (query: string) => fetch(`${us.url}/api/witness/cosignatures?${query}`);
    expect((await witness(`origin=${encodeURIComponent(US)}&limit=0`)).status).toBe(400);
    expect((await witness('origin=detente.example/nobody')).status).toBe(404);
    expect(await (await witness(`origin=${encodeURIComponent(US)}`)).json()).toEqual({ rows: [], more: false });
  });
});

describe('a mirror reading a feed that lies', () => {
  const proxy = Fastify({ logger: false, forceCloseConnections: true });
  let author: RunningNode;
  let mirror: PartyNode;
  let honest: { row: number; size: number; line: string }[] = [];
  let served: unknown = { rows: [], more: false };
  let mirrorDir: string;
  let proxyBase: string;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    const token = addUser(dirs.get('us')!, 'us', 'officer', ['declarant']);
    author = await startNode(dirs.get('us')!, await freePort(), []);
    const store = author.node.logByParty('us')!.store;
    // The author's log as it is, but the feed the property makes up.
    proxy.get('/api/cosignatures/feed', (_req, reply) => reply.send(served));
    proxy.get('/*', async (req, reply) => {
      const res = await fetch(`${author.url}${req.url}`);
      return reply
        .status(res.status)
        .type(res.headers.get('content-type') ?? 'application/octet-stream')
        .send(Buffer.from(await res.arrayBuffer()));
    });
    proxyBase = (await listen(proxy)).base;
    mirrorDir = dirs.get('ru')!;
    mirror = PartyNode.open(mirrorDir, { peers: [{ party: 'us', url: proxyBase }], timeoutMs: 3000 });
    // Mirrored one checkpoint at a time, so that the mirror holds both to check lines over.
    for (let size = 1; size <= 2; size++) {
      expect((await submit(author.url, token, regimeSignature(author.node))).status).toBe(201);
      const at = Math.ceil(Date.now() / 1000) + 60;
      for (const party of ['pl', 'ro']) store.addCosignature(absentReceipt(author.node, size, at, party));
      await mirror.syncMirror('us');
    }
    honest = store.cosignaturesSince(0).map((c) => ({ row: c.row, size: c.size, line: c.line.trimEnd() }));
    expect(mirror.servedSize(mirror.logByParty('us')!)).toBe(2);
  });

  afterAll(async () => {
    await mirror?.close();
    await proxy.close();
    await author?.close();
  });

  it('stores only lines that verify over its own checkpoints, whatever the rows (property)', async () => {
    const forged = (r: { line: string }) => `${r.line.slice(0, -8)}AAAAAAA=`;
    const row = fc.oneof(
      fc.constantFrom(...honest),
      fc.constantFrom(...honest).map((r) => ({ ...r, line: forged(r) })),
      fc.constantFrom(...honest).map((r) => ({ ...r, size: r.size === 1 ? 2 : 1 })),
      fc.record({ row: fc.integer(), size: fc.integer(), line: fc.string() }),
      fc.anything(),
    );
    const store = mirror.logByParty('us')!.store;
    const before = store.cosignaturesSince(0).length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.record({ rows: fc.array(row, { maxLength: 12 }), more: fc.boolean() }), fc.anything()),
        async (body) => {
          served = body;
          await mirror.syncMirror('us');
          const held = store.cosignaturesSince(0).map((c) => c.line.trimEnd());
          const real = new Set(honest.map((r) => r.line));
          expect(held.slice(before).every((l) => real.has(l))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    expect(mirror.mirrors.get('us')!.lastError).toBeUndefined();
    // Reopened (it reads the feed from its start again), the mirror takes every honest line the lies went past.
    await mirror.close();
    mirror = PartyNode.open(mirrorDir, { peers: [{ party: 'us', url: proxyBase }], timeoutMs: 3000 });
    served = { rows: honest, more: false };
    await mirror.syncMirror('us');
    const held = mirror
      .logByParty('us')!
      .store.cosignaturesSince(0)
      .map((c) => c.line.trimEnd());
    expect(new Set(held)).toEqual(new Set(honest.map((r) => r.line)));
  });
});
