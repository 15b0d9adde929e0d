/**
 * Issues 10 and 11: deadlines binding the author count from the counterparts' receipts, their mirror cosignatures
 * (C2SP tlog-mirror), which every node holds (the author stores its pushes' 200s, each mirror its own receipt and
 * the others' from /api/cosignatures) and the author serves on its checkpoint. Three real nodes on loopback, each
 * on its own clock (offsets from now), rounds driven by hand.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detente } from './helpers/cli.js';
import {
  addUser,
  freePort,
  initNodes,
  peersOf,
  type RunningNode,
  regimeSignature,
  startNode,
  submit,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-receipts-');
const US = 'detente.example/us';

describe('a backdated receipt is refused, and every node counts from the honest one', () => {
  const offset = { ru: 0, nato: 0 };
  let us: RunningNode;
  let ru: RunningNode;
  let nato: RunningNode;
  let usDir: string;
  let receiptAt = 0;

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    usDir = dirs.get('us')!;
    const ports = { us: await freePort(), ru: await freePort(), nato: await freePort() };
    const peers = (self: keyof typeof ports) => peersOf(ports, self);
    const token = addUser(usDir, 'us', 'officer', ['declarant']);
    us = await startNode(usDir, ports.us, peers('us'), false);
    ru = await startNode(dirs.get('ru')!, ports.ru, peers('ru'), false, () => Date.now() + offset.ru);
    nato = await startNode(dirs.get('nato')!, ports.nato, peers('nato'), false, () => Date.now() + offset.nato);
    // ru's mirror backdates its receipt by an hour; nato's receives it 50 s from now.
    offset.ru = -3_600_000;
    offset.nato = 50_000;
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await us.node.pushMirroring.pusher.push();
    expect(
      us.node
        .mirrorReceipts(1)
        .map((r) => r.party)
        .sort(),
    ).toEqual(['nato', 'ru']);
    receiptAt = us.node.mirrorReceipts(1).find((r) => r.party === 'nato')!.timestamp;
    await us.node.requestCosignatures();
    await Promise.all([ru.node.syncMirror('us'), nato.node.syncMirror('us')]);
  });

  afterAll(async () => {
    await us?.close();
    await ru?.close();
    await nato?.close();
  });

  it('countedAt is nato’s receipt on every node; ru’s backdated receipt does not count', async () => {
    for (const n of [us, ru, nato]) {
      const mirrored = n.node.logByParty('us')!;
      expect(
        n.node
          .receipts(mirrored, 1)
          .map((r) => r.party)
          .sort(),
        n.party,
      ).toEqual(['nato', 'ru']);
      const entry = await (await fetch(`${n.url}/api/entries/${encodeURIComponent(US)}/0`)).json();
      expect(entry.countedAt, n.party).toBe(new Date(receiptAt * 1000).toISOString());
    }
  });

  it('every node answers the same bytes for /api/state', async () => {
    const asOf = new Date(Date.now() + 86_400_000).toISOString();
    const answers = await Promise.all(
      [us, ru, nato].map(async (n) => (await fetch(`${n.url}/api/state?asOf=${asOf}`)).text()),
    );
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain(new Date(receiptAt * 1000).toISOString());
  });

  it('ru’s backdated receipt is refused and kept as evidence, which verifies offline under the regime', async () => {
    for (const n of [us, ru, nato]) {
      const files = n.node
        .evidencePage(0, 10)
        .items.filter((i) => i.evidence.format === 'detente-cosignature-refusal/v1');
      // ru's witness, on the same clock, backdated its cosignature too: one file against each signer.
      expect(
        files.map((f) => (f.evidence as { rule: string }).rule),
        n.party,
      ).toEqual(['before-signed', 'before-signed']);
      const receipt = files.find((f) => (f.evidence as { witnessVkey: string }).witnessVkey.includes('/ru/mirror+'));
      expect(receipt, files.map((f) => f.file).join()).toBeDefined();
      const path = join(n.dir, 'evidence', receipt!.file);
      const r = detente([
        'evidence',
        'verify',
        path,
        '--regime',
        join(usDir, 'regime.yaml'),
        '--keys',
        join(usDir, 'regime-keys.json'),
      ]);
      expect(r.stdout).toMatch(/^VALID: detente\.example\/ru\/mirror cosigned detente\.example\/us size 1 at /);
      expect(r.code).toBe(0);
    }
  });

  it('the served checkpoint carries the witnesses’ cosignatures, then the mirrors’ receipts, earliest first', async () => {
    const note = await (await fetch(`${us.url}/logs/us/checkpoint`)).text();
    const signers = [...note.matchAll(/^— (\S+) /gm)].map((m) => m[1]);
    expect(signers[0]).toBe(US);
    expect(signers.slice(1, 3).sort()).toEqual(['detente.example/nato/witness', 'detente.example/ru/witness']);
    // ru's backdated receipt is the earliest (served, though it does not count: every node judges it alike).
    expect(signers.slice(3)).toEqual(['detente.example/ru/mirror', 'detente.example/nato/mirror']);
    const api = await (await fetch(`${us.url}/api/cosignatures?origin=${encodeURIComponent(US)}&size=1`)).json();
    expect(api.lines).toHaveLength(2);
    expect(api.receipts).toHaveLength(2);
  });
});

describe('an entry counts from its counterpart’s receipt, not from an earlier third-party witness cosignature', () => {
  let us: RunningNode;
  let ru: RunningNode;
  let nato: RunningNode;

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    const ports = { us: await freePort(), ru: await freePort(), nato: await freePort() };
    const peers = (self: keyof typeof ports) => peersOf(ports, self);
    const token = addUser(dirs.get('us')!, 'us', 'officer', ['declarant']);
    us = await startNode(dirs.get('us')!, ports.us, peers('us'), false);
    // ru receives and witnesses 40 s from now; nato is down, so us's push to it fails (a push is not retried).
    ru = await startNode(dirs.get('ru')!, ports.ru, peers('ru'), false, () => Date.now() + 40_000);
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await us.node.pushMirroring.pusher.push();
    await us.node.requestCosignatures();
    // nato comes up and, siding with the author, witnesses the checkpoint at once: earlier than ru's receipt.
    nato = await startNode(dirs.get('nato')!, ports.nato, peers('nato'), false);
    await us.node.requestCosignatures();
    await Promise.all([ru.node.syncMirror('us'), nato.node.syncMirror('us')]);
  });

  afterAll(async () => {
    await us?.close();
    await ru?.close();
    await nato?.close();
  });

  it('nato’s witness cosigned earlier, yet the entry counts from ru’s receipt, on every node', async () => {
    const log = us.node.logByParty('us')!;
    const natoWitness = us.node.cosignatures(log, 1).find((c) => c.name === 'detente.example/nato/witness');
    expect(natoWitness).toBeDefined();
    expect(us.node.mirrorReceipts(1).map((r) => r.party)).toEqual(['ru']);
    const receipt = us.node.mirrorReceipts(1)[0]!;
    expect(natoWitness!.timestamp).toBeLessThan(receipt.timestamp - 30);
    for (const n of [us, ru, nato]) {
      const entry = await (await fetch(`${n.url}/api/entries/${encodeURIComponent(US)}/0`)).json();
      expect(entry.countedAt, n.party).toBe(new Date(receipt.timestamp * 1000).toISOString());
    }
  });
});
