/**
 * The bounded soak of issue 10, shared by test/soak.test.ts (asserts) and bench/soak.ts (prints): a real three-node
 * federation on 127.0.0.1 under honest submissions at a steady rate and the red team's attacks at once: strangers
 * reading /api/state, /api/entries and /api/evidence from a worker thread, junk add-checkpoint requests and
 * re-cosigns of the public checkpoints, and a dishonest witness (ru's witness key, backdating to 2020) that us's node
 * asks for cosignatures. Every loop is bounded by a count and by the deadline.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
import { witnessPlugin } from '../../src/api/witness.js';
import { parseNote } from '../../src/crypto/note.js';
import { readSeed, witnessName } from '../../src/node/config.js';
import { PartyNode } from '../../src/node/node.js';
import { Witness } from '../../src/node/witness.js';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { cosignerFromSeed } from '../../src/tlog/cosignature.js';
import { formatAddCheckpointRequest } from '../../src/tlog/witness-protocol.js';
import { listen } from './logs.js';
import {
  addUser,
  freePort,
  initNodes,
  PARTIES,
  type RunningNode,
  regimeSignature,
  startNode,
  submit,
  suite,
  until,
} from './nodes.js';

const PARTY_IDS: readonly string[] = PARTIES;
const BACKDATED = 1577836800; // 2020-01-01T00:00:00Z
/** Far enough ahead that every entry of the run counts: states compared at one fixed instant on every node. */
const AS_OF = '2099-01-01T00:00:00.000Z';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Receipt {
  party: string;
  origin: string;
  index: number;
  leafHash: string;
}

export interface Memory {
  rssMiB: number;
  heapMiB: number;
  /** The V8 heap as allocated from the system (used or not): what the heap adds to RSS. */
  heapTotalMiB: number;
  /** Buffers and ArrayBuffers outside the V8 heap (fetch bodies, SQLite blobs handed to JavaScript). */
  externalMiB: number;
}

export interface SoakReport {
  seconds: number;
  acknowledged: number;
  submissionFailures: string[];
  strangerReads: Record<string, number>;
  junkStatuses: Record<string, number>;
  recosignStatuses: Record<string, number>;
  /** `party/index@node` for every receipt whose leaf some node lacks or holds differently. */
  lost: string[];
  statesIdentical: boolean;
  findingsIdentical: boolean;
  /** Entries, on any node, counted before their author signed them (more than the second the timestamps round to). */
  countedBeforeSigned: string[];
  backdatedRefusals: number;
  /** Per node: witness.sqlite (+ WAL) bytes from warm-up to the end, and the rows it keeps against bounds. */
  witness: { party: string; growthBytes: number; cosignatureRows: number; checkpointsSeen: number; refusals: number }[];
  memory: { warm: Memory; end: Memory; peakRssMiB: number };
}

/** Process memory after a full collection, so that garbage not yet collected does not read as a leak. */
function memoryAfterGc(): Memory {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return {
    rssMiB: m.rss / 2 ** 20,
    heapMiB: m.heapUsed / 2 ** 20,
    heapTotalMiB: m.heapTotal / 2 ** 20,
    externalMiB: m.external / 2 ** 20,
  };
}

function witnessBytes(dir: string): number {
  let n = 0;
  for (const f of ['witness.sqlite', 'witness.sqlite-wal']) {
    try {
      n += statSync(join(dir, f)).size;
    } catch {
      // no WAL right now
    }
  }
  return n;
}

const tally = (into: Record<string, number>, key: string | number) => {
  into[key] = (into[key] ?? 0) + 1;
};

/**
 * A dishonest witness: ru's real witness key, a clock stuck on 2020-01-01, cosigning us's log; every other request
 * goes through to the real ru node, so us still mirrors and pushes to ru as usual.
 */
