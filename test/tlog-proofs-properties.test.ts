/**
 * Property tests for RFC 6962 proofs: src/tlog (iterative, bit arithmetic) against the recursive reference in
 * tlog-reference.ts, on random dense trees of up to 300 leaves and on sparse trees of up to 2^53 − 1 leaves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetenteError } from '../src/crypto/errors.js';
import { consistencyProof, verifyConsistency } from '../src/tlog/consistency.js';
import { inclusionProof, rootFromInclusionProof, verifyInclusion } from '../src/tlog/inclusion.js';
import { MemoryTree } from '../src/tlog/memory-tree.js';
import { bitLength } from '../src/tlog/tree-math.js';
import {
  accepts,
  DenseModel,
  distinctLeaves,
  EMPTY_ROOT,
  flipBit,
  guardedReader,
  hasher,
  type LeafModel,
  refConsistencyAccepts,
  refConsistencyProof,
  refInclusionAccepts,
  refPath,
  SparseModel,
} from './tlog-reference.js';

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

/** A dense tree of `size` distinct leaves, built a little larger so that proofs for older sizes are exercised. */
function denseTree(size: number, extra: number, salt: number) {
  const leaves = distinctLeaves(size + extra, salt);
  return { tree: new MemoryTree(hasher, leaves), model: new DenseModel(leaves), leaves };
}

// (n, i) with 0 ≤ i < n ≤ 300, plus how many leaves past n the stored tree has, plus a salt for the leaf data.
const inclusionCase = fc
  .tuple(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(20), fc.nat())
  .map(([n, i, extra, salt]) => ({ n, i: i % n, extra, salt }));
// (m, n) with 0 ≤ m ≤ n ≤ 300.
const consistencyCase = fc
  .tuple(fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(20), fc.nat())
  .map(([n, m, extra, salt]) => ({ n, m: m % (n + 1), extra, salt }));
// Sparse trees: sizes up to 2^20 and up to 2^53 − 1, a few special leaves.
const bigSize = fc.oneof(fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));

function sparseModel(size: number, around: number[], others: number[]): SparseModel {
  const specials = new Map<number, Uint8Array>();
  for (const x of [...around, ...others.map((o) => o % size)]) {
    if (x >= 0 && x < size) specials.set(x, hasher.hashLeaf(new TextEncoder().encode(`special ${x}`)));
  }
  return new SparseModel(specials);
}

// Generation reads O(log n) nodes: at most one per level for each of the inner, ephemeral and border parts.
const readBound = (size: number) => 2 * bitLength(size) + 2;

