/**
 * M3 of the red team: four peer fetches (a peer's cosignatures, a declaration's blob, a witness's reply, a gossiped
 * checkpoint) used to read the whole body, bounded only by the deadline (260–780 MB a fetch). A fake peer on
 * loopback (node:http) relays a real `ru` log but answers those four with an endless body, sent chunked (no length
 * to refuse up front). The node's rounds end each read within a few bytes of its limit, and it keeps serving
 * /api/health and mirroring its honest peer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartyNode } from '../src/node/node.js';
import { addUser, initNodes, nonce, type RunningNode, regimeSignature, startNode, submit } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-endless-peer-');
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
/** Where an endless body stops if nobody stops reading it. */
const GIVE_UP = 1 << 30;
/** What a bounded read may let the peer write: its limit, plus what loopback's socket buffers take in. */
const BOUND = 16 << 20;

type Endless = 'cosignatures' | 'blob' | 'witness' | 'gossip';

/** Which of the four fetches a request is, if any. */
function endlessKind(req: IncomingMessage): Endless | undefined {
  const url = req.url ?? '';
  if (url.startsWith('/api/cosignatures')) return 'cosignatures';
  if (url.startsWith('/api/blobs/')) return 'blob';
  if (req.method === 'POST' && url === '/logs/us/add-checkpoint') return 'witness';
  if (url === '/logs/us/checkpoint') return 'gossip';
  return undefined;
}

/** Writes junk until the client goes away (or 1 GiB); resolves with the bytes the socket accepted. */
function endless(res: ServerResponse): Promise<number> {
  res.writeHead(200, { 'content-type': 'text/plain' });
  return new Promise((resolve) => {
    let written = 0;
    let gone = false;
    res.on('close', () => {
      gone = true;
      resolve(written);
    });
    const pump = () => {
      while (!gone && written < GIVE_UP) {
        written += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!gone) res.end();
    };
    pump();
  });
}

/** Forwards a request to the real node `upstream` (its log, its tiles) and relays the answer. */
async function relay(upstream: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const up = await fetch(`${upstream}${req.url}`, { method: req.method });
  res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/octet-stream' });
  res.end(Buffer.from(await up.arrayBuffer()));
}

describe('a peer that answers four fetches with an endless body', () => {
  let ru: RunningNode;
  let nato: RunningNode;
  let us: RunningNode;
  let fake: Server;
  const written: Record<Endless, number[]> = { cosignatures: [], blob: [], witness: [], gossip: [] };
  const pending = new Set<Promise<number>>();
  let blobAsked = 0;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru', 'nato']);
    // ru's real log: a regime signature and a plain declaration naming a blob (ru's node runs no rounds).
    ru = await startNode(dirs.get('ru')!, 0, [], false);
    ru.url = `http://127.0.0.1:${(ru.app.server.address() as AddressInfo).port}`;
    const ruToken = addUser(dirs.get('ru')!, 'ru', 'ivan', ['declarant']);
    expect((await submit(ru.url, ruToken, regimeSignature(ru.node))).status).toBe(201);
    const item = { uid: 'RU-HB-1', category: 'heavy-bomber', site: 'engels', status: 'deployed' };
    const blob = await fetch(`${ru.url}/api/blobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ruToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ ...item, uid: 'RU-HB-2' }]),
    });
    expect(blob.status).toBe(201);
    const ref = (await blob.json()) as { sha256: string; size: number; mediaType: string };
    const declaration = await submit(ru.url, ruToken, {
      nonce: nonce(),
      type: 'declaration',
      body: { form: 'plain', asOf: '2022-12-31', items: [item], quantities: [], more: [{ ...ref, name: 'more.json' }] },
    });
    expect(declaration.status, JSON.stringify(declaration.json)).toBe(201);

    // nato: an honest peer with one entry.
    nato = await startNode(dirs.get('nato')!, 0, [], false);
    nato.url = `http://127.0.0.1:${(nato.app.server.address() as AddressInfo).port}`;
    const natoToken = addUser(dirs.get('nato')!, 'nato', 'nina', ['declarant']);
    expect((await submit(nato.url, natoToken, regimeSignature(nato.node))).status).toBe(201);

    fake = createServer((req, res) => {
      const kind = endlessKind(req);
      req.resume();
      // The blob once: a round that fails on it goes no further, so the next finds it missing and goes on.
      if (kind === 'blob' && blobAsked++ > 0) {
        res.writeHead(404).end();
        return;
      }
      if (!kind) {
        relay(ru.url, req, res).catch(() => res.destroy());
        return;
      }
      const done = endless(res);
      pending.add(done);
      done.then((n) => {
        written[kind].push(n);
        pending.delete(done);
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

    us = await startNode(
      dirs.get('us')!,
      0,
      [
        { party: 'ru', url: fakeUrl },
        { party: 'nato', url: nato.url },
      ],
      false,
    );
    us.url = `http://127.0.0.1:${(us.app.server.address() as AddressInfo).port}`;
    const usToken = addUser(dirs.get('us')!, 'us', 'alice', ['declarant']);
    expect((await submit(us.url, usToken, regimeSignature(us.node))).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await us?.close();
    fake?.closeAllConnections();
    await new Promise((resolve) => fake?.close(resolve));
    await nato?.close();
    await ru?.close();
  });

  it('ends each read near its limit, and keeps serving /api/health and mirroring its honest peer', async () => {
    const node: PartyNode = us.node;
    await node.syncMirror('ru'); // the blob
    await node.syncMirror('ru'); // the cosignatures
    await node.requestCosignatures(); // ru's witness
    await node.gossipRound(); // ru's copy of our checkpoint
    while (pending.size > 0) await Promise.race(pending);

    // The round got ru's log (relayed honestly), and asked for each of the four.
    expect(node.servedSize(node.logByParty('ru')!)).toBe(2);
    for (const kind of Object.keys(written) as Endless[]) {
      expect(written[kind].length, kind).toBeGreaterThan(0);
      for (const n of written[kind]) expect(n, kind).toBeLessThan(BOUND);
    }
    expect(node.blob((await ruBlob()).sha256)).toBeUndefined();

    const health = await fetch(`${us.url}/api/health`);
    expect(health.status).toBe(200);
    await node.syncMirror('nato');
    expect(node.servedSize(node.logByParty('nato')!)).toBe(1);
  }, 60_000);

  async function ruBlob(): Promise<{ sha256: string }> {
    const entry = ru.node.allEntries().find((e) => e.envelope.type === 'declaration')!;
    return (entry.envelope.body as { more: { sha256: string }[] }).more[0]!;
  }
});
