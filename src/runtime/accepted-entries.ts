/**
 * Entries prepared and signed in another process (a node's HTTP acceptor, api/acceptors.ts), handed to the
 * submission pipeline as its preparer would have made them. The pipeline still makes every check, in its order, so
 * a refusal has the same code and words as on one process; only the costly part (prepareEntry and the signature)
 * is not done twice.
 *
 * An accepted entry is found by the request's body object, which the pipeline passes on unchanged as the fields'
 * body, and used only if it is the same type, time and key the pipeline asks for. Anything else (an entry the node
 * builds itself, such as a sealed one, or a submission that did not come through an acceptor) goes to the fallback.
 */
import type { EntrySigner, SealWith } from '../model/index.js';
import type { EntryPreparer, PrepareFields, SealedPrepared } from './entry-workers.js';
import { fromCanonical, type SignedCanonical, type SignedPrepared } from './signed-entry.js';

/**
 * As it crosses from the acceptor: the canonical JSON, signature, leaf, leaf hash and entry key (signed-entry.ts;
 * the envelope is parsed again here).
 */
export interface AcceptedEntry extends SignedCanonical {
  /** The key it was signed with. */
  key: string;
}

export class AcceptedEntries implements EntryPreparer {
  readonly #fallback: EntryPreparer;
  readonly #accepted = new WeakMap<object, AcceptedEntry>();
  #used = 0;

  constructor(fallback: EntryPreparer) {
    this.#fallback = fallback;
  }

  /** How many handed-over entries the pipeline took as they were (the others it prepared again). */
  get used(): number {
    return this.#used;
  }

  /** Hands over the entry prepared from a request whose body is `body` (the object the pipeline will be given). */
  accept(body: unknown, entry: AcceptedEntry): void {
    if (typeof body === 'object' && body !== null) this.#accepted.set(body, entry);
  }

  /** A confidential submission: the node seals it, so it is never one handed over. */
  prepareSealed(signer: EntrySigner, fields: PrepareFields, seal: SealWith): Promise<SealedPrepared> {
    return this.#fallback.prepareSealed(signer, fields, seal);
  }

  prepare(signer: EntrySigner, fields: PrepareFields): Promise<SignedPrepared> {
    const body = fields.body;
    const entry = typeof body === 'object' && body !== null ? this.#accepted.get(body) : undefined;
    if (entry === undefined) return this.#fallback.prepare(signer, fields);
    this.#accepted.delete(body as object);
    const signed = fromCanonical(entry);
    const envelope = signed.prepared.envelope;
    if (entry.key !== signer.key || envelope.type !== fields.type || envelope.issuedAt !== fields.issuedAt) {
      return this.#fallback.prepare(signer, fields);
    }
    this.#used++;
    return Promise.resolve(signed);
  }
}
