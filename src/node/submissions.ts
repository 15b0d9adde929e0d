/**
 * The submission pipeline: a member of the party submits a statement; the node checks it, signs it with the
 * party's key for the role the entry type needs, appends it in a batch, and answers with the entry's index and an
 * inclusion proof against the signed checkpoint of that batch.
 *
 *   request ─> user's role and party ─> envelope schema ─> key and vocabulary of the regime ─> sign ─> references
 *   exist (own log + mirrors) ─> issuedAt near the node's clock ─> nonce not used, and no identical entry (both in
 *   the log's idempotency keys, or in flight) ─> queue
 *   queue ─> within about 1 ms while the disk is idle, else maxDelayMs (≤ 1 s) after the first queued entry, or
 *   at maxEntries: append the batch with its signed checkpoint and two idempotency keys per entry, hash(user,
 *   nonce) and hash(signed message), in one transaction ─> resolve every waiter with
 *   {index, leafHash, checkpoint, inclusion proof}
 *
 * Ed25519 is deterministic, so an identical envelope signs to an identical entry: the second key keeps the same
 * signed entry from repeating in the log (sent twice under two nonces, it would otherwise count twice).
 *
 * Nothing is stored for a refused submission: every check runs before the queue, and a batch that fails to append
 * writes nothing and fails every waiter. A nonce is used exactly when its entry is in the log, because the two are
 * written by the same transaction; there is nothing to reconcile after a crash.
 *
 * The node does not verify the signatures it makes: its seeds are checked against the regime's public keys when
 * the pipeline starts (entrySigner), and prepareEntry makes every other check verifyEntry would.
 */

import { concat, fromHex, toBase64, toHex, utf8 } from '../crypto/bytes.js';
import { DetenteError, type Problem } from '../crypto/errors.js';
import type { SymmetricSuite } from '../crypto/hpke/index.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { commitmentOfDeclaration, openedItemsOf, openingBlobRefs } from '../engine/escrow-entries.js';
import type { LogWriter } from '../log/log-writer.js';
import { inclusionProofsOfBatch } from '../log/proofs.js';
import { problemsError } from '../model/common.js';
import {
  type Audience,
  blobRefsOf,
  type ConsultationStep,
  checkEntryRefs,
  checkRefs,
  consultationProblems,
  type DeclarationOpeningBody,
  decodeEntry,
  ENTRY_ROLE,
  ENTRY_TYPES,
  type EntryRef,
  type EntrySigner,
  type EntryType,
  type Envelope,
  entryAudience,
  entrySigner,
  type Item,
  isConfidentialType,
  type Party,
  type PreparedEntry,
  PUBLIC,
  type Regime,
  recipientKeyOf,
  type SealedBody,
  type SealWith,
  sealEntryBlobs,
  sealingRandomness,
  vocabularyProblems,
} from '../model/index.js';
import {
  type EntryPreparer,
  inlinePreparer,
  type PrepareFields,
  type SealedPrepared,
  type SignedLeaf,
} from '../runtime/entry-workers.js';
import { symmetricNode } from '../runtime/node-crypto.js';
import type { SignedPrepared } from '../runtime/signed-entry.js';
import type { LogStore } from '../store/store.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { AudienceKeys, type RandomSource } from './audience-keys.js';
import type { User } from './users.js';

