import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, fromUtf8, toHex, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { parseSignerKey, parseVerifierKey } from '../src/crypto/vkey.js';
import { dirTileSource } from '../src/log/dir-tile-source.js';
import { exportLog } from '../src/log/export.js';
import { LogWriter } from '../src/log/log-writer.js';
import { consistencyProofFromStore, inclusionProofFromStore, inclusionProofsFromStore } from '../src/log/proofs.js';
import { verifySource, verifyStore } from '../src/log/verify-log.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { SqliteStore, WAL_AUTOCHECKPOINT_PAGES } from '../src/store/sqlite-store.js';
import { openCheckpoint } from '../src/tlog/checkpoint.js';
import { verifyConsistency } from '../src/tlog/consistency.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { verifyInclusion } from '../src/tlog/inclusion.js';
import { tempDirs } from './helpers/tmp.js';
import { loadVector } from './vectors.js';

const tessera = loadVector('tessera-testdata-log.json');
const hasher = new Rfc6962Hasher(nodeSuite.sha256);
const tmp = tempDirs();

function newLog(origin = tessera.origin as string) {
  const dir = tmp();
  const store = SqliteStore.open(join(dir, 'log.sqlite'), origin, { create: true });
  const signer = parseSignerKey(tessera.logPrivateKey, nodeSuite);
  return {
    dir,
    store,
    writer: new LogWriter(store, hasher, signer),
    verifier: parseVerifierKey(tessera.logPublicKey, nodeSuite),
  };
}

describe('the log rebuilds the Tessera test log byte for byte (tessera-testdata-log.json)', () => {
  it('checkpoints, hash tiles and entry bundles at every size 0..15', async () => {
    const { dir, store, writer, verifier } = newLog();
    expect(writer.init().checkpoint).toBe(tessera.checkpointsBySize['0']);
    tessera.leavesAscii.forEach((leaf: string, i: number) => {
      const { first, head } = writer.append([utf8(leaf)]);
      const size = i + 1;
      expect(first).toBe(i);
      expect(head.checkpoint).toBe(tessera.checkpointsBySize[String(size)]);
      expect(toHex(store.tile(0, 0)!)).toBe(tessera.tilesHex[`tile/0/000.p/${size}`]);
    });
    // The export holds the last partial tile and bundle exactly as Tessera wrote them.
    const out = join(dir, 'export');
    exportLog(store, out);
    expect(readFileSync(join(out, 'checkpoint'), 'utf8')).toBe(tessera.checkpointsBySize['15']);
    expect(toHex(readFileSync(join(out, 'tile/0/000.p/15')))).toBe(tessera.tilesHex['tile/0/000.p/15']);
    expect(toHex(readFileSync(join(out, 'tile/entries/000.p/15')))).toBe(
      tessera.entryBundlesHex['tile/entries/000.p/15'],
    );
    expect((await verifySource(dirTileSource(out), hasher, verifier)).size).toBe(15);
    expect((await verifyStore(store, hasher, verifier)).checkpoints).toBe(16);
    store.close();
  });
});

