import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashRounds } from './helpers/crash.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();

describe('crash safety', () => {
  it('a log killed with SIGKILL 50 times reopens, verifies and holds every acknowledged entry', async () => {
    const rounds = await crashRounds(join(tmp(), 'log'), 50);
    expect(rounds).toHaveLength(50);
    // The kills landed while the log was growing: it grew across rounds.
    expect(rounds.at(-1)!.size).toBeGreaterThan(rounds[0]!.size);
  }, 180_000);
});
