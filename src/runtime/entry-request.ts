/**
 * A batch of submissions as it crosses to an entry worker (entry-worker.ts), written on the caller's thread: a module
 * of its own, so that the node's thread does not load the worker's script (whose top level answers its parent port).
 */
import type { prepareEntry, SealWith } from '../model/index.js';

export type PrepareFields = Parameters<typeof prepareEntry>[3];

export interface PrepareRequest {
  id: number;
  kind: 'prepare';
  /**
   * Each job's key, its fields unless `fieldsText` holds them, and, for a confidential one, its seal: an index in
   * `seals`.
   */
  jobs: { key: string; fields?: PrepareFields; seal?: number }[];
  /** The jobs' fields as one JSON array, null for a job whose fields are not plain JSON (it carries them). */
  fieldsText?: string;
  seals?: SealWith[];
}

/** A submission to prepare as its caller gives it: its seal, if any, as an object. */
export type PrepareJob = { key: string; fields: PrepareFields; seal?: SealWith };

/**
 * Whether a value crosses as JSON text unchanged: strings, finite numbers but -0, booleans, null, and arrays and
 * plain objects (or objects without a prototype) of those: what JSON.parse(JSON.stringify(value)) gives back equal,
 * in the same key order, as a structured clone does. Anything else (undefined, NaN, a Date, a hole) crosses as a
 * clone, so that the worker sees what the caller gave, as it would on the caller's thread.
 */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i])) return false;
        return true;
      }
      // A clone, like JSON text, gives an object without a prototype back as a plain one.
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in value) if (!isPlainJson((value as Record<string, unknown>)[k])) return false;
      return true;
    }
  }
  return false;
}

/**
 * A batch's jobs as they cross: their fields as one JSON text where they are plain JSON (a submission through HTTP
 * always is), and each distinct seal once (a period's submissions for one audience share one: its audience, its
 * `audience-key` reference and that key), the jobs naming theirs by index. Read back as a structured clone, a
 * declaration's fields cost the entry worker 22–28 µs a job, as JSON text 10–16; a seal cloned with every job cost
 * the two threads 1.5–5 µs more (docs/BENCHMARKS.md, issue 14, session 19).
 */
export function prepareRequest(id: number, jobs: readonly PrepareJob[]): PrepareRequest {
  const seals: SealWith[] = [];
  const indexOf = (seal: SealWith) => {
    const i = seals.findIndex(
      (s) =>
        s.audienceKey === seal.audienceKey &&
        s.keys === seal.keys &&
        s.audience.length === seal.audience.length &&
        s.audience.every((p, k) => p === seal.audience[k]),
    );
    return i < 0 ? seals.push(seal) - 1 : i;
  };
  const plain = jobs.map((job) => isPlainJson(job.fields));
  return {
    id,
    kind: 'prepare',
    jobs: jobs.map(({ key, fields, seal }, i) => ({
      key,
      ...(plain[i] ? {} : { fields }),
      ...(seal ? { seal: indexOf(seal) } : {}),
    })),
    ...(plain.includes(true)
      ? { fieldsText: JSON.stringify(jobs.map((job, i) => (plain[i] ? job.fields : null))) }
      : {}),
    ...(seals.length ? { seals } : {}),
  };
}
