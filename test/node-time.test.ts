/**
 * Issue 10 (../shared/reviews/REDTEAM.md H1, H2, H3, M5, M6): time that no single dishonest party controls, a
 * witness's state checked against the mirror, forks that change what the node does, and a witness that strangers
 * cannot grow. Real nodes on loopback, real SQLite, the real CLI.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { witnessPlugin } from '../src/api/witness.js';
import { parseNote } from '../src/crypto/note.js';
import { consistencyProofFromStore } from '../src/log/proofs.js';
import { readSeed, witnessName } from '../src/node/config.js';
import { Witness } from '../src/node/witness.js';
import { parseCheckpoint } from '../src/tlog/checkpoint.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { formatAddCheckpointRequest } from '../src/tlog/witness-protocol.js';
import { detente } from './helpers/cli.js';
import { hasher, partyLog, signedEntry } from './helpers/fake-peer.js';
import { listen } from './helpers/logs.js';
import {
  addUser,
  freePort,
  initNodes,
  type RunningNode,
  regimeSignature,
  startNode,
  startParties,
  submit,
  suite,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-time-');
const trustRegime = (dir: string) => ['--regime', join(dir, 'regime.yaml'), '--keys', join(dir, 'regime-keys.json')];
const US = 'detente.example/us';
const RU = 'detente.example/ru';

async function entry(node: RunningNode, origin: string, index: number) {
  return (await fetch(`${node.url}/api/entries/${encodeURIComponent(origin)}/${index}`)).json();
}

describe('a dishonest witness cannot backdate, and every node counts the same times (H1)', () => {
  let us: RunningNode;
  let nato: RunningNode;
  let usDir: string;
  const fake = Fastify({ logger: false, forceCloseConnections: true });
  const BACKDATED = 1577836800; // 2020-01-01T00:00:00Z

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    usDir = dirs.get('us')!;
    const ruDir = dirs.get('ru')!;
    const [pUs, pNato] = [await freePort(), await freePort()];
    const probe = await startNode(usDir, pUs, [], false);
    const ruParty = probe.node.regime.parties.find((p) => p.id === 'ru')!;
    const vkeys = { us: probe.node.log.vkey, nato: readFileSync(join(dirs.get('nato')!, 'log', 'log.vkey'), 'utf8') };
    await probe.close();
    // ru's witness, with ru's real witness key, signs every checkpoint of us and nato as seen on 2020-01-01.
    for (const party of ['us', 'nato'] as const) {
      const witness = Witness.open(join(ruDir, `fake-witness-${party}.sqlite`), {
        cosigners: [cosignerFromSeed(suite, witnessName(ruParty), readSeed(ruDir, 'ru-witness'))],
        logs: [{ vkey: vkeys[party].trim() }],
        suite,
        clock: () => BACKDATED,
      });
      await fake.register(witnessPlugin, { witness, submissionPrefix: `/logs/${party}` });
    }
    const { base } = await listen(fake);
    const token = addUser(usDir, 'us', 'officer', ['declarant']);
    us = await startNode(
      usDir,
      pUs,
      [
        { party: 'ru', url: base },
        { party: 'nato', url: `http://127.0.0.1:${pNato}` },
      ],
      false,
    );
    nato = await startNode(
      dirs.get('nato')!,
      pNato,
      [
        { party: 'ru', url: base },
        { party: 'us', url: `http://127.0.0.1:${pUs}` },
      ],
      false,
    );
    expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
    await us.node.requestCosignatures();
    await nato.node.syncMirror('us');
  });

  afterAll(async () => {
    await us?.close();
    await nato?.close();
    await fake.close();
  });

  it('the backdated cosignature is refused: the entry counts from nato’s honest receipt, on both nodes', async () => {
    const log = us.node.logByParty('us')!;
    // Both witnesses did cosign, ru's with a valid signature by its real key ...
    const cosigs = us.node.cosignatures(log, 1);
    expect(cosigs.map((c) => c.name).sort()).toEqual(['detente.example/nato/witness', 'detente.example/ru/witness']);
    // ... but ru's time is before the entry existed, so nato's counts.
    // nato's receipt (its mirror cosignature of the push) binds when it has one; its witness's is the fallback.
    const natoReceipt = us.node.mirrorReceipts(1).find((r) => r.party === 'nato');
    const natoTime = natoReceipt?.timestamp ?? cosigs.find((c) => c.name === 'detente.example/nato/witness')!.timestamp;
    const mine = await entry(us, US, 0);
    const theirs = await entry(nato, US, 0);
    expect(mine.countedAt).toBe(new Date(natoTime * 1000).toISOString());
    expect(theirs.countedAt).toBe(mine.countedAt);
    expect(Date.parse(mine.countedAt) + 999).toBeGreaterThanOrEqual(Date.parse(mine.envelope.issuedAt));
    const asOf = new Date(Date.now() + 86_400_000).toISOString();
    const [a, b] = await Promise.all(
      [us, nato].map(async (n) => (await fetch(`${n.url}/api/state?asOf=${asOf}`)).text()),
    );
    expect(b).toBe(a);
  });

  it('and is kept as evidence against ru’s witness, which verifies offline under the regime', async () => {
    for (const n of [us, nato]) {
      const files = n.node
        .evidencePage(0, 10)
        .items.filter((i) => i.evidence.format === 'detente-cosignature-refusal/v1');
      expect(files.map((f) => (f.evidence as { rule: string }).rule)).toEqual(['before-signed']);
      const path = join(n.dir, 'evidence', files[0]!.file);
      const r = detente(['evidence', 'verify', path, ...trustRegime(usDir)]);
      expect(r.stdout).toMatch(
        /^VALID: detente\.example\/ru\/witness cosigned detente\.example\/us size 1 at 2020-01-01/,
      );
      expect(r.code).toBe(0);
    }
  });
});

/**
 * ru has nato's witness cosign an extension of its log that it never publishes, then publishes other entries
 * (H2). Three real nodes; rounds are driven by hand so that every node has seen every checkpoint.
 */
