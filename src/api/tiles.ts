/**
 * Serves logs in the C2SP tlog-tiles layout (v0.1.0), one URL prefix a log:
 *
 *   GET <prefix>/checkpoint                      text/plain; charset=utf-8, Cache-Control: no-cache; the log's
 *                                                signature, then the cosignatures of exactly that checkpoint that
 *                                                `cosignatures` gives (a note carries at most 100 lines in all)
 *   GET <prefix>/policy                          the log's C2SP tlog-policy, when the log has one
 *   GET <prefix>/tile/<L>/<N>[.p/<W>]            application/octet-stream, immutable
 *   GET <prefix>/tile/entries/<N>[.p/<W>]        application/octet-stream, immutable
 *   GET /logs                                    JSON: each log's origin, prefix, verifier key, witness keys
 *
 * A tile path names content that never changes (a full tile, or a partial tile of one width), so every tile and
 * bundle is served `immutable` and kept in a bounded in-memory cache keyed by its path: a repeated read is one Map
 * lookup, no SQLite, no parsing, no allocation. A tile is served only if the tree of the served checkpoint (or a
 * later one) contains all of it; the size is re-read only when a request asks for more than the size last seen, so
 * a tile read does not query the head either. Paths go through the strict parseTilePath: anything else (`..`,
 * encoded `%2e%2e`, leading zeros, width 0) is a 400 with a JSON error, and an empty tile cannot be named at all.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DetenteError, fail } from '../crypto/errors.js';
import { MAX_SIGNATURES, parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import { cosignatureLineVerifiesCached } from '../federation/verified-lines.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import type { LogStore } from '../store/store.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import { type CosignatureVerifier, parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import { logSignedOnly } from '../tlog/cosigned-checkpoint.js';
import { encodeBundle } from '../tlog/entry-bundle.js';
import { HASH_SIZE } from '../tlog/hasher.js';
import { hashesAtLevel } from '../tlog/tile-math.js';
import { parseTilePath, TILE_WIDTH } from '../tlog/tile-paths.js';

export interface ServedLog {
  /** URL prefix of the log: '' or '/a/b' (a leading slash, no trailing one). */
  prefix: string;
  store: LogStore;
  /** The log's Ed25519 verifier key; its name must be the store's origin. */
  vkey: string;
  /** Cosignature (type 0x04) verifier keys of the witnesses that cosign this log: configuration, published. */
  witnesses?: readonly string[];
  /**
   * Cosignature verifier keys of the mirrors whose cosignatures (receipts, C2SP tlog-mirror) are served on the
   * checkpoint after the witnesses' (tlog-cosignature allows any number of cosigners): not listed as witnesses.
   */
  mirrors?: readonly string[];
  /**
   * The checkpoint note to serve (default: the store's head). A mirror passes its last verified head here, so
   * that it never serves a checkpoint it has not verified, nor tiles beyond it.
   */
  checkpoint?: () => string | undefined;
  /**
   * The cosignature lines held for the log's checkpoint of a size. Each is served after the log's signature only
   * if it verifies, with one of `witnesses` or `mirrors`, over the served checkpoint's text: so a cosignature is served for
   * exactly the checkpoint it signed (size and root), never for another of the same size.
   */
  cosignatures?: (size: number) => readonly string[];
  /** The log's tlog-policy file, served at `<prefix>/policy`. */
  policy?: string;
}

export interface TilesPluginOptions {
  logs: readonly ServedLog[];
  /** Bytes of tiles and bundles kept in memory, all logs together (default 64 MiB; 0 disables the cache). */
  cacheBytes?: number;
  /** Where the list of logs is served (default '/logs'). */
  listPath?: string;
  suite?: CryptoSuite;
}

export const CHECKPOINT_CACHE_CONTROL = 'no-cache';
export const TILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
const OCTET_STREAM = 'application/octet-stream';
const CHECKPOINT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': CHECKPOINT_CACHE_CONTROL };
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const MAX_SAFE_INDEX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Byte-bounded and first-in first-out, shared by all logs (each log has its own Map, so a lookup needs no key
 * building): entries never go stale, since their paths name immutable content.
 */
class ImmutableCache {
  readonly #limit: number;
  #bytes = 0;
  readonly #order: { map: Map<string, Buffer>; key: string; size: number }[] = [];
  #first = 0;
  constructor(limit: number) {
    this.#limit = limit;
  }
  put(map: Map<string, Buffer>, key: string, value: Buffer): void {
    if (value.length > this.#limit || map.has(key)) return;
    map.set(key, value);
    this.#order.push({ map, key, size: value.length });
    this.#bytes += value.length;
    while (this.#bytes > this.#limit) {
      const oldest = this.#order[this.#first++]!;
      oldest.map.delete(oldest.key);
      this.#bytes -= oldest.size;
    }
    if (this.#first > 4096 && this.#first * 2 > this.#order.length) {
      this.#order.splice(0, this.#first);
      this.#first = 0;
    }
  }
}

function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || (prefix !== '' && !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/.test(prefix))) {
    fail(
      'BAD_INPUT',
      `log prefix ${JSON.stringify(prefix)}: expected '' or /segment[/segment...] without a trailing /`,
    );
  }
}

