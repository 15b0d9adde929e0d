/**
 * Issue 10's soak as figures: honest submissions and the red team's attacks together on a real three-node federation
 * on loopback (test/helpers/soak.ts says what runs). Prints entries acknowledged, lost, state identical, witness
 * growth and memory; the baseline is the same process's memory after warm-up, in the same run.
 * Run: node dist/bench/soak.js [seconds]   (default 120, at most 600)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioRegimeText } from '../test/helpers/nodes.js';
import { runSoak } from '../test/helpers/soak.js';
import { fmt, header, row, table } from './harness.js';

const SECONDS = Math.min(600, Number(process.argv[2] ?? 120));
const root = mkdtempSync(join(tmpdir(), 'detente-bench-soak-'));

/** RSS split into anonymous memory (heap, malloc) and file pages (SQLite's mmap), from /proc/self/smaps_rollup. */
function rssSplitMiB(): { anon: number; file: number } {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0) / 1024;
    return { anon: kb('Anonymous'), file: kb('Rss') - kb('Anonymous') };
  } catch {
    return { anon: Number.NaN, file: Number.NaN }; // not Linux
  }
}

/** The least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

// Memory over time, every 15 s: where RSS goes (V8 heap, Buffers, ArrayBuffers, anonymous, file-backed).
const t0 = Date.now();
const samples: { minutes: number; rssMiB: number; heapMiB: number }[] = [];
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  const split = rssSplitMiB();
  const mib = (n: number) => fmt(n / 2 ** 20);
  samples.push({ minutes: (Date.now() - t0) / 60_000, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 });
  console.log(
    `t=${fmt((Date.now() - t0) / 1000)} s rss ${mib(m.rss)} (anon ${fmt(split.anon)}, file ${fmt(split.file)}) heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)} MiB`,
  );
}, 15_000);
sampler.unref();
try {
  header(`Soak: ${SECONDS} s of honest load and attacks on three nodes`);
  const r = await runSoak(root, SECONDS, (m) => console.log(m), scenarioRegimeText());
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  console.log(
    `entries acknowledged: ${r.acknowledged} (${fmt(r.acknowledged / SECONDS, 1)}/s), lost: ${r.lost.length}`,
  );
  console.log(`state identical: ${r.statesIdentical}, findings identical: ${r.findingsIdentical}`);
  console.log(
    `counted before signed: ${r.countedBeforeSigned.length}, backdated cosignatures refused: ${r.backdatedRefusals}`,
  );
  console.log(`stranger reads: ${sum(r.strangerReads)} ${JSON.stringify(r.strangerReads)}`);
  console.log(
    `junk add-checkpoint: ${JSON.stringify(r.junkStatuses)}, re-cosigns: ${JSON.stringify(r.recosignStatuses)}`,
  );
  for (const w of r.witness) {
    console.log(
      `witness ${w.party}: +${fmt(w.growthBytes / 1024)} KiB, ${w.cosignatureRows} cosignature rows for ${w.checkpointsSeen} peer entries, ${w.refusals} refusals kept`,
    );
  }
  table(['memory (process, after GC)', 'end', 'after warm-up', 'end/warm', 'goal']);
  row(
    'RSS',
    `${fmt(r.memory.end.rssMiB)} MiB`,
    `${fmt(r.memory.warm.rssMiB)} MiB`,
    r.memory.end.rssMiB / r.memory.warm.rssMiB,
    '< +128 MiB',
  );
  row(
    'heap used',
    `${fmt(r.memory.end.heapMiB)} MiB`,
    `${fmt(r.memory.warm.heapMiB)} MiB`,
    r.memory.end.heapMiB / r.memory.warm.heapMiB,
    '< +64 MiB',
  );
  row(
    'heap allocated',
    `${fmt(r.memory.end.heapTotalMiB)} MiB`,
    `${fmt(r.memory.warm.heapTotalMiB)} MiB`,
    r.memory.end.heapTotalMiB / r.memory.warm.heapTotalMiB,
    '',
  );
  row(
    'external (Buffers)',
    `${fmt(r.memory.end.externalMiB)} MiB`,
    `${fmt(r.memory.warm.externalMiB)} MiB`,
    r.memory.end.externalMiB / r.memory.warm.externalMiB,
    '',
  );
  console.log(`peak RSS during the run: ${fmt(r.memory.peakRssMiB)} MiB`);
  // The trend through the 15 s samples (not after GC: it includes the garbage between collections), from the
  // first sample on or after a quarter of the run, as the warm-up measure.
  const steady = samples.filter((p) => p.minutes >= SECONDS / 240);
  if (steady.length >= 3) {
    const rss = slope(steady.map((p) => ({ x: p.minutes, y: p.rssMiB })));
    const heap = slope(steady.map((p) => ({ x: p.minutes, y: p.heapMiB })));
    console.log(
      `slope over ${steady.length} samples (${fmt(steady[0]!.minutes, 1)}-${fmt(steady.at(-1)!.minutes, 1)} min): RSS ${fmt(rss, 1)} MiB/min, heap used ${fmt(heap, 1)} MiB/min`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
