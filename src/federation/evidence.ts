/**
 * Equivocation evidence: two checkpoints, both validly signed by one log's key, that cannot both be true. A log
 * MUST NOT sign two inconsistent checkpoints (C2SP tlog-checkpoint), so such a pair, in a file anyone can check
 * offline with nothing but the log's verifier key, proves that the log forked or rewrote its history.
 *
 * Two kinds:
 * - `same-size-different-root`: two trees of one size with different roots. Nothing else is needed.
 * - `inconsistent-prefix`: for some size m no larger than either checkpoint, each side carries a chain of
 *   consistency proofs from a root at m up to its own checkpoint, and the two roots at m differ. A valid
 *   consistency proof from (m, r) to (n, R) binds r as the root of the first m leaves of the tree R (unless SHA-256
 *   collides), so the two trees disagree on their first m leaves: neither can extend the other. A side whose
 *   checkpoint has size m carries no proof (its root at m is its root). A chain has more than one hop when the
 *   holder of the evidence knew the tree only through an intermediate size (a mirror that had synced part way).
 *
 * The file is JSON, with hashes in base64 and the checkpoints as their full signed notes:
 *
 *   { "format": "detente-equivocation/v1", "type": "...", "origin", "vkey", "checkpointA", "checkpointB",
 *     "prefix"?: { "size", "a": { "root", "hops": [{ "size", "root", "proof": [...] }] }, "b": {...} },
 *     "explanation" }
 *
 * verifyEvidence re-checks everything (signatures, the proofs, the contradiction) and trusts no field, the
 * explanation included; pass `trustedVkey` to also require that the log key is one you already hold.
 */
