/**
 * A scenario played as a real federation on one machine: one party node per party (its own directory and SQLite
 * files), each serving HTTP on 127.0.0.1 (basePort, basePort+1, … in the regime's order of parties), mirroring and
 * witnessing the others over HTTP, and the timeline submitted through each party's write API
 * (`POST /api/submissions`, `POST /api/blobs`) on a simulated clock shared by every node.
 *
 * Every step is played at its simulated time and settled before the clock moves on: the party's witnesses cosign
 * its new checkpoint, every other node has mirrored it (blobs included), cosigned its receipt, and holds every
 * cosignature and receipt. So the time an entry counts from (its counterparts' receipt) is the step's time, as in a direct
 * play (play.ts), and with the same exercise keys the entries are byte for byte those of a direct play.
 *
 * Its ports are checked free before anything on disk changes. The directory it fills is kept from one run to the
 * next (`resume`: the nodes reopen what they hold, so submissions and escrow secrets survive a restart) unless the
 * caller asks for a fresh one; it is replaced only if it holds federation.json:
 *   federation.json   the scenario, seed, regime hash, each party's port and user, and whether the timeline was played
 *   <party>/          each party's node directory (node.json, keys/, log/, mirrors/, witness.sqlite, users.sqlite)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { toHex } from '../crypto/bytes.js';
import { canonicalJsonBytes } from '../crypto/canonical-json.js';
import { DetenteError } from '../crypto/errors.js';
import { ENTRY_ROLE, type EntryRef, type EntryType, regimeHash, regimeIndex } from '../model/index.js';
import { importRegimeKeys, initNodeDir } from '../node/config.js';
import { PartyNode } from '../node/node.js';
import { createRecipientKeys } from '../node/recipient-keys.js';
import { type UserRole, UserStore } from '../node/users.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { SimulatedClock } from './clock.js';
import { itemsBlobRef, splitDeclarationItems } from './declaration-items.js';
import { DEFAULT_SEED, exerciseRandom } from './keys.js';
import {
  escortCountersigned,
  isEscrowCommit,
  isEscrowOpening,
  openingSelector,
  otherPartyCountersigned,
  scenarioRegime,
} from './play.js';
import { DEFAULT_SCENARIO, scenarioDir } from './scenarios.js';
import { parseTimeline, playContext, resolveBody, type Step, type Timeline } from './timeline.js';

export const FEDERATION_FILE = 'federation.json';

/** The HTTP status the write API answers for each error code a timeline may expect. */
export const REFUSAL_STATUS: Readonly<Record<string, number>> = {
  SCHEMA_INVALID: 400,
  ROLE_DENIED: 403,
  KEY_UNKNOWN: 403,
  PARTY_DENIED: 403,
  REFERENCE_UNKNOWN: 422,
  STAGE_INVALID: 422,
  BLOB_UNKNOWN: 422,
  ENTRY_TOO_LARGE: 413,
  REPLAYED: 409,
};

