/**
 * The worker side of entry-workers.ts: the CPU of an entry, off the event loop. It verifies entries (decodeEntry +
 * verifyEntry: strict decoding, key and role, Ed25519, the regime's names) and prepares and signs a node's own
 * (prepareEntry, then Ed25519), with the very functions the main thread would call, so every verdict and every
 * error (code, message, problems) is the one the single-threaded path gives.
 *
 * Answers go to `parentPort`, or, for a reader that blocks until its answer is there (entry-workers.ts,
 * SyncEntryVerifier), to the port it gave, with a bump of the shared counter it waits on.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { DetenteError, type Problem } from '../crypto/errors.js';
import {
  decodeEntry,
  type EntrySigner,
  type Envelope,
  entrySigner,
  type PreparedEntry,
  prepareEntry,
  type Regime,
  verifyEntry,
} from '../model/index.js';
import type { PrepareFields, PrepareRequest } from './entry-request.js';
import { nodeSuite, symmetricNode } from './node-crypto.js';
import { prepareSealedFromChecked } from './sealed-submission.js';
import { type SignedCanonical, signedCanonical } from './signed-entry.js';

export type { SignedCanonical };

export interface EntryWorkerInit {
  regime: Regime;
  /** The party whose seeds these are (to prepare and sign its entries). */
  party?: string;
  seeds?: [string, Uint8Array][];
  /** Where to answer instead of parentPort, and the counter bumped after each answer (Int32Array over a SharedArrayBuffer). */
  port?: MessagePort;
  signal?: Int32Array;
}

export type WorkerRequest =
  | {
      id: number;
      kind: 'verify';
      entries: Uint8Array[];
      /** Each entry must be this party's (a peer's log holds only its party's entries). */
      party?: string;
      /** Send each entry's envelope back (a reader folds them); otherwise only the verdicts. */
      envelopes: boolean;
    }
  | PrepareRequest;

/** A DetenteError as it crosses threads. */
export interface Failure {
  code: DetenteError['code'];
  message: string;
  problems: readonly Problem[];
}

export type Verdict = { envelope?: Envelope } | { error: Failure };
/**
 * An entry prepared and signed, with its leaf, leaf hash and entry key (signed-entry.ts); with `seal`, the plain
 * entry prepared (checked, not signed: its canonical JSON) and, unless it names blobs, its sealed entry prepared and
 * signed (prepareSealed's bytes: sealed-submission.ts), with the same three.
 */
export type Prepared = SignedCanonical | { plain: Uint8Array; sealed?: SignedCanonical } | { error: Failure };
export type WorkerAnswer = { id: number; verdicts?: Verdict[]; prepared?: Prepared[]; crash?: string };

function failure(err: unknown): Failure {
  if (!(err instanceof DetenteError)) throw err;
  return { code: err.code, message: err.message, problems: err.problems };
}

export function verifyEntries(regime: Regime, request: Extract<WorkerRequest, { kind: 'verify' }>): Verdict[] {
  return request.entries.map((bytes) => {
    try {
      const signed = decodeEntry(bytes);
      if (request.party !== undefined && signed.envelope.party !== request.party) {
        throw new DetenteError(
          'KEY_UNKNOWN',
          `an entry of "${signed.envelope.party}" in the log of "${request.party}"`,
        );
      }
      verifyEntry(nodeSuite, regime, signed);
      return request.envelopes ? { envelope: signed.envelope } : {};
    } catch (err) {
      return { error: failure(err) };
    }
  });
}

/** What a job of a batch has come to, stage by stage. */
interface JobState {
  signer?: EntrySigner;
  plain?: PreparedEntry;
  /** The entry to sign: the plain one, or its sealed entry. */
  entry?: PreparedEntry;
  signature?: Uint8Array;
  /** Its answer once it has one early: an error, or a plain entry whose sealed entry the node makes itself. */
  answer?: Prepared;
}

/**
 * A batch of submissions in stages: every job's plain entry checked (prepareEntry), then the confidential ones
 * sealed, then every entry signed, then each laid out (signedCanonical). The answers are those of one job after
 * another, with the same functions and each job's error its own; in stages, each stage's code and tables (zod's
 * schemas, OpenSSL's AES-GCM, HMAC and Ed25519) stay in the core's caches across the batch. One job after another,
 * a sealed job cost 10 to 18 % more on its thread, a clear one the same (docs/BENCHMARKS.md, issue 14, session 18).
 */
export function prepareEntries(
  regime: Regime,
  signers: ReadonlyMap<string, EntrySigner>,
  request: PrepareRequest,
): Prepared[] {
  const { jobs } = request;
  const texts: (PrepareFields | null)[] = request.fieldsText === undefined ? [] : JSON.parse(request.fieldsText);
  const seals = jobs.map((job) => (job.seal === undefined ? undefined : request.seals![job.seal]));
  const states: JobState[] = jobs.map(() => ({}));
  const stage = (step: (state: JobState, job: (typeof jobs)[number], i: number) => void) => {
    for (let i = 0; i < jobs.length; i++) {
      const state = states[i]!;
      if (state.answer) continue;
      try {
        step(state, jobs[i]!, i);
      } catch (err) {
        state.answer = { error: failure(err) };
      }
    }
  };
  stage((state, { key, fields }, i) => {
    state.signer = signers.get(key);
    if (!state.signer) throw new DetenteError('KEY_UNKNOWN', `this node holds no seed of key "${key}"`);
    state.plain = prepareEntry(nodeSuite, regime, state.signer, fields ?? texts[i]!);
  });
  stage((state, _, i) => {
    const plain = state.plain!;
    const seal = seals[i];
    if (!seal) {
      state.entry = plain;
      return;
    }
    state.entry = prepareSealedFromChecked(nodeSuite, symmetricNode, regime, state.signer!, plain, seal);
    if (!state.entry) state.answer = { plain: plain.canonical };
  });
  stage((state) => {
    state.signature = nodeSuite.ed25519.sign(state.signer!.seed, state.entry!.message);
  });
  stage((state, _, i) => {
    const signed = signedCanonical(nodeSuite, state.entry!, state.signature!);
    state.answer = seals[i] ? { plain: state.plain!.canonical, sealed: signed } : signed;
  });
  return states.map((state) => state.answer!);
}

if (parentPort && workerData) {
  const init = workerData as EntryWorkerInit;
  const signers = new Map<string, EntrySigner>();
  for (const [key, seed] of init.seeds ?? [])
    signers.set(key, entrySigner(nodeSuite, init.regime, init.party!, key, seed));
  const out = init.port ?? parentPort;
  const answer = (request: WorkerRequest): WorkerAnswer => {
    try {
      return request.kind === 'verify'
        ? { id: request.id, verdicts: verifyEntries(init.regime, request) }
        : { id: request.id, prepared: prepareEntries(init.regime, signers, request) };
    } catch (err) {
      return { id: request.id, crash: String((err as Error)?.stack ?? err) };
    }
  };
  parentPort.on('message', (request: WorkerRequest) => {
    out.postMessage(answer(request));
    if (init.signal) {
      Atomics.add(init.signal, 0, 1);
      Atomics.notify(init.signal, 0);
    }
  });
}
