/**
 * What every route of a node's HTTP server goes through, shared by the server (server.ts) and the acceptor processes
 * (acceptors.ts): Fastify's options (deadlines, body limit), the rate limits, the JSON body parser, the token, the
 * error answers `{ error: { code, message, path? } }`, and the submission route's schema.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DetenteError } from '../crypto/errors.js';
import type { NodeEscrowOptions } from '../node/escrow-service.js';
import type { PartyNode } from '../node/node.js';
import { SubmissionError } from '../node/submissions.js';
import type { User } from '../node/users.js';
import { ErrorBody, Receipt } from './schemas.js';

export interface ServerOptions {
  /** Fastify's logger (default off). */
  logger?: boolean;
  /** Largest JSON body (default 256 KiB: an entry is at most 64 KiB of canonical JSON). */
  bodyLimit?: number;
  /** Registers more routes (the engine's /api/state and /api/findings, the dashboard) before the server starts. */
  extend?: (app: FastifyInstance, node: PartyNode) => Promise<void> | void;
  /** The escrow's randomness (exercises only: derived from the exercise seed); default the CSPRNG. */
  escrow?: NodeEscrowOptions;
  /** Connection deadlines (M4 of the red team: stalled connections were held forever). */
  timeouts?: Partial<ServerTimeouts>;
  /** Requests per client per minute (see RATE_LIMITS). */
  rateLimits?: Partial<RateLimits>;
  /**
   * Addresses of proxies whose X-Forwarded-For names the client (api/acceptors.ts: the node's own acceptor processes
   * on loopback); default none.
   */
  trustProxy?: string;
}

export interface ServerTimeouts {
  /** A whole request, headers and body, must arrive within this. */
  requestMs: number;
  /** The headers must arrive within this (at most requestMs). */
  headersMs: number;
  /** A connection on which nothing moves for this long is closed. */
  idleMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

// Keep-alive as Fastify's default (72 s), announced to clients, so that none reuses a socket the server is closing;
// a socket idle longer than that (nothing sent at all) is closed a little later.
export const SERVER_TIMEOUTS: ServerTimeouts = {
  requestMs: 30_000,
  headersMs: 20_000,
  idleMs: 75_000,
  keepAliveMs: 72_000,
};

/**
 * Requests a minute per client: a token holder is one client wherever it calls from; anyone else is one client per
 * address, counted per class of route. Peers mirror through the tiles and checkpoints (cheap: served from memory)
 * and call the witness once per batch at most, so these leave them room; a stranger gets far fewer of the routes
 * that fold or page the engine's state.
 */
export interface RateLimits {
  /** Any route, with a valid token. */
  user: number;
  /** /api/state, /api/findings, /api/entries (the list), /api/evidence without a token. */
  expensive: number;
  /** The tlog-witness endpoints (add-checkpoint) without a token. */
  witness: number;
  /** Everything else without a token: tiles, checkpoints, single entries, proofs. */
  other: number;
}

export const RATE_LIMITS: RateLimits = { user: 12_000, expensive: 600, witness: 1_200, other: 30_000 };

function routeClass(method: string, url: string): keyof RateLimits {
  const path = url.split('?', 1)[0]!;
  if (method === 'POST' && path.endsWith('/add-checkpoint')) return 'witness';
  if (method === 'GET' && /^\/api\/(state|findings|entries|evidence)$/.test(path)) return 'expensive';
  return 'other';
}

/** A full disk, however the store reports it (SQLITE_FULL from SQLite, ENOSPC from a write). */
function isDiskFull(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC') return true;
  }
  return false;
}

/** SQLite's own report of a damaged file. */
function isCorrupt(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'SQLITE_CORRUPT' || e.code === 'SQLITE_NOTADB' || e.code === 'STORE_CORRUPT') return true;
  }
  return false;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, path?: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error: path === undefined ? { code, message } : { code, message, path } });
}

export const Submission = z.object({
  nonce: z.string().describe('8 to 128 printable ASCII characters, never reused by the same user'),
  type: z.string().describe('the entry type (docs/MODEL.md)'),
  body: z.unknown().describe("the entry's body, per its type"),
  refs: z.array(z.unknown()).optional(),
  issuedAt: z.string().optional().describe('default: now'),
  party: z.string().optional().describe("if given, must be the node's party"),
  key: z.string().optional().describe('if given, a key of the party that holds the role the type needs'),
  audience: z
    .union([z.literal('public'), z.array(z.string())])
    .optional()
    .describe("who may read the body: default the regime's audience; a narrower party list seals it to them"),
});

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
}

