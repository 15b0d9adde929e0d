/**
 * A directory of party logs (us, ru, nato) holding `n` synthetic, signed, valid entries: a realistic mix under the
 * European security 2022 regime, spread over four simulated years, each party checkpointing every six hours.
 * Built once under BENCH_DIR and reused.
 *
 * The mix (by count): notifications of status changes and movements of New START items ~35 %, acknowledgements
 * ~33 %, observations ~26 % (troops near Ukraine for the de-escalation metric, items at bases, launchers in
 * Ukraine), prior notifications of activities, concerns and explanations ~3 %, the rest inspections, declarations
 * of ~1,400 items (with blobs) every few weeks, acceptances. A small share breaks a rule (late, missing, not
 * acknowledged, exceeded), so findings accumulate as they would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { scenarioDir } from '../src/exercise/scenarios.js';
import { parseTimeline } from '../src/exercise/timeline.js';
import { countersignReport, type EntryRef, type Item } from '../src/model/index.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { type Confidentiality, FixtureParties, rng, text } from './fixture-parties.js';

const SCENARIO = 'european-security-2022';
const SEED = 'bench';
const HOUR = 3_600_000;
const CHECKPOINT_EVERY = 6 * HOUR;
const START = Date.parse('2022-01-27T00:00:00Z');
const SPAN = 4 * 365 * 24 * HOUR;

export function engineFixture(
  n: number,
  log: (s: string) => void = console.log,
  how: Confidentiality = 'scenario',
): string {
  const f = FixtureParties.open(`engine-${n}`, SCENARIO, SEED, START, CHECKPOINT_EVERY, how);
  if (typeof f === 'string') return f;
  const { regime, hash } = f;
  const suite = nodeSuite;
  const timeline = parseTimeline(readFileSync(join(scenarioDir(SCENARIO), 'timeline.yaml'), 'utf8'), regime);
  const add = f.add.bind(f);
  const r = rng(2022);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // The holdings each side declares and then changes by notification.
  const holdings = new Map<string, Map<string, Item>>();
  for (const [party, set] of [
    ['us', 'us-2022-03'],
    ['ru', 'ru-2022-03'],
  ] as const) {
    holdings.set(party, new Map(timeline.itemSets.get(set)!.map((it) => [it.uid, { ...it }])));
  }
  const bombers = (party: string) => [...holdings.get(party)!.values()].filter((it) => it.category === 'heavy-bomber');
  const airBases = { us: ['minot', 'barksdale'], ru: ['engels', 'ukrainka'] } as const;
  const declare = (party: 'us' | 'ru') => {
    const items = [...holdings.get(party)!.values()];
    const more = [];
    const plog = f.log(party);
    for (let k = 100; k < items.length; k += 500) {
      const bytes = canonicalJsonBytes(items.slice(k, k + 500));
      const h = suite.sha256(bytes);
      plog.store.putBlob(h, bytes);
      more.push({ sha256: toHex(h), size: bytes.length, mediaType: 'application/json' });
    }
    const troops = party === 'ru' ? [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: 30000 }] : [];
    add(party, 'declaration', {
      form: 'plain',
      asOf: new Date(f.now).toISOString().slice(0, 10),
      items: items.slice(0, 100),
      quantities: [...troops, { category: 'permanent-combat-forces', zone: 'ukraine', quantity: 0 }],
      more,
    });
  };

  for (const p of regime.parties)
    add(p.id, 'regime-signature', { regime: hash, id: regime.id, version: regime.version });
  f.tick(HOUR);
  for (const c of regime.commitments) add(c.party, 'commitment-accepted', { commitment: c.id });
  declare('us');
  declare('ru');
  f.tick(CHECKPOINT_EVERY);

  // Acknowledgements and explanations follow what they answer at a later checkpoint (so they count after it):
  // most at the next one, a few late, a few never.
  const answer = (ref: EntryRef, by: string) => {
    const x = r();
    if (x < 0.005) return;
    f.schedule(x < 0.01 ? 6 : 1, () => add(by, 'acknowledgement', { notification: ref }));
  };
  const step = SPAN / n;
  const ukrainePoints = Array.from({ length: 16 }, (_, i) => ({
    lat: 48.5 + (i % 4) * 0.3,
    lon: 35 + Math.floor(i / 4) * 0.5,
  }));
  let troops = 30000;
  let lastDeclaration = 0;
  let lastInspection = f.now;
  while (f.written < n) {
    f.tick(Math.floor(step * (0.5 + r())));
    f.runScheduled(n);
    if (f.written >= n) break;
    const k = r();
    const side = r() < 0.5 ? 'us' : 'ru';
    const other = side === 'us' ? 'ru' : 'us';
    if (f.written - lastDeclaration > 40_000 && f.written + 2 <= n) {
      declare('us');
      declare('ru');
      lastDeclaration = f.written;
    } else if (f.now - lastInspection > 9 * 24 * HOUR) {
      // About forty a year, across the pairs: near the quotas, as in New START's first year.
      lastInspection = f.now;
      const [inspector, host, site] = pick([
        ['us', 'ru', 'kozelsk'],
        ['ru', 'us', 'malmstrom'],
        ['us', 'ru', 'engels'],
        ['ru', 'us', 'minot'],
      ] as const);
      const arrival = new Date(f.now + 3 * 24 * HOUR).toISOString();
      const req = add(
        inspector,
        'inspection-request',
        { inspection: 'nst-type-one', host, site, arrival },
        'inspector',
      );
      const cat = site === 'kozelsk' || site === 'malmstrom' ? 'icbm' : 'heavy-bomber';
      const uid = [...holdings.get(host)!.values()].find((it) => it.category === cat && it.site === site)?.uid;
      if (uid && r() < 0.95) {
        const body = {
          request: req,
          inspection: 'nst-type-one',
          host,
          site,
          start: arrival,
          end: new Date(Date.parse(arrival) + 12 * HOUR).toISOString(),
          findings: [
            {
              kind: 'item' as const,
              uid,
              category: cat,
              result: r() < 0.97 ? ('confirmed' as const) : ('mismatch' as const),
            },
          ],
        };
        const escort = `${host}-inspector`;
        f.schedule(16, () =>
          add(
            inspector,
            'inspection-report',
            countersignReport(suite, inspector, body, escort, f.seed(escort)),
            'inspector',
          ),
        );
      }
    } else if (k < 0.28) {
      const it = pick(
        [...holdings.get(side)!.values()].filter((x) => x.category === 'heavy-bomber' || x.category === 'icbm'),
      );
      const to = it.status === 'deployed' ? 'non-deployed' : 'deployed';
      const late = r() < 0.01;
      const at = new Date(f.now - (late ? 7 : r() * 3) * 24 * HOUR).toISOString();
      if (r() < 0.995) {
        const ref = add(side, 'notification', {
          kind: 'status-change',
          rule: 'nst-status-change',
          changes: [{ uid: it.uid, category: it.category, from: it.status, to }],
          site: it.site,
          at,
        });
        answer(ref, other);
      }
      it.status = to;
    } else if (k < 0.5) {
      const it = pick(bombers(side));
      const to = it.site === airBases[side][0] ? airBases[side][1] : airBases[side][0];
      const ref = add(side, 'notification', {
        kind: 'movement',
        rule: 'nst-movement',
        items: [{ uid: it.uid, category: 'heavy-bomber' }],
        from: it.site,
        to,
        at: new Date(f.now - r() * 3 * 24 * HOUR).toISOString(),
      });
      answer(ref, other);
      it.site = to;
    } else if (k < 0.72 || k >= 0.96) {
      troops = Math.max(20000, Math.min(60000, troops + Math.round((r() - 0.5) * 1500)));
      add(
        pick(['us', 'nato']),
        'observation',
        {
          subject: 'ru',
          observedAt: new Date(f.now - HOUR).toISOString(),
          place: { zone: 'ru-ukraine-border-band' },
          quantities: [{ category: 'troops', quantity: troops + Math.round((r() - 0.5) * 1000) }],
          method: 'overhead-imagery',
          evidence: [],
          metric: 'ru-border-band-troops',
        },
        'inspector',
      );
    } else if (k < 0.8) {
      const it = pick(bombers(other));
      add(
        pick(['us', 'ru', 'nato'].filter((p) => p !== other)),
        'observation',
        {
          subject: other,
          observedAt: new Date(f.now - HOUR).toISOString(),
          place: { site: it.site },
          quantities: [],
          items: [{ uid: it.uid, category: 'heavy-bomber' }],
          method: 'on-site',
          evidence: [],
        },
        'inspector',
      );
    } else if (k < 0.9) {
      add(
        pick(['us', 'nato']),
        'observation',
        {
          subject: 'ru',
          observedAt: new Date(f.now - HOUR).toISOString(),
          place: { point: pick(ukrainePoints) },
          quantities: [{ category: 'short-range-glm-launcher', quantity: r() < 0.002 ? 4 : 0 }],
          method: 'overhead-imagery',
          evidence: [],
        },
        'inspector',
      );
    } else if (k < 0.93) {
      const start = f.now + (r() < 0.05 ? 20 : 50) * 24 * HOUR;
      add(side, 'notification', {
        kind: 'activity',
        rule: 'vd11-prior-notification',
        name: text('Exercise'),
        start: new Date(start).toISOString(),
        end: new Date(start + 10 * 24 * HOUR).toISOString(),
        quantities: [{ category: 'troops', quantity: 5000 + Math.floor(r() * 20000) }],
      });
    } else {
      const ref = add(side, 'notification', {
        kind: 'concern',
        rule: 'vd11-unusual-activity',
        addressee: other,
        statement: text('Explain'),
      });
      const x = r();
      if (x >= 0.03) {
        f.schedule(x < 0.04 ? 10 : 1, () =>
          add(other, 'notification', {
            kind: 'explanation',
            rule: 'vd11-unusual-activity',
            concern: ref,
            statement: text('Because'),
          }),
        );
      }
    }
  }
  return f.finish('engine fixture', log);
}
