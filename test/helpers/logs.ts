/** Logs, witnesses and servers for the federation tests: real SQLite files, real HTTP on 127.0.0.1. */
import { request } from 'node:http';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { utf8 } from '../../src/crypto/bytes.js';
import { formatSignerKey, parseSignerKey, parseVerifierKey } from '../../src/crypto/vkey.js';
import { LogWriter } from '../../src/log/log-writer.js';
import { nodeSuite } from '../../src/runtime/node-crypto.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { Rfc6962Hasher } from '../../src/tlog/hasher.js';

export const suite = nodeSuite;
export const hasher = new Rfc6962Hasher(nodeSuite.sha256);

/** A deterministic 32-byte seed from a small number. */
export function seed(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

export interface TestLog {
  origin: string;
  path: string;
  store: SqliteStore;
  writer: LogWriter;
  skey: string;
  vkey: string;
  /** Appends entries `entry(i)` for i in [size, size + count), in batches of `batch`. */
  grow(count: number, batch?: number, entry?: (i: number) => Uint8Array): void;
  close(): void;
}

export const defaultEntry = (i: number) => utf8(`entry ${i}`);

/** A new log in `dir` (file log.sqlite) signed with the key from `keySeed`; two logs from one seed share a key. */
export function makeLog(dir: string, origin: string, keySeed = 1, file = 'log.sqlite'): TestLog {
  const skey = formatSignerKey(suite, origin, seed(keySeed));
  const signer = parseSignerKey(skey, suite);
  const path = join(dir, file);
  const store = SqliteStore.open(path, origin, { create: true });
  const writer = new LogWriter(store, hasher, signer);
  writer.init();
  return {
    origin,
    path,
    store,
    writer,
    skey,
    vkey: signer.verifierKey,
    grow(count, batch = 1000, entry = defaultEntry) {
      let size = store.head()!.size;
      const end = size + count;
      while (size < end) {
        const n = Math.min(batch, end - size);
        writer.append(Array.from({ length: n }, (_, j) => entry(size + j)));
        size += n;
      }
    },
    close: () => store.close(),
  };
}

export function verifierOf(vkey: string) {
  return parseVerifierKey(vkey, suite);
}

/** Starts `app` on 127.0.0.1 with an ephemeral port; returns its base URL. */
export async function listen(app: FastifyInstance): Promise<{ base: string; port: number }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { base: `http://127.0.0.1:${address.port}`, port: address.port };
}

export function quietApp(): FastifyInstance {
  return Fastify({ logger: false });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTP request with the path sent exactly as given (fetch would normalise `..` away). */
export function raw(
  port: number,
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
