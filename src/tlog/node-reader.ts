/**
 * Where proof generation gets its hashes from: any store that can hand out the hash of a perfect subtree
 * (a tile store, a database, the in-memory tree in memory-tree.ts). Proofs need only O(log n) of them.
 *
 * The one hash a proof needs that is not a stored node is the "ephemeral" node on the right edge of a tree whose
 * size is not a power of two: RFC 6962 §2.1.1 and §2.1.2 define it as MTH(D[k:n]) over an incomplete range, and
 * RFC 9162 §2.1.3 (and transparency-dev/merkle) build it from the perfect subtrees that tile the range. rangeHash
 * does that.
 */
import { fail } from '../crypto/errors.js';
import type { Rfc6962Hasher } from './hasher.js';
import { checkCount, checkHash } from './proof-inputs.js';
import { bitAt, bitCeil, bitLength } from './tree-math.js';

/** Hash of the perfect subtree at (level, index): leaves [index·2^level, (index+1)·2^level). */
export interface NodeReader {
  nodeHash(level: number, index: number): Uint8Array;
}

/** Reads one node, refusing anything that is not a 32-byte hash rather than hashing garbage into a proof. */
export function readNode(reader: NodeReader, level: number, index: number): Uint8Array {
  return checkHash(reader.nodeHash(level, index), `node reader: node (${level}, ${index})`, 'BAD_INPUT');
}

/**
 * MTH(D[begin:end]) for any range, built from perfect subtrees read through the reader (O(log n) reads).
 *
 * "Any range" that has a hash made of stored nodes: `begin` must be a multiple of bitCeil(end − begin), which is
 * every range an RFC 6962 proof or an MTC subtree can name (draft-ietf-plants-merkle-tree-certs calls them valid
 * subtrees). Elsewhere, e.g. [1, 3), the first child of MTH would straddle stored nodes and need O(n) leaf reads,
 * so such a range is refused (BAD_INPUT) instead of silently becoming slow. begin = end gives MTH({}) = SHA-256("").
 */
export function rangeHash(hasher: Rfc6962Hasher, reader: NodeReader, begin: number, end: number): Uint8Array {
  checkCount(begin, 'range begin');
  checkCount(end, 'range end');
  if (begin > end) fail('BAD_INPUT', `range [${begin}, ${end}): begin is after end`);
  const n = end - begin;
  if (n === 0) return hasher.emptyRoot();
  if (begin % bitCeil(n) !== 0) {
    fail('BAD_INPUT', `range [${begin}, ${end}) is not a subtree: ${begin} is not a multiple of ${bitCeil(n)}`);
  }
  // Since begin is aligned to bitCeil(n), the set bits of n, largest first, are the perfect subtrees that tile
  // the range from left to right, and MTH's "largest power of two smaller than n" split peels them off in order.
  const nodes: Uint8Array[] = [];
  let position = begin;
  for (let level = bitLength(n) - 1; level >= 0; level--) {
    if (bitAt(n, level) === 1) {
      nodes.push(readNode(reader, level, position / 2 ** level));
      position += 2 ** level;
    }
  }
  let hash = nodes.pop()!;
  for (let i = nodes.length - 1; i >= 0; i--) hash = hasher.hashChildren(nodes[i]!, hash);
  return hash;
}

/**
 * A reader that remembers every node it has read: for several proofs in one tree (a batch's receipts), whose
 * paths share most of their nodes. Valid only while the tree it reads does not change below the nodes it holds,
 * so keep one for one tree size and drop it.
 */
export function memoNodeReader(reader: NodeReader): NodeReader {
  const seen = new Map<string, Uint8Array>();
  return {
    nodeHash(level, index) {
      const key = `${level}/${index}`;
      let hash = seen.get(key);
      if (!hash) {
        hash = readNode(reader, level, index);
        seen.set(key, hash);
      }
      return hash;
    },
  };
}
