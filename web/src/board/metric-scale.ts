/**
 * The scales of a metric's chart, from its own data: the time axis spans the series, the deadline and the end of the
 * holding period (whatever years they fall in), with a margin in proportion to that span; the value axis reaches
 * past the target and the largest value to a round number; ticks fall on round dates (days, months or years, as
 * the span asks) and say which. Pure, so that it is tested without a browser.
 */
const DAY = 86_400_000;
/** Tick steps, in months (negative: days), smallest first. */
const STEPS = [-1, -7, 1, 3, 6, 12, 24, 60, 120] as const;

export interface MetricScale {
  x: [number, number];
  y: [number, number];
  ticks: number[];
  /** How a tick is written: a day, a month or a year (all UTC). */
  tickFormat: (t: number) => string;
}

export function metricScale(input: {
  points: readonly { at: number; value: number }[];
  deadline: number;
  holdEnd: number;
  target: number;
  maxTicks?: number;
}): MetricScale {
  const { points, deadline, holdEnd, target, maxTicks = 6 } = input;
  const times = [deadline, holdEnd, ...points.map((p) => p.at)];
  const first = Math.min(...times);
  const last = Math.max(...times);
  const margin = Math.max(DAY, (last - first) * 0.05);
  const x: [number, number] = [first - margin, last + margin];
  const top = Math.max(target, ...points.map((p) => p.value));
  const y: [number, number] = [0, niceCeil(top * 1.1)];
  const step: number = STEPS.find((s) => count(x, s) <= maxTicks) ?? 120;
  return { x, y, ticks: ticksOf(x, step), tickFormat: formatFor(step) };
}

/** The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^n) at or above v (1 for v ≤ 0). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function count(x: [number, number], step: number): number {
  return ticksOf(x, step).length;
}

/** Round dates inside the domain: UTC midnights every |step| days, or first days of every step-th month. */
function ticksOf([from, to]: [number, number], step: number): number[] {
  const out: number[] = [];
  const d = new Date(from);
  if (step < 0) {
    let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    if (t < from) t += DAY;
    for (; t <= to && out.length <= 1000; t += -step * DAY) out.push(t);
    return out;
  }
  // Months counted from year 0, so that yearly ticks fall on 1 January and quarterly ones on quarters.
  let m = Math.ceil((d.getUTCFullYear() * 12 + d.getUTCMonth()) / step) * step;
  for (;;) {
    const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
    if (t > to || out.length > 1000) break;
    if (t >= from) out.push(t);
    m += step;
  }
  return out;
}

function formatFor(step: number): (t: number) => string {
  const cut = step < 0 ? 10 : step < 12 ? 7 : 4;
  return (t) => new Date(t).toISOString().slice(0, cut);
}
