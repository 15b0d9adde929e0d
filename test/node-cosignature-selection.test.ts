/**
 * Issue 11 at scale: a federation whose checkpoints gather more cosignatures than its nodes may serve. Three real
 * nodes on loopback, each allowed 3 cosignature lines (as 57 parties are allowed 99 of their 112): every node serves
 * and collects the witnesses the quorum needs and the earliest receipt, and yet every node counts the same times.
 * Each node has its own clock (offsets from now), so the receipts and cosignatures differ in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNote } from '../src/crypto/note.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { evaluateCheckpoint, parsePolicy } from '../src/tlog/policy.js';
import { parseTlogProof, verifyTlogProof } from '../src/tlog/proof-file.js';
import {
  addUser,
  freePortRun,
  initNodes,
  PARTIES,
  type RunningNode,
  regimeSignature,
  startNode,
  submit,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-selection-nodes-');
const US = 'detente.example/us';
const OFFSET = { us: 0, ru: 50_000, nato: 100_000 } as const;

describe('three nodes allowed 3 cosignature lines each: 2 witnesses and the earliest receipt', () => {
  const nodes = new Map<string, RunningNode>();
  const at = (p: string) => nodes.get(p)!;
  const nato = () => at('nato');
  const loadPolicy = (text: string) => parsePolicy(text, nodeSuite);
  const hasher = new Rfc6962Hasher(nodeSuite.sha256);
  const lines = (n: RunningNode, size = 2) => {
    const s = n.node.servedCosignatures(n.node.logByParty('us')!, size);
    return [...s.witnesses, ...s.receipts].map((c) => c.line);
  };

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    const base = await freePortRun(PARTIES.length);
    for (const [i, party] of PARTIES.entries()) {
      const peers = PARTIES.flatMap((p, j) => (j === i ? [] : [{ party: p, url: `http://127.0.0.1:${base + j}` }]));
      const clock = () => Date.now() + OFFSET[party];
      nodes.set(party, await startNode(dirs.get(party)!, base + i, peers, false, clock, { cosignatureLines: 3 }));
    }
    const token = addUser(dirs.get('us')!, 'us', 'officer', ['declarant']);
    // Each checkpoint settled before the next, as a federation's play settles each step.
    for (let size = 1; size <= 2; size++) {
      // Receipts carry whole seconds: a second apart, the two checkpoints' receipts always differ.
      if (size > 1) await new Promise((r) => setTimeout(r, 1_100));
      expect((await submit(at('us').url, token, regimeSignature(at('us').node))).status).toBe(201);
      await until(`every node holds the selection of us's checkpoint of size ${size}`, async () => {
        const us = at('us').node;
        await us.requestCosignatures();
        await us.pushMirroring.pusher.push();
        await Promise.all(['ru', 'nato'].map((p) => at(p).node.syncMirror('us')));
        const own = us.logByParty('us')!;
        if (us.servedSize(own) !== size) return false;
        if (us.cosignatures(own, size).length < 2 || us.receipts(own, size).length < 2) return false;
        return ['ru', 'nato'].every((p) => lines(at(p), size).join() === lines(at('us'), size).join());
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  it('serves 1 + 3 signature lines: the quorum of witnesses, then the earliest receipt (ru’s)', async () => {
    for (const n of nodes.values()) {
      const note = await (await fetch(`${n.url}/logs/us/checkpoint`)).text();
      const names = parseNote(note).signatures.map((s) => s.name);
      expect(names, n.party).toEqual([
        US,
        'detente.example/ru/witness',
        'detente.example/nato/witness',
        'detente.example/ru/mirror',
      ]);
      const policy = parsePolicy(await (await fetch(`${n.url}/logs/us/policy`)).text(), nodeSuite);
      expect(evaluateCheckpoint(policy, note).quorumMet, n.party).toBe(true);
      const api = await (await fetch(`${n.url}/api/cosignatures?origin=${encodeURIComponent(US)}&size=2`)).json();
      expect([...api.lines, ...api.receipts]).toEqual(lines(n));
    }
  });

  it('the author holds both receipts; nato holds its own and ru’s, the one served', () => {
    const receipts = (p: string) =>
      at(p)
        .node.receipts(at(p).node.logByParty('us')!, 2)
        .map((r) => r.party)
        .sort();
    expect(receipts('us')).toEqual(['nato', 'ru']);
    expect(receipts('nato')).toEqual(['nato', 'ru']);
  });

  it('every node counts the entries from ru’s receipt and answers the same bytes for /api/state', async () => {
    // Entry i first appears in the checkpoint of size i + 1: it counts from ru's receipt of that checkpoint.
    const ruReceipt = (size: number) =>
      at('us')
        .node.mirrorReceipts(size)
        .find((r) => r.party === 'ru')!.timestamp;
    for (const n of nodes.values()) {
      for (const index of [0, 1]) {
        const entry = await (await fetch(`${n.url}/api/entries/${encodeURIComponent(US)}/${index}`)).json();
        expect(entry.countedAt, `${n.party} ${index}`).toBe(new Date(ruReceipt(index + 1) * 1000).toISOString());
      }
    }
    const asOf = new Date(Date.now() + 86_400_000).toISOString();
    const answers = await Promise.all(
      [...nodes.values()].map(async (n) => (await fetch(`${n.url}/api/state?asOf=${asOf}`)).text()),
    );
    expect(new Set(answers).size).toBe(1);
  });

  it('a receipt is fetched again with its cosignatures, and its tlog-proof carries them and verifies', async () => {
    const us = at('us');
    const first = await (await fetch(`${nato().url}/api/receipts/${encodeURIComponent(US)}/0?size=1`)).json();
    expect(first).toMatchObject({ origin: US, index: 0, size: 1 });
    expect(parseNote(first.checkpoint).signatures.map((s) => s.name)).toEqual([US]);
    expect(first.cosignatures).toHaveLength(2);
    expect(first.receipts).toEqual(lines(nato(), 1).slice(2));
    // The author's own answer for the same receipt is the same, cosignatures and all.
    expect(await (await fetch(`${us.url}/api/receipts/${encodeURIComponent(US)}/0?size=1`)).json()).toEqual(first);
    const proofText = await (
      await fetch(`${us.url}/api/receipts/${encodeURIComponent(US)}/0.tlog-proof?size=1`)
    ).text();
    const proof = parseTlogProof(proofText);
    expect(parseNote(proof.checkpoint).signatures).toHaveLength(4);
    const policy = loadPolicy(await (await fetch(`${us.url}/logs/us/policy`)).text());
    const entry = Buffer.from(
      (await (await fetch(`${us.url}/api/entries/${encodeURIComponent(US)}/0`)).json()).entryBase64,
      'base64',
    );
    expect(verifyTlogProof(proof, entry, policy, hasher)).toMatchObject({ index: 0, quorumMet: true });
    // Without a size: at the checkpoint served now.
    expect((await (await fetch(`${us.url}/api/receipts/${encodeURIComponent(US)}/1`)).json()).size).toBe(2);
    expect((await fetch(`${us.url}/api/receipts/${encodeURIComponent(US)}/1?size=1`)).status).toBe(404);
    expect((await fetch(`${us.url}/api/receipts/${encodeURIComponent(US)}/0?size=9`)).status).toBe(404);
    expect((await fetch(`${us.url}/api/receipts/${encodeURIComponent(US)}/x`)).status).toBe(400);
    expect((await fetch(`${us.url}/api/receipts/no.such%2Flog/0`)).status).toBe(404);
  });
});
