import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import type { LogStore } from '../src/store/store.js';
import { detente } from './helpers/cli.js';
import { partyLog, signedEntry } from './helpers/fake-peer.js';
import { listen } from './helpers/logs.js';
import { freePort, initNodes, type RunningNode, startNode } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-fork-');
/** `evidence verify` options that trust the regime's keys, as a node directory holds them. */
const trustRegime = (dir: string) => ['--regime', join(dir, 'regime.yaml'), '--keys', join(dir, 'regime-keys.json')];

/**
 * "ru" is dishonest: it holds two logs under its one real key and chooses which to serve. us and nato are honest
 * nodes that mirror ru (through the URL each was given) and each other.
 */
describe('a log that rewrites its history or shows two faces is caught, with evidence that verifies offline', () => {
  let us: RunningNode;
  let nato: RunningNode;
  let ruDir: string;
  let honest: { store: LogStore; writer: any };
  let forked: { store: LogStore; writer: any };
  const fake = Fastify({ logger: false, forceCloseConnections: true });
  // What each path serves: switchable.
  const serving: Record<'a' | 'b', 'honest' | 'forked'> = { a: 'honest', b: 'forked' };

  beforeAll(async () => {
    const dirs = initNodes(tmp);
    ruDir = dirs.get('ru')!;
    const [pUs, pNato] = [await freePort(), await freePort()];
    // Start once without peers to learn the regime.
    const probe = await startNode(dirs.get('us')!, pUs, [], false);
    const { regime, regimeHash } = probe.node;
    await probe.close();
    honest = partyLog(ruDir, 'ru', 'detente.example/ru', 'honest.sqlite');
    forked = partyLog(ruDir, 'ru', 'detente.example/ru', 'forked.sqlite');
    honest.writer.append([1, 2, 3].map((n) => signedEntry(ruDir, 'ru', regime, regimeHash, n)));
    // The fork: same first entry, a rewritten second one, a third.
    forked.writer.append([1, 22, 3].map((n) => signedEntry(ruDir, 'ru', regime, regimeHash, n)));
    const vkey = readFileSync(join(ruDir, 'log', 'log.vkey'), 'utf8').trim();
    // Each path serves whichever store `serving` names at the moment (no tile cache: the content may change).
    const proxy = (which: 'a' | 'b'): LogStore =>
      new Proxy(honest.store, {
        get: (_target, prop) => {
          const s = (serving[which] === 'honest' ? honest : forked).store as any;
          const v = s[prop];
          return typeof v === 'function' ? v.bind(s) : v;
        },
      });
    await fake.register(tilesPlugin, {
      cacheBytes: 0,
      logs: (['a', 'b'] as const).map((which) => ({ prefix: `/${which}/logs/ru`, store: proxy(which), vkey })),
    });
    const { base } = await listen(fake);
    us = await startNode(
      dirs.get('us')!,
      pUs,
      [
        { party: 'ru', url: `${base}/a` },
        { party: 'nato', url: `http://127.0.0.1:${pNato}` },
      ],
      false,
    );
    nato = await startNode(
      dirs.get('nato')!,
      pNato,
      [
        { party: 'ru', url: `${base}/b` },
        { party: 'us', url: `http://127.0.0.1:${pUs}` },
      ],
      false,
    );
  });

  afterAll(async () => {
    await us?.close();
    await nato?.close();
    await fake.close();
  });

  const verifyOffline = (node: RunningNode) => {
    const files = node.node.evidence();
    expect(files.length).toBeGreaterThan(0);
    for (const { file } of files) {
      const path = join(node.dir, 'evidence', file);
      const r = detente(['evidence', 'verify', path, ...trustRegime(node.dir)]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/^VALID/);
      // Tampering breaks it.
      const copy = join(node.dir, `tampered-${file}`);
      const ev = JSON.parse(readFileSync(path, 'utf8'));
      writeFileSync(copy, JSON.stringify({ ...ev, checkpointB: ev.checkpointA }));
      expect(detente(['evidence', 'verify', copy, ...trustRegime(node.dir)]).code).not.toBe(0);
    }
  };

  it('shown two faces, two honest nodes catch it in one gossip round', async () => {
    await us.node.syncMirror('ru');
    await nato.node.syncMirror('ru');
    expect(us.node.servedSize(us.node.logByParty('ru')!)).toBe(3);
    expect(nato.node.servedSize(nato.node.logByParty('ru')!)).toBe(3);
    const found = await nato.node.gossipRound();
    expect(found.length).toBe(1);
    expect(found[0]!.type).toBe('same-size-different-root');
    verifyOffline(nato);
  });

  it('a rewritten entry is caught by the mirror that held the old history', async () => {
    forked.writer.append([signedEntry(ruDir, 'ru', us.node.regime, us.node.regimeHash, 4)]);
    serving.a = 'forked';
    await us.node.syncMirror('ru');
    expect(us.node.mirrors.get('ru')!.lastError).toMatch(/^equivocation/);
    expect(us.node.servedSize(us.node.logByParty('ru')!)).toBe(3); // it did not follow
    expect(us.node.evidence().map((e) => e.evidence.type)).toContain('inconsistent-prefix');
    verifyOffline(us);
    const listed = await (await fetch(`${us.url}/api/evidence`)).json();
    expect(listed.evidence.length).toBeGreaterThanOrEqual(1);
  });

  it('a sync asked for while another round runs waits for it, then runs a round of its own', async () => {
    // The tests above sync once and then look: that holds only if a round already running (the loop's, which may
    // have read the peer before the test changed it) does not make the call return at once.
    const asked = Date.now();
    const running = nato.node.syncMirror('ru');
    await nato.node.syncMirror('ru');
    expect(nato.node.mirrors.get('ru')!.lastSync).toBeGreaterThanOrEqual(asked);
    await running;
  });
});

