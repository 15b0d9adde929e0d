/**
 * One party node in a process of its own, for bench/mirror-push.ts (each node gets its own event loop, as in
 * service). Started with a node directory, a port, its peers, the fallback loops' interval and whether they back off
 * while idle (`backoff`, the default, or `steady`: the 1 s polling baseline); it talks to the
 * bench over IPC:
 *   → { ready }                        once it listens
 *   → { receipt: { size, name, at } }  each mirror cosignature its own log stores (`at`: ms since the epoch)
 *   ← 'stats'  → { stats: { cpuMs, requests } }   CPU (user + system) and HTTP requests served so far
 *   ← 'close'                          closes and exits
 * Run by the bench: node dist/bench/push-node.js DIR PORT PEERS_JSON LOOP_MS [backoff|steady]
 */
import { buildServer } from '../src/api/server.js';
import type { PeerConfig } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';

const [dir, port, peersJson, loopMs, idle] = process.argv.slice(2) as [string, string, string, string, string?];
const send = (message: unknown) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();

const node = PartyNode.open(dir, {
  peers: JSON.parse(peersJson) as PeerConfig[],
  idleBackoff: idle !== 'steady',
  configure: (c) => {
    c.mirror.syncEveryMs = Number(loopMs);
    c.witness.requestEveryMs = Number(loopMs);
    c.gossip.everyMs = Number(loopMs);
  },
});
// A receipt is held once its row is durable.
const store = node.log.store;
const add = store.addCosignature.bind(store);
store.addCosignature = (c) => {
  add(c);
  if (c.name.endsWith('/mirror')) send({ receipt: { size: c.size, name: c.name, at: now() } });
};
const addDeferred = store.addCosignatureDeferred.bind(store);
store.addCosignatureDeferred = async (c) => {
  await addDeferred(c);
  if (c.name.endsWith('/mirror')) send({ receipt: { size: c.size, name: c.name, at: now() } });
};
// The load comes from one user at one address, and the three nodes share 127.0.0.1: no per-client limits here.
const app = await buildServer(node, {
  rateLimits: { user: 1e9, expensive: 1e9, witness: 1e9, other: 1e9 },
});
let requests = 0;
app.addHook('onRequest', async () => {
  requests++;
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
node.start();
send({ ready: true });

process.on('message', async (message) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    send({ stats: { cpuMs: (cpu.user + cpu.system) / 1000, requests } });
  } else if (message === 'close') {
    await app.close();
    await node.close();
    process.exit(0);
  }
});
