/** What every benchmark prints: the machine, and figures side by side with their baseline and the ratio. */
import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';

export function machine(): string {
  const cpu = cpus()[0];
  return `${cpu?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free), Node ${process.version}, ${process.platform}/${process.arch}`;
}

export function header(title: string): void {
  console.log(`\n## ${title}\nmachine: ${machine()}`);
}

/** Seconds taken by fn. */
export function seconds(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

export async function secondsAsync(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** One row: what was measured, ours, the baseline, ours/baseline, and the goal if there is one. */
export function row(what: string, ours: string, baseline: string, ratio: number, goal = ''): void {
  console.log(`| ${what} | ${ours} | ${baseline} | ${ratio.toFixed(2)} | ${goal} |`);
}

export function table(columns: [string, string, string, string, string]): void {
  console.log(`| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|`);
}

/**
 * Peak resident set of this process, in MiB. On Linux from VmHWM: getrusage's maxRSS survives fork and exec, so a
 * child would report its parent's peak if that was higher.
 */
export function maxRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * CPU seconds of a process's main thread (its event loop, a node's busy thread), from /proc (Linux; 0 elsewhere):
 * unlike wall figures, it hardly moves with the machine's load, so it shows what a change takes off the event loop.
 */
export function mainThreadCpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}
