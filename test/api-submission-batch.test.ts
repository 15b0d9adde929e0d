/**
 * `POST /api/submissions/batch` over real HTTP on loopback: every submission of a batch is checked, recorded and
 * answered as `POST /api/submissions` answers it alone (a property test sends the same submissions both ways, to two
 * nodes of the same regime), each receipt proves its entry's inclusion, a malformed batch records nothing, and a
 * batch route's rate limit is a user's divided by BATCH_MAX.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_MAX } from '../src/api/http.js';
import { buildServer } from '../src/api/server.js';
import { fromBase64 } from '../src/crypto/bytes.js';
import { PartyNode } from '../src/node/node.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { verifyInclusion } from '../src/tlog/inclusion.js';
import { addUser, freePort, initNodes, nonce, type RunningNode, startNode, submit, suite } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-api-batch-');
const hasher = new Rfc6962Hasher(suite.sha256);

async function submitBatch(url: string, token: string | undefined, body: unknown) {
  const res = await fetch(`${url}/api/submissions/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** Checks a receipt's inclusion proof against its checkpoint, for the entry the node's log holds at its index. */
function expectIncluded(node: PartyNode, receipt: any) {
  const leaf = node.log.store.entry(receipt.index)!;
  expect(receipt.leafHash).toBe(Buffer.from(hasher.hashLeaf(leaf)).toString('hex'));
  const root = fromBase64(receipt.checkpoint.split('\n')[2]);
  const proof = receipt.proof.map((p: string) => fromBase64(p));
  verifyInclusion(hasher, receipt.index, receipt.size, hasher.hashLeaf(leaf), proof, root);
}

