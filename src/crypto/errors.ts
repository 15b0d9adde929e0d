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
  | 'TILE_MALFORMED' // a tile, bundle or tile path that breaks C2SP tlog-tiles
  | 'ENTRY_TOO_LARGE' // an entry over the 65,535 bytes an entry bundle can carry
  | 'LOG_INCONSISTENT' // stored or exported data that disagrees with the checkpoint
  | 'STORE_ERROR' // the store refused an operation (missing log, wrong origin, ...)
  | 'ESCROW_MALFORMED' // an escrow commitment, opening or secrets document that breaks the format (docs/ESCROW.md)
  | 'ESCROW_INVALID' // an opening that does not verify against its commitment (salt, item, path, sums, totals, index)
  | 'COMMITMENT_DUPLICATE' // a second commitment for the same declaration period or random-selection round
  | 'COMMITMENT_LATE' // a random-value commitment recorded after the round's commit deadline
  | 'REVEAL_INVALID' // a revealed random value that does not match its commitment
  | 'REVEAL_LATE'; // a reveal recorded after the round's reveal deadline

export class DetenteError extends Error {
  readonly code: DetenteErrorCode;
  constructor(code: DetenteErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetenteError';
    this.code = code;
  }
}

export function fail(code: DetenteErrorCode, message: string): never {
  throw new DetenteError(code, message);
}
