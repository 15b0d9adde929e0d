/**
 * A scenario's timeline (`timeline.yaml`): item sets and steps, each step one entry a party writes at a simulated
 * time. This module reads and checks the file and resolves its directives (see the file's header); playing it is
 * play.ts's.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { toHex, utf8 } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  type BlobRef,
  ENTRY_TYPES,
  type EntryRef,
  Id,
  Item,
  problemsError,
  problemsOf,
  type Regime,
  regimeIndex,
  Timestamp,
} from '../model/index.js';

const Step = z.strictObject({
  id: Id,
  at: Timestamp,
  party: Id,
  /** The signing key; by default the party's first key with the role the entry type needs. */
  key: Id.optional(),
  type: z.enum(ENTRY_TYPES as [string, ...string[]]),
  body: z.unknown(),
  /** The play must refuse this entry with this error code (and store nothing). */
  refused: z.string().optional(),
  /** An inspection report the host's escort countersigns (and, at a site with a host nation, that nation's). */
  countersign: z.boolean().optional(),
  /** With `countersign`: the parties whose escorts countersign, when not all of them (a bad case to exercise). */
  escorts: z.array(Id).optional(),
  /** A consultation outcome or session the other party countersigns with its declarant key (`countersignBy`). */
  countersignBy: Id.optional(),
  /** The engine rules this step is there to exercise (documentation). */
  exercises: z.array(z.string()).optional(),
});
export type Step = z.infer<typeof Step>;

const ItemSet = z.strictObject({
  note: z.string(),
  /** Group or category counts the items must add up to (the published aggregates). */
  aggregates: z.record(Id, z.int().nonnegative()).optional(),
  items: z.array(z.unknown()),
});

const TimelineSchema = z.strictObject({
  format: z.literal('detente-timeline/1'),
  scenario: Id,
  /** The end of the exercise: the simulated "now" once every step has been played. */
  end: Timestamp,
  itemSets: z.record(Id, ItemSet),
  steps: z.array(Step).min(1),
});