describe('POST /api/submissions/batch', () => {
  let batched: RunningNode;
  let single: RunningNode;
  const alice = new Map<RunningNode, string>();
  let ivan: string;

  beforeAll(async () => {
    // Two nodes of the same party and regime: one takes batches, the other the same submissions one by one.
    const [a, b] = [initNodes(tmp, ['us']).get('us')!, initNodes(tmp, ['us']).get('us')!];
    const tokenA = addUser(a, 'us', 'alice', ['declarant']);
    const tokenB = addUser(b, 'us', 'alice', ['declarant']);
    ivan = addUser(a, 'us', 'ivan', ['inspector']);
    batched = await startNode(a, await freePort(), [], false);
    single = await startNode(b, await freePort(), [], false);
    alice.set(batched, tokenA).set(single, tokenB);
  });

  afterAll(async () => {
    await batched?.close();
    await single?.close();
  });

  const size = (n: RunningNode) => n.node.log.store.head()?.size ?? 0;
  let clock = Date.now() - 3_600_000;
  const good = (n: RunningNode) => ({
    nonce: nonce(),
    type: 'regime-signature',
    // Each its own time: two entries of the same type, body and time are the same entry (409 DUPLICATE_ENTRY).
    issuedAt: new Date(clock++).toISOString(),
    body: { regime: n.node.regimeHash, id: n.node.regime.id, version: n.node.regime.version },
  });

  it('records each submission of a batch, in order, each with a receipt that proves its inclusion', async () => {
    const before = size(batched);
    const items = [good(batched), good(batched), good(batched)];
    const { status, json } = await submitBatch(batched.url, alice.get(batched), { submissions: items });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json.results.map((r: any) => r.status)).toEqual([201, 201, 201]);
    expect(json.results.map((r: any) => r.receipt.index)).toEqual([before, before + 1, before + 2]);
    for (const r of json.results) expectIncluded(batched.node, r.receipt);
    expect(size(batched)).toBe(before + 3);
  });

  it('answers each refused submission with its error and a path into the batch, and records the others', async () => {
    const before = size(batched);
    const first = good(batched);
    const items = [
      first,
      { ...good(batched), nonce: first.nonce },
      {
        ...good(batched),
        refs: [{ origin: batched.node.log.store.origin, index: 10 ** 6, leafHash: '00'.repeat(32) }],
      },
      { ...good(batched), type: 'no-such-type' },
      good(batched),
    ];
    const { status, json } = await submitBatch(batched.url, alice.get(batched), { submissions: items });
    expect(status, JSON.stringify(json)).toBe(200);
    const [ok1, replayed, badRef, badType, ok2] = json.results;
    expect(ok1.status).toBe(201);
    expect(replayed).toMatchObject({ status: 409, error: { code: 'REPLAYED', path: '$.submissions[1].nonce' } });
    expect(badRef.status).toBe(422);
    // (The path the single route gives: where the reference sits in the entry.)
    expect(badRef.error).toMatchObject({ code: 'REFERENCE_UNKNOWN', path: '$.submissions[2].entry.refs[0]' });
    expect(badType).toMatchObject({ status: 400, error: { path: '$.submissions[3].type' } });
    expect(ok2.status).toBe(201);
    expect(size(batched)).toBe(before + 2);
    // A user without the role: every submission refused, nothing recorded.
    const denied = await submitBatch(batched.url, ivan, { submissions: [good(batched), good(batched)] });
    expect(denied.status).toBe(200);
    expect(denied.json.results.map((r: any) => [r.status, r.error.code])).toEqual([
      [403, 'ROLE_DENIED'],
      [403, 'ROLE_DENIED'],
    ]);
    expect(size(batched)).toBe(before + 2);
  });

  it('refuses a malformed batch as a whole, naming the field, and records nothing of it', async () => {
    const before = size(batched);
    const kept = good(batched);
    const cases: [unknown, string][] = [
      [{ submissions: [kept, { nonce: nonce(), body: {} }] }, '$.submissions[1].type'],
      [{ submissions: [] }, '$.submissions'],
      [{ submissions: Array.from({ length: BATCH_MAX + 1 }, () => good(batched)) }, '$.submissions'],
      [[kept], '$'],
      [{ submission: [kept] }, '$.submissions'],
    ];
    for (const [body, path] of cases) {
      const { status, json } = await submitBatch(batched.url, alice.get(batched), body);
      expect(status, JSON.stringify(json)).toBe(400);
      expect(json.error).toMatchObject({ code: 'SCHEMA_INVALID', path });
    }
    const tooLarge = await submitBatch(batched.url, alice.get(batched), {
      submissions: Array.from({ length: 5 }, () => ({ ...good(batched), padding: 'x'.repeat(60_000) })),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error.code).toBe('BODY_TOO_LARGE');
    const anonymous = await submitBatch(batched.url, undefined, { submissions: [kept] });
    expect(anonymous.status).toBe(401);
    expect(size(batched)).toBe(before);
    // Its nonce was not spent: the submission lands when sent again.
    expect((await submit(batched.url, alice.get(batched)!, kept)).status).toBe(201);
  });

  it('answers every submission as the single route answers it alone (property)', async () => {
    type Kind = 'good' | 'replay' | 'duplicate' | 'missing-ref' | 'unknown-type' | 'future' | 'bad-nonce';
    const kinds: Kind[] = ['good', 'replay', 'duplicate', 'missing-ref', 'unknown-type', 'future', 'bad-nonce'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 8 }), async (plan) => {
        // The same submissions for both nodes (the bodies name the same regime); a replay or a duplicate repeats
        // an earlier good one, if there is one.
        const items: Record<string, unknown>[] = [];
        const goods: Record<string, unknown>[] = [];
        for (const kind of plan) {
          const base = good(batched);
          const earlier = goods[goods.length - 1];
          const item =
            kind === 'replay' && earlier
              ? { ...base, nonce: earlier.nonce }
              : kind === 'duplicate' && earlier
                ? { ...earlier, nonce: nonce() }
                : kind === 'missing-ref'
                  ? { ...base, refs: [{ origin: 'detente.example/us', index: 10 ** 6, leafHash: 'ab'.repeat(32) }] }
                  : kind === 'unknown-type'
                    ? { ...base, type: 'no-such-type' }
                    : kind === 'future'
                      ? { ...base, issuedAt: new Date(Date.now() + 86_400_000).toISOString() }
                      : kind === 'bad-nonce'
                        ? { ...base, nonce: 'short' }
                        : base;
          if (item === base && kind === 'good') goods.push(item);
          items.push(item);
        }
        const beforeA = size(batched);
        const beforeB = size(single);
        const { status, json } = await submitBatch(batched.url, alice.get(batched), { submissions: items });
        expect(status, JSON.stringify(json)).toBe(200);
        const alone = [];
        for (const item of items) alone.push(await submit(single.url, alice.get(single)!, item));
        const answer = (r: { status: number; error?: { code: string; path?: string } }, i?: number) => ({
          status: r.status,
          code: r.error?.code,
          path:
            r.error?.path === undefined || i === undefined
              ? r.error?.path
              : `$.submissions[${i}]${r.error.path.slice(1)}`,
        });
        expect(json.results.map((r: any) => answer(r))).toEqual(
          alone.map((r, i) => answer({ status: r.status, error: r.json.error }, i)),
        );
        const accepted = json.results.filter((r: any) => r.status === 201);
        for (const r of accepted) expectIncluded(batched.node, r.receipt);
        expect(size(batched) - beforeA).toBe(accepted.length);
        expect(size(single) - beforeB).toBe(accepted.length);
      }),
      { numRuns: 25 },
    );
  });
});

describe('a batch and the rate limit', () => {
  it('has its own limit: the user’s requests a minute divided by BATCH_MAX', async () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    const token = addUser(dir, 'us', 'alice', ['declarant']);
    const node = PartyNode.open(dir);
    // Two batches a minute: a user's 2 × BATCH_MAX requests.
    const app = await buildServer(node, { rateLimits: { user: 2 * BATCH_MAX } });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    node.start();
    try {
      const url = `http://127.0.0.1:${port}`;
      const body = (i: number) => ({
        submissions: [
          {
            nonce: nonce(),
            type: 'regime-signature',
            issuedAt: new Date(Date.now() - 1000 - i).toISOString(),
            body: { regime: node.regimeHash, id: node.regime.id, version: node.regime.version },
          },
        ],
      });
      expect((await submitBatch(url, token, body(1))).status).toBe(200);
      expect((await submitBatch(url, token, body(2))).status).toBe(200);
      const third = await submitBatch(url, token, body(3));
      expect(third.status).toBe(429);
      expect(third.json.error.code).toBe('RATE_LIMITED');
      expect(node.log.store.head()!.size).toBe(2);
    } finally {
      await app.close();
      await node.close();
    }
  });
});
