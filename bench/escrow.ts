/**
 * Escrow benchmarks (issue 4), each against a baseline measured in the same run:
 *  1. commit 1,000,000 items, against SHA-256 of the same canonical item bytes alone (goal: ratio ≤ 3);
 *  2. peak memory of committing, against the peak of hashing alone (each phase in its own child process);
 *  3. verify 10,000 single-leaf openings of that tree: openings per second (node:crypto, and noble as a browser
 *     would run it).
 *
 *   npx tsc -p . && node dist/bench/escrow.js [--items 1000000] [--openings 10000] [--runs 3]
 *
 * Items are synthetic (and say so in an attribute).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { type Sha256, sha256Portable } from '../src/crypto/sha256.js';
import {
  buildEscrowTree,
  createOpening,
  type EscrowItem,
  type EscrowTree,
  verifyOpening,
} from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';

const CATEGORIES = ['deployed-launchers', 'deployed-warheads', 'non-deployed-launchers'];
const PADDING_BOUND = 4096;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function makeItems(n: number): EscrowItem[] {
  const items: EscrowItem[] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const r = x >>> 8;
    const counts: Record<string, number> = {};
    counts[CATEGORIES[r % 3]!] = r % 5 === 0 ? 4 : 1;
    items.push({
      id: `item-${String(i).padStart(7, '0')}`,
      counts,
      site: `site-${r % 97}`,
      status: r % 3 === 0 ? 'deployed' : 'stored',
      synthetic: true,
    });
  }
  return items;
}

interface Timing {
  ms: number;
  cpuMs: number;
}

/** Wall-clock and CPU time (user + system, all threads, so GC helpers count) of one call. */
function time<T>(f: () => T): Timing & { value: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, value };
}

function fastest<T>(a: Timing & { value: T }, b: Timing & { value: T }): Timing & { value: T } {
  return { ms: Math.min(a.ms, b.ms), cpuMs: Math.min(a.cpuMs, b.cpuMs), value: b.value };
}

function hashAll(encoded: readonly Uint8Array[]): number {
  let x = 0;
  for (const b of encoded) x ^= sha256Node(b)[0]!;
  return x;
}

/** The same hashes, each written into one reused array (the digest path the tree builder uses). */
function hashAllInto(encoded: readonly Uint8Array[]): number {
  const out = new Uint8Array(32);
  let x = 0;
  for (const b of encoded) {
    sha256Node.into(b, out, 0);
    x ^= out[0]!;
  }
  return x;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/**
 * Peak resident set of this process. On Linux, VmHWM from /proc: getrusage's maxRSS survives fork and exec, so a
 * child would report its parent's peak if that was higher.
 */
function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Child-process mode: one phase, then print its peak RSS. */
function child(phase: string, n: number): void {
  const items = makeItems(n);
  if (phase === 'hash') {
    hashAll(items.map((i) => canonicalJsonBytes(i)));
  } else if (phase === 'commit') {
    buildEscrowTree(items, { categories: CATEGORIES, paddingBound: PADDING_BOUND, sha256: sha256Node });
  }
  process.stdout.write(JSON.stringify({ peak: peakRssBytes() }));
}

function childPeak(phase: string, n: number): number {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', phase, '--items', `${n}`], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return (JSON.parse(out) as { peak: number }).peak;
}

function verifyRate(tree: EscrowTree, count: number, sha: Sha256): { perSecond: number; ms: number } {
  const commitment = tree.commitment();
  const docs: string[] = [];
  let x = 99;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    docs.push(JSON.stringify(createOpening(tree, [x % tree.size])));
  }
  const { ms } = time(() => {
    for (const d of docs) verifyOpening(JSON.parse(d), commitment, sha);
  });
  return { perSecond: (count / ms) * 1000, ms };
}