/** One served log: its configuration, the size of the tree last seen, and its share of the cache. */
class LogView {
  readonly origin: string;
  readonly log: ServedLog;
  /** Served tiles and bundles by path (after `tile/`), in the shared cache. */
  readonly cached = new Map<string, Buffer>();
  readonly #read: () => string | undefined;
  #note: string | undefined;
  #size = -1;
  #text = '';
  /** The served note as the log signed it, with how many signature lines it has. */
  #logSigned = '';
  #logLines = 0;
  /** The served note with the verified cosignatures appended, and the held lines it was built from. */
  #cosigned = '';
  #builtFrom: string | undefined;
  readonly #witnesses: readonly CosignatureVerifier[];

  constructor(log: ServedLog, origin: string, witnesses: readonly CosignatureVerifier[]) {
    this.log = log;
    this.origin = origin;
    this.#witnesses = witnesses;
    this.#read = log.checkpoint ?? (() => log.store.head()?.checkpoint);
  }

  /** Re-reads the served checkpoint; returns it (undefined if the log has none yet). */
  refresh(): string | undefined {
    const note = this.#read();
    if (note !== this.#note) {
      let size = -1;
      let text = '';
      if (note !== undefined) {
        text = parseNote(note).text;
        const cp = parseCheckpoint(text);
        if (cp.origin !== this.origin) fail('STORE_ERROR', `served checkpoint is for ${cp.origin}, not ${this.origin}`);
        size = cp.size;
      }
      // The size only grows: a stale read from another connection must not shrink what was already served.
      if (size >= this.#size) {
        this.#note = note;
        this.#size = size;
        this.#text = text;
        this.#logSigned = note === undefined ? '' : logSignedOnly(note).note;
        this.#logLines = note === undefined ? 0 : parseNote(this.#logSigned).signatures.length;
        this.#cosigned = this.#logSigned;
        this.#builtFrom = undefined;
      }
    }
    return this.#note;
  }