describe('inclusion proofs: properties', () => {
  it('generated proofs equal RFC 6962 PATH, verify, and read O(log n) complete nodes', () => {
    fc.assert(
      fc.property(inclusionCase, ({ n, i, extra, salt }) => {
        const { tree, model, leaves } = denseTree(n, extra, salt);
        const guard = guardedReader(tree, 0, n);
        const proof = inclusionProof(hasher, guard.reader, i, n);
        expect(hex(proof)).toEqual(hex(refPath(model, i, 0, n)));
        expect(guard.reads()).toBeLessThanOrEqual(readBound(n));
        verifyInclusion(hasher, i, n, leaves[i]!, proof, model.mth(0, n));
        expect(hex([rootFromInclusionProof(hasher, i, n, leaves[i]!, proof)])).toEqual(hex([model.mth(0, n)]));
      }),
    );
  });

  it('flipping any bit of a proof hash, the root or the leaf hash breaks the proof', () => {
    fc.assert(
      fc.property(
        inclusionCase,
        fc.constantFrom('proof', 'root', 'leaf'),
        fc.nat(),
        fc.nat(255),
        (c, target, which, bit) => {
          const { tree, model, leaves } = denseTree(c.n, 0, c.salt);
          const proof = inclusionProof(hasher, tree, c.i, c.n);
          let leaf = leaves[c.i]!;
          let root = model.mth(0, c.n);
          if (target === 'proof') {
            if (proof.length === 0) return;
            const k = which % proof.length;
            proof[k] = flipBit(proof[k]!, bit);
          } else if (target === 'root') root = flipBit(root, bit);
          else leaf = flipBit(leaf, bit);
          expect(accepts(() => verifyInclusion(hasher, c.i, c.n, leaf, proof, root))).toBe(false);
        },
      ),
    );
  });

  it('truncated, extended or reordered proofs are refused', () => {
    fc.assert(
      fc.property(
        inclusionCase,
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (c, how, extra) => {
          const { tree, model, leaves } = denseTree(c.n, 0, c.salt);
          const proof = inclusionProof(hasher, tree, c.i, c.n);
          const root = model.mth(0, c.n);
          const variants = [
            proof.slice(1),
            proof.slice(0, -1),
            [...proof, extra],
            [extra, ...proof],
            [...proof, root],
          ].filter((p) => p.length !== proof.length);
          const variant = variants[how % variants.length]!;
          expect(accepts(() => verifyInclusion(hasher, c.i, c.n, leaves[c.i]!, variant, root))).toBe(false);
          if (proof.length >= 2 && hex([proof[0]!])[0] !== hex([proof[1]!])[0]) {
            const swapped = [proof[1]!, proof[0]!, ...proof.slice(2)];
            expect(accepts(() => verifyInclusion(hasher, c.i, c.n, leaves[c.i]!, swapped, root))).toBe(false);
          }
        },
      ),
    );
  });

  it('another index or size is accepted exactly when RFC 6962 combines the hashes the same way', () => {
    // Legitimately equivalent claims exist: the root does not commit to the size, so e.g. the proof for leaf 0 of
    // a tree of size 3 (sibling, then the right subtree) also verifies as leaf 0 of size 4 against the same root.
    // The reference verifier, run from PATH's recursion, decides which claims are equivalent; ours must agree.
    fc.assert(
      fc.property(inclusionCase, fc.nat(), fc.nat(), (c, i2, n2) => {
        const { tree, model, leaves } = denseTree(c.n, 0, c.salt);
        const proof = inclusionProof(hasher, tree, c.i, c.n);
        const root = model.mth(0, c.n);
        const size = n2 % (2 * c.n + 2);
        const index = i2 % (size + 2);
        const ours = accepts(() => verifyInclusion(hasher, index, size, leaves[c.i]!, proof, root));
        expect(ours).toBe(refInclusionAccepts(index, size, leaves[c.i]!, proof, root));
        if (index === c.i && size === c.n) expect(ours).toBe(true);
      }),
    );
    const { tree, model, leaves } = denseTree(4, 0, 7);
    const proof = inclusionProof(hasher, tree, 0, 3);
    expect(accepts(() => verifyInclusion(hasher, 0, 4, leaves[0]!, proof, model.mth(0, 3)))).toBe(true);
  });

  it('sparse trees of up to 2^53 − 1 leaves: PATH, verification, tampering, O(log n) reads', () => {
    fc.assert(
      fc.property(
        bigSize,
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.nat(),
        fc.nat(255),
        (n, i0, others, which, bit) => {
          const i = i0 % n;
          const model = sparseModel(n, [i, n - 1, i % 2 === 0 ? i + 1 : i - 1], others);
          const guard = guardedReader(model, 0, n);
          const proof = inclusionProof(hasher, guard.reader, i, n);
          expect(guard.reads()).toBeLessThanOrEqual(readBound(n));
          expect(hex(proof)).toEqual(hex(refPath(model as LeafModel, i, 0, n)));
          const root = model.mth(0, n);
          const leaf = model.leafHash(i);
          verifyInclusion(hasher, i, n, leaf, proof, root);
          if (proof.length > 0) {
            const k = which % proof.length;
            const tampered = proof.map((h, j) => (j === k ? flipBit(h, bit) : h));
            expect(accepts(() => verifyInclusion(hasher, i, n, leaf, tampered, root))).toBe(false);
          }
          expect(accepts(() => verifyInclusion(hasher, i, n, leaf, proof, flipBit(root, bit)))).toBe(false);
        },
      ),
    );
  });
});

