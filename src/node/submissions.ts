/**
 * The submission pipeline: a member of the party submits a statement; the node checks it, signs it with the
 * party's key for the role the entry type needs, appends it in a batch, and answers with the entry's index and an
 * inclusion proof against the signed checkpoint of that batch.
 *
 *   request ─> user's role and party ─> envelope schema ─> sign ─> verifyEntry (regime: key, role, signature,
 *   vocabulary) ─> references exist (own log + mirrors) ─> nonce not used ─> queue
 *   queue ─> every maxDelayMs (≤ 1 s) or at maxEntries: reserve the batch's nonces (one transaction) ─> append the
 *   batch with its signed checkpoint (one transaction) ─> confirm the nonces ─> resolve every waiter with
 *   {index, leafHash, checkpoint, inclusion proof}
 *
 * Nothing is stored for a refused submission: every check runs before the queue, and a batch that fails to append
 * releases its nonces and fails every waiter. A nonce is used exactly when its entry is in the log (users.ts).
 */
import { fromHex, toBase64, toHex } from '../crypto/bytes.js';
import { DetenteError, type Problem } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { LogWriter } from '../log/log-writer.js';
import { inclusionProofFromStore } from '../log/proofs.js';
import {
  buildEnvelope,
  checkEntryRefs,
  ENTRY_ROLE,
  ENTRY_TYPES,
  type EntryRef,
  type EntryType,
  type Envelope,
  type EnvelopeFields,
  encodeEntry,
  type Item,
  type Party,
  type Regime,
  type SignedEntry,
  signEntry,
  verifyEntry,
  vocabularyProblems,
} from '../model/index.js';
import type { LogStore } from '../store/store.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import type { User, UserStore } from './users.js';

export type SubmissionStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500 | 503;

/** A refused submission: the HTTP status, a stable code, a message, and where in the request the problem is. */
export class SubmissionError extends Error {
  readonly status: SubmissionStatus;
  readonly code: string;
  readonly path: string | undefined;
  readonly problems: readonly Problem[];
  constructor(
    status: SubmissionStatus,
    code: string,
    message: string,
    path?: string,
    problems: readonly Problem[] = [],
  ) {
    super(message);
    this.name = 'SubmissionError';
    this.status = status;
    this.code = code;
    this.path = path;
    this.problems = problems;
  }
}

export interface SubmissionRequest {
  nonce: string;
  type: string;
  body: unknown;
  refs?: EntryRef[];
  issuedAt?: string;
  /** Optional: if given, must be the node's party. */
  party?: string;
  /** Optional: if given, must be a key of the node's party holding the role the type needs. */
  key?: string;
}

export interface Receipt {
  origin: string;
  index: number;
  leafHash: string;
  /** The signed checkpoint of the batch that holds the entry. */
  checkpoint: string;
  size: number;
  /** RFC 6962 inclusion proof of the entry in that checkpoint's tree, base64 hashes. */
  proof: string[];
}

export interface SubmissionOptions {
  suite: CryptoSuite;
  regime: Regime;
  party: Party;
  /** The party's seeds by key id. */
  seeds: ReadonlyMap<string, Uint8Array>;
  store: LogStore;
  writer: LogWriter;
  hasher: Rfc6962Hasher;
  users: UserStore;
  /** Whether an entry exists in this node's own log or in a log it mirrors. */
  refExists: (ref: EntryRef) => boolean;
  maxEntries: number;
  maxDelayMs: number;
  clock?: () => number;
  /** Called after each batch commits (to wake the witness client, say). */
  onBatch?: (size: number) => void;
}

interface Pending {
  user: string;
  nonce: string;
  leaf: Uint8Array;
  leafHash: string;
  resolve: (r: Receipt) => void;
  reject: (e: unknown) => void;
}

const NONCE = /^[\x21-\x7e]{8,128}$/;

function fromDetente(err: unknown): never {
  if (!(err instanceof DetenteError)) throw err;
  const path = err.problems[0]?.path;
  switch (err.code) {
    case 'SCHEMA_INVALID':
      throw new SubmissionError(400, err.code, err.message, path, err.problems);
    case 'ENTRY_TOO_LARGE':
      throw new SubmissionError(413, err.code, err.message);
    case 'ROLE_DENIED':
    case 'KEY_UNKNOWN':
      throw new SubmissionError(403, err.code, err.message, path);
    case 'REFERENCE_UNKNOWN':
      throw new SubmissionError(422, err.code, err.message, path, err.problems);
    default:
      throw err;
  }
}

