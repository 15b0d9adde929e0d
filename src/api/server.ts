/**
 * The node's HTTP server (docs/API.md): the tlog-tiles logs under /logs/<party>, the tlog-witness endpoint for the
 * logs this node witnesses, the JSON API under /api, and the OpenAPI document at /docs/json with its UI at /docs.
 *
 * Every error is JSON `{ error: { code, message, path? } }` with a 4xx status for anything the client sent
 * (the tile endpoints keep their flat `{ error, message }`); a 5xx means a bug or a broken disk.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toHex } from '../crypto/bytes.js';
import { canonicalJsonBytes } from '../crypto/canonical-json.js';
import { type Envelope, Item, regimeIndex } from '../model/index.js';
import { COSIGNATURE_FEED_PAGE } from '../node/cosignature-client.js';
import { type LogInfo, MAX_BLOB, type NodeEntry, type PartyNode } from '../node/node.js';
import { SubmissionError, type SubmissionRequest } from '../node/submissions.js';
import { logPolicyText } from '../node/trust-policy.js';
import type { User } from '../node/users.js';
import { TLOG_PROOF_MEDIA_TYPE } from '../tlog/proof-file.js';
import { entryPath } from './entry-path.js';
import { escrowRoutes } from './escrow.js';
import {
  authenticator,
  batchResults,
  fastifyOptions,
  nodeReports,
  rateLimitsOf,
  registerRequestChecks,
  type ServerOptions,
  SUBMISSION_ROUTE,
  sendError,
  setErrorAnswers,
  submissionBatchRoute,
  userFromHeader,
} from './http.js';
import { mirrorPlugin } from './mirror.js';
import { plaintextRoutes } from './plaintexts.js';
import { ReadModel } from './read-model.js';
import { reportRoutes } from './reports.js';
import { ErrorBody } from './schemas.js';
import { stateRoutes } from './state.js';
import { tilesPlugin } from './tiles.js';
import { entryTlogProof } from './tlog-proof.js';
import { webPlugin } from './web.js';
import { witnessPlugin } from './witness.js';

export { RATE_LIMITS, type RateLimits, SERVER_TIMEOUTS, type ServerOptions, type ServerTimeouts } from './http.js';

const iso = (ms: number) => new Date(ms).toISOString();

function summaryOf(envelope: Envelope): string {
  const body = envelope.body as Record<string, unknown>;
  const parts: string[] = [envelope.type];
  // A sealed entry's `commitment` is a hash, not a regime commitment: its public fields go out as audience and type.
  if (envelope.type === 'sealed') return parts[0]!;
  for (const field of ['kind', 'mode', 'asOf', 'commitment', 'site', 'inspection', 'rule', 'draw']) {
    const v = body[field];
    if (typeof v === 'string') parts.push(`${field}=${v}`);
  }
  return parts.join(' ').slice(0, 200);
}

const EntrySummary = z.object({
  origin: z.string(),
  index: z.number(),
  leafHash: z.string(),
  countedAt: z.string(),
  party: z.string(),
  type: z.string(),
  issuedAt: z.string(),
  summary: z.string(),
  /** A sealed entry's public envelope: who may read it and what type it holds (issue 14). */
  audience: z.array(z.string()).optional(),
  sealedType: z.string().optional(),
});

const Count = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A page of a cosignature feed: the log, the last row read, how many rows at most. */
const FeedQuery = z.object({
  origin: z.string().max(255),
  after: Count.default(0),
  limit: z.coerce.number().int().min(1).max(COSIGNATURE_FEED_PAGE).default(COSIGNATURE_FEED_PAGE),
});
const FeedPage = z.object({
  rows: z.array(z.object({ row: z.number(), size: z.number(), line: z.string() })),
  more: z.boolean(),
});

