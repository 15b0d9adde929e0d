import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes } from '../src/crypto/bytes.js';
import { buildEnvelope, encodeEntry, signEntry } from '../src/model/index.js';
import { readConfig, readSeed, writeConfig } from '../src/node/config.js';
import { verifyMirrorStore } from '../src/node/mirror.js';
import { PartyNode } from '../src/node/node.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { CLI } from './helpers/cli.js';
import {
  addUser,
  freePort,
  initNodes,
  nonce,
  type RunningNode,
  regimeSignature,
  startNode,
  submit,
  suite,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-crash-');
const ENTRIES = 24_000;

function serve(dir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'node', 'serve', '--dir', dir, '--port', String(port), '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('listening')) resolve(child);
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`node serve exited (${code}): ${err}`));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('a node killed with SIGKILL resumes with nothing lost or duplicated', () => {
  let us: RunningNode;
  let ruDir: string;
  let ruPort: number;
  let token: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('run `npm run build` first');
    const dirs = initNodes(tmp, ['us', 'ru']);
    ruDir = dirs.get('ru')!;
    ruPort = await freePort();
    const usPort = await freePort();
    us = await startNode(dirs.get('us')!, usPort, [{ party: 'ru', url: `http://127.0.0.1:${ruPort}` }], false);
    // A large log for ru to mirror: signed entries appended directly, in big batches.
    const seed = readSeed(dirs.get('us')!, 'us-declarant');
    const { regimeHash, regime } = us.node;
    for (let i = 0; i < ENTRIES; i += 5000) {
      const batch: Uint8Array[] = [];
      for (let j = i; j < Math.min(ENTRIES, i + 5000); j++) {
        const env = buildEnvelope({
          type: 'regime-signature',
          party: 'us',
          key: 'us-declarant',
          issuedAt: new Date(Date.UTC(2022, 0, 1) + j * 1000).toISOString(),
          body: { regime: regimeHash, id: regime.id, version: regime.version },
        });
        batch.push(encodeEntry(signEntry(suite, env, seed)));
      }
      us.node.writer.append(batch);
    }
    const config = readConfig(ruDir);
    config.peers = [{ party: 'us', url: us.url }];
    config.mirror.syncEveryMs = 20;
    config.witness.requestEveryMs = 200;
    config.gossip.everyMs = 10_000;
    writeConfig(ruDir, config);
    token = addUser(ruDir, 'ru', 'olga', ['declarant']);
  });

  afterAll(async () => {
    await us?.close();
  });

  const mirrorPath = () => join(ruDir, 'mirrors', 'us.sqlite');
  const mirrorSize = () => {
    if (!existsSync(mirrorPath())) return 0;
    const s = SqliteStore.open(mirrorPath(), undefined, { readonly: true });
    try {
      return s.head()?.size ?? 0;
    } catch {
      return 0;
    } finally {
      s.close();
    }
  };

  it('mid-sync: killed twice while mirroring 24,000 entries, then complete and verified', async () => {
    const sizes: number[] = [];
    // Once at a random early moment, once right after the first batch committed (so mid-way through the next).
    for (let round = 0; round < 2; round++) {
      const child = await serve(ruDir, ruPort);
      if (round === 0) await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 400)));
      else await until('a first mirrored batch', () => mirrorSize() > 0, 60_000);
      await kill(child);
      sizes.push(mirrorSize());
    }
    expect(sizes[1]).toBeGreaterThan(0);
    expect(sizes[1]).toBeLessThan(ENTRIES);
    const child = await serve(ruDir, ruPort);
    try {
      await until('the mirror completes', () => mirrorSize() === ENTRIES, 60_000);
    } finally {
      await kill(child);
    }
    const store = SqliteStore.open(mirrorPath(), undefined, { readonly: true });
    try {
      const report = await verifyMirrorStore(store, suite, us.node.log.vkey);
      expect(report.size).toBe(ENTRIES);
      for (const i of [0, 1, 255, 256, 16_383, 16_384, ENTRIES - 1]) {
        expect(equalBytes(store.entry(i)!, us.node.log.store.entry(i)!)).toBe(true);
      }
      expect(store.entry(ENTRIES)).toBeUndefined();
    } finally {
      store.close();
    }
    console.log(`mirror sizes at each kill: ${sizes.join(', ')}`);
  });

  it('mid-submission: every acknowledged entry survives, once, and its nonce stays used', async () => {
    let child = await serve(ruDir, ruPort);
    const url = `http://127.0.0.1:${ruPort}`;
    const acked: { nonce: string; index: number; body: any }[] = [];
    const sent: any[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const sub = { ...regimeSignature(us.node), nonce: nonce() };
        sent.push(sub);
        try {
          const r = await submit(url, token, sub);
          if (r.status === 201) acked.push({ nonce: sub.nonce, index: r.json.index, body: sub });
        } catch {
          return; // the node died
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 8 }, client));
    await until('some acknowledgements', () => acked.length > 50, 20_000);
    await kill(child);
    stop = true;
    await clients;
    child = await serve(ruDir, ruPort);
    try {
      const ru = SqliteStore.open(join(ruDir, 'log', 'log.sqlite'), undefined, { readonly: true });
      const size = ru.head()!.size;
      ru.close();
      expect(new Set(acked.map((a) => a.index)).size).toBe(acked.length);
      for (const a of acked) expect(a.index).toBeLessThan(size);
      // A replay of an acknowledged submission is refused after the restart, with the entry it made.
      for (const a of acked.slice(-5)) {
        const r = await submit(url, token, a.body);
        expect(r.status).toBe(409);
        expect(r.json.error.message).toContain(`entry ${a.index}`);
      }
      // Entries in the log = distinct submissions that made it: no duplicates.
      const log = await (await fetch(`${url}/api/entries?party=ru&limit=1`)).json();
      expect(log.total).toBe(size);
      expect(size).toBeLessThanOrEqual(sent.length);
    } finally {
      await kill(child);
    }
  });
});

