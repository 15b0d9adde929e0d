/**
 * A node's HTTP on more than one core (`detente node serve --http-workers N`, issue 12): N acceptor processes
 * (node:cluster, round-robin over one listening port) take every connection. Each parses HTTP, authenticates,
 * rate-limits, parses and checks the JSON of a submission, and prepares and signs its entry (prepareEntry and
 * Ed25519, as the node's worker threads would); it hands the writer (this process, which holds the node) the
 * request, its user and the signed entry over IPC, several a message. The writer runs the submission pipeline as
 * for any submission (every check in the same order, the store's, the queue, the batch's transaction and signed
 * checkpoint) and returns the receipt with its inclusion proof, or the error's answer, which the acceptor sends.
 * Every other route is passed, as bytes, to the node's own server on a loopback port (X-Forwarded-For names the
 * client, so its rate limits count the client, not the acceptor).
 *
 * Why processes: Node 20 cannot share a listening port between worker threads, nor hand them a socket; it can hand
 * both to child processes. Why reads stay on the writer: the read model folds the logs once and keeps the fold in
 * memory; a fold per acceptor would cost each process the memory and CPU of a whole fold and could answer from an
 * older state than the writer's. Passing a read through costs a loopback hop; the hot path, submissions, does not
 * take it.
 */
import cluster, { type Worker } from 'node:cluster';
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { DetenteError } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  ENTRY_ROLE,
  ENTRY_TYPES,
  type EntrySigner,
  type EntryType,
  entrySigner,
  prepareEntry,
  type Regime,
} from '../model/index.js';
import { loadRegime, readConfig, readSeed } from '../node/config.js';
import type { PartyNode } from '../node/node.js';
import { type Receipt, SubmissionError, type SubmissionRequest } from '../node/submissions.js';
import { type User, UserStore } from '../node/users.js';
import type { AcceptedEntry } from '../runtime/accepted-entries.js';
import type { PrepareFields } from '../runtime/entry-workers.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { signedCanonical } from '../runtime/signed-entry.js';
import { workerScript } from '../runtime/worker-script.js';
import {
  authenticator,
  type ErrorAnswer,
  errorAnswer,
  fastifyOptions,
  nodeReports,
  registerRequestChecks,
  type ServerOptions,
  SUBMISSION_ROUTE,
  sendError,
  setErrorAnswers,
  userFromHeader,
} from './http.js';
import { buildServer } from './server.js';

/** What an acceptor process is started with (in its environment, as JSON). */
export interface AcceptorInit {
  dir: string;
  host: string;
  port: number;
  /** The writer's own server, on 127.0.0.1. */
  internalPort: number;
  server: Pick<ServerOptions, 'bodyLimit' | 'timeouts' | 'rateLimits' | 'logger'>;
}

export const ACCEPTOR_ENV = 'DETENTE_ACCEPTOR';

interface SubmitJob {
  id: number;
  user: User;
  request: SubmissionRequest;
  /** The entry as the acceptor prepared and signed it; absent if it could not (the writer then says why). */
  entry?: AcceptedEntry;
}

interface SubmitAnswer {
  id: number;
  receipt?: Receipt;
  error?: ErrorAnswer;
}

type ToWriter = { kind: 'listening'; port: number } | { kind: 'submit'; jobs: SubmitJob[] };
type ToAcceptor = { kind: 'answers'; answers: SubmitAnswer[] } | { kind: 'close' };

/** Messages sent at the next turn of the event loop, those of one turn together: each message wakes the other side. */
class Outbox<T> {
  #items: T[] = [];
  readonly #send: (items: T[]) => void;
  constructor(send: (items: T[]) => void) {
    this.#send = send;
  }
  push(item: T): void {
    if (this.#items.push(item) === 1) {
      setImmediate(() => {
        const items = this.#items;
        this.#items = [];
        this.#send(items);
      });
    }
  }
}

// ---------------------------------------------------------------- the writer's side

export interface AcceptorPoolOptions extends ServerOptions {
  port: number;
  host: string;
  /** Acceptor processes (at least 1). */
  workers: number;
}