export async function buildServer(node: PartyNode, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(options));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const reads = new ReadModel(node);
  // What a stranger (no login) is answered: the fold without keys, so no sealed body reaches it (issue 14).
  const publicReads = new ReadModel(node, 'public');
  // Decode and fold what is on disk while the server starts listening, not when the first reader comes; the
  // node's worker threads are started before it listens, not by its first submission.
  app.addHook('onReady', async () => {
    void reads.answer(undefined).catch(() => {});
    void publicReads.answer(undefined).catch(() => {});
    await node.warm();
  });
  const userOf = (header: unknown): User | undefined => userFromHeader(node.users, header);
  /** The view a request may read: its party's with a valid login, else the public one. */
  const readsFor = (req: FastifyRequest): ReadModel => (userOf(req.headers.authorization) ? reads : publicReads);

  await registerRequestChecks(app, options, userOf);

  // What the reads serve changes with every write the API accepts; the witness endpoints say themselves whether
  // they stored anything (a stranger's re-cosign of the same checkpoint stores nothing, and changes nothing).
  const witnessRoutes = new Set(
    node
      .logs()
      .filter((l) => !l.own)
      .map((l) => `/logs/${l.party}/add-checkpoint`),
  );
  app.addHook('onResponse', (req, reply, done) => {
    if (req.method === 'POST' && reply.statusCode < 300 && !witnessRoutes.has(req.routeOptions.url ?? '')) node.touch();
    done();
  });

  const reports = nodeReports(node);
  setErrorAnswers(app, reports);

  await app.register(swagger, {
    openapi: {
      info: {
        title: `Détente node of ${node.party.id}`,
        description: 'A party node: its log and mirrors (C2SP tlog-tiles), witness, and the JSON API',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Logs: the own log at its head, each mirror at its last verified checkpoint.
  await app.register(tilesPlugin, {
    listPath: '/api/logs',
    logs: node.logs().map((l) => ({
      prefix: `/logs/${l.party}`,
      store: l.store,
      vkey: l.vkey,
      witnesses: l.witnesses,
      mirrors: node.receiptVkeysFor(l.party),
      checkpoint: () => node.servedCheckpoint(l),
      // The witnesses' cosignatures the quorum needs, then the other parties' receipts (mirror cosignatures) that fit.
      cosignatures: (size: number) => {
        const { witnesses, receipts } = node.servedCosignatures(l, size);
        return [...witnesses, ...receipts].map((c) => c.line);
      },
      policy: logPolicyText(node.regime, l.party, node.suite),
    })),
  });
  const mirrorReceiver = node.pushMirroring.receiver;
  if (mirrorReceiver) {
    await app.register(mirrorPlugin, {
      receiver: mirrorReceiver,
      logs: node.logs().filter((l) => !l.own),
      suite: node.suite,
    });
  }
  if (node.witness) {
    for (const l of node.logs()) {
      if (l.own) continue;
      await app.register(witnessPlugin, {
        witness: node.witness,
        submissionPrefix: `/logs/${l.party}`,
        origin: l.origin,
        onCosigned: () => node.touch(),
        onEquivocation: (e) => node.recordEvidence(e, 'witness'),
      });
    }
  }

  const api = app.withTypeProvider<ZodTypeProvider>();
  const logOf = (origin: string): LogInfo => {
    const log = node.logByOrigin(origin);
    if (!log) throw new SubmissionError(404, 'NOT_FOUND', `this node holds no log ${JSON.stringify(origin)}`);
    return log;
  };

  api.get(
    '/logs',
    {
      schema: {
        summary: "This node's own log and every log it mirrors",
        tags: ['logs'],
        response: {
          200: z.object({
            logs: z.array(
              z.object({
                party: z.string(),
                origin: z.string(),
                prefix: z.string(),
                vkey: z.string(),
                witnesses: z.array(z.string()),
                size: z.number(),
              }),
            ),
          }),
        },
      },
    },
    (req, reply) => {
      // A person who opens the list of logs is sent to the dashboard's page of them; a program keeps the JSON.
      if ((req.headers.accept ?? '').includes('text/html')) {
        reply.redirect('/health', 303);
        return;
      }
      reply.header('cache-control', 'no-cache');
      return {
        logs: node.logs().map((l) => ({
          party: l.party,
          origin: l.origin,
          prefix: `/logs/${l.party}`,
          vkey: l.vkey,
          witnesses: l.witnesses,
          size: node.servedSize(l),
        })),
      };
    },
  );

  // The banner and /logs name each log by its prefix: a person who opens it is sent to the dashboard's page of that
  // log; a program gets where the log's parts are (the prefix itself is no tlog-tiles resource).
  for (const path of ['/logs/:party', '/logs/:party/']) {
    api.get<{ Params: { party: string } }>(
      path,
      {
        schema: {
          summary:
            "One log: its key, size and the URLs of its checkpoint, tiles and policy (a browser: the log's page)",
          tags: ['logs'],
        },
      },
      (req, reply) => {
        const l = node.logs().find((x) => x.party === req.params.party);
        if (!l) {
          const parties = node.logs().map((x) => x.party);
          throw new SubmissionError(
            404,
            'NOT_FOUND',
            `no log of ${JSON.stringify(req.params.party)}: the logs here are ${parties.join(', ')}`,
          );
        }
        if ((req.headers.accept ?? '').includes('text/html')) return reply.redirect(`/health#log-${l.party}`, 303);
        const prefix = `/logs/${l.party}`;
        reply.header('cache-control', 'no-cache');
        return {
          party: l.party,
          origin: l.origin,
          vkey: l.vkey,
          witnesses: l.witnesses,
          size: node.servedSize(l),
          checkpoint: `${prefix}/checkpoint`,
          policy: `${prefix}/policy`,
          tiles: `${prefix}/tile/<L>/<N>[.p/<W>] and ${prefix}/tile/entries/<N>[.p/<W>] (C2SP tlog-tiles)`,
          page: `/health#log-${l.party}`,
        };
      },
    );
  }

  api.get('/api/health', { schema: { summary: 'Liveness and sizes', tags: ['node'] } }, (req, reply) => {
    reply.header('cache-control', 'no-store');
    const health = node.health();
    const corrupt = node.storeProblem !== undefined;
    const out = { ...health, ok: health.ok && !corrupt, ...(corrupt ? { store: 'corrupt' } : {}) };
    if (userOf(req.headers.authorization)) return corrupt ? { ...out, storeProblem: node.storeProblem } : out;
    // Without a token: whether each mirror is failing, not the peer URLs and raw errors that its messages carry.
    return {
      ...out,
      mirrors: health.mirrors.map(({ lastError, ...m }) => ({ ...m, failing: lastError !== null })),
    };
  });

  api.get(
    '/api/regime',
    { schema: { summary: 'The regime as loaded, with its hash', tags: ['node'] } },
    (_req, reply) => {
      reply.header('cache-control', 'no-cache');
      return { hash: node.regimeHash, regime: node.regime };
    },
  );

  api.get(
    '/api/entries',
    {
      schema: {
        summary: 'Entries of every log this node holds, newest last',
        tags: ['entries'],
        querystring: z.object({
          party: z.string().max(64).optional(),
          type: z.string().max(64).optional(),
          offset: Count.optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
        response: { 200: z.object({ total: z.number(), entries: z.array(EntrySummary) }) },
      },
    },
    async (req, reply) => {
      const { party, type, offset = 0, limit = 100 } = req.query;
      // The snapshot is already in canonical order (counted time, origin, index): filter, then page.
      const { entries } = await reads.snapshot();
      const all =
        party === undefined && type === undefined
          ? entries
          : entries.filter(
              (e) => (party === undefined || e.party === party) && (type === undefined || e.envelope.type === type),
            );
      reply.header('cache-control', 'no-cache');
      return {
        total: all.length,
        entries: all.slice(offset, offset + limit).map((e: NodeEntry) => ({
          origin: e.origin,
          index: e.index,
          leafHash: e.leafHash,
          countedAt: iso(e.countedAt),
          party: e.party,
          type: e.envelope.type,
          issuedAt: e.envelope.issuedAt,
          summary: summaryOf(e.envelope),
          ...(e.envelope.type === 'sealed'
            ? { audience: e.envelope.body.audience, sealedType: e.envelope.body.type }
            : {}),
        })),
      };
    },
  );

  api.get(
    '/api/entries/*',
    {
      schema: {
        summary:
          'One entry with its inclusion proof, checkpoint and cosignatures: /api/entries/<origin>/<index>; as a C2SP tlog-proof file: /api/entries/<origin>/<index>.tlog-proof',
        tags: ['entries'],
      },
    },
    (req, reply) => {
      const path = entryPath((req.params as { '*': string })['*']);
      if (typeof path === 'string')
        return sendError(reply, 400, 'MALFORMED_REQUEST', path || 'expected /api/entries/<origin>/<index>');
      const { asProof, indexText } = path;
      const log = logOf(path.origin);
      const detail = node.entryDetail(log, Number(indexText));
      if (!detail) return sendError(reply, 404, 'NOT_FOUND', `${log.origin} has no entry ${indexText} (yet)`);
      reply.header('cache-control', 'no-cache');
      if (asProof)
        return reply.header('content-type', TLOG_PROOF_MEDIA_TYPE).send(entryTlogProof(log, detail, node.suite));
      return { ...detail, countedAt: iso(detail.countedAt) };
    },
  );

  api.get(
    '/api/receipts/*',
    {
      schema: {
        summary:
          "A submission's receipt with the cosignatures this node holds for its checkpoint (the witnesses' its quorum needs, then other parties' receipts): /api/receipts/<origin>/<index>?size=<the receipt's size>; as a C2SP tlog-proof file: /api/receipts/<origin>/<index>.tlog-proof?size=<size>",
        tags: ['submissions'],
        querystring: z.object({ size: Count.optional() }),
      },
    },
    (req, reply) => {
      const path = entryPath((req.params as { '*': string })['*']);
      if (typeof path === 'string')
        return sendError(
          reply,
          400,
          'MALFORMED_REQUEST',
          path || 'expected /api/receipts/<origin>/<index>[?size=<size>]',
        );
      const { asProof, indexText } = path;
      const log = logOf(path.origin);
      const size = (req.query as { size?: number }).size ?? node.servedSize(log);
      const receipt = node.receiptAt(log, Number(indexText), size);
      if (!receipt) {
        return sendError(
          reply,
          404,
          'NOT_FOUND',
          `${log.origin} has no checkpoint of size ${size} holding entry ${indexText}`,
        );
      }
      // Cosignatures keep arriving for a while after the checkpoint: not cached.
      reply.header('cache-control', 'no-cache');
      if (asProof) {
        const cosigners = [...log.witnesses, ...node.receiptVkeysFor(log.party)];
        const lines = [...receipt.cosignatures, ...receipt.receipts];
        return reply
          .header('content-type', TLOG_PROOF_MEDIA_TYPE)
          .send(entryTlogProof({ witnesses: cosigners }, { ...receipt, cosignatures: lines }, node.suite));
      }
      return receipt;
    },
  );

  api.get(
    '/api/proofs/consistency',
    {
      schema: {
        summary: 'A consistency proof between two sizes of a log',
        tags: ['proofs'],
        querystring: z.object({ origin: z.string().max(255), from: Count, to: Count }),
        response: { 200: z.object({ from: z.number(), to: z.number(), proof: z.array(z.string()) }) },
      },
    },
    (req, reply) => {
      const log = logOf(req.query.origin);
      const { from, to } = req.query;
      const size = node.servedSize(log);
      if (from > to || to > size) {
        throw new SubmissionError(400, 'BAD_INPUT', `expected 0 ≤ from ≤ to ≤ ${size}, got from=${from} to=${to}`);
      }
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return { from, to, proof: node.consistency(log, from, to) };
    },
  );

  api.get(
    '/api/cosignatures',
    {
      schema: {
        summary:
          "The cosignature lines served with a checkpoint of a log: the witnesses' that its quorum needs (earliest first), then the receipts (other parties' mirror cosignatures, earliest first) that fit in a note (99 lines in all)",
        tags: ['proofs'],
        querystring: z.object({ origin: z.string().max(255), size: Count }),
        response: { 200: z.object({ lines: z.array(z.string()), receipts: z.array(z.string()) }) },
      },
    },
    (req, reply) => {
      const log = logOf(req.query.origin);
      reply.header('cache-control', 'no-cache');
      const { witnesses, receipts } = node.servedCosignatures(log, req.query.size);
      return { lines: witnesses.map((c) => c.line), receipts: receipts.map((c) => c.line) };
    },
  );

  // Two pages of the same shape: every line a node stores with a log (its peers read it to hold what the author
  // holds), and what its witness issued for a log (the author reads it after a request lost its answer).
  const feeds = [
    {
      path: '/api/cosignatures/feed',
      summary: `Every cosignature and receipt this node stores with a log after row \`after\`, in the order stored, ${COSIGNATURE_FEED_PAGE} at most a page: a peer pages through the author's feed, so that a cosignature reaching the author late still reaches every mirror`,
      page: (log: LogInfo, after: number, limit: number) => node.cosignatureFeed(log, after, limit),
    },
    {
      path: '/api/witness/cosignatures',
      summary: `The cosignatures this node's witness issued for a log after row \`after\`, in the order issued, ${COSIGNATURE_FEED_PAGE} at most a page: the log's author pages through them after a request to this witness lost its answer, so that the cosignature still reaches it`,
      page: (log: LogInfo, after: number, limit: number) => node.witnessFeed(log, after, limit),
    },
  ];
  for (const feed of feeds) {
    api.get(
      feed.path,
      { schema: { summary: feed.summary, tags: ['proofs'], querystring: FeedQuery, response: { 200: FeedPage } } },
      (req, reply) => {
        const log = logOf(req.query.origin);
        reply.header('cache-control', 'no-cache');
        return feed.page(log, req.query.after, req.query.limit);
      },
    );
  }

  api.get(
    '/api/evidence',
    {
      schema: {
        summary:
          'Evidence this node holds, one file per subject and kind (detente-equivocation/v1, detente-cosignature-refusal/v1), a page at a time',
        tags: ['proofs'],
        querystring: z.object({ offset: Count.optional(), limit: z.coerce.number().int().min(1).max(100).optional() }),
      },
    },
    (req, reply) => {
      reply.header('cache-control', 'no-cache');
      const page = node.evidencePage(req.query.offset ?? 0, req.query.limit ?? 20);
      return { total: page.total, evidence: page.items };
    },
  );

  // Authenticated.
  const authenticate = authenticator(userOf);

  api.get(
    '/api/me',
    {
      onRequest: authenticate,
      schema: {
        summary: 'Who the token belongs to',
        tags: ['submissions'],
        security: [{ bearer: [] }],
        response: { 200: z.object({ user: z.string(), party: z.string(), roles: z.array(z.string()) }) },
      },
    },
    (req, reply) => {
      reply.header('cache-control', 'no-store');
      return { user: req.user!.name, party: req.user!.party, roles: req.user!.roles };
    },
  );

  api.post('/api/submissions', { onRequest: authenticate, ...SUBMISSION_ROUTE }, async (req, reply) => {
    const receipt = await node.submissions.submit(
      req.user!,
      req.body as Parameters<PartyNode['submissions']['submit']>[1],
    );
    reply.code(201).header('cache-control', 'no-store');
    return receipt;
  });

  api.post(
    '/api/submissions/batch',
    { onRequest: authenticate, ...submissionBatchRoute(rateLimitsOf(options).user) },
    async (req) => {
      // Submitted in the same turn: the entries are prepared together and land in the same batches of the log.
      const settled = await Promise.allSettled(
        (req.body.submissions as SubmissionRequest[]).map((s) => node.submissions.submit(req.user!, s)),
      );
      return { results: batchResults(settled, 'POST /api/submissions/batch', reports) };
    },
  );

  api.post(
    '/api/blobs',
    {
      onRequest: authenticate,
      schema: {
        summary:
          "Store a declaration's items beyond those its entry carries (a JSON array of items, stored as canonical JSON); name it in the declaration's `more`",
        tags: ['submissions'],
        security: [{ bearer: [] }],
        body: z.array(Item).min(1).max(5000),
        response: {
          201: z.object({ sha256: z.string(), size: z.number(), mediaType: z.string() }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      if (req.user!.party !== node.party.id || !req.user!.roles.includes('declarant')) {
        throw new SubmissionError(403, 'ROLE_DENIED', `user ${req.user!.name} may not declare for ${node.party.id}`);
      }
      // Checked against the regime before anything is stored (L7): a blob names items of known categories only.
      const categories = regimeIndex(node.regime).categories;
      const unknown = req.body.findIndex((item) => !categories.has(item.category));
      if (unknown >= 0) {
        throw new SubmissionError(
          400,
          'SCHEMA_INVALID',
          `no category ${JSON.stringify(req.body[unknown]!.category)} in the regime`,
          `$[${unknown}].category`,
        );
      }
      const bytes = canonicalJsonBytes(req.body);
      if (bytes.length > MAX_BLOB) throw new SubmissionError(413, 'ENTRY_TOO_LARGE', `at most ${MAX_BLOB} bytes`);
      const hash = node.suite.sha256(bytes);
      node.log.store.putBlob(hash, bytes);
      reply.code(201).header('cache-control', 'no-store');
      return { sha256: toHex(hash), size: bytes.length, mediaType: 'application/json' };
    },
  );

  api.get(
    '/api/blobs/:sha256',
    {
      schema: {
        summary:
          'A blob this node holds (own or mirrored), by its SHA-256: without a login only one a public envelope names (never the plaintext of a sealed entry)',
        tags: ['entries'],
        params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      },
    },
    (req, reply) => {
      const sha256 = req.params.sha256;
      const bytes = userOf(req.headers.authorization) ? node.blob(sha256) : node.publicBlob(sha256);
      if (!bytes) return sendError(reply, 404, 'NOT_FOUND', `no blob ${req.params.sha256}`);
      return reply
        .type('application/json')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(Buffer.from(bytes));
    },
  );

  await escrowRoutes(app, node, { authenticate, ...(options.escrow ? { escrow: options.escrow } : {}) });
  await plaintextRoutes(app, node, { reads, authenticate, logOf });
  await stateRoutes(app, readsFor);
  await reportRoutes(app, node, readsFor);
  // The dashboard, last: its fallback must not shadow any route above.
  await app.register(webPlugin);
  await options.extend?.(app, node);
  return app;
}