/** The name the node's own submissions (its audience keys) go under. */
const NODE_USER = 'node';

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
  /**
   * Optional: who may read the body (issue 14); default the regime's audience for the entry. A party list seals
   * the body to them (the author always among them); it may narrow the regime's audience, never widen it.
   */
  audience?: Audience;
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
  /** Whether an entry exists in this node's own log or in a log it mirrors. */
  refExists: (ref: EntryRef) => boolean;
  /** The consultation step an entry of this node's logs is, if it is one (for the chain check of a new step). */
  consultationStep?: (ref: EntryRef) => ConsultationStep | undefined;
  maxEntries: number;
  maxDelayMs: number;
  clock?: () => number;
  /** Called after each batch commits (to wake the witness client, say). */
  onBatch?: (size: number) => void;
  /**
   * Checks, canonicalises and signs each entry (prepareEntry + Ed25519; default: on this thread, with the suite). A
   * node passes its worker threads (runtime/entry-workers.ts), so that this CPU leaves the event loop.
   */
  preparer?: EntryPreparer;
  /** How far an explicit issuedAt may lie before or after the node's clock (default ISSUED_AT_WINDOW). */
  issuedAtWindowMs?: { past: number; future: number };
  /** The party's recipient private keys, by key id (confidential entries; default none). */
  recipientKeys?: ReadonlyMap<string, Uint8Array>;
  /** AES-256-GCM and HKDF (default node:crypto's). */
  sym?: SymmetricSuite;
  /** The randomness of audience keys and their wrapping (default fresh; exercises fix it). */
  sealingRandom?: RandomSource;
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * A signer's issuedAt is its own claim (the engine counts time from cosignatures, never from it), but it is shown,
 * and a witness's time must not precede it: a week back (a statement prepared offline), minutes ahead (clock skew).
 */
export const ISSUED_AT_WINDOW = { past: 7 * 24 * 3600_000, future: 10 * 60_000 };

/**
 * An entry checked, signed and ready to append: its leaf, leaf hash and entry key (stored with it too: the record
 * that this exact signed entry is in the log) come with it from where it was signed (runtime/signed-entry.ts).
 */
interface Checked extends SignedLeaf {
  /** Stored with the entry (LogStore's idempotency keys): the durable record that this user's nonce is used. */
  idempotencyKey: Uint8Array;
  /** The entry key in hex: its name among the entries in flight. */
  entryKeyHex: string;
}

interface Pending extends Checked {
  user: string;
  nonce: string;
  resolve: (r: Receipt) => void;
  reject: (e: unknown) => void;
}

const NONCE = /^[\x21-\x7e]{8,128}$/;
/** How many references found to exist are remembered. */
const KNOWN_REFS = 4096;

const NONCE_CONTEXT = utf8('detente/submission-nonce/v1\n');

/** The idempotency key of a user's nonce (names hold no LF, so user and nonce cannot run into each other). */
function nonceKey(suite: CryptoSuite, user: string, nonce: string): Uint8Array {
  return suite.sha256(concat(NONCE_CONTEXT, utf8(`${user}\n${nonce}`)));
}