describe('appending', () => {
  it('refuses a batch with an oversized entry and stores nothing', () => {
    const { store, writer } = newLog();
    writer.append([utf8('a')]);
    expect(() => writer.append([utf8('b'), new Uint8Array(65536)])).toThrow(/entry 1 is 65536 bytes/);
    expect(store.head()!.size).toBe(1);
    expect(store.entry(1)).toBeUndefined();
    expect(writer.append([utf8('c')]).first).toBe(1);
    store.close();
  });

  it('two writers on one file never fork the log', async () => {
    const { dir, store, writer, verifier } = newLog();
    const other = SqliteStore.open(join(dir, 'log.sqlite'), tessera.origin);
    const otherWriter = new LogWriter(other, hasher, parseSignerKey(tessera.logPrivateKey, nodeSuite));
    for (let i = 0; i < 300; i++) (i % 3 === 0 ? otherWriter : writer).append([utf8(`entry ${i}`), utf8(`more ${i}`)]);
    expect(store.head()!.size).toBe(600);
    expect((await verifyStore(store, hasher, verifier)).checkpoints).toBe(300);
    other.close();
    store.close();
  });

  it('stores idempotency keys with their entries, and refuses a batch that repeats one, storing nothing', () => {
    const { store, writer } = newLog();
    const key = (n: number) => nodeSuite.sha256(utf8(`key ${n}`));
    expect(writer.append([utf8('a'), utf8('b')], [[key(1)], [key(2)]]).first).toBe(0);
    expect(store.indexOfKey(key(2))).toBe(1);
    expect(store.indexOfKey(key(3))).toBeUndefined();
    const err = (() => {
      try {
        writer.append([utf8('c'), utf8('d')], [[key(3)], [key(1)]]);
      } catch (e) {
        return e as DetenteError;
      }
    })();
    expect(err?.code).toBe('DUPLICATE_KEY');
    expect(store.head()!.size).toBe(2);
    expect(store.indexOfKey(key(3))).toBeUndefined();
    expect(() => writer.append([utf8('c')], [[key(4)], [key(5)]])).toThrow(/1 entries comes with 2 keys/);
    expect(writer.append([utf8('c')], [[key(3), key(6)]]).first).toBe(2);
    expect(store.indexOfKey(key(6))).toBe(2);
    expect(() => writer.append([utf8('f')], [[key(7), key(6)]])).toThrow(/idempotency key/);
    expect(store.indexOfKey(key(7))).toBeUndefined();
    expect(writer.append([utf8('e')]).first).toBe(3);
    store.close();
  });

  it('a deferred append shows in head() only once it is on disk; batches committed meanwhile share a flush', async () => {
    const { dir, store, writer, verifier } = newLog();
    writer.init();
    const first = writer.appendDeferred([utf8('a'), utf8('b')]);
    // Committed (readable, and its key spent) but not yet served: a checkpoint is published only once durable.
    expect(store.head()!.size).toBe(0);
    expect(fromUtf8(store.entry(1)!)).toBe('b');
    const more = [2, 3, 4].map((n) => writer.appendDeferred([utf8(`entry ${n}`)]));
    const plain = writer.append([utf8('durable at once')]);
    expect(plain.first).toBe(5);
    expect(store.head()!.size).toBe(0);
    await first.durable;
    expect(store.head()!.size).toBeGreaterThanOrEqual(2);
    await Promise.all(more.map((m) => m.durable));
    expect(store.head()!.size).toBe(6);
    expect(more.map((m) => m.first)).toEqual([2, 3, 4]);
    store.close();
    const reopened = SqliteStore.open(join(dir, 'log.sqlite'), tessera.origin);
    expect(reopened.head()!.size).toBe(6);
    expect((await verifyStore(reopened, hasher, verifier)).checkpoints).toBe(6);
    reopened.close();
  });

  it('checkpoints its WAL past WAL_AUTOCHECKPOINT_PAGES, not SQLite default 1,000, and loses nothing', async () => {
    const { dir, store, writer, verifier } = newLog();
    writer.init();
    const wal = () => statSync(join(dir, 'log.sqlite-wal')).size;
    // A WAL frame is a 4 KiB page and a 24-byte header; each batch below is about 150 pages.
    const frames = (bytes: number) => bytes / (4096 + 24);
    const batch = (b: number) => Array.from({ length: 200 }, (_, i) => utf8(`${b}/${i} ${'x'.repeat(3000)}`));
    let size = 0;
    let largest = 0;
    for (let b = 0; b < 45; b++) {
      await writer.appendDeferred(batch(b)).durable;
      size += 200;
      largest = Math.max(largest, wal());
      // Past SQLite's default threshold, the WAL has not been checkpointed and reset yet.
      if (b === 10) expect(frames(wal())).toBeGreaterThan(1500);
    }
    // Past ours, it was (reused from its start, it stops growing): at most the threshold and the batch that crossed it.
    expect(frames(largest)).toBeGreaterThan(WAL_AUTOCHECKPOINT_PAGES);
    expect(frames(largest)).toBeLessThan(WAL_AUTOCHECKPOINT_PAGES + 400);
    store.close();
    const reopened = SqliteStore.open(join(dir, 'log.sqlite'), tessera.origin);
    expect(reopened.head()!.size).toBe(size);
    expect(fromUtf8(reopened.entry(size - 1)!).startsWith('44/199 ')).toBe(true);
    expect((await verifyStore(reopened, hasher, verifier)).checkpoints).toBe(46);
    reopened.close();
  });

  it('a deferred cosignature is readable at once and survives a reopen once its flush resolves', async () => {
    const { dir, store, writer } = newLog();
    writer.init();
    writer.append([utf8('a')]);
    // A cosignature line: key ID (4 bytes), timestamp (8 bytes, big-endian), signature (64 bytes).
    const sig = Buffer.alloc(76);
    sig.writeUInt32BE(0x01020304, 0);
    sig.writeBigUInt64BE(1_700_000_000n, 4);
    const line = `— cosigner.test/w ${sig.toString('base64')}`;
    const stored = { size: 1, name: 'cosigner.test/w', keyId: 0x01020304, timestamp: 1_700_000_000, line };
    const durable = store.addCosignatureDeferred(stored);
    expect(store.cosignedSizes()).toEqual([1]);
    await durable;
    store.close();
    const reopened = SqliteStore.open(join(dir, 'log.sqlite'), tessera.origin);
    expect(reopened.cosignatures(1).map((c) => c.line)).toEqual([line]);
    reopened.close();
  });

  it('a deferred append that is refused writes nothing and leaves head() alone', async () => {
    const { store, writer } = newLog();
    writer.init();
    const key = nodeSuite.sha256(utf8('k'));
    await writer.appendDeferred([utf8('a')], [[key]]).durable;
    expect(() => writer.appendDeferred([utf8('b')], [[key]])).toThrow(/idempotency key/);
    expect(() => writer.appendDeferred([new Uint8Array(65536)])).toThrow(/65536 bytes/);
    expect(store.head()!.size).toBe(1);
    expect(store.entry(1)).toBeUndefined();
    expect(writer.append([utf8('c')]).first).toBe(1);
    store.close();
  });

  it('after a failed flush, serves nothing more and appends nothing more, until a restart', async () => {
    const { dir, store, writer } = newLog();
    writer.init();
    await writer.appendDeferred([utf8('a')]).durable;
    // Break the flush for real: close the read-only descriptor the store keeps on its WAL file (SQLite's own is
    // read-write), so that its fsync fails with EBADF.
    const wal = `${join(dir, 'log.sqlite')}-wal`;
    const { readdirSync, readlinkSync, readFileSync: read, closeSync } = await import('node:fs');
    const ours = readdirSync('/proc/self/fd')
      .map(Number)
      .filter((n) => {
        try {
          const flags = Number.parseInt(/flags:\s+(\d+)/.exec(read(`/proc/self/fdinfo/${n}`, 'utf8'))![1]!, 8);
          return readlinkSync(`/proc/self/fd/${n}`) === wal && (flags & 3) === 0;
        } catch {
          return false;
        }
      });
    expect(ours).toHaveLength(1);
    closeSync(ours[0]!);
    const failed = writer.appendDeferred([utf8('b')]);
    await expect(failed.durable).rejects.toThrow(/could not be flushed/);
    expect(store.head()!.size).toBe(1);
    expect(() => writer.append([utf8('c')])).toThrow(/restart the node/);
    expect(store.head()!.size).toBe(1);
    // Not closed: its WAL descriptor is gone. The restart reads what the disk holds.
    const restarted = SqliteStore.open(join(dir, 'log.sqlite'), tessera.origin);
    expect(restarted.head()!.size).toBeGreaterThanOrEqual(1);
    restarted.close();
  });

  it('records the sealed bodies checked: ascending, each once, only entries it holds, none in an older file', () => {
    const { dir, store, writer } = newLog();
    writer.append([utf8('a'), utf8('b'), utf8('c'), utf8('d')]);
    expect(store.checkedSealedBodies()).toEqual([]);
    store.recordCheckedSealedBodies([3, 1]);
    store.recordCheckedSealedBodies([1, 0]);
    expect(store.checkedSealedBodies()).toEqual([0, 1, 3]);
    for (const bad of [4, -1, 1.5]) {
      expect(() => store.recordCheckedSealedBodies([2, bad])).toThrow(
        new RegExp(`sealed entry index ${bad}: expected an index of an entry in the log \\(0 to 3\\)`),
      );
    }
    // A refused list records none of its indices.
    expect(store.checkedSealedBodies()).toEqual([0, 1, 3]);
    store.close();
    expect(SqliteStore.open(join(dir, 'log.sqlite'), undefined, { readonly: true }).checkedSealedBodies()).toEqual([
      0, 1, 3,
    ]);
    // A file written before the table existed, opened read-only, has no record; opened for writing, it gains one.
    const db = new Database(join(dir, 'log.sqlite'));
    db.exec('DROP TABLE sealed_checked');
    db.close();
    expect(SqliteStore.open(join(dir, 'log.sqlite'), undefined, { readonly: true }).checkedSealedBodies()).toEqual([]);
    const reopened = SqliteStore.open(join(dir, 'log.sqlite'), undefined);
    reopened.recordCheckedSealedBodies([2]);
    expect(reopened.checkedSealedBodies()).toEqual([2]);
    reopened.close();
  });

  it('refuses a key whose name is not the origin', () => {
    const dir = tmp();
    const store = SqliteStore.open(join(dir, 'log.sqlite'), 'another.example/log', { create: true });
    expect(() => new LogWriter(store, hasher, parseSignerKey(tessera.logPrivateKey, nodeSuite))).toThrow(/origin/);
    store.close();
  });

  it('every proof from the store verifies, for random batches (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        (batches, a, b) => {
          const { store, writer } = newLog();
          writer.init();
          let n = 0;
          for (const count of batches) {
            writer.append(Array.from({ length: count }, () => utf8(`leaf ${n++}`)));
          }
          const sizes = store.checkpointRecords().map((c) => c.size);
          const size = sizes[1 + (a % (sizes.length - 1))]!;
          const index = b % size;
          const { checkpoint } = openCheckpoint(
            store.checkpoint(size)!,
            parseVerifierKey(tessera.logPublicKey, nodeSuite),
          );
          const p = inclusionProofFromStore(store, hasher, index, size);
          expect(toHex(p.root)).toBe(toHex(checkpoint.root));
          expect(toHex(p.leafHash)).toBe(toHex(hasher.hashLeaf(utf8(`leaf ${index}`))));
          verifyInclusion(hasher, index, size, p.leafHash, p.proof, checkpoint.root);
          // A batch's receipts: the shared-node path gives every proof the single path gives.
          const batch = inclusionProofsFromStore(store, hasher, [index, size - 1, 0, index], size);
          expect(batch.map((q) => q.proof.map(toHex))).toEqual(
            [index, size - 1, 0, index].map((i) => inclusionProofFromStore(store, hasher, i, size).proof.map(toHex)),
          );
          const from = sizes[a % sizes.length]!;
          const c = consistencyProofFromStore(store, hasher, Math.min(from, size), Math.max(from, size));
          verifyConsistency(hasher, c.from, c.to, c.proof, c.fromRoot, c.toRoot);
          store.close();
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('verification finds tampering', () => {
  async function tampered(change: (db: Database.Database) => void): Promise<string> {
    const { dir, store, writer, verifier } = newLog();
    for (let i = 0; i < 4; i++) writer.append(Array.from({ length: 200 }, (_, j) => utf8(`entry ${i}-${j}`)));
    store.close();
    const db = new Database(join(dir, 'log.sqlite'));
    change(db);
    db.close();
    const reopened = SqliteStore.open(join(dir, 'log.sqlite'), tessera.origin);
    try {
      await verifyStore(reopened, hasher, verifier);
      return 'verified';
    } catch (err) {
      expect(err).toBeInstanceOf(DetenteError);
      return (err as Error).message;
    } finally {
      reopened.close();
    }
  }

  it('a rewritten entry', async () => {
    expect(
      await tampered((db) => db.prepare('UPDATE entries SET data = ? WHERE idx = 300').run(utf8('forged'))),
    ).toMatch(/entry 300 .*does not match its leaf hash/);
  });

  it('a changed hash in a tile', async () => {
    const msg = await tampered((db) => {
      const tile = db.prepare('SELECT data FROM tiles WHERE id = 1').pluck().get() as Buffer;
      tile[5]! ^= 1;
      db.prepare('UPDATE tiles SET data = ? WHERE id = 1').run(tile);
    });
    expect(msg).toMatch(/does not match/);
  });

  it('a checkpoint signed by nobody we trust', async () => {
    const msg = await tampered((db) => {
      const note = db.prepare('SELECT note FROM checkpoints WHERE size = 400').pluck().get() as string;
      db.prepare('UPDATE checkpoints SET note = ? WHERE size = 400').run(note.replace('\n400\n', '\n401\n'));
    });
    expect(msg).toMatch(/signature|verif/i);
  });

  it('a flipped bit anywhere in an exported tile or bundle (property)', async () => {
    const { dir, store, writer, verifier } = newLog();
    writer.append(Array.from({ length: 300 }, (_, j) => utf8(`entry ${j}`)));
    const out = join(dir, 'export');
    exportLog(store, out);
    store.close();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('tile/0/000', 'tile/0/001.p/44', 'tile/entries/000', 'tile/entries/001.p/44', 'tile/1/000.p/1'),
        fc.nat(),
        fc.nat(7),
        async (path, at, bit) => {
          const file = join(out, path);
          const original = readFileSync(file);
          const bad = Buffer.from(original);
          bad[at % bad.length]! ^= 1 << bit;
          writeFileSync(file, bad);
          try {
            await expect(verifySource(dirTileSource(out), hasher, verifier)).rejects.toThrow(DetenteError);
          } finally {
            writeFileSync(file, original);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect((await verifySource(dirTileSource(out), hasher, verifier)).size).toBe(300);
  });
});

describe('export', () => {
  it('re-running writes only what changed', () => {
    const { dir, store, writer } = newLog();
    writer.append(Array.from({ length: 600 }, (_, j) => utf8(`entry ${j}`)));
    const out = join(dir, 'export');
    const first = exportLog(store, out);
    expect(first.written).toBe(2 + 1 + 2 + 1 + 1 + 1); // tiles 0/000,0/001, 0/002.p/88, bundles ×3, 1/000.p/2, checkpoint
    const again = exportLog(store, out);
    expect(again.written).toBe(1); // the checkpoint only
    writer.append([utf8('one more')]);
    const third = exportLog(store, out);
    expect(third.written).toBe(3); // 0/002.p/89, entries/002.p/89 and the checkpoint; 1/000.p/2 is unchanged
    expect(fromHex(toHex(readFileSync(join(out, 'tile/0/002.p/89')))).length).toBe(89 * 32);
    store.close();
  });
});
