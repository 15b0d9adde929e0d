/**
 * A directory of 57 party logs, one per participating state of the Vienna Document 2011 scenario, holding `n`
 * synthetic, signed, valid entries spread over four simulated years (each log checkpointing every two days). Built
 * once under BENCH_DIR and reused; the 57-party mix of bench/engine.ts.
 *
 * The mix (by count): prior notifications of activities in the zone of application ~40 % (a few late, a few
 * reaching the observation threshold without inviting observers), observations of another state's forces ~30 %
 * (a few above the notification threshold with nothing notified), concerns under ¶16 ~15 % with their explanations
 * (most at the next checkpoint, some late, some never), and each state's annual exchange every December. A small
 * share breaks a rule, so findings accumulate as they would.
 */
import { FixtureParties, rng, text } from './fixture-parties.js';

const SCENARIO = 'vienna-document-2011';
const SEED = 'bench';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Every two days: 57 logs checkpointing every six hours would make building the fixture a matter of hours of
// fsyncs, and what is measured (reading and folding the entries) does not depend on it.
const CHECKPOINT_EVERY = 2 * DAY;
const START = Date.parse('2021-07-02T00:00:00Z');
const SPAN = 4 * 365 * DAY;
const ZONE = 'zone-of-application';
const RULE = 'vd11-prior-notification';
const CONCERN = 'vd11-unusual-activity';

export function engineFixture57(n: number, log: (s: string) => void = console.log): string {
  const f = FixtureParties.open(`engine-57-${n}`, SCENARIO, SEED, START, CHECKPOINT_EVERY);
  if (typeof f === 'string') return f;
  const { regime, hash } = f;
  const add = f.add.bind(f);
  const ids = regime.parties.map((p) => p.id);
  const r = rng(57);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  for (const id of ids) add(id, 'regime-signature', { regime: hash, id: regime.id, version: regime.version });
  f.tick(CHECKPOINT_EVERY);
  const step = SPAN / n;
  let exchangedFor = new Date(f.now).getUTCFullYear();
  while (f.written < n) {
    f.tick(Math.floor(step * (0.5 + r())));
    f.runScheduled(n);
    if (f.written >= n) break;
    // The annual exchange (Ch. I): every state by 10 December, valid from 1 January.
    const date = new Date(f.now);
    if (date.getUTCMonth() === 11 && date.getUTCDate() >= 10 && exchangedFor <= date.getUTCFullYear()) {
      exchangedFor = date.getUTCFullYear() + 1;
      const asOf = `${exchangedFor}-01-01`;
      for (const id of ids)
        if (f.written < n) add(id, 'declaration', { form: 'plain', asOf, items: [], quantities: [] });
      continue;
    }
    const k = r();
    const party = pick(ids);
    if (k < 0.4) {
      const start = f.now + (r() < 0.02 ? 20 : 43 + r() * 20) * DAY;
      const big = r() < 0.01;
      add(party, 'notification', {
        kind: 'activity',
        rule: RULE,
        name: text('Exercise'),
        start: new Date(start).toISOString(),
        end: new Date(start + 7 * DAY).toISOString(),
        zone: ZONE,
        quantities: [{ category: 'troops', quantity: big ? 14000 : 9000 + Math.floor(r() * 3000) }],
      });
    } else if (k < 0.7) {
      const subject = pick(ids.filter((x) => x !== party));
      add(
        party,
        'observation',
        {
          subject,
          observedAt: new Date(f.now - HOUR).toISOString(),
          place: { zone: ZONE },
          quantities: [{ category: 'troops', quantity: r() < 0.002 ? 12000 : 1000 + Math.floor(r() * 6000) }],
          method: 'overhead-imagery',
          evidence: [],
        },
        'inspector',
      );
    } else {
      const addressee = pick(ids.filter((x) => x !== party));
      const ref = add(party, 'notification', {
        kind: 'concern',
        rule: CONCERN,
        addressee,
        statement: text('Explain'),
      });
      const x = r();
      if (x >= 0.03) {
        f.schedule(x < 0.05 ? 10 : 1, () =>
          add(addressee, 'notification', {
            kind: 'explanation',
            rule: CONCERN,
            concern: ref,
            statement: text('Because'),
          }),
        );
      }
    }
  }
  return f.finish('57-party engine fixture', log);
}