describe('identical entries, then SIGKILL', () => {
  it('an identical signed entry is recorded once, and after a restart both its nonce and its content stay spent', async () => {
    if (!existsSync(CLI)) throw new Error('run `npm run build` first');
    const dir = initNodes(tmp, ['ru']).get('ru')!;
    const config = readConfig(dir);
    config.peers = [];
    writeConfig(dir, config);
    const token = addUser(dir, 'ru', 'olga', ['declarant']);
    const probe = PartyNode.open(dir);
    const signature = regimeSignature(probe);
    await probe.close();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child = await serve(dir, port);
    try {
      // One user, type, body and issuedAt: byte-identical entries (the nonce is not part of the entry), sent
      // together so that they may share a batch. One is recorded; the others would repeat it.
      const issuedAt = new Date().toISOString();
      const bodies = [0, 1, 2].map(() => ({ ...signature, nonce: nonce(), issuedAt }));
      const answers = await Promise.all(bodies.map((b) => submit(url, token, b)));
      const accepted = answers.filter((a) => a.status === 201);
      expect(accepted).toHaveLength(1);
      for (const a of answers.filter((x) => x.status !== 201)) {
        expect(a.status, JSON.stringify(a.json)).toBe(409);
        expect(a.json.error.code).toBe('DUPLICATE_ENTRY');
      }
      const index = accepted[0]!.json.index as number;
      const first = bodies[answers.indexOf(accepted[0]!)]!;
      await kill(child);
      child = await serve(dir, port);
      const replay = await submit(url, token, first);
      expect(replay.status).toBe(409);
      expect(replay.json.error.code).toBe('REPLAYED');
      expect(replay.json.error.message).toContain(`(entry ${index})`);
      const again = await submit(url, token, { ...first, nonce: nonce() });
      expect(again.status).toBe(409);
      expect(again.json.error.code).toBe('DUPLICATE_ENTRY');
      expect(again.json.error.message).toContain(`(entry ${index})`);
      // The same statement signed at another time is another entry.
      const later = await submit(url, token, {
        ...first,
        nonce: nonce(),
        issuedAt: new Date(Date.now() + 1000).toISOString(),
      });
      expect(later.status, JSON.stringify(later.json)).toBe(201);
    } finally {
      await kill(child);
    }
  });
});