function fromDetente(err: unknown): never {
  if (!(err instanceof DetenteError)) throw err;
  const path = err.problems[0]?.path;
  switch (err.code) {
    case 'SCHEMA_INVALID':
      throw new SubmissionError(400, err.code, err.message, path, err.problems);
    case 'ENTRY_TOO_LARGE':
      throw new SubmissionError(413, err.code, err.message, '$.body');
    case 'ROLE_DENIED':
    case 'KEY_UNKNOWN':
      throw new SubmissionError(403, err.code, err.message, path);
    case 'REFERENCE_UNKNOWN':
    case 'STAGE_INVALID':
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
  // Entry keys (hex) of the submissions queued or being appended: an identical one must not join them.
  readonly #inFlightEntries = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #signers = new Map<string, EntrySigner>();
  readonly #preparer: EntryPreparer;
  // Submissions being prepared: close() waits for them (they are refused, as the pipeline is closed by then).
  readonly #preparing = new Set<Promise<unknown>>();
  // Batches committed and being flushed to disk: their waiters are answered once each is durable.
  readonly #flushing = new Set<Promise<void>>();
  readonly #sym: SymmetricSuite;
  // Parties of the regime found to have a recipient key (the regime is the pipeline's for its whole life).
  readonly #withRecipientKey = new Set<string>();
  // References found to exist: an entry of an append-only log stays there (checked again once this is full).
  readonly #knownRefs = new Set<string>();
  /** The party's audience keys: sealing its confidential entries, reading others'. */
  readonly audienceKeys: AudienceKeys;

  constructor(options: SubmissionOptions) {
    this.#o = options;
    this.#sym = options.sym ?? symmetricNode;
    const nodeUser: User = { name: NODE_USER, party: options.party.id, roles: ['declarant'] };
    this.audienceKeys = new AudienceKeys({
      regime: options.regime,
      party: options.party,
      sym: this.#sym,
      privateKeys: options.recipientKeys ?? new Map(),
      random: options.sealingRandom,
      store: options.store,
      hasher: options.hasher,
      logger: options.logger,
      publish: async (body, issuedAt) => {
        const nonce = `audience-key-${toHex(options.suite.sha256(utf8(JSON.stringify(body)))).slice(0, 32)}`;
        const receipt = await this.#enqueue(nodeUser, { nonce, type: 'audience-key', body, issuedAt });
        return { origin: receipt.origin, index: receipt.index, leafHash: receipt.leafHash };
      },
    });
    this.#clock = options.clock ?? Date.now;
    this.#preparer = options.preparer ?? inlinePreparer(options.suite, options.regime, this.#sym);
    // A seed that is not the regime key's would sign entries every peer refuses: refuse it here, once.
    for (const [key, seed] of options.seeds) {
      this.#signers.set(key, entrySigner(options.suite, options.regime, options.party.id, key, seed));
    }
  }

  /** The key of the node's party that signs entries of `type`. */
  keyFor(type: EntryType): string | undefined {
    return this.#o.party.keys.find((k) => k.roles.includes(ENTRY_ROLE[type]))?.id;
  }

  /** Checks, signs and queues a submission; resolves once the entry is durable in a signed checkpoint. */
  async submit(user: User, request: SubmissionRequest): Promise<Receipt> {
    if (this.#closed) throw new SubmissionError(503, 'SHUTTING_DOWN', 'the node is shutting down');
    if (request.type === 'sealed' || request.type === 'audience-key') {
      throw new SubmissionError(
        400,
        'SCHEMA_INVALID',
        `type: the node makes "${request.type}" entries itself: submit the entry in the clear, with an audience`,
        '$.type',
      );
    }
    const ahead = this.#sealAhead(request);
    if (ahead) {
      const { request: timed, seal } = ahead;
      const out = await this.#checkSealed(user, timed, seal);
      // (Its nonce is checked as it is queued, in this same turn of the event loop.)
      const audience = this.#audienceOf(timed, out.plain);
      // Sealed for the audience the checked entry has (a guess from the unchecked request, checked here): append it.
      const same = audience !== PUBLIC && [...audience].sort().join(',') === [...seal.audience].sort().join(',');
      if (out.sealed && same) {
        return this.#enqueue(user, timed, out.sealed);
      }
    }
    const sealing = await this.#confidential(user, request);
    if (!sealing.audience) return this.#enqueue(user, request, sealing.checked);
    const { envelope, message } = sealing.plain;
    const audience = sealing.audience;
    const { ref, key } = await this.audienceKeys.forSealing(audience, envelope.issuedAt);
    const { id, salt } = sealingRandomness(this.#sym, key, message);
    // The blobs it names were checked with the plain entry (#checkBlobs): sealed with it, and only the ciphertexts
    // are named in the log, fetched by mirrors and served without a login (the plaintexts stay this node's).
    const plaintexts = blobRefsOf(envelope).map((r) => this.#o.store.blob(fromHex(r.sha256))!);
    const { sealed, blobs } = sealEntryBlobs(
      this.#sym,
      this.#o.suite.sha256,
      envelope,
      { audience, keys: ref, audienceKey: key, id, salt },
      plaintexts,
    );
    for (const b of blobs) this.#o.store.putBlob(fromHex(b.ref.sha256), b.bytes);
    return this.#enqueue(user, {
      nonce: request.nonce,
      type: 'sealed',
      body: sealed.body,
      refs: sealed.refs,
      issuedAt: sealed.issuedAt,
      key: sealed.key,
    });
  }

  /**
   * A submission whose body the regime (or the request's `audience`) keeps from the public: the plain entry, fully
   * checked, and its audience (none for a public one). Refuses, naming `$.audience`, an audience the regime does
   * not allow and one with a party that has no recipient key.
   */
  async #confidential(user: User, request: SubmissionRequest) {
    const checked = await this.#checkPlain(user, request);
    const plain = checked.prepared;
    const audience = this.#audienceOf(request, plain);
    if (audience === PUBLIC) return { plain, checked, audience: undefined };
    // The nonce checked before the entry is sealed (and its audience key perhaps published).
    this.#checkNonce(user, request.nonce);
    return { plain, checked, audience };
  }

  /**
   * The audience of a checked plain entry (the regime's, or the narrower one requested); a party list is refused,
   * naming `$.audience`, if a party has no recipient key.
   */
  #audienceOf(request: SubmissionRequest, plain: PreparedEntry): Audience {
    let audience: Audience;
    try {
      audience = entryAudience(this.#o.regime, plain.envelope, request.audience);
    } catch (err) {
      fromDetente(err);
    }
    if (audience === PUBLIC) return audience;
    for (const party of audience) {
      if (this.#withRecipientKey.has(party)) continue;
      try {
        recipientKeyOf(this.#o.regime, party);
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        throw new SubmissionError(422, 'RECIPIENT_KEY_UNKNOWN', `audience: ${err.message}`, '$.audience');
      }
      this.#withRecipientKey.add(party);
    }
    return audience;
  }

  /**
   * For a submission the node will seal, when the audience key for it is already at hand: the audience it will
   * have (the regime's for the unchecked request; #audienceOf checks it against the checked entry) and the request
   * with its time fixed (the key is the period's), so that it is checked, sealed and signed in one step. Undefined
   * for the rest (public entries, a first entry of an audience and period, an audience refused): the general path.
   */
  #sealAhead(request: SubmissionRequest): { request: SubmissionRequest; seal: SealWith } | undefined {
    if (!isConfidentialType(request.type) || typeof request.body !== 'object' || request.body === null)
      return undefined;
    const issuedAt = request.issuedAt ?? new Date(this.#clock()).toISOString();
    let audience: Audience;
    try {
      const draft = { type: request.type, party: this.#o.party.id, body: request.body } as Envelope;
      audience = entryAudience(this.#o.regime, draft, request.audience);
    } catch {
      return undefined;
    }
    if (audience === PUBLIC) return undefined;
    const ready = this.audienceKeys.readyForSealing(audience, issuedAt);
    if (!ready) return undefined;
    return { request: { ...request, issuedAt }, seal: { audience, keys: ready.ref, audienceKey: ready.key } };
  }

  /** Checks and queues an entry (as it will be signed); resolves once it is durable in a signed checkpoint. */
  async #enqueue(user: User, request: SubmissionRequest, plain?: SignedLeaf): Promise<Receipt> {
    const entry = plain ?? (await this.#checkPlain(user, request));
    // Everything from here up to the push runs in this tick: no other submission can slip between the nonce check
    // and it.
    const checked = this.#check(user, request, entry);
    this.#inFlight.add(`${user.name}\n${request.nonce}`);
    this.#inFlightEntries.add(checked.entryKeyHex);
    return new Promise<Receipt>((resolve, reject) => {
      this.#queue.push({ user: user.name, nonce: request.nonce, ...checked, resolve, reject });
      this.#schedule();
    });
  }

  /** Every check, without storing anything. Returns the entry to sign and append. */
  #check(user: User, request: SubmissionRequest, plain: SignedLeaf): Checked {
    const o = this.#o;
    const idempotencyKey = this.#checkNonce(user, request.nonce);
    const same = o.store.indexOfKey(plain.entryKey);
    const entryKeyHex = toHex(plain.entryKey);
    if (same !== undefined || this.#inFlightEntries.has(entryKeyHex)) {
      throw new SubmissionError(
        409,
        'DUPLICATE_ENTRY',
        same === undefined
          ? 'an identical entry (same type, body, refs, key and issuedAt) is being appended'
          : `an identical entry (same type, body, refs, key and issuedAt) is already in the log (entry ${same})`,
      );
    }
    return { ...plain, idempotencyKey, entryKeyHex };
  }

  /** The idempotency key of the user's nonce, refused if the nonce was used (in the log or in flight). */
  #checkNonce(user: User, nonce: string): Uint8Array {
    const idempotencyKey = nonceKey(this.#o.suite, user.name, nonce);
    const index = this.#o.store.indexOfKey(idempotencyKey);
    if (index !== undefined || this.#inFlight.has(`${user.name}\n${nonce}`)) {
      const where = index === undefined ? '' : ` (entry ${index})`;
      throw new SubmissionError(409, 'REPLAYED', `nonce ${nonce} was already used by ${user.name}${where}`, '$.nonce');
    }
    return idempotencyKey;
  }

  /** The checks of a request before its entry is prepared (user, party, role, key), and what to prepare. */
  #signerFor(user: User, request: SubmissionRequest): { signer: EntrySigner; fields: PrepareFields } {
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
    // A sealed entry (made by the node from a checked plain one) is signed with the key its sealed type needs.
    const role = type === 'sealed' ? ENTRY_ROLE[(request.body as SealedBody).type] : ENTRY_ROLE[type];
    if (!(user.roles as string[]).includes(role)) {
      throw new SubmissionError(
        403,
        'ROLE_DENIED',
        `user ${user.name} has roles ${user.roles.join(', ')}; a ${type} needs role "${role}"`,
        '$.type',
      );
    }
    let key = this.#o.party.keys.find((k) => k.roles.includes(role))?.id;
    if (request.key !== undefined) {
      // The same codes and words as the model's check of a signed entry (model/envelope.ts keyFor), so that a
      // refused step reads the same from a node as from `scenario play` (NEWCOMER m17).
      const k = o.party.keys.find((x) => x.id === request.key);
      if (k === undefined) {
        const owner = o.regime.parties.find((p) => p.keys.some((x) => x.id === request.key));
        throw new SubmissionError(
          403,
          'KEY_UNKNOWN',
          owner === undefined
            ? `key ${JSON.stringify(request.key)} is not in regime "${o.regime.id}"`
            : `key ${JSON.stringify(request.key)} belongs to "${owner.id}", not "${o.party.id}"`,
          '$.key',
        );
      }
      if (!k.roles.includes(role)) {
        throw new SubmissionError(
          403,
          'ROLE_DENIED',
          `key ${JSON.stringify(request.key)} of "${o.party.id}" has roles ${k.roles.join(', ')}; this needs role "${role}"`,
          '$.key',
        );
      }
      key = k.id;
    }
    const signer = key === undefined ? undefined : this.#signers.get(key);
    if (key === undefined || signer === undefined) {
      throw new SubmissionError(403, 'ROLE_DENIED', `"${o.party.id}" has no key with role "${role}" on this node`);
    }
    const issuedAt = request.issuedAt ?? new Date(this.#clock()).toISOString();
    return { signer, fields: { type, issuedAt, body: request.body, refs: request.refs } as PrepareFields };
  }

  /**
   * The checks of the entry itself: user, party, key, schema, regime, references, time and blobs. The entry is
   * prepared and signed by the preparer (on a worker thread in a node); the checks that read the stores run after it.
   */
  async #checkPlain(user: User, request: SubmissionRequest): Promise<SignedPrepared> {
    const { signer, fields } = this.#signerFor(user, request);
    const signed = await this.#prepare(this.#preparer.prepare(signer, fields));
    this.#checkPrepared(signed.prepared);
    return signed;
  }

  /**
   * A confidential submission checked, sealed with `seal` and signed in one step (the preparer's prepareSealed: on
   * a worker thread in a node): the plain entry (checked as #checkPlain checks it, not signed) and its sealed entry
   * (checked and signed), unless the plain one names blobs.
   */
  async #checkSealed(user: User, request: SubmissionRequest, seal: SealWith): Promise<SealedPrepared> {
    const { signer, fields } = this.#signerFor(user, request);
    const out = await this.#prepare(this.#preparer.prepareSealed(signer, fields, seal));
    this.#checkPrepared(out.plain);
    // The sealed entry has the plain one's references and time, no blobs, and one reference more: its audience
    // key's entry, which the node chose (model/entries entryRefs: `body.keys`).
    if (out.sealed) {
      try {
        checkRefs([{ path: ['body', 'keys'], ref: seal.keys }], (ref) => this.#refExists(ref));
      } catch (err) {
        fromDetente(err);
      }
    }
    return out;
  }

  /** The preparer's answer, or its error as a submission's; SHUTTING_DOWN once the pipeline is closed. */
  async #prepare<T>(preparing: Promise<T>): Promise<T> {
    this.#preparing.add(preparing);
    let answer: T;
    try {
      answer = await preparing;
    } catch (err) {
      if (this.#closed) throw new SubmissionError(503, 'SHUTTING_DOWN', 'the node is shutting down');
      fromDetente(err);
    } finally {
      this.#preparing.delete(preparing);
    }
    if (this.#closed) throw new SubmissionError(503, 'SHUTTING_DOWN', 'the node is shutting down');
    return answer;
  }

  /**
   * Whether a reference names an entry of this node's logs, remembered once it does (a sealed entry names its
   * audience key's entry, the same for a whole period: reading and hashing it for each submission cost the event loop).
   */
  #refExists(ref: EntryRef): boolean {
    const id = `${ref.origin}\n${ref.index}\n${ref.leafHash}`;
    if (this.#knownRefs.has(id)) return true;
    if (!this.#o.refExists(ref)) return false;
    if (this.#knownRefs.size >= KNOWN_REFS) this.#knownRefs.clear();
    this.#knownRefs.add(id);
    return true;
  }

  /** The checks of a prepared entry that read the stores: references, consultation stage, time and blobs. */
  #checkPrepared(prepared: PreparedEntry): void {
    const o = this.#o;
    try {
      checkEntryRefs(prepared.envelope, (ref) => this.#refExists(ref));
      if (prepared.envelope.type === 'consultation' && o.consultationStep) {
        const problems = consultationProblems(o.regime, prepared.envelope, o.consultationStep);
        if (problems.length) throw problemsError('STAGE_INVALID', 'entry refused', problems);
      }
    } catch (err) {
      fromDetente(err);
    }
    this.#checkIssuedAt(prepared.envelope.issuedAt);
    this.#checkBlobs(prepared.envelope);
  }

  /** issuedAt (given or defaulted) must lie within the window around the node's clock. */
  #checkIssuedAt(issuedAt: string): void {
    const { past, future } = this.#o.issuedAtWindowMs ?? ISSUED_AT_WINDOW;
    const now = this.#clock();
    const at = Date.parse(issuedAt);
    if (!(at >= now - past && at <= now + future)) {
      throw new SubmissionError(
        422,
        'ISSUED_AT_IMPLAUSIBLE',
        `issuedAt: ${issuedAt} is outside the node's window (${new Date(now - past).toISOString()} to ${new Date(now + future).toISOString()})`,
        '$.issuedAt',
      );
    }
  }

  /**
   * An opening in blobs must verify against the party's own escrowed declaration it names, so that one that does
   * not (a changed item, a node of its proof missing or extra) is refused with its reason and nothing is recorded.
   * (An opening naming no declaration of this log is left to the reference checks and the engine.)
   */
  #checkOpening(body: DeclarationOpeningBody): void {
    const ref = body.declaration;
    const leaf = ref.origin === this.#o.store.origin ? this.#o.store.entry(ref.index) : undefined;
    if (!leaf) return;
    const declared = decodeEntry(leaf).envelope;
    if (declared.type !== 'declaration' || declared.body.form !== 'escrowed') return;
    const blobs = openingBlobRefs(body).map((r) => this.#o.store.blob(fromHex(r.sha256)));
    try {
      openedItemsOf(body, commitmentOfDeclaration(declared.body), blobs, this.#o.suite.sha256);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      throw new SubmissionError(422, err.code, `the opening does not verify: ${err.message}`, '$.body.opening');
    }
  }

  /** The blobs an entry names (a declaration's `more`, an opening's `opening.blobs`) must be stored already. */
  #checkBlobs(envelope: Envelope): void {
    if (envelope.type === 'declaration-opening') {
      for (const [i, ref] of openingBlobRefs(envelope.body).entries()) {
        const path = `$.body.opening.blobs[${i}]`;
        const bytes = this.#o.store.blob(fromHex(ref.sha256));
        if (!bytes) {
          throw new SubmissionError(422, 'BLOB_UNKNOWN', `blob ${ref.sha256} is not stored (POST /api/blobs)`, path);
        }
        if (bytes.length !== ref.size) {
          throw new SubmissionError(400, 'SCHEMA_INVALID', `blob ${ref.sha256} has ${bytes.length} bytes`, path);
        }
      }
      this.#checkOpening(envelope.body);
      return;
    }
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

  /**
   * When the queue goes to disk: on Node's shortest timer (about 1 ms, enough for the requests of a burst to join)
   * if no batch is being flushed when the first entry is queued; else as soon as that flush is done (its entries
   * would wait for it anyway: a flush starts after the one before), or maxDelayMs after the first entry if that
   * comes first; at once when the queue is full. So whatever arrives during a flush is one transaction and one
   * checkpoint signature, and nobody waits long while the disk is idle. (At the next turn of the event loop
   * instead, batches were smaller and the submit bench slower.)
   */
  #schedule(): void {
    if (this.#queue.length === 0) return;
    if (this.#queue.length >= this.#o.maxEntries) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.flush(), 0);
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), this.#flushing.size === 0 ? 0 : this.#o.maxDelayMs);
  }

  /** Appends what is queued (at most maxEntries a batch) now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#o.maxEntries);
      this.#appendBatch(batch);
    }
  }

  #appendBatch(batch: Pending[]): void {
    const o = this.#o;
    const settle = (each: (p: Pending, i: number) => void) =>
      batch.forEach((p, i) => {
        this.#inFlight.delete(`${p.user}\n${p.nonce}`);
        this.#inFlightEntries.delete(p.entryKeyHex);
        each(p, i);
      });
    const refuse = (err: unknown) => {
      const refusal =
        err instanceof DetenteError && err.code === 'DUPLICATE_KEY'
          ? new SubmissionError(
              409,
              'REPLAYED',
              'a nonce or an entry of this batch was recorded meanwhile: nothing was stored',
            )
          : err;
      settle((p) => p.reject(refusal));
    };
    const acknowledged = Promise.resolve()
      .then(() => {
        // One transaction: the entries, their tiles, the signed checkpoint and the nonces' idempotency keys. It
        // returns once committed; the next batch is checked and signed while this one is flushed to disk.
        // The leaves and their hashes came from where each entry was signed: nothing is hashed here but the
        // tree's new nodes.
        const appended = o.writer.appendDeferred(
          batch.map((p) => p.leaf),
          batch.map((p) => [p.idempotencyKey, p.entryKey]),
          batch.map((p) => p.leafHash),
        );
        return appended.durable.then(() => appended);
      })
      .then(({ first, head, batch: appended }) => {
        // From the batch in memory (the peaks before it and its leaf hashes), not from tiles read back.
        const proofs = inclusionProofsOfBatch(o.hasher, appended);
        settle((p, i) =>
          p.resolve({
            origin: o.store.origin,
            index: first + i,
            leafHash: toHex(proofs[i]!.leafHash),
            checkpoint: head.checkpoint,
            size: head.size,
            proof: proofs[i]!.proof.map(toBase64),
          }),
        );
        o.onBatch?.(head.size);
      })
      // Not durable, or no proof: the waiters learn it. The entries, if on disk, stay as they are.
      .catch(refuse)
      .finally(() => {
        this.#flushing.delete(acknowledged);
        if (this.#flushing.size === 0 && this.#queue.length > 0) this.flush();
        else this.#schedule();
      });
    this.#flushing.add(acknowledged);
  }

  /** Appends what is queued, refuses anything new, and waits until every batch is acknowledged or refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#preparing]);
    this.flush();
    await Promise.all([...this.#flushing]);
  }
}
