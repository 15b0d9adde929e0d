import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import type { LogStore } from '../src/store/store.js';
import { detente } from './helpers/cli.js';
import { partyLog, signedEntry } from './helpers/fake-peer.js';
import { listen } from './helpers/logs.js';
import { freePort, initNodes, type RunningNode, startNode } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-fork-');

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
      const r = detente(['evidence', 'verify', path]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/^VALID/);
      // Tampering breaks it.
      const copy = join(node.dir, `tampered-${file}`);
      const ev = JSON.parse(readFileSync(path, 'utf8'));
      writeFileSync(copy, JSON.stringify({ ...ev, checkpointB: ev.checkpointA }));
      expect(detente(['evidence', 'verify', copy]).code).not.toBe(0);
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
});