/** The Fastify options of a node's HTTP server (its acceptors' too): deadlines, body limit, error bodies. */
export function fastifyOptions(options: ServerOptions) {
  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  return {
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Peers keep connections alive; a node that stops must not wait for them.
    forceCloseConnections: true,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node checks request deadlines only this often (30 s by default).
    http: {
      headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(timeouts.requestMs / 4))),
    },
    // Tile paths with %2F or .. are parsed by the tiles plugin, not normalised away.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 500 },
    // Fastify's own refusals (a path with bad percent-encoding) get the same JSON body as ours.
    frameworkErrors: (err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply) =>
      sendError(
        reply,
        400,
        'MALFORMED_REQUEST',
        err.code === 'FST_ERR_BAD_URL' ? 'bad percent-encoding in the path' : err.message,
      ),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  };
}

const DEFAULT_BODY_LIMIT = 256 * 1024;

/** The user a request's Authorization header names, if its token is known. */
export function userFromHeader(users: { authenticate(token: string): User | undefined }, header: unknown) {
  // RFC 7235: the scheme is case-insensitive.
  const match = typeof header === 'string' ? /^bearer ([\x21-\x7e]{1,200})$/i.exec(header) : null;
  return match ? users.authenticate(match[1]!) : undefined;
}

/** A server's rate limits: the defaults, with those its options set. */
export function rateLimitsOf(options: Pick<ServerOptions, 'rateLimits'>): RateLimits {
  return { ...RATE_LIMITS, ...options.rateLimits };
}

/** The rate limits and the JSON body parser every route of a node's server (or acceptor) goes through. */
export async function registerRequestChecks(
  app: FastifyInstance,
  options: ServerOptions,
  userOf: (header: unknown) => User | undefined,
): Promise<void> {
  const limits = rateLimitsOf(options);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // A well-kept limiter (@fastify/rate-limit: per-key counters in a bounded LRU, standard headers and Retry-After)
  // rather than our own: docs/API.md says why these numbers.
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const user = userOf(req.headers.authorization);
      return user ? `user ${user.name}` : `${routeClass(req.method, req.url)} ${req.ip}`;
    },
    max: (_req, key) => limits[key.slice(0, key.indexOf(' ')) as keyof RateLimits],
    errorResponseBuilder: (_req, context) =>
      Object.assign(new Error(`too many requests: at most ${context.max} a minute; retry in ${context.after}`), {
        statusCode: 429,
        code: 'RATE_LIMITED',
      }),
  });

  // JSON bodies are UTF-8 (RFC 8259) and nothing else: a charset other than utf-8, or bytes that do not decode,
  // are refused rather than read leniently.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
      done(
        Object.assign(new Error(`expected charset=utf-8, got ${charset.slice(0, 40)}`), {
          statusCode: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        }),
      );
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(Object.assign(new Error('the body is not valid UTF-8'), { statusCode: 400 }));
      return;
    }
    parseJson(req, text, done);
  });
}

/** What the node's log must hear of an error, and where a damaged store is noted (node.report, node.storeProblem). */
export interface ErrorReports {
  report(level: 'error', message: string): void;
  corrupt(message: string): void;
}

/** An error's answer: status, code, message and path, as every route of a node gives them. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  path?: string;
}

/** The answer to an error thrown while serving `what` (method and URL); reports what needs reporting. */
export function errorAnswer(
  err: Error & { statusCode?: number; code?: string; validation?: unknown },
  what: string,
  reports: ErrorReports,
): ErrorAnswer {
  if (err instanceof SubmissionError)
    return { status: err.status, code: err.code, message: err.message, path: err.path };
  if (isDiskFull(err)) {
    // Logged by the node, which logs even under --quiet; nothing was written (the store's transaction rolled back).
    reports.report('error', `the disk is full: ${what} refused`);
    return { status: 507, code: 'STORE_FULL', message: 'the node cannot store anything: its disk is full' };
  }
  if (isCorrupt(err)) {
    reports.corrupt(err.message);
    reports.report('error', `store corrupt: ${err.message}`);
    return { status: 500, code: 'STORE_CORRUPT', message: "the node's store is corrupt: see its log" };
  }
  if (err instanceof DetenteError) {
    const status = err.code === 'STORE_ERROR' || err.code === 'LOG_INCONSISTENT' ? 500 : 400;
    if (status === 500) reports.report('error', `${err.code}: ${err.message}`);
    return { status, code: err.code, message: err.message, path: err.problems[0]?.path };
  }
  if (err.validation) {
    const issue = (err.validation as { instancePath?: string; message?: string }[])[0];
    // JSON pointer to the path style of the model's errors: /items/3/category → $.items[3].category
    // (The body itself is `/`: `$`, not `$.`.)
    const pointer = (issue?.instancePath ?? '').replace(/^\/$/, '');
    const path = `$${pointer.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
    return { status: 400, code: 'SCHEMA_INVALID', message: err.message, path };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'BODY_TOO_LARGE'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status === 400
            ? 'MALFORMED_REQUEST'
            : (err.code ?? 'BAD_REQUEST');
    return { status, code, message: err.message };
  }
  reports.report('error', `${what}: ${err.stack ?? err.message}`);
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** The error handler and the 404 of every route of a node's server (or acceptor). */
export function setErrorAnswers(app: FastifyInstance, reports: ErrorReports): void {
  app.setErrorHandler((err: Error, request, reply) => {
    const a = errorAnswer(err, `${request.method} ${request.url.slice(0, 200)}`, reports);
    return sendError(reply, a.status, a.code, a.message, a.path);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`),
  );
}

