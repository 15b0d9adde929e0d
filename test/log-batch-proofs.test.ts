import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { parseSignerKey } from '../src/crypto/vkey.js';
import { LogWriter } from '../src/log/log-writer.js';
import { inclusionProofsFromStore, inclusionProofsOfBatch } from '../src/log/proofs.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { verifyInclusion } from '../src/tlog/inclusion.js';
import { tempDirs } from './helpers/tmp.js';
import { loadVector } from './vectors.js';

const tessera = loadVector('tessera-testdata-log.json');
const hasher = new Rfc6962Hasher(nodeSuite.sha256);
const tmp = tempDirs();

function newLog() {
  const store = SqliteStore.open(join(tmp(), 'log.sqlite'), tessera.origin as string, { create: true });
  return { store, writer: new LogWriter(store, hasher, parseSignerKey(tessera.logPrivateKey, nodeSuite)) };
}

const entry = (i: number) => utf8(`entry ${i}`);

describe('inclusion proofs of a batch from the batch in memory (log/proofs.ts inclusionProofsOfBatch)', () => {
  it('equal the proofs read from the stored tiles, for every entry of every batch (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), (sizes) => {
        const { store, writer } = newLog();
        try {
          let next = 0;
          for (const k of sizes) {
            const entries = Array.from({ length: k }, () => entry(next++));
            const { first, head, batch } = writer.append(entries);
            const indexes = entries.map((_, i) => first + i);
            const fromBatch = inclusionProofsOfBatch(hasher, batch);
            expect(fromBatch).toEqual(inclusionProofsFromStore(store, hasher, indexes, head.size));
            for (const p of fromBatch) verifyInclusion(hasher, p.index, p.size, p.leafHash, p.proof, p.root);
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('leaf hashes handed to appendDeferred are the ones the proofs and the tree use', async () => {
    const { store, writer } = newLog();
    try {
      writer.append([entry(0), entry(1), entry(2)]);
      const entries = [entry(3), entry(4)];
      const { head, batch, durable } = writer.appendDeferred(
        entries,
        undefined,
        entries.map((e) => hasher.hashLeaf(e)),
      );
      await durable;
      expect(inclusionProofsOfBatch(hasher, batch)).toEqual(inclusionProofsFromStore(store, hasher, [3, 4], head.size));
      expect(() => writer.appendDeferred([entry(5)], undefined, [])).toThrow(/1 entries come with 0 leaf hashes/);
    } finally {
      store.close();
    }
  });

  it('refuses a node the batch does not hold, and peaks that are not the tree before it', () => {
    const { store, writer } = newLog();
    try {
      writer.append(Array.from({ length: 6 }, (_, i) => entry(i)));
      const { batch } = writer.append([entry(6), entry(7)]);
      // A tree of 6 leaves has two peaks, [0, 4) and [4, 6).
      expect(batch.peaks).toHaveLength(2);
      const wrongPeaks = { ...batch, peaks: batch.peaks.slice(1) };
      expect(() => inclusionProofsOfBatch(hasher, wrongPeaks)).toThrow(DetenteError);
      expect(() => inclusionProofsOfBatch(hasher, wrongPeaks)).toThrow(/has 2 peaks, not 1/);
    } finally {
      store.close();
    }
  });
});
