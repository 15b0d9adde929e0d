/**
 * An idle federation is cheap, a busy one as fast as configured (NEWCOMER m19): three real nodes on loopback with
 * fast loops (100 ms). While nothing changes, every loop backs off to a round every IDLE_MAX_MS; a submission after
 * that long idle still reaches every peer's mirror and gathers its witnesses' cosignatures at once (push and the
 * batch wake the loops), and every loop is back on its interval. With the back-off off (the 1 s polling baseline of
 * bench/mirror-push.ts), the loops keep their interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_MAX_MS, PartyNode } from '../src/node/node.js';
import {
  addUser,
  initNodes,
  PARTIES,
  type RunningNode,
  regimeSignature,
  startParties,
  submit,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-idle-');

describe('idle back-off of the mirror, witness and gossip loops', () => {
  const nodes = new Map<string, RunningNode>();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    for (const p of PARTIES) tokens.set(p, addUser(dirs.get(p)!, p, `${p}-officer`, ['declarant', 'inspector']));
    for (const [p, n] of await startParties(dirs)) nodes.set(p, n);
  });

  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  const waits = () => [...nodes.values()].flatMap((n) => Object.values(n.node.loopWaits()));

  it('backs off while nothing changes, and a new entry still reaches every mirror after a long idle', async () => {
    // Every node runs its three loops, each on its configured interval to begin with.
    expect(waits().map((w) => w.interval)).toEqual(PARTIES.flatMap(() => [100, 100, 200]));
    // Idle: each round that changed nothing doubled the wait, up to IDLE_MAX_MS.
    await until('every loop idle', () => waits().every((w) => w.wait === IDLE_MAX_MS), 60_000);

    const us = nodes.get('us')!;
    const { status, json } = await submit(us.url, tokens.get('us')!, regimeSignature(us.node));
    expect(status).toBe(201);
    const size: number = json.size;
    const peers = PARTIES.filter((p) => p !== 'us').map((p) => nodes.get(p)!);
    // Within one idle round (the bound is only there to fail rather than hang): the push and the loops it woke
    // bring the entry, not the idle poll.
    await until(
      'the entry in every mirror, with both witnesses’ cosignatures on every node',
      () =>
        peers.every((n) => {
          const log = n.node.logByParty('us')!;
          return (
            n.node.servedSize(log) >= size &&
            n.node.cosignatures(log, size).length >= 2 &&
            us.node.mirrorReceipts(size).length === 2
          );
        }),
      IDLE_MAX_MS,
    );
    // The change woke every loop of every node: none waits the idle round any more.
    expect(waits().filter((w) => w.wait === IDLE_MAX_MS)).toEqual([]);
  }, 120_000);
});

describe('loops without the idle back-off', () => {
  it('keep their interval while nothing changes', async () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    const node = PartyNode.open(dir, {
      peers: [],
      idleBackoff: false,
      configure: (c) => {
        c.mirror.syncEveryMs = 50;
        c.witness.requestEveryMs = 50;
        c.gossip.everyMs = 50;
      },
    });
    try {
      node.start();
      // Rounds at 50, 100, 150 ms, ...: backing off, the waits would be 100, 200, 400 ms and more by now.
      await new Promise((r) => setTimeout(r, 1000));
      const waits = Object.values(node.loopWaits());
      expect(waits.length).toBe(3);
      expect(waits.map((w) => w.wait)).toEqual([50, 50, 50]);
    } finally {
      await node.close();
    }
  });
});
