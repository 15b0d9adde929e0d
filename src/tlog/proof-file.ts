/**
 * C2SP tlog-proof (https://c2sp.org/tlog-proof, `c2sp.org/tlog-proof@v1`): a self-contained, offline-verifiable
 * receipt that an entry is in a log, stored as `.tlog-proof`:
 *
 *   c2sp.org/tlog-proof@v1
 *   [extra <base64>]                 opaque, unauthenticated application data
 *   index <N>                        decimal, no leading zeros
 *   <base64 hash>...                 the RFC 6962 inclusion proof, from the leaf's sibling up
 *   <empty line>
 *   <the checkpoint note, verbatim, with whatever cosignatures it carries>
 *
 * The leaf hash comes from data the verifier already has (here: the entry's bytes); the checkpoint is judged by a
 * tlog-policy (policy.ts). The format has no length fields, so we bound the whole file and the proof's length.
 */
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { parseNote } from '../crypto/note.js';
import { parseDecimal } from '../crypto/text.js';
import { parseCheckpoint } from './checkpoint.js';
import { HASH_SIZE, type Rfc6962Hasher } from './hasher.js';
import { verifyInclusion } from './inclusion.js';
import { evaluateCheckpoint, type LoadedPolicy, type PolicyVerdict, verifyCheckpointPolicy } from './policy.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
export const TLOG_PROOF_EXTENSION = '.tlog-proof';
export const TLOG_PROOF_MEDIA_TYPE = 'text/plain; charset=utf-8';
/** A tree of 2^63 leaves needs 63 hashes. */
const MAX_PROOF_HASHES = 63;
const MAX_PROOF_BYTES = 64 * 1024;

export interface TlogProof {
  extra?: Uint8Array;
  index: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim (ends in "\n"). */
  checkpoint: string;
}

function malformed(message: string): never {
  fail('PROOF_MALFORMED', `tlog-proof: ${message}`);
}

export function formatTlogProof(p: TlogProof): string {
  if (p === null || typeof p !== 'object') fail('BAD_INPUT', 'tlog-proof: expected an object');
  if (!Number.isSafeInteger(p.index) || p.index < 0) fail('BAD_INPUT', 'tlog-proof index: expected a safe integer');
  if (!Array.isArray(p.proof) || p.proof.length > MAX_PROOF_HASHES) {
    fail('BAD_INPUT', `tlog-proof proof: expected at most ${MAX_PROOF_HASHES} hashes`);
  }
  for (const h of p.proof) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) fail('BAD_INPUT', 'tlog-proof proof: 32-byte hashes');
  }
  if (typeof p.checkpoint !== 'string') fail('BAD_INPUT', 'tlog-proof checkpoint: expected a string');
  parseNote(p.checkpoint);
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${toBase64(p.extra)}`);
  lines.push(`index ${p.index}`, ...p.proof.map(toBase64), '');
  return `${lines.join('\n')}\n${p.checkpoint}`;
}

/** Parses a proof file strictly: one spelling per proof. Throws PROOF_MALFORMED naming the line. */
export function parseTlogProof(input: string | Uint8Array): TlogProof {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) {
    if (input.length > MAX_PROOF_BYTES) malformed(`larger than ${MAX_PROOF_BYTES} bytes`);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      malformed('expected valid UTF-8');
    }
  } else fail('BAD_INPUT', `tlog-proof: expected a string or bytes, got ${typeof input}`);
  if (text.length > MAX_PROOF_BYTES) malformed(`larger than ${MAX_PROOF_BYTES} bytes`);
  const blank = text.indexOf('\n\n');
  if (blank < 0) malformed('expected an empty line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (head[0] !== TLOG_PROOF_HEADER) malformed(`line 1: expected ${JSON.stringify(TLOG_PROOF_HEADER)}`);
  let at = 1;
  let extra: Uint8Array | undefined;
  if (head[at]?.startsWith('extra ')) {
    extra = decode(head[at]!.slice(6), `line ${at + 1}: extra data`);
    at++;
  }
  const indexLine = head[at];
  if (!indexLine?.startsWith('index ')) malformed(`line ${at + 1}: expected "index <N>"`);
  const index = wrap(() => parseDecimal(indexLine.slice(6), `line ${at + 1}: index`, 'PROOF_MALFORMED'));
  at++;
  const hashes = head.slice(at);
  if (hashes.length > MAX_PROOF_HASHES) malformed(`more than ${MAX_PROOF_HASHES} proof hashes`);
  const proof = hashes.map((line, i) => {
    const h = decode(line, `line ${at + i + 1}: proof hash`);
    if (h.length !== HASH_SIZE) malformed(`line ${at + i + 1}: proof hash: expected ${HASH_SIZE} bytes`);
    return h;
  });
  wrap(() => parseCheckpoint(parseNote(checkpoint).text));
  return extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint };
}

function decode(b64: string, field: string): Uint8Array {
  return wrap(() => fromBase64(b64, field));
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DetenteError && e.code !== 'PROOF_MALFORMED') {
      throw new DetenteError('PROOF_MALFORMED', `tlog-proof: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

export interface TlogProofVerdict extends PolicyVerdict {
  index: number;
}

/**
 * Verifies a proof for an entry the verifier holds: the checkpoint under the policy (a listed log signed it, the
 * witness quorum is met, else POLICY_UNSATISFIED), then the inclusion of the entry's leaf hash at `index` in the
 * checkpoint's tree (PROOF_INVALID).
 */
export function verifyTlogProof(
  proof: TlogProof,
  entry: Uint8Array,
  policy: LoadedPolicy,
  hasher: Rfc6962Hasher,
  options: { requireQuorum?: boolean } = {},
): TlogProofVerdict {
  if (!(entry instanceof Uint8Array)) fail('BAD_INPUT', 'entry: expected bytes');
  const verdict =
    (options.requireQuorum ?? true)
      ? verifyCheckpointPolicy(policy, proof.checkpoint)
      : evaluateCheckpoint(policy, proof.checkpoint);
  const { size, root } = verdict.checkpoint;
  verifyInclusion(hasher, proof.index, size, hasher.hashLeaf(entry), proof.proof, root);
  return { ...verdict, index: proof.index };
}
