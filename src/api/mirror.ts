/**
 * The C2SP tlog-mirror HTTP endpoints of a node (src/node/mirror-receiver.ts decides; this only carries bytes):
 *
 *   POST <prefix>/add-checkpoint     as a witness's, 200 with an empty body (the mirror signs nothing here)
 *   POST <prefix>/add-entries        application/octet-stream, gzip or not, streamed one package at a time
 *   GET  <prefix>/<hex sha256 of origin>/checkpoint, /tile/…   each mirrored log, tlog-tiles, with the mirror's
 *                                    cosignature on the checkpoint
 *
 * The submission and monitoring prefixes are the same (`/mirror` on a node). add-entries reads its body as a
 * stream, never as a whole: a chunk that does not come within `idleMs` ends the body there (a client that never
 * finishes holds nothing but its socket), and only the packages read so far count.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyPluginAsync } from 'fastify';
import { formatSignatureLine, parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type MirrorReceiver, originHash } from '../node/mirror-receiver.js';
import type { LogStore } from '../store/store.js';
import { tilesPlugin } from './tiles.js';

export interface MirrorPluginOptions {
  receiver: MirrorReceiver;
  /** Each mirrored log's store and verifier key, to serve it. */
  logs: readonly { store: LogStore; vkey: string }[];
  suite: CryptoSuite;
  /** Submission and monitoring prefix (default '/mirror'). */
  prefix?: string;
  /** Longest wait for the next chunk of an add-entries body (default 30 s). */
  idleMs?: number;
}

const CHECKPOINT_BODY_LIMIT = 64 * 1024;

/** The body's chunks, ending early (as if the client had stopped) when none comes within `idleMs`. */
async function* withIdleTimeout(stream: Readable, idleMs: number): AsyncGenerator<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<'idle'>((resolve) => {
      timer = setTimeout(() => resolve('idle'), idleMs);
    });
    const next = await Promise.race([it.next(), idle]).finally(() => clearTimeout(timer));
    if (next === 'idle') return;
    if (next.done) return;
    yield next.value as Uint8Array;
  }
}

export const mirrorPlugin: FastifyPluginAsync<MirrorPluginOptions> = async (app, options) => {
  const { receiver } = options;
  const prefix = options.prefix ?? '/mirror';
  const idleMs = options.idleMs ?? 30_000;

  await app.register(tilesPlugin, {
    listPath: `${prefix}/logs`,
    suite: options.suite,
    logs: options.logs.map((l) => ({
      prefix: `${prefix}/${originHash(options.suite, l.store.origin)}`,
      store: l.store,
      vkey: l.vkey,
      witnesses: [receiver.verifierKey],
      checkpoint: () => receiver.servedCheckpoint(l.store.origin),
      // The tiles plugin serves the log's own signature, then the lines it is given that verify: the mirror's.
      cosignatures: () => cosignatureLines(receiver.servedCheckpoint(l.store.origin), l.store.origin),
    })),
  });

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // add-checkpoint: a small body, read whole; add-entries: the raw stream, read by the receiver as it goes.
    scope.addContentTypeParser('*', (request, payload, done) => {
      if (request.url.endsWith('/add-entries')) return done(null, payload);
      const chunks: Buffer[] = [];
      let length = 0;
      payload.on('data', (c: Buffer) => {
        length += c.length;
        if (length > CHECKPOINT_BODY_LIMIT) {
          payload.destroy();
          done(Object.assign(new Error('add-checkpoint body too large'), { statusCode: 413 }), undefined);
          return;
        }
        chunks.push(c);
      });
      payload.on('end', () => done(null, Buffer.concat(chunks)));
      payload.on('error', (err) => done(err, undefined));
    });

    scope.post<{ Body: Buffer | undefined }>(
      `${prefix}/add-checkpoint`,
      {
        schema: {
          summary: 'Update the pending checkpoint of a mirrored log (C2SP tlog-mirror)',
          tags: ['tlog-mirror'],
        },
      },
      (request, reply) => {
        const body = request.body ?? Buffer.alloc(0);
        const result = receiver.addCheckpoint(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
        return reply
          .code(result.status)
          .header('content-type', result.contentType)
          .header('cache-control', 'no-store')
          .send(result.body);
      },
    );

    scope.post<{ Body: Readable | undefined }>(
      `${prefix}/add-entries`,
      { schema: { summary: 'Upload entries of a mirrored log (C2SP tlog-mirror)', tags: ['tlog-mirror'] } },
      async (request, reply) => {
        const raw = request.body ?? Readable.from([]);
        const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
        if (encoding !== 'identity' && encoding !== 'gzip') {
          raw.resume();
          return reply.code(415).header('accept-encoding', 'gzip').send(`unsupported content-encoding ${encoding}\n`);
        }
        let stream: Readable = raw;
        if (encoding === 'gzip') {
          const gunzip = createGunzip();
          raw.pipe(gunzip);
          raw.on('error', (err) => gunzip.destroy(err));
          stream = gunzip;
        }
        // A corrupt gzip stream or a dropped connection ends the body where it broke: what came before counts.
        const chunks = (async function* () {
          try {
            yield* withIdleTimeout(stream, idleMs);
          } catch {
            return;
          }
        })();
        const result = await receiver.addEntries(chunks);
        if (!raw.readableEnded) {
          // Answered before the body ended (an early refusal, a lie, an idle client): close the connection once the
          // answer is out, rather than read the rest.
          reply.header('connection', 'close');
          reply.raw.once('finish', () => raw.destroy());
        }
        return reply
          .code(result.status)
          .header('content-type', result.contentType)
          .header('accept-encoding', 'gzip')
          .header('cache-control', 'no-store')
          .send(result.body);
      },
    );
  });
};

/** The signature lines of a served note other than the log's own. */
function cosignatureLines(note: string | undefined, origin: string): string[] {
  if (note === undefined) return [];
  return parseNote(note)
    .signatures.filter((s) => s.name !== origin)
    .map(formatSignatureLine);
}
