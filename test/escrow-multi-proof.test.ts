import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import {
  buildEscrowTree,
  createMultiOpening,
  createOpening,
  type EscrowOpening,
  type MultiOpening,
  multiProofPositions,
  pathPositions,
  toMultiOpening,
  verifyOpening,
} from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { makeItems, ref, seededRandom } from './escrow-helpers.js';

const CATS = ['launchers', 'warheads'];
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function tree(n: number, bound: number, label = 'multi') {
  return buildEscrowTree(makeItems(n, CATS), {
    categories: CATS,
    paddingBound: bound,
    sha256: sha256Node,
    random: seededRandom(label),
  });
}

function accepts(opening: unknown, commitment: unknown): boolean {
  try {
    verifyOpening(opening, commitment, sha256Node);
    return true;
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return false;
  }
}

function refusal(f: () => unknown): DetenteError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DetenteError);
    return err as DetenteError;
  }
  return expect.fail('expected a DetenteError');
}

describe('multi-leaf proofs: shape', () => {
  it('carries each node once: the union of the k paths minus the nodes the opened leaves compute', () => {
    const size = 37;
    for (const indexes of [[0], [5], [36], [0, 1], [3, 4, 5, 6], [0, 9, 17, 36], [...Array(size).keys()]]) {
      const computed = new Set<string>();
      const union = new Set<string>();
      for (const i of indexes) {
        let j = i;
        for (let l = 0, w = size; w > 1; l++, w = Math.ceil(w / 2)) {
          computed.add(`${l}/${j}`);
          j >>= 1;
        }
        for (const p of pathPositions(i, size)) union.add(`${p.level}/${p.index}`);
      }
      const expected = [...union].filter((k) => !computed.has(k)).sort();
      const got = multiProofPositions(indexes, size).map((p) => `${p.level}/${p.index}`);
      expect(new Set(got).size).toBe(got.length);
      expect([...got].sort()).toEqual(expected);
    }
    expect(multiProofPositions([...Array(64).keys()], 64)).toEqual([]);
  });

  it('opens 1, 150, 1,000 and 10,000 of 10,000 leaves, smaller than k separate paths', () => {
    const t = tree(10_000, 10_000, 'ten-thousand');
    const commitment = t.commitment();
    for (const k of [1, 150, 1000, 10_000]) {
      const indexes = Array.from({ length: k }, (_, i) => Math.floor((i * 10_000) / k));
      const multi = createMultiOpening(t, indexes);
      const v = verifyOpening(multi, commitment, sha256Node);
      expect(v.leaves.map((l) => l.index)).toEqual(indexes);
      if (k <= 150) expect(verifyOpening(clone(multi), commitment, sha256Portable).leaves).toHaveLength(k);
      const separate = canonicalJsonBytes(createOpening(t, indexes) as never).length;
      const compact = canonicalJsonBytes(multi as never).length;
      if (k > 1) expect(compact).toBeLessThan(separate);
      if (k === 10_000) expect(multi.nodes).toEqual([]);
    }
  });
});

