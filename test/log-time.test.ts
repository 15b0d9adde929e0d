import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/crypto/bytes.js';
import { initLogDir, logWriter, openLogDir } from '../src/log/log-dir.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();

describe('checkpoint times', () => {
  it('records the writer clock with every checkpoint, for the engine to count deadlines from', () => {
    const dir = join(tmp(), 'log');
    initLogDir(dir, 'time.detente.example/log', nodeSuite);
    const log = openLogDir(dir, nodeSuite);
    let now = Date.UTC(2022, 0, 26);
    const writer = logWriter(log, nodeSuite, () => now);
    writer.append([utf8('a'), utf8('b')]);
    now += 86_400_000;
    writer.append([utf8('c')]);
    const records = log.store.checkpointRecords();
    expect(records.map((r) => r.size)).toEqual([0, 2, 3]);
    expect(records.slice(1).map((r) => new Date(r.time).toISOString())).toEqual([
      '2022-01-26T00:00:00.000Z',
      '2022-01-27T00:00:00.000Z',
    ]);
    expect(log.store.head()!.time).toBe(now);
    log.close();
  });
});