export class SubmissionPipeline {
  readonly #o: SubmissionOptions;
  readonly #clock: () => number;
  #queue: Pending[] = [];
  readonly #inFlight = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #toConfirm: { user: string; nonce: string; index: number }[] = [];

  constructor(options: SubmissionOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** The key of the node's party that signs entries of `type`. */
  keyFor(type: EntryType): string | undefined {
    return this.#o.party.keys.find((k) => k.roles.includes(ENTRY_ROLE[type]))?.id;
  }

  /** Checks, signs and queues a submission; resolves once the entry is durable in a signed checkpoint. */
  async submit(user: User, request: SubmissionRequest): Promise<Receipt> {
    if (this.#closed) throw new SubmissionError(503, 'SHUTTING_DOWN', 'the node is shutting down');
    // Everything up to the push runs in this tick: no other submission can slip between the nonce check and it.
    const { leaf, leafHash } = this.#check(user, request);
    this.#inFlight.add(`${user.name}\n${request.nonce}`);
    return new Promise<Receipt>((resolve, reject) => {
      this.#queue.push({ user: user.name, nonce: request.nonce, leaf, leafHash, resolve, reject });
      if (this.#queue.length >= this.#o.maxEntries) this.#flushSoon(0);
      else if (!this.#timer) this.#flushSoon(this.#o.maxDelayMs);
    });
  }

  /** Every check, without storing anything. Returns the leaf to append. */
  #check(user: User, request: SubmissionRequest): { signed: SignedEntry; leaf: Uint8Array; leafHash: string } {
    const o = this.#o;
    if (typeof request.nonce !== 'string' || !NONCE.test(request.nonce)) {
      throw new SubmissionError(
        400,
        'SCHEMA_INVALID',
        'nonce: expected 8 to 128 printable ASCII characters',
        '$.nonce',
      );
    }
    if (!(ENTRY_TYPES as string[]).includes(request.type)) {
      throw new SubmissionError(400, 'SCHEMA_INVALID', `type: expected one of ${ENTRY_TYPES.join(', ')}`, '$.type');
    }
    const type = request.type as EntryType;
    if (user.party !== o.party.id) {
      throw new SubmissionError(
        403,
        'PARTY_DENIED',
        `user ${user.name} is a member of "${user.party}", not of "${o.party.id}"`,
      );
    }
    if (request.party !== undefined && request.party !== o.party.id) {
      throw new SubmissionError(
        403,
        'PARTY_DENIED',
        `this node speaks for "${o.party.id}" only; user ${user.name} cannot submit as "${String(request.party)}"`,
        '$.party',
      );
    }
    const role = ENTRY_ROLE[type];
    if (!(user.roles as string[]).includes(role)) {
      throw new SubmissionError(
        403,
        'ROLE_DENIED',
        `user ${user.name} has roles ${user.roles.join(', ')}; a ${type} needs role "${role}"`,
        '$.type',
      );
    }
    let key = this.keyFor(type);
    if (request.key !== undefined) {
      const k = o.party.keys.find((x) => x.id === request.key);
      if (!k?.roles.includes(role)) {
        throw new SubmissionError(
          403,
          'KEY_DENIED',
          `key ${JSON.stringify(request.key)} is not a key of "${o.party.id}" with role "${role}"`,
          '$.key',
        );
      }
      key = k.id;
    }
    const seed = key === undefined ? undefined : o.seeds.get(key);
    if (key === undefined || seed === undefined) {
      throw new SubmissionError(403, 'ROLE_DENIED', `"${o.party.id}" has no key with role "${role}" on this node`);
    }
    const issuedAt = request.issuedAt ?? new Date(this.#clock()).toISOString();
    let signed: SignedEntry;
    try {
      const envelope = buildEnvelope({
        type,
        party: o.party.id,
        key,
        issuedAt,
        body: request.body,
        refs: request.refs,
      } as EnvelopeFields);
      signed = signEntry(o.suite, envelope, seed);
      verifyEntry(o.suite, o.regime, signed);
      checkEntryRefs(signed.envelope, o.refExists);
    } catch (err) {
      fromDetente(err);
    }
    this.#checkBlobs(signed.envelope);
    const state = o.users.nonce(user.name, request.nonce);
    if (state.status === 'used' || this.#inFlight.has(`${user.name}\n${request.nonce}`)) {
      const index =
        state.status === 'used'
          ? (state.index ?? this.#toConfirm.find((c) => c.user === user.name && c.nonce === request.nonce)?.index)
          : undefined;
      const where = index === undefined ? '' : ` (entry ${index})`;
      throw new SubmissionError(
        409,
        'REPLAYED',
        `nonce ${request.nonce} was already used by ${user.name}${where}`,
        '$.nonce',
      );
    }
    let leaf: Uint8Array;
    try {
      leaf = encodeEntry(signed);
    } catch (err) {
      fromDetente(err);
    }
    return { signed, leaf, leafHash: toHex(o.hasher.hashLeaf(leaf)) };
  }

  /** A plain declaration's `more` blobs must be stored already (POST /api/blobs), and their items valid. */
  #checkBlobs(envelope: Envelope): void {
    if (envelope.type !== 'declaration' || envelope.body.form !== 'plain' || !envelope.body.more?.length) return;
    const items: Item[] = [];
    for (const [i, ref] of envelope.body.more.entries()) {
      const path = `$.body.more[${i}]`;
      const bytes = this.#o.store.blob(fromHex(ref.sha256));
      if (!bytes) {
        throw new SubmissionError(422, 'BLOB_UNKNOWN', `blob ${ref.sha256} is not stored (POST /api/blobs)`, path);
      }
      if (bytes.length !== ref.size) {
        throw new SubmissionError(400, 'SCHEMA_INVALID', `blob ${ref.sha256} has ${bytes.length} bytes`, path);
      }
      items.push(...(JSON.parse(new TextDecoder().decode(bytes)) as Item[]));
    }
    const probe = { ...envelope, body: { ...envelope.body, items, more: [] } } as Envelope;
    const problems = vocabularyProblems(this.#o.regime, probe);
    if (problems.length) {
      throw new SubmissionError(
        400,
        'SCHEMA_INVALID',
        `items in blobs: ${problems[0]!.path}: ${problems[0]!.message}`,
        '$.body.more',
        problems,
      );
    }
  }

  #flushSoon(delay: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, delay);
  }

  /** Appends what is queued (at most maxEntries a batch) now. */
  flush(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#o.maxEntries);
      this.#appendBatch(batch);
    }
  }

  #appendBatch(batch: Pending[]): void {
    const o = this.#o;
    const done = (p: Pending) => this.#inFlight.delete(`${p.user}\n${p.nonce}`);
    let accepted = batch;
    try {
      const size = o.store.head()?.size ?? 0;
      const confirm = this.#toConfirm;
      this.#toConfirm = [];
      const taken = o.users.reserveMany(batch, size, confirm);
      accepted = batch.filter((p, i) => {
        if (!taken.has(i)) return true;
        done(p);
        p.reject(new SubmissionError(409, 'REPLAYED', `nonce ${p.nonce} was already used by ${p.user}`, '$.nonce'));
        return false;
      });
      if (accepted.length === 0) return;
      let first: number;
      let head: ReturnType<LogWriter['append']>['head'];
      try {
        ({ first, head } = o.writer.append(accepted.map((p) => p.leaf)));
      } catch (err) {
        o.users.releaseMany(accepted);
        throw err;
      }
      // Confirmed with the next batch's reservations (or at close); after a crash, recovery confirms them.
      for (let i = 0; i < accepted.length; i++) {
        this.#toConfirm.push({ user: accepted[i]!.user, nonce: accepted[i]!.nonce, index: first + i });
      }
      accepted.forEach((p, i) => {
        done(p);
        const index = first + i;
        try {
          const proof = inclusionProofFromStore(o.store, o.hasher, index, head.size);
          p.resolve({
            origin: o.store.origin,
            index,
            leafHash: p.leafHash,
            checkpoint: head.checkpoint,
            size: head.size,
            proof: proof.proof.map(toBase64),
          });
        } catch (err) {
          p.reject(err);
        }
      });
      o.onBatch?.(head.size);
    } catch (err) {
      for (const p of accepted) {
        done(p);
        p.reject(err);
      }
    }
  }

  /** Appends what is queued and refuses anything new. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush();
    if (this.#toConfirm.length) this.#o.users.confirmMany(this.#toConfirm);
    this.#toConfirm = [];
  }
}
