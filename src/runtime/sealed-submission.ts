/**
 * A confidential submission's sealed entry, prepared from its checked plain entry without a second full check: the
 * same bytes as model's prepareSealed (a property test holds them equal), at about half its cost on the entry
 * worker. prepareSealed parses and checks the sealed envelope it has just built with the whole entry schema (zod)
 * and the regime's names; here only what did not come from checked or self-made parts is checked: the audience and
 * the `audience-key` reference the caller hands over (their schema, and the regime's names, which are cheap). The
 * rest is the plain entry's party, key, time and references, already checked, and what sealEntry derives (id,
 * commitments, base64 ciphertext, the inner type), well-formed by construction; the entry's canonical JSON is written
 * from the associated data's text (sealedCanonicalOfPrepared), not serialised again. If any of those checks fails, the
 * full prepareSealed runs, so that the refusal is its error, word for word.
 */
import type { SymmetricSuite } from '../crypto/hpke/index.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  blobRefsOf,
  EntryRef,
  type EntrySigner,
  PartyList,
  type PreparedEntry,
  preparedOfBuilt,
  prepareSealed,
  type Regime,
  type SealWith,
  sealedCanonicalOfPrepared,
  vocabularyProblems,
} from '../model/index.js';

/** prepareSealed(suite, sym, regime, signer, plain, seal), for a `plain` entry prepareEntry made for `signer`. */
export function prepareSealedFromChecked(
  suite: CryptoSuite,
  sym: SymmetricSuite,
  regime: Regime,
  signer: EntrySigner,
  plain: PreparedEntry,
  seal: SealWith,
): PreparedEntry | undefined {
  if (blobRefsOf(plain.envelope).length) return undefined;
  return (
    sealedWithoutSchema(suite, sym, regime, signer, plain, seal) ??
    prepareSealed(suite, sym, regime, signer, plain, seal)
  );
}

/**
 * The sealed entry of a plain one that names no blobs, prepared without the schema check of its envelope; undefined
 * when something not made here is not as the node makes it (the caller then runs the full check, for its error).
 */
export function sealedWithoutSchema(
  suite: CryptoSuite,
  sym: SymmetricSuite,
  regime: Regime,
  signer: EntrySigner,
  plain: PreparedEntry,
  seal: SealWith,
): PreparedEntry | undefined {
  if (
    plain.envelope.party !== signer.party ||
    plain.envelope.key !== signer.key ||
    !PartyList.safeParse(seal.audience).success ||
    !EntryRef.safeParse(seal.keys).success
  ) {
    return undefined;
  }
  const sealed = sealedCanonicalOfPrepared(suite, sym, plain, seal);
  if (vocabularyProblems(regime, sealed.envelope).length > 0) return undefined;
  return preparedOfBuilt(sealed.envelope, sealed.text);
}
