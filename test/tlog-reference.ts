/**
 * Test-only reference implementations, written straight from the recursive definitions (RFC 6962 §2.1 MTH, §2.1.1
 * PATH, §2.1.2 SUBPROOF; draft-ietf-plants-merkle-tree-certs SUBTREE_PROOF) and sharing no code with src/tlog's
 * iterative bit arithmetic, so that property tests can compare the two. Slow on purpose: clarity over speed.
 */
import { concat, equalBytes, putU32be, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import type { NodeReader } from '../src/tlog/node-reader.js';

export const hasher = new Rfc6962Hasher(sha256Node);
export const EMPTY_ROOT = hasher.emptyRoot();

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A log's contents as the reference sees them: leaf hashes and MTH of any range. */
export interface LeafModel {
  mth(begin: number, end: number): Uint8Array;
}

/** Distinct leaf hashes, so that no two subtrees collide and a changed index really changes the computation. */
export function distinctLeaves(count: number, salt = 0): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => hasher.hashLeaf(concat(putU32be(salt), utf8(`leaf ${i}`))));
}

/** MTH over an explicit list of leaf hashes, memoised. */
export class DenseModel implements LeafModel {
  readonly #memo = new Map<string, Uint8Array>();
  constructor(readonly leaves: Uint8Array[]) {}
  mth(begin: number, end: number): Uint8Array {
    const n = end - begin;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return this.leaves[begin]!;
    const key = `${begin},${end}`;
    let hash = this.#memo.get(key);
    if (!hash) {
      const k = splitPoint(n);
      hash = hasher.hashChildren(this.mth(begin, begin + k), this.mth(begin + k, end));
      this.#memo.set(key, hash);
    }
    return hash;
  }
}

/**
 * An unbounded log where every leaf has the same hash except a few "special" ones: node and range hashes cost
 * O(specials · height), so trees of up to 2^53 − 1 leaves are cheap. Implements NodeReader too.
 */
export class SparseModel implements LeafModel, NodeReader {
  readonly #specials: Map<number, Uint8Array>;
  readonly #sorted: number[];
  readonly #defaultNode: Uint8Array[] = [hasher.hashLeaf(utf8('default leaf'))];
  readonly #defaultRange = new Map<number, Uint8Array>();
  readonly #memo = new Map<string, Uint8Array>();

  constructor(specials: Map<number, Uint8Array>) {
    this.#specials = specials;
    this.#sorted = [...specials.keys()].sort((a, b) => a - b);
    for (let l = 1; l <= 54; l++)
      this.#defaultNode.push(hasher.hashChildren(this.#defaultNode[l - 1]!, this.#defaultNode[l - 1]!));
  }

  leafHash(index: number): Uint8Array {
    return this.#specials.get(index) ?? this.#defaultNode[0]!;
  }

  #hasSpecial(begin: number, end: number): boolean {
    return this.#sorted.some((i) => begin <= i && i < end);
  }

  nodeHash(level: number, index: number): Uint8Array {
    const begin = index * 2 ** level;
    if (!this.#hasSpecial(begin, begin + 2 ** level)) return this.#defaultNode[level]!;
    if (level === 0) return this.#specials.get(index)!;
    const key = `${level},${index}`;
    let hash = this.#memo.get(key);
    if (!hash) {
      hash = hasher.hashChildren(this.nodeHash(level - 1, 2 * index), this.nodeHash(level - 1, 2 * index + 1));
      this.#memo.set(key, hash);
    }
    return hash;
  }

  #defaultMth(n: number): Uint8Array {
    if (n === 1) return this.#defaultNode[0]!;
    let hash = this.#defaultRange.get(n);
    if (!hash) {
      const k = splitPoint(n);
      hash = hasher.hashChildren(this.#defaultMth(k), this.#defaultMth(n - k));
      this.#defaultRange.set(n, hash);
    }
    return hash;
  }

  mth(begin: number, end: number): Uint8Array {
    const n = end - begin;
    if (n === 0) return EMPTY_ROOT;
    if (!this.#hasSpecial(begin, end)) return this.#defaultMth(n);
    if (n === 1) return this.#specials.get(begin)!;
    const k = splitPoint(n);
    return hasher.hashChildren(this.mth(begin, begin + k), this.mth(begin + k, end));
  }
}

/** A reader that counts its reads and fails the test if a node outside [lo, hi) is read. */
export function guardedReader(reader: NodeReader, lo: number, hi: number): { reader: NodeReader; reads: () => number } {
  let reads = 0;
  return {
    reads: () => reads,
    reader: {
      nodeHash(level, index) {
        reads++;
        const begin = index * 2 ** level;
        if (begin < lo || begin + 2 ** level > hi) {
          throw new Error(`read node (${level}, ${index}) outside [${lo}, ${hi})`);
        }
        return reader.nodeHash(level, index);
      },
    },
  };
}

// ---- Generation: RFC 6962 §2.1.1 PATH, §2.1.2 SUBPROOF, MTC SUBTREE_PROOF, on absolute leaf ranges [lo, hi). ----

export function refPath(model: LeafModel, m: number, lo: number, hi: number): Uint8Array[] {
  if (hi - lo === 1) return [];
  const k = splitPoint(hi - lo);
  return m < lo + k
    ? [...refPath(model, m, lo, lo + k), model.mth(lo + k, hi)]
    : [...refPath(model, m, lo + k, hi), model.mth(lo, lo + k)];
}

/** PROOF(m, D[n]) with our edge cases: empty for m = 0 or m = n. */
export function refConsistencyProof(model: LeafModel, m: number, n: number): Uint8Array[] {
  if (m === 0 || m === n) return [];
  const sub = (m: number, lo: number, hi: number, b: boolean): Uint8Array[] => {
    if (m === hi) return b ? [] : [model.mth(lo, hi)];
    const k = splitPoint(hi - lo);
    return m <= lo + k
      ? [...sub(m, lo, lo + k, b), model.mth(lo + k, hi)]
      : [...sub(m, lo + k, hi, false), model.mth(lo, lo + k)];
  };
  return sub(m, 0, n, true);
}

export function refSubtreeConsistencyProof(model: LeafModel, start: number, end: number, size: number): Uint8Array[] {
  if (start === end) return [];
  const sub = (lo: number, hi: number, b: boolean, s: number): Uint8Array[] => {
    if (s === lo && end === hi) return b ? [] : [model.mth(lo, hi)];
    const k = splitPoint(hi - lo);
    if (end <= lo + k) return [...sub(lo, lo + k, b, s), model.mth(lo + k, hi)];
    if (lo + k <= s) return [...sub(lo + k, hi, b, s), model.mth(lo, lo + k)];
    return [...sub(lo + k, hi, false, lo + k), model.mth(lo, lo + k)]; // here s = lo: the subtree straddles k
  };
  return sub(0, size, true, start);
}

// ---- Verification, from the same recursions: run the definition backwards, consuming proof hashes bottom up. ----

type Walk = { used: number; old: Uint8Array; now: Uint8Array };

function take(proof: Uint8Array[], walk: Walk | null): Uint8Array | null {
  return walk && walk.used < proof.length ? proof[walk.used]! : null;
}

export function refInclusionAccepts(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index >= size) return false;
  const walk = (m: number, n: number): Walk | null => {
    if (n === 1) return { used: 0, old: leaf, now: leaf };
    const k = splitPoint(n);
    const below = m < k ? walk(m, k) : walk(m - k, n - k);
    const v = take(proof, below);
    if (!below || !v) return null;
    const now = m < k ? hasher.hashChildren(below.now, v) : hasher.hashChildren(v, below.now);
    return { used: below.used + 1, old: now, now };
  };
  const w = walk(index, size);
  return !!w && w.used === proof.length && equalBytes(w.now, root);
}

