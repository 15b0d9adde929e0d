/**
 * The idempotency keys (store/idempotency-keys.ts): an append-only table answered from an in-memory index of the
 * keys' prefixes. A key is in the log at most once, a batch repeating one is refused whole, a restarted store
 * knows every key, keys sharing a prefix are never taken for each other, and a file of store schema 2 still opens.
 * Real SQLite files throughout.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { generateSigner, parseSignerKey } from '../src/crypto/vkey.js';
import { LogWriter } from '../src/log/log-writer.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { KeyPrefixIndex } from '../src/store/key-prefix-index.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-keys-');
const ORIGIN = 'keys.detente.example/log';
const signer = parseSignerKey(generateSigner(nodeSuite, ORIGIN).skey, nodeSuite);
const hasher = new Rfc6962Hasher(nodeSuite.sha256);

function open(file: string, options = {}): { store: SqliteStore; writer: LogWriter } {
  const store = SqliteStore.open(file, ORIGIN, { create: true, ...options });
  return { store, writer: new LogWriter(store, hasher, signer) };
}

const key = (n: number) => nodeSuite.sha256(utf8(`key ${n}`));
/** A 32-byte key whose first 6 bytes (the index's prefix) are `prefix`'s, the rest from `n`. */
const sharing = (prefix: number, n: number) =>
  concat(key(prefix).subarray(0, 6), nodeSuite.sha256(utf8(`tail ${n}`)).subarray(0, 26));

function refusal(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof DetenteError) return err.code;
    throw err;
  }
  return undefined;
}

