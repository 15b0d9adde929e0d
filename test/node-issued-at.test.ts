/**
 * L6: a submission's issuedAt must be plausible against the node's clock (injected: a scenario runs in 2022), and
 * an identical signed entry never enters the log twice. A real node over HTTP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { PartyNode } from '../src/node/node.js';
import { addUser, freePort, initNodes, nonce, regimeSignature, submit } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-issued-at-');
const NOW = Date.UTC(2022, 1, 1, 12);

describe('submissions on a simulated 2022 clock', () => {
  let node: PartyNode;
  let close: () => Promise<void>;
  let url = '';
  let token = '';

  beforeAll(async () => {
    const dir = initNodes(tmp, ['ru']).get('ru')!;
    token = addUser(dir, 'ru', 'olga', ['declarant']);
    node = PartyNode.open(dir, { peers: [], clock: () => NOW });
    const app = await buildServer(node);
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
    close = async () => {
      await app.close();
      await node.close();
    };
  });
  afterAll(() => close?.());

  const at = (ms: number) => new Date(ms).toISOString();

  it('refuses an issuedAt far before or after the node clock, and stores nothing', async () => {
    const before = node.log.store.head()!.size;
    for (const issuedAt of [
      '1970-01-01T00:00:00Z',
      '9999-12-31T00:00:00Z',
      at(NOW + 3600_000),
      at(NOW - 8 * 86400_000),
    ]) {
      const r = await submit(url, token, { ...regimeSignature(node), issuedAt });
      expect(r.status, issuedAt).toBe(422);
      expect(r.json.error).toMatchObject({ code: 'ISSUED_AT_IMPLAUSIBLE', path: '$.issuedAt' });
      expect(r.json.error.message).toContain('2022-02-01T12:10:00.000Z');
    }
    expect(node.log.store.head()!.size).toBe(before);
  });

  it('accepts the node clock itself (the default) and times within the window', async () => {
    for (const issuedAt of [undefined, at(NOW - 500), at(NOW - 86400_000), at(NOW + 60_000)]) {
      const r = await submit(url, token, { ...regimeSignature(node), ...(issuedAt ? { issuedAt } : {}) });
      expect(r.status, `${issuedAt}: ${JSON.stringify(r.json)}`).toBe(201);
    }
  });

  it('an identical signed entry under a new nonce is refused, with the index of the first', async () => {
    const body = { ...regimeSignature(node), issuedAt: at(NOW - 1000) };
    const first = await submit(url, token, body);
    expect(first.status).toBe(201);
    const again = await submit(url, token, { ...body, nonce: nonce() });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('DUPLICATE_ENTRY');
    expect(again.json.error.message).toContain(`(entry ${first.json.index})`);
    expect(node.log.store.head()!.size).toBe(first.json.index + 1);
  });
});
