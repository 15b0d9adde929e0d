/**
 * L4 of the red team: under load, concurrent cosignature requests to one witness shared the size it last cosigned,
 * and a request for an older head read the witness's newer size as "cosigned beyond our log": a false
 * key-compromise alarm, at error level. Real nodes on loopback: `us` appends in quick bursts while its rounds ask
 * `ru`'s real witness again and again, all at once.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { PartyNode } from '../src/node/node.js';
import { formatAddCheckpointRequest } from '../src/tlog/witness-protocol.js';
import { addUser, freePort, initNodes, nonce, submit, until } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-cosign-race-');
const BURSTS = 12;
const PER_BURST = 8;

interface Served {
  node: PartyNode;
  app: FastifyInstance;
  url: string;
  dir: string;
  logged: string[];
}

async function serve(dir: string, port: number, peers: { party: string; url: string }[]): Promise<Served> {
  const logged: string[] = [];
  const node = PartyNode.open(dir, {
    peers,
    timeoutMs: 5000,
    logger: (level, message) => logged.push(`${level} ${message}`),
  });
  const app = await buildServer(node);
  await app.listen({ port, host: '127.0.0.1' });
  return { node, app, url: `http://127.0.0.1:${port}`, dir, logged };
}

/** A distinct entry each: a declaration of one bomber, numbered `n`. */
function declaration(n: number) {
  const item = { uid: `US-HB-${n}`, category: 'heavy-bomber', site: 'minot', status: 'deployed' };
  return {
    nonce: nonce(),
    type: 'declaration',
    body: { form: 'plain', asOf: '2022-12-31', items: [item], quantities: [] },
  };
}

describe('concurrent cosignature requests while the log grows', () => {
  let us: Served;
  let ru: Served;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    const [usPort, ruPort] = [await freePort(), await freePort()];
    ru = await serve(dirs.get('ru')!, ruPort, [{ party: 'us', url: `http://127.0.0.1:${usPort}` }]);
    us = await serve(dirs.get('us')!, usPort, [{ party: 'ru', url: ru.url }]);
  });

  afterAll(async () => {
    for (const s of [us, ru]) {
      await s?.app.close();
      await s?.node.close();
    }
  });

  it('raises no "cosigned beyond our log" alarm and records no evidence', async () => {
    const token = addUser(us.dir, 'us', 'alice', ['declarant']);
    const asking: Promise<void>[] = [];
    for (let b = 0; b < BURSTS; b++) {
      const burst = Array.from({ length: PER_BURST }, (_, i) => submit(us.url, token, declaration(b * PER_BURST + i)));
      // Requests for each head as it grows, several in flight at once.
      for (let i = 0; i < 4; i++) {
        asking.push(us.node.requestCosignatures());
        await new Promise((r) => setImmediate(r));
      }
      for (const r of await Promise.all(burst)) expect(r.status, JSON.stringify(r.json)).toBe(201);
      asking.push(us.node.requestCosignatures());
    }
    await Promise.all(asking);
    await us.node.requestCosignatures();

    const log = us.node.logByParty('us')!;
    const size = log.store.head()!.size;
    expect(size).toBe(BURSTS * PER_BURST);
    // The witness ends at our head, and we hold its cosignature of it.
    expect(ru.node.witness!.latest(log.origin)?.size).toBe(size);
    expect(log.store.cosignatures(size).length).toBeGreaterThan(0);
    expect(us.logged.filter((l) => l.includes('beyond our'))).toEqual([]);
    expect(us.logged.filter((l) => l.startsWith('error'))).toEqual([]);
    for (const s of [us, ru]) expect(readdirSync(join(s.dir, 'evidence'))).toEqual([]);
  }, 120_000);

  it("changes the witness's data version only when it stores a cosignature, not for a stranger's re-cosign", async () => {
    const log = us.node.logByParty('us')!;
    const head = log.store.head()!;
    const ask = () =>
      fetch(`${ru.url}/logs/us/add-checkpoint`, {
        method: 'POST',
        body: formatAddCheckpointRequest({ oldSize: head.size, proof: [], checkpointNote: head.checkpoint }),
      });
    // ru's mirror has all of our log (pushed after each batch): nothing else is under way.
    await until('ru mirrors our log', () => ru.node.servedSize(ru.node.logByParty('us')!) === head.size);
    await new Promise((r) => setTimeout(r, 300));
    const before = ru.node.dataVersion();
    for (let i = 0; i < 3; i++) {
      const res = await ask();
      expect(res.status, await res.text()).toBe(200);
      await new Promise((r) => setImmediate(r));
    }
    expect(ru.node.dataVersion()).toBe(before);
  });
});
