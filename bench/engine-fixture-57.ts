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
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { REGIME_FILE, scenarioRegime } from '../src/exercise/play.js';
import { initLogDir, logWriter, type OpenLog, openLogDir } from '../src/log/log-dir.js';
import type { LogWriter } from '../src/log/log-writer.js';
import {
  buildEnvelope,
  type EntryRef,
  type EnvelopeFields,
  encodeEntry,
  regimeBytes,
  regimeHash,
  signEntry,
} from '../src/model/index.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { rng } from './engine-fixture.js';
import { BENCH_DIR } from './fixture-log.js';

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

const text = (en: string) => ({ en, ru: `${en} (рус.)` });

export function engineFixture57(n: number, log: (s: string) => void = console.log): string {
  const dir = join(BENCH_DIR, `engine-57-${n}`);
  const done = join(dir, 'built.json');
  if (existsSync(done)) return dir;
  if (existsSync(dir)) throw new Error(`${dir} exists but is incomplete: remove it`);
  const started = Date.now();
  const suite = nodeSuite;
  const { regime, seeds, publicKeys } = scenarioRegime(SCENARIO, SEED);
  const hash = regimeHash(regime, suite.sha256);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, REGIME_FILE), canonicalJson(regime));
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(publicKeys));
  const hasher = new Rfc6962Hasher(suite.sha256);
  let now = START;
  let boundary = START + CHECKPOINT_EVERY;
  interface Party {
    id: string;
    log: OpenLog;
    writer: LogWriter;
    size: number;
    batch: Uint8Array[];
  }
  const parties = new Map<string, Party>();
  for (const p of regime.parties) {
    const logKey = p.keys.find((k) => k.roles.includes('log'))!;
    initLogDir(join(dir, p.id), p.origin, suite, seeds.get(logKey.id));
    const l = openLogDir(join(dir, p.id), suite);
    l.store.putBlob(fromHex(hash), regimeBytes(regime));
    parties.set(p.id, { id: p.id, log: l, writer: logWriter(l, suite, () => boundary), size: 0, batch: [] });
  }
  const ids = [...parties.keys()];
  const flush = () => {
    for (const p of parties.values()) {
      if (p.batch.length) p.writer.append(p.batch);
      p.batch = [];
    }
  };
  const r = rng(57);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  let written = 0;
  const add = (party: string, type: string, body: unknown, role: 'declarant' | 'inspector' = 'declarant') => {
    const p = parties.get(party)!;
    const key = `${party}-${role}`;
    const envelope = buildEnvelope({ type, party, key, issuedAt: new Date(now).toISOString(), body } as EnvelopeFields);
    const leaf = encodeEntry(signEntry(suite, envelope, seeds.get(key)!));
    p.batch.push(leaf);
    if (p.batch.length >= 1024) {
      p.writer.append(p.batch);
      p.batch = [];
    }
    written++;
    const ref: EntryRef = { origin: p.log.store.origin, index: p.size++, leafHash: toHex(hasher.hashLeaf(leaf)) };
    return ref;
  };
  const tick = (ms: number) => {
    now += ms;
    while (now >= boundary) {
      flush();
      boundary += CHECKPOINT_EVERY;
    }
  };
  const scheduled = new Map<number, (() => void)[]>();
  const schedule = (checkpoints: number, f: () => void) => {
    const at = boundary + checkpoints * CHECKPOINT_EVERY;
    const list = scheduled.get(at);
    if (list) list.push(f);
    else scheduled.set(at, [f]);
  };

  for (const id of ids) add(id, 'regime-signature', { regime: hash, id: regime.id, version: regime.version });
  tick(CHECKPOINT_EVERY);
  const step = SPAN / n;
  let exchangedFor = new Date(now).getUTCFullYear();
  while (written < n) {
    tick(Math.floor(step * (0.5 + r())));
    for (const [at, list] of scheduled) {
      if (at > boundary) continue;
      scheduled.delete(at);
      for (const f of list) if (written < n) f();
    }
    if (written >= n) break;
    // The annual exchange (Ch. I): every state by 10 December, valid from 1 January.
    const date = new Date(now);
    if (date.getUTCMonth() === 11 && date.getUTCDate() >= 10 && exchangedFor <= date.getUTCFullYear()) {
      exchangedFor = date.getUTCFullYear() + 1;
      const asOf = `${exchangedFor}-01-01`;
      for (const id of ids) if (written < n) add(id, 'declaration', { form: 'plain', asOf, items: [], quantities: [] });
      continue;
    }
    const k = r();
    const party = pick(ids);
    if (k < 0.4) {
      const start = now + (r() < 0.02 ? 20 : 43 + r() * 20) * DAY;
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
          observedAt: new Date(now - HOUR).toISOString(),
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
        schedule(x < 0.05 ? 10 : 1, () =>
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
  flush();
  for (const p of parties.values()) p.log.close();
  writeFileSync(
    join(dir, 'exercise.json'),
    JSON.stringify({
      format: 'detente-exercise/1',
      scenario: SCENARIO,
      seed: SEED,
      regimeHash: hash,
      end: new Date(now + CHECKPOINT_EVERY).toISOString(),
      parties: [],
      refused: [],
    }),
  );
  writeFileSync(done, JSON.stringify({ entries: written, seconds: (Date.now() - started) / 1000 }));
  log(
    `(built the ${n.toLocaleString('en-US')}-entry 57-party engine fixture in ${((Date.now() - started) / 1000).toFixed(0)} s at ${dir})`,
  );
  return dir;
}