export interface AcceptorPool {
  /** The port the acceptors listen on (the one asked for, or the one chosen for 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `node` through `workers` acceptor processes on host:port; the node's own server listens on a loopback port
 * for the routes the acceptors pass through. Resolves once every acceptor listens.
 */
export async function serveWithAcceptors(node: PartyNode, options: AcceptorPoolOptions): Promise<AcceptorPool> {
  const { port, host, workers, ...server } = options;
  const internal = await buildServer(node, { ...server, trustProxy: '127.0.0.1' });
  await internal.listen({ port: 0, host: '127.0.0.1' });
  const internalPort = (internal.server.address() as { port: number }).port;
  const init: AcceptorInit = {
    dir: node.dir,
    host,
    port,
    internalPort,
    server: {
      bodyLimit: server.bodyLimit,
      timeouts: server.timeouts,
      rateLimits: server.rateLimits,
      logger: server.logger,
    },
  };
  cluster.setupPrimary({
    exec: workerScript('api/acceptor-main'),
    // Entries carry bytes (Uint8Array): the structured clone keeps them, JSON would not.
    serialization: 'advanced',
    // Only a profiler's flags: a test runner's loaders are not for the acceptor.
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
  });
  const reports = nodeReports(node);
  let closing = false;
  const live = new Set<Worker>();

  const start = (): Promise<number> => {
    const worker = cluster.fork({ [ACCEPTOR_ENV]: JSON.stringify(init) });
    live.add(worker);
    const outbox = new Outbox<SubmitAnswer>((answers) => {
      if (worker.isConnected()) worker.send({ kind: 'answers', answers } satisfies ToAcceptor);
    });
    const answer = (job: SubmitJob) => {
      if (job.entry) node.acceptedEntries.accept(job.request.body, job.entry);
      node.submissions.submit(job.user, job.request).then(
        (receipt) => {
          // What the reads serve changed (the single process does this for every POST it accepted).
          node.touch();
          outbox.push({ id: job.id, receipt });
        },
        (err: Error) => outbox.push({ id: job.id, error: errorAnswer(err, 'POST /api/submissions', reports) }),
      );
    };
    return new Promise<number>((resolve, reject) => {
      worker.on('message', (m: ToWriter) => {
        if (m.kind === 'listening') resolve(m.port);
        else if (m.kind === 'submit') for (const job of m.jobs) answer(job);
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        reject(new DetenteError('STORE_ERROR', `HTTP acceptor exited (${signal ?? code}) before it listened`));
        if (closing) return;
        node.report('error', `HTTP acceptor ${worker.process.pid} exited (${signal ?? code}): starting another`);
        start().catch((err: Error) => node.report('error', err.message));
      });
    });
  };

  let ports: number[];
  try {
    ports = await Promise.all(Array.from({ length: Math.max(1, workers) }, start));
  } catch (err) {
    closing = true;
    for (const w of live) w.kill();
    await internal.close();
    throw err;
  }
  return {
    port: ports[0]!,
    async close() {
      closing = true;
      // The acceptors finish the requests they hold (the writer still answers them), then the writer's server.
      await Promise.all(
        [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => w.kill('SIGKILL'), 10_000);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              if (w.isConnected()) w.send({ kind: 'close' } satisfies ToAcceptor);
              else w.kill();
            }),
        ),
      );
      await internal.close();
    },
  };
}

// ---------------------------------------------------------------- the acceptor's side

/** Prepares and signs a submission's entry as the node's pipeline would, when it can; else leaves it to the writer. */
function entryPreparer(suite: CryptoSuite, regime: Regime, dir: string, partyId: string) {
  const party = regime.parties.find((p) => p.id === partyId);
  if (!party) throw new DetenteError('BAD_INPUT', `no party ${partyId} in the regime`);
  const signers = new Map<string, EntrySigner>();
  for (const k of party.keys) {
    if (k.roles.includes('declarant') || k.roles.includes('inspector')) {
      signers.set(k.id, entrySigner(suite, regime, party.id, k.id, readSeed(dir, k.id)));
    }
  }
  return (request: SubmissionRequest & { issuedAt: string }): AcceptedEntry | undefined => {
    // The entries the node makes itself, and unknown types, are the pipeline's to refuse.
    if (!(ENTRY_TYPES as string[]).includes(request.type) || request.type === 'sealed') return undefined;
    if (request.type === 'audience-key') return undefined;
    const role = ENTRY_ROLE[request.type as EntryType];
    const key = request.key ?? party.keys.find((k) => k.roles.includes(role))?.id;
    const signer = key === undefined ? undefined : signers.get(key);
    if (!signer) return undefined;
    const fields = {
      type: request.type,
      issuedAt: request.issuedAt,
      body: request.body,
      refs: request.refs,
    } as PrepareFields;
    try {
      const prepared = prepareEntry(suite, regime, signer, fields);
      // Only the bytes cross to the writer (runtime/signed-entry.ts SignedCanonical): it parses the envelope again,
      // and takes the leaf, leaf hash and entry key computed here.
      return {
        key: signer.key,
        ...signedCanonical(suite, prepared, suite.ed25519.sign(signer.seed, prepared.message)),
      };
    } catch (err) {
      // Refused: the writer refuses it again, after the checks that come first, and says why.
      if (err instanceof DetenteError) return undefined;
      throw err;
    }
  };
}