export interface Timeline {
  scenario: string;
  end: number;
  itemSets: Map<string, Item[]>;
  steps: Step[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `RU-HB-0001..0003` → RU-HB-0001, RU-HB-0002, RU-HB-0003 (the width of the first number is kept). */
export function expandUids(range: string): string[] {
  const m = /^(.*?)(\d+)\.\.(\d+)$/.exec(range);
  if (!m) return [range];
  const [, prefix, a, b] = m;
  const from = Number(a);
  const to = Number(b);
  if (to < from || to - from > 100_000) throw new DetenteError('BAD_INPUT', `timeline: bad range ${range}`);
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${String(from + i).padStart(a!.length, '0')}`);
}

/** In a list, `{$uids: range, …rest}` is one element per identifier, each `{uid, …rest}`. */
function expandList(list: unknown[]): unknown[] {
  return list.flatMap((x) => {
    if (!isObject(x) || typeof x.$uids !== 'string') return [x];
    // `uid` takes the place of `$uids`, so the entry reads naturally.
    return expandUids(x.$uids).map((uid) =>
      Object.fromEntries(Object.entries(x).map(([k, v]) => (k === '$uids' ? ['uid', uid] : [k, v]))),
    );
  });
}

/** Reads and checks a timeline against its regime: every step's party and key exist, ids are unique, times ascend. */
export function parseTimeline(text: string, regime: Regime): Timeline {
  let raw: unknown;
  try {
    const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new DetenteError('BAD_INPUT', `timeline: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = TimelineSchema.safeParse(raw);
  if (!parsed.success) throw problemsError('BAD_INPUT', 'timeline refused', problemsOf(parsed.error));
  const t = parsed.data;
  const ix = regimeIndex(regime);
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  let last = -Infinity;
  t.steps.forEach((s, i) => {
    const at = Date.parse(s.at);
    if (seen.has(s.id)) problems.push({ path: `$.steps[${i}].id`, message: `"${s.id}" is used twice` });
    seen.add(s.id);
    if (at < last) problems.push({ path: `$.steps[${i}].at`, message: `${s.at} is before the step above it` });
    last = at;
    if (!ix.parties.has(s.party)) problems.push({ path: `$.steps[${i}].party`, message: `unknown party "${s.party}"` });
    if (s.key !== undefined && !ix.keys.has(s.key))
      problems.push({ path: `$.steps[${i}].key`, message: `unknown key "${s.key}"` });
  });
  if (Date.parse(t.end) < last) problems.push({ path: '$.end', message: 'the end is before the last step' });
  const itemSets = new Map<string, Item[]>();
  for (const [id, set] of Object.entries(t.itemSets)) {
    const items = z.array(Item).safeParse(expandList(set.items));
    if (!items.success) {
      problems.push(...problemsOf(items.error, ['itemSets', id, 'items']));
      continue;
    }
    itemSets.set(id, items.data);
    for (const [counted, expected] of Object.entries(set.aggregates ?? {})) {
      const got = aggregate(regime, items.data, counted);
      if (got !== expected) {
        problems.push({
          path: `$.itemSets.${id}.aggregates.${counted}`,
          message: `the items add up to ${got}, not ${expected}`,
        });
      }
    }
  }
  if (problems.length) throw problemsError('BAD_INPUT', 'timeline refused', problems);
  return { scenario: t.scenario, end: Date.parse(t.end), itemSets, steps: t.steps };
}

/** What items add up to under a group's counting rules (or a category's count). */
export function aggregate(regime: Regime, items: readonly Item[], counted: string): number {
  const ix = regimeIndex(regime);
  const group = ix.groups.get(counted);
  const members = group ? group.members : [{ category: counted, status: undefined, count: undefined }];
  let total = 0;
  for (const m of members) {
    for (const it of items) {
      if (it.category !== m.category || (m.status && !m.status.includes(it.status))) continue;
      total += m.count?.attribute !== undefined ? (it.attributes?.[m.count.attribute] ?? 0) : (m.count?.perItem ?? 1);
    }
  }
  return total;
}

export interface ResolveContext {
  suite: CryptoSuite;
  regimeHash: string;
  itemSets: ReadonlyMap<string, Item[]>;
  ref(step: string): EntryRef;
  /**
   * A file of the scenario's folder as a blob (`$file`): its reference, and its bytes kept in `files` (by SHA-256,
   * hex) for the play to store with the entry that names it.
   */
  file(path: string, mediaType: string): BlobRef;
  files: Map<string, Uint8Array>;
}

/** The context of one play: `$ref`s resolve to the entries that earlier steps made, as `refs` holds them. */
export function playContext(
  suite: CryptoSuite,
  regimeHash: string,
  timeline: Timeline,
  refs: ReadonlyMap<string, EntryRef>,
  dir?: string,
): ResolveContext {
  const files = new Map<string, Uint8Array>();
  return {
    suite,
    regimeHash,
    itemSets: timeline.itemSets,
    ref: (id) => {
      const r = refs.get(id);
      if (!r) throw new DetenteError('BAD_INPUT', `timeline: step "${id}" has no entry (yet)`);
      return r;
    },
    files,
    file: (path, mediaType) => {
      // Only files of the scenario's own folder, named by a relative path without `..`.
      if (dir === undefined || !/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/.test(path) || path.includes('..'))
        throw new DetenteError(
          'BAD_INPUT',
          `timeline: $file ${JSON.stringify(path)} is not a file of the scenario's folder`,
        );
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(join(dir, path)));
      } catch {
        throw new DetenteError('BAD_INPUT', `timeline: $file ${path}: no such file in ${dir}`);
      }
      const sha256 = toHex(suite.sha256(bytes));
      files.set(sha256, bytes);
      return { sha256, size: bytes.length, mediaType, name: basename(path) };
    },
  };
}

/** Resolves a step body's directives. */
export function resolveBody(value: unknown, ctx: ResolveContext): Json {
  if (value === '$regimeHash') return ctx.regimeHash;
  if (Array.isArray(value)) return expandList(value).map((v) => resolveBody(v, ctx));
  if (isObject(value)) {
    if (typeof value.$ref === 'string') return ctx.ref(value.$ref) as unknown as Json;
    if (typeof value.$hash === 'string') return toHex(ctx.suite.sha256(utf8(value.$hash)));
    if (typeof value.$file === 'string') {
      if (typeof value.mediaType !== 'string')
        throw new DetenteError('BAD_INPUT', `timeline: $file ${value.$file} needs its mediaType`);
      return ctx.file(value.$file, value.mediaType) as unknown as Json;
    }
    if (typeof value.$items === 'string') {
      const items = ctx.itemSets.get(value.$items);
      if (!items) throw new DetenteError('BAD_INPUT', `timeline: unknown item set "${value.$items}"`);
      return items as unknown as Json;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveBody(v, ctx)]));
  }
  return value as Json;
}