/** The submission route's options: its schema (documentation and validation) and its serializer. */
export const SUBMISSION_ROUTE = {
  // The hot path: every answer is built here (a Receipt) or by sendError, so it is written as it is; the zod
  // serializer would parse each one again against its schema (a measurable share of a submission's CPU). The
  // schemas below still document the route.
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
  schema: {
    summary: 'Submit a statement; answered once it is durable and in a signed checkpoint',
    tags: ['submissions'],
    security: [{ bearer: [] }],
    body: Submission,
    response: { 201: Receipt, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody },
  },
};

/**
 * At most this many submissions in one `POST /api/submissions/batch`. The route's own rate limit is a user's
 * requests a minute divided by this, so that batches record no more entries a minute than single submissions.
 */
export const BATCH_MAX = 64;

/** One submission's answer within a batch: its receipt, or its error as the single route would have answered it. */
export const BatchResult = z.union([
  z.object({ status: z.literal(201), receipt: Receipt }),
  z.object({ status: z.number(), error: ErrorBody.shape.error }),
]);

/** The batch route's options: its schema and, as for a single submission, the answer written as it is built. */
export function submissionBatchRoute(userLimit: number) {
  return {
    serializerCompiler: SUBMISSION_ROUTE.serializerCompiler,
    config: { rateLimit: { max: Math.max(1, Math.floor(userLimit / BATCH_MAX)), timeWindow: 60_000 } },
    schema: {
      summary: `Submit 1 to ${BATCH_MAX} statements at once; each is checked, recorded and answered as by POST /api/submissions`,
      tags: ['submissions'],
      security: [{ bearer: [] }],
      body: z.object({ submissions: z.array(Submission).min(1).max(BATCH_MAX) }),
      response: { 200: z.object({ results: z.array(BatchResult) }), 400: ErrorBody, 401: ErrorBody },
    },
  };
}

/**
 * The answers of a batch's submissions, in its order: each one's receipt, or its error (a path into the batch:
 * `$.type` of the fourth is `$.submissions[3].type`). One refusal does not stop the others.
 */
export function batchResults(
  settled: PromiseSettledResult<unknown>[],
  what: string,
  reports: ErrorReports,
): z.infer<typeof BatchResult>[] {
  return settled.map((s, i) => {
    if (s.status === 'fulfilled') return { status: 201 as const, receipt: s.value as z.infer<typeof Receipt> };
    const { status, code, message, path } = errorAnswer(s.reason as Error, what, reports);
    const within = path === undefined ? undefined : `$.submissions[${i}]${path.slice(1)}`;
    return { status, error: within === undefined ? { code, message } : { code, message, path: within } };
  });
}

/** The 401 of a route that needs a token; else the request's user is set. */
export function authenticator(userOf: (header: unknown) => User | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const user = userOf(header);
    if (!user) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(
        reply,
        401,
        'UNAUTHENTICATED',
        header ? 'unknown token' : 'expected Authorization: Bearer <token>',
      );
    }
    req.user = user;
  };
}

/** Errors reported to the node's log; a damaged store noted for /api/health. */
export function nodeReports(node: PartyNode): ErrorReports {
  return {
    report: (level, message) => node.report(level, message),
    corrupt: (message) => {
      node.storeProblem ??= message;
    },
  };
}