/** Passes a request, as bytes, to the writer's own server, and its answer back. */
function passThrough(internalPort: number) {
  const agent = new HttpAgent({ keepAlive: true });
  // Hop-by-hop: each side of the acceptor has its own connection.
  const hop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);
  return (req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !hop.has(name)) headers[name] = value;
    }
    // The client as this acceptor saw it, never what the client claimed.
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    const upstream = httpRequest(
      { host: '127.0.0.1', port: internalPort, method: req.method, path: req.url, headers, agent },
      (answer) => {
        const out: string[] = [];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          if (!hop.has(answer.rawHeaders[i]!.toLowerCase())) out.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: { code: 'SHUTTING_DOWN', message: 'the node is shutting down' } }));
    });
    req.pipe(upstream);
  };
}

/** An acceptor process: serves until the writer says close (or goes away). */
export async function runAcceptor(init: AcceptorInit): Promise<FastifyInstance> {
  const suite = nodeSuite;
  const config = readConfig(init.dir);
  const { regime } = loadRegime(init.dir, config, suite);
  const prepare = entryPreparer(suite, regime, init.dir, config.party);
  const users = UserStore.open(join(init.dir, 'users.sqlite'), suite);
  const userOf = (header: unknown) => userFromHeader(users, header);

  let next = 0;
  const waiting = new Map<number, (a: SubmitAnswer) => void>();
  const toWriter = new Outbox<SubmitJob>((jobs) => process.send?.({ kind: 'submit', jobs } satisfies ToWriter));
  const submit = (user: User, request: SubmissionRequest, entry: AcceptedEntry | undefined) =>
    new Promise<SubmitAnswer>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      toWriter.push({ id, user, request, ...(entry ? { entry } : {}) });
    });

  const isSubmission = (req: IncomingMessage) =>
    req.method === 'POST' && (req.url === '/api/submissions' || req.url?.startsWith('/api/submissions?'));
  const pass = passThrough(init.internalPort);
  const options = fastifyOptions(init.server);
  const app = Fastify({
    ...options,
    // Fastify sets the deadlines only on a server it creates: this one gets the same (M4 of the red team).
    serverFactory: (handler) => {
      const server = createServer(options.http, (req, res) => (isSubmission(req) ? handler(req, res) : pass(req, res)));
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      return server;
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await registerRequestChecks(app, init.server, userOf);
  setErrorAnswers(app, {
    // The writer reports the store's errors; an acceptor's own are written to its standard error.
    report: (level, message) => process.stderr.write(`${new Date().toISOString()} ${level} acceptor: ${message}\n`),
    corrupt: () => {},
  });
  app
    .withTypeProvider<ZodTypeProvider>()
    .post('/api/submissions', { onRequest: authenticator(userOf), ...SUBMISSION_ROUTE }, async (req, reply) => {
      const body = req.body as SubmissionRequest;
      // The time of receipt, as the pipeline would default it: the entry is signed with it here.
      const request = { ...body, issuedAt: body.issuedAt ?? new Date().toISOString() };
      const answer = await submit(req.user!, request, prepare(request));
      if (answer.error) {
        const e = answer.error;
        return sendError(reply, e.status, e.code, e.message, e.path);
      }
      reply.code(201).header('cache-control', 'no-store');
      return answer.receipt;
    });

  const shutDown = async () => {
    await app.close();
    users.close();
    process.exit(0);
  };
  process.on('message', (m: ToAcceptor) => {
    if (m.kind === 'answers') {
      for (const a of m.answers) {
        waiting.get(a.id)?.(a);
        waiting.delete(a.id);
      }
    } else if (m.kind === 'close') void shutDown();
  });
  process.on('disconnect', () => {
    const gone = new SubmissionError(503, 'SHUTTING_DOWN', 'the node is shutting down');
    for (const resolve of waiting.values()) {
      resolve({ id: -1, error: { status: gone.status, code: gone.code, message: gone.message } });
    }
    waiting.clear();
    void shutDown();
  });
  await app.listen({ port: init.port, host: init.host });
  const port = (app.server.address() as { port: number }).port;
  process.send?.({ kind: 'listening', port } satisfies ToWriter);
  return app;
}