describe('a pre-registered fake extension is caught within one round, and nothing is backdated (H2, M5)', () => {
  const nodes = new Map<string, RunningNode>();
  let ruToken: string;
  const dirs = new Map<string, string>();

  const settle = async () => {
    const ru = nodes.get('ru')!;
    await ru.node.requestCosignatures();
    for (const p of ['us', 'nato']) await nodes.get(p)!.node.syncMirror('ru');
  };

  beforeAll(async () => {
    for (const [p, d] of initNodes(tmp)) dirs.set(p, d);
    ruToken = addUser(dirs.get('ru')!, 'ru', 'officer', ['declarant']);
    for (const [p, n] of await startParties(dirs, false)) nodes.set(p, n);
    const ru = nodes.get('ru')!;
    expect((await submit(ru.url, ruToken, regimeSignature(ru.node))).status).toBe(201);
    await settle();
  });

  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  it('nato’s witness cosigns a checkpoint of size 3 whose entries ru never publishes', async () => {
    const ru = nodes.get('ru')!;
    const nato = nodes.get('nato')!;
    const ruDir = dirs.get('ru')!;
    const fake = partyLog(ruDir, 'ru', RU, 'fake-extension.sqlite');
    fake.writer.append([...ru.node.log.store.entries(0, 1)]);
    fake.writer.append([7, 8].map((n) => signedEntry(ruDir, 'ru', ru.node.regime, ru.node.regimeHash, n)));
    const body = formatAddCheckpointRequest({
      oldSize: 1,
      proof: consistencyProofFromStore(fake.store, hasher, 1, 3).proof,
      checkpointNote: fake.store.checkpoint(3)!,
    });
    const res = await fetch(`${nato.url}/logs/ru/add-checkpoint`, { method: 'POST', body });
    expect(res.status).toBe(200);
    fake.store.close();
  });

  it('ru then publishes other entries; nato’s next gossip round builds the evidence and its witness recovers', async () => {
    const ru = nodes.get('ru')!;
    for (let i = 0; i < 3; i++) {
      expect((await submit(ru.url, ruToken, regimeSignature(ru.node))).status).toBe(201);
      await settle();
    }
    const nato = nodes.get('nato')!;
    expect(nato.node.servedSize(nato.node.logByParty('ru')!)).toBe(4);
    const found = await nato.node.gossipRound();
    expect(found.map((e) => [e.origin, e.type])).toEqual([[RU, 'inconsistent-prefix']]);
    // The witness cosigns the published log again instead of refusing it forever.
    expect(nato.node.witness!.latest(RU)!.size).toBe(4);
    await ru.node.requestCosignatures();
    const own = ru.node.logByParty('ru')!;
    expect(ru.node.cosignatures(own, 4).some((c) => c.name === 'detente.example/nato/witness')).toBe(true);
  });

  it('the others adopt the evidence; every node stops folding ru where the trees part, with a finding', async () => {
    for (const p of ['us', 'ru']) await nodes.get(p)!.node.gossipRound();
    for (const n of nodes.values()) {
      expect(n.node.forks().map((f) => [f.origin, f.size, f.foldedTo])).toEqual([[RU, 3, 2]]);
      const health = await (await fetch(`${n.url}/api/health`)).json();
      expect(health.ok).toBe(false);
      expect(health.forks).toHaveLength(1);
    }
    const asOf = new Date(Date.now() + 86_400_000).toISOString();
    const states = await Promise.all(
      [...nodes.values()].map(async (n) => (await fetch(`${n.url}/api/state?asOf=${asOf}`)).text()),
    );
    expect(new Set(states).size).toBe(1);
    const state = JSON.parse(states[0]!);
    expect(state.entries.byParty).toEqual({ ru: 2 });
    expect(state.findings.byRule['log.equivocation']).toBe(1);
    const findings = await (await fetch(`${nodes.get('us')!.url}/api/findings?asOf=${asOf}`)).json();
    const fork = findings.findings.find((f: { rule: string }) => f.rule === 'log.equivocation');
    expect(fork).toMatchObject({ severity: 'critical', party: 'ru' });
  });

  it('no ru entry counts before its author signed it, on any node', async () => {
    for (const n of nodes.values()) {
      for (let i = 0; i < 4; i++) {
        const e = await entry(n, RU, i);
        expect(Date.parse(e.countedAt)).toBeGreaterThanOrEqual(Date.parse(e.envelope.issuedAt) - 999);
      }
    }
  });

  it('health is ok again once an operator acknowledges the fork; the fold stays stopped', async () => {
    const us = nodes.get('us')!;
    const file = us.node.forks()[0]!.file;
    const r = detente(['evidence', 'ack-fork', '--dir', us.dir, file, '--by', 'duty officer']);
    expect(r.code, r.stderr).toBe(0);
    const health = await (await fetch(`${us.url}/api/health`)).json();
    expect(health.ok).toBe(true);
    expect(health.forks[0]).toMatchObject({ acknowledged: true, foldedTo: 2 });
    expect(detente(['evidence', 'ack-fork', '--dir', us.dir, 'nothing.json']).code).not.toBe(0);
  });

  it('evidence verify: VALID under the regime, UNVERIFIED KEY (exit 1) without it', () => {
    const us = nodes.get('us')!;
    const path = join(us.dir, 'evidence', us.node.forks()[0]!.file);
    expect(detente(['evidence', 'verify', path, ...trustRegime(us.dir)]).code).toBe(0);
    const bare = detente(['evidence', 'verify', path]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toMatch(/^UNVERIFIED KEY/);
  });
});

describe('strangers cannot grow the witness (H3, L5)', () => {
  let us: RunningNode;
  let ru: RunningNode;
  let usDir: string;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    usDir = dirs.get('us')!;
    const [pUs, pRu] = [await freePort(), await freePort()];
    const token = addUser(dirs.get('ru')!, 'ru', 'officer', ['declarant']);
    us = await startNode(usDir, pUs, [{ party: 'ru', url: `http://127.0.0.1:${pRu}` }], false);
    ru = await startNode(dirs.get('ru')!, pRu, [{ party: 'us', url: `http://127.0.0.1:${pUs}` }], false);
    for (let i = 0; i < 3; i++) expect((await submit(ru.url, token, regimeSignature(ru.node))).status).toBe(201);
    await ru.node.requestCosignatures();
  });

  afterAll(async () => {
    await us?.close();
    await ru?.close();
  });

  const rows = (sql: string) => {
    const w = us.node.witness as unknown as { cosignatures(o: string): unknown[]; refusals(o: string): unknown[] };
    return sql === 'cosignatures' ? w.cosignatures(RU).length : w.refusals(RU).length;
  };

  it('junk proofs replayed against the public checkpoint store nothing', async () => {
    const note = ru.node.log.store.head()!.checkpoint;
    const size = parseCheckpoint(parseNote(note).text).size;
    const before = statSync(join(usDir, 'witness.sqlite')).size;
    const junk = Array.from({ length: 200 }, (_, i) =>
      formatAddCheckpointRequest({
        oldSize: size,
        proof: [new Uint8Array(32).fill(i % 256)],
        checkpointNote: `${note}— stranger/${i} ${Buffer.from(`junk ${i}`.repeat(8)).toString('base64')}\n`,
      }),
    );
    const statuses = await Promise.all(
      junk.map(async (body) => (await fetch(`${us.url}/logs/ru/add-checkpoint`, { method: 'POST', body })).status),
    );
    expect(new Set(statuses)).toEqual(new Set([422]));
    expect(rows('refusals')).toBe(0);
    // The file may have grown by WAL bookkeeping, never by 200 stored requests (about 0.5 MB).
    expect(statSync(join(usDir, 'witness.sqlite')).size - before).toBeLessThan(64 * 1024);
  });

  it('a re-cosign of the unchanged state returns the stored cosignature and adds no row', async () => {
    const note = ru.node.log.store.head()!.checkpoint;
    const size = parseCheckpoint(parseNote(note).text).size;
    const count = rows('cosignatures');
    const body = formatAddCheckpointRequest({ oldSize: size, proof: [], checkpointNote: note });
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${us.url}/logs/ru/add-checkpoint`, { method: 'POST', body });
        return `${res.status} ${await res.text()}`;
      }),
    );
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]!.startsWith('200 ')).toBe(true);
    expect(rows('cosignatures')).toBe(count);
  });

  it('/api/evidence is paginated', async () => {
    const page = await (await fetch(`${us.url}/api/evidence?limit=1&offset=0`)).json();
    expect(page).toMatchObject({ total: 0, evidence: [] });
    expect((await fetch(`${us.url}/api/evidence?limit=1000`)).status).toBe(400);
    expect(existsSync(join(usDir, 'evidence'))).toBe(true);
    expect(readFileSync(join(usDir, 'node.json'), 'utf8')).toContain('"party"');
  });
});
