import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { witnessPlugin } from '../src/api/witness.js';
import { toBase64 } from '../src/crypto/bytes.js';
import { parseNote } from '../src/crypto/note.js';
import { parseSignerKey } from '../src/crypto/vkey.js';
import { verifyEvidence } from '../src/federation/evidence.js';
import { consistencyProofFromStore } from '../src/log/proofs.js';
import { Witness } from '../src/node/witness.js';
import { parseCheckpoint, signCheckpoint } from '../src/tlog/checkpoint.js';
import {
  type Cosigner,
  cosignerFromSeed,
  openCosignedCheckpoint,
  parseCosignatureVerifierKey,
} from '../src/tlog/cosignature.js';
import {
  appendCosignatures,
  formatAddCheckpointRequest,
  parseAddCheckpointResponse,
  parseTreeSizeBody,
} from '../src/tlog/witness-protocol.js';
import { hasher, listen, makeLog, quietApp, seed, suite, type TestLog, verifierOf } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const ORIGIN = 'witness.test/log';
const T0 = 1_700_000_000;

/** The add-checkpoint body from `old` to the log's checkpoint at `size`, with the proof from its store. */
function request(log: TestLog, old: number, size: number): string {
  const proof = consistencyProofFromStore(log.store, hasher, old, size).proof;
  return formatAddCheckpointRequest({ oldSize: old, proof, checkpointNote: log.store.checkpoint(size)! });
}

