/**
 * Evidence against a witness: a cosignature whose timestamp the node refused (src/federation/counted-time.ts),
 * in a file anyone can check offline with the log's and the witnesses' verifier keys. JSON
 * `detente-cosignature-refusal/v1`:
 *
 *   { "format", "rule", "logVkey", "witnessVkey", "cosigned": <checkpoint note + the refused cosignature line>,
 *     "entry"?: { "index", "leaf": base64, "proof": [base64] },              (rule before-signed)
 *     "earlier"?: { "witnessVkey", "cosigned": <a smaller checkpoint note + that witness's cosignature line> } }
 *                                                                            (rules backwards, before-previous)
 *
 * - `before-signed`: the cosigned tree contains an entry (inclusion proof) whose author signed it after the
 *   witness claims to have cosigned the tree: the witness backdated its cosignature.
 * - `backwards`: the same witness cosigned a smaller checkpoint of the log at a later time. The witness protocol
 *   only ever extends a witness's state, so the larger one cannot have been cosigned first.
 * - `before-previous`: the witness claims a checkpoint before another party's witness cosigned a smaller one
 *   (a claim that contradicts the other; it does not prove which one lies, so it is kept, not acted on beyond the
 *   refusal).
 */
import { z } from 'zod';
import { fromBase64 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import { decodeEntry } from '../model/index.js';
import type { Checkpoint } from '../tlog/checkpoint.js';
import { openCosignedCheckpoint, parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { verifyInclusion } from '../tlog/inclusion.js';

export const COSIGNATURE_EVIDENCE_FORMAT = 'detente-cosignature-refusal/v1';

export const CosignatureEvidenceSchema = z.strictObject({
  format: z.literal(COSIGNATURE_EVIDENCE_FORMAT),
  rule: z.enum(['before-signed', 'backwards', 'before-previous']),
  logVkey: z.string().max(1000),
  witnessVkey: z.string().max(1000),
  cosigned: z.string().max(65536),
  entry: z
    .strictObject({
      index: z.number().int().nonnegative(),
      leaf: z.string().max(200_000),
      proof: z.array(z.string().max(100)).max(64),
    })
    .optional(),
  earlier: z.strictObject({ witnessVkey: z.string().max(1000), cosigned: z.string().max(65536) }).optional(),
});
export type CosignatureEvidence = z.infer<typeof CosignatureEvidenceSchema>;

function openCosigned(note: string, logVkey: string, witnessVkey: string, which: string, suite: CryptoSuite) {
  try {
    const log = parseVerifierKey(logVkey, suite);
    const witness = parseCosignatureVerifierKey(witnessVkey, suite);
    const opened = openCosignedCheckpoint(note, log, [witness]);
    const cosig = opened.cosignatures.find((c) => c.name === witness.name && c.keyId === witness.keyId);
    if (!cosig) fail('NOTE_UNVERIFIED', `${which}: no cosignature from ${witness.name}`);
    return { checkpoint: opened.checkpoint, timestamp: cosig.timestamp, witness: witness.name };
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    throw new DetenteError(err.code, `${which}: ${err.message}`, { cause: err });
  }
}

/**
 * Re-checks cosignature evidence offline; returns a one-line summary built from verified facts, or throws a
 * DetenteError saying why it proves nothing. `trusted` (when given) must hold the log and witness keys used.
 */
export function verifyCosignatureEvidence(
  input: unknown,
  suite: CryptoSuite,
  trusted?: { logVkeys: readonly string[]; witnessVkeys: readonly string[] },
): { summary: string; origin: string; witness: string } {
  const parsed = CosignatureEvidenceSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail('BAD_INPUT', `not cosignature evidence: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const ev = parsed.data;
  if (trusted) {
    for (const k of [ev.witnessVkey, ...(ev.earlier ? [ev.earlier.witnessVkey] : [])]) {
      if (!trusted.witnessVkeys.includes(k)) fail('NOTE_UNVERIFIED', `the witness key ${k} is not a trusted one`);
    }
    if (!trusted.logVkeys.includes(ev.logVkey)) fail('NOTE_UNVERIFIED', `the log key ${ev.logVkey} is not trusted`);
  }
  const main = openCosigned(ev.cosigned, ev.logVkey, ev.witnessVkey, 'cosigned', suite);
  const when = new Date(main.timestamp * 1000).toISOString();
  const cp: Checkpoint = main.checkpoint;
  if (ev.rule === 'before-signed') {
    if (!ev.entry) fail('BAD_INPUT', 'before-signed: expected entry');
    const hasher = new Rfc6962Hasher(suite.sha256);
    const leaf = fromBase64(ev.entry.leaf, 'entry.leaf');
    const proof = ev.entry.proof.map((h, i) => fromBase64(h, `entry.proof[${i}]`));
    verifyInclusion(hasher, ev.entry.index, cp.size, hasher.hashLeaf(leaf), proof, cp.root);
    let signedAt: number;
    try {
      signedAt = Date.parse(decodeEntry(leaf).envelope.issuedAt);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      fail('BAD_INPUT', `entry: ${err.message}`);
    }
    if (!(signedAt > main.timestamp * 1000 + 999)) {
      fail(
        'PROOF_INVALID',
        `entry ${ev.entry.index} was signed at ${new Date(signedAt).toISOString()}, not after ${when}`,
      );
    }
    return {
      origin: cp.origin,
      witness: main.witness,
      summary: `${main.witness} cosigned ${cp.origin} size ${cp.size} at ${when}, before entry ${ev.entry.index} in it was signed (${new Date(signedAt).toISOString()})`,
    };
  }
  if (!ev.earlier) fail('BAD_INPUT', `${ev.rule}: expected earlier`);
  if (ev.rule === 'backwards' && ev.earlier.witnessVkey !== ev.witnessVkey) {
    fail('BAD_INPUT', 'backwards: the earlier cosignature must be by the same witness');
  }
  const other = openCosigned(ev.earlier.cosigned, ev.logVkey, ev.earlier.witnessVkey, 'earlier', suite);
  if (!(other.checkpoint.size < cp.size && other.timestamp > main.timestamp)) {
    fail('PROOF_INVALID', 'the earlier cosignature is not of a smaller checkpoint at a later time');
  }
  return {
    origin: cp.origin,
    witness: main.witness,
    summary: `${main.witness} cosigned ${cp.origin} size ${cp.size} at ${when}, yet ${other.witness} cosigned the smaller size ${other.checkpoint.size} only at ${new Date(other.timestamp * 1000).toISOString()}`,
  };
}
