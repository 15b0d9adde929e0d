/**
 * Confidential entries (issue 14), short runs.
 *
 * 1. Submissions: declarations sealed for two recipients (us, ru) against the same declarations in the clear, each
 *    through a party node's submission pipeline in this process (checks, sealing, signing on the worker thread,
 *    append with a signed checkpoint, inclusion proof), 32 at a time, rounds interleaved so that both see the same
 *    machine. The audience key is published once (HPKE X-Wing) before the rounds. Goal: ratio ≥ 0.8. Each side's
 *    CPU an entry (every thread of the process: the event loop's and the entry worker's) and the event loop's
 *    utilisation are printed beside it: both sides used the same share of the machine in every run of session 8
 *    (about 0.9 cores), so the rate ratio followed the inverse of the CPU ratio.
 *    Part `http`: the same submissions as a party's office makes them, through HTTP to `detente node serve` in a
 *    child process a side (httpSubmissions), with the node's CPU an entry and its clients' beside the rate;
 *    BENCH_NODE_CPUS=0 BENCH_CLIENT_CPUS=1 puts the nodes on one core and the clients on the other (pinClients).
 * 2. Fold: the engine fixture's entries (engine-fixture.ts), every US and Russian entry of a confidential type
 *    sealed for [us, ru] (with its blobs), opened and folded (content key derived per entry, AES-256-GCM,
 *    commitment checked, body parsed) against the same entries folded in the clear under the regime without
 *    audiences; the bench first checks that both give the same state and findings up to the confidential
 *    annotations. Goal: ratio ≤ 2. Cold: every entry decrypted (a node's first fold); warm: a
 *    refold with the openings the cold fold kept (OpenedEntries, as a node's read model keeps them); pipelined: the
 *    cold fold with the sealed entries opened ahead on worker threads (runtime/sealed-openers.ts), by wall time
 *    (the point of the workers) and by the CPU of every thread of the process.
 *
 * 3. Fold from the log: the same, as a node or `detente state --as us` meets it: each entry read from its log, and
 *    a directory whose US and Russian entries are sealed against the same directory in the clear (foldDir, trusting
 *    the store), the sealed entries opened on the reading thread or ahead on one or two worker threads; a node's
 *    first fold, which records in each store the bodies it checked in full, and its fold after a restart, which
 *    trusts that record and only decrypts them (runtime/checked-bodies.ts).
 *
 * Run: npm run build && node dist/bench/confidential.js [entries=100000] [seconds=2] [rounds=3] [part=both]
 * (`part`: submissions, http, fold, log, log-node or both; one part alone is for profiling with --cpu-prof; log-node folds
 * only as a node's read model does, trusting its store with one worker, first and after a restart, so that more
 * rounds fit). The first run builds
 * the fixture directories (BENCH_DIR): minutes for 100,000 entries.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { fromHex } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { OpenedEntries } from '../src/engine/confidential.js';
import { Engine, type EngineOptions } from '../src/engine/engine.js';
import type { EngineEntry } from '../src/engine/types.js';
import { type FoldOptions, foldDir } from '../src/exercise/fold-dir.js';
import { openLogSet, streamEntries } from '../src/exercise/read.js';
import { STORE_FILE } from '../src/log/log-dir.js';
import {
  blobRefsOf,
  isConfidentialType,
  parseRegime,
  type Regime,
  sealEntryBlobs,
  sealedContentKey,
  sealingRandomness,
} from '../src/model/index.js';
import { importRegimeKeys, initNodeDir, readConfig, writeConfig } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { createRecipientKeys } from '../src/node/recipient-keys.js';
import { UserStore } from '../src/node/users.js';
import { nodeSuite, symmetricNode } from '../src/runtime/node-crypto.js';
import { openAhead, SyncSealedOpener } from '../src/runtime/sealed-openers.js';
import { scenarioRegimeText } from '../test/helpers/nodes.js';
import { engineFixture } from './engine-fixture.js';
import { regimeFor } from './fixture-parties.js';
import { fmt, header, mainThreadCpuOf, row, seconds, table } from './harness.js';
import { cpuSecondsOf, pinClients, postJson, serveNode, stopNode } from './http-node.js';
import { CLI } from './node-setup.js';

const N = Number(process.argv[2] ?? 100_000);
const SECONDS = Number(process.argv[3] ?? 2);
const ROUNDS = Number(process.argv[4] ?? 3);
const PART = process.argv[5] ?? 'both';
const CONCURRENT = 32;
const suite = nodeSuite;
const sym = symmetricNode;

/** A node directory of `us` under `text`, with random keys for the other parties (recipient keys included). */
async function nodeDir(dir: string, text: string): Promise<void> {
  const keys: Record<string, string> = {};
  const draft = parseRegime(text, { allowMissingKeys: true });
  const root = mkdtempSync(join(tmpdir(), 'detente-bench-conf-others-'));
  for (const p of draft.parties) {
    const d = p.id === 'us' ? dir : join(root, p.id);
    Object.assign(keys, initNodeDir(d, { party: p.id, regimeText: text }, suite).publicKeys);
    Object.assign(keys, await createRecipientKeys(d, p));
  }
  importRegimeKeys(dir, keys);
  rmSync(root, { recursive: true, force: true });
}