/**
 * The node's own log, as its peers serve it: "ru" mirrors us and serves, at /logs/us, whichever log of us's key
 * the test chooses: us's real log, or a fork made with us's key elsewhere (a restored backup, a leaked key).
 */
describe("gossip covers the node's own log: a fork of it signed elsewhere is caught", () => {
  let us: RunningNode;
  let usDir: string;
  let vkey: string;
  let ruPort: number;
  let ru: FastifyInstance | undefined;
  const forks: { sameSize?: LogStore; shorter?: LogStore } = {};

  /** Serves `store` as ru's mirror of us. A new server each time: a served checkpoint never shrinks in one. */
  async function ruServes(store: LogStore): Promise<void> {
    await ru?.close();
    ru = Fastify({ logger: false, forceCloseConnections: true });
    await ru.register(tilesPlugin, { cacheBytes: 0, logs: [{ prefix: '/logs/us', store, vkey }] });
    await ru.listen({ port: ruPort, host: '127.0.0.1' });
  }

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    usDir = dirs.get('us')!;
    const port = await freePort();
    const probe = await startNode(usDir, port, [], false);
    const { regime, regimeHash } = probe.node;
    await probe.close();
    const entries = (ns: number[]) => ns.map((n) => signedEntry(usDir, 'us', regime, regimeHash, n));
    // Forks under us's real log key, in files of their own: entry 1 rewritten, at the same size and at a smaller one.
    const sameSize = partyLog(usDir, 'us', 'detente.example/us', 'fork-same-size.sqlite');
    sameSize.writer.append(entries([1, 22, 3]));
    const shorter = partyLog(usDir, 'us', 'detente.example/us', 'fork-shorter.sqlite');
    shorter.writer.append(entries([1, 22]));
    Object.assign(forks, { sameSize: sameSize.store, shorter: shorter.store });
    vkey = readFileSync(join(usDir, 'log', 'log.vkey'), 'utf8').trim();
    ruPort = await freePort();
    us = await startNode(usDir, port, [{ party: 'ru', url: `http://127.0.0.1:${ruPort}` }], false);
    us.node.writer.append(entries([1, 2, 3]));
  });

  afterAll(async () => {
    await us?.close();
    await ru?.close();
    forks.sameSize?.close();
    forks.shorter?.close();
  });

  it('a peer serving our real log: nothing found', async () => {
    await ruServes(us.node.log.store);
    expect(await us.node.gossipRound()).toEqual([]);
    expect(us.node.evidence()).toEqual([]);
  });

  it('a checkpoint of our size with another root: same-size evidence, verified offline', async () => {
    await ruServes(forks.sameSize!);
    const found = await us.node.gossipRound();
    expect(found.map((e) => [e.origin, e.type])).toEqual([['detente.example/us', 'same-size-different-root']]);
    const file = us.node.evidence().find((e) => e.evidence.type === 'same-size-different-root')!.file;
    expect(detente(['evidence', 'verify', join(usDir, 'evidence', file), ...trustRegime(usDir)]).code).toBe(0);
  });

  it('a smaller checkpoint that is not our prefix: inconsistent-prefix evidence, from our own tiles', async () => {
    await ruServes(forks.shorter!);
    const found = await us.node.gossipRound();
    expect(found.map((e) => [e.origin, e.type])).toEqual([['detente.example/us', 'inconsistent-prefix']]);
    const file = us.node.evidence().find((e) => e.evidence.type === 'inconsistent-prefix')!.file;
    expect(detente(['evidence', 'verify', join(usDir, 'evidence', file), ...trustRegime(usDir)]).code).toBe(0);
  });
});
