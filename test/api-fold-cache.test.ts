/**
 * The read model's folds (src/api/fold-cache.ts) against a fresh fold: for random sequences of appends, counted-time
 * moves (a receipt or cosignature arriving), forks and questions as of past dates, what the cache serves is byte
 * for byte (canonical JSON) what folding every entry from scratch gives. And it really reuses: an unchanged input
 * keeps its fold, an append extends the same engine, a past date keeps its fold while its prefix is unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FoldCache, type ForkCharge, sameInputs } from '../src/api/fold-cache.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { Engine, type EngineEntry, fold } from '../src/engine/index.js';
import { sortEntries } from '../src/engine/order.js';
import { ref, Script, T, text, zonesOf } from './engine-helpers.js';

const START = T('2022-02-01');
const HOUR = 3_600_000;
const END = T('2023-06-01');

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Entries of three logs in the order their authors append them, with deadlines for the moves to cross:
 * declarations, movements and their acknowledgements, observations, concerns and explanations, activities.
 */
function history(seed: number, n: number): Script {
  const r = rng(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const s = new Script();
  s.signAll('2022-01-27');
  let t = START;
  const uids = (party: string) => Array.from({ length: 4 }, (_, i) => `${party.toUpperCase()}-HB-${i}`);
  const sites = { us: ['minot', 'malmstrom'], ru: ['engels', 'kozelsk'] } as const;
  const notifications: EngineEntry[] = [];
  const concerns: EngineEntry[] = [];
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 4) * 12 * HOUR;
    const at = new Date(t).toISOString();
    const party = pick(['us', 'ru'] as const);
    const other = party === 'us' ? 'ru' : 'us';
    const k = r();
    if (k < 0.15) {
      const items = uids(party).map((uid) => ({
        uid,
        category: 'heavy-bomber',
        site: pick(sites[party]),
        status: pick(['deployed', 'non-deployed'] as const),
      }));
      s.add(party, 'declaration', { form: 'plain', asOf: at.slice(0, 10), items, quantities: [] }, at);
    } else if (k < 0.4) {
      const body = {
        kind: 'movement',
        rule: 'nst-movement',
        items: [{ uid: pick(uids(party)), category: 'heavy-bomber' }],
        from: sites[party][0],
        to: pick(sites[party]),
        at: new Date(t - Math.floor(r() * 8) * 24 * HOUR).toISOString(),
      };
      notifications.push(s.add(party, 'notification', body, at));
    } else if (k < 0.55 && notifications.length) {
      const target = pick(notifications);
      if (target.envelope.party !== party) s.add(party, 'acknowledgement', { notification: ref(target) }, at);
    } else if (k < 0.7) {
      const quantities = [{ category: 'troops', quantity: Math.floor(r() * 60000) }];
      const observation = { subject: 'ru', observedAt: at, place: { zone: 'ru-ukraine-border-band' } };
      s.add('nato', 'observation', { ...observation, quantities, method: 'overhead-imagery', evidence: [] }, at);
    } else if (k < 0.8) {
      const concern = { kind: 'concern', rule: 'vd11-unusual-activity', addressee: other, statement: text('?') };
      concerns.push(s.add(party, 'notification', concern, at));
    } else if (k < 0.9 && concerns.length) {
      const c = pick(concerns);
      const explanation = { kind: 'explanation', rule: 'vd11-unusual-activity', concern: ref(c), statement: text('!') };
      s.add((c.envelope.body as { addressee: string }).addressee, 'notification', explanation, at);
    } else {
      const activity = {
        kind: 'activity',
        rule: 'vd11-prior-notification',
        name: text('Exercise'),
        start: new Date(t + Math.floor(r() * 60) * 24 * HOUR).toISOString(),
        end: new Date(t + 70 * 24 * HOUR).toISOString(),
        quantities: [{ category: 'troops', quantity: Math.floor(r() * 20000) }],
      };
      s.add(party, 'notification', activity, at);
    }
  }
  return s;
}