/** A node of `us` under `text` (nodeDir), opened in this process. */
async function node(dir: string, text: string): Promise<PartyNode> {
  await nodeDir(dir, text);
  return PartyNode.open(dir, { peers: [], configure: (c) => (c.witness.enabled = false) });
}

const WARM_UP_MS = 3000;

/**
 * The regimes of the two sides of the submissions benches: the scenario's with a recipient key a party, in the clear,
 * and with declarations sealed for [us, ru].
 */
function submissionRegimes(): { clearText: string; sealedText: string } {
  const doc = YAML.parse(scenarioRegimeText());
  for (const p of doc.parties) p.keys.push({ id: `${p.id}-recipient`, roles: ['recipient'] });
  const clearText = YAML.stringify(doc);
  doc.audiences = [{ types: ['declaration'], parties: ['us', 'ru'], audience: ['us', 'ru'] }];
  return { clearText, sealedText: YAML.stringify(doc) };
}

/** The i-th submission of the benches: a declaration of 10 items, each its own id. */
function declaration(i: number) {
  return {
    nonce: `bench-${i}-nonce`,
    type: 'declaration' as const,
    body: {
      form: 'plain',
      asOf: new Date().toISOString().slice(0, 10),
      items: Array.from({ length: 10 }, (_, k) => ({
        uid: `US-ICBM-${i}-${k}`,
        category: 'icbm',
        site: 'malmstrom',
        status: 'deployed',
        attributes: { warheads: 1 + (k % 3) },
      })),
      quantities: [],
    },
  };
}

