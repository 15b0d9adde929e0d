/**
 * Verifying a C2SP tlog-proof file offline under a tlog-policy (parse the file, the log's signature, two witness
 * cosignatures, the quorum, the inclusion proof) per second, for an entry of a 1,000,000-entry tree; baseline: what
 * a verifier did before policies, the same inclusion proof under the log's signature alone (no cosignature).
 * Run: node dist/bench/tlog-proof.js
 */
import { parseNote } from '../src/crypto/note.js';
import { generateSigner, parseSignerKey, parseVerifierKey } from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { openCheckpoint, signCheckpoint } from '../src/tlog/checkpoint.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { inclusionProof, verifyInclusion } from '../src/tlog/inclusion.js';
import { MemoryTree } from '../src/tlog/memory-tree.js';
import { formatPolicy, parsePolicy } from '../src/tlog/policy.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from '../src/tlog/proof-file.js';
import { fmt, header, row, seconds, table } from './harness.js';

const suite = nodeSuite;
const hasher = new Rfc6962Hasher(suite.sha256);
const N = 1_000_000;
const ORIGIN = 'bench.example/log';
const entry = (i: number) => new TextEncoder().encode(`entry ${i}`);
const tree = new MemoryTree(hasher);
for (let i = 0; i < N; i++) tree.append(hasher.hashLeaf(entry(i)));

const { skey, vkey } = generateSigner(suite, ORIGIN, new Uint8Array(32).fill(1));
const bare = signCheckpoint(
  { origin: ORIGIN, size: N, root: tree.root(), extensions: [] },
  parseSignerKey(skey, suite),
);
const text = parseNote(bare).text;
const witnesses = [2, 3].map((n) => cosignerFromSeed(suite, `w${n}.bench.example`, new Uint8Array(32).fill(n)));
const note = `${bare}${witnesses.map((w) => w.cosignLine(text, 1_700_000_000)).join('')}`;
const policy = parsePolicy(
  formatPolicy({
    logs: [{ vkey }],
    witnesses: witnesses.map((w, i) => ({ name: `w${i}`, vkey: w.verifierKey })),
    groups: [{ name: 'all', threshold: 2, spelling: 'all', members: ['w0', 'w1'] }],
    quorum: 'all',
  }),
  suite,
);
const INDEX = 765_432;
const proof = inclusionProof(hasher, tree, INDEX, N);
const file = formatTlogProof({ index: INDEX, proof, checkpoint: note });
const verifier = parseVerifierKey(vkey, suite);

header(`tlog-proof files verified offline (an entry of a ${fmt(N)}-entry tree, ${proof.length} proof hashes)`);
table([
  'verification',
  'ours: tlog-proof under a 2-of-2 policy (/s)',
  'log signature and inclusion only (/s)',
  'ours/baseline',
  'goal',
]);
const COUNT = 3_000;
const ours =
  COUNT /
  seconds(() => {
    for (let i = 0; i < COUNT; i++) verifyTlogProof(parseTlogProof(file), entry(INDEX), policy, hasher);
  });
const baseline =
  COUNT /
  seconds(() => {
    for (let i = 0; i < COUNT; i++) {
      const { checkpoint } = openCheckpoint(bare, verifier);
      verifyInclusion(hasher, INDEX, N, hasher.hashLeaf(entry(INDEX)), proof, checkpoint.root);
    }
  });
row('one proof file', fmt(ours), fmt(baseline), ours / baseline, 'about 1/3: three Ed25519 verifications, not one');
