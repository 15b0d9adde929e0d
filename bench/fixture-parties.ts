/**
 * What the engine fixtures (engine-fixture.ts, engine-fixture-57.ts) share: a directory under BENCH_DIR with one
 * log per party of a scenario's regime, entries signed with the scenario's seeds at a simulated clock, appended in
 * batches and checkpointed at simulated boundaries; entries scheduled some checkpoints ahead; the exercise file and
 * the marker of a finished build (a directory with it is reused, one without it refused).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { exerciseAudienceKey } from '../src/exercise/keys.js';
import { REGIME_FILE, scenarioRegime } from '../src/exercise/play.js';
import { initLogDir, logWriter, type OpenLog, openLogDir } from '../src/log/log-dir.js';
import type { LogWriter } from '../src/log/log-writer.js';
import {
  blobRefsOf,
  buildEnvelope,
  CONFIDENTIAL_TYPES,
  type EntryRef,
  type Envelope,
  type EnvelopeFields,
  encodeEntry,
  isConfidentialType,
  parseRegime,
  type Regime,
  regimeBytes,
  regimeHash,
  sealEntryBlobs,
  sealingRandomness,
  signEntry,
} from '../src/model/index.js';
import { nodeSuite, symmetricNode } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { BENCH_DIR } from './fixture-log.js';

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number) {
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
 * What the confidential benchmarks fold: the fixture's entries in the clear under its regime without audiences
 * (`clear`: so its US and Russian entries of bilateral types are not charged as widened), or (`sealed`) with every
 * US and Russian entry of a confidential type (CONFIDENTIAL_TYPES) sealed for [ru, us], as the regime's one
 * audience rule says, under the exercise's audience keys (exerciseAudienceKey: foldDir reads it as a party), blobs
 * included.
 */
export type Confidentiality = 'scenario' | 'clear' | 'sealed';

export const SEALED_FOR = ['ru', 'us'] as const;

/** `regime` without its audiences (`clear`), or with the one rule that seals the benchmarks' entries (`sealed`). */
export function regimeFor(regime: Regime, how: Confidentiality): Regime {
  if (how === 'scenario') return regime;
  const doc = JSON.parse(JSON.stringify(regime, (k, v) => (k === 'audience' || k === 'audiences' ? undefined : v)));
  if (how === 'sealed')
    doc.audiences = [{ types: [...CONFIDENTIAL_TYPES], parties: [...SEALED_FOR], audience: [...SEALED_FOR] }];
  return parseRegime(JSON.stringify(doc), 'json');
}

/** A text in the regime's two languages. */
export const text = (en: string) => ({ en, ru: `${en} (рус.)` });

interface Party {
  log: OpenLog;
  writer: LogWriter;
  size: number;
  batch: Uint8Array[];
}

/** Entries a party's batch holds before it is appended. */
const BATCH = 1024;

export class FixtureParties {
  readonly dir: string;
  readonly regime: Regime;
  readonly hash: string;
  /** The simulated clock (ms), and the next checkpoint's time. */
  now: number;
  boundary: number;
  /** Entries added so far. */
  written = 0;
  readonly #every: number;
  readonly #seeds: Map<string, Uint8Array>;
  readonly #parties = new Map<string, Party>();
  readonly #hasher = new Rfc6962Hasher(nodeSuite.sha256);
  readonly #scheduled = new Map<number, (() => void)[]>();
  readonly #scenario: string;
  readonly #seed: string;
  readonly #started = Date.now();
  readonly #sealing: boolean;

  /**
   * The fixture directory `name` under BENCH_DIR: a string (its path) if it was built already, else a builder of
   * it whose clock starts at `start` and whose logs checkpoint every `every` ms.
   */
  static open(
    name: string,
    scenario: string,
    seed: string,
    start: number,
    every: number,
    how: Confidentiality = 'scenario',
  ): string | FixtureParties {
    const dir = join(BENCH_DIR, how === 'scenario' ? name : `${name}-${how}`);
    if (existsSync(join(dir, 'built.json'))) return dir;
    if (existsSync(dir)) throw new Error(`${dir} exists but is incomplete: remove it`);
    return new FixtureParties(dir, scenario, seed, start, every, how);
  }

  private constructor(dir: string, scenario: string, seed: string, start: number, every: number, how: Confidentiality) {
    const { regime: scenarioOwn, seeds, publicKeys } = scenarioRegime(scenario, seed);
    const regime = regimeFor(scenarioOwn, how);
    this.#sealing = how === 'sealed';
    this.dir = dir;
    this.regime = regime;
    this.hash = regimeHash(regime, nodeSuite.sha256);
    this.now = start;
    this.boundary = start + every;
    this.#every = every;
    this.#seeds = seeds;
    this.#scenario = scenario;
    this.#seed = seed;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, REGIME_FILE), canonicalJson(regime));
    writeFileSync(join(dir, 'keys.json'), JSON.stringify(publicKeys));
    for (const p of regime.parties) {
      const logKey = p.keys.find((k) => k.roles.includes('log'))!;
      initLogDir(join(dir, p.id), p.origin, nodeSuite, seeds.get(logKey.id));
      const log = openLogDir(join(dir, p.id), nodeSuite);
      log.store.putBlob(fromHex(this.hash), regimeBytes(regime));
      this.#parties.set(p.id, { log, writer: logWriter(log, nodeSuite, () => this.boundary), size: 0, batch: [] });
    }
  }

