/**
 * A node's memory while a lying peer streams junk (M2 of the red team): the peer signs a checkpoint of 16,384
 * entries with its real log key and serves bundles of 256 junk entries of 65,535 bytes (16 MiB a bundle, 1 GiB in
 * all) from a child process. The node, in this process, syncs its mirror of that peer ROUNDS times, paced as its
 * mirror loop paces them; its resident
 * set is sampled every 5 ms. Baseline: the same node's idle resident set, in the same run. Goal: the peak within
 * 64 MB of idle (the red team measured 2,177 MB against 125 MB).
 * Run: node dist/bench/mirror-junk.js [rounds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519Signer } from '../src/crypto/vkey.js';
import { importRegimeKeys, initNodeDir, readSeed } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { signCheckpoint } from '../src/tlog/checkpoint.js';
import { absentPartyKeys, scenarioRegimeText } from '../test/helpers/nodes.js';
import { fmt, header, row, table } from './harness.js';

const ROUNDS = Number(process.argv[2] ?? 10);
const SIZE = 16_384;

/** The lying peer: a bare HTTP server in a child process, so that its buffers are not counted as the node's. */
function lyingPeer(note: string): Promise<{ url: string; stop(): void }> {
  const code = `
    const { createServer } = require('node:http');
    const note = process.env.NOTE;
    const bundle = Buffer.alloc(256 * 65537, 0x41);
    for (let i = 0; i < 256; i++) bundle.writeUInt16BE(65535, i * 65537);
    const server = createServer((req, res) => {
      if (req.url === '/logs/ru/checkpoint') { res.setHeader('content-type', 'text/plain'); res.end(note); return; }
      if (req.url.startsWith('/logs/ru/tile/entries/')) { res.end(bundle); return; }
      res.statusCode = 404; res.end();
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], {
    env: { ...process.env, NOTE: note },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    child.stdout.once('data', (d) =>
      resolve({ url: `http://127.0.0.1:${String(d).trim()}`, stop: () => child.kill() }),
    );
  });
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'detente-bench-junk-'));
  try {
    const usDir = join(root, 'us');
    const ruDir = join(root, 'ru');
    // Two nodes that know each other's keys (nato's are random: it takes no part).
    const regimeText = scenarioRegimeText();
    const keys: Record<string, string> = {};
    for (const [party, dir] of [
      ['us', usDir],
      ['ru', ruDir],
    ] as const) {
      Object.assign(keys, initNodeDir(dir, { party, regimeText }, nodeSuite).publicKeys);
    }
    Object.assign(keys, absentPartyKeys(regimeText, ['us', 'ru']));
    importRegimeKeys(usDir, keys);
    importRegimeKeys(ruDir, keys);
    const ruOrigin = PartyNode.open(ruDir, { peers: [] });
    const origin = ruOrigin.party.origin;
    await ruOrigin.close();
    const ruLogSeed = readSeed(ruDir, 'ru-log');
    const note = signCheckpoint(
      { origin, size: SIZE, root: nodeSuite.sha256(new TextEncoder().encode('junk')), extensions: [] },
      ed25519Signer(nodeSuite, origin, ruLogSeed),
    );
    const peer = await lyingPeer(note);
    const node = PartyNode.open(usDir, { peers: [{ party: 'ru', url: peer.url }], timeoutMs: 30_000 });
    try {
      global.gc?.();
      await new Promise((r) => setTimeout(r, 200));
      let idle = process.memoryUsage().rss;
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 5));
        idle = Math.max(idle, process.memoryUsage().rss);
      }
      let peak = idle;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 5);
      const t = performance.now();
      // Paced as the node's mirror loop paces them (a round, then syncEveryMs of rest).
      for (let i = 0; i < ROUNDS; i++) {
        await node.syncMirror('ru');
        await new Promise((r) => setTimeout(r, node.config.mirror.syncEveryMs));
      }
      const s = (performance.now() - t) / 1000;
      clearInterval(sampler);
      const m = node.mirrors.get('ru')!;
      const MiB = 2 ** 20;
      header(
        `Mirror against a lying peer: ${ROUNDS} rounds of 16 MiB junk bundles (checkpoint of ${fmt(SIZE)} entries, 1 GiB)`,
      );
      console.log(
        `last error: ${m.lastError}; ${fmt(s, 1)} s; mirror's peak bytes held ${fmt(m.mirror.peakBufferedBytes / MiB, 1)} MiB`,
      );
      table(['memory', 'during junk (MiB)', 'idle (MiB)', 'during/idle', 'goal']);
      row(
        'resident set, peak',
        fmt(peak / MiB),
        fmt(idle / MiB),
        peak / idle,
        `within 64 MB of idle (+${fmt((peak - idle) / MiB)} MiB)`,
      );
    } finally {
      await node.close();
      peer.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