export function refConsistencyAccepts(
  m: number,
  n: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (m > n) return false;
  if (m === 0 || m === n) {
    // Size 0 has the empty root; equal sizes have equal roots (both apply from 0 to 0).
    return proof.length === 0 && (m > 0 || equalBytes(root1, EMPTY_ROOT)) && (m < n || equalBytes(root1, root2));
  }
  const walk = (m: number, n: number, b: boolean): Walk | null => {
    if (m === n) {
      if (b) return { used: 0, old: root1, now: root1 };
      const seed = proof[0];
      return seed ? { used: 1, old: seed, now: seed } : null;
    }
    const k = splitPoint(n);
    const below = m <= k ? walk(m, k, b) : walk(m - k, n - k, false);
    const v = take(proof, below);
    if (!below || !v) return null;
    return m <= k
      ? { used: below.used + 1, old: below.old, now: hasher.hashChildren(below.now, v) }
      : { used: below.used + 1, old: hasher.hashChildren(v, below.old), now: hasher.hashChildren(v, below.now) };
  };
  const w = walk(m, n, true);
  return !!w && w.used === proof.length && equalBytes(w.old, root1) && equalBytes(w.now, root2);
}

export function refValidSubtree(start: number, end: number): boolean {
  if (start > end) return false;
  let ceil = 1;
  while (ceil < end - start) ceil *= 2;
  return start % ceil === 0;
}

export function refSubtreeConsistencyAccepts(
  start: number,
  end: number,
  size: number,
  proof: Uint8Array[],
  subtreeHash: Uint8Array,
  root: Uint8Array,
): boolean {
  if (!refValidSubtree(start, end) || end > size) return false;
  if (start === end) {
    // The empty subtree is in every tree, but a tree of size 0 is the empty subtree itself.
    return proof.length === 0 && equalBytes(subtreeHash, EMPTY_ROOT) && (size > 0 || equalBytes(root, EMPTY_ROOT));
  }
  // Relative coordinates: the subtree is [s, e) inside a tree of n leaves.
  const walk = (s: number, e: number, n: number, b: boolean): Walk | null => {
    if (s === 0 && e === n) {
      if (b) return { used: 0, old: subtreeHash, now: subtreeHash };
      const seed = proof[0];
      return seed ? { used: 1, old: seed, now: seed } : null;
    }
    const k = splitPoint(n);
    const side = e <= k ? 'left' : k <= s ? 'right' : 'straddle';
    const below =
      side === 'left'
        ? walk(s, e, k, b)
        : side === 'right'
          ? walk(s - k, e - k, n - k, b)
          : walk(0, e - k, n - k, false);
    const v = take(proof, below);
    if (!below || !v) return null;
    if (side === 'left') return { used: below.used + 1, old: below.old, now: hasher.hashChildren(below.now, v) };
    if (side === 'right') return { used: below.used + 1, old: below.old, now: hasher.hashChildren(v, below.now) };
    return { used: below.used + 1, old: hasher.hashChildren(v, below.old), now: hasher.hashChildren(v, below.now) };
  };
  const w = walk(start, end, size, true);
  return !!w && w.used === proof.length && equalBytes(w.old, subtreeHash) && equalBytes(w.now, root);
}

// ---- Assertions ----

/** Runs a verifier: true if it accepts, false if it throws DetenteError; anything else thrown fails the test. */
export function accepts(run: () => void): boolean {
  try {
    run();
    return true;
  } catch (e) {
    if (e instanceof DetenteError && (e.code === 'PROOF_INVALID' || e.code === 'BAD_INPUT')) return false;
    throw e;
  }
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes); // not slice(): a Node Buffer's slice() is a view
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}
