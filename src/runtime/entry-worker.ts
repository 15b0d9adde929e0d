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
  type SealWith,
  verifyEntry,
} from '../model/index.js';
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

export type PrepareFields = Parameters<typeof prepareEntry>[3];

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
  | {
      id: number;
      kind: 'prepare';
      /**
       * Each job's key, its fields unless `fieldsText` holds them, and, for a confidential one, its seal: an index
       * in `seals`.
       */
      jobs: { key: string; fields?: PrepareFields; seal?: number }[];
      /** The jobs' fields as one JSON array, null for a job whose fields are not plain JSON (it carries them). */
      fieldsText?: string;
      seals?: SealWith[];
    };

/** A submission to prepare as its caller gives it: its seal, if any, as an object. */
export type PrepareJob = { key: string; fields: PrepareFields; seal?: SealWith };

/**
 * Whether a value crosses as JSON text unchanged: strings, finite numbers but -0, booleans, null, and arrays and
 * plain objects (or objects without a prototype) of those. What JSON.parse(JSON.stringify(value)) gives back as an equal value, in the same key order,
 * as a structured clone does; anything else (undefined, NaN, a Date, a hole) crosses as a clone, so that the worker
 * sees what the caller gave, as it would on the caller's thread.
 */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i])) return false;
        return true;
      }
      // A clone, like JSON text, gives an object without a prototype back as a plain one.
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in value) if (!isPlainJson((value as Record<string, unknown>)[k])) return false;
      return true;
    }
  }
  return false;
}

/**
 * A batch's jobs as they cross: their fields as one JSON text where they are plain JSON (a submission through HTTP
 * always is), and each distinct seal once (a period's submissions for one audience share one: its audience, its
 * `audience-key` reference and that key), the jobs naming theirs by index. The fields' structured clone cost the
 * entry worker 16–25 µs a job to read back, their JSON text 4–6; a seal cloned with every job cost the two threads
 * 2–5 µs more (docs/BENCHMARKS.md, issue 14, session 19).
 */
export function prepareRequest(id: number, jobs: readonly PrepareJob[]): Extract<WorkerRequest, { kind: 'prepare' }> {
  const seals: SealWith[] = [];
  const indexOf = (seal: SealWith) => {
    const i = seals.findIndex(
      (s) =>
        s.audienceKey === seal.audienceKey &&
        s.keys === seal.keys &&
        s.audience.length === seal.audience.length &&
        s.audience.every((p, k) => p === seal.audience[k]),
    );
    return i < 0 ? seals.push(seal) - 1 : i;
  };
  const plain = jobs.map((job) => isPlainJson(job.fields));
  return {
    id,
    kind: 'prepare',
    jobs: jobs.map(({ key, fields, seal }, i) => ({
      key,
      ...(plain[i] ? {} : { fields }),
      ...(seal ? { seal: indexOf(seal) } : {}),
    })),
    ...(plain.includes(true)
      ? { fieldsText: JSON.stringify(jobs.map((job, i) => (plain[i] ? job.fields : null))) }
      : {}),
    ...(seals.length ? { seals } : {}),
  };
}

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
  request: Extract<WorkerRequest, { kind: 'prepare' }>,
): Prepared[] {
  const { jobs } = request;
  const texts: (PrepareFields | null)[] = request.fieldsText === undefined ? [] : JSON.parse(request.fieldsText);
  const sealOf = (job: (typeof jobs)[number]) => (job.seal === undefined ? undefined : request.seals?.[job.seal]);
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
  stage((state, job) => {
    const plain = state.plain!;
    const seal = sealOf(job);
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
  stage((state, job) => {
    const signed = signedCanonical(nodeSuite, state.entry!, state.signature!);
    state.answer = job.seal !== undefined ? { plain: state.plain!.canonical, sealed: signed } : signed;
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