describe('tlog-witness add-checkpoint', () => {
  let log: TestLog;
  let fork: TestLog;
  let other: TestLog;
  let witness: Witness;
  let cosigners: Cosigner[];
  let clock = T0;
  const app = quietApp();
  let base = '';
  const evidence: unknown[] = [];

  const post = async (body: string | Uint8Array, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/w/add-checkpoint`, { method: 'POST', body: body as BodyInit, headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(async () => {
    const dir = tmp();
    log = makeLog(dir, ORIGIN, 1, 'log.sqlite');
    for (const n of [10, 15, 5, 10, 30]) log.grow(n); // checkpoints at 0, 10, 25, 30, 40, 70
    // The same log key, another history: entry 3 differs.
    fork = makeLog(dir, ORIGIN, 1, 'fork.sqlite');
    fork.grow(10, 1000, (i) => new TextEncoder().encode(i === 3 ? 'rewritten' : `entry ${i}`));
    fork.grow(15);
    other = makeLog(dir, 'witness.test/other', 2, 'other.sqlite');
    other.grow(4);
    cosigners = [
      cosignerFromSeed(suite, 'witness.test/w1', seed(7)),
      cosignerFromSeed(suite, 'witness.test/w2', seed(8)),
    ];
    witness = Witness.open(join(dir, 'witness.sqlite'), {
      cosigners,
      logs: [{ vkey: log.vkey }, { vkey: other.vkey }],
      suite,
      clock: () => clock++,
    });
    await app.register(witnessPlugin, {
      witness,
      submissionPrefix: '/w',
      onEquivocation: (e) => evidence.push(e),
    });
    ({ base } = await listen(app));
  });

  afterAll(async () => {
    await app.close();
    witness.close();
    for (const l of [log, fork, other]) l.close();
  });

  it('200: cosigns the first checkpoint (old 0), one line per witness key, each verifying', async () => {
    const res = await post(request(log, 0, 10));
    expect(res.status).toBe(200);
    const lines = parseAddCheckpointResponse(res.text);
    expect(lines.map((l) => l.name)).toEqual(['witness.test/w1', 'witness.test/w2']);
    const note = appendCosignatures(log.store.checkpoint(10)!, res.text);
    const opened = openCosignedCheckpoint(
      note,
      verifierOf(log.vkey),
      cosigners.map((c) => parseCosignatureVerifierKey(c.verifierKey, suite)),
    );
    expect(opened.cosignatures.map((c) => c.timestamp)).toEqual([T0, T0]);
    expect(witness.latest(ORIGIN)).toMatchObject({ size: 10, note: log.store.checkpoint(10) });
  });

  it('409 with text/x.tlog.size when old is not the latest cosigned size', async () => {
    for (const body of [request(log, 0, 25), request(log, 25, 30)]) {
      const res = await post(body);
      expect(res.status).toBe(409);
      expect(res.type).toBe('text/x.tlog.size');
      expect(parseTreeSizeBody(res.text)).toBe(10);
    }
  });

  it('200 with a consistency proof; the same checkpoint again is cosigned again', async () => {
    expect((await post(request(log, 10, 25))).status).toBe(200);
    expect((await post(request(log, 25, 25))).status).toBe(200);
    expect(witness.latest(ORIGIN)!.size).toBe(25);
  });

  it('422 for a proof that does not verify, and nothing changes', async () => {
    const req = {
      oldSize: 25,
      proof: consistencyProofFromStore(log.store, hasher, 25, 30).proof,
      checkpointNote: log.store.checkpoint(30)!,
    };
    req.proof[0] = req.proof[0]!.map((b, i) => (i === 0 ? b ^ 1 : b));
    const res = await post(formatAddCheckpointRequest(req));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/does not verify/);
    // A proof of the wrong length, and a proof from the wrong size.
    expect((await post(formatAddCheckpointRequest({ ...req, proof: req.proof.slice(1) }))).status).toBe(422);
    const wrongFrom = consistencyProofFromStore(log.store, hasher, 10, 30).proof;
    expect((await post(formatAddCheckpointRequest({ ...req, proof: wrongFrom }))).status).toBe(422);
    expect(witness.latest(ORIGIN)!.size).toBe(25);
    // A bad proof proves nothing about the log (anyone can send one): nothing is stored.
    expect(witness.refusals(ORIGIN)).toEqual([]);
  });

  it('409 (plain text, not a size) for the same size with another root, with evidence of the fork', async () => {
    const forked = fork.store.checkpoint(25)!;
    expect(parseCheckpoint(parseNote(forked).text).size).toBe(25);
    const res = await post(formatAddCheckpointRequest({ oldSize: 25, proof: [], checkpointNote: forked }));
    expect(res.status).toBe(409);
    expect(res.type).toBe('text/plain; charset=utf-8');
    expect(res.text).toMatch(/two different checkpoints of size 25/);
    expect(witness.latest(ORIGIN)!.note).toBe(log.store.checkpoint(25));
    expect(evidence).toHaveLength(1);
    expect(verifyEvidence(evidence[0], suite)).toMatchObject({ type: 'same-size-different-root', sizeA: 25 });
    expect(witness.refusals(ORIGIN).at(-1)).toMatchObject({ size: 25 });
    // A client that believes the witness is behind gets the size to retry from, never a cosignature.
    expect((await post(formatAddCheckpointRequest({ oldSize: 10, proof: [], checkpointNote: forked }))).status).toBe(
      409,
    );
  });

  it('400 for old > size and for malformed bodies', async () => {
    const too = await post(
      formatAddCheckpointRequest({ oldSize: 26, proof: [], checkpointNote: log.store.checkpoint(25)! }),
    );
    expect(too.status).toBe(400);
    expect(too.text).toMatch(/greater than the checkpoint size/);
    for (const body of ['', 'garbage', 'old 1\n\n', `old 01\n\n${log.store.checkpoint(25)}`, 'old 0\n\nnot a note\n']) {
      expect((await post(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await post(new Uint8Array([0x6f, 0x6c, 0x64, 0x20, 0xff, 0x0a]))).status).toBe(400);
  });

  it('404 for an unknown origin; 403 for a checkpoint the log key did not sign', async () => {
    const dir = tmp();
    const stranger = makeLog(dir, 'witness.test/stranger', 3);
    expect((await post(request(stranger, 0, 0))).status).toBe(404);
    // Right origin, another key.
    const impostor = makeLog(dir, ORIGIN, 4, 'impostor.sqlite');
    impostor.grow(30);
    const res = await post(
      formatAddCheckpointRequest({ oldSize: 25, proof: [], checkpointNote: impostor.store.checkpoint(30)! }),
    );
    expect(res.status).toBe(403);
    // The log's own key, but a signature that does not verify.
    const note = log.store.checkpoint(30)!;
    const sig = note.slice(note.lastIndexOf(' ') + 1, -1);
    const bad = `${sig.slice(0, 20)}${sig[20] === 'A' ? 'B' : 'A'}${sig.slice(21)}`;
    const tampered = note.replace(sig, bad);
    const r403 = await post(formatAddCheckpointRequest({ oldSize: 25, proof: [], checkpointNote: tampered }));
    expect(r403.status).toBe(403);
    stranger.close();
    impostor.close();
  });

  it('422 for a size-0 checkpoint whose root is not the empty root, and for old 0 with a proof', async () => {
    const signer = parseSignerKey(other.skey, suite);
    const bogus = signCheckpoint(
      { origin: other.origin, size: 0, root: new Uint8Array(32).fill(5), extensions: [] },
      signer,
    );
    expect((await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: bogus }))).status).toBe(422);
    const withProof = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [new Uint8Array(32)],
      checkpointNote: other.store.checkpoint(4)!,
    });
    expect((await post(withProof)).status).toBe(422);
    // The same origin, done right.
    expect(
      (await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: other.store.checkpoint(4)! })))
        .status,
    ).toBe(200);
  });

  it('atomic: two concurrent requests from the same old size, exactly one wins, the other gets 409', async () => {
    const [a, b] = await Promise.all([post(request(log, 25, 30)), post(request(log, 25, 40))]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    const winner = a.status === 200 ? 30 : 40;
    expect(parseTreeSizeBody(loser.text)).toBe(winner);
    expect(witness.latest(ORIGIN)!.size).toBe(winner);
  });

  it('accepts any Content-Type, or none; refuses bodies over the limit with 413', async () => {
    const latest = witness.latest(ORIGIN)!.size;
    const body = request(log, latest, latest);
    expect((await post(body, { 'content-type': 'application/json' })).status).toBe(200);
    expect((await post(body, { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await post(body, { 'content-type': 'application/octet-stream' })).status).toBe(200);
    expect((await post('x'.repeat(70_000))).status).toBe(413);
  });

  it('finds the cosignatures of one size by the index, the same rows as the full list holds for that size', () => {
    const issued = witness.cosignatures(ORIGIN);
    for (const size of [0, 10, 25, 26, ...issued.map((c) => c.size)]) {
      expect(witness.cosignaturesAt(ORIGIN, size)).toEqual(issued.filter((c) => c.size === size));
    }
    expect(witness.cosignaturesAt('no.such/log', 10)).toEqual([]);
  });

  it('stores every cosignature it issued, and they survive a reopen', () => {
    const issued = witness.cosignatures(ORIGIN);
    // 200s for ORIGIN: 10, 25 and the race winner, two keys each; re-cosigning an unchanged state adds nothing.
    expect(issued).toHaveLength(3 * 2);
    for (const c of issued) {
      const note = log.store.checkpoint(c.size)!;
      const opened = openCosignedCheckpoint(
        `${note}${c.line}`,
        verifierOf(log.vkey),
        cosigners.map((k) => parseCosignatureVerifierKey(k.verifierKey, suite)),
      );
      expect(opened.cosignatures[0]!.timestamp).toBe(c.timestamp);
      expect(toBase64(c.root)).toBe(toBase64(parseCheckpoint(parseNote(note).text).root));
    }
  });
});

describe('the witness answers once its state is durable, the fsync off the event loop (group commit)', () => {
  it('twenty concurrent requests from one old size: one 200, nineteen 409 naming it', async () => {
    const dir = tmp();
    const log = makeLog(dir, ORIGIN, 1);
    log.grow(4);
    log.grow(4);
    const witness = Witness.open(join(dir, 'w.sqlite'), {
      cosigners: [cosignerFromSeed(suite, 'witness.test/durable', seed(9))],
      logs: [{ vkey: log.vkey }],
      suite,
      clock: () => T0,
    });
    try {
      expect((await witness.addCheckpointDurable(request(log, 0, 4))).status).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => witness.addCheckpointDurable(request(log, 4, 8))),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const a of answers.filter((x) => x.status !== 200)) {
        expect(a.status).toBe(409);
        expect(parseTreeSizeBody(a.body)).toBe(8);
      }
      // Another connection to the file (another process would be the same) reads the committed state.
      const again = Witness.open(join(dir, 'w.sqlite'), {
        cosigners: [cosignerFromSeed(suite, 'witness.test/durable', seed(9))],
        logs: [{ vkey: log.vkey }],
        suite,
      });
      expect(again.latest(ORIGIN)!.size).toBe(8);
      expect(again.cosignatures(ORIGIN)).toHaveLength(2);
      again.close();
    } finally {
      witness.close();
      log.close();
    }
  });

  it('a flush that fails: STORE_ERROR, and nothing more is answered until a restart', async () => {
    const dir = tmp();
    const log = makeLog(dir, ORIGIN, 1);
    log.grow(3);
    const witness = Witness.open(join(dir, 'w.sqlite'), {
      cosigners: [cosignerFromSeed(suite, 'witness.test/durable', seed(9))],
      logs: [{ vkey: log.vkey }],
      suite,
      clock: () => T0,
    });
    try {
      // The WAL gone from under it (a failing disk stands in): its fsync cannot even open the file.
      rmSync(join(dir, 'w.sqlite-wal'));
      await expect(witness.addCheckpointDurable(request(log, 0, 3))).rejects.toMatchObject({ code: 'STORE_ERROR' });
      await expect(witness.addCheckpointDurable(request(log, 0, 3))).rejects.toThrow(/restart the node/);
    } finally {
      witness.close();
      log.close();
    }
  });
});

describe('witness atomicity across processes', () => {
  const CHILD = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'dist',
    'test',
    'fixtures',
    'witness-race-child.js',
  );

  function contend(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c;
      });
      child.stderr.on('data', (c: Buffer) => {
        err += c;
      });
      // 'close', not 'exit': 'exit' may fire before the child's stdout has been read to the end.
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child failed: ${err}`))));
    });
  }

  it('processes sharing the state file, all submitting from one old size: exactly one cosignature per round', {
    timeout: 60_000,
  }, async () => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run \`npm run build\` first`);
    const dir = tmp();
    const log = makeLog(dir, 'race.test/log', 5);
    // Checkpoints at 3, 6, ..., 36: a round's winner advances by up to 12, so every round of the three has four
    // contenders (with 24, a round after winners at 12 and 24 had none, and "no winner" failed 1 run in 16).
    for (let i = 0; i < 12; i++) log.grow(3);
    const db = join(dir, 'witness.sqlite');
    Witness.open(db, {
      cosigners: [cosignerFromSeed(suite, 'race.test/witness', seed(7))],
      logs: [{ vkey: log.vkey }],
      suite,
    }).close();
    let old = 0;
    for (let round = 0; round < 3; round++) {
      // Four contenders from the same old size, to four different sizes.
      const targets = [old + 3, old + 6, old + 9, old + 12];
      const files = targets.map((size, i) => {
        const file = join(dir, `req-${round}-${i}`);
        writeFileSync(file, request(log, old, size));
        return file;
      });
      const start = String(Date.now() + 400);
      const results = await Promise.all(files.map((f) => contend([db, log.vkey, f, start])));
      const wins = results.filter((r) => r.startsWith('200 '));
      expect(wins, results.join(' | ')).toHaveLength(1);
      const losers = results.filter((r) => !r.startsWith('200 '));
      const reopened = Witness.open(db, {
        cosigners: [cosignerFromSeed(suite, 'race.test/witness', seed(7))],
        logs: [{ vkey: log.vkey }],
        suite,
      });
      const latest = reopened.latest('race.test/log')!.size;
      for (const l of losers) expect(l).toBe(`409 ${latest}`);
      expect(reopened.cosignatures('race.test/log')).toHaveLength(round + 1);
      reopened.close();
      old = latest;
    }
    log.close();
  });
});
