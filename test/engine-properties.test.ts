/**
 * Properties of the fold: the same entries give the same answer whatever the order the logs were read in;
 * applying entries one at a time (with questions asked in between) gives the answer of one batch fold; "as of" a
 * time equals folding only what counted by then.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type EngineEntry } from '../src/engine/index.js';
import { canonical, ref, Script, T, text, zonesOf } from './engine-helpers.js';

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

/** A random but valid history under the scenario regime: every rule family gets some traffic. */
function history(seed: number, n: number): Script {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const s = new Script();
  s.signAll('2022-01-27');
  let t = T('2022-02-01');
  // Whole hours, often the same hour in several logs: ties are broken by origin, then index.
  const next = () => {
    t += Math.floor(r() * 3) * 3_600_000 * 12;
    return new Date(t).toISOString();
  };
  const uids = (party: string) => Array.from({ length: 6 }, (_, i) => `${party.toUpperCase()}-HB-${i}`);
  const sites = { us: ['minot', 'malmstrom'], ru: ['engels', 'kozelsk'] } as const;
  const notifications: EngineEntry[] = [];
  const requests: EngineEntry[] = [];
  const concerns: EngineEntry[] = [];
  const acceptances = new Map<string, EngineEntry>();
  for (let i = 0; i < n; i++) {
    const party = pick(['us', 'ru'] as const);
    const other = party === 'us' ? 'ru' : 'us';
    const at = next();
    const k = r();
    if (k < 0.12) {
      s.add(
        party,
        'declaration',
        {
          form: 'plain',
          asOf: at.slice(0, 10),
          items: uids(party).map((uid) => ({
            uid,
            category: 'heavy-bomber',
            site: pick(sites[party]),
            status: pick(['deployed', 'non-deployed'] as const),
          })),
          quantities:
            party === 'ru'
              ? [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: Math.floor(r() * 60000) }]
              : [],
        },
        at,
      );
    } else if (k < 0.3) {
      const move = r() < 0.5;
      const uid = pick(uids(party));
      const eventAt = new Date(T(at) - Math.floor(r() * 8) * 86_400_000).toISOString();
      notifications.push(
        s.add(
          party,
          'notification',
          move
            ? {
                kind: 'movement',
                rule: 'nst-movement',
                items: [{ uid, category: 'heavy-bomber' }],
                from: sites[party][0],
                to: pick(sites[party]),
                at: eventAt,
              }
            : {
                kind: 'status-change',
                rule: 'nst-status-change',
                changes: [
                  { uid, category: 'heavy-bomber', from: 'deployed', to: pick(['deployed', 'non-deployed'] as const) },
                ],
                at: eventAt,
              },
          at,
        ),
      );
    } else if (k < 0.42 && notifications.length) {
      const target = pick(notifications);
      if (target.envelope.party !== party) s.add(party, 'acknowledgement', { notification: ref(target) }, at);
    } else if (k < 0.55) {
      s.add(
        pick(['us', 'nato'] as const),
        'observation',
        {
          subject: 'ru',
          observedAt: at,
          place: r() < 0.5 ? { zone: 'ru-ukraine-border-band' } : { point: { lat: 49.99, lon: 36.23 } },
          quantities: [
            { category: 'troops', quantity: Math.floor(r() * 60000) },
            { category: 'short-range-glm-launcher', quantity: r() < 0.7 ? 0 : 4 },
          ],
          method: 'overhead-imagery',
          evidence: [],
        },
        at,
      );
    } else if (k < 0.62) {
      const type = pick(['nst-type-one', 'aegis-ashore-transparency', 'ru-ground-missile-base-transparency'] as const);
      const [insp, host, site] =
        type === 'nst-type-one'
          ? [party, other, party === 'us' ? 'kozelsk' : 'minot']
          : type === 'aegis-ashore-transparency'
            ? ['ru', 'us', pick(['deveselu', 'redzikowo'])]
            : ['us', 'ru', pick(['luga', 'mozdok', 'shuya'])];
      const arrival = new Date(T(at) + Math.floor(r() * 10) * 86_400_000).toISOString();
      requests.push(s.add(insp, 'inspection-request', { inspection: type, host, site, arrival }, at));
    } else if (k < 0.68 && requests.length) {
      const req = pick(requests);
      const b = req.envelope.body as any;
      s.add(
        req.envelope.party,
        'inspection-report',
        {
          request: ref(req),
          inspection: b.inspection,
          host: b.host,
          site: b.site,
          start: b.arrival,
          end: b.arrival,
          findings: [{ kind: 'absence', category: 'inf-range-glm', result: pick(['absent', 'present'] as const) }],
        },
        at,
      );
    } else if (k < 0.78) {
      const c = pick(
        party === 'us'
          ? (['us-ukraine-no-offensive-missiles', 'us-aegis-ashore-transparency'] as const)
          : (['ru-ukraine-no-offensive-missiles', 'ru-ground-missile-base-transparency'] as const),
      );
      const a = acceptances.get(c);
      if (a && r() < 0.5) {
        s.add(party, 'commitment-withdrawn', { commitment: c, acceptance: ref(a) }, at);
        acceptances.delete(c);
      } else if (!a) acceptances.set(c, s.add(party, 'commitment-accepted', { commitment: c }, at));
    } else if (k < 0.86) {
      concerns.push(
        s.add(
          party,
          'notification',
          { kind: 'concern', rule: 'vd11-unusual-activity', addressee: other, statement: text('?') },
          at,
        ),
      );
    } else if (k < 0.92 && concerns.length) {
      const c = pick(concerns);
      s.add(
        (c.envelope.body as any).addressee,
        'notification',
        { kind: 'explanation', rule: 'vd11-unusual-activity', concern: ref(c), statement: text('!') },
        at,
      );
    } else {
      s.add(
        party,
        'notification',
        {
          kind: 'activity',
          rule: 'vd11-prior-notification',
          name: text('Exercise'),
          start: new Date(T(at) + Math.floor(r() * 60) * 86_400_000).toISOString(),
          end: new Date(T(at) + 70 * 86_400_000).toISOString(),
          quantities: [{ category: 'troops', quantity: Math.floor(r() * 20000) }],
        },
        at,
      );
    }
  }
  return s;
}