export interface FederationOptions {
  scenario?: string;
  /**
   * Where the node directories go. An earlier federation there is reopened when `resume` is set and its timeline
   * was played to the end, else replaced; a directory holding anything else is refused.
   */
  dir: string;
  /** Reopen the earlier run in `dir` rather than replacing it (default false: a fresh run). */
  resume?: boolean;
  /** The first party's port; the others follow. Default 8080. */
  basePort?: number;
  host?: string;
  /** The clock every node uses (default: a simulated clock at the timeline's first step). */
  clock?: SimulatedClock;
  seed?: string;
  /**
   * The mirror and witness-client loop interval in ms (gossip runs less often, see `loopIntervals`); default 250 ms
   * for three parties, longer for more.
   */
  loopMs?: number;
  logger?: (party: string, level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface FederationNode {
  party: string;
  origin: string;
  dir: string;
  port: number;
  url: string;
  node: PartyNode;
  app: FastifyInstance;
  /** The exercise user of the party and its bearer token (shown here only: an exercise, not a secret). */
  user: string;
  token: string;
  roles: UserRole[];
}

export interface FederationRefusal {
  step: string;
  party: string;
  at: string;
  /** The code the timeline expects, and what the API answered. */
  expected: string;
  status: number;
  code: string;
  message: string;
}

export interface FederationPlay {
  scenario: string;
  end: string;
  entries: Record<string, number>;
  refused: FederationRefusal[];
}

export interface PlayTimelineOptions {
  onStep?: (done: number, total: number, step: Step) => void;
  /** Stops between steps (the play then rejects with an AbortError). */
  signal?: AbortSignal;
  /** How long one step may take to settle (default 30 s). */
  settleTimeoutMs?: number;
}

export interface Federation {
  /** Whether this is an earlier run reopened (its timeline already played: do not play it again). */
  resumed: boolean;
  scenario: string;
  seed: string;
  dir: string;
  regimeHash: string;
  clock: SimulatedClock;
  timeline: Timeline;
  nodes: FederationNode[];
  node(party: string): FederationNode;
  /** Submits every timeline entry through its party's node, settling mirrors and cosignatures after each. */
  playTimeline(options?: PlayTimelineOptions): Promise<FederationPlay>;
  /** Waits until every node has mirrored every other's log, with its blobs and every witness's cosignature. */
  settle(timeoutMs?: number): Promise<void>;
  /** Stops every server and node (idempotent). */
  close(): Promise<void>;
}

/** What the write API answers: a receipt or a blob reference (201), or an error. */
interface ApiAnswer {
  origin: string;
  index: number;
  leafHash: string;
  sha256: string;
  size: number;
  mediaType: string;
  /** The escrow API's answers carry the submission's receipt. */
  receipt?: ApiAnswer;
  error?: { code: string; message: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portInUse(port: number, host: string): DetenteError {
  return new DetenteError(
    'PORT_IN_USE',
    `port ${port} on ${host} is in use by another program: stop it, or choose other ports (--port, or PORT=9000 npm start)`,
  );
}

/** Throws PORT_IN_USE for the first port that cannot be listened on (checked before anything on disk changes). */
async function checkPortsFree(ports: readonly number[], host: string): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? portInUse(port, host) : err),
      );
      probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
    });
  }
}

interface FederationFile {
  format: 'detente-federation/1';
  scenario: string;
  seed: string;
  regimeHash: string;
  parties: { id: string; origin: string; url: string; dir: string; user: string; token: string }[];
  /** Set once the timeline has been played to its end. */
  played?: string;
}

/** The earlier run in `dir` if it can be reopened as this federation, with why not otherwise. */
function earlierRun(
  dir: string,
  want: { scenario: string; seed: string; regimeHash: string },
): FederationFile | string {
  let file: FederationFile;
  try {
    file = JSON.parse(readFileSync(join(dir, FEDERATION_FILE), 'utf8')) as FederationFile;
  } catch {
    return `its ${FEDERATION_FILE} does not parse`;
  }
  if (file.played === undefined) return 'its timeline was not played to the end';
  if (file.scenario !== want.scenario || file.seed !== want.seed || file.regimeHash !== want.regimeHash) {
    return `it is a run of another scenario, seed or regime (${file.scenario}, seed ${file.seed})`;
  }
  return file;
}

/** The lines of a selection of cosignatures, in a form to compare. */
function selectionLines(s: { witnesses: { line: string }[]; receipts: { line: string }[] }): string {
  return [...s.witnesses, ...s.receipts].map((c) => c.line).join('\n');
}

/**
 * The background loops of an exercise federation of `parties` nodes in one process. A play settles each step itself
 * (settleParty drives the rounds), so the loops only catch up with a peer that was down; what they cost while idle
 * grows with the number of pairs: each node polls every other (n(n-1) mirror rounds), and a gossip round compares
 * every log on every peer (n²(n-1) requests). So the mirror interval grows with n² and gossip's with n³, from 250 ms
 * and 1 s for three parties: 57 parties poll each peer every 90 s and gossip every 1.9 h.
 */
export function loopIntervals(loopMs: number | undefined, parties: number): { mirrorMs: number; gossipMs: number } {
  const scale = Math.max(1, parties / 3);
  const mirrorMs = loopMs ?? Math.round(250 * scale ** 2);
  return { mirrorMs, gossipMs: Math.round(mirrorMs * 4 * (loopMs === undefined ? scale : 1)) };
}

