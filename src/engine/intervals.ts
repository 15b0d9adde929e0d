/**
 * Sets of instants as sorted, disjoint, half-open intervals [start, end), `end` possibly Infinity. Whether a
 * commitment is in force, a limit binds or a metric is met is such a set, computed when the state is asked for,
 * from the few events that change it.
 */
export type Interval = readonly [number, number];
export type Intervals = readonly Interval[];

export const ALWAYS: Intervals = [[-Infinity, Infinity]];
export const NEVER: Intervals = [];

export function from(start: number, end = Infinity): Intervals {
  return start < end ? [[start, end]] : [];
}

/** Sorts and merges (touching intervals merge). */
export function normalise(list: readonly Interval[]): Intervals {
  const sorted = list.filter(([a, b]) => a < b).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function union(...sets: Intervals[]): Intervals {
  return normalise(sets.flat());
}

export function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [a0, a1] = a[i]!;
    const [b0, b1] = b[j]!;
    const s = Math.max(a0, b0);
    const e = Math.min(a1, b1);
    if (s < e) out.push([s, e]);
    if (a1 < b1) i++;
    else j++;
  }
  return out;
}

export function intersectAll(sets: Intervals[]): Intervals {
  return sets.reduce((acc, s) => intersect(acc, s), ALWAYS);
}

/** The part of the set at or before t (an interval still open at t ends just after it). */
export function until(set: Intervals, t: number): Intervals {
  return intersect(set, [[-Infinity, t + 1]]);
}

export function contains(set: Intervals, t: number): boolean {
  return set.some(([a, b]) => a <= t && t < b);
}

/** The interval that holds t, if any. */
export function containing(set: Intervals, t: number): Interval | undefined {
  return set.find(([a, b]) => a <= t && t < b);
}

/**
 * A piecewise-constant boolean from its change points (time ascending; the value holds from each point until the
 * next): the intervals where it is true.
 */
export function fromSteps(steps: readonly { at: number; on: boolean }[]): Intervals {
  const out: Interval[] = [];
  let start: number | undefined;
  for (const s of steps) {
    if (s.on && start === undefined) start = s.at;
    else if (!s.on && start !== undefined) {
      out.push([start, s.at]);
      start = undefined;
    }
  }
  if (start !== undefined) out.push([start, Infinity]);
  return normalise(out);
}
