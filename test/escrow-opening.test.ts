import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import {
  buildEscrowTree,
  createOpening,
  type EscrowCommitment,
  EscrowHasher,
  type EscrowItem,
  type EscrowOpening,
  openWhere,
  parseCommitment,
  parseOpening,
  restoreEscrowTree,
  verifyOpening,
} from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { makeItems, ref, seededRandom, u64 } from './escrow-helpers.js';

const CATS = ['launchers', 'warheads'];
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function fixture(n = 23, bound = 8, label = 'fixture') {
  const items = makeItems(n, CATS);
  const tree = buildEscrowTree(items, {
    categories: CATS,
    paddingBound: bound,
    sha256: sha256Node,
    random: seededRandom(label),
  });
  return { items, tree, commitment: tree.commitment() };
}

/** Expects a DetenteError with this code and a message matching `message`. */
function rejects(f: () => unknown, code: string, message: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DetenteError);
    expect((err as DetenteError).code).toBe(code);
    expect((err as DetenteError).message).toMatch(message);
    return;
  }
  expect.fail('expected a DetenteError');
}

function flipBit(hex: string, bit: number): string {
  const i = Math.floor(bit / 4) % hex.length;
  const v = Number.parseInt(hex[i]!, 16) ^ (1 << (bit % 4));
  return hex.slice(0, i) + v.toString(16) + hex.slice(i + 1);
}

describe('escrow openings: honest use', () => {
  it('opens the items at one site, and anyone verifies them against the commitment', () => {
    const { tree, commitment, items } = fixture();
    const opening = openWhere(tree, (item) => item.site === 'site-3');
    const atSite = items.filter((i) => i.site === 'site-3');
    expect(opening.leaves).toHaveLength(atSite.length);
    for (const sha of [sha256Node, sha256Portable]) {
      const verified = verifyOpening(clone(opening), clone(commitment), sha);
      expect(verified.leaves.map((l) => l.item?.id).sort()).toEqual(atSite.map((i) => i.id).sort());
    }
  });

  it('opens a padding leaf as a zero-sum leaf with no item', () => {
    const { tree, commitment } = fixture(3, 8);
    const pad = [...Array(tree.size).keys()].find((i) => tree.itemAtLeaf(i) === null)!;
    const v = verifyOpening(createOpening(tree, [pad]), commitment, sha256Node);
    expect(v.leaves).toEqual([{ index: pad, item: null }]);
  });

  it('opens every leaf of a one-leaf tree (the root binds the leaf directly)', () => {
    const { tree, commitment } = fixture(1, 1);
    expect(tree.size).toBe(1);
    const opening = createOpening(tree, [0]);
    expect(opening.leaves[0]!.path).toEqual([]);
    expect(verifyOpening(opening, commitment, sha256Node).leaves).toHaveLength(1);
  });
});