function main(): void {
  const n = arg('items', 1_000_000);
  const openings = arg('openings', 10_000);
  const runs = arg('runs', 3);
  // --commit-only: the timing of the commit against its baselines, without the memory and verification phases.
  const commitOnly = process.argv.includes('--commit-only');
  const cpu = os.cpus()[0];
  console.log(`machine: ${cpu?.model ?? 'unknown'}, ${os.cpus().length} cores, ${os.platform()} ${os.arch()}`);
  console.log(
    `node ${process.version}; ${n.toLocaleString('en')} items, ${CATEGORIES.length} categories, padding bound ${PADDING_BOUND}`,
  );

  // Memory first, each phase in a fresh child process, while this one is still small; the median of `runs`.
  const median = (phase: string) => {
    const xs = Array.from({ length: runs }, () => childPeak(phase, n)).sort((a, b) => a - b);
    return xs[xs.length >> 1]!;
  };
  const peaks = commitOnly ? undefined : { items: median('items'), hash: median('hash'), commit: median('commit') };

  const items = makeItems(n);
  // Warm up both paths on a slice, so the JIT is not part of the measurement.
  const warm = items.slice(0, 20_000);
  hashAll(warm.map((i) => canonicalJsonBytes(i)));
  buildEscrowTree(warm, { categories: CATEGORIES, paddingBound: PADDING_BOUND, sha256: sha256Node });

  const canon = time(() => items.map((i) => canonicalJsonBytes(i)));
  const encoded = canon.value;
  const bytes = encoded.reduce((s, b) => s + b.length, 0);
  const options = { categories: CATEGORIES, paddingBound: PADDING_BOUND, sha256: sha256Node };
  // Interleaved, so that load from elsewhere on a shared machine hits both sides alike; the fastest of each kept.
  let hash = time(() => hashAll(encoded));
  let into = time(() => hashAllInto(encoded));
  let tree = time(() => buildEscrowTree(items, { ...options, encoded }));
  let e2e = time(() => buildEscrowTree(items, options));
  for (let r = 1; r < runs; r++) {
    hash = fastest(
      hash,
      time(() => hashAll(encoded)),
    );
    into = fastest(
      into,
      time(() => hashAllInto(encoded)),
    );
    tree = fastest(
      tree,
      time(() => buildEscrowTree(items, { ...options, encoded })),
    );
    e2e = fastest(
      e2e,
      time(() => buildEscrowTree(items, options)),
    );
  }
  const ratio = (a: Timing, b: Timing) => `${(a.ms / b.ms).toFixed(2)} wall, ${(a.cpuMs / b.cpuMs).toFixed(2)} cpu`;
  const ms = (t: Timing) => `${t.ms.toFixed(0).padStart(6)} ms wall ${t.cpuMs.toFixed(0).padStart(6)} ms cpu`;
  const both = { ms: canon.ms + hash.ms, cpuMs: canon.cpuMs + hash.cpuMs };

  console.log('');
  console.log(`commit (fastest of ${runs}, interleaved)`);
  console.log(`  canonicalise items (RFC 8785)     ${ms(canon)}  (${mib(bytes)} of item bytes)`);
  console.log(`  baseline: SHA-256 of those bytes  ${ms(hash)}  (a digest object each, as sha256Node returns)`);
  console.log(`    the same, into one array        ${ms(into)}  (sha256Node.into, the tree's digest path)`);
  console.log(
    `  tree from the same bytes          ${ms(tree)}  ratio ${ratio(tree, hash)}  (goal ≤ 3); ${ratio(tree, into)} to hashing into one array`,
  );
  console.log(`  end to end from item objects      ${ms(e2e)}  ratio ${ratio(e2e, hash)}`);
  console.log(`    against canonicalise + hash     ${ms(both)}  ratio ${ratio(e2e, both)}`);
  console.log(`  tree of ${tree.value.size.toLocaleString('en')} leaves; root ${tree.value.commitment().root}`);

  if (!peaks) return;
  console.log('');
  console.log(`peak memory (VmHWM, each phase in its own process, median of ${runs})`);
  console.log(`  items alone                       ${mib(peaks.items)}`);
  console.log(`  items, canonicalise, hash         ${mib(peaks.hash)}  (+${mib(peaks.hash - peaks.items)})`);
  console.log(
    `  items, commit (end to end)        ${mib(peaks.commit)}  (+${mib(peaks.commit - peaks.items)}); ` +
      `ratio to hashing ${(peaks.commit / peaks.hash).toFixed(2)}, of the increments ` +
      `${((peaks.commit - peaks.items) / Math.max(1, peaks.hash - peaks.items)).toFixed(2)}`,
  );

  console.log('');
  console.log(
    `verify ${openings.toLocaleString('en')} single-leaf openings (JSON.parse + verifyOpening, tree of ${tree.value.size.toLocaleString('en')})`,
  );
  verifyRate(tree.value, 500, sha256Node); // warm-up
  verifyRate(tree.value, 200, sha256Portable);
  const nodeRate = verifyRate(tree.value, openings, sha256Node);
  console.log(
    `  node:crypto                       ${nodeRate.perSecond.toFixed(0)} openings/s (${nodeRate.ms.toFixed(0)} ms)`,
  );
  const portable = Math.min(openings, 2_000);
  const nobleRate = verifyRate(tree.value, portable, sha256Portable);
  console.log(
    `  noble (the browser's path)        ${nobleRate.perSecond.toFixed(0)} openings/s (${portable.toLocaleString('en')} in ${nobleRate.ms.toFixed(0)} ms)`,
  );
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) child(process.argv[childAt + 1]!, arg('items', 1_000_000));
else main();