type Op =
  | { kind: 'append'; count: number }
  /** The counted time of the `back`-th latest entry appended moves by `hours` (a receipt, a cosignature). */
  | { kind: 'move'; back: number; hours: number }
  | { kind: 'fork'; on: boolean }
  /** The last `count` entries appended are no longer folded (a fork's log stops where its branches part). */
  | { kind: 'drop'; count: number }
  | { kind: 'asOf'; day: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 0, max: 6 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      back: fc.integer({ min: 0, max: 8 }),
      hours: fc.integer({ min: -96, max: 96 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fork' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('asOf' as const), day: fc.integer({ min: -10, max: 120 }) }) },
);

function charged(engine: Engine, entries: readonly EngineEntry[], forks: readonly ForkCharge[]): Engine {
  for (const f of forks) {
    let at = 0;
    for (const e of entries) if (e.origin === f.origin) at = e.countedAt;
    engine.recordFork({ ...f, at });
  }
  return engine;
}

/** A copy of `xs` with its `i`-th element replaced (Array.prototype.with is ES2023, past our lib). */
function replaced<X>(xs: readonly X[], i: number, x: X): X[] {
  const out = [...xs];
  out[i] = x;
  return out;
}

const answer = (engine: Engine, asOf: number) => canonicalJson(engine.evaluate(asOf));

describe('the read model folds (fold-cache)', () => {
  it('serve, byte for byte, what a fresh fold gives, whatever the appends, moves, drops, forks and dates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        async (seed, ops) => {
          const s = history(seed, 40);
          const options = { regime: s.regime, regimeHash: s.hash, zones: zonesOf(s.regime) };
          const cache = new FoldCache(() => new Engine(options));
          const pool = s.entries;
          let appended: EngineEntry[] = [];
          let forks: ForkCharge[] = [];
          for (const o of ops) {
            if (o.kind === 'append')
              appended = [...appended, ...pool.slice(appended.length, appended.length + o.count)];
            else if (o.kind === 'move' && appended.length) {
              const i = Math.max(0, appended.length - 1 - o.back);
              const e = appended[i]!;
              appended = replaced(appended, i, { ...e, countedAt: e.countedAt + o.hours * HOUR });
            } else if (o.kind === 'drop') appended = appended.slice(0, Math.max(0, appended.length - o.count));
            else if (o.kind === 'fork') {
              const origin = s.regime.parties[1]!.origin;
              forks = o.on ? [{ origin, party: 'ru', size: 9, foldedTo: 4, evidence: 'fork-1.json' }] : [];
            }
            const sorted = sortEntries(appended);
            const full = await cache.fold(sorted, forks);
            expect(answer(full.engine, END)).toBe(answer(charged(fold(options, sorted), sorted, forks), END));
            if (o.kind === 'asOf') {
              const at = START + o.day * 24 * HOUR;
              const past = await cache.asOf(full, at, forks);
              const counted = sorted.filter((e) => e.countedAt <= at);
              expect(answer(past.engine, at)).toBe(answer(charged(fold(options, counted), counted, forks), at));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a fold whose input is unchanged, extends it on an append, folds again when an applied entry moves', async () => {
    const s = history(7, 20);
    const cache = new FoldCache(() => new Engine({ regime: s.regime, regimeHash: s.hash, zones: zonesOf(s.regime) }));
    const first = sortEntries(s.entries.slice(0, 15));
    const a = await cache.fold(first, []);
    // A new data version with the same entries (new objects, as each snapshot makes them): the same fold.
    expect(
      await cache.fold(
        first.map((e) => ({ ...e })),
        [],
      ),
    ).toBe(a);
    const b = await cache.fold(sortEntries(s.entries.slice(0, 18)), []);
    expect(b.engine).toBe(a.engine);
    expect(b.id).not.toBe(a.id);
    const moved = replaced(s.entries.slice(0, 18), 10, {
      ...s.entries[10]!,
      countedAt: s.entries[10]!.countedAt + HOUR,
    });
    const c = await cache.fold(sortEntries(moved), []);
    expect(c.engine).not.toBe(b.engine);
    // A fork charged is never extended in place: charged after the last entry.
    const d = await cache.fold(sortEntries(moved), [{ origin: 'x', party: 'ru', size: 2, foldedTo: 1, evidence: 'f' }]);
    expect(d.engine).not.toBe(c.engine);
  });

  it('keeps a fold as of a past date while the entries counted by then are unchanged', async () => {
    const s = history(11, 30);
    const cache = new FoldCache(() => new Engine({ regime: s.regime, regimeHash: s.hash, zones: zonesOf(s.regime) }));
    const entries = sortEntries(s.entries);
    const at = entries[12]!.countedAt;
    const before = await cache.fold(entries.slice(0, 20), []);
    const past = await cache.asOf(before, at, []);
    expect(past.engine).not.toBe(before.engine);
    const after = await cache.fold(entries, []);
    expect(await cache.asOf(after, at, [])).toBe(past);
    // An entry counted by then moves: that date is folded again.
    const moved = replaced(entries, 3, { ...entries[3]!, countedAt: entries[3]!.countedAt - HOUR });
    const again = await cache.fold(sortEntries(moved), []);
    expect(await cache.asOf(again, at, [])).not.toBe(past);
  });

  it('sees an opening blob that arrived after the entry, and a content key opened later', () => {
    const s = history(3, 5);
    const e = s.entries[4]!;
    const bytes = new Uint8Array([1, 2, 3]);
    expect(sameInputs([{ ...e, blobs: [undefined] }], [{ ...e, blobs: [bytes] }], 1)).toBe(false);
    expect(sameInputs([{ ...e, blobs: [bytes] }], [{ ...e, blobs: [bytes.slice()] }], 1)).toBe(true);
    expect(sameInputs([e], [{ ...e, contentKey: bytes }], 1)).toBe(false);
    expect(sameInputs([{ ...e, contentKey: bytes }], [{ ...e, contentKey: bytes.slice() }], 1)).toBe(true);
  });
});
