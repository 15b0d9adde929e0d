/**
 * RFC 6962 §2.1 Merkle tree hashing: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖ right), MTH({}) = H("").
 * The hash function is injected so that the browser and the server run the same code.
 */
import type { Sha256 } from '../crypto/sha256.js';

export const HASH_SIZE = 32;

export class Rfc6962Hasher {
  readonly #sha256: Sha256;
  // One scratch buffer for interior nodes: hashing a million of them should not allocate a million buffers.
  readonly #node = new Uint8Array(1 + 2 * HASH_SIZE);
  readonly #empty: Uint8Array;

  constructor(sha256: Sha256) {
    this.#sha256 = sha256;
    this.#node[0] = 0x01;
    this.#empty = sha256(new Uint8Array(0));
  }

  /** MTH of the empty tree: SHA-256 of the empty string. */
  emptyRoot(): Uint8Array {
    return this.#empty.slice();
  }

  hashLeaf(data: Uint8Array): Uint8Array {
    const buf = new Uint8Array(1 + data.length);
    buf.set(data, 1);
    return this.#sha256(buf);
  }

  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
    this.#node.set(left, 1);
    this.#node.set(right, 1 + HASH_SIZE);
    return this.#sha256(this.#node);
  }
}