  /** The seed of a key of the scenario (to countersign with). */
  seed(key: string): Uint8Array {
    return this.#seeds.get(key)!;
  }

  /** A party's log (to put blobs in). */
  log(party: string): OpenLog {
    return this.#parties.get(party)!.log;
  }

  /** Signs an entry of `party` with its key of `role`, issued now, and queues it in its log; returns its reference. */
  add(party: string, type: string, body: unknown, role: 'declarant' | 'inspector' = 'declarant'): EntryRef {
    const p = this.#parties.get(party)!;
    const key = `${party}-${role}`;
    let envelope = buildEnvelope({
      type,
      party,
      key,
      issuedAt: new Date(this.now).toISOString(),
      body,
    } as EnvelopeFields);
    if (this.#sealing && isConfidentialType(type) && (SEALED_FOR as readonly string[]).includes(party)) {
      envelope = this.#sealed(p, envelope);
    }
    const leaf = encodeEntry(signEntry(nodeSuite, envelope, this.#seeds.get(key)!));
    p.batch.push(leaf);
    if (p.batch.length >= BATCH) {
      p.writer.append(p.batch);
      p.batch = [];
    }
    this.written++;
    return { origin: p.log.store.origin, index: p.size++, leafHash: toHex(this.#hasher.hashLeaf(leaf)) };
  }

  /**
   * `plain` sealed for SEALED_FOR under its author's exercise audience key of the period, as a node of an exercise
   * seals it (its id and salt from sealingRandomness), its blobs sealed into the store. Its `keys` names the log's
   * first entry: the fixture publishes no audience-key entries, which a fold does not need to open it.
   */
  #sealed(p: Party, plain: Envelope): Envelope {
    const audienceKey = exerciseAudienceKey(this.#scenario, this.#seed, plain.party, SEALED_FOR, plain.issuedAt);
    const store = p.log.store;
    const plaintexts = blobRefsOf(plain).map((r) => store.blob(fromHex(r.sha256))!);
    const random = sealingRandomness(symmetricNode, audienceKey, utf8(canonicalJson(plain)));
    const keys = { origin: store.origin, index: 0, leafHash: '00'.repeat(32) };
    const { sealed, blobs } = sealEntryBlobs(
      symmetricNode,
      nodeSuite.sha256,
      plain,
      { audience: SEALED_FOR, keys, audienceKey, ...random },
      plaintexts,
    );
    for (const b of blobs) store.putBlob(fromHex(b.ref.sha256), b.bytes);
    return sealed;
  }

  /** Appends every party's queued entries (checkpointed at the boundary). */
  flush(): void {
    for (const p of this.#parties.values()) {
      if (p.batch.length) p.writer.append(p.batch);
      p.batch = [];
    }
  }

  /** Moves the clock on by `ms`, appending what is queued at each boundary it passes. */
  tick(ms: number): void {
    this.now += ms;
    while (this.now >= this.boundary) {
      this.flush();
      this.boundary += this.#every;
    }
  }

  /** Runs `f` once the clock has passed the boundary `checkpoints` after the next one. */
  schedule(checkpoints: number, f: () => void): void {
    const at = this.boundary + checkpoints * this.#every;
    const list = this.#scheduled.get(at);
    if (list) list.push(f);
    else this.#scheduled.set(at, [f]);
  }

  /** Runs what is scheduled by the next boundary, while fewer than `n` entries are written. */
  runScheduled(n: number): void {
    for (const [at, list] of this.#scheduled) {
      if (at > this.boundary) continue;
      this.#scheduled.delete(at);
      for (const f of list) if (this.written < n) f();
    }
  }

  /** Appends the rest, closes the logs, writes the exercise file and the marker; returns the directory. */
  finish(label: string, log: (s: string) => void): string {
    this.flush();
    for (const p of this.#parties.values()) p.log.close();
    writeFileSync(
      join(this.dir, 'exercise.json'),
      JSON.stringify({
        format: 'detente-exercise/1',
        scenario: this.#scenario,
        seed: this.#seed,
        regimeHash: this.hash,
        end: new Date(this.now + this.#every).toISOString(),
        parties: [],
        refused: [],
      }),
    );
    const seconds = (Date.now() - this.#started) / 1000;
    writeFileSync(join(this.dir, 'built.json'), JSON.stringify({ entries: this.written, seconds }));
    log(`(built the ${this.written.toLocaleString('en-US')}-entry ${label} in ${seconds.toFixed(0)} s at ${this.dir})`);
    return this.dir;
  }
}
