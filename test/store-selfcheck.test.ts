/**
 * The store checks itself (issue 10: M1 and the store side of L2): a head whose peaks contradict its checkpoint is
 * refused before anything is signed; `log verify --dir` reads every row as far as it can be checked, and reports a
 * damaged file as STORE_CORRUPT with the table and row, never as an internal error. Real SQLite files, damaged
 * through SQL or byte by byte on disk, and the built command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { parseNote } from '../src/crypto/note.js';
import { logWriter, openLogDir, STORE_FILE } from '../src/log/log-dir.js';
import { verifyStore } from '../src/log/verify-log.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { cosignerFromSeed, parseCosignatureVerifierKey } from '../src/tlog/cosignature.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-selfcheck-');
const suite = nodeSuite;
const WITNESS = 'witness.selfcheck.example';
const cosigner = cosignerFromSeed(suite, WITNESS, new Uint8Array(32).fill(7));
const witness = parseCosignatureVerifierKey(cosigner.verifierKey, suite);

/** A log directory of `size` entries in batches of 10 (so several checkpoints), with one witness cosignature. */
function makeLogDir(size = 700): string {
  const dir = join(tmp(), 'log');
  expect(detente(['log', 'init', '--dir', dir, '--origin', 'selfcheck.detente.example/log']).code).toBe(0);
  const log = openLogDir(dir, suite);
  try {
    const writer = logWriter(log, suite);
    for (let i = 0; i < size; i += 10) writer.append(Array.from({ length: 10 }, (_, j) => utf8(`entry ${i + j}`)));
    writer.append([utf8('last')], [[suite.sha256(utf8('a nonce'))]]);
    const head = log.store.head()!;
    const sig = cosigner.cosign(parseNote(head.checkpoint).text, 1_700_000_000);
    const line = cosigner.cosignLine(parseNote(head.checkpoint).text, 1_700_000_000).trimEnd();
    log.store.addCosignature({ size: head.size, name: sig.name, keyId: sig.keyId, timestamp: 1_700_000_000, line });
  } finally {
    log.close();
  }
  return dir;
}

/** Changes rows with SQL, then closes (so that the WAL is folded into the file). */
function edit(dir: string, sql: string, ...params: unknown[]): void {
  const db = new Database(join(dir, STORE_FILE));
  try {
    expect(db.prepare(sql).run(...params).changes).toBeGreaterThan(0);
  } finally {
    db.close();
  }
}

function query<T>(dir: string, sql: string, ...params: unknown[]): T {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  try {
    return db.prepare(sql).get(...params) as T;
  } finally {
    db.close();
  }
}

/** `detente log verify --dir` refuses, with one line naming the corruption; never an internal error. */
function verifyRefuses(dir: string, pattern: RegExp, extra: string[] = []): string {
  const r = detente(['log', 'verify', '--dir', dir, ...extra]);
  expect(r.stderr).not.toMatch(/internal error|SqliteError/);
  expect(r.code, r.stdout).toBe(1);
  expect(r.stderr).toMatch(pattern);
  return r.stderr;
}

async function verifyError(dir: string): Promise<DetenteError> {
  const log = openLogDir(dir, suite, { readonly: true });
  try {
    await verifyStore(log.store, log.hasher, log.verifier, { witnesses: [witness] });
  } catch (err) {
    if (err instanceof DetenteError) return err;
    throw err;
  } finally {
    log.close();
  }
  throw new Error('verify passed');
}

describe('M1: a head whose peaks contradict its checkpoint', () => {
  it('verify reports the row, and the writer refuses to sign over it: nothing is appended', () => {
    const dir = makeLogDir();
    expect(detente(['log', 'verify', '--dir', dir]).stdout).toMatch(/^OK .*701 entries/);
    const { size, peaks } = query<{ size: number; peaks: Buffer }>(
      dir,
      'SELECT size, peaks FROM checkpoints ORDER BY size DESC LIMIT 1',
    );
    peaks[37]! ^= 0x10;
    edit(dir, 'UPDATE checkpoints SET peaks = ? WHERE size = ?', peaks, size);
    verifyRefuses(dir, new RegExp(`table checkpoints, row size ${size}: the stored peaks .*\\[STORE_CORRUPT\\]`));
    const r = detente(['log', 'append', '--dir', dir], 'one more\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `the stored peaks for size ${size} rebuild root [0-9a-f]{64}, but its checkpoint says .*refusing to sign.*\\[STORE_CORRUPT\\]`,
      ),
    );
    expect(query<{ n: number }>(dir, 'SELECT max(size) AS n FROM checkpoints').n).toBe(size);
    expect(query<{ n: number }>(dir, 'SELECT count(*) AS n FROM entries').n).toBe(size);
  });

  it('any single flipped bit of the head peaks is refused before signing (property)', () => {
    const dir = makeLogDir(40);
    const { size, peaks } = query<{ size: number; peaks: Buffer }>(
      dir,
      'SELECT size, peaks FROM checkpoints ORDER BY size DESC LIMIT 1',
    );
    const original = Buffer.from(peaks);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: original.length * 8 - 1 }), (bit) => {
        const flipped = Buffer.from(original);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        edit(dir, 'UPDATE checkpoints SET peaks = ? WHERE size = ?', flipped, size);
        const log = openLogDir(dir, suite);
        try {
          expect(() => logWriter(log, suite).append([utf8('x')])).toThrow(/refusing to sign/);
          expect(log.store.head()!.size).toBe(size);
        } finally {
          log.close();
        }
      }),
      { numRuns: 40 },
    );
    edit(dir, 'UPDATE checkpoints SET peaks = ? WHERE size = ?', original, size);
    expect(detente(['log', 'append', '--dir', dir], 'fine\n').stdout).toBe(`${size}\n`);
  });
});

