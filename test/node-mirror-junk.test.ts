/**
 * M2 of the red team: a peer holding its log key signs a checkpoint of 16,384 entries and serves bundles of
 * 65,535-byte junk entries (1 GiB in all). The mirror used to download all 64 bundles of a batch before checking
 * one entry (2.2 GB RSS). Now it decodes and validates each bundle as it arrives and stops at the first bad entry,
 * so the node holds one bundle at a time, round after round.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer } from '../src/crypto/vkey.js';
import { readSeed } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { signCheckpoint } from '../src/tlog/checkpoint.js';
import { listen } from './helpers/logs.js';
import { initNodes, suite } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-mirror-junk-');
const SIZE = 16_384;
const ENTRY = 65_535;

describe('a lying peer that streams 1 GiB of junk bundles', () => {
  const peer = Fastify({ logger: false, forceCloseConnections: true });
  let node: PartyNode;
  let served = 0;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    const ruDir = dirs.get('ru')!;
    const origin = PartyNode.open(ruDir, { peers: [] });
    const ruOrigin = origin.party.origin;
    await origin.close();
    // Signed with ru's real log key: the signature holds, the entries are junk.
    const note = signCheckpoint(
      { origin: ruOrigin, size: SIZE, root: suite.sha256(new TextEncoder().encode('junk')), extensions: [] },
      ed25519Signer(suite, ruOrigin, readSeed(ruDir, 'ru-log')),
    );
    // One full bundle, 256 entries of 65,535 bytes (16 MiB), served for every index.
    const bundle = Buffer.alloc(256 * (2 + ENTRY), 0x41);
    for (let i = 0; i < 256; i++) bundle.writeUInt16BE(ENTRY, i * (2 + ENTRY));
    peer.get('/logs/ru/checkpoint', (_req, reply) => reply.type('text/plain').send(note));
    peer.get('/logs/ru/tile/entries/*', (_req, reply) => {
      served++;
      return reply.type('application/octet-stream').send(bundle);
    });
    const { base } = await listen(peer);
    node = PartyNode.open(dirs.get('us')!, { peers: [{ party: 'ru', url: base }], timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await node?.close();
    await peer.close();
  });

  it('holds one bundle at a time, refuses at the first bad entry, and stays within a bounded memory', async () => {
    const idle = process.memoryUsage().rss;
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const rounds = 4;
    try {
      for (let i = 0; i < rounds; i++) await node.syncMirror('ru');
    } finally {
      clearInterval(sampler);
    }
    const m = node.mirrors.get('ru')!;
    expect(m.lastError).toMatch(/entry 0 refused by the validator/);
    // Nothing stored, one 16 MiB bundle fetched per round (not 64), never more than one held.
    expect(node.servedSize(node.logByParty('ru')!)).toBe(0);
    expect(served).toBeLessThanOrEqual(rounds);
    expect(m.mirror.peakBufferedBytes).toBeLessThanOrEqual(256 * (2 + ENTRY));
    expect(m.mirror.bufferedBytes).toBe(0);
    // A generous bound on the whole process (the test's server holds the bundle too): today's main reached 2 GB.
    expect(peak - idle).toBeLessThan(256 << 20);
  });
});