async function submissions(): Promise<void> {
  const { clearText, sealedText } = submissionRegimes();
  const root = mkdtempSync(join(tmpdir(), 'detente-bench-conf-'));
  const clear = await node(join(root, 'clear'), clearText);
  const sealed = await node(join(root, 'sealed'), sealedText);
  const user = { name: 'bench', party: 'us', roles: ['declarant' as const] };
  let seq = 0;
  const submitFor = async (n: PartyNode, until: number) => {
    let ok = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        while (performance.now() < until) {
          await n.submissions.submit(user, declaration(seq++));
          ok++;
        }
      }),
    );
    return ok;
  };
  // Warm-up (the sealed node publishes its audience key here). 3 s a side: after 0.5 s the first round was the
  // lowest of every run (0.67-0.73 against 0.78-0.89 for the later ones), and after 3 s it is not: the threads' code
  // and heaps were still settling (docs/BENCHMARKS.md, Session 10, submissions).
  await submitFor(clear, performance.now() + WARM_UP_MS);
  await submitFor(sealed, performance.now() + WARM_UP_MS);
  const ratios: { clear: Side; sealed: Side }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c = await measured(() => submitFor(clear, performance.now() + SECONDS * 1000));
    const s = await measured(() => submitFor(sealed, performance.now() + SECONDS * 1000));
    ratios.push({ clear: c, sealed: s });
  }
  await clear.close();
  await sealed.close();
  rmSync(root, { recursive: true, force: true });
  const mid = [...ratios].sort((a, b) => a.sealed.rate / a.clear.rate - b.sealed.rate / b.clear.rate)[
    Math.floor(ROUNDS / 2)
  ]!;
  header(
    `Submissions, sealed for two recipients vs in the clear (${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONCURRENT} at a time, declarations of 10 items)`,
  );
  table(['what (the median round by ratio)', 'ours', 'baseline', 'ours/baseline', 'goal']);
  row(
    'acknowledged entries/s, sealed vs clear',
    `${fmt(mid.sealed.rate)}/s`,
    `${fmt(mid.clear.rate)}/s`,
    mid.sealed.rate / mid.clear.rate,
    '≥ 0.8',
  );
  perEntryRow('CPU of the process (every thread) an entry', mid.sealed.cpu, mid.clear.cpu);
  perEntryRow(
    "the event loop's CPU an entry (the node's and its in-process clients')",
    mid.sealed.loopCpu,
    mid.clear.loopCpu,
  );
  row(
    "the event loop's share of the round (utilisation), sealed vs clear",
    `${fmt(100 * mid.sealed.loop)} %`,
    `${fmt(100 * mid.clear.loop)} %`,
    mid.sealed.loop / mid.clear.loop,
  );
  console.log(
    `every round, sealed/clear: ${ratios.map((r) => `${fmt(r.sealed.rate)}/${fmt(r.clear.rate)} = ${(r.sealed.rate / r.clear.rate).toFixed(2)}`).join('; ')}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

/**
 * 1b. The same submissions through HTTP, as a party's office makes them: each side's node served by `detente node
 * serve` in a child process (one process, its entry worker), 32 clients in this process on keep-alive connections,
 * each its own user, rounds interleaved. The rate ratio is the goal's, as a node's users see it; the node's CPU an
 * entry (its process, every thread) is printed beside it, and the clients' (the same requests on both sides).
 */
async function httpSubmissions(): Promise<void> {
  const { clearText, sealedText } = submissionRegimes();
  const pinned = pinClients();
  const root = mkdtempSync(join(tmpdir(), 'detente-bench-conf-http-'));
  const served: { name: string; child: ChildProcess; port: number; tokens: string[]; agent: Agent }[] = [];
  try {
    for (const [name, text] of [
      ['clear', clearText],
      ['sealed', sealedText],
    ] as const) {
      const dir = join(root, name);
      await nodeDir(dir, text);
      const config = readConfig(dir);
      config.witness.enabled = false;
      writeConfig(dir, config);
      const users = UserStore.open(join(dir, 'users.sqlite'), suite);
      const tokens = Array.from({ length: CONCURRENT }, (_, i) => users.add(`bench-${i}`, 'us', ['declarant']).token);
      users.close();
      served.push({ name, ...(await serveNode(CLI, dir)), tokens, agent: new Agent({ keepAlive: true }) });
    }
    const refused = new Map<string, number>();
    let seq = 0;
    const submitFor = async (n: (typeof served)[number], until: number) => {
      let ok = 0;
      await Promise.all(
        n.tokens.map(async (token) => {
          while (performance.now() < until) {
            const r = await postJson(
              n.agent,
              n.port,
              token,
              '/api/submissions',
              JSON.stringify(declaration(seq++)),
              false,
            );
            if (typeof r !== 'string' && r.status === 201) ok++;
            else {
              const key = `${typeof r === 'string' ? r : r.status} (${n.name})`;
              refused.set(key, (refused.get(key) ?? 0) + 1);
            }
          }
        }),
      );
      return ok;
    };
    const measuredHttp = async (n: (typeof served)[number]): Promise<HttpSide> => {
      const pid = n.child.pid!;
      const nodeCpu = cpuSecondsOf(pid);
      const loopCpu = mainThreadCpuOf(pid);
      const clientCpu = process.cpuUsage();
      const t = performance.now();
      const k = await submitFor(n, t + SECONDS * 1000);
      const wall = (performance.now() - t) / 1000;
      const client = process.cpuUsage(clientCpu);
      const per = (s: number) => (1e6 * s) / Math.max(1, k);
      return {
        rate: k / wall,
        cpu: per(cpuSecondsOf(pid) - nodeCpu),
        loopCpu: per(mainThreadCpuOf(pid) - loopCpu),
        clientCpu: (client.user + client.system) / Math.max(1, k),
      };
    };
    const [clear, sealed] = served as [(typeof served)[number], (typeof served)[number]];
    await submitFor(clear, performance.now() + WARM_UP_MS);
    await submitFor(sealed, performance.now() + WARM_UP_MS);
    const rounds: { clear: HttpSide; sealed: HttpSide }[] = [];
    for (let r = 0; r < ROUNDS; r++)
      rounds.push({ clear: await measuredHttp(clear), sealed: await measuredHttp(sealed) });
    const ratio = (r: (typeof rounds)[number]) => r.sealed.rate / r.clear.rate;
    const mid = [...rounds].sort((a, b) => ratio(a) - ratio(b))[Math.floor(ROUNDS / 2)]!;
    header(
      `Submissions through HTTP, sealed for two recipients vs in the clear (${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONCURRENT} clients, each node a \`detente node serve\` process)`,
    );
    if (pinned) console.log(pinned);
    table(['what (the median round by ratio)', 'ours', 'baseline', 'ours/baseline', 'goal']);
    row(
      'acknowledged entries/s, sealed vs clear',
      `${fmt(mid.sealed.rate)}/s`,
      `${fmt(mid.clear.rate)}/s`,
      ratio(mid),
      '≥ 0.8',
    );
    perEntryRow("the node's CPU an entry (its process, every thread)", mid.sealed.cpu, mid.clear.cpu);
    perEntryRow("the node's event loop's CPU an entry", mid.sealed.loopCpu, mid.clear.loopCpu);
    perEntryRow("the clients' CPU an entry (this process)", mid.sealed.clientCpu, mid.clear.clientCpu);
    console.log(
      `every round, sealed/clear: ${rounds.map((r) => `${fmt(r.sealed.rate)}/${fmt(r.clear.rate)} = ${ratio(r).toFixed(2)}`).join('; ')}; refused or failed: ${[...refused].map(([s, n]) => `${n} × ${s}`).join(', ') || 0}; load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    for (const n of served) {
      n.agent.destroy();
      await stopNode(n.child);
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** A round of one side through HTTP: acknowledged entries a second, and CPU an entry (µs) of the node, its event loop and the clients. */
interface HttpSide {
  rate: number;
  cpu: number;
  loopCpu: number;
  clientCpu: number;
}

/** A row of a cost an entry (µs), sealed against clear. */
function perEntryRow(what: string, sealed: number, clear: number): void {
  row(`${what}, sealed vs clear`, `${fmt(sealed, 1)} µs`, `${fmt(clear, 1)} µs`, sealed / clear);
}

/** A round of one side: acknowledged entries a second, the process's CPU an entry (µs), the event loop's utilisation. */
interface Side {
  rate: number;
  cpu: number;
  /** The event loop's CPU an entry (µs): the node's and the in-process clients' (the same code on both sides). */
  loopCpu: number;
  loop: number;
}

/**
 * Runs a round and measures it: the entries and wall time, the CPU of every thread of the process (this loop's and
 * the entry worker's: the worker's share is the difference), and the event loop's utilisation.
 */
async function measured(round: () => Promise<number>): Promise<Side> {
  const cpu = process.cpuUsage();
  const loopCpu = mainThreadCpuOf(process.pid);
  const loop = performance.eventLoopUtilization();
  const t = performance.now();
  const n = await round();
  const wall = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    rate: n / wall,
    cpu: (used.user + used.system) / Math.max(1, n),
    loopCpu: (1e6 * (mainThreadCpuOf(process.pid) - loopCpu)) / Math.max(1, n),
    loop: performance.eventLoopUtilization(loop).utilization,
  };
}

/** Seconds of a run: its wall time, and the CPU of every thread of the process. */
type Timed = { wall: number; cpu: number };

function timedCpu(fn: () => void): Timed {
  const c = process.cpuUsage();
  const wall = seconds(fn);
  const d = process.cpuUsage(c);
  return { wall, cpu: (d.user + d.system) / 1e6 };
}

type Folded = ReturnType<Engine['evaluate']>;

/** A fold's state and findings without what says which audience may see them (state.confidential, `audience`). */
function withoutAudiences({ state, findings }: Folded): string {
  const { confidential: _read, ...rest } = state;
  const missing = rest.notifications.missing.map(({ audience: _a, ...m }) => m);
  return canonicalJson({
    state: { ...rest, notifications: { ...rest.notifications, missing } },
    findings: findings.map(({ audience: _a, ...f }) => f),
  });
}

/**
 * The sealed folds fold the same entries as the clear one: their state and findings are the clear fold's, up to the
 * confidential annotations (a sealed entry that did not open would be a finding the clear fold lacks).
 */
function checkSameFold(
  clearRegime: Regime,
  regime: Regime,
  options: Omit<EngineOptions, 'regime'>,
  clear: readonly EngineEntry[],
  sealed: readonly EngineEntry[],
  audienceKey: Uint8Array,
  opener: SyncSealedOpener,
): void {
  const fold = (o: EngineOptions, entries: Iterable<EngineEntry>): Folded => {
    const engine = new Engine(o);
    for (const e of entries) engine.apply(e);
    return engine.evaluate(engine.lastCountedAt ?? 0);
  };
  const keyed = sealed.map((e) =>
    e.envelope.type === 'sealed' ? { ...e, contentKey: sealedContentKey(sym, e.envelope, audienceKey) } : e,
  );
  const want = withoutAudiences(fold({ ...options, regime: clearRegime }, clear));
  const sealedOptions = { ...options, regime, sym, sha256: suite.sha256 };
  for (const [how, entries] of [
    ['opened in the engine', keyed],
    ['opened ahead on workers', openAhead(keyed, opener)],
  ] as const) {
    if (withoutAudiences(fold(sealedOptions, entries)) !== want) {
      throw new Error(`bench: the sealed fold (${how}) differs from the clear fold beyond its audiences`);
    }
  }
}

async function foldBench(): Promise<void> {
  const dir = engineFixture(N);
  const set = openLogSet(dir);
  const clear = [...streamEntries(set, { verify: false })];
  // The clear fold's regime has no audiences (else its entries of bilateral types are charged as widened); the
  // sealed fold's seals what us and ru write of those types for [us, ru].
  const clearRegime = regimeFor(set.regime, 'clear');
  const regime = regimeFor(set.regime, 'sealed');
  const audienceKey = new Uint8Array(32).fill(1);
  const keysRef = { origin: 'bench', index: 0, leafHash: '00'.repeat(32) };
  let sealedCount = 0;
  const sealed: EngineEntry[] = clear.map((e) => {
    if (!isConfidentialType(e.envelope.type) || !['us', 'ru'].includes(e.envelope.party)) return e;
    const { id, salt } = sealingRandomness(sym, audienceKey, new TextEncoder().encode(canonicalJson(e.envelope)));
    sealedCount++;
    // Sealed with its blobs (a declaration's `more`), as a node seals them: the engine opens them with the entry.
    const store = set.logs.find((l) => l.origin === e.origin)!.log.store;
    const plaintexts = blobRefsOf(e.envelope).map((r) => store.blob(fromHex(r.sha256))!);
    const { sealed: envelope, blobs } = sealEntryBlobs(
      sym,
      suite.sha256,
      e.envelope,
      { audience: ['us', 'ru'], keys: keysRef, audienceKey, id, salt },
      plaintexts,
    );
    const { moreItems: _items, blobs: _blobs, ...rest } = e;
    // As a reader decodes it from its leaf, canonical JSON (keys in order, flat strings, not the ropes that toBase64
    // builds): sealEntry builds its keys in another order, which would send the associated data (the canonical
    // envelope) down canonicalJson's slow path, as no reader's entry does.
    return {
      ...rest,
      envelope: JSON.parse(canonicalJson(envelope)),
      ...(blobs.length ? { blobs: blobs.map((b) => b.bytes) } : {}),
    };
  });
  const options = { regimeHash: set.regimeHash, zones: set.zones };
  const rounds: { clear: Timed; sealed: Timed; warm: Timed; uncached: Timed; pipelined: Timed }[] = [];
  // Cold: the reader derives each content key from the audience key (part of the cost) and the engine opens every
  // entry. Warm: a node's refold, with the content keys its AudienceKeys keeps and the openings its read model keeps.
  // Pipelined: the same cold fold, the entries opened ahead on worker threads (runtime/sealed-openers.ts).
  const foldSealed = (opened: OpenedEntries | undefined, keyed?: EngineEntry[], opener?: SyncSealedOpener) => {
    const engine = new Engine({ regime, ...options, sym, sha256: suite.sha256, opened });
    const withKeys: EngineEntry[] = [];
    function* read(): Generator<EngineEntry> {
      for (const e of keyed ?? sealed) {
        const entry =
          keyed || e.envelope.type !== 'sealed'
            ? e
            : { ...e, contentKey: sealedContentKey(sym, e.envelope, audienceKey) };
        withKeys.push(entry);
        yield entry;
      }
    }
    // Ahead on the workers, which also derive the content keys from the audience key (as foldDir has them do).
    const ahead = () => openAhead(keyed ?? sealed, opener!, { audienceKey: () => audienceKey });
    for (const entry of opener ? ahead() : read()) engine.apply(entry);
    engine.evaluate(engine.lastCountedAt ?? 0);
    return withKeys;
  };
  const opener = new SyncSealedOpener();
  checkSameFold(clearRegime, regime, options, clear, sealed, audienceKey, opener);
  // Starts the workers and warms them up.
  const warmUp = sealed
    .slice(0, 5000)
    .map((e) =>
      e.envelope.type === 'sealed' ? { ...e, contentKey: sealedContentKey(sym, e.envelope, audienceKey) } : e,
    );
  for (const _ of openAhead(warmUp, opener));
  for (let r = 0; r < ROUNDS; r++) {
    const c = timedCpu(() => {
      const engine = new Engine({ regime: clearRegime, ...options });
      for (const e of clear) engine.apply(e);
      engine.evaluate(engine.lastCountedAt ?? 0);
    });
    const opened = new OpenedEntries();
    let keyed: EngineEntry[] = [];
    const s = timedCpu(() => {
      keyed = foldSealed(opened);
    });
    const w = timedCpu(() => foldSealed(opened, keyed));
    // The same cold fold keeping nothing (a one-off reader: foldDir): what keeping the openings costs the first fold.
    const u = timedCpu(() => foldSealed(undefined));
    const p = timedCpu(() => foldSealed(new OpenedEntries(), undefined, opener));
    rounds.push({ clear: c, sealed: s, warm: w, uncached: u, pipelined: p });
  }
  opener.close();
  header(
    `Fold of ${fmt(clear.length)} entries, ${fmt(sealedCount)} of them sealed for [us, ru], opened and folded vs folded in the clear (${ROUNDS} interleaved rounds)`,
  );
  table(['what (the median round by its ratio)', 'ours', 'baseline', 'ours/baseline', 'goal']);
  const base = (r: (typeof rounds)[number]) => r.clear;
  secondsRow('decrypt + fold (cold: every entry decrypted), CPU seconds', rounds, (r) => r.sealed, base, 'cpu', '≤ 2');
  secondsRow('decrypt + fold, wall seconds', rounds, (r) => r.sealed, base, 'wall', '≤ 2');
  secondsRow('decrypt + fold (cold), keeping no openings, CPU seconds', rounds, (r) => r.uncached, base, 'cpu', '≤ 2');
  secondsRow(
    `decrypt + fold (cold), opened ahead on ${opener.workers} workers, wall seconds`,
    rounds,
    (r) => r.pipelined,
    base,
    'wall',
    '≤ 2',
  );
  secondsRow('  the same, CPU seconds (every thread of the process)', rounds, (r) => r.pipelined, base, 'cpu', '');
  secondsRow('refold with the openings kept (warm), CPU seconds', rounds, (r) => r.warm, base, 'cpu', '');
}

/** A row of seconds, ours against the baseline's of the same round: the median round by this row's ratio. */
function secondsRow<R>(
  what: string,
  rounds: readonly R[],
  ours: (r: R) => Timed,
  base: (r: R) => Timed,
  of: keyof Timed,
  goal: string,
): void {
  const ratio = (r: R) => ours(r)[of] / base(r)[of];
  const mid = [...rounds].sort((a, b) => ratio(a) - ratio(b))[Math.floor(rounds.length / 2)]!;
  row(what, `${ours(mid)[of].toFixed(2)} s`, `${base(mid)[of].toFixed(2)} s`, ratio(mid), goal);
}

/** Empties the record of checked sealed bodies in each log of `dir` (LogStore.checkedSealedBodies). */
function forgetCheckedBodies(dir: string): void {
  for (const party of readdirSync(dir)) {
    const file = join(dir, party, STORE_FILE);
    if (!existsSync(file)) continue;
    const db = new Database(file);
    // A directory built before stores kept the record has none to forget.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sealed_checked'").get())
      db.exec('DELETE FROM sealed_checked');
    db.close();
  }
}

/**
 * The fold as a node or `detente state --as us` meets it: every entry read from its log (trusting the store, as a
 * node folds what it checked when it appended or mirrored it), the clear directory against the same entries with
 * those of us and ru sealed for [ru, us] (engine-fixture.ts, `clear` and `sealed`), read as us with the exercise's
 * audience keys; the sealed entries opened on this thread or ahead on worker threads (foldDir's `workers`).
 */
function fromLogBench(): void {
  const clearDir = engineFixture(N, console.log, 'clear');
  const sealedDir = engineFixture(N, console.log, 'sealed');
  const fold = (dir: string, options: FoldOptions) => {
    const f = foldDir(dir, { verify: false, ...options });
    return f.engine.evaluate(f.asOf);
  };
  // The same findings (by rule, party and time: the leaf hashes they cite differ), every sealed entry read.
  const summary = (r: Folded) =>
    canonicalJson(r.findings.map((f) => [f.rule, f.party, f.at]).sort((a, b) => (`${a}` < `${b}` ? -1 : 1)));
  const want = summary(fold(clearDir, {}));
  const sealedFold = fold(sealedDir, { readAs: 'us', workers: 0 });
  if (summary(sealedFold) !== want || !sealedFold.state.confidential || sealedFold.state.confidential.hidden.length) {
    throw new Error("bench: the sealed directory read as us does not fold to the clear directory's findings");
  }
  const read = sealedFold.state.confidential.read.reduce((n, a) => n + a.entries, 0);
  // Each sealed variant against the clear fold of the same round that reads as it does: trusting the store (a
  // node's read model), or checking every entry (`detente state --as us` on a directory: the signatures on worker
  // threads, foldDir's default, and the sealed entries opened ahead on one more).
  // The record of checked bodies (runtime/checked-bodies.ts): `none` (forgotten before the fold, which reads none
  // and writes none), `first` (forgotten, then written by the fold: a node's first fold of these entries) or `kept`
  // (the one the `first` fold of the round wrote: a node's fold after a restart).
  const allVariants = [
    { what: 'trusting the store, opened on the reading thread', verify: false, workers: 0, record: 'none' },
    { what: 'trusting the store, opened ahead on 1 worker', verify: false, workers: 1, record: 'none' },
    { what: 'trusting the store, opened ahead on 2 workers', verify: false, workers: 2, record: 'none' },
    {
      what: "trusting the store, 1 worker, a node's first fold (records the bodies it checks)",
      verify: false,
      workers: 1,
      record: 'first',
    },
    {
      what: 'trusting the store and its record of the bodies checked, 1 worker (a restart)',
      verify: false,
      workers: 1,
      record: 'kept',
    },
    { what: 'every entry checked (foldDir as the CLI runs it)', verify: true, workers: undefined, record: 'none' },
  ] as const;
  // Part `log-node`: the node's cases alone (trusting the store, one worker), for more rounds in the same time.
  const variants = PART === 'log-node' ? allVariants.slice(3, 5) : allVariants;
  const rounds: { clear: Partial<Record<'false' | 'true', Timed>>; sealed: Timed[] }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const clear = {
      false: timedCpu(() => fold(clearDir, {})),
      ...(variants.some((v) => v.verify) ? { true: timedCpu(() => fold(clearDir, { verify: true })) } : {}),
    };
    const sealed = variants.map((v) => {
      if (v.record !== 'kept') forgetCheckedBodies(sealedDir);
      return timedCpu(() =>
        fold(sealedDir, {
          readAs: 'us',
          verify: v.verify,
          ...(v.workers === undefined ? {} : { workers: v.workers }),
          ...(v.record === 'first' ? { record: true } : {}),
        }),
      );
    });
    rounds.push({ clear, sealed });
  }
  header(
    `Fold from the log: ${fmt(N)} entries read from their logs, ${fmt(read)} of them sealed for [ru, us] and opened (foldDir, as us), vs the same entries in the clear (${ROUNDS} interleaved rounds)`,
  );
  table(['what (the median round by its ratio)', 'ours', 'baseline', 'ours/baseline', 'goal']);
  variants.forEach((v, i) => {
    const base = (x: (typeof rounds)[number]) => x.clear[`${v.verify}`]!;
    const ours = (x: (typeof rounds)[number]) => x.sealed[i]!;
    secondsRow(`read + decrypt + fold, ${v.what}, wall seconds`, rounds, ours, base, 'wall', '≤ 2');
    secondsRow('  the same, CPU seconds (every thread of the process)', rounds, ours, base, 'cpu', '≤ 2');
  });
}

if (PART === 'both' || PART === 'submissions') await submissions();
if (PART === 'both' || PART === 'http') await httpSubmissions();
if (PART === 'both' || PART === 'fold') await foldBench();
if (PART === 'both' || PART === 'log' || PART === 'log-node') fromLogBench();