describe('L2: every row log verify reads is checked', () => {
  it('a clean log verifies, with its cosignature verified under the witness key', () => {
    const dir = makeLogDir(30);
    const r = detente(['log', 'verify', '--dir', dir, '--witness-vkey', cosigner.verifierKey, '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, size: 31, cosignatures: 1, cosignaturesVerified: 1 });
  });

  it('any changed character of a cosignature line is reported, with the table and row (property)', async () => {
    const dir = makeLogDir(30);
    const { line } = query<{ line: string }>(dir, 'SELECT line FROM cosignatures');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: line.length - 1 }),
        fc.integer({ min: 0, max: 6 }),
        async (at, bit) => {
          const changed =
            line.slice(0, at) + String.fromCharCode(line.charCodeAt(at) ^ (1 << bit)) + line.slice(at + 1);
          edit(dir, 'UPDATE cosignatures SET line = ?', changed);
          const err = await verifyError(dir);
          expect(err.code).toBe('STORE_CORRUPT');
          expect(err.message).toMatch(
            /table cosignatures, row \(size 31, name "witness\.selfcheck\.example", key ID \d+\)/,
          );
        },
      ),
      { numRuns: 60 },
    );
    edit(dir, 'UPDATE cosignatures SET line = ?', line);
    const log = openLogDir(dir, suite, { readonly: true });
    try {
      expect(
        (await verifyStore(log.store, log.hasher, log.verifier, { witnesses: [witness] })).cosignaturesVerified,
      ).toBe(1);
    } finally {
      log.close();
    }
  });

  it('the timestamp column is never trusted: a changed one is corrupt, for verify and for every read', () => {
    const dir = makeLogDir(30);
    edit(dir, 'UPDATE cosignatures SET timestamp = 1500000000');
    verifyRefuses(dir, /table cosignatures, row \(size 31, .*\): the line says time 1700000000.*\[STORE_CORRUPT\]/);
    const log = openLogDir(dir, suite, { readonly: true });
    try {
      expect(() => log.store.cosignatures(31)).toThrow(/the line says time 1700000000/);
    } finally {
      log.close();
    }
  });

  it('idempotency rows out of range are reported with the row', () => {
    const dir = makeLogDir(30);
    edit(dir, 'UPDATE idempotency_keys SET idx = 4000');
    verifyRefuses(dir, /table idempotency_keys, row 1: .*entry 4000 of a log of 31 \[STORE_CORRUPT\]/);
  });

  it('a flipped byte of an idempotency key on disk, or of its entry, is reported by its checksum', () => {
    const key = suite.sha256(utf8('a nonce'));
    const dir = makeLogDir(30);
    const file = join(dir, STORE_FILE);
    const clean = readFileSync(file);
    const at = clean.indexOf(key);
    expect(clean.indexOf(key, at + 1)).toBe(-1); // one copy: the table has no index of the keys
    for (const offset of [0, 5, 31]) {
      const damaged = Buffer.from(clean);
      damaged[at + offset]! ^= 0x01;
      writeFileSync(file, damaged);
      verifyRefuses(
        dir,
        /table idempotency_keys, row 1: the key or entry 30 disagrees with its checksum \[STORE_CORRUPT\]/,
      );
    }
    writeFileSync(file, clean);
    expect(detente(['log', 'verify', '--dir', dir]).code).toBe(0);
    edit(dir, 'UPDATE idempotency_keys SET idx = 29');
    verifyRefuses(dir, /table idempotency_keys, row 1: the key or entry 29 disagrees with its checksum/);
    edit(dir, 'UPDATE idempotency_keys SET idx = 30, sum = sum + 1');
    verifyRefuses(dir, /table idempotency_keys, row 1: the key or entry 30 disagrees with its checksum/);
  });

  it('a key stored twice is reported, though each row is well formed', () => {
    const dir = makeLogDir(30);
    edit(dir, 'INSERT INTO idempotency_keys (idx, key, sum) SELECT idx, key, sum FROM idempotency_keys');
    verifyRefuses(dir, /table idempotency_keys, row 1: its key is stored 2 times \[STORE_CORRUPT\]/);
  });

  it('a structurally damaged file is reported as corrupt with its table and row, not as an internal error', () => {
    const dir = makeLogDir(3000);
    const file = join(dir, STORE_FILE);
    const { root, pageSize } = query<{ root: number; pageSize: number }>(
      dir,
      "SELECT rootpage AS root, (SELECT page_size FROM pragma_page_size) AS pageSize FROM sqlite_master WHERE name = 'entries'",
    );
    const damaged = readFileSync(file);
    expect(damaged[(root - 1) * pageSize]).toBe(0x05); // an interior page of a table b-tree
    damaged[(root - 1) * pageSize] = 0x0b;
    writeFileSync(file, damaged);
    verifyRefuses(dir, /is corrupt: table entries.*\[STORE_CORRUPT\]/);
    const r = detente(['log', 'append', '--dir', dir], 'more\n');
    expect(r.stderr).not.toMatch(/internal error|SqliteError/);
    expect(r.stderr).toMatch(/corrupt.*\[STORE_CORRUPT\]/);
  });
});
