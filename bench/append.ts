/**
 * Durable appends per second in batches of 1, 16 and 256 entries of 200 bytes, against raw better-sqlite3 inserts
 * of the same bytes in the same transactions, with the same durability (WAL, synchronous=FULL), same disk.
 * Run: node dist/bench/append.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateSigner, parseSignerKey } from '../src/crypto/vkey.js';
import { LogWriter } from '../src/log/log-writer.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { fmt, header, row, seconds, table } from './harness.js';

const ENTRY_SIZE = 200;
const ROUNDS = 7;
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'detente-bench-append-'));

function entries(count: number, salt: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const e = new Uint8Array(ENTRY_SIZE);
    new DataView(e.buffer).setUint32(0, salt * 1_000_003 + i);
    return e;
  });
}

function ours(batch: number, batches: number, round: number): number {
  const origin = `bench.detente.example/append-${batch}`;
  const store = SqliteStore.open(join(dir, `ours-${batch}-${round}.sqlite`), origin, { create: true });
  const writer = new LogWriter(
    store,
    new Rfc6962Hasher(nodeSuite.sha256),
    parseSignerKey(generateSigner(nodeSuite, origin).skey, nodeSuite),
  );
  writer.init();
  const data = Array.from({ length: batches }, (_, b) => entries(batch, b));
  const s = seconds(() => {
    for (const b of data) writer.append(b);
  });
  store.close();
  return (batch * batches) / s;
}

function raw(batch: number, batches: number, round: number): number {
  const db = new Database(join(dir, `raw-${batch}-${round}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)');
  let next = 0;
  const commit = db.transaction((batchEntries: Uint8Array[]) => {
    for (const e of batchEntries) insert.run(next++, e);
  });
  const data = Array.from({ length: batches }, (_, b) => entries(batch, b));
  const s = seconds(() => {
    for (const b of data) commit.immediate(b);
  });
  db.close();
  return (batch * batches) / s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

header('append: durable entries per second (200-byte entries)');
console.log(
  `storage: ${dir}; median of ${ROUNDS} interleaved rounds, each on fresh files (this disk's fsync speed varies)`,
);
table(['batch', 'ours (entries/s)', 'raw better-sqlite3 (entries/s)', 'ours/raw', 'goal']);
try {
  for (const [batch, batches] of [
    [1, 500],
    [16, 200],
    [256, 100],
  ] as const) {
    const o: number[] = [];
    const r: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the two so that disk and cache state favour neither.
      r.push(raw(batch, batches, round));
      o.push(ours(batch, batches, round));
    }
    row(String(batch), fmt(median(o)), fmt(median(r)), median(o) / median(r), batch === 256 ? '≥ 0.5' : '');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