describe('consistency proofs: properties', () => {
  it('generated proofs equal RFC 6962 SUBPROOF, verify, and read O(log n) complete nodes', () => {
    fc.assert(
      fc.property(consistencyCase, ({ n, m, extra, salt }) => {
        const { tree, model } = denseTree(n, extra, salt);
        const guard = guardedReader(tree, 0, n);
        const proof = consistencyProof(hasher, guard.reader, m, n);
        expect(hex(proof)).toEqual(hex(refConsistencyProof(model, m, n)));
        expect(guard.reads()).toBeLessThanOrEqual(readBound(n) + 1);
        verifyConsistency(hasher, m, n, proof, model.mth(0, m), model.mth(0, n));
      }),
    );
  });

  it('flipping any bit of a proof hash or a root breaks the proof (except root2 after the empty tree)', () => {
    fc.assert(
      fc.property(
        consistencyCase,
        fc.constantFrom('proof', 'root1', 'root2'),
        fc.nat(),
        fc.nat(255),
        (c, target, which, bit) => {
          const { tree, model } = denseTree(c.n, 0, c.salt);
          const proof = consistencyProof(hasher, tree, c.m, c.n);
          let root1 = model.mth(0, c.m);
          let root2 = model.mth(0, c.n);
          if (target === 'proof') {
            if (proof.length === 0) return;
            const k = which % proof.length;
            proof[k] = flipBit(proof[k]!, bit);
          } else if (target === 'root1') root1 = flipBit(root1, bit);
          else root2 = flipBit(root2, bit);
          const ok = accepts(() => verifyConsistency(hasher, c.m, c.n, proof, root1, root2));
          // Legitimate: the empty tree is a prefix of every tree, so after size 0 nothing constrains root2.
          expect(ok).toBe(c.m === 0 && c.m !== c.n && target === 'root2');
        },
      ),
    );
  });

  it('truncated or extended proofs are refused', () => {
    fc.assert(
      fc.property(
        consistencyCase,
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (c, how, extra) => {
          const { tree, model } = denseTree(c.n, 0, c.salt);
          const proof = consistencyProof(hasher, tree, c.m, c.n);
          const root1 = model.mth(0, c.m);
          const variants = [
            proof.slice(1),
            proof.slice(0, -1),
            [...proof, extra],
            [extra, ...proof],
            [root1, ...proof],
          ].filter((p) => p.length !== proof.length);
          const variant = variants[how % variants.length]!;
          expect(accepts(() => verifyConsistency(hasher, c.m, c.n, variant, root1, model.mth(0, c.n)))).toBe(false);
        },
      ),
    );
  });

  it('other sizes are accepted exactly when RFC 6962 combines the hashes the same way', () => {
    // E.g. the proof from 2 to 3 ([leaf 2]) also verifies from 2 to 4 against the size-3 root: as far as the
    // hashes can tell, that is a tree of size 4 whose right half hashes to leaf 2.
    fc.assert(
      fc.property(consistencyCase, fc.nat(), fc.nat(), (c, m2, n2) => {
        const { tree, model } = denseTree(c.n, 0, c.salt);
        const proof = consistencyProof(hasher, tree, c.m, c.n);
        const root1 = model.mth(0, c.m);
        const root2 = model.mth(0, c.n);
        const size2 = n2 % (2 * c.n + 2);
        const size1 = m2 % (size2 + 2);
        const ours = accepts(() => verifyConsistency(hasher, size1, size2, proof, root1, root2));
        expect(ours).toBe(refConsistencyAccepts(size1, size2, proof, root1, root2));
      }),
    );
    const { tree, model } = denseTree(4, 0, 3);
    const proof = consistencyProof(hasher, tree, 2, 3);
    expect(accepts(() => verifyConsistency(hasher, 2, 4, proof, model.mth(0, 2), model.mth(0, 3)))).toBe(true);
  });

  it('sparse trees of up to 2^53 − 1 leaves: SUBPROOF, verification, tampering', () => {
    fc.assert(
      fc.property(
        bigSize,
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.nat(),
        fc.nat(255),
        (n, m0, others, which, bit) => {
          const m = m0 % (n + 1);
          const model = sparseModel(n, [m - 1, m, n - 1], others);
          const guard = guardedReader(model, 0, n);
          const proof = consistencyProof(hasher, guard.reader, m, n);
          expect(guard.reads()).toBeLessThanOrEqual(readBound(n) + 1);
          expect(hex(proof)).toEqual(hex(refConsistencyProof(model, m, n)));
          const root1 = model.mth(0, m);
          const root2 = model.mth(0, n);
          verifyConsistency(hasher, m, n, proof, root1, root2);
          if (proof.length > 0) {
            const k = which % proof.length;
            const tampered = proof.map((h, j) => (j === k ? flipBit(h, bit) : h));
            expect(accepts(() => verifyConsistency(hasher, m, n, tampered, root1, root2))).toBe(false);
          }
          expect(accepts(() => verifyConsistency(hasher, m, n, proof, flipBit(root1, bit), root2))).toBe(false);
        },
      ),
    );
  });
});