describe('multi-leaf proofs: refused', () => {
  const t = tree(40, 64, 'refused');
  const commitment = t.commitment();
  const multi = createMultiOpening(t, [2, 3, 17, 30, 41]);

  it('a node missing, a node too many, or nodes out of order', () => {
    const missing = clone(multi);
    missing.nodes.pop();
    expect(refusal(() => verifyOpening(missing, commitment, sha256Node)).message).toMatch(
      /opening\.nodes: has \d+ nodes, but these leaves of a tree of size 64 need \d+/,
    );
    const extra = clone(multi);
    extra.nodes.push(clone(extra.nodes[0]!));
    expect(refusal(() => verifyOpening(extra, commitment, sha256Node)).message).toMatch(/opening\.nodes: has/);
    const swapped = clone(multi);
    [swapped.nodes[0], swapped.nodes[1]] = [swapped.nodes[1]!, swapped.nodes[0]!];
    expect(refusal(() => verifyOpening(swapped, commitment, sha256Node)).code).toBe('ESCROW_INVALID');
    const noNodes = clone(multi) as Partial<MultiOpening>;
    delete noNodes.nodes;
    expect(refusal(() => verifyOpening(noNodes, commitment, sha256Node)).code).toBe('ESCROW_MALFORMED');
  });

  it('any single changed byte of the document is refused', () => {
    const text = JSON.stringify(multi);
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const code = text.charCodeAt(at);
        const changed = text.slice(0, at) + String.fromCharCode((code + delta) % 256) + text.slice(at + 1);
        let doc: unknown;
        try {
          doc = JSON.parse(changed);
        } catch {
          return; // no longer JSON: refused before it gets here
        }
        // A change that leaves the same value (e.g. whitespace) is the same document.
        if (JSON.stringify(doc) === text) return;
        expect(accepts(doc, commitment)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});

/**
 * The k separate version 1 proofs a multi-leaf opening stands for: every node the leaves reach is computed from
 * the leaves and the proof's nodes (with the formulas written out in the test helpers, not src/escrow's walk), and
 * each leaf's path is read from them. A leaf whose path needs a node nobody gave gets an empty path.
 */
function separateOpenings(m: MultiOpening): EscrowOpening[] {
  const size = m.commitment.size;
  const known = new Map<string, { hash: Uint8Array; sums: number[] }>();
  for (const l of m.leaves) {
    const item = l.item;
    const sums = CATS.map((c) => (item ? (item.counts[c] ?? 0) : 0));
    known.set(`0/${l.index}`, { hash: ref.leaf(fromHex(l.salt), item), sums });
  }
  const given = multiProofPositions(
    m.leaves.map((l) => l.index),
    size,
  );
  given.forEach((p, i) => {
    const n = m.nodes[i];
    if (n) known.set(`${p.level}/${p.index}`, { hash: fromHex(n.hash), sums: n.sums });
  });
  for (let l = 0, w = size; w > 1; l++, w = Math.ceil(w / 2)) {
    for (let j = 0; j < w; j += 2) {
      const a = known.get(`${l}/${j}`);
      const b = known.get(`${l}/${j + 1}`);
      if (a && j + 1 === w) known.set(`${l + 1}/${j >> 1}`, a);
      else if (a && b) {
        const sums = a.sums.map((s, k) => s + b.sums[k]!);
        known.set(`${l + 1}/${j >> 1}`, { hash: ref.node(a.hash, a.sums, b.hash, b.sums), sums });
      }
    }
  }
  return m.leaves.map((l) => {
    const path = pathPositions(l.index, size).map((p) => known.get(`${p.level}/${p.index}`));
    return {
      v: 1,
      commitment: m.commitment,
      leaves: [
        {
          ...l,
          path: path.every((x) => x !== undefined) ? path.map((x) => ({ hash: toHex(x.hash), sums: x.sums })) : [],
        },
      ],
    };
  });
}

describe('multi-leaf proofs: property', () => {
  it('a multi-leaf proof is accepted exactly when the k separate proofs would be', () => {
    const t = tree(21, 32, 'property');
    const commitment = t.commitment();
    const tamper = fc.option(
      fc.record({
        at: fc.nat(),
        what: fc.constantFrom('salt', 'count', 'site', 'node-sum', 'node-hash', 'index'),
        bit: fc.nat(255),
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(31), { minLength: 1, maxLength: 12 }), tamper, (indexes, change) => {
        const m: MultiOpening = clone(createMultiOpening(t, indexes));
        if (change) {
          const leaf = m.leaves[change.at % m.leaves.length]!;
          const node = m.nodes[change.at % Math.max(1, m.nodes.length)];
          const hexFlip = (h: string) => {
            const i = change.bit % 64;
            return h.slice(0, i) + (Number.parseInt(h[i]!, 16) ^ 1).toString(16) + h.slice(i + 1);
          };
          if (change.what === 'salt') leaf.salt = hexFlip(leaf.salt);
          if (change.what === 'count' && leaf.item) leaf.item.counts.launchers = (leaf.item.counts.launchers ?? 0) + 1;
          if (change.what === 'site' && leaf.item) leaf.item.site = 'elsewhere';
          if (change.what === 'node-sum' && node) node.sums[change.bit % 2] = node.sums[change.bit % 2]! + 1;
          if (change.what === 'node-hash' && node) node.hash = hexFlip(node.hash);
          if (change.what === 'index') {
            const moved = (leaf.index + 1) % t.size;
            if (!m.leaves.some((l) => l.index === moved)) leaf.index = moved;
            m.leaves.sort((a, b) => a.index - b.index);
          }
        }
        const separately = separateOpenings(m).every((o) => accepts(o, commitment));
        expect(accepts(m, commitment)).toBe(separately);
        if (!change) expect(separately).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the multi-leaf form of k separate proofs carries the same leaves and verifies', () => {
    const t = tree(21, 32, 'convert');
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(31), { minLength: 1, maxLength: 12 }), (indexes) => {
        const multi = toMultiOpening(createOpening(t, indexes));
        expect(multi).toEqual(createMultiOpening(t, indexes));
      }),
      { numRuns: 100 },
    );
  });
});
