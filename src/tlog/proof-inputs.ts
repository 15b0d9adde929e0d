/**
 * Argument checks shared by the proof generators and verifiers. Two error codes, chosen by who is at fault:
 * - BAD_INPUT: the argument has the wrong JS type, or is not a non-negative safe integer. That is the caller's bug.
 * - PROOF_INVALID: the arguments are well-typed but do not make a valid proof (a byte string that is not a
 *   32-byte hash, a proof of the wrong length, an index beyond the size, a root mismatch, ...). That is the
 *   prover's fault, and what a verifier exists to report.
 * Every check runs before any hashing, and messages never stringify an argument other than a number, so no garbage
 * input can make a verifier throw anything but a DetenteError.
 */
import { type DetenteErrorCode, fail } from '../crypto/errors.js';
import { HASH_SIZE } from './hasher.js';

/** A Uint8Array, including one from another realm (noble-hashes' isBytes). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array');
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** A tree size, index or subtree bound: a non-negative safe integer, so that all the bit arithmetic is exact. */
export function checkCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail('BAD_INPUT', `${name}: expected a non-negative safe integer, got ${describe(value)}`);
  }
  return value;
}

/**
 * A hash: a Uint8Array of exactly 32 bytes. Strict even where a byte comparison alone would do: the hasher copies
 * children into a fixed 65-byte buffer, so a short "hash" would be hashed together with stale bytes and a long one
 * would overflow it.
 */
export function checkHash(value: unknown, name: string, lengthCode: DetenteErrorCode = 'PROOF_INVALID'): Uint8Array {
  if (!isBytes(value)) fail('BAD_INPUT', `${name}: expected a Uint8Array, got ${describe(value)}`);
  if (value.length !== HASH_SIZE)
    fail(lengthCode, `${name}: expected a ${HASH_SIZE}-byte hash, got ${value.length} bytes`);
  return value;
}

/** The proof container only; its elements are checked once its length is known to be right. */
export function checkProofArray(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) fail('BAD_INPUT', `proof: expected an array of hashes, got ${describe(value)}`);
  return value;
}

/** Exactly `want` hashes. The count is checked first, so an absurdly long proof costs nothing to refuse. */
export function checkProofHashes(proof: readonly unknown[], want: number, what: string): Uint8Array[] {
  if (proof.length !== want) fail('PROOF_INVALID', `${what}: wrong proof size ${proof.length}, want ${want}`);
  // A for loop, not map: map skips the holes of a sparse array.
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < want; i++) hashes.push(checkHash(proof[i], `${what}: proof[${i}]`));
  return hashes;
}
