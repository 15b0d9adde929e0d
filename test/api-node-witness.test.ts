import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../src/crypto/bytes.js';
import { formatAddCheckpointRequest } from '../src/tlog/witness-protocol.js';
import { partyLog } from './helpers/fake-peer.js';
import { freePort, initNodes, type RunningNode, startNode } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-api-witness-');

describe("a node's witness endpoint takes at /logs/<party>/add-checkpoint only <party>'s log", () => {
  let us: RunningNode;
  const dirs = new Map<string, string>();
  const origin = (party: string) => us.node.regime.parties.find((p) => p.id === party)!.origin;

  /** An add-checkpoint body for a fresh log of `party` (signed with its real log key) holding `size` entries. */
  function request(party: string, size: number): string {
    const log = partyLog(dirs.get(party)!, party, origin(party), `request-${party}-${size}.sqlite`);
    try {
      if (size > 0) log.writer.append(Array.from({ length: size }, (_, i) => utf8(`${party} entry ${i}`)));
      return formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: log.store.checkpoint(size)! });
    } finally {
      log.store.close();
    }
  }

  const post = async (party: string, body: string) => {
    const res = await fetch(`${us.url}/logs/${party}/add-checkpoint`, { method: 'POST', body });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(async () => {
    for (const [party, dir] of initNodes(tmp, ['us', 'ru', 'nato'])) dirs.set(party, dir);
    // Peers that never answer: only the witness endpoint is under test, and its prefixes come from the peers.
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    us = await startNode(
      dirs.get('us')!,
      await freePort(),
      [
        { party: 'ru', url: nowhere },
        { party: 'nato', url: nowhere },
      ],
      false,
    );
  });

  afterAll(async () => {
    await us?.close();
  });

  it("404 for another witnessed party's checkpoint, and nothing recorded", async () => {
    for (const [prefix, party] of [
      ['ru', 'nato'],
      ['nato', 'ru'],
    ] as const) {
      const res = await post(prefix, request(party, 3));
      expect(res.status, res.text).toBe(404);
      expect(res.type).toMatch(/^text\/plain/);
      expect(res.text).toContain(`expected ${origin(prefix)}`);
      expect(us.node.witness!.latest(origin(party))).toBeUndefined();
      expect(us.node.witness!.cosignatures(origin(party))).toHaveLength(0);
    }
  });

  it("404 for the node's own log under a peer's prefix (it witnesses no own checkpoint)", async () => {
    const res = await post('ru', request('us', 2));
    expect(res.status, res.text).toBe(404);
    expect(us.node.witness!.latest(origin('us'))).toBeUndefined();
  });

  it("200 for each party's checkpoint at its own prefix, after the refusals", async () => {
    for (const party of ['ru', 'nato']) {
      const res = await post(party, request(party, 3));
      expect(res.status, res.text).toBe(200);
      expect(res.text).toMatch(/^— detente\.example\/us\/witness /);
      expect(us.node.witness!.latest(origin(party))!.size).toBe(3);
    }
  });

  it('a malformed body is still a 400 at any prefix: the origin is checked where the spec checks it', async () => {
    const res = await post('ru', 'old 0\n\nnot a checkpoint\n');
    expect(res.status, res.text).toBe(400);
  });
});
