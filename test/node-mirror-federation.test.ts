/**
 * Push mirroring between party nodes: with polling slowed to ten minutes, a submission reaches every peer's mirror
 * by push, and each peer's mirror cosignature comes back as the node's receipt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { mirrorVkeyOf } from '../src/node/config.js';
import { mirroredCheckpoint } from '../src/node/mirror.js';
import { originHash } from '../src/node/mirror-receiver.js';
import { openCosignedCheckpoint, parseCosignatureVerifierKey } from '../src/tlog/cosignature.js';
import {
  addUser,
  initNodes,
  PARTIES,
  type RunningNode,
  regimeSignature,
  startParties,
  submit,
  suite,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-push-');
const SLOW = 600_000;

describe('push mirroring between three nodes', () => {
  const nodes = new Map<string, RunningNode>();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    for (const p of PARTIES) {
      const dir = dirs.get(p)!;
      const config = JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8'));
      config.mirror.syncEveryMs = SLOW;
      config.witness.requestEveryMs = SLOW;
      config.gossip.everyMs = SLOW;
      writeFileSync(join(dir, 'node.json'), JSON.stringify(config));
      tokens.set(p, addUser(dir, p, `${p}-officer`, ['declarant', 'inspector']));
    }
    for (const [p, n] of await startParties(dirs, false)) nodes.set(p, n);
  });

  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  it('a submission is in every peer mirror, cosigned by its mirror key, without a poll', async () => {
    const us = nodes.get('us')!;
    // No polling round runs before SLOW ms: what follows can only come by push.
    const { status, json } = await submit(us.url, tokens.get('us')!, regimeSignature(us.node));
    expect(status).toBe(201);
    const size: number = json.size;
    await until('both receipts', () => us.node.mirrorReceipts(size).length === 2, 15_000);
    const receipts = us.node.mirrorReceipts(size);
    expect(receipts.map((r) => r.party).sort()).toEqual(['nato', 'ru']);
    const verifiers = ['ru', 'nato'].map((p) =>
      parseCosignatureVerifierKey(mirrorVkeyOf(us.node.regime.parties.find((x) => x.id === p)!, suite)!, suite),
    );
    const note = us.node.log.store.checkpoint(size)!;
    const opened = openCosignedCheckpoint(
      note + receipts.map((r) => `${r.line}\n`).join(''),
      parseVerifierKey(us.node.log.vkey, suite),
      verifiers,
    );
    expect(opened.cosignatures).toHaveLength(2);
    // Distinct from the witness keys.
    expect(receipts.every((r) => r.name.endsWith('/mirror'))).toBe(true);

    for (const p of ['ru', 'nato']) {
      const peer = nodes.get(p)!;
      const store = peer.node.mirrors.get('us')!.store;
      expect(mirroredCheckpoint(store)).toBe(note);
      // Served under the origin's hash with the peer's mirror cosignature.
      const served = await (
        await fetch(`${peer.url}/mirror/${originHash(suite, us.node.party.origin)}/checkpoint`)
      ).text();
      const mirrorKey = verifiers[p === 'ru' ? 0 : 1]!;
      expect(
        openCosignedCheckpoint(served, parseVerifierKey(us.node.log.vkey, suite), [mirrorKey]).cosignatures,
      ).toHaveLength(1);
    }
  });
});
