/** Party nodes for the tests: real directories, real SQLite, real HTTP on 127.0.0.1. */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { parseRegime } from '../../src/model/index.js';
import { importRegimeKeys, initNodeDir } from '../../src/node/config.js';
import { PartyNode, type PartyNodeOptions } from '../../src/node/node.js';
import { UserStore } from '../../src/node/users.js';
import { nodeSuite } from '../../src/runtime/node-crypto.js';
import { scenarioText } from '../model-helpers.js';

export const suite = nodeSuite;
export const PARTIES = ['us', 'ru', 'nato'] as const;

/**
 * The scenario regime in the clear (scenarioText: no recipient keys, no audiences), for federations of the three
 * nodes us, ru and nato: the other three parties' witnesses (ro, pl, ua) never run here, so a checkpoint meets its
 * policy with the two witnesses that do (`witnessQuorum: 2`, where the scenario asks for all five).
 */
export function scenarioRegimeText(): string {
  return `${scenarioText().trimEnd()}\n\nwitnessQuorum: 2\n`;
}

/** A free port on 127.0.0.1, below the ephemeral range (freePortRun). */
export function freePort(): Promise<number> {
  return freePortRun(1);
}

/** Whether `port` on 127.0.0.1 can be listened on now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Ports this process has handed out: a test that asks twice never gets the same port twice. */
const handedOut = new Set<number>();

/** Linux's default ephemeral range starts here (net.ipv4.ip_local_port_range: 32768 60999). */
const EPHEMERAL_FROM = 32_768;

/**
 * A base port with the `n - 1` after it free too: a federation takes consecutive ports. Bases are drawn from 20,000
 * up to below the ephemeral range, which the system hands out for port 0 and for the local end of every outgoing
 * connection: a port there that is free when checked can be another test's client socket when the node binds it
 * (node-receipts failed so once, EADDRINUSE on a port 0 had given).
 */
export async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (EPHEMERAL_FROM - 20_000 - n));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = !handedOut.has(base + i) && (await portFree(base + i));
    if (ok) {
      for (let i = 0; i < n; i++) handedOut.add(base + i);
      return base;
    }
  }
  throw new Error(`no ${n} consecutive free ports`);
}

/** Creates one node directory per party, with every party's public keys imported into each. */
export function initNodes(
  root: () => string,
  parties: readonly string[] = PARTIES,
  text = scenarioRegimeText(),
): Map<string, string> {
  const dirs = new Map<string, string>();
  const keys: Record<string, string> = {};
  for (const party of parties) {
    const dir = join(root(), party);
    Object.assign(keys, initNodeDir(dir, { party, regimeText: text }, suite).publicKeys);
    dirs.set(party, dir);
  }
  // Nodes for some parties only still need every party's keys.
  Object.assign(keys, absentPartyKeys(text, parties));
  for (const dir of dirs.values()) importRegimeKeys(dir, keys);
  return dirs;
}

/**
 * Made-up public keys for every key of the regime's parties that run no node in a test (the 2022 scenario has six
 * parties; most tests run us, ru and nato), so that each node's regime loads. Their recipient keys are left out: a
 * test that seals to them makes real ones.
 */
export function absentPartyKeys(text: string, present: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const party of parseRegime(text, { allowMissingKeys: true }).parties) {
    if (present.includes(party.id)) continue;
    for (const k of party.keys) {
      if (k.roles.includes('recipient')) continue;
      keys[k.id] = Buffer.from(suite.ed25519.publicKey(suite.sha256(Buffer.from(`absent ${k.id}`)))).toString('base64');
    }
  }
  return keys;
}

export function addUser(dir: string, party: string, name: string, roles: string[]): string {
  const users = UserStore.open(join(dir, 'users.sqlite'), suite);
  try {
    return users.add(name, party, roles).token;
  } finally {
    users.close();
  }
}

export interface RunningNode {
  party: string;
  dir: string;
  node: PartyNode;
  app: FastifyInstance;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startNode(
  dir: string,
  port: number,
  peers: { party: string; url: string }[],
  fast = true,
  clock?: () => number,
  options: Pick<PartyNodeOptions, 'cosignatureLines'> = {},
): Promise<RunningNode> {
  const node = PartyNode.open(dir, {
    ...options,
    peers,
    ...(clock ? { clock } : {}),
    timeoutMs: 3000,
    logger: process.env.DEBUG_NODES
      ? (level, m) => console.error(`[${dir.split('/').pop()}] ${level} ${m}`)
      : undefined,
    configure: (c) => {
      if (fast) {
        c.mirror.syncEveryMs = 100;
        c.witness.requestEveryMs = 100;
        c.gossip.everyMs = 200;
      }
    },
  });
  const app = await buildServer(node);
  await app.listen({ port, host: '127.0.0.1' });
  node.start();
  return {
    party: node.party.id,
    dir,
    node,
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      if (process.env.DEBUG_NODES) console.time(`close ${dir}`);
      await app.close();
      if (process.env.DEBUG_NODES) console.timeLog(`close ${dir}`);
      await node.close();
      if (process.env.DEBUG_NODES) console.timeEnd(`close ${dir}`);
    },
  };
}

/**
 * Starts one node per party of `dirs` (from initNodes) on free ports of 127.0.0.1, each with every other party as a
 * peer, in the regime's order of parties. `fast` as for startNode.
 */
export async function startParties(dirs: Map<string, string>, fast = true): Promise<Map<string, RunningNode>> {
  const ports = new Map<string, number>();
  for (const p of PARTIES) ports.set(p, await freePort());
  const nodes = new Map<string, RunningNode>();
  for (const p of PARTIES) {
    const peers = PARTIES.filter((q) => q !== p).map((q) => ({ party: q, url: `http://127.0.0.1:${ports.get(q)}` }));
    nodes.set(p, await startNode(dirs.get(p)!, ports.get(p)!, peers, fast));
  }
  return nodes;
}

/** Every party of `ports` but `self`, each a peer at its port on 127.0.0.1 (for startNode), in the order of `ports`. */
export function peersOf(ports: Record<string, number>, self: string): { party: string; url: string }[] {
  return Object.keys(ports)
    .filter((p) => p !== self)
    .map((party) => ({ party, url: `http://127.0.0.1:${ports[party]}` }));
}

/**
 * Waits until `check` holds, polling every 50 ms; after `timeoutMs` fails naming `what`, with what `detail` says of
 * the last state (for instance where the nodes that should agree differ).
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  detail?: () => string | Promise<string>,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) {
      const more = detail ? await detail() : '';
      throw new Error(`timed out waiting for ${what}${more ? `: ${more}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function submit(url: string, token: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/api/submissions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

let nonceCounter = 0;
export function nonce(): string {
  return `nonce-${process.pid}-${Date.now()}-${nonceCounter++}`;
}

export function regimeSignature(node: PartyNode) {
  return {
    nonce: nonce(),
    type: 'regime-signature',
    body: { regime: node.regimeHash, id: node.regime.id, version: node.regime.version },
  };
}
