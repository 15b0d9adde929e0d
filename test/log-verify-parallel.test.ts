/**
 * The parallel export verifier (verifyExport, worker threads) against the single-threaded one (verifySource over
 * dirTileSource) on the same exports: the same verdict, and for a tampered export the same error code and message,
 * so the same first bad tile or entry. Real exports on disk, tampered byte by byte.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { dirTileSource } from '../src/log/dir-tile-source.js';
import { exportLog } from '../src/log/export.js';
import { verifyExport } from '../src/log/verify-export.js';
import { verifySource } from '../src/log/verify-log.js';
import { hasher, makeLog, suite } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-verify-parallel-');

function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

type Verdict = { ok: true; size: number; tiles: number; root: string } | { ok: false; code: string; message: string };

async function verdict(run: () => Promise<{ size: number; tiles: number; root: string }>): Promise<Verdict> {
  try {
    const r = await run();
    return { ok: true, size: r.size, tiles: r.tiles, root: r.root };
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (!e.code) throw err;
    return { ok: false, code: e.code, message: e.message };
  }
}

function exportOf(size: number): { out: string; vkey: string } {
  const dir = tmp();
  const log = makeLog(dir, 'parallel.detente.example/log');
  log.grow(size, 5000, (i) => new TextEncoder().encode(`entry ${i} ${'x'.repeat(i % 97)}`));
  const out = join(dir, 'export');
  exportLog(log.store, out);
  const vkey = log.vkey;
  log.close();
  return { out, vkey };
}

async function bothVerdicts(out: string, vkey: string, runTiles: number) {
  const verifier = parseVerifierKey(vkey, suite);
  const single = await verdict(() => verifySource(dirTileSource(out), hasher, verifier));
  const parallel = await verdict(() => verifyExport(out, hasher, verifier, { workers: 2, runTiles }));
  return { single, parallel };
}

describe('verifyExport agrees with the single-threaded verifier', () => {
  let small: { out: string; vkey: string };
  beforeAll(() => {
    small = exportOf(256 * 5 + 37);
  });

  it('on intact exports of every shape: empty, one entry, full tiles, a partial tile', async () => {
    for (const size of [0, 1, 255, 256, 257, 512]) {
      const { out, vkey } = exportOf(size);
      const { single, parallel } = await bothVerdicts(out, vkey, 1);
      expect(single.ok, JSON.stringify(single)).toBe(true);
      expect(parallel).toEqual(single);
    }
    const { single, parallel } = await bothVerdicts(small.out, small.vkey, 2);
    expect(single).toMatchObject({ ok: true, size: 1317 });
    expect(parallel).toEqual(single);
  });

  it('the CLI test’s tampered entry: the same entry named', async () => {
    const bundle = join(small.out, 'tile/entries/001');
    const original = readFileSync(bundle);
    writeFileSync(bundle, Buffer.from(original.toString('latin1').replace('entry 300 ', 'entry 30O '), 'latin1'));
    try {
      const { single, parallel } = await bothVerdicts(small.out, small.vkey, 1);
      expect(single).toMatchObject({ ok: false, message: expect.stringMatching(/^entry 300 .*tile\/0\/001/) });
      expect(parallel).toEqual(single);
    } finally {
      writeFileSync(bundle, original);
    }
  });

  it('any flipped bit, truncation or removal of any file: the same verdict and message (property)', async () => {
    const files = filesOf(small.out);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom('flip', 'truncate', 'remove'),
        fc.integer({ min: 1, max: 3 }),
        async (file, at, bit, how, runTiles) => {
          const path = join(small.out, file);
          const original = readFileSync(path);
          if (how === 'flip' && original.length > 0) {
            const changed = Buffer.from(original);
            changed[at % original.length]! ^= 1 << bit;
            writeFileSync(path, changed);
          } else if (how === 'truncate') writeFileSync(path, original.subarray(0, at % Math.max(1, original.length)));
          else rmSync(path);
          try {
            const { single, parallel } = await bothVerdicts(small.out, small.vkey, runTiles);
            expect(parallel).toEqual(single);
          } finally {
            writeFileSync(path, original);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(statSync(join(small.out, 'checkpoint')).size).toBeGreaterThan(0);
  }, 300_000);

  it('tampered tiles above level 1 (a log of 66,000 entries): the same tile named', async () => {
    const { out, vkey } = exportOf(66_000);
    for (const file of ['tile/2/000.p/1', 'tile/1/000', 'tile/1/001.p/1', 'tile/0/257.p/208', 'tile/entries/256']) {
      const path = join(out, file);
      const original = readFileSync(path);
      const changed = Buffer.from(original);
      changed[changed.length - 1]! ^= 0x80;
      writeFileSync(path, changed);
      try {
        const { single, parallel } = await bothVerdicts(out, vkey, 16);
        expect(single.ok, file).toBe(false);
        expect(parallel, file).toEqual(single);
      } finally {
        writeFileSync(path, original);
      }
    }
    const { single, parallel } = await bothVerdicts(out, vkey, 16);
    expect(single).toMatchObject({ ok: true, size: 66_000 });
    expect(parallel).toEqual(single);
  }, 300_000);
});