const END = T('2023-06-01');

function answer(s: Script, entries: EngineEntry[], asOf = END): string {
  return canonical(s.fold(undefined, entries).evaluate(asOf));
}

describe('engine properties', () => {
  it('generated histories exercise most rules', () => {
    const s = history(7, 150);
    const rules = new Set(s.findings('2023-06-01').map((f) => f.rule));
    expect(rules.size).toBeGreaterThanOrEqual(10);
  });

  it('same entries, same answer, whatever the order they were read in (byte-identical canonical JSON)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 10, max: 60 }), fc.integer(), (seed, n, shuffleSeed) => {
        const s = history(seed, n);
        const expected = answer(s, s.entries);
        const r = rng(shuffleSeed);
        const shuffled = [...s.entries];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        // Also: one log at a time, in reverse order of origin.
        const byLog = [...s.entries].sort((a, b) =>
          a.origin < b.origin ? 1 : a.origin > b.origin ? -1 : a.index - b.index,
        );
        expect(answer(s, shuffled)).toBe(expected);
        expect(answer(s, byLog)).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('incremental equals batch, with questions asked in between; "as of" equals folding what counted by then', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 10, max: 60 }), (seed, n) => {
        const s = history(seed, n);
        const sorted = s.fold().lastCountedAt;
        expect(sorted).toBeDefined();
        const engine = new Engine({ regime: s.regime, regimeHash: s.hash, zones: zonesOf(s.regime) });
        const ordered = [...s.entries].sort(
          (a, b) =>
            a.countedAt - b.countedAt || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.index - b.index),
        );
        ordered.forEach((e, i) => {
          engine.apply(e);
          const next = ordered[i + 1];
          if (i % 7 === 3 && (!next || next.countedAt > e.countedAt)) {
            // As of this moment, the incremental engine must agree with a fold of what counted by then.
            const asOf = e.countedAt;
            expect(canonical(engine.evaluate(asOf))).toBe(
              canonical(s.fold(new Date(asOf).toISOString()).evaluate(asOf)),
            );
          }
        });
        expect(canonical(engine.evaluate(END))).toBe(answer(s, s.entries));
      }),
      { numRuns: 25 },
    );
  });
});