describe('escrow openings: attacks, each rejected', () => {
  it('a wrong salt', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [5]));
    opening.leaves[0]!.salt = toHex(new Uint8Array(32).fill(9));
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /not the committed root/);
  });

  it('a path from another tree (same size, same items, other salts)', () => {
    const a = fixture(23, 8, 'tree A');
    const b = fixture(23, 8, 'tree B');
    const index = b.tree.leafIndexOf('item-4');
    // B's genuine opening, presented under A's commitment.
    const fromB = clone(createOpening(b.tree, [index]));
    fromB.commitment = a.commitment;
    rejects(() => verifyOpening(fromB, a.commitment, sha256Node), 'ESCROW_INVALID', /not the committed root/);
    // A's leaf (item and salt) with B's path.
    const mixed = clone(createOpening(a.tree, [index]));
    mixed.leaves[0]!.path = fromB.leaves[0]!.path;
    rejects(() => verifyOpening(mixed, a.commitment, sha256Node), 'ESCROW_INVALID', /not the committed root/);
  });

  it('a changed count (the item opened with fewer warheads than committed)', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [tree.leafIndexOf('item-2')]));
    const item = opening.leaves[0]!.item!;
    const cat = Object.keys(item.counts)[0]!;
    item.counts[cat]! -= 1;
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /not the committed root/);
  });

  it('a changed sibling sum, with the totals lowered to match (understating)', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [0]));
    const step = opening.leaves[0]!.path.find((s) => s.sums[0]! > 0)!;
    step.sums[0]! -= 1;
    const lowered = clone(commitment);
    lowered.totals.launchers! -= 1;
    opening.commitment = lowered;
    rejects(() => verifyOpening(opening, lowered, sha256Node), 'ESCROW_INVALID', /not the committed root/);
  });

  it('negative sums', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [0]));
    opening.leaves[0]!.path[1]!.sums[1] = -3;
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /negative/);
    const item = clone(createOpening(tree, [tree.leafIndexOf('item-1')]));
    item.leaves[0]!.item!.counts.launchers = -1;
    rejects(() => verifyOpening(item, commitment, sha256Node), 'ESCROW_INVALID', /negative/);
    const totals = clone(commitment);
    totals.totals.warheads = -1;
    rejects(() => parseCommitment(totals), 'ESCROW_INVALID', /negative/);
  });

  it('sums that overflow 2^53 - 1 (a wrap-around would act as a negative)', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [0]));
    opening.leaves[0]!.path[0]!.sums[0] = Number.MAX_SAFE_INTEGER;
    opening.leaves[0]!.path[1]!.sums[0] = Number.MAX_SAFE_INTEGER;
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /exceeds 2\^53/);
  });

  it('a total that disagrees with the root', () => {
    const { tree, commitment } = fixture();
    const understated = clone(commitment);
    understated.totals.warheads! -= 1;
    const opening = clone(createOpening(tree, [3]));
    opening.commitment = understated;
    rejects(
      () => verifyOpening(opening, understated, sha256Node),
      'ESCROW_INVALID',
      /root commits to totals .* but the commitment publishes/,
    );
    // And an honest opening does not verify against a published commitment with other totals.
    rejects(
      () => verifyOpening(createOpening(tree, [3]), understated, sha256Node),
      'ESCROW_INVALID',
      /not the published commitment/,
    );
  });

  it('an index beyond the tree', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [tree.size - 1]));
    opening.leaves[0]!.index = tree.size;
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /beyond the tree/);
    opening.leaves[0]!.index = 2 ** 40;
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /beyond the tree/);
  });

  it('a path of the wrong length for its index, or a leaf moved to another index', () => {
    const { tree, commitment } = fixture(23, 8);
    const opening = clone(createOpening(tree, [3]));
    opening.leaves[0]!.path.pop();
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /needs 5/);
    const moved = clone(createOpening(tree, [3]));
    moved.leaves[0]!.index = 2;
    rejects(() => verifyOpening(moved, commitment, sha256Node), 'ESCROW_INVALID', /not the committed root/);
  });

  it('an internal node presented as a leaf (second preimage across levels)', () => {
    const { tree, commitment } = fixture(16, 16);
    const opening = clone(createOpening(tree, [0]));
    // Drop the bottom step: claim that node (1, 0) is a leaf at index 0 of a tree of half the size. The sizes
    // differ, and the leaf and node tags differ, so no salt and item can produce it.
    opening.leaves[0]!.path.shift();
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /needs 4/);
  });

  it('the same item opened twice under two indexes', () => {
    const { tree, commitment } = fixture();
    const opening = clone(createOpening(tree, [0, 1]));
    opening.leaves[1]!.item = opening.leaves[0]!.item;
    rejects(() => verifyOpening(opening, commitment, sha256Node), 'ESCROW_INVALID', /opened twice/);
  });

  it('the Maxwell flaw (Hu, Zhang and Guo 2018): a tree that committed only to sums would accept an understated total', () => {
    // Two items: A counts 5, B counts 7; the true total is 12. The prover publishes 7.
    const cats = ['launchers'];
    const a: EscrowItem = { id: 'A', counts: { launchers: 5 } };
    const b: EscrowItem = { id: 'B', counts: { launchers: 7 } };
    const saltA = new Uint8Array(32).fill(1);
    const saltB = new Uint8Array(32).fill(2);
    const hA = ref.leaf(saltA, a);
    const hB = ref.leaf(saltB, b);

    // Maxwell's tree: parent = H(left ‖ right ‖ sum). A is shown sibling sum 2, B is shown 0: both add up to 7.
    const H = sha256Portable;
    const maxwellRoot = H(concat(hA, hB, u64(7)));
    const maxwellVerify = (leaf: Uint8Array, sib: Uint8Array, own: number, sibSum: number, leftLeaf: boolean) =>
      toHex(H(concat(leftLeaf ? leaf : sib, leftLeaf ? sib : leaf, u64(own + sibSum)))) === toHex(maxwellRoot) &&
      own + sibSum === 7;
    expect(maxwellVerify(hA, hB, 5, 2, true)).toBe(true);
    expect(maxwellVerify(hB, hA, 7, 0, false)).toBe(true);

    // The same trick against this tree: the parent hashes both child sums, so the prover must pick one pair.
    const hasher = new EscrowHasher(sha256Node, 1);
    for (const [sumA, sumB] of [
      [5, 2],
      [0, 7],
      [3, 4],
    ] as const) {
      const top = hasher.node(hA, [sumA], hB, [sumB]);
      const root = toHex(hasher.root(2, cats, top, [7]));
      const commitment: EscrowCommitment = { v: 1, root, size: 2, categories: cats, totals: { launchers: 7 } };
      const openA: EscrowOpening = {
        v: 1,
        commitment,
        leaves: [{ index: 0, salt: toHex(saltA), item: a, path: [{ hash: toHex(hB), sums: [sumB] }] }],
      };
      const openB: EscrowOpening = {
        v: 1,
        commitment,
        leaves: [{ index: 1, salt: toHex(saltB), item: b, path: [{ hash: toHex(hA), sums: [sumA] }] }],
      };
      const accepted = [openA, openB].filter((o) => {
        try {
          verifyOpening(o, commitment, sha256Node);
          return true;
        } catch (err) {
          expect((err as DetenteError).code).toBe('ESCROW_INVALID');
          return false;
        }
      });
      // At most one of the two items can be opened: the other inspection catches the understatement.
      expect(accepted.length).toBeLessThan(2);
    }
  });
});

