/**
 * One party's node, composed: its own log (written only through the submission pipeline), a mirror of each peer's
 * log, the witness that cosigns peers' checkpoints, the witness client that asks peers to cosign its own, gossip
 * that compares what peers serve for each log, and the equivocation evidence all of these find.
 *
 * Loops (each one round at a time, never overlapping itself; while rounds change nothing, a loop backs off to a round
 * every few seconds, and a batch of the own log's or a peer's push puts it back on its interval: IDLE_MAX_MS):
 * - mirror: every `mirror.syncEveryMs`, each peer's log is synced (LogMirror; every new entry decoded and verified
 *   under the regime, and required to be the peer's party's), then the cosignatures the peer serves for the
 *   mirrored checkpoint are fetched, verified against the regime's witness and mirror keys and stored
 *   (cosignature-client.ts);
 * - witness client: every `witness.requestEveryMs` (and after each batch), the own log's latest checkpoint is sent
 *   to each peer's witness (C2SP tlog-witness add-checkpoint, with a consistency proof from the size that witness
 *   last cosigned), and the cosignatures returned are verified and stored (cosignature-client.ts);
 * - gossip: every `gossip.everyMs`, for each log this node holds (its own included), the checkpoint this node holds
 *   and the checkpoints every other peer serves for it are compared (detectFork); a log that showed two histories
 *   to two peers is caught in one round, and the evidence is kept in `evidence/`.
 *
 * The seam for the engine: `allEntries()` returns every entry of every log this node holds (own and mirrored,
 * decoded; a log proven to have forked only up to where its branches part), each with its origin, index, leaf hash
 * and `countedAt` (src/federation/counted-time.ts: from signed data only, the same on every node).
 *
 * One file past 500 lines: it is the composition root of the node, and each part it wires is a file of its own
 * (mirror, witness, cosignature-client, push-mirroring, submissions, log-times, evidence-store); what remains here
 * is the loops that connect them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64, fromHex, toBase64, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { SEALED_BLOB_OVERHEAD } from '../crypto/hpke/index.js';
import { parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { formatVerifierKey } from '../crypto/vkey.js';
import {
  type CosignatureSelection,
  MAX_COSIGNATURE_LINES,
  selectCosignatures,
} from '../federation/cosignature-selection.js';
import type { RefusedCosignature } from '../federation/counted-time.js';
import { type EquivocationEvidence, EVIDENCE_FORMAT, verifyEvidence } from '../federation/evidence.js';
import { detectFork, type Observation } from '../federation/gossip.js';
import { httpTileSource, MAX_CHECKPOINT_BYTES, readBounded } from '../federation/http-tile-source.js';
import { logWriter, type OpenLog, openLogDir } from '../log/log-dir.js';
import type { LogWriter } from '../log/log-writer.js';
import { consistencyProofFromStore, inclusionProofFromStore } from '../log/proofs.js';
import { storeTileSource } from '../log/store-tile-source.js';
import {
  type BlobRef,
  blobRefsOf,
  type ConsultationStep,
  decodeEntry,
  type EntryRef,
  type Envelope,
  type Item,
  itemsOfBlobs,
  type Party,
  type Regime,
  regimeHash,
  regimeIndex,
  verifyEntry,
} from '../model/index.js';
import { AcceptedEntries } from '../runtime/accepted-entries.js';
import { EntryWorkers } from '../runtime/entry-workers.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { LogStore } from '../store/store.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import { type CosignatureVerifier, cosignerFromSeed, parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import { logSignedOnly } from '../tlog/cosigned-checkpoint.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import type { RandomSource } from './audience-keys.js';
import {
  loadRegime,
  mirrorVkeyOf,
  type NodeConfig,
  type PeerConfig,
  readConfig,
  readSeed,
  witnessKeyOf,
  witnessName,
  witnessVkeyOf,
} from './config.js';
import { CosignatureClient, type CosignatureFeedRow, type CosignTarget } from './cosignature-client.js';
import { type AnyEvidence, EvidenceStore, type Fork } from './evidence-store.js';
import { LogTimes } from './log-times.js';
import { LogMirror, mirroredCheckpoint } from './mirror.js';
import { type MirrorReceipt, PushMirroring } from './push-mirroring.js';
import { readRecipientKeys } from './recipient-keys.js';
import { Serial } from './serial.js';
import { SubmissionPipeline } from './submissions.js';
import { UserStore } from './users.js';
import { Witness } from './witness.js';

export interface NodeEntry {
  origin: string;
  party: string;
  index: number;
  /** RFC 6962 leaf hash, lowercase hex. */
  leafHash: string;
  /** ms since the epoch: see the module comment. */
  countedAt: number;
  envelope: Envelope;
  /** base64 Ed25519 signature. */
  sig: string;
}

export interface LogInfo {
  party: string;
  origin: string;
  vkey: string;
  /** Cosignature verifier keys of the other parties' witnesses. */
  witnesses: string[];
  store: LogStore;
  own: boolean;
}

export interface MirrorState {
  party: string;
  url: string;
  origin: string;
  store: SqliteStore;
  mirror: LogMirror;
  lastSync?: number;
  lastError?: string;
  /** The round in progress, if any (rounds of one mirror never overlap). */
  running?: Promise<void>;
  /** Entries below this index have had their declarations' blobs fetched. */
  blobScan: number;
  /** The store's writers take turns: this mirror's polling rounds and the push receiver's commits. */
  serial: Serial;
  /** A second look at the peer's cosignatures, due a moment after a push (see #followPush). */
  lookAgain?: NodeJS.Timeout;
}

export interface PartyNodeOptions {
  suite?: CryptoSuite;
  /**
   * Cosignature lines a served checkpoint carries beside the log's signature (default, and at most, 99: a note has
   * at most 100 signature lines). Tests lower it to play a federation whose policy needs more lines than fit.
   */
  cosignatureLines?: number;
  /** ms since the epoch (checkpoint times, default issuedAt). */
  clock?: () => number;
  /** Override the peers of node.json (tests: ports known only at start). */
  peers?: PeerConfig[];
  /** Override intervals and batching. */
  configure?: (config: NodeConfig) => void;
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Per-request deadline for peer requests (default 5 s). */
  timeoutMs?: number;
  /** The randomness of audience keys and their wrapping (exercises only: see AudienceKeysOptions.random). */
  sealingRandom?: RandomSource;
  /**
   * Whether idle loops back off (default true: IDLE_MAX_MS). Off, every loop runs on its interval: what polling cost
   * before the back-off (bench/mirror-push.ts's baseline).
   */
  idleBackoff?: boolean;
}