describe('idempotency keys', () => {
  it('a key is refused after the store is closed and opened again, from a deferred append as from a durable one', async () => {
    const file = join(tmp(), 'log.sqlite');
    let { store, writer } = open(file);
    writer.append([utf8('a')], [[key(1), key(2)]]);
    await writer.appendDeferred([utf8('b'), utf8('c')], [[key(3)], [key(4)]]).durable;
    store.close();
    ({ store, writer } = open(file));
    expect([1, 2, 3, 4, 5].map((n) => store.indexOfKey(key(n)))).toEqual([0, 0, 1, 2, undefined]);
    expect(writer.append([utf8('d')], [[key(5)]]).first).toBe(3);
    expect(refusal(() => writer.appendDeferred([utf8('e')], [[key(6), key(4)]]))).toBe('DUPLICATE_KEY');
    store.close();
    // Refused by a store that never looked a key up before the append (the index is built inside the append).
    ({ store, writer } = open(file));
    expect(refusal(() => writer.append([utf8('e'), utf8('f')], [[key(6)], [key(5)]]))).toBe('DUPLICATE_KEY');
    expect(store.head()!.size).toBe(4);
    expect(store.indexOfKey(key(6))).toBeUndefined();
    store.close();
  });

  it('loads its keys before the first lookup when asked (a node does before it serves), and keeps them current', () => {
    const file = join(tmp(), 'log.sqlite');
    let { store, writer } = open(file);
    writer.append(
      [utf8('a'), utf8('b')],
      [
        [key(1), key(2)],
        [key(3), key(4)],
      ],
    );
    store.close();
    ({ store, writer } = open(file));
    expect(store.loadKeys()).toBe(4);
    writer.append([utf8('c')], [[key(5)]]);
    expect(store.loadKeys()).toBe(5);
    expect([1, 3, 5, 6].map((n) => store.indexOfKey(key(n)))).toEqual([0, 1, 2, undefined]);
    store.close();
  });

  it('a batch repeating one of its own keys is refused whole', () => {
    const { store, writer } = open(join(tmp(), 'log.sqlite'));
    expect(refusal(() => writer.append([utf8('a'), utf8('b')], [[key(1)], [key(1)]]))).toBe('DUPLICATE_KEY');
    expect(refusal(() => writer.append([utf8('a')], [[key(2), key(2)]]))).toBe('DUPLICATE_KEY');
    expect(store.indexOfKey(key(1))).toBeUndefined();
    expect(writer.append([utf8('a')], [[key(1), key(2)]]).first).toBe(0);
    store.close();
  });

  it('keys sharing their prefix are neither refused wrongly nor accepted twice, before and after a restart', () => {
    const file = join(tmp(), 'log.sqlite');
    let { store, writer } = open(file);
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => sharing(7, n)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    writer.append([utf8('a')], [[a]]);
    expect(store.indexOfKey(b)).toBeUndefined();
    writer.append([utf8('b'), utf8('c')], [[b], [c]]);
    expect(refusal(() => writer.append([utf8('x')], [[d, a]]))).toBe('DUPLICATE_KEY');
    expect(refusal(() => writer.append([utf8('x')], [[c]]))).toBe('DUPLICATE_KEY');
    store.close();
    ({ store, writer } = open(file));
    expect([a, b, c, d].map((k) => store.indexOfKey(k))).toEqual([0, 1, 2, undefined]);
    expect(refusal(() => writer.append([utf8('x')], [[b]]))).toBe('DUPLICATE_KEY');
    expect(writer.append([utf8('d')], [[d]]).first).toBe(3);
    expect(store.indexOfKey(d)).toBe(3);
    store.checkIntegrity(4);
    store.close();
  });

  it('the prefix index finds every key among many sharing one prefix, across its growth', () => {
    const index = new KeyPrefixIndex();
    const keys = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? sharing(9, i) : key(i)));
    keys.forEach((k, i) => {
      index.add(k, i + 1);
    });
    expect(index.size).toBe(3000);
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(b);
    keys.forEach((k, i) => {
      expect(index.find(k, (row) => same(keys[row - 1]!, k))).toBe(i + 1);
    });
    expect(index.find(sharing(9, -1), (row) => same(keys[row - 1]!, sharing(9, -1)))).toBeUndefined();
  });

  it('a damaged short key does not shift the rows after it in the index, and the integrity check names it', () => {
    const file = join(tmp(), 'log.sqlite');
    let { store, writer } = open(file);
    writer.append([utf8('a'), utf8('b')], [[key(1)], [key(2)]]);
    store.close();
    const db = new Database(file);
    db.prepare('UPDATE idempotency_keys SET key = ? WHERE row = 1').run(Buffer.from([1, 2, 3]));
    db.close();
    ({ store, writer } = open(file));
    expect([1, 2].map((n) => store.indexOfKey(key(n)))).toEqual([undefined, 1]);
    expect(() => store.checkIntegrity(2)).toThrow(/table idempotency_keys, row 1: a key of 3 bytes \(expected 32\)/);
    store.close();
  });

  it("a key another connection appended is refused by this one's appends, and known to its lookups after", () => {
    const file = join(tmp(), 'log.sqlite');
    const one = open(file);
    expect(one.store.indexOfKey(key(1))).toBeUndefined(); // the index is built, empty
    const two = open(file);
    two.writer.append([utf8('a')], [[key(1)]]);
    two.writer.append([utf8('b')], [[key(2)]]);
    expect(refusal(() => one.writer.append([utf8('c')], [[key(3), key(2)]]))).toBe('DUPLICATE_KEY');
    expect([1, 2, 3].map((n) => one.store.indexOfKey(key(n)))).toEqual([0, 1, undefined]);
    expect(one.writer.append([utf8('c')], [[key(3)]]).first).toBe(2);
    expect(refusal(() => two.writer.append([utf8('d')], [[key(3)]]))).toBe('DUPLICATE_KEY');
    expect(two.store.indexOfKey(key(3))).toBe(2);
    one.store.close();
    two.store.close();
  });

  it('the answer of indexOfKey is a reference map, after random appends, refusals and restarts (property)', () => {
    // A small pool of keys, half sharing one prefix, so that batches repeat keys and prefixes collide.
    const pool = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? sharing(5, i) : key(i)));
    const step = fc.oneof(
      fc.record({ reopen: fc.constant(true as const) }),
      fc.record({
        batch: fc.array(fc.array(fc.nat(pool.length - 1), { maxLength: 3 }), { minLength: 1, maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 14 }), (steps) => {
        const file = join(tmp(), 'log.sqlite');
        let { store, writer } = open(file);
        const reference = new Map<number, number>();
        let size = 0;
        try {
          for (const s of steps) {
            if ('reopen' in s) {
              store.close();
              ({ store, writer } = open(file));
            } else {
              const all = s.batch.flat();
              const repeats = all.some((k, i) => reference.has(k) || all.indexOf(k) !== i);
              const entries = s.batch.map((_, i) => utf8(`entry ${size + i}`));
              const code = refusal(() =>
                writer.append(
                  entries,
                  s.batch.map((ks) => ks.map((k) => pool[k]!)),
                ),
              );
              expect(code).toBe(repeats ? 'DUPLICATE_KEY' : undefined);
              if (!repeats) {
                s.batch.forEach((ks, i) => {
                  for (const k of ks) reference.set(k, size + i);
                });
                size += s.batch.length;
              }
            }
            expect(pool.map((k) => store.indexOfKey(k))).toEqual(pool.map((_, k) => reference.get(k)));
          }
          expect(store.head()?.size ?? 0).toBe(size);
          store.checkIntegrity(size);
        } finally {
          store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('a store of schema 2 (keys in a table keyed by the key)', () => {
  /** A log written by this version, then turned back into schema 2 as that version laid it out. */
  function schema2Log(): string {
    const file = join(tmp(), 'log.sqlite');
    const { store, writer } = open(file);
    writer.append([utf8('a'), utf8('b')], [[key(1), key(2)], [key(3)]]);
    writer.append([utf8('c')]);
    store.close();
    const db = new Database(file);
    db.exec(`CREATE TABLE idempotency (key BLOB PRIMARY KEY, idx INTEGER NOT NULL) STRICT;
      INSERT INTO idempotency (key, idx) SELECT key, idx FROM idempotency_keys ORDER BY key;
      DROP TABLE idempotency_keys;
      UPDATE meta SET value = '2' WHERE key = 'schema';`);
    db.close();
    return file;
  }

  const schemaOf = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get();
    } finally {
      db.close();
    }
  };

  it('is read as it is when opened read-only', () => {
    const file = schema2Log();
    const store = SqliteStore.open(file, ORIGIN, { readonly: true });
    expect([1, 2, 3, 4].map((n) => store.indexOfKey(key(n)))).toEqual([0, 0, 1, undefined]);
    store.checkIntegrity(3);
    store.close();
    expect(schemaOf(file)).toBe('2');
  });

  it('is migrated when opened for writing: every key kept, in entry order, and still refused', () => {
    const file = schema2Log();
    const { store, writer } = open(file);
    expect(schemaOf(file)).toBe('3');
    expect([1, 2, 3, 4].map((n) => store.indexOfKey(key(n)))).toEqual([0, 0, 1, undefined]);
    expect(refusal(() => writer.append([utf8('d')], [[key(4), key(3)]]))).toBe('DUPLICATE_KEY');
    expect(writer.append([utf8('d')], [[key(4)]]).first).toBe(3);
    store.checkIntegrity(4);
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT row, idx FROM idempotency_keys ORDER BY row').raw().all()).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 3],
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'idempotency'").pluck().get()).toBe(0);
    db.close();
  });
});
