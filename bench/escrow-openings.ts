/**
 * Openings at any size (docs/ESCROW.md §3.4, §8): 1, 150, 1,000 and 10,000 leaves of a 10,000-item declaration,
 * with the status-split categories of the 2022 scenario's regime. For each: the opening document with one
 * multi-leaf proof (version 2) against the same leaves with k separate paths (version 1, the baseline), in the same
 * run: bytes of canonical JSON, nodes carried, and the time to parse and verify (node:crypto, and noble: the
 * browser's SHA-256). Run: npx tsc -p . && node dist/bench/escrow-openings.js [--runs 3]
 */
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { type Sha256, sha256Portable } from '../src/crypto/sha256.js';
import { escrowCategories, escrowItemOf } from '../src/engine/escrow-entries.js';
import { buildEscrowTree, createMultiOpening, createOpening, verifyOpening } from '../src/escrow/index.js';
import { scenarioRegime } from '../src/exercise/play.js';
import type { Item } from '../src/model/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { fmt, header, row, seconds, table } from './harness.js';

const N = 10_000;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const { regime } = scenarioRegime('european-security-2022');
const categories = escrowCategories(regime);
const sites = regime.sites.map((s) => s.id);
const items: Item[] = Array.from({ length: N }, (_, i) => ({
  uid: `RU-${String(i).padStart(5, '0')}`,
  category: i % 3 === 0 ? 'slbm' : 'icbm',
  site: sites[i % sites.length]!,
  status: i % 4 === 0 ? 'non-deployed' : 'deployed',
  ...(i % 4 === 0 ? {} : { attributes: { warheads: 1 + (i % 4) } }),
}));
const tree = buildEscrowTree(
  items.map((i) => escrowItemOf(i, categories)),
  { categories, paddingBound: regime.escrow?.padding.multipleOf ?? 64, sha256: sha256Node },
);
const commitment = tree.commitment();

/** Fastest of `runs` (interleaved by the caller), in ms. */
function verifyMs(text: string, sha: Sha256): number {
  return seconds(() => verifyOpening(JSON.parse(text), commitment, sha)) * 1000;
}

header(
  `openings of k of ${fmt(N)} leaves (tree of ${fmt(tree.size)}, ${categories.length} categories), fastest of ${runs}`,
);
table(['opening', 'multi-leaf proof (v2)', 'k separate paths (v1)', 'ratio', '']);
for (const k of [1, 150, 1000, N]) {
  const indexes = Array.from({ length: k }, (_, i) => tree.leafIndexOf(items[Math.floor((i * N) / k)]!.uid));
  const multi = createMultiOpening(tree, indexes);
  const separate = createOpening(tree, indexes);
  const mText = new TextDecoder().decode(canonicalJsonBytes(multi as never));
  const sText = new TextDecoder().decode(canonicalJsonBytes(separate as never));
  const pathNodes = separate.leaves.reduce((n, l) => n + l.path.length, 0);
  let mNode = Infinity;
  let sNode = Infinity;
  let mNoble = Infinity;
  let sNoble = Infinity;
  for (let r = 0; r < runs; r++) {
    mNode = Math.min(mNode, verifyMs(mText, sha256Node));
    sNode = Math.min(sNode, verifyMs(sText, sha256Node));
    mNoble = Math.min(mNoble, verifyMs(mText, sha256Portable));
    sNoble = Math.min(sNoble, verifyMs(sText, sha256Portable));
  }
  const kb = (n: number) => `${fmt(n / 1024, 1)} KiB`;
  row(`${fmt(k)}: bytes`, kb(mText.length), kb(sText.length), mText.length / sText.length);
  row(`${fmt(k)}: nodes carried`, fmt(multi.nodes.length), fmt(pathNodes), multi.nodes.length / Math.max(1, pathNodes));
  row(`${fmt(k)}: verify, node:crypto`, `${fmt(mNode, 1)} ms`, `${fmt(sNode, 1)} ms`, mNode / sNode);
  row(`${fmt(k)}: verify, noble`, `${fmt(mNoble, 1)} ms`, `${fmt(sNoble, 1)} ms`, mNoble / sNoble);
}