describe('escrow openings: properties', () => {
  const arbTree = fc.record({
    n: fc.integer({ min: 0, max: 30 }),
    bound: fc.integer({ min: 1, max: 12 }),
    ncat: fc.integer({ min: 1, max: 3 }),
    label: fc.string({ maxLength: 8 }),
  });

  function treeOf({ n, bound, ncat, label }: { n: number; bound: number; ncat: number; label: string }) {
    const cats = ['a', 'b', 'c'].slice(0, ncat);
    const tree = buildEscrowTree(makeItems(n, cats, n + 7), {
      categories: cats,
      paddingBound: bound,
      sha256: sha256Node,
      random: seededRandom(label),
    });
    return tree;
  }

  it('random trees, random openings: every honest opening verifies', () => {
    fc.assert(
      fc.property(arbTree, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (t, picks) => {
        const tree = treeOf(t);
        const indexes = picks.map((p) => p % tree.size);
        const opening = createOpening(tree, indexes);
        const v = verifyOpening(clone(opening), tree.commitment(), sha256Node);
        expect(v.leaves.map((l) => l.index)).toEqual([...new Set(indexes)].sort((a, b) => a - b));
        for (const l of v.leaves) expect(l.item).toEqual(tree.itemAtLeaf(l.index));
      }),
      { numRuns: 80 },
    );
  });

  it('any single-bit change of salt, path hash, sum, item, root or total makes verification fail', () => {
    type Target = 'salt' | 'pathHash' | 'sum' | 'item' | 'root' | 'total' | 'embeddedRoot';
    const targets: Target[] = ['salt', 'pathHash', 'sum', 'item', 'root', 'total', 'embeddedRoot'];
    fc.assert(
      fc.property(
        arbTree.filter((t) => t.n > 0),
        fc.nat(),
        fc.constantFrom(...targets),
        fc.nat(),
        fc.nat(),
        (t, pick, target, where, bit) => {
          const tree = treeOf(t);
          const leafIndex = tree.leafIndexOf(`item-${pick % t.n}`);
          const opening = clone(createOpening(tree, [leafIndex]));
          let commitment = tree.commitment();
          const leaf = opening.leaves[0]!;
          const cats = commitment.categories;
          switch (target) {
            case 'salt':
              leaf.salt = flipBit(leaf.salt, bit % 256);
              break;
            case 'pathHash':
              if (leaf.path.length === 0) return;
              leaf.path[where % leaf.path.length]!.hash = flipBit(leaf.path[where % leaf.path.length]!.hash, bit % 256);
              break;
            case 'sum': {
              if (leaf.path.length === 0) return;
              const step = leaf.path[where % leaf.path.length]!;
              const k = where % step.sums.length;
              step.sums[k] = step.sums[k]! ^ (1 << (bit % 31));
              break;
            }
            case 'item': {
              // Flip one bit of one character of the item's id, or one bit of one of its counts.
              const item = leaf.item!;
              if (where % 2 === 0) {
                const i = where % item.id.length;
                item.id =
                  item.id.slice(0, i) +
                  String.fromCharCode(item.id.charCodeAt(i) ^ (1 << (bit % 7))) +
                  item.id.slice(i + 1);
              } else {
                const c = cats[where % cats.length]!;
                item.counts[c] = (item.counts[c] ?? 0) ^ (1 << (bit % 20));
              }
              break;
            }
            case 'root':
              commitment = { ...commitment, root: flipBit(commitment.root, bit % 256) };
              opening.commitment = commitment;
              break;
            case 'embeddedRoot':
              opening.commitment.root = flipBit(opening.commitment.root, bit % 256);
              break;
            case 'total': {
              const c = cats[where % cats.length]!;
              commitment = clone(commitment);
              commitment.totals[c] = commitment.totals[c]! ^ (1 << (bit % 20));
              opening.commitment = commitment;
              break;
            }
          }
          expect(() => verifyOpening(opening, commitment, sha256Node)).toThrow(DetenteError);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('any single-bit change anywhere in the serialised opening is rejected or changes nothing it attests', () => {
    const tree = treeOf({ n: 12, bound: 8, ncat: 2, label: 'bits' });
    const commitment = tree.commitment();
    const opening = createOpening(tree, [tree.leafIndexOf('item-3'), tree.leafIndexOf('item-9')]);
    const bytes = utf8(JSON.stringify(opening));
    fc.assert(
      fc.property(fc.nat(bytes.length * 8 - 1), (bit) => {
        const changed = bytes.slice();
        changed[bit >> 3]! ^= 1 << (bit & 7);
        let doc: unknown;
        try {
          doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(changed));
        } catch {
          return; // no longer JSON: nothing to verify
        }
        expect(() => verifyOpening(doc, commitment, sha256Node)).toThrow(DetenteError);
      }),
      { numRuns: 1000 },
    );
  });

  it('parsers fed garbage throw only DetenteError', () => {
    const onlyDetente = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(DetenteError);
      }
    };
    const tree = treeOf({ n: 5, bound: 4, ncat: 2, label: 'garbage' });
    const good = clone(createOpening(tree, [1, 2]));
    const commitment = tree.commitment();
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        onlyDetente(() => parseOpening(junk));
        onlyDetente(() => parseCommitment(junk));
        onlyDetente(() => verifyOpening(junk, commitment, sha256Node));
        onlyDetente(() => verifyOpening(good, junk, sha256Node));
        onlyDetente(() => restoreEscrowTree(junk, sha256Node));
      }),
      { numRuns: 300 },
    );
    // Valid documents with one value replaced by arbitrary JSON, at every depth.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      paths.push(p);
      if (Array.isArray(v)) v.forEach((x, i) => void walk(x, [...p, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(good, []);
    fc.assert(
      fc.property(fc.nat(paths.length - 1), fc.jsonValue({ maxDepth: 3 }), (i, junk) => {
        const doc = clone(good) as any;
        const p = paths[i]!;
        if (p.length === 0) return;
        let o = doc;
        for (const k of p.slice(0, -1)) o = o[k];
        o[p[p.length - 1]!] = junk;
        onlyDetente(() => verifyOpening(doc, commitment, sha256Node));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses malformed documents with ESCROW_MALFORMED and names the field', () => {
    const { tree, commitment } = fixture();
    const good = clone(createOpening(tree, [1]));
    const cases: [string, (o: any) => void, RegExp][] = [
      ['extra field', (o) => (o.extra = 1), /unexpected field "extra"/],
      ['upper-case hex', (o) => (o.leaves[0].salt = o.leaves[0].salt.toUpperCase()), /leaves\[0\]\.salt/],
      ['short hash', (o) => (o.leaves[0].path[0].hash = 'ab'), /path\[0\]\.hash/],
      [
        'non-ASCII hex look-alike',
        (o) => (o.leaves[0].path[0].hash = `\uff10${o.leaves[0].path[0].hash.slice(1)}`),
        /hash/,
      ],
      ['sums of the wrong arity', (o) => o.leaves[0].path[0].sums.push(0), /expected 2 sums/],
      ['fractional sum', (o) => (o.leaves[0].path[0].sums[0] = 0.5), /integer/],
      ['no leaves', (o) => (o.leaves = []), /non-empty/],
      ['version', (o) => (o.v = 3), /opening\.v/],
      ['unsorted categories', (o) => o.commitment.categories.reverse(), /sorted and unique/],
    ];
    for (const [, mutate, message] of cases) {
      const doc = clone(good);
      mutate(doc);
      rejects(() => parseOpening(doc), 'ESCROW_MALFORMED', message);
    }
    void commitment;
  });
});