/** The blobs an entry's public envelope names: a sealed entry's ciphertexts, or those of an entry in the clear. */
function publicBlobRefs(envelope: Envelope): readonly BlobRef[] {
  return envelope.type === 'sealed' ? (envelope.body.blobs ?? []) : blobRefsOf(envelope);
}

/** The largest blob a node stores or fetches (a declaration's items beyond those in the entry). */
export const MAX_BLOB = 1 << 20;
/** Bounds on what a peer may send (M3): a page of evidence (cosignatures: cosignature-client.ts). */
const EVIDENCE_PAGE = 20;
const MAX_EVIDENCE_BYTES = 4 << 20;
/** How long after a push the node looks again at the peer's cosignatures (its witnesses' round takes a moment). */
const LOOK_AGAIN_MS = 1500;
/**
 * How far an idle loop backs off: each round after which nothing the node holds changed doubles the wait, up to
 * this (never below the loop's own interval). A change, a push received or a batch of the own log's puts every loop
 * back on its interval at once, so an idle federation polls every few seconds and a busy one as configured.
 */
export const IDLE_MAX_MS = 8000;

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export class PartyNode {
  readonly dir: string;
  readonly config: NodeConfig;
  readonly suite: CryptoSuite;
  readonly regime: Regime;
  readonly regimeText: string;
  readonly regimeHash: string;
  readonly party: Party;
  readonly log: OpenLog;
  // Signs each batch of submissions on a worker thread, while the event loop checks the next requests.
  // Entries' CPU off the event loop: submissions prepared and signed, peers' bundles verified (started on first use).
  readonly #workers: EntryWorkers;
  /** Submissions prepared and signed by the node's HTTP acceptor processes (api/acceptors.ts), if it runs any. */
  readonly acceptedEntries: AcceptedEntries;
  readonly writer: LogWriter;
  readonly hasher: Rfc6962Hasher;
  readonly users: UserStore;
  readonly witness: Witness | undefined;
  readonly submissions: SubmissionPipeline;
  readonly mirrors = new Map<string, MirrorState>();
  /** C2SP tlog-mirror: the receiver of peers' pushes, the pusher of the own log (push-mirroring.ts). */
  readonly pushMirroring: PushMirroring;
  readonly #logs = new Map<string, LogInfo>();
  readonly #witnessVerifiers: Map<string, { party: string; verifier: CosignatureVerifier }>;
  readonly #cosignTargets: CosignTarget[] = [];
  readonly #cosigning: CosignatureClient;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Each loop's interval, its wait now (longer while idle: IDLE_MAX_MS) and its wake-up. */
  readonly #loops = new Map<string, { interval: number; wait: () => number; wake: () => void }>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #logger: NonNullable<PartyNodeOptions['logger']>;
  readonly #timeoutMs: number;
  readonly #idleBackoff: boolean;
  readonly #evidence: EvidenceStore;
  /** Every witness and mirror cosigner key of the regime (`<name>\n<key id>`) to its vkey, for evidence. */
  readonly #witnessVkeys = new Map<string, string>();
  /** The regime's mirror keys, the own party's among them: their cosignatures are receipts. */
  readonly #mirrorVerifiers = new Map<string, { party: string; verifier: CosignatureVerifier }>();
  readonly #logTimes = new Map<string, LogTimes>();
  readonly #refusalsLogged = new Set<string>();
  readonly #clock: () => number;
  readonly #cosignatureLines: number;
  #closed = false;
  #cosignRequested = false;
  #version = 0;
  #versionMemo: string | undefined;
  /** The blobs public envelopes name, as of a data version: what publicBlob serves. */
  #publicBlobs: { version: string; names: Set<string> } | undefined;
  #timelines: { version: string; byOrigin: Map<string, { size: number; time: number }[]> } = {
    version: '',
    byOrigin: new Map(),
  };
  /** Each log's decoded entries by index, as far as they were read (see indexEntries). */
  readonly #entryIndex = new Map<string, Omit<NodeEntry, 'countedAt'>[]>();
  /** Set when stored data no longer decodes (a broken disk): reported by /api/health. */
  storeProblem: string | undefined;

  private constructor(dir: string, options: PartyNodeOptions) {
    this.dir = dir;
    this.suite = options.suite ?? nodeSuite;
    this.config = readConfig(dir);
    if (options.peers) this.config.peers = options.peers;
    options.configure?.(this.config);
    this.#logger = options.logger ?? (() => {});
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#idleBackoff = options.idleBackoff ?? true;
    this.#clock = options.clock ?? Date.now;
    this.#cosignatureLines = Math.min(options.cosignatureLines ?? MAX_COSIGNATURE_LINES, MAX_COSIGNATURE_LINES);
    const { regime, text } = loadRegime(dir, this.config, this.suite);
    this.regime = regime;
    this.regimeText = text;
    this.regimeHash = regimeHash(regime, this.suite.sha256);
    const ix = regimeIndex(regime);
    const party = ix.parties.get(this.config.party);
    if (!party) throw new DetenteError('BAD_INPUT', `no party ${this.config.party} in the regime`);
    this.party = party;
    this.hasher = new Rfc6962Hasher(this.suite.sha256);

    this.#witnessVerifiers = new Map();
    for (const p of regime.parties) {
      const vkey = witnessVkeyOf(p, this.suite);
      if (vkey) {
        const verifier = parseCosignatureVerifierKey(vkey, this.suite);
        this.#witnessVerifiers.set(`${verifier.name}\n${verifier.keyId}`, { party: p.id, verifier });
        this.#witnessVkeys.set(`${verifier.name}\n${verifier.keyId}`, vkey);
      }
      const mirrorVkey = mirrorVkeyOf(p, this.suite);
      if (mirrorVkey) {
        const verifier = parseCosignatureVerifierKey(mirrorVkey, this.suite);
        this.#mirrorVerifiers.set(`${verifier.name}\n${verifier.keyId}`, { party: p.id, verifier });
        this.#witnessVkeys.set(`${verifier.name}\n${verifier.keyId}`, mirrorVkey);
      }
    }

    this.log = openLogDir(join(dir, 'log'), this.suite);
    const logKey = party.keys.find((k) => k.roles.includes('log'))!;
    const expected = formatVerifierKey(this.suite.sha256, party.origin, fromBase64(logKey.publicKey!));
    if (this.log.vkey !== expected) {
      this.log.close();
      throw new DetenteError('STORE_ERROR', `the log's key is not the regime's key ${logKey.id} of ${party.id}`);
    }
    this.writer = logWriter(this.log, this.suite, options.clock);
    this.writer.init();
    this.#logs.set(party.id, {
      party: party.id,
      origin: party.origin,
      vkey: this.log.vkey,
      witnesses: this.#witnessesFor(party.id),
      store: this.log.store,
      own: true,
    });

    this.users = UserStore.open(join(dir, 'users.sqlite'), this.suite);

    const seeds = new Map<string, Uint8Array>();
    for (const k of party.keys) {
      if (k.roles.includes('declarant') || k.roles.includes('inspector')) seeds.set(k.id, readSeed(dir, k.id));
    }
    const recipient = readRecipientKeys(dir, party);
    for (const id of recipient.missing) {
      this.#logger('warn', `recipient key "${id}" is not on this node: entries sealed for it cannot be read here`);
    }
    this.#workers = new EntryWorkers({ regime, party: party.id, seeds });
    this.acceptedEntries = new AcceptedEntries(this.#workers);
    this.submissions = new SubmissionPipeline({
      suite: this.suite,
      regime,
      party,
      seeds,
      recipientKeys: recipient.keys,
      sealingRandom: options.sealingRandom,
      logger: this.#logger,
      store: this.log.store,
      writer: this.writer,
      hasher: this.hasher,
      refExists: (ref) => this.refExists(ref),
      consultationStep: (ref) => this.consultationStep(ref),
      maxEntries: this.config.batch.maxEntries,
      maxDelayMs: this.config.batch.maxDelayMs,
      clock: options.clock,
      onBatch: () => {
        this.wake();
        this.#cosignSoon();
        this.#track(this.pushMirroring.pusher.push());
      },
      preparer: this.acceptedEntries,
    });

    const witnessKey = witnessKeyOf(party);
    if (this.config.witness.enabled && witnessKey) {
      const others = regime.parties.filter((p) => p.id !== party.id);
      this.witness = Witness.open(join(dir, 'witness.sqlite'), {
        cosigners: [cosignerFromSeed(this.suite, witnessName(party), readSeed(dir, witnessKey.id))],
        logs: others.map((p) => ({ vkey: this.#logVkeyOf(p) })),
        suite: this.suite,
        clock: () => Math.floor(this.#clock() / 1000),
      });
    }

    mkdirSync(join(dir, 'mirrors'), { recursive: true });
    mkdirSync(join(dir, 'evidence'), { recursive: true });
    const pushed: ConstructorParameters<typeof PushMirroring>[0]['peers'][number][] = [];
    for (const peer of this.config.peers) {
      const p = ix.parties.get(peer.party);
      if (!p || p.id === party.id) throw new DetenteError('BAD_INPUT', `peer ${peer.party} is not another party`);
      const store = SqliteStore.open(join(dir, 'mirrors', `${sanitize(p.id)}.sqlite`), p.origin, { create: true });
      const vkey = this.#logVkeyOf(p);
      const url = peer.url.replace(/\/+$/, '');
      const validate = (entry: Uint8Array) => {
        const signed = decodeEntry(entry);
        if (signed.envelope.party !== p.id) {
          throw new DetenteError('KEY_UNKNOWN', `an entry of "${signed.envelope.party}" in the log of "${p.id}"`);
        }
        verifyEntry(this.suite, regime, signed);
      };
      const serial = new Serial();
      pushed.push({ party: p.id, url, vkey, store, validate, serial });
      const mirror = new LogMirror({
        store,
        source: httpTileSource(`${url}/logs/${p.id}`, { timeoutMs: this.#timeoutMs }),
        vkey,
        suite: this.suite,
        validate,
        // validate's checks, on the worker threads while the bundle streams in (the push receiver keeps validate).
        validateMany: this.#workers.validatorFor(p.id),
        onEvidence: (e) => this.recordEvidence(e, `mirror of ${p.id}`),
        clock: this.#clock,
      });
      this.mirrors.set(p.id, { party: p.id, url, origin: p.origin, store, mirror, blobScan: 0, serial });
      this.#logs.set(p.id, {
        party: p.id,
        origin: p.origin,
        vkey,
        witnesses: this.#witnessesFor(p.id),
        store,
        own: false,
      });
      const wkey = witnessVkeyOf(p, this.suite);
      if (wkey) {
        this.#cosignTargets.push({
          party: p.id,
          url,
          verifier: parseCosignatureVerifierKey(wkey, this.suite),
          size: 0,
        });
      }
    }
    this.#evidence = new EvidenceStore(join(dir, 'evidence'));
    this.pushMirroring = new PushMirroring({
      dir,
      party,
      regime,
      suite: this.suite,
      hasher: this.hasher,
      ownStore: this.log.store,
      peers: pushed,
      clock: this.#clock,
      fetch: (url, init) => this.#fetch(url, init),
      logger: this.#logger,
      // What the polling round does beyond mirroring (blobs, the peer's cosignatures) follows a push at once.
      follow: (peer) => this.#followPush(peer),
      unanswered: (peer) => this.#cosigning.lostAnswer(peer, 'receipt'),
    });
    this.#cosigning = new CosignatureClient({
      party: party.id,
      store: this.log.store,
      hasher: this.hasher,
      targets: this.#cosignTargets,
      cosigner: (key) => this.#witnessVerifiers.get(key) ?? this.#mirrorVerifiers.get(key),
      rootAt: (peer, size) => fromHex(this.#times(this.#logs.get(peer)!).rootAt(size)),
      fetch: (url, init) => this.#fetch(url, init),
      logger: this.#logger,
      touch: () => this.touch(),
      closed: () => this.#closed,
    });
  }

  /**
   * The counterparts' mirror cosignatures of the own log's checkpoint of `size`: each peer's receipt of every entry
   * up to it (C2SP tlog-mirror). An entry is received by a peer at the earliest such timestamp of a checkpoint that
   * contains it.
   */
  mirrorReceipts(size: number): MirrorReceipt[] {
    return this.pushMirroring.receipts(size);
  }

  /**
   * The receipts held for any log at a size: mirror cosignatures by parties other than the log's own (each verified
   * when stored). For the own log these are `mirrorReceipts`; for a mirrored log, this node's own receipt and those
   * fetched from the author with `/api/cosignatures`. They are what deadlines binding the author count from.
   */
  receipts(
    log: LogInfo,
    size: number,
  ): { party: string; name: string; keyId: number; timestamp: number; line: string }[] {
    const out = [];
    for (const c of log.store.cosignatures(size)) {
      const m = this.#mirrorVerifiers.get(`${c.name}\n${c.keyId}`);
      if (m && m.party !== log.party) out.push({ party: m.party, ...c, line: c.line.trimEnd() });
    }
    return out;
  }

  /** The verifier keys of the mirrors whose cosignatures are receipts of a party's log (every other party's). */
  receiptVkeysFor(partyId: string): string[] {
    return [...this.#mirrorVerifiers.entries()]
      .filter(([, m]) => m.party !== partyId)
      .map(([key]) => this.#witnessVkeys.get(key)!);
  }

  /** Where the node reports what it does (its caller's logger, or nowhere). */
  get logger(): NonNullable<PartyNodeOptions['logger']> {
    return this.#logger;
  }

  static open(dir: string, options: PartyNodeOptions = {}): PartyNode {
    return new PartyNode(dir, options);
  }

  #logVkeyOf(p: Party): string {
    const key = p.keys.find((k) => k.roles.includes('log'));
    if (!key?.publicKey) throw new DetenteError('KEY_UNKNOWN', `party ${p.id} has no log key`);
    return formatVerifierKey(this.suite.sha256, p.origin, fromBase64(key.publicKey));
  }

  #witnessesFor(partyId: string): string[] {
    return this.regime.parties
      .filter((p) => p.id !== partyId)
      .map((p) => witnessVkeyOf(p, this.suite))
      .filter((v): v is string => v !== undefined);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Logs, entries, proofs

  /** Every log this node holds: its own first, then the mirrors. */
  logs(): LogInfo[] {
    return [...this.#logs.values()];
  }

  logByOrigin(origin: string): LogInfo | undefined {
    for (const l of this.#logs.values()) if (l.origin === origin) return l;
    return undefined;
  }

  logByParty(party: string): LogInfo | undefined {
    return this.#logs.get(party);
  }

  /** The checkpoint this node vouches for: its own head, or the last verified checkpoint of a mirror. */
  servedCheckpoint(log: LogInfo): string | undefined {
    return log.own ? log.store.head()?.checkpoint : mirroredCheckpoint(log.store);
  }

  servedSize(log: LogInfo): number {
    const note = this.servedCheckpoint(log);
    return note === undefined ? 0 : parseCheckpoint(parseNote(note).text).size;
  }

  /** The consultation step an entry this node holds is (its party and body), if it is one. */
  consultationStep(ref: EntryRef): ConsultationStep | undefined {
    if (!this.refExists(ref)) return undefined;
    const bytes = this.logByOrigin(ref.origin)!.store.entry(ref.index)!;
    const { envelope } = decodeEntry(bytes);
    return envelope.type === 'consultation' ? envelope : undefined;
  }

  refExists(ref: EntryRef): boolean {
    const log = this.logByOrigin(ref.origin);
    if (!log || ref.index >= this.servedSize(log)) return false;
    const entry = log.store.entry(ref.index);
    return entry !== undefined && toHex(this.hasher.hashLeaf(entry)) === ref.leafHash;
  }

  /**
   * Witness cosignature lines held for a log at a size: stored ones, plus those this node's witness issued over the
   * same tree (size and root: a witness may have been shown a checkpoint of that size whose entries were never
   * published). Mirror cosignatures, stored beside them, are receipts and not witnesses' word: `mirrorReceipts` has
   * them.
   */
  cosignatures(log: LogInfo, size: number): { name: string; keyId: number; timestamp: number; line: string }[] {
    const out = log.store
      .cosignatures(size)
      .filter((c) => !this.pushMirroring.isMirrorKey(c.name, c.keyId))
      .map((c) => ({ ...c, line: c.line.trimEnd() }));
    if (!log.own && this.witness && size > 0 && size <= this.servedSize(log)) {
      const root = this.#times(log).rootAt(size);
      for (const c of this.witness.cosignaturesAt(log.origin, size)) {
        if (toHex(c.root) !== root) continue;
        if (!out.some((o) => o.name === c.name && o.keyId === c.keyId)) out.push({ ...c, line: c.line.trimEnd() });
      }
    }
    return out;
  }

  /**
   * The cosignatures served with a log's checkpoint of `size`, at `<prefix>/checkpoint` and `/api/cosignatures`
   * (federation/cosignature-selection.ts): the witnesses' that the log's quorum needs, earliest first, then the
   * receipts that fit, never more than a note may carry. Peers collect every line the author stores (its
   * cosignatureFeed), and nodes that hold the same lines serve the same selection.
   */
  servedCosignatures(
    log: LogInfo,
    size: number,
  ): CosignatureSelection<{ name: string; keyId: number; timestamp: number; line: string }> {
    const quorum = Math.min(this.regime.witnessQuorum ?? log.witnesses.length, log.witnesses.length);
    return selectCosignatures(this.cosignatures(log, size), this.receipts(log, size), quorum, this.#cosignatureLines);
  }

  /**
   * Every cosignature and receipt stored with a log after row `after`, in the order stored (rows only append), at
   * most `limit`. Peers page through it at the author: a cosignature that reaches the author after a mirror has
   * moved past its checkpoint reaches the mirror all the same, so the nodes end up holding the same ones and count
   * the same times. A row over a checkpoint this node does not serve yet ends the page (a later page has it).
   */
  cosignatureFeed(log: LogInfo, after: number, limit: number): { rows: CosignatureFeedRow[]; more: boolean } {
    const served = this.servedSize(log);
    const stored = log.store.cosignaturesSince(after, limit + 1);
    const rows: CosignatureFeedRow[] = [];
    for (const c of stored.slice(0, limit)) {
      if (c.size > served) return { rows, more: true };
      rows.push({ row: c.row, size: c.size, line: c.line.trimEnd() });
    }
    return { rows, more: stored.length > limit };
  }

  /**
   * The cosignatures this node's witness issued for a log after row `after`, in the order issued, at most `limit`:
   * the log's author reads them after a request to this witness lost its answer (CosignatureClient.gather), so
   * that the cosignature reaches it, and every mirror through its feed. Empty without a witness.
   */
  witnessFeed(log: LogInfo, after: number, limit: number): { rows: CosignatureFeedRow[]; more: boolean } {
    const issued = this.witness?.cosignaturesSince(log.origin, after, limit + 1) ?? [];
    const rows = issued.slice(0, limit).map((w) => ({ row: w.id, size: w.size, line: w.line.trimEnd() }));
    return { rows, more: issued.length > limit };
  }

  #times(log: LogInfo): LogTimes {
    let t = this.#logTimes.get(log.origin);
    if (!t) {
      t = new LogTimes(log.store, this.hasher);
      this.#logTimes.set(log.origin, t);
    }
    return t;
  }

  /**
   * For each checkpoint size of a log up to what it serves, the time its new entries count from (see
   * src/federation/counted-time.ts), sorted by size. Cosignatures that break a rule are kept as evidence.
   */
  #timeline(log: LogInfo): { size: number; time: number }[] {
    const witnesses = new Map<string, string>();
    for (const [key, w] of this.#witnessVerifiers) if (w.party !== log.party) witnesses.set(key, w.party);
    const receipts = new Map<string, string>();
    for (const [key, m] of this.#mirrorVerifiers) if (m.party !== log.party) receipts.set(key, m.party);
    const witness = !log.own ? this.witness : undefined;
    const issuedSince = (id: number) => witness?.cosignaturesSince(log.origin, id) ?? [];
    const { timeline, refused } = this.#times(log).compute(this.servedSize(log), receipts, witnesses, issuedSince);
    for (const r of refused) this.#refusedCosignature(log, r);
    return timeline;
  }

  /**
   * A string that changes whenever what the reads derive from may have changed: a log grew, a cosignature, a blob
   * or evidence arrived. The sizes catch growth; the counter catches the rest (bumped by `touch` wherever the node
   * stores one, and by the API after every write it accepts). Readers key their caches on it.
   */
  dataVersion(): string {
    // Read once per turn of the event loop: a flood of readers in one turn shares one look at the heads.
    if (this.#versionMemo !== undefined) return this.#versionMemo;
    let sizes = '';
    for (const log of this.#logs.values()) sizes += `,${this.servedSize(log)}`;
    this.#versionMemo = `${this.#version}${sizes}`;
    setImmediate(() => {
      this.#versionMemo = undefined;
    });
    return this.#versionMemo;
  }

  /** Logs through the node's own logger (which logs even when the HTTP server's logger is off). */
  report(level: 'info' | 'warn' | 'error', message: string): void {
    this.#logger(level, message);
  }

  /** Something the reads derive from may have changed (see dataVersion). */
  touch(): void {
    this.#version++;
    this.#versionMemo = undefined;
  }

  /** The timeline of a log, computed once per data version (it reads every checkpoint and cosignature). */
  #timelineOf(log: LogInfo): { size: number; time: number }[] {
    const version = this.dataVersion();
    if (this.#timelines.version !== version) this.#timelines = { version, byOrigin: new Map() };
    let timeline = this.#timelines.byOrigin.get(log.origin);
    if (!timeline) {
      timeline = this.#timeline(log);
      this.#timelines.byOrigin.set(log.origin, timeline);
    }
    return timeline;
  }

  /**
   * Decodes up to `budget` more entries into the in-memory index (entries never change once served, so each is
   * decoded once in the node's life). True when every served entry is indexed. Readers call it in slices between
   * turns of the event loop.
   */
  indexEntries(budget = Number.POSITIVE_INFINITY): boolean {
    let left = budget;
    for (const log of this.#logs.values()) {
      const decoded = this.#entryIndex.get(log.origin) ?? [];
      this.#entryIndex.set(log.origin, decoded);
      const size = this.servedSize(log);
      if (decoded.length >= size) continue;
      if (left <= 0) return false;
      const begin = decoded.length;
      const end = Math.min(size, begin + left);
      let index = begin;
      for (const leaf of log.store.entries(begin, end)) decoded.push(this.#decoded(log, index++, leaf));
      left -= end - begin;
      if (decoded.length < size) return false;
    }
    return true;
  }

  /**
   * Every entry this node holds (own and mirrored, up to the served checkpoint), decoded, with the time it counts
   * from. For the engine. Served from the in-memory index; only entries new since the last call are decoded.
   */
  allEntries(): NodeEntry[] {
    this.indexEntries();
    const out: NodeEntry[] = [];
    for (const log of this.#logs.values()) {
      const size = this.foldedSize(log);
      const timeline = this.#timelineOf(log);
      const decoded = this.#entryIndex.get(log.origin) ?? [];
      let t = 0;
      for (const e of decoded) {
        if (e.index >= size) break;
        while (t < timeline.length && timeline[t]!.size <= e.index) t++;
        out.push({ ...e, countedAt: timeline[t]?.time ?? this.#clock() });
      }
    }
    return out;
  }

  /** A stored entry decoded; STORE_CORRUPT if the bytes the node itself verified and stored no longer decode. */
  #decoded(log: LogInfo, index: number, leaf: Uint8Array): Omit<NodeEntry, 'countedAt'> {
    let signed: ReturnType<typeof decodeEntry>;
    try {
      signed = decodeEntry(leaf);
    } catch (err) {
      this.storeProblem ??= `entry ${index} of ${log.origin} no longer decodes`;
      throw new DetenteError(
        'STORE_CORRUPT',
        `stored entry ${index} of ${log.origin} does not decode: the store is corrupt`,
        {
          cause: err,
        },
      );
    }
    return {
      origin: log.origin,
      party: log.party,
      index,
      leafHash: toHex(this.hasher.hashLeaf(leaf)),
      envelope: signed.envelope,
      sig: toBase64(signed.signature),
    };
  }

  /** The node's clock (an exercise's simulated clock, else the wall clock), ms since the epoch. */
  now(): number {
    return this.#clock();
  }

  countedAt(log: LogInfo, index: number): number {
    const entry = this.#timelineOf(log).find((x) => x.size > index);
    return entry?.time ?? this.#clock();
  }

  /** A blob (SHA-256, hex) held in any log of this node: a declaration's `more` items. */
  blob(sha256: string): Uint8Array | undefined {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    for (const log of this.#logs.values()) {
      const bytes = log.store.blob(fromHex(sha256));
      if (bytes) return bytes;
    }
    return undefined;
  }

  /**
   * A blob (SHA-256, hex) for a reader without a login: only one a public envelope names (an entry in the clear's
   * blobs, a sealed entry's ciphertexts), never the plaintext blobs of the node's own sealed entries.
   */
  publicBlob(sha256: string): Uint8Array | undefined {
    const version = this.dataVersion();
    if (this.#publicBlobs?.version !== version) {
      const names = new Set<string>();
      for (const e of this.allEntries()) for (const ref of publicBlobRefs(e.envelope)) names.add(ref.sha256);
      this.#publicBlobs = { version, names };
    }
    return this.#publicBlobs.names.has(sha256) ? this.blob(sha256) : undefined;
  }

  /**
   * The bytes of a sealed entry's ciphertext blobs, in order (undefined where this node holds none yet); undefined
   * for any other entry. The engine opens each with the entry's content key.
   */
  sealedBlobs(entry: { origin: string; envelope: Envelope }): (Uint8Array | undefined)[] | undefined {
    if (entry.envelope.type !== 'sealed' || !entry.envelope.body.blobs) return undefined;
    const store = this.logByOrigin(entry.origin)?.store;
    return entry.envelope.body.blobs.map((r) => store?.blob(fromHex(r.sha256)));
  }

  /**
   * The items of a plain declaration's blobs, in order, checked against each blob's hash, size and the item
   * schema; undefined when the entry has none or one is missing or bad (the engine then reports it).
   */
  moreItems(entry: { origin: string; envelope: Envelope }): Item[] | undefined {
    const { envelope } = entry;
    if (envelope.type !== 'declaration' || envelope.body.form !== 'plain' || !envelope.body.more?.length) {
      return undefined;
    }
    const store = this.logByOrigin(entry.origin)?.store;
    if (!store) return undefined;
    const blobs = envelope.body.more.map((ref) => {
      const bytes = store.blob(fromHex(ref.sha256));
      return bytes && bytes.length === ref.size && toHex(this.suite.sha256(bytes)) === ref.sha256 ? bytes : undefined;
    });
    return itemsOfBlobs(blobs);
  }

  /**
   * The bytes of the blobs a declaration opening names, in order (undefined where this node holds none yet);
   * undefined for any other entry. The engine checks each against its hash.
   */
  openingBlobs(entry: { origin: string; envelope: Envelope }): (Uint8Array | undefined)[] | undefined {
    if (entry.envelope.type !== 'declaration-opening') return undefined;
    const refs = blobRefsOf(entry.envelope);
    if (!refs.length) return undefined;
    const store = this.logByOrigin(entry.origin)?.store;
    return refs.map((r) => store?.blob(fromHex(r.sha256)));
  }

  /** One entry with all a verifier needs: the leaf, an inclusion proof, the checkpoint and its cosignatures. */
  entryDetail(log: LogInfo, index: number) {
    const note = this.servedCheckpoint(log);
    const size = note === undefined ? 0 : parseCheckpoint(parseNote(note).text).size;
    if (index >= size) return undefined;
    const leaf = log.store.entry(index)!;
    const decoded = {
      ...(this.#entryIndex.get(log.origin)?.[index] ?? this.#decoded(log, index, leaf)),
      countedAt: this.countedAt(log, index),
    };
    const proof = inclusionProofFromStore(log.store, this.hasher, index, size);
    return {
      ...decoded,
      entryBase64: toBase64(leaf),
      proof: { size, proof: proof.proof.map(toBase64) },
      checkpoint: note!,
      cosignatures: this.cosignatures(log, size).map((c) => c.line),
      vkey: log.vkey,
    };
  }

  /**
   * A submission's receipt at the checkpoint of `size` (the one its 201 named, or any later one this node holds),
   * with the cosignatures served for that checkpoint: the witnesses' its quorum needs, then other parties' receipts
   * (mirror cosignatures). Cosignatures arrive after the 201, so a client fetches its receipt again for them.
   * Undefined when the node holds no checkpoint of that size up to what it serves, or the entry is not in it.
   */
  receiptAt(log: LogInfo, index: number, size: number) {
    if (index >= size || size > this.servedSize(log)) return undefined;
    const note = log.store.checkpoint(size);
    const leaf = log.store.entry(index);
    if (note === undefined || leaf === undefined) return undefined;
    const proof = inclusionProofFromStore(log.store, this.hasher, index, size);
    const { witnesses, receipts } = this.servedCosignatures(log, size);
    return {
      origin: log.origin,
      index,
      leafHash: toHex(this.hasher.hashLeaf(leaf)),
      checkpoint: logSignedOnly(note).note,
      size,
      proof: proof.proof.map(toBase64),
      cosignatures: witnesses.map((c) => c.line),
      receipts: receipts.map((c) => c.line),
    };
  }

  consistency(log: LogInfo, from: number, to: number): string[] {
    return consistencyProofFromStore(log.store, this.hasher, from, to).proof.map(toBase64);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Evidence

  recordEvidence(evidence: EquivocationEvidence, by: string): void {
    const file = this.#evidence.add(evidence);
    if (!file) return;
    this.touch();
    this.#logger('warn', `equivocation by ${evidence.origin} (found by ${by}): evidence/${file}`);
  }

  /** The equivocation evidence this node holds. */
  evidence(): { file: string; evidence: EquivocationEvidence }[] {
    return this.#evidence
      .list(0, Number.MAX_SAFE_INTEGER)
      .items.filter(
        (e): e is { file: string; evidence: EquivocationEvidence } => e.evidence.format === EVIDENCE_FORMAT,
      );
  }

  /** A page of all the evidence this node holds (equivocation and refused cosignatures), in file order. */
  evidencePage(offset: number, limit: number): { total: number; items: { file: string; evidence: AnyEvidence }[] } {
    return this.#evidence.list(offset, limit);
  }

  /** Logs proven to have forked, with the size their fold stops at. */
  forks(): (Fork & { party: string; foldedTo: number })[] {
    const out: (Fork & { party: string; foldedTo: number })[] = [];
    for (const f of this.#evidence.forks()) {
      const log = this.logByOrigin(f.origin);
      if (!log) continue;
      out.push({ ...f, party: log.party, foldedTo: this.#forkStop(log, f.size) });
    }
    return out;
  }

  /** The last checkpoint this node holds below the size where the two trees provably differ. */
  #forkStop(log: LogInfo, size: number): number {
    let stop = 0;
    for (const r of log.store.checkpointRecords()) if (r.size < size && r.size > stop) stop = r.size;
    return Math.min(stop, this.servedSize(log));
  }

  /** How far a log is folded: what it serves, or, for a log proven to have forked, where the branches part. */
  foldedSize(log: LogInfo): number {
    let size = this.servedSize(log);
    for (const f of this.#evidence.forks())
      if (f.origin === log.origin) size = Math.min(size, this.#forkStop(log, f.size));
    return size;
  }

  #refusedCosignature(log: LogInfo, r: RefusedCosignature): void {
    const name = r.cosignature.witness.split('\n')[0]!;
    const key = `${name} ${log.origin} ${r.rule}`;
    if (this.#refusalsLogged.has(key)) return;
    this.#refusalsLogged.add(key);
    this.#logger('warn', `refused a cosignature by ${name} of ${log.origin} size ${r.size}: ${r.rule}`);
    const evidence = this.#times(log).refusalEvidence(r, log.vkey, (key) => this.#witnessVkeys.get(key));
    if (!evidence) return;
    const file = this.#evidence.add(evidence, name);
    if (file) this.touch();
    if (file) this.#logger('warn', `evidence against the witness ${name}: evidence/${file}`);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rounds

  async #fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(url, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
  }

  /**
   * Syncs one peer's mirror, then collects the cosignatures the peer holds for what was mirrored. A round already
   * in progress (the loop's) may have read the peer's checkpoint before whatever the caller waits for, so it is
   * awaited and a new round run: when this resolves, a round that started after the call has finished. (Returning
   * at once when busy made callers that sync once and then look, tests among them, fail now and then under load.)
   */
  async syncMirror(party: string): Promise<void> {
    const m = this.mirrors.get(party);
    if (!m) return;
    while (m.running) await m.running;
    if (this.#closed) return;
    m.running = this.#syncMirrorRound(m).finally(() => {
      m.running = undefined;
    });
    await m.running;
  }

  /**
   * After a peer pushed its log to us: what a polling round does beyond mirroring (its declarations' blobs, its
   * witnesses' cosignatures), without pulling entries the next push brings anyway.
   */
  async #followPush(party: string): Promise<void> {
    const m = this.mirrors.get(party);
    if (!m) return;
    this.wake();
    while (m.running) await m.running;
    if (this.#closed) return;
    m.running = (async () => {
      try {
        await this.#fetchBlobs(m);
        await this.#collectCosignatures(m);
      } catch (err) {
        this.#logger('warn', `mirror of ${party}: ${(err as Error).message}`);
      }
    })().finally(() => {
      m.running = undefined;
    });
    await m.running;
    // The peer asks its witnesses once the batch is durable, as it pushes: their cosignatures may reach it after
    // this look. One more look a moment later, rather than wait for the slow polling loop.
    if (m.lookAgain === undefined && !this.#closed) {
      m.lookAgain = setTimeout(() => {
        this.#timers.delete(m.lookAgain!);
        m.lookAgain = undefined;
        this.#track(this.#lookAgain(m));
      }, LOOK_AGAIN_MS);
      this.#timers.add(m.lookAgain);
    }
  }

  async #lookAgain(m: MirrorState): Promise<void> {
    while (m.running) await m.running;
    if (this.#closed) return;
    m.running = this.#collectCosignatures(m)
      .catch((err) => this.#logger('warn', `mirror of ${m.party}: ${(err as Error).message}`))
      .finally(() => {
        m.running = undefined;
      });
    await m.running;
  }

  async #syncMirrorRound(m: MirrorState): Promise<void> {
    const party = m.party;
    try {
      const result = await m.serial.run(() => m.mirror.sync());
      m.lastSync = Date.now();
      await this.#fetchBlobs(m);
      m.lastError = undefined;
      if (result.status === 'equivocation') m.lastError = `equivocation: ${result.evidence.explanation}`;
      await this.#collectCosignatures(m);
      // After a request to the peer lost its answer only: what it signed then (CosignatureClient.gather).
      await this.#cosigning.gather(party, m.url);
    } catch (err) {
      m.lastError = (err as Error).message;
      this.#logger('warn', `mirror of ${party}: ${m.lastError}`);
    }
  }

  /** Fetches the blobs that newly mirrored declarations and openings name from the peer (each checked against its hash). */
  async #fetchBlobs(m: MirrorState): Promise<void> {
    const log = this.#logs.get(m.party)!;
    const size = this.servedSize(log);
    for (; m.blobScan < size; m.blobScan++) {
      const leaf = m.store.entry(m.blobScan);
      if (!leaf) return;
      const { envelope } = decodeEntry(leaf);
      for (const ref of publicBlobRefs(envelope)) {
        if (m.store.blob(fromHex(ref.sha256))) continue;
        // A sealed blob is its plaintext (at most MAX_BLOB) and the AES-GCM tag.
        if (ref.size > MAX_BLOB + (envelope.type === 'sealed' ? SEALED_BLOB_OVERHEAD : 0)) continue;
        const res = await this.#fetch(`${m.url}/api/blobs/${ref.sha256}`);
        // Not there (yet): try again next round, from this entry.
        if (res.status !== 200) return;
        const bytes = await readBounded(res.url, res, ref.size);
        if (toHex(this.suite.sha256(bytes)) !== ref.sha256) {
          this.#logger('warn', `mirror of ${m.party}: blob ${ref.sha256} does not match its hash`);
          return;
        }
        m.store.putBlob(fromHex(ref.sha256), bytes);
        this.touch();
      }
    }
  }

  /** Collects the cosignatures and receipts the peer serves for the checkpoint this node mirrors of its log. */
  #collectCosignatures(m: MirrorState): Promise<void> {
    return this.#cosigning.collect(m.party, m.url, m.store);
  }

  /** Asks every peer's witness to cosign the own log's latest checkpoint. */
  requestCosignatures(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#cosigning.requestAll();
  }

  #cosignSoon(): void {
    if (this.#cosignRequested || this.#closed) return;
    this.#cosignRequested = true;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#cosignRequested = false;
      this.#track(this.requestCosignatures());
    }, 50);
    this.#timers.add(timer);
  }

  /**
   * Compares, for each log this node holds, what it holds with what every peer serves for it. Its own log too:
   * a checkpoint of it that conflicts with ours (a restored backup that signed again, a leaked key) is as much
   * evidence as a peer's fork, and the peers that mirror us are where it would show.
   */
  async gossipRound(): Promise<EquivocationEvidence[]> {
    await this.#adoptPeersEvidence();
    const found: EquivocationEvidence[] = [];
    for (const log of this.#logs.values()) {
      if (this.#closed) break;
      const observations: Observation[] = [];
      const mine = this.servedCheckpoint(log);
      if (mine) observations.push({ source: 'this node', note: mine, tiles: storeTileSource(log.store, mine) });
      // What our own witness cosigned: a log may have had it cosign an extension it never published.
      const witnessed = !log.own ? this.witness?.latest(log.origin) : undefined;
      if (witnessed) observations.push({ source: "this node's witness", note: witnessed.note });
      await Promise.all(
        [...this.mirrors.values()]
          .filter((o) => o.party !== log.party)
          .map(async (o) => {
            const base = `${o.url}/logs/${log.party}`;
            try {
              const res = await this.#fetch(`${base}/checkpoint`);
              if (res.status !== 200) return;
              const note = new TextDecoder().decode(await readBounded(`${base}/checkpoint`, res, MAX_CHECKPOINT_BYTES));
              observations.push({ source: o.url, note, tiles: httpTileSource(base, { timeoutMs: this.#timeoutMs }) });
            } catch {
              // A peer that does not answer tells us nothing this round.
            }
          }),
      );
      if (observations.length < 2) continue;
      const report = await detectFork(log.vkey, this.suite, observations);
      if (report.evidence) {
        this.recordEvidence(report.evidence, 'gossip');
        found.push(report.evidence);
        // Our witness was shown a tree the log did not publish: it resumes from the tree the mirror verified, so
        // that it cosigns the published log again instead of refusing it forever (the evidence is kept).
        const both = [report.evidence.checkpointA, report.evidence.checkpointB];
        if (witnessed && mine && both.includes(witnessed.note)) this.witness!.resumeFrom(log.origin, mine);
      } else if (log.own && report.latest && report.latest.size > (log.store.head()?.size ?? 0)) {
        // Validly signed with our key, beyond anything we signed, yet consistent with our tree: no equivocation
        // to prove, but our key signed outside this node.
        this.#logger(
          'error',
          `${report.latest.source} serves a checkpoint of our log of size ${report.latest.size}, beyond ours: our log key signed it elsewhere`,
        );
      }
    }
    return found;
  }

  /**
   * Equivocation evidence is checked offline against the regime's key of the log it accuses, so a node adopts what
   * its peers found: every node then stops folding a forked log at the same place.
   */
  async #adoptPeersEvidence(): Promise<void> {
    await Promise.all(
      [...this.mirrors.values()].map(async (o) => {
        const url = `${o.url}/api/evidence?limit=${EVIDENCE_PAGE}`;
        let items: unknown[];
        try {
          const res = await this.#fetch(url);
          if (res.status !== 200) {
            await res.body?.cancel().catch(() => {});
            return;
          }
          const body = JSON.parse(new TextDecoder().decode(await readBounded(url, res, MAX_EVIDENCE_BYTES)));
          items = Array.isArray(body?.evidence) ? body.evidence : [];
        } catch {
          return; // A peer that does not answer, or answers too much, tells us nothing this round.
        }
        for (const item of items) {
          const e = (item as { evidence?: { format?: string; origin?: unknown } })?.evidence;
          if (e?.format !== EVIDENCE_FORMAT || typeof e.origin !== 'string') continue;
          const log = this.logByOrigin(e.origin);
          if (!log) continue;
          try {
            verifyEvidence(e, this.suite, { trustedVkey: log.vkey });
          } catch {
            continue; // It proves nothing about the regime's key: ignored.
          }
          this.recordEvidence(e as EquivocationEvidence, `evidence of ${o.party}`);
        }
      }),
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle

  #track<T>(p: Promise<T>): Promise<T> {
    const q = p.catch((err) => this.#logger('error', `background round failed: ${(err as Error)?.stack ?? err}`));
    this.#running.add(q);
    q.finally(() => this.#running.delete(q));
    return p;
  }

  /**
   * Runs `round` every `ms`, one at a time; while rounds change nothing (the data version stays), the wait doubles
   * up to IDLE_MAX_MS (or `ms` if longer; never with `idleBackoff` off), and `wake()` ends the back-off.
   */
  #every(name: string, ms: number, round: () => Promise<unknown>): void {
    const longest = this.#idleBackoff ? Math.max(ms, IDLE_MAX_MS) : ms;
    let wait = ms;
    let seen = this.dataVersion();
    let timer: NodeJS.Timeout | undefined;
    let woken = false;
    const schedule = (delay: number) => {
      if (this.#closed) return;
      timer = setTimeout(async () => {
        this.#timers.delete(timer!);
        timer = undefined;
        await this.#track(round()).catch(() => {});
        const now = this.dataVersion();
        wait = now === seen && !woken ? Math.min(wait * 2, longest) : ms;
        seen = now;
        woken = false;
        schedule(wait);
      }, delay);
      this.#timers.add(timer);
    };
    const wake = () => {
      // A round in progress (no timer) schedules the next one at `ms` when it ends.
      if (timer === undefined) woken = true;
      if (timer === undefined || wait === ms) return;
      clearTimeout(timer);
      this.#timers.delete(timer);
      wait = ms;
      schedule(ms);
    };
    this.#loops.set(name, { interval: ms, wait: () => wait, wake });
    schedule(ms);
  }

  /**
   * Puts every loop back on its interval (a batch of the own log's, a peer's push, a write the API took): what
   * follows a change is polled for at the configured pace, not the idle one.
   */
  wake(): void {
    for (const l of this.#loops.values()) l.wake();
  }

  /** Each started loop's interval and the wait before its next round (the interval, or longer while idle). */
  loopWaits(): Record<string, { interval: number; wait: number }> {
    return Object.fromEntries([...this.#loops].map(([name, l]) => [name, { interval: l.interval, wait: l.wait() }]));
  }

  /** Starts the mirror, witness-client and gossip loops. */
  start(): void {
    this.#every('mirror', this.config.mirror.syncEveryMs, () =>
      Promise.all([...this.mirrors.keys()].map((p) => this.syncMirror(p))),
    );
    this.#every('witness', this.config.witness.requestEveryMs, () => this.requestCosignatures());
    this.#every('gossip', this.config.gossip.everyMs, () => this.gossipRound());
  }

  /** Not ok while a fork no operator has acknowledged is on record. */
  health() {
    const head = this.log.store.head();
    const forks = this.forks();
    return {
      ok: forks.every((f) => f.acknowledged),
      party: this.party.id,
      origin: this.party.origin,
      size: head?.size ?? 0,
      regime: this.regimeHash,
      mirrors: [...this.mirrors.values()].map((m) => ({
        party: m.party,
        origin: m.origin,
        size: this.servedSize(this.#logs.get(m.party)!),
        lastSync: m.lastSync === undefined ? null : new Date(m.lastSync).toISOString(),
        lastError: m.lastError ?? null,
      })),
      evidence: this.#evidence.size,
      forks: forks.map((f) => ({
        party: f.party,
        origin: f.origin,
        file: f.file,
        size: f.size,
        foldedTo: f.foldedTo,
        acknowledged: f.acknowledged,
      })),
    };
  }

  /** Starts the worker threads that prepare submissions and verify peers' entries (a server awaits it before it listens). */
  warm(): Promise<void> {
    return this.#workers.warm();
  }

  /** Stops the loops, appends what is queued, waits for rounds in flight, closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.submissions.close();
    await this.pushMirroring.close();
    await Promise.allSettled([...this.#running]);
    // A round in progress ends before its store closes (no new one starts: #closed is set).
    for (const m of this.mirrors.values()) while (m.running) await m.running;
    await this.#workers.close();
    for (const m of this.mirrors.values()) m.store.close();
    this.witness?.close();
    this.users.close();
    this.log.close();
  }
}
