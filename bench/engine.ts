/**
 * The engine on a million entries.
 *
 * 1. Fold: read every entry of three party logs from an existing store, merge them into the canonical order and
 *    fold them, then ask for the state and the findings; baseline, in the same run: merely reading the same
 *    entries and JSON-parsing each. Time and peak memory, each phase in a child process of its own (so its peak
 *    RSS is its own). Goal: ours/baseline ≤ 3. The fold trusts the store (it refused bad entries when they were
 *    appended); `--verify` adds a row for the fold that also decodes strictly and checks every signature.
 * 2. Incremental: the cost of applying one more entry with 1,000 and with ~1,000,000 entries of history (the
 *    median of ten windows of 1,000 entries each, entries already in memory). Goal: ratio ≤ 2.
 *
 * Run: npm run build && node dist/bench/engine.js [entries] [--verify]   (BENCH_DIR: where the store is built)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src/engine/engine.js';
import type { EngineEntry } from '../src/engine/types.js';
import { foldDir, openLogSet, streamEntries } from '../src/exercise/read.js';
import { engineFixture } from './engine-fixture.js';
import { fmt, header, maxRssMiB, row, seconds, table } from './harness.js';

interface Phase {
  seconds: number;
  rssMiB: number;
  entries: number;
  findings?: number;
  micros?: number[];
}

function child(phase: string, dir: string): Phase {
  if (phase === 'read') {
    const set = openLogSet(dir);
    const decoder = new TextDecoder();
    let count = 0;
    const s = seconds(() => {
      for (const l of set.logs) {
        const size = l.log.store.head()?.size ?? 0;
        for (const bytes of l.log.store.entries(0, size)) {
          JSON.parse(decoder.decode(bytes));
          count++;
        }
      }
    });
    set.close();
    return { seconds: s, rssMiB: maxRssMiB(), entries: count };
  }
  if (phase === 'fold' || phase === 'fold-verified') {
    let entries = 0;
    let findings = 0;
    const s = seconds(() => {
      const f = foldDir(dir, { verify: phase === 'fold-verified' });
      const { findings: list } = f.engine.evaluate(f.asOf, { detail: 'summary' });
      entries = f.engine.size;
      findings = list.length;
    });
    return { seconds: s, rssMiB: maxRssMiB(), entries, findings };
  }
  // incremental-<history>: fold `history` entries, then time ten windows of 1,000 more.
  const history = Number(phase.split('-')[1]);
  const set = openLogSet(dir);
  const stream = streamEntries(set, { verify: false });
  const engine = new Engine({ regime: set.regime, regimeHash: set.regimeHash, zones: set.zones });
  const WINDOW = 1000;
  const WINDOWS = 10;
  let folded = 0;
  if (history < 10_000) {
    // Warm the JIT on a throwaway engine first, as the long history does by folding.
    const warm = new Engine({ regime: set.regime, regimeHash: set.regimeHash, zones: set.zones });
    const warmSet = openLogSet(dir);
    let w = 0;
    for (const e of streamEntries(warmSet, { verify: false })) {
      warm.apply(e);
      if (++w >= 50_000) break;
    }
    warmSet.close();
  }
  // Pull from the stream by hand: leaving a for-of loop early would close the generator.
  for (let it = stream.next(); !it.done; it = stream.next()) {
    engine.apply(it.value);
    if (++folded >= history) break;
  }
  const next: EngineEntry[] = [];
  for (let it = stream.next(); !it.done && next.length < WINDOW * WINDOWS; it = stream.next()) next.push(it.value);
  set.close();
  const micros: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const batch = next.slice(w * WINDOW, (w + 1) * WINDOW);
    const s = seconds(() => {
      for (const e of batch) engine.apply(e);
    });
    micros.push((s * 1e6) / batch.length);
  }
  return { seconds: 0, rssMiB: maxRssMiB(), entries: folded, micros };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3]!, process.argv[4]!)));
} else {
  const args = process.argv.slice(2);
  const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const verify = args.includes('--verify');
  const dir = engineFixture(N);
  const run = (phase: string): Phase =>
    JSON.parse(
      execFileSync(process.execPath, ['--max-old-space-size=4096', self, '--child', phase, dir, String(N)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    );
  header(`engine: fold ${fmt(N)} entries from three party logs`);
  console.log(`store: ${dir}`);
  // Alternate, and take each phase's best of two runs: the disk cache then favours neither.
  const read = [run('read'), run('read')].sort((a, b) => a.seconds - b.seconds)[0]!;
  const fold = [run('fold'), run('fold')].sort((a, b) => a.seconds - b.seconds)[0]!;
  const verified = verify ? run('fold-verified') : undefined;
  const short = run('incremental-1000');
  const long = run(`incremental-${N - 11_000}`);
  table(['what', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row(
    `fold ${fmt(fold.entries)} entries + state and findings, time (s)`,
    fold.seconds.toFixed(2),
    `${read.seconds.toFixed(2)} (read ${fmt(read.entries)} entries, JSON.parse each)`,
    fold.seconds / read.seconds,
    '≤ 3',
  );
  row('fold, peak RSS (MiB)', fmt(fold.rssMiB), fmt(read.rssMiB), fold.rssMiB / read.rssMiB, '');
  if (verified) {
    row(
      'fold, every entry decoded strictly and its signature checked, time (s)',
      verified.seconds.toFixed(2),
      read.seconds.toFixed(2),
      verified.seconds / read.seconds,
      '',
    );
  }
  const a = median(short.micros!);
  const b = median(long.micros!);
  row(
    `apply one entry, µs (history ${fmt(long.entries)} vs ${fmt(short.entries)})`,
    b.toFixed(1),
    a.toFixed(1),
    b / a,
    '≤ 2',
  );
  console.log(
    `(${fmt(fold.findings ?? 0)} findings; entries per second folded: ${fmt(fold.entries / fold.seconds)}; windows µs/entry at 1k: ${short.micros!.map((x) => x.toFixed(1)).join(' ')}; at ${fmt(long.entries)}: ${long.micros!.map((x) => x.toFixed(1)).join(' ')})`,
  );
}