export async function startFederation(options: FederationOptions): Promise<Federation> {
  const suite = nodeSuite;
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  const seed = options.seed ?? DEFAULT_SEED;
  const host = options.host ?? '127.0.0.1';
  const basePort = options.basePort ?? 8080;
  const dir = options.dir;
  const regimeText = readFileSync(join(scenarioDir(scenario), 'regime.yaml'), 'utf8');
  const { regime, seeds, publicKeys } = scenarioRegime(scenario, seed);
  const loops = loopIntervals(options.loopMs, regime.parties.length);
  const hash = regimeHash(regime, suite.sha256);
  const timeline = parseTimeline(readFileSync(join(scenarioDir(scenario), 'timeline.yaml'), 'utf8'), regime);
  const clock = options.clock ?? new SimulatedClock(Date.parse(timeline.steps[0]!.at));
  const ix = regimeIndex(regime);

  const parties = regime.parties.map((p, i) => ({
    party: p,
    port: basePort + i,
    url: `http://${host}:${basePort + i}`,
    dir: join(dir, p.id),
  }));
  // Every port first: a busy one must not cost the earlier run.
  await checkPortsFree(
    parties.map((p) => p.port),
    host,
  );

  let earlier: FederationFile | undefined;
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    // Replace only what a federation wrote: never a directory that merely happens to be there.
    if (!existsSync(join(dir, FEDERATION_FILE))) {
      throw new DetenteError('STORE_ERROR', `${dir} is not empty and holds no ${FEDERATION_FILE}: not replacing it`);
    }
    const run = options.resume ? earlierRun(dir, { scenario, seed, regimeHash: hash }) : undefined;
    if (typeof run === 'object') earlier = run;
    else {
      if (run !== undefined) options.logger?.('federation', 'warn', `replacing the earlier run in ${dir}: ${run}`);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // One user a party, with the roles its steps need.
  const rolesOf = (party: string): UserRole[] => {
    const roles = [
      ...new Set(timeline.steps.filter((s) => s.party === party).map((s) => ENTRY_ROLE[s.type as EntryType])),
    ].filter((r): r is UserRole => r === 'declarant' || r === 'inspector');
    return roles.length > 0 ? roles : ['declarant'];
  };
  const users = new Map<string, { user: string; token: string; roles: UserRole[] }>();
  if (earlier) {
    // The nodes reopen what they hold; the clock resumes where the play left it (entries submitted since then
    // were stamped with that time too).
    for (const p of earlier.parties) users.set(p.id, { user: p.user, token: p.token, roles: rolesOf(p.id) });
    clock.set(Math.max(clock.now(), Date.parse(earlier.played!)));
  } else {
    mkdirSync(dir, { recursive: true });
    // Each party's keys: the exercise keys, so the entries are those of a direct play.
    for (const { party, dir: d } of parties) {
      const own = new Map(party.keys.map((k) => [k.id, seeds.get(k.id)!]));
      initNodeDir(d, { party: party.id, regimeText, seeds: own, clock: clock.fn }, suite);
      // Its recipient keys (keys/<id>.recipient, 0600): what it reads of the entries sealed to its party.
      await createRecipientKeys(d, party, own);
    }
    // The key exchange (`detente node keys import`): every node learns every party's public keys.
    for (const { dir: d } of parties) importRegimeKeys(d, publicKeys);
    for (const { party, dir: d } of parties) {
      const roles = rolesOf(party.id);
      const store = UserStore.open(join(d, 'users.sqlite'), suite);
      try {
        const name = `${party.id}-exercise`;
        users.set(party.id, { user: name, token: store.add(name, party.id, roles).token, roles });
      } finally {
        store.close();
      }
    }
  }
  const federationFile: FederationFile = {
    format: 'detente-federation/1',
    scenario,
    seed,
    regimeHash: hash,
    parties: parties.map((p) => ({
      id: p.party.id,
      origin: p.party.origin,
      url: p.url,
      dir: p.party.id,
      user: users.get(p.party.id)!.user,
      token: users.get(p.party.id)!.token,
    })),
    ...(earlier?.played !== undefined ? { played: earlier.played } : {}),
  };
  const writeFederationFile = () =>
    writeFileSync(join(dir, FEDERATION_FILE), `${JSON.stringify(federationFile, null, 2)}\n`);
  writeFederationFile();

  const nodes: FederationNode[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const n of nodes) await n.app.close();
    for (const n of nodes) await n.node.close();
  };
  try {
    for (const p of parties) {
      const node = PartyNode.open(p.dir, {
        peers: parties.filter((q) => q !== p).map((q) => ({ party: q.party.id, url: q.url })),
        clock: clock.fn,
        timeoutMs: 5000,
        // Audience keys from the exercise seed, as the direct play draws them (exercises only).
        sealingRandom: (purpose) => exerciseRandom(suite, scenario, seed, p.party.id, purpose),
        // Rounds cut short by the close are not worth reporting.
        logger: options.logger ? (level, m) => closed || options.logger!(p.party.id, level, m) : undefined,
        configure: (c) => {
          c.mirror.syncEveryMs = loops.mirrorMs;
          c.witness.requestEveryMs = loops.mirrorMs;
          c.gossip.everyMs = loops.gossipMs;
        },
      });
      let app: FastifyInstance;
      try {
        // The escrow's salts from the exercise seed, as the direct play draws them (exercises only).
        const party = p.party.id;
        app = await buildServer(node, {
          escrow: { random: (purpose) => exerciseRandom(suite, scenario, seed, party, purpose) },
        });
        await app.listen({ port: p.port, host });
      } catch (err) {
        await node.close();
        // Taken since the check above (another program was quicker).
        throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? portInUse(p.port, host) : err;
      }
      const u = users.get(p.party.id)!;
      nodes.push({
        party: p.party.id,
        origin: p.party.origin,
        dir: p.dir,
        port: p.port,
        url: p.url,
        node,
        app,
        user: u.user,
        token: u.token,
        roles: u.roles,
      });
    }
    for (const n of nodes) n.node.start();
  } catch (err) {
    await close();
    throw err;
  }

  const byParty = new Map(nodes.map((n) => [n.party, n]));
  const node = (party: string) => {
    const n = byParty.get(party);
    if (!n) throw new DetenteError('BAD_INPUT', `no node for party "${party}"`);
    return n;
  };

  /**
   * Whether every node has the log of `party` at its head, with its blobs: its author holds every witness's
   * cosignature and every other party's receipt (mirror cosignature), and every other node the cosignatures the
   * author serves with that checkpoint (as many as fit in a note: see federation/cosignature-selection.ts).
   */
  const settledFor = (owner: FederationNode): boolean => {
    const own = owner.node.logByParty(owner.party)!;
    const size = owner.node.servedSize(own);
    if (size === 0) return true;
    const witnesses = own.witnesses.length;
    const receipts = owner.node.receiptVkeysFor(owner.party).length;
    if (owner.node.cosignatures(own, size).length < witnesses) return false;
    if (owner.node.receipts(own, size).length < receipts) return false;
    const served = selectionLines(owner.node.servedCosignatures(own, size));
    for (const n of nodes) {
      if (n === owner) continue;
      const log = n.node.logByParty(owner.party)!;
      if (n.node.servedSize(log) !== size) return false;
      if ((n.node.mirrors.get(owner.party)?.blobScan ?? 0) < size) return false;
      if (selectionLines(n.node.servedCosignatures(log, size)) !== served) return false;
    }
    return true;
  };

  /** Drives the rounds that settle one party's log now rather than waiting for the loops. */
  const settleParty = async (owner: FederationNode, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (settledFor(owner)) return;
      if (closed) throw new DetenteError('STORE_ERROR', 'the federation was closed');
      if (Date.now() > end) {
        const health = nodes.map((n) => JSON.stringify(n.node.health())).join('\n');
        throw new DetenteError('STORE_ERROR', `the log of ${owner.party} did not settle in ${timeoutMs} ms\n${health}`);
      }
      await owner.node.requestCosignatures();
      await owner.node.pushMirroring.pusher.push();
      await Promise.all(nodes.filter((n) => n !== owner).map((n) => n.node.syncMirror(owner.party)));
      if (!settledFor(owner)) await sleep(20);
    }
  };

  const settle = async (timeoutMs = 30_000) => {
    for (const n of nodes) await settleParty(n, timeoutMs);
  };

  async function post(n: FederationNode, path: string, body: unknown): Promise<{ status: number; json: ApiAnswer }> {
    const res = await fetch(`${n.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${n.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as ApiAnswer };
  }

  let nonces = 0;
  const playTimeline = async (play: PlayTimelineOptions = {}): Promise<FederationPlay> => {
    const refs = new Map<string, EntryRef>();
    // A $file's bytes stay with the scenario: the entry records it by hash (a node stores only items as blobs).
    const context = playContext(suite, hash, timeline, refs, scenarioDir(scenario));
    const refused: FederationRefusal[] = [];
    const timeoutMs = play.settleTimeoutMs ?? 30_000;
    for (const [i, step] of timeline.steps.entries()) {
      play.signal?.throwIfAborted();
      clock.set(Math.max(clock.now(), Date.parse(step.at)));
      const n = node(step.party);
      const own = n.node.logByParty(n.party)!;
      const before = n.node.servedSize(own);
      const request = (await buildRequest(n, step)) as Record<string, unknown>;
      const nonce = `${step.id}-${process.pid}-${nonces++}`.slice(0, 128).padEnd(8, '-');
      // Escrowed declarations and their openings go through the node's escrow API, which keeps the secrets;
      // everything else is a plain submission.
      const escrowed = isEscrowCommit(step, request)
        ? {
            path: '/api/escrow/declarations',
            body: {
              asOf: request.asOf,
              items: request.items,
              ...(request.quantities !== undefined ? { quantities: request.quantities } : {}),
            },
          }
        : isEscrowOpening(step, request)
          ? {
              path: '/api/escrow/openings',
              body: {
                declaration: {
                  origin: (request.declaration as EntryRef).origin,
                  index: (request.declaration as EntryRef).index,
                },
                ...openingSelector(request),
              },
            }
          : undefined;
      const answer = escrowed
        ? await post(n, escrowed.path, { nonce, ...escrowed.body, issuedAt: step.at })
        : await post(n, '/api/submissions', {
            nonce,
            type: step.type,
            body: request,
            issuedAt: step.at,
            ...(step.key !== undefined ? { key: step.key } : {}),
          });
      const { status } = answer;
      const json = (escrowed && status === 201 ? answer.json.receipt! : answer.json) as ApiAnswer;
      if (step.refused !== undefined) {
        const expected = REFUSAL_STATUS[step.refused];
        if (status !== expected) {
          throw new DetenteError(
            'BAD_INPUT',
            `step ${step.id}: expected a refusal ${expected} (${step.refused}), got ${status}: ${JSON.stringify(json)}`,
          );
        }
        if (n.node.servedSize(own) !== before) {
          throw new DetenteError('LOG_INCONSISTENT', `step ${step.id} was refused, but the log grew`);
        }
        refused.push({
          step: step.id,
          party: step.party,
          at: new Date(clock.now()).toISOString(),
          expected: step.refused,
          status,
          code: json?.error?.code ?? '',
          message: json?.error?.message ?? '',
        });
      } else {
        if (status !== 201) {
          throw new DetenteError('BAD_INPUT', `step ${step.id}: refused with ${status}: ${JSON.stringify(json)}`);
        }
        refs.set(step.id, { origin: json.origin, index: json.index, leafHash: json.leafHash });
        await settleParty(n, timeoutMs);
      }
      play.onStep?.(i + 1, timeline.steps.length, step);
    }
    clock.set(Math.max(clock.now(), timeline.end));
    await settle(timeoutMs);
    federationFile.played = new Date(timeline.end).toISOString();
    writeFederationFile();
    return {
      scenario,
      end: new Date(timeline.end).toISOString(),
      entries: Object.fromEntries(nodes.map((x) => [x.party, x.node.servedSize(x.node.logByParty(x.party)!)])),
      refused,
    };

    async function buildRequest(n: FederationNode, step: Step): Promise<unknown> {
      let body = resolveBody(step.body, context) as Record<string, unknown>;
      context.files.clear();
      const split = splitDeclarationItems(step.type, body);
      if (split) {
        const more = [];
        for (const chunk of split.chunks) {
          const { status, json } = await post(n, '/api/blobs', chunk);
          if (status !== 201) {
            throw new DetenteError(
              'BAD_INPUT',
              `step ${step.id}: blob refused with ${status}: ${JSON.stringify(json)}`,
            );
          }
          if (json.sha256 !== toHex(suite.sha256(canonicalJsonBytes(chunk)))) {
            throw new DetenteError('LOG_INCONSISTENT', `step ${step.id}: the node stored another blob`);
          }
          more.push(itemsBlobRef(more.length + 1, json.sha256, json.size));
        }
        body = { ...body, items: split.kept, more };
      }
      if (step.type === 'inspection-report' && step.countersign)
        body = escortCountersigned(suite, ix, seeds, step.party, body, step.escorts);
      if (step.type === 'consultation' && step.countersignBy !== undefined)
        body = otherPartyCountersigned(suite, ix, seeds, step.party, step.countersignBy, body);
      return body;
    }
  };

  return {
    resumed: earlier !== undefined,
    scenario,
    seed,
    dir,
    regimeHash: hash,
    clock,
    timeline,
    nodes,
    node,
    playTimeline,
    settle,
    close,
  };
}
