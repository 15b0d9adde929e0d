/**
 * The verifying reader on worker threads (exercise/read.ts with `workers`) reads what the single-threaded one
 * reads: the same entries, the same problems in the same order, the same state and findings byte for byte, on the
 * scenario's logs and on copies with any entry changed (its leaf hash in the tiles fixed or not, so that strict
 * decoding and the signature check, which run on the workers, are what refuses it). Runs the built worker.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { loadLogs, type ReadOptions } from '../src/exercise/read.js';
import { STORE_FILE } from '../src/log/log-dir.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-read-parallel-');
const hasher = new Rfc6962Hasher(nodeSuite.sha256);
const PARTIES = ['us', 'ru', 'nato'];
let dir: string;

beforeAll(async () => {
  dir = join(tmp(), 'play');
  await playScenario('european-security-2022', dir);
});

/** Everything a reader gives: entries, problems, and the folded answer. */
function read(d: string, options: ReadOptions) {
  const { set, entries } = loadLogs(d, options);
  const folded = foldDir(d, options);
  return {
    entries,
    problems: set.problems,
    answer: canonicalJson(folded.engine.evaluate(folded.asOf)),
    foldProblems: folded.set.problems,
  };
}

/** Changes byte `at` of entry `index` of `party`'s log by `x`; with `fixTile`, writes the new leaf hash too. */
function tamper(d: string, party: string, index: number, at: number, x: number, fixTile: boolean): void {
  const db = new Database(join(d, party, STORE_FILE));
  try {
    const size = (db.prepare('SELECT max(idx) AS n FROM entries').get() as { n: number }).n + 1;
    const i = index % size;
    const row = db.prepare('SELECT data FROM entries WHERE idx = ?').get(i) as { data: Buffer };
    const bytes = Buffer.from(row.data);
    bytes[at % bytes.length]! ^= x;
    db.prepare('UPDATE entries SET data = ? WHERE idx = ?').run(bytes, i);
    if (fixTile) {
      // Level-0 tile t is row t (tiles are keyed level·2^40 + index); its slot for entry i is 32 bytes.
      const t = Math.floor(i / 256);
      const tile = Buffer.from((db.prepare('SELECT data FROM tiles WHERE id = ?').get(t) as { data: Buffer }).data);
      tile.set(hasher.hashLeaf(bytes), (i % 256) * 32);
      db.prepare('UPDATE tiles SET data = ? WHERE id = ?').run(tile, t);
    }
  } finally {
    db.close();
  }
}

describe('the verifying reader on worker threads', () => {
  it('reads the scenario as the single-threaded reader does, as of any date', () => {
    const one = read(dir, { workers: 0 });
    expect(one.problems).toEqual([]);
    expect(read(dir, { workers: 2 })).toEqual(one);
    expect(read(dir, { workers: 1 })).toEqual(one);
    const asOf = Date.parse('2022-06-30T00:00:00Z');
    expect(read(dir, { workers: 2, asOf })).toEqual(read(dir, { workers: 0, asOf }));
  });

  it('reports the same problems, in the same order, whatever entries are changed (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...PARTIES), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean()),
          { minLength: 1, maxLength: 4 },
        ),
        (changes) => {
          const copy = join(tmp(), 'copy');
          cpSync(dir, copy, { recursive: true });
          for (const [party, index, at, x, fix] of changes) tamper(copy, party, index, at, x, fix);
          const one = read(copy, { workers: 0 });
          expect(one.problems.length).toBeGreaterThan(0);
          expect(read(copy, { workers: 2 })).toEqual(one);
        },
      ),
      { numRuns: 8 },
    );
    // Eight copies of six party logs, each read three ways: over a minute when other work shares the cores.
  }, 180_000);
});