async function dishonestRu(ruDir: string, usVkey: string, ruWitnessName: string, ruUrl: string) {
  const witness = Witness.open(join(ruDir, 'dishonest-witness.sqlite'), {
    cosigners: [cosignerFromSeed(suite, ruWitnessName, readSeed(ruDir, 'ru-witness'))],
    logs: [{ vkey: usVkey }],
    suite,
    clock: () => BACKDATED,
  });
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(witnessPlugin, { witness, submissionPrefix: '/logs/us' });
  await app.register(async (proxy) => {
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    proxy.all('/*', async (req, reply) => {
      const headers: Record<string, string> = {};
      for (const h of ['authorization', 'content-type', 'accept']) {
        const v = req.headers[h];
        if (typeof v === 'string') headers[h] = v;
      }
      const res = await fetch(`${ruUrl}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(req.body as Buffer),
      });
      reply.code(res.status);
      const type = res.headers.get('content-type');
      if (type) reply.header('content-type', type);
      return Buffer.from(await res.arrayBuffer());
    });
  });
  const { base } = await listen(app);
  return {
    url: base,
    async close() {
      await app.close();
      witness.close();
    },
  };
}

/**
 * Strangers in a child process (they are not in the nodes' process, and their buffers must not count as the nodes'
 * memory): CLIENTS loops of reads until the deadline; resolves with the count of each status.
 */
function strangers(urls: string[], until: number, clients: number): Promise<Record<string, number>> {
  const code = `
    const { urls, until, clients } = JSON.parse(process.env.SOAK_STRANGERS);
    const paths = ['/api/state', '/api/entries?limit=20', '/api/evidence?limit=10', '/api/state?asOf=2025-06-01'];
    const statuses = {};
    const client = async (c) => {
      for (let i = 0; i < 1e6 && Date.now() < until; i++) {
        const url = urls[(c + i) % urls.length] + paths[(c * 7 + i) % paths.length];
        let key;
        try { const r = await fetch(url); await r.arrayBuffer(); key = r.status; } catch (e) { key = 'error'; }
        statuses[key] = (statuses[key] || 0) + 1;
        if (key === 429) await new Promise((r) => setTimeout(r, 20));
      }
    };
    Promise.all(Array.from({ length: clients }, (_, c) => client(c))).then(() => process.stdout.write(JSON.stringify(statuses)));
  `;
  const child = spawn(process.execPath, ['-e', code], {
    env: { ...process.env, SOAK_STRANGERS: JSON.stringify({ urls, until, clients }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`strangers exited ${code}`)),
    );
  });
}

async function post(url: string, body: string): Promise<number> {
  try {
    const res = await fetch(url, { method: 'POST', body });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return -1;
  }
}

export async function runSoak(
  root: string,
  seconds: number,
  log: (m: string) => void = () => {},
  regimeText?: string,
): Promise<SoakReport> {
  const dirs = initNodes(() => root, PARTIES, regimeText);
  const ports = new Map<string, number>();
  for (const p of PARTY_IDS) ports.set(p, await freePort());
  const urlOf = (p: string) => `http://127.0.0.1:${ports.get(p)}`;
  const tokens = new Map(PARTY_IDS.map((p) => [p, addUser(dirs.get(p)!, p, 'officer', ['declarant'])]));

  const probe = PartyNode.open(dirs.get('us')!, { peers: [] });
  const ruParty = probe.regime.parties.find((p) => p.id === 'ru')!;
  const usVkey = probe.log.vkey.trim();
  await probe.close();
  const liar = await dishonestRu(dirs.get('ru')!, usVkey, witnessName(ruParty), urlOf('ru'));

  const nodes = new Map<string, RunningNode>();
  try {
    for (const p of PARTY_IDS) {
      const peers = PARTY_IDS.filter((q) => q !== p).map((q) => ({
        party: q,
        url: p === 'us' && q === 'ru' ? liar.url : urlOf(q),
      }));
      nodes.set(p, await startNode(dirs.get(p)!, ports.get(p)!, peers));
    }
    const all = [...nodes.values()];
    const receipts: Receipt[] = [];
    const submissionFailures: string[] = [];
    const honest = async (p: string) => {
      const n = nodes.get(p)!;
      const { status, json } = await submit(n.url, tokens.get(p)!, regimeSignature(n.node));
      if (status !== 201) submissionFailures.push(`${p} ${status} ${JSON.stringify(json).slice(0, 200)}`);
      else receipts.push({ party: p, origin: json.origin, index: json.index, leafHash: json.leafHash });
    };
    const settled = async () => {
      for (const n of all) {
        for (const p of PARTY_IDS) {
          const author = nodes.get(p)!.node;
          if (n.node.servedSize(n.node.logByParty(p)!) !== author.servedSize(author.logByParty(p)!)) return false;
        }
      }
      return true;
    };

    // Warm-up: one entry per party, mirrored everywhere; memory and witness files measured after it.
    for (const p of PARTY_IDS) await honest(p);
    await until('the warm-up entries mirrored on every node', settled, 60_000);
    const warmWitness = new Map(PARTY_IDS.map((p) => [p, witnessBytes(dirs.get(p)!)]));
    let peakRss = 0;

    const started = Date.now();
    const deadline = started + seconds * 1000;
    // Memory's baseline is taken once the full load has run a while (a quarter of the run, at most 30 s): SQLite's
    // page caches, the allocator's arenas and the read model then hold their working set, and what grows after is
    // what the run keeps.
    let warm: Memory | undefined;
    const warmAt = started + Math.min(30_000, (seconds * 1000) / 4);
    const reading = strangers(
      all.map((n) => n.url),
      deadline,
      16,
    );

    const submitting = (async () => {
      // A submission 250 ms after each receipt, round robin over the parties.
      for (let i = 0; i < seconds * 10 && Date.now() < deadline; i++) {
        await honest(PARTIES[i % PARTIES.length]!);
        await sleep(250);
      }
    })();

    const junkStatuses: Record<string, number> = {};
    const recosignStatuses: Record<string, number> = {};
    const attacking = (async () => {
      for (let round = 0; round < seconds * 2 && Date.now() < deadline; round++) {
        const target = all[round % all.length]!;
        const victim = PARTY_IDS.find((p) => p !== target.party && !(target.party === 'us' && p === 'ru'))!;
        const note = nodes.get(victim)!.node.log.store.head()!.checkpoint;
        const size = parseCheckpoint(parseNote(note).text).size;
        const at = `${target.url}/logs/${victim}/add-checkpoint`;
        // Junk proofs under signatures nobody registered: each must be refused and stored nowhere.
        for (let j = 0; j < 3; j++) {
          const junk = formatAddCheckpointRequest({
            oldSize: size,
            proof: [new Uint8Array(32).fill((round + j) % 256)],
            checkpointNote: `${note}— stranger/${round}-${j} ${Buffer.from(`junk ${round} ${j}`.repeat(6)).toString('base64')}\n`,
          });
          tally(junkStatuses, await post(at, junk));
        }
        // The public checkpoint again: the same cosignature, no new row.
        tally(
          recosignStatuses,
          await post(at, formatAddCheckpointRequest({ oldSize: size, proof: [], checkpointNote: note })),
        );
        peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20);
        if (warm === undefined && Date.now() >= warmAt) {
          warm = memoryAfterGc();
          log(
            `warm: rss ${warm.rssMiB.toFixed(0)} MiB, heap ${warm.heapMiB.toFixed(0)}/${warm.heapTotalMiB.toFixed(0)} MiB, external ${warm.externalMiB.toFixed(0)} MiB`,
          );
        }
        await sleep(500);
      }
    })();

    await Promise.all([submitting, attacking]);
    const strangerReads = await reading;
    log(`load done after ${((Date.now() - started) / 1000).toFixed(0)} s: ${receipts.length} acknowledged`);
    // Memory is measured here, at the end of the load: what follows is this harness's own checking (every entry of
    // every node decoded into arrays, states as of another date folded), whose freed memory the allocator may keep.
    const loaded = memoryAfterGc();
    log(
      `end of load: rss ${loaded.rssMiB.toFixed(0)} MiB, heap ${loaded.heapMiB.toFixed(0)}/${loaded.heapTotalMiB.toFixed(0)} MiB, external ${loaded.externalMiB.toFixed(0)} MiB`,
    );

    // Settle: every mirror at its author's size, then the same state and findings everywhere (read with a token:
    // the strangers spent this address's allowance).
    await until('every mirror at its author’s size', settled, 120_000);
    const read = (n: RunningNode, what: string) =>
      fetch(`${n.url}/api/${what}?asOf=${AS_OF}`, {
        headers: { authorization: `Bearer ${tokens.get(n.party)}` },
      }).then((r) => r.text());
    let states: string[] = [];
    let findings: string[] = [];
    try {
      await until(
        'the same state and findings on every node',
        async () => {
          states = await Promise.all(all.map((n) => read(n, 'state')));
          findings = await Promise.all(all.map((n) => read(n, 'findings')));
          return new Set(states).size === 1 && new Set(findings).size === 1;
        },
        60_000,
      );
    } catch {
      // reported below as not identical
    }

    const lost: string[] = [];
    const countedBeforeSigned: string[] = [];
    for (const n of all) {
      const held = new Map(n.node.allEntries().map((e) => [`${e.origin}/${e.index}`, e]));
      for (const r of receipts) {
        if (held.get(`${r.origin}/${r.index}`)?.leafHash !== r.leafHash) lost.push(`${r.party}/${r.index}@${n.party}`);
      }
      for (const e of held.values()) {
        if (e.countedAt < Date.parse(e.envelope.issuedAt) - 999)
          countedBeforeSigned.push(`${e.origin}/${e.index}@${n.party}`);
      }
    }
    const us = nodes.get('us')!.node;
    const backdatedRefusals = us
      .evidencePage(0, 100)
      .items.filter(
        (i) =>
          i.evidence.format === 'detente-cosignature-refusal/v1' &&
          (i.evidence as { rule?: string }).rule === 'before-signed',
      ).length;
    const witness = all.map((n) => {
      const w = n.node.witness!;
      let rows = 0;
      let seen = 0;
      let refusals = 0;
      for (const p of PARTY_IDS.filter((q) => q !== n.party)) {
        const l = n.node.logByParty(p)!;
        rows += w.cosignatures(l.origin).length;
        refusals += w.refusals(l.origin).length;
        seen += n.node.servedSize(l);
      }
      return {
        party: n.party,
        growthBytes: witnessBytes(n.dir) - warmWitness.get(n.party)!,
        cosignatureRows: rows,
        checkpointsSeen: seen,
        refusals,
      };
    });
    const checked = memoryAfterGc();
    log(
      `after the checks: rss ${checked.rssMiB.toFixed(0)} MiB, heap ${checked.heapMiB.toFixed(0)}/${checked.heapTotalMiB.toFixed(0)} MiB, external ${checked.externalMiB.toFixed(0)} MiB`,
    );
    const end = loaded;
    warm ??= end;
    return {
      seconds,
      acknowledged: receipts.length,
      submissionFailures,
      strangerReads,
      junkStatuses,
      recosignStatuses,
      lost,
      statesIdentical: states.length === 3 && new Set(states).size === 1,
      findingsIdentical: findings.length === 3 && new Set(findings).size === 1,
      countedBeforeSigned,
      backdatedRefusals,
      witness,
      memory: { warm, end, peakRssMiB: Math.max(peakRss, end.rssMiB) },
    };
  } finally {
    for (const n of nodes.values()) await n.close();
    await liar.close();
  }
}