import { z } from 'zod';
import { equalBytes, fromBase64, toBase64 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from '../tlog/checkpoint.js';
import { verifyConsistency } from '../tlog/consistency.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';

export const EVIDENCE_FORMAT = 'detente-equivocation/v1';

const Base64Hash = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 hash');
const Size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Hop = z.strictObject({ size: Size, root: Base64Hash, proof: z.array(Base64Hash).max(128) });
const Chain = z.strictObject({ root: Base64Hash, hops: z.array(Hop).max(64) });

export const EvidenceSchema = z.strictObject({
  format: z.literal(EVIDENCE_FORMAT),
  type: z.enum(['same-size-different-root', 'inconsistent-prefix']),
  origin: z.string().min(1),
  vkey: z.string().min(1),
  checkpointA: z.string().min(1).max(65536),
  checkpointB: z.string().min(1).max(65536),
  prefix: z.strictObject({ size: Size, a: Chain, b: Chain }).optional(),
  explanation: z.string(),
});
export type EquivocationEvidence = z.infer<typeof EvidenceSchema>;

/** One step of a chain: (previous size, previous root) is a prefix of (size, root), by `proof`. */
export interface ProofHop {
  size: number;
  root: Uint8Array;
  proof: Uint8Array[];
}

/** The root of a tree's first m leaves, and the consistency proofs that lead from it to the tree's checkpoint. */
export interface PrefixChain {
  root: Uint8Array;
  hops: ProofHop[];
}

function checkpointOf(note: string): Checkpoint {
  return parseCheckpoint(parseNote(note).text);
}

function short(root: Uint8Array): string {
  return toBase64(root).slice(0, 12);
}

/** Evidence that a log signed two different trees of one size (notes already verified by the caller). */
export function sameSizeEvidence(vkey: string, noteA: string, noteB: string): EquivocationEvidence {
  const a = checkpointOf(noteA);
  const b = checkpointOf(noteB);
  if (a.size !== b.size || equalBytes(a.root, b.root)) {
    fail('BAD_INPUT', 'same-size evidence: expected two checkpoints of one size with different roots');
  }
  return {
    format: EVIDENCE_FORMAT,
    type: 'same-size-different-root',
    origin: a.origin,
    vkey,
    checkpointA: noteA,
    checkpointB: noteB,
    explanation:
      `${a.origin} signed two checkpoints of size ${a.size} with different roots ` +
      `(${short(a.root)}… and ${short(b.root)}…): one tree size, two histories.`,
  };
}

function encodeChain(chain: PrefixChain): z.infer<typeof Chain> {
  return {
    root: toBase64(chain.root),
    hops: chain.hops.map((h) => ({ size: h.size, root: toBase64(h.root), proof: h.proof.map(toBase64) })),
  };
}

/**
 * Evidence that two checkpoints disagree on their first `size` leaves: `a` and `b` lead from each tree's root at
 * `size` to its checkpoint (an empty chain for a checkpoint of exactly that size).
 */
export function prefixEvidence(
  vkey: string,
  noteA: string,
  noteB: string,
  size: number,
  a: PrefixChain,
  b: PrefixChain,
): EquivocationEvidence {
  const cpA = checkpointOf(noteA);
  const cpB = checkpointOf(noteB);
  if (equalBytes(a.root, b.root)) fail('BAD_INPUT', 'prefix evidence: the two prefix roots are equal');
  const evidence: EquivocationEvidence = {
    format: EVIDENCE_FORMAT,
    type: 'inconsistent-prefix',
    origin: cpA.origin,
    vkey,
    checkpointA: noteA,
    checkpointB: noteB,
    prefix: { size, a: encodeChain(a), b: encodeChain(b) },
    explanation:
      `${cpA.origin} signed checkpoints of size ${cpA.size} (root ${short(cpA.root)}…) and size ${cpB.size} ` +
      `(root ${short(cpB.root)}…) whose first ${size} leaves differ: by the consistency proofs enclosed, ` +
      `they hash to ${short(a.root)}… in one tree and ${short(b.root)}… in the other, so neither tree extends ` +
      'the other.',
  };
  return evidence;
}

export interface VerifiedEvidence {
  type: EquivocationEvidence['type'];
  origin: string;
  sizeA: number;
  sizeB: number;
  /** Where the two trees are shown to differ: a tree size both have. */
  prefixSize: number;
  /** A one-line account, built from the verified facts only (never from the file's explanation). */
  summary: string;
}

function checkChain(
  hasher: Rfc6962Hasher,
  side: 'a' | 'b',
  size: number,
  chain: z.infer<typeof Chain>,
  cp: Checkpoint,
): Uint8Array {
  let curSize = size;
  let curRoot = fromBase64(chain.root, `prefix.${side}.root`);
  for (const [i, hop] of chain.hops.entries()) {
    const root = fromBase64(hop.root, `prefix.${side}.hops[${i}].root`);
    const proof = hop.proof.map((h, j) => fromBase64(h, `prefix.${side}.hops[${i}].proof[${j}]`));
    try {
      verifyConsistency(hasher, curSize, hop.size, proof, curRoot, root);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      fail('PROOF_INVALID', `prefix.${side}.hops[${i}] (${curSize} → ${hop.size}): ${err.message}`);
    }
    curSize = hop.size;
    curRoot = root;
  }
  if (curSize !== cp.size || !equalBytes(curRoot, cp.root)) {
    fail(
      'PROOF_INVALID',
      `prefix.${side}: the chain ends at size ${curSize}, root ${short(curRoot)}…, not at checkpoint ${side.toUpperCase()} (size ${cp.size}, root ${short(cp.root)}…)`,
    );
  }
  return fromBase64(chain.root, `prefix.${side}.root`);
}

/**
 * Re-checks a piece of evidence offline. Returns what it proves, or throws a DetenteError saying why it proves
 * nothing (BAD_INPUT for a file that is not evidence, NOTE_* for signatures, PROOF_INVALID for the contradiction).
 */
export function verifyEvidence(
  input: unknown,
  suite: CryptoSuite,
  options: { trustedVkey?: string } = {},
): VerifiedEvidence {
  const parsed = EvidenceSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail('BAD_INPUT', `not equivocation evidence: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const ev = parsed.data;
  const verifier = parseVerifierKey(ev.vkey, suite);
  if (options.trustedVkey !== undefined && options.trustedVkey.trim() !== ev.vkey) {
    fail('NOTE_UNVERIFIED', `the evidence is about the key ${ev.vkey}, not the trusted key ${options.trustedVkey}`);
  }
  if (verifier.name !== ev.origin)
    fail('BAD_INPUT', `the key ${verifier.name} is not named after the origin ${ev.origin}`);
  const open = (note: string, which: string): Checkpoint => {
    try {
      return openCheckpoint(note, verifier).checkpoint;
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      throw new DetenteError(err.code, `checkpoint ${which}: ${err.message}`, { cause: err });
    }
  };
  const a = open(ev.checkpointA, 'A');
  const b = open(ev.checkpointB, 'B');
  const hasher = new Rfc6962Hasher(suite.sha256);

  if (ev.type === 'same-size-different-root') {
    if (ev.prefix !== undefined) fail('BAD_INPUT', 'same-size evidence carries no prefix proofs');
    if (a.size !== b.size) fail('PROOF_INVALID', `the checkpoints have different sizes (${a.size} and ${b.size})`);
    if (equalBytes(a.root, b.root)) fail('PROOF_INVALID', `both checkpoints have the same root at size ${a.size}`);
    return {
      type: ev.type,
      origin: a.origin,
      sizeA: a.size,
      sizeB: b.size,
      prefixSize: a.size,
      summary: `${a.origin} signed two different trees of size ${a.size} (roots ${short(a.root)}… and ${short(b.root)}…)`,
    };
  }

  if (ev.prefix === undefined) fail('BAD_INPUT', 'inconsistent-prefix evidence needs prefix proofs');
  const { size } = ev.prefix;
  if (size > a.size || size > b.size) {
    fail('PROOF_INVALID', `prefix size ${size} is beyond a checkpoint (sizes ${a.size} and ${b.size})`);
  }
  const rootA = checkChain(hasher, 'a', size, ev.prefix.a, a);
  const rootB = checkChain(hasher, 'b', size, ev.prefix.b, b);
  if (equalBytes(rootA, rootB)) {
    fail('PROOF_INVALID', `both trees have the same first ${size} leaves: the checkpoints are consistent`);
  }
  return {
    type: ev.type,
    origin: a.origin,
    sizeA: a.size,
    sizeB: b.size,
    prefixSize: size,
    summary:
      `${a.origin} signed checkpoints of sizes ${a.size} and ${b.size} that disagree on their first ${size} ` +
      `leaves (roots ${short(rootA)}… and ${short(rootB)}…)`,
  };
}
