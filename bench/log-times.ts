/**
 * The counted times of one log, computed once per data version as the log grows: ours reads from SQLite only the
 * checkpoints and cosignatures added since the last computation (node/log-times.ts); the baseline reads every
 * checkpoint and every cosignature again each time (what the node did before, same in-memory roots and signed
 * times), then folds the same way. A log of N batches (one checkpoint each) with three cosignatures per checkpoint
 * (two witnesses and a receipt); the last STEPS batches each followed by one computation.
 * Run: node dist/bench/log-times.js [checkpoints]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNote } from '../src/crypto/note.js';
import { ed25519Signer } from '../src/crypto/vkey.js';
import { countedTimesByReceipt, type TimedCheckpoint } from '../src/federation/counted-time.js';
import { LogWriter } from '../src/log/log-writer.js';
import { buildEnvelope, encodeEntry, signEntry } from '../src/model/index.js';
import { LogTimes } from '../src/node/log-times.js';
import { nodeSuite as suite } from '../src/runtime/node-crypto.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { LogStore } from '../src/store/store.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { fmt, header, row, seconds, table } from './harness.js';

const N = Number(process.argv[2] ?? 2000);
const STEPS = 200;
const ORIGIN = 'bench.example/us';
const hasher = new Rfc6962Hasher(suite.sha256);
const seed = (s: string) => suite.sha256(new TextEncoder().encode(s));
const cosigners = ['witness-a', 'witness-b', 'mirror-r'].map((name) => cosignerFromSeed(suite, name, seed(name)));
const key = (i: number) => `${cosigners[i]!.name}\n${cosigners[i]!.keyId}`;
const witnesses = new Map([
  [key(0), 'ru'],
  [key(1), 'nato'],
]);
const receipts = new Map([[key(2), 'ru']]);
const T0 = Date.UTC(2022, 0, 1) / 1000;

function entry(i: number): Uint8Array {
  const envelope = buildEnvelope({
    type: 'regime-signature',
    party: 'us',
    key: 'us-declarant',
    issuedAt: new Date((T0 + i) * 1000).toISOString(),
    body: { regime: 'ab'.repeat(32), id: 'bench', version: 1 },
  });
  return encodeEntry(signEntry(suite, envelope, seed('declarant')));
}

/** One batch and its three cosignatures, a second after its entry. */
function grow(store: LogStore, writer: LogWriter, i: number): void {
  writer.append([entry(i)]);
  const size = store.head()!.size;
  const text = parseNote(store.checkpoint(size)!).text;
  for (const c of cosigners) {
    const line = c.cosignLine(text, T0 + i + 1).trimEnd();
    store.addCosignature({ size, name: c.name, keyId: c.keyId, timestamp: T0 + i + 1, line });
  }
}

/** The previous gather: every checkpoint and every cosignature read again. */
function fullGather(store: LogStore, times: LogTimes, verified: number) {
  const checkpoints: TimedCheckpoint[] = [];
  for (const r of store.checkpointRecords()) {
    if (r.size === 0 || r.size > verified) continue;
    const root = times.rootAt(r.size);
    const note = store.checkpoint(r.size) ?? '';
    const cosignatures = store.cosignatures(r.size).map((s) => ({
      witness: `${s.name}\n${s.keyId}`,
      timestamp: s.timestamp,
      root,
      ref: { line: s.line, note },
    }));
    checkpoints.push({ size: r.size, root, cosignatures });
  }
  return countedTimesByReceipt({ checkpoints, latestSigned: (n) => times.latestSigned(n), witnesses, receipts });
}

const dir = mkdtempSync(join(tmpdir(), 'detente-bench-log-times-'));
try {
  const store = SqliteStore.open(join(dir, 'log.sqlite'), ORIGIN, { create: true });
  const writer = new LogWriter(store, hasher, ed25519Signer(suite, ORIGIN, seed('log')));
  writer.init();
  for (let i = 0; i < N - STEPS; i++) grow(store, writer, i);
  const ours = new LogTimes(store, hasher);
  const baseline = new LogTimes(store, hasher);
  ours.compute(store.head()!.size, receipts, witnesses);
  fullGather(store, baseline, store.head()!.size);
  let oursSeconds = 0;
  let baselineSeconds = 0;
  for (let i = N - STEPS; i < N; i++) {
    grow(store, writer, i);
    const size = store.head()!.size;
    let a: unknown;
    let b: unknown;
    oursSeconds += seconds(() => {
      a = ours.compute(size, receipts, witnesses);
    });
    baselineSeconds += seconds(() => {
      b = fullGather(store, baseline, size);
    });
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`different counted times at size ${size}`);
  }
  store.close();
  header(`counted times of a log of ${fmt(N)} checkpoints × 3 cosignatures, recomputed after each of ${STEPS} batches`);
  table(['what', 'ours: incremental (ms/computation)', 'baseline: full re-read (ms)', 'ours/baseline', 'goal']);
  row(
    'one computation after a new batch',
    fmt((oursSeconds / STEPS) * 1000, 2),
    fmt((baselineSeconds / STEPS) * 1000, 2),
    oursSeconds / baselineSeconds,
    '< 1',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
