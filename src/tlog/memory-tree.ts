/**
 * A Merkle tree held entirely in memory: every level of every complete node. For tests, small logs and building
 * reference data; a real log reads its nodes from tiles through the same NodeReader interface.
 */
import { fail } from '../crypto/errors.js';
import type { Rfc6962Hasher } from './hasher.js';
import { type NodeReader, rangeHash } from './node-reader.js';
import { checkCount, checkHash } from './proof-inputs.js';

// Not bytes.slice(): on a Node Buffer (what node:crypto hashes are) slice() returns a view of the same memory.
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export class MemoryTree implements NodeReader {
  readonly #hasher: Rfc6962Hasher;
  // levels[l][i] is the node (l, i); only complete nodes are stored, so each level is a dense array.
  readonly #levels: Uint8Array[][] = [[]];

  constructor(hasher: Rfc6962Hasher, leafHashes: Iterable<Uint8Array> = []) {
    this.#hasher = hasher;
    for (const hash of leafHashes) this.append(hash);
  }

  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends a leaf hash (not leaf data: hash with hasher.hashLeaf first) and every node it completes. */
  append(leafHash: Uint8Array): void {
    let hash = copy(checkHash(leafHash, 'leaf hash', 'BAD_INPUT'));
    let level = 0;
    let index = this.size;
    this.#levels[0]!.push(hash);
    // A right child completes its parent; keep climbing while we are a right child.
    while (index % 2 === 1) {
      hash = this.#hasher.hashChildren(this.#levels[level]![index - 1]!, hash);
      level++;
      index = (index - 1) / 2;
      if (this.#levels.length === level) this.#levels.push([]);
      this.#levels[level]!.push(hash);
    }
  }

  /** A copy of node (level, index), which must be complete: callers may keep or modify what they get. */
  nodeHash(level: number, index: number): Uint8Array {
    checkCount(level, 'level');
    checkCount(index, 'index');
    const hash = this.#levels[level]?.[index];
    if (!hash) fail('BAD_INPUT', `node (${level}, ${index}) is not a complete subtree of a tree of size ${this.size}`);
    return copy(hash);
  }

  /** MTH of the first `size` leaves (default: all of them). */
  root(size = this.size): Uint8Array {
    checkCount(size, 'size');
    if (size > this.size) fail('BAD_INPUT', `size ${size} is beyond the tree size ${this.size}`);
    return rangeHash(this.#hasher, this, 0, size);
  }
}
