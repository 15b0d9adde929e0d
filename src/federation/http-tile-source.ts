/**
 * A TileSource over HTTP (global fetch): a C2SP tlog-tiles log at `<base URL>` (which includes the log's prefix),
 * read as `<base>/checkpoint`, `<base>/tile/<L>/<N>[.p/<W>]` and `<base>/tile/entries/<N>[.p/<W>]`.
 *
 * It trusts nothing it reads (verifyTiles and the mirror check everything), but it bounds what it reads: each
 * request has a deadline, and a body longer than its resource can be (a checkpoint note, a tile of `width` hashes,
 * a bundle of `width` entries) is cut off rather than buffered. Two kinds of failure, kept apart on purpose:
 * - the server answered, and the resource is not there (404) or not what it must be (too long): a DetenteError
 *   LOG_INCONSISTENT, because a log that signed a checkpoint must serve everything beneath it;
 * - the transport failed (connection refused, timeout, 5xx, other statuses): a FetchError, which is worth retrying
 *   and says nothing about the log's honesty.
 */
import { DetenteError, fail } from '../crypto/errors.js';
import { decodeBundleStream, MAX_ENTRY_SIZE } from '../tlog/entry-bundle.js';
import { HASH_SIZE } from '../tlog/hasher.js';
import { entriesPath, TILE_WIDTH, tilePath } from '../tlog/tile-paths.js';
import type { TileSource } from '../tlog/tile-source.js';

/** A signed note is a few lines and at most 100 signatures; anything longer is not a checkpoint. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpTileSourceOptions {
  /** Per-request deadline, body included (default 10 s). */
  timeoutMs?: number;
  /** Extra request headers (a User-Agent, say). */
  headers?: Record<string, string>;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** The transport failed or the server erred: nothing was learnt about the log. Retry later. */
export class FetchError extends Error {
  readonly url: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  constructor(url: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(`${url}: ${message}`, options);
    this.name = 'FetchError';
    this.url = url;
    this.status = status;
  }
}

/** Joins a base URL and a path relative to it, with exactly one slash between them. */
function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** Refuses a response whose declared length is over `limit`, before reading any of it. */
async function checkDeclared(url: string, response: Response, limit: number): Promise<void> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    await response.body?.cancel().catch(() => {});
    fail('LOG_INCONSISTENT', `${url}: ${declared} bytes, more than the ${limit} this resource can hold`);
  }
}

export async function readBounded(url: string, response: Response, limit: number): Promise<Uint8Array> {
  await checkDeclared(url, response, limit);
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel().catch(() => {});
      fail('LOG_INCONSISTENT', `${url}: more than the ${limit} bytes this resource can hold`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** GETs `url`: the response, once it is a 200 (a 404 is the log's fault, anything else the transport's). */
async function open(url: string, options: HttpTileSourceOptions): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let response: Response;
  try {
    response = await doFetch(url, { headers: options.headers, signal, redirect: 'follow' });
  } catch (err) {
    const reason = (err as Error)?.name === 'TimeoutError' ? 'timed out' : `request failed (${describe(err)})`;
    throw new FetchError(url, reason, undefined, { cause: err });
  }
  if (response.status === 404) {
    await response.body?.cancel().catch(() => {});
    fail('LOG_INCONSISTENT', `${url}: missing (404)`);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new FetchError(url, `HTTP ${response.status}`, response.status);
  }
  return response;
}

/** A body that failed while being read: the transport's fault, unless we refused it. */
function bodyError(url: string, err: unknown): unknown {
  if (err instanceof DetenteError) return err;
  const reason = (err as Error)?.name === 'TimeoutError' ? 'timed out' : `body failed (${describe(err)})`;
  return new FetchError(url, reason, 200, { cause: err });
}

/** GETs `url` and returns its body, at most `limit` bytes. */
export async function fetchBytes(url: string, limit: number, options: HttpTileSourceOptions = {}): Promise<Uint8Array> {
  const response = await open(url, options);
  try {
    return await readBounded(url, response, limit);
  } catch (err) {
    throw bodyError(url, err);
  }
}

/** The chunks of a response body, a failed read turned into a FetchError; cancels the body when left early. */
async function* chunksOf(url: string, response: Response): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (err) {
        throw bodyError(url, err);
      }
      if (read.done) return;
      yield read.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * GETs the entry bundle at `url` and yields its `width` entries as they arrive (M2 of the red team): nothing but
 * the entry being read and the chunk in hand is held, so a peer streaming junk is refused at its first bad entry.
 */
export async function* fetchBundleEntries(
  url: string,
  width: number,
  options: HttpTileSourceOptions = {},
): AsyncGenerator<Uint8Array> {
  const response = await open(url, options);
  await checkDeclared(url, response, width * (2 + MAX_ENTRY_SIZE));
  yield* decodeBundleStream(chunksOf(url, response), width);
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** The signed checkpoint note served at `<base>/checkpoint`. */
export async function fetchCheckpoint(baseUrl: string, options: HttpTileSourceOptions = {}): Promise<string> {
  const url = join(baseUrl, 'checkpoint');
  const body = await fetchBytes(url, MAX_CHECKPOINT_BYTES, options);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    fail('NOTE_MALFORMED', `${url}: not valid UTF-8`);
  }
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    fail('BAD_INPUT', `tile width: expected 1..${TILE_WIDTH}, got ${width}`);
  }
}

/** A TileSource for the log whose tlog-tiles prefix is `baseUrl` (e.g. `https://node.example/logs/us`). */
export function httpTileSource(baseUrl: string, options: HttpTileSourceOptions = {}): TileSource & { baseUrl: string } {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) {
    fail('BAD_INPUT', `tile source: expected an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  return {
    baseUrl,
    checkpoint: () => fetchCheckpoint(baseUrl, options),
    hashTile(level, index, width) {
      checkWidth(width);
      return fetchBytes(join(baseUrl, tilePath(level, index, width % TILE_WIDTH)), width * HASH_SIZE, options);
    },
    entryBundle(index, width) {
      checkWidth(width);
      return fetchBytes(join(baseUrl, entriesPath(index, width % TILE_WIDTH)), width * (2 + MAX_ENTRY_SIZE), options);
    },
    bundleEntries(index, width) {
      checkWidth(width);
      return fetchBundleEntries(join(baseUrl, entriesPath(index, width % TILE_WIDTH)), width, options);
    },
  };
}
