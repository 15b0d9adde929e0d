/**
 * Typed errors for everything that parses or verifies. Callers switch on `code`, never on message text.
 * Modelled on sigstore-js's VerificationError: one class, a closed set of codes, a human-readable message
 * that names the field and what was expected.
 */
export type DetenteErrorCode =
  | 'BAD_INPUT' // a value of the wrong type, length or range was passed in
  | 'BAD_ENCODING' // base64, hex, UTF-8 or decimal that does not decode strictly
  | 'NOTE_MALFORMED' // a signed note that breaks C2SP signed-note syntax
  | 'NOTE_UNVERIFIED' // no known key signed the note
  | 'NOTE_BAD_SIGNATURE' // a known key's signature does not verify
  | 'VKEY_MALFORMED' // a verifier or signer key string that does not parse
  | 'CHECKPOINT_MALFORMED' // a checkpoint body that breaks C2SP tlog-checkpoint
  | 'COSIGNATURE_MALFORMED'
  | 'COSIGNATURE_INVALID'
  | 'PROOF_INVALID' // an inclusion or consistency proof that does not verify
  | 'PROOF_MALFORMED' // a tlog-proof file that breaks C2SP tlog-proof
  | 'POLICY_MALFORMED' // a tlog-policy file that breaks C2SP tlog-policy
  | 'POLICY_UNSATISFIED' // a checkpoint from no log of the policy, or whose cosignatures do not meet its quorum
  | 'TILE_MALFORMED' // a tile, bundle or tile path that breaks C2SP tlog-tiles
  | 'ENTRY_TOO_LARGE' // an entry over the 65,535 bytes an entry bundle can carry
  | 'LOG_INCONSISTENT' // stored or exported data that disagrees with the checkpoint
  | 'STORE_ERROR' // the store refused an operation (missing log, wrong origin, ...)
  | 'STORE_CORRUPT' // the store's file is damaged: SQLite reports it, a row contradicts what it must hold, or stored data does not decode
  | 'STORE_FULL' // the disk is full: nothing was written
  | 'PORT_IN_USE' // a port a server must listen on is taken by another program
  | 'DUPLICATE_KEY' // a batch repeats an idempotency key the log already holds (a replayed submission)
  | 'REGIME_INVALID' // a regime document that does not parse, breaks its schema or refers to what it does not define
  | 'SCHEMA_INVALID' // an entry that breaks its schema, is not in canonical form, or names what the regime lacks
  | 'SIGNATURE_INVALID' // an entry (or countersignature) whose signature does not verify with the stated key
  | 'KEY_UNKNOWN' // the stated key is not a key of the stated party in the regime
  | 'ROLE_DENIED' // the key belongs to the party but lacks the role the entry type needs
  | 'REFERENCE_UNKNOWN' // an entry refers to an entry that does not exist
  | 'ESCROW_MALFORMED' // an escrow commitment, opening or secrets document that breaks the format (docs/ESCROW.md)
  | 'ESCROW_INVALID' // an opening that does not verify against its commitment (salt, item, path, sums, totals, index)
  | 'COMMITMENT_DUPLICATE' // a second commitment for the same declaration period or random-selection round
  | 'COMMITMENT_LATE' // a random-value commitment recorded after the round's commit deadline
  | 'REVEAL_INVALID' // a revealed random value that does not match its commitment
  | 'REVEAL_LATE' // a reveal recorded after the round's reveal deadline
  | 'STAGE_INVALID' // a consultation step out of order, for no open consultation, or countersigned by the wrong party
  | 'CIPHERTEXT_MALFORMED' // a sealed body, wrapped key or recipient key of the wrong length or shape
  | 'DECRYPTION_FAILED' // a ciphertext that does not open with the key given: wrong key, tampered or truncated bytes
  | 'COMMITMENT_MISMATCH'; // a decrypted body that does not match the commitment its envelope carries

/** One thing wrong with an input: where (a JSONPath such as `$.parties[0].keys[1].roles`) and what. */
export interface Problem {
  path: string;
  message: string;
}

export class DetenteError extends Error {
  readonly code: DetenteErrorCode;
  /** Every problem found, when one error reports several (a regime, an entry); otherwise empty. */
  readonly problems: readonly Problem[];
  constructor(code: DetenteErrorCode, message: string, options?: { cause?: unknown; problems?: readonly Problem[] }) {
    super(message, options);
    this.name = 'DetenteError';
    this.code = code;
    this.problems = options?.problems ?? [];
  }
}

export function fail(code: DetenteErrorCode, message: string): never {
  throw new DetenteError(code, message);
}

/**
 * `step()`'s result, or the code of the DetenteError it threw (any other error goes on): an opening that failed, as a
 * fold charges it (engine/confidential.ts) and an opener worker hands it over (runtime/sealed-opener-worker.ts).
 */
export function codeOnFailure<T>(step: () => T): T | { code: DetenteErrorCode } {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return { code: err.code };
  }
}
