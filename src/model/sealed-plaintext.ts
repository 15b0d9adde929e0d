/**
 * The plaintext of a sealed entry as a node hands it to a user of the entry's audience (`GET /api/plaintexts/…`),
 * and the check a reader makes of it against the public envelope: the salted commitment its author signed
 * (`bodyCommitment`, crypto/hpke/content.ts, the function sealing uses). So the dashboard trusts no node, its own
 * included, for the content of a sealed entry: only for handing it over.
 */
import { equalBytes, fromBase64, fromHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { bodyCommitment, openSaltAndBody, type SymmetricSuite } from '../crypto/hpke/index.js';
import type { Sha256 } from '../crypto/sha256.js';
import { plainOfBody, sealedAad } from './confidential.js';
import type { Envelope, EnvelopeOf } from './entries/index.js';

/** A sealed entry's commitment salt and body bytes (the canonical JSON of the plain entry's body). */
export interface SealedPlaintext {
  salt: Uint8Array;
  body: Uint8Array;
}

/** The salt and body of a sealed entry, opened with its content key (DECRYPTION_FAILED if it does not open). */
export function sealedPlaintext(
  sym: SymmetricSuite,
  envelope: EnvelopeOf<'sealed'>,
  contentKey: Uint8Array,
): SealedPlaintext {
  return openSaltAndBody(sym, contentKey, fromBase64(envelope.body.ciphertext, 'ciphertext'), sealedAad(envelope));
}

/**
 * The plain entry a sealed one holds, from a plaintext someone handed over: COMMITMENT_MISMATCH when the salt and
 * body are not those the envelope's commitment names, SCHEMA_INVALID when the body is not the canonical JSON of a
 * valid body of the stated type (naming as many blobs as the envelope seals): openSealed's step (plainOfBody).
 */
export function plainOfPlaintext(sha256: Sha256, envelope: EnvelopeOf<'sealed'>, plaintext: SealedPlaintext): Envelope {
  if (!equalBytes(bodyCommitment(sha256, plaintext.salt, plaintext.body), fromHex(envelope.body.commitment))) {
    throw new DetenteError('COMMITMENT_MISMATCH', 'commitment: the plaintext is not the body the author committed to');
  }
  return plainOfBody(envelope, plaintext.body);
}
