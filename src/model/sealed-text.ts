/**
 * A sealed entry read from its canonical text, and a body decrypted that its reader checked before: what a worker
 * that only decrypts needs (runtime/sealed-opener-worker.ts), apart from the model's schemas and the key wrapping,
 * so that such a worker loads a few modules and starts in milliseconds (model/confidential.ts, which re-exports all
 * of this, opens and checks in full).
 */
import { equalBytes, fromBase64, fromHex, fromUtf8, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { DetenteError } from '../crypto/errors.js';
import { contentKey, keyCommitment, openSaltAndBody } from '../crypto/hpke/content.js';
import type { SymmetricSuite } from '../crypto/hpke/symmetric.js';
import type { Sha256 } from '../crypto/sha256.js';
import type { EnvelopeOf } from './entries/index.js';

/** The associated data of a sealed body: the canonical JSON of its envelope without the ciphertext. */
export function sealedAad(envelope: EnvelopeOf<'sealed'>): Uint8Array {
  return utf8(sealedAadText(envelope));
}

function sealedAadText(envelope: EnvelopeOf<'sealed'>): string {
  return canonicalJson({ ...envelope, body: { ...envelope.body, ciphertext: '' } });
}

/**
 * A sealed envelope's canonical text and its associated data's differ only in the body's ciphertext: the first
 * `"ciphertext":"` of either text is that member's (the body is the envelope's first key and its own keys come in
 * order, so before it stand only the audience's strings and the blobs' hash, size and media type, and a string
 * cannot hold an unescaped quote). test/sealed-canonical.test.ts holds the two texts to canonicalJson's.
 */
export const CIPHERTEXT_MEMBER = '"ciphertext":"';

/**
 * The associated data's text of a sealed envelope's canonical text (sealedAad's bytes, as text: the ciphertext cut
 * out), or undefined where the text names no ciphertext. What a reader that holds the entry's canonical bytes
 * opens it with, instead of serialising the envelope again.
 */
export function sealedAadTextOf(canonical: string): string | undefined {
  const span = stringMemberSpan(canonical, CIPHERTEXT_MEMBER, 0);
  return span && canonical.slice(0, span[0]) + canonical.slice(span[1]);
}

/**
 * Where the string value of the first `member` (its name, colon and opening quote) at or after `from` stands in a
 * canonical text: from its first character to its closing quote (a canonical string holds no unescaped quote).
 */
function stringMemberSpan(canonical: string, member: string, from: number): [number, number] | undefined {
  const at = canonical.indexOf(member, from);
  if (at < 0) return undefined;
  const start = at + member.length;
  const to = canonical.indexOf('"', start);
  return to < 0 ? undefined : [start, to];
}

/**
 * What decrypting a sealed body needs of its envelope (the ciphertext, the id its content key derives from, the key
 * commitment), cut from the envelope's canonical text (or a leaf's, which holds it) without parsing it: after the
 * ciphertext, the body's members come in order (commitment, id, keyCommitment), and no string holds an unescaped
 * quote. Undefined where the text names them not. test/sealed-canonical.test.ts holds them to the parsed envelope's.
 */
export function sealedMembersOf(
  canonical: string,
): { body: Pick<EnvelopeOf<'sealed'>['body'], 'ciphertext' | 'id' | 'keyCommitment'> } | undefined {
  const ciphertext = stringMemberSpan(canonical, CIPHERTEXT_MEMBER, 0);
  const id = ciphertext && stringMemberSpan(canonical, '"id":"', ciphertext[1]);
  const keyCommitment = id && stringMemberSpan(canonical, '"keyCommitment":"', id[1]);
  if (!keyCommitment) return undefined;
  const text = ([start, to]: [number, number]) => canonical.slice(start, to);
  return { body: { ciphertext: text(ciphertext), id: text(id), keyCommitment: text(keyCommitment) } };
}

/** A sealed entry's content key, from the audience key its `keys` entry wraps. */
export function sealedContentKey(
  sym: SymmetricSuite,
  envelope: { body: Pick<EnvelopeOf<'sealed'>['body'], 'id'> },
  audienceKey: Uint8Array,
) {
  return contentKey(sym, audienceKey, fromBase64(envelope.body.id, 'id'));
}

/**
 * The body text of a sealed entry that its reader checked before (openSealedText found it valid, and its store
 * recorded so: LogStore.checkedSealedBodies): the key commitment and AES-256-GCM only, as a fold that trusts its
 * store trusts the signatures it checked once. What openSealedText gives for the same entry and key, if the record
 * is true; DECRYPTION_FAILED (or COMMITMENT_MISMATCH, a plaintext shorter than its salt) if it does not even open, and
 * the caller then opens it in full to learn what a fold charges (runtime/sealed-opener-worker.ts).
 */
export function openCheckedSealedText(
  sym: SymmetricSuite,
  sha256: Sha256,
  envelope: { body: Pick<EnvelopeOf<'sealed'>['body'], 'ciphertext' | 'keyCommitment'> },
  key: Uint8Array,
  /** The envelope's associated data (sealedAad). */
  aad: Uint8Array,
): string {
  checkKeyCommitment(sha256, envelope, key);
  const { body } = openSaltAndBody(sym, key, fromBase64(envelope.body.ciphertext, 'ciphertext'), aad);
  return fromUtf8(body, 'body');
}

/** Whether `key` is the content key the envelope commits to. */
export function commitsTo(
  sha256: Sha256,
  envelope: { body: Pick<EnvelopeOf<'sealed'>['body'], 'keyCommitment'> },
  key: Uint8Array,
): boolean {
  return equalBytes(keyCommitment(sha256, key), fromHex(envelope.body.keyCommitment));
}

/** DECRYPTION_FAILED unless `key` is the content key the envelope commits to. */
export function checkKeyCommitment(
  sha256: Sha256,
  envelope: { body: Pick<EnvelopeOf<'sealed'>['body'], 'keyCommitment'> },
  key: Uint8Array,
): void {
  if (!commitsTo(sha256, envelope, key)) {
    throw new DetenteError('DECRYPTION_FAILED', 'content key: not the key the author committed to');
  }
}
