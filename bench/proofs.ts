/**
 * Inclusion and consistency proofs generated from the store (tiles in SQLite) and verified, per second, at
 * 1,000,000 entries; baseline: the same proofs from an in-memory tree holding every node (no store, no tiles).
 * Run: node dist/bench/proofs.js [entries]
 */
import { openLogDir } from '../src/log/log-dir.js';
import { consistencyProofFromStore, inclusionProofFromStore } from '../src/log/proofs.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { consistencyProof, verifyConsistency } from '../src/tlog/consistency.js';
import { inclusionProof, verifyInclusion } from '../src/tlog/inclusion.js';
import { MemoryTree } from '../src/tlog/memory-tree.js';
import { fixtureLog, syntheticEntry } from './fixture-log.js';
import { fmt, header, row, seconds, table } from './harness.js';

const N = Number(process.argv[2] ?? 1_000_000);
const dir = fixtureLog(N);
const log = openLogDir(dir, nodeSuite, { readonly: true });
const hasher = log.hasher;

let seed = 12345;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

const memory = new MemoryTree(hasher);
for (let i = 0; i < N; i++) memory.append(hasher.hashLeaf(syntheticEntry(i)));
const root = memory.root();

header(`proofs at ${fmt(N)} entries (generate and verify)`);
table(['proof', 'ours from SQLite tiles (/s)', 'in-memory tree, every node kept (/s)', 'ours/baseline', 'goal']);

const COUNT = 20_000;
const storeInclusion =
  COUNT /
  seconds(() => {
    for (let i = 0; i < COUNT; i++) {
      const index = random(N);
      const p = inclusionProofFromStore(log.store, hasher, index, N);
      verifyInclusion(hasher, index, N, p.leafHash, p.proof, root);
    }
  });
const memoryInclusion =
  COUNT /
  seconds(() => {
    for (let i = 0; i < COUNT; i++) {
      const index = random(N);
      verifyInclusion(hasher, index, N, memory.nodeHash(0, index), inclusionProof(hasher, memory, index, N), root);
    }
  });
row('inclusion', fmt(storeInclusion), fmt(memoryInclusion), storeInclusion / memoryInclusion);

const sizes = log.store.checkpointRecords().map((c) => c.size);
const storeConsistency =
  COUNT /
  seconds(() => {
    for (let i = 0; i < COUNT; i++) {
      const from = sizes[1 + random(sizes.length - 1)]!;
      const p = consistencyProofFromStore(log.store, hasher, from, N);
      verifyConsistency(hasher, from, N, p.proof, p.fromRoot, root);
    }
  });
const memoryConsistency =
  COUNT /
  seconds(() => {
    for (let i = 0; i < COUNT; i++) {
      const from = sizes[1 + random(sizes.length - 1)]!;
      verifyConsistency(hasher, from, N, consistencyProof(hasher, memory, from, N), memory.root(from), root);
    }
  });
row('consistency', fmt(storeConsistency), fmt(memoryConsistency), storeConsistency / memoryConsistency);
log.close();
