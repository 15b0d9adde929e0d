/**
 * Entry bundles decoded as they stream (M2 of the red team): the streaming decoder agrees with decodeBundle on
 * every input however it is split, and over HTTP an entry is handed over while the rest of the body is still to
 * come, so a mirror can refuse a lying peer's bundle at its first entry without waiting for (or holding) the rest.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DetenteError } from '../src/crypto/errors.js';
import { httpTileSource } from '../src/federation/http-tile-source.js';
import { decodeBundle, decodeBundleStream, encodeBundle } from '../src/tlog/entry-bundle.js';

async function collect(chunks: Uint8Array[], expected?: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const e of decodeBundleStream(chunks, expected)) out.push(e);
  return out;
}

/** `bytes` cut at the given points (sorted, deduplicated, within range). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** What a decoder made of an input: the entries, or the error code. */
async function outcome(f: () => Promise<Uint8Array[]> | Uint8Array[]): Promise<string[] | string> {
  try {
    return (await f()).map((e) => Buffer.from(e).toString('hex'));
  } catch (err) {
    expect(err).toBeInstanceOf(DetenteError);
    return (err as DetenteError).code;
  }
}

describe('decodeBundleStream', () => {
  it('gives the entries of any bundle, however its bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (entries, cuts) => {
          const bundle = encodeBundle(entries);
          const got = await collect(split(bundle, cuts), entries.length);
          expect(got.map((e) => Buffer.from(e).toString('hex'))).toEqual(
            entries.map((e) => Buffer.from(e).toString('hex')),
          );
          // Each entry has its own buffer: nothing keeps the chunks alive.
          for (const e of got) expect(e.byteLength).toBe(e.buffer.byteLength);
        },
      ),
    );
  });

  it('refuses exactly what decodeBundle refuses (TILE_MALFORMED), whatever the split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.option(fc.integer({ min: 1, max: 256 })),
        async (bytes, cuts, expected) => {
          const want = await outcome(() => decodeBundle(bytes, expected ?? undefined));
          const got = await outcome(() => collect(split(bytes, cuts), expected ?? undefined));
          expect(got).toEqual(want);
        },
      ),
    );
  });

  it('refuses an entry past the expected count before reading it', async () => {
    const extra = encodeBundle([new Uint8Array([1]), new Uint8Array(60_000)]);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const e of decodeBundleStream([extra], 1)) seen.push(e.length);
      })(),
    ).rejects.toMatchObject({ code: 'TILE_MALFORMED', message: expect.stringContaining('more than the 1 expected') });
    expect(seen).toEqual([1]);
  });
});

describe('httpTileSource.bundleEntries', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('hands over the first entry while the peer is still sending, and cancels the body when left', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((r) => {
      closed = r;
    });
    server = createServer((req, res) => {
      // A 256-entry bundle whose first entry is whole, and then nothing more: the rest never comes.
      res.write(encodeBundle([new TextEncoder().encode('junk')]));
      req.socket.on('close', closed);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const source = httpTileSource(`http://127.0.0.1:${port}/logs/ru`, { timeoutMs: 60_000 });
    for await (const entry of source.bundleEntries!(0, 256)) {
      expect(new TextDecoder().decode(entry)).toBe('junk');
      break; // a validator refusing this entry
    }
    await connectionClosed;
  });

  it('refuses a body longer than its bundle can be as soon as the extra entry starts', async () => {
    server = createServer((_req, res) => {
      res.write(encodeBundle([new Uint8Array([7]), new Uint8Array([8])]));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const source = httpTileSource(`http://127.0.0.1:${port}/logs/ru`, { timeoutMs: 60_000 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const e of source.bundleEntries!(0, 1)) seen.push(e[0]!);
      })(),
    ).rejects.toMatchObject({ code: 'TILE_MALFORMED' });
    expect(seen).toEqual([7]);
  });
});