describe('verifiers on garbage', () => {
  const anyCount = fc.oneof(
    fc.integer({ min: -3, max: 40 }),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0.5, 2 ** 53 - 1, 2 ** 53, 2 ** 64, -(2 ** 53)),
    fc.double(),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.anything(),
  );
  const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const anyHash = fc.oneof(hash32, fc.uint8Array({ maxLength: 70 }), fc.constant(EMPTY_ROOT), fc.anything());
  const anyProof = fc.oneof(
    fc.array(anyHash, { maxLength: 8 }),
    fc.array(hash32, { maxLength: 64 }),
    fc.array(fc.anything(), { maxLength: 4 }),
    fc.anything(),
  );

  /** Either returns or throws a DetenteError with one of the two documented codes: nothing else. */
  function onlyDetenteErrors(run: () => unknown): void {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(DetenteError);
      expect(['PROOF_INVALID', 'BAD_INPUT']).toContain((e as DetenteError).code);
    }
  }

  it('verifyInclusion and rootFromInclusionProof', () => {
    fc.assert(
      fc.property(anyCount, anyCount, anyHash, anyProof, anyHash, (index, size, leaf, proof, root) => {
        onlyDetenteErrors(() =>
          verifyInclusion(hasher, index as any, size as any, leaf as any, proof as any, root as any),
        );
        onlyDetenteErrors(() => rootFromInclusionProof(hasher, index as any, size as any, leaf as any, proof as any));
      }),
      { numRuns: 1000 },
    );
  });

  it('verifyConsistency', () => {
    fc.assert(
      fc.property(anyCount, anyCount, anyProof, anyHash, anyHash, (size1, size2, proof, root1, root2) => {
        onlyDetenteErrors(() =>
          verifyConsistency(hasher, size1 as any, size2 as any, proof as any, root1 as any, root2 as any),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('the generators, on a tree of 40 leaves', () => {
    const tree = new MemoryTree(hasher, distinctLeaves(40));
    fc.assert(
      fc.property(anyCount, anyCount, (a, b) => {
        onlyDetenteErrors(() => inclusionProof(hasher, tree, a as any, b as any));
        onlyDetenteErrors(() => consistencyProof(hasher, tree, a as any, b as any));
      }),
      { numRuns: 500 },
    );
  });
});