  /**
   * The served checkpoint with the cosignatures held for it, in the order given and never more than a note may
   * carry (MAX_SIGNATURES lines, the log's own among them). The note is rebuilt only when the lines change; each
   * line's verification (an Ed25519 verification) is remembered (federation/verified-lines.ts), so a repeated read
   * costs one look-up of the held lines.
   */
  cosigned(): string | undefined {
    const note = this.refresh();
    if (note === undefined) return note;
    if (!this.log.cosignatures) return this.#cosigned;
    const held = this.log.cosignatures(this.#size).map((l) => l.trimEnd());
    const key = held.join('\n');
    if (key === this.#builtFrom) return this.#cosigned;
    let out = this.#logSigned;
    let lines = this.#logLines;
    const seen = new Set<string>();
    for (const line of held) {
      if (lines >= MAX_SIGNATURES) break;
      if (seen.has(line) || this.#logSigned.includes(`\n${line}\n`)) continue;
      seen.add(line);
      // A cosignature of another checkpoint of this size (a fork), or a corrupt line, is not this one's.
      if (!cosignatureLineVerifiesCached(line, this.#text, this.#witnesses)) continue;
      out += `${line}\n`;
      lines++;
    }
    this.#builtFrom = key;
    this.#cosigned = out;
    return out;
  }

  /** Whether the served tree contains `needed` hashes (or entries) at `level`, re-reading the head if needed. */
  contains(level: number, needed: number): boolean {
    if (this.#size >= 0 && hashesAtLevel(level, this.#size) >= needed) return true;
    this.refresh();
    return this.#size >= 0 && hashesAtLevel(level, this.#size) >= needed;
  }

  get size(): number {
    return this.#size;
  }
}

function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error, message });
}

const LogInfo = z.object({
  origin: z.string().describe("the log's origin, also the name of its key"),
  prefix: z.string().describe('URL prefix of its tlog-tiles resources'),
  vkey: z.string().describe("the log's Ed25519 verifier key (C2SP signed-note)"),
  witnesses: z.array(z.string()).describe('cosignature verifier keys of the witnesses that cosign it'),
});
export const LogList = z.object({ logs: z.array(LogInfo) });
export type LogList = z.infer<typeof LogList>;

export const tilesPlugin: FastifyPluginAsync<TilesPluginOptions> = async (app, options) => {
  const suite = options.suite ?? nodeSuite;
  const cache = new ImmutableCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  const views: LogView[] = [];
  const prefixes = new Set<string>();
  for (const log of options.logs) {
    checkPrefix(log.prefix);
    if (prefixes.has(log.prefix)) fail('BAD_INPUT', `log prefix ${log.prefix} is used twice`);
    prefixes.add(log.prefix);
    const verifier = parseVerifierKey(log.vkey, suite);
    if (verifier.name !== log.store.origin) {
      fail('BAD_INPUT', `log at ${log.prefix}: the key is for ${verifier.name}, the store holds ${log.store.origin}`);
    }
    const cosigners = [...(log.witnesses ?? []), ...(log.mirrors ?? [])];
    const witnesses = cosigners.map((w) => parseCosignatureVerifierKey(w, suite));
    views.push(new LogView(log, log.store.origin, witnesses));
  }
  const list: LogList = {
    logs: views.map((v) => ({
      origin: v.origin,
      prefix: v.log.prefix,
      vkey: v.log.vkey,
      witnesses: [...(v.log.witnesses ?? [])],
    })),
  };

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.withTypeProvider<ZodTypeProvider>().get(
    options.listPath ?? '/logs',
    {
      schema: {
        summary: 'The logs this node serves',
        tags: ['tlog-tiles'],
        response: { 200: LogList },
      },
    },
    (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return list;
    },
  );

  for (const view of views) {
    const { prefix, store } = view.log;

    app.get(
      `${prefix}/checkpoint`,
      { schema: { summary: 'The latest signed checkpoint', tags: ['tlog-tiles'] } },
      (_request, reply) => {
        const note = view.cosigned();
        if (note === undefined) return sendError(reply, 404, 'NOT_FOUND', `${view.origin} has no checkpoint yet`);
        return reply.headers(CHECKPOINT_HEADERS).send(note);
      },
    );

    const policy = view.log.policy;
    if (policy !== undefined) {
      app.get(
        `${prefix}/policy`,
        {
          schema: {
            summary: "The log's C2SP tlog-policy: its key, the witnesses and the quorum",
            tags: ['tlog-tiles'],
          },
        },
        (_request, reply) => reply.headers(CHECKPOINT_HEADERS).send(policy),
      );
    }

    app.get<{ Params: { '*': string } }>(
      `${prefix}/tile/*`,
      { schema: { summary: 'A hash tile or an entry bundle', tags: ['tlog-tiles'] } },
      (request, reply) => {
        const rest = request.params['*'];
        const hit = view.cached.get(rest);
        if (hit !== undefined) {
          return reply.header('content-type', OCTET_STREAM).header('cache-control', TILE_CACHE_CONTROL).send(hit);
        }

        const path = `tile/${rest}`;
        let parsed: ReturnType<typeof parseTilePath>;
        try {
          parsed = parseTilePath(path);
        } catch (err) {
          if (err instanceof DetenteError) return sendError(reply, 400, err.code, err.message);
          throw err;
        }
        const width = parsed.width === 0 ? TILE_WIDTH : parsed.width;
        const level = parsed.kind === 'hashes' ? parsed.level : 0;
        // Beyond 2^53 no tree can reach: not found, without any arithmetic on the bigint.
        if (parsed.index > MAX_SAFE_INDEX || !view.contains(level, Number(parsed.index) * TILE_WIDTH + width)) {
          const size = view.size < 0 ? 'no checkpoint yet' : `size ${view.size}`;
          return sendError(reply, 404, 'NOT_FOUND', `${path} is beyond the tree (${size})`);
        }
        const index = Number(parsed.index);
        let data: Buffer;
        if (parsed.kind === 'hashes') {
          const tile = store.tile(level, index);
          if (!tile || tile.length < width * HASH_SIZE) {
            request.log.error({ path, origin: view.origin }, 'the store lacks a tile its checkpoint covers');
            return sendError(reply, 500, 'STORE_ERROR', `${path} is missing from the store`);
          }
          data = Buffer.from(tile.buffer, tile.byteOffset, width * HASH_SIZE);
        } else {
          const entries = [...store.entries(index * TILE_WIDTH, index * TILE_WIDTH + width)];
          if (entries.length !== width) {
            request.log.error({ path, origin: view.origin }, 'the store lacks entries its checkpoint covers');
            return sendError(reply, 500, 'STORE_ERROR', `${path} is missing from the store`);
          }
          const bundle = encodeBundle(entries);
          data = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength);
        }
        // Only full tiles and bundles are kept: a partial one is superseded by the next checkpoint, and caching each
        // partial width a follower reads on its way to 256 would fill the cache with bytes nobody asks for again.
        if (parsed.width === 0) cache.put(view.cached, rest, data);
        return reply.header('content-type', OCTET_STREAM).header('cache-control', TILE_CACHE_CONTROL).send(data);
      },
    );
  }
};
