/**
 * Openings at real sizes through a running node (real HTTP on loopback, real SQLite): a declaration of 10,000
 * items, opened 1, 150, 1,000 and 10,000 at a time. Each opening is recorded as a small entry naming its blobs,
 * served as a self-contained file that verifies offline, and folded by the engine. Bad openings are refused with
 * one clear error and record nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { PartyNode } from '../src/node/node.js';
import { checkOpeningFile } from '../src/node/opening-file.js';
import { addUser, freePort, initNodes, nonce, regimeSignature, submit, suite } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-api-escrow-scale-');
const N = 10_000;
const SITES = ['kozelsk', 'gadzhiyevo', 'engels'];
const ITEMS = Array.from({ length: N }, (_, i) => ({
  uid: `RU-${String(i).padStart(5, '0')}`,
  category: i % 3 === 0 ? 'slbm' : 'icbm',
  site: SITES[i % 3]!,
  status: i % 4 === 0 ? 'non-deployed' : 'deployed',
  ...(i % 4 === 0 ? {} : { attributes: { warheads: 1 + (i % 4) } }),
}));

async function call(url: string, method: 'GET' | 'POST', path: string, token?: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('openings at any size through a node', () => {
  let node: PartyNode;
  let close: () => Promise<void>;
  let url: string;
  let token: string;
  let declaration: { origin: string; index: number; leafHash: string };
  const size = () => node.log.store.head()?.size ?? 0;

  beforeAll(async () => {
    const dir = initNodes(tmp, ['us', 'ru']).get('ru')!;
    token = addUser(dir, 'ru', 'ru-declarant', ['declarant']);
    node = PartyNode.open(dir, { peers: [], timeoutMs: 3000 });
    // A declaration of 10,000 items is about 1.3 MB of JSON: above the default request limit.
    const app = await buildServer(node, { bodyLimit: 8 * 1024 * 1024 });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    node.start();
    url = `http://127.0.0.1:${port}`;
    close = async () => {
      await app.close();
      await node.close();
    };
    expect((await submit(url, token, regimeSignature(node))).status).toBe(201);
    const d = await call(url, 'POST', '/api/escrow/declarations', token, {
      nonce: nonce(),
      asOf: '2022-03-01',
      items: ITEMS,
    });
    expect(d.status, JSON.stringify(d.json).slice(0, 400)).toBe(201);
    declaration = { origin: d.json.receipt.origin, index: d.json.receipt.index, leafHash: d.json.receipt.leafHash };
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  const opened = new Set<string>();
  for (const k of [1, 150, 1000, N]) {
    it(`opens ${k} of ${N}: a small entry naming its blobs, a file that verifies, the engine counts them`, async () => {
      const ids = ITEMS.filter((_, i) => i % Math.floor(N / k) === 0)
        .slice(0, k)
        .map((i) => i.uid);
      const before = size();
      const r = await call(url, 'POST', '/api/escrow/openings', token, { nonce: nonce(), declaration, items: ids });
      expect(r.status, JSON.stringify(r.json).slice(0, 400)).toBe(201);
      expect(size()).toBe(before + 1);
      const entry = node.log.store.entry(r.json.receipt.index)!;
      expect(entry.length).toBeLessThan(1024);
      const body = node.allEntries().find((e) => e.index === r.json.receipt.index)!.envelope.body as any;
      expect(body.opening.leaves).toBe(k);
      for (const ref of body.opening.blobs) {
        const bytes = node.log.store.blob(fromHex(ref.sha256))!;
        expect(toHex(suite.sha256(bytes))).toBe(ref.sha256);
      }
      // Served publicly and checked offline: checkpoint, inclusion, signature, commitment, multi-leaf proof.
      const origin = encodeURIComponent(r.json.receipt.origin);
      const got = await call(url, 'GET', `/api/escrow/openings/${origin}/${r.json.receipt.index}`);
      expect(got.status).toBe(200);
      expect(got.json.opening.v).toBe(2);
      const check = checkOpeningFile(got.json, suite);
      expect(check.leaves.map((l) => l.id).sort()).toEqual([...ids].sort());
      // k separate paths would carry 14 nodes each (10,048 leaves); shared nodes are carried once, computed ones never.
      if (k > 1) expect(got.json.opening.nodes.length).toBeLessThan(k * 14);
      for (const id of ids) opened.add(id);
      const state = await call(url, 'GET', '/api/state');
      expect(state.json.escrow.declarations[0].opened).toBe(opened.size);
      const findings = await call(url, 'GET', '/api/findings');
      expect(JSON.stringify(findings.json)).not.toContain('escrow.invalid-opening');
    }, 120_000);
  }

  it('refuses an opening naming an item not declared, a blob not stored, or a proof that does not verify', async () => {
    const before = size();
    const unknown = await call(url, 'POST', '/api/escrow/openings', token, {
      nonce: nonce(),
      declaration,
      items: ['RU-00001', 'RU-99999'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain('RU-99999');
    const missing = await submit(url, token, {
      nonce: nonce(),
      type: 'declaration-opening',
      body: {
        declaration,
        opening: { leaves: 1, blobs: [{ sha256: 'ab'.repeat(32), size: 10, mediaType: 'application/json' }] },
      },
    });
    expect(missing.status).toBe(422);
    expect(missing.json.error.code).toBe('BLOB_UNKNOWN');
    // A stored blob whose proof lacks a node: the opening of the first item, one node dropped.
    const good = await call(url, 'GET', `/api/escrow/openings/${encodeURIComponent(declaration.origin)}/${before - 1}`);
    const doc = good.json.opening;
    for (const [what, change] of [
      ['a node missing', (o: any) => o.nodes.pop()],
      ['a node extra', (o: any) => o.nodes.push(o.nodes[0])],
      ['a changed count', (o: any) => (o.leaves[0].item.counts = { 'icbm:deployed': 2 })],
    ] as const) {
      const o = structuredClone(doc);
      change(o);
      // POST /api/blobs takes items only: the blob goes straight into the node's store, as a hostile writer's would.
      const bytes = canonicalJsonBytes(o);
      const hash = suite.sha256(bytes);
      node.log.store.putBlob(hash, bytes);
      const ref = { sha256: toHex(hash), size: bytes.length, mediaType: 'application/json' };
      const r = await submit(url, token, {
        nonce: nonce(),
        type: 'declaration-opening',
        body: { declaration, opening: { leaves: o.leaves.length, blobs: [ref] } },
      });
      expect(r.status, `${what}: ${JSON.stringify(r.json)}`).toBe(422);
      expect(r.json.error.code, what).toMatch(/^ESCROW_(INVALID|MALFORMED)$/);
      expect(r.json.error.path).toBe('$.body.opening');
    }
    expect(size()).toBe(before);
  }, 120_000);
});
