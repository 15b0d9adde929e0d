import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import {
  buildEscrowTree,
  createOpening,
  EscrowHasher,
  type EscrowItem,
  type EscrowSecrets,
  levelWidths,
  paddedSize,
  pathPositions,
  restoreEscrowTree,
} from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { makeItems, ref, seededRandom, u32, u64 } from './escrow-helpers.js';

const CATS = ['launchers', 'warheads'];

const VECTOR_SECRETS: EscrowSecrets = {
  v: 1 as const,
  categories: CATS,
  size: 4,
  leaves: [
    { salt: '01'.repeat(32), item: { id: 'ICBM-17', counts: { launchers: 1, warheads: 1 }, site: 'Kozelsk' } },
    { salt: '02'.repeat(32), item: null },
    { salt: '03'.repeat(32), item: { id: 'SSBN-4', counts: { launchers: 2, warheads: 7 }, site: 'Gadzhiyevo' } },
    { salt: '04'.repeat(32), item: { id: 'ICBM-9', counts: {}, site: 'Kozelsk', status: 'eliminated' } },
  ],
};

describe('escrow sum tree: known answers', () => {
  it('a two-item tree, padded to 3 leaves, hashed by hand', () => {
    const saltA = new Uint8Array(32).fill(0xa1);
    const saltB = new Uint8Array(32).fill(0xb2);
    const saltP = new Uint8Array(32).fill(0xcc);
    const a: EscrowItem = { id: 'A', counts: { launchers: 1 }, site: 'Luga' };
    const b: EscrowItem = { id: 'B', counts: { launchers: 2, warheads: 3 } };
    // Leaves in tree order: B, padding, A (as secrets list them).
    const secrets = {
      v: 1,
      categories: CATS,
      size: 3,
      leaves: [
        { salt: toHex(saltB), item: b },
        { salt: toHex(saltP), item: null },
        { salt: toHex(saltA), item: a },
      ],
    };
    const H = sha256Portable;
    const tag = (t: 'leaf' | 'node' | 'root') => Uint8Array.of(0xde, 0x00, 0x01, { leaf: 0, node: 1, root: 2 }[t]);
    expect(new TextDecoder().decode(canonicalJsonBytes(a))).toBe('{"counts":{"launchers":1},"id":"A","site":"Luga"}');
    const leafB = H(concat(tag('leaf'), saltB, canonicalJsonBytes(b)));
    const leafP = H(concat(tag('leaf'), saltP));
    const leafA = H(concat(tag('leaf'), saltA, canonicalJsonBytes(a)));
    // Level 1: (B, P) pair up; A, the last of an odd level, is carried up unchanged.
    const n01 = H(concat(tag('node'), leafB, u64(2), u64(3), leafP, u64(0), u64(0)));
    const top = H(concat(tag('node'), n01, u64(2), u64(3), leafA, u64(1), u64(0)));
    const root = H(
      concat(tag('root'), u64(3), u32(2), u32(9), utf8('launchers'), u32(8), utf8('warheads'), top, u64(3), u64(3)),
    );
    for (const sha of [sha256Node, sha256Portable]) {
      const tree = restoreEscrowTree(secrets, sha);
      expect(toHex(tree.root)).toBe(toHex(root));
      expect(tree.commitment()).toEqual({
        v: 1,
        root: toHex(root),
        size: 3,
        categories: CATS,
        totals: { launchers: 3, warheads: 3 },
      });
      expect(toHex(tree.node(1, 0).hash)).toBe(toHex(n01));
      expect(tree.node(1, 1).sums).toEqual([1, 0]);
    }
  });

  it('the vector of docs/ESCROW.md §6: three items and one padding leaf, salts 0x01.., 0x02.., 0x03.., 0x04..', () => {
    const secrets = VECTOR_SECRETS;
    const tree = restoreEscrowTree(secrets, sha256Node);
    const expected = ref.treeRoot(
      CATS,
      secrets.leaves.map((l) => ({ salt: fromHex(l.salt), item: l.item })),
    );
    expect(toHex(tree.root)).toBe(toHex(expected));
    expect(tree.commitment()).toEqual({
      v: 1,
      root: '6e4eaa9f502cb798e7108e62ed87ad83b6c6ce3b18465afae659b51b35ffc0f3',
      size: 4,
      categories: CATS,
      totals: { launchers: 3, warheads: 8 },
    });
    const pinned = [
      ['1c5ca895a9f7d9b3116e740321d5d115223cdbf2fa1f4a734ee73f3d51f8acef', [1, 1]],
      ['903267b73cba9a43d7a953c5c595ee9d92b1e919e0dc05902e2cc81df0ae4879', [0, 0]],
      ['f46c6954931b30df26c83344a4cf5a5967aabb4b0077e25e9dae2adcad3b18ea', [2, 7]],
      ['22fdc0f9bca7b76ea49daf0c68fef8094f97c383eacc791d4674da5c16015712', [0, 0]],
      ['2e0f78868f6b218027b50adc3f21e8da36407d06813156bb6eed8994c59c0155', [1, 1]],
      ['17bfe6599cc99e3cfd12ea5b4e03448a13cc7072b29fc13c9822057f6e0233cb', [2, 7]],
      ['bf50caec4b16c5c950c6e7b9c9d77c2363b40141a46689d4db45caf074f897cd', [3, 8]],
    ];
    const nodes = [
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 1],
      [2, 0],
    ].map(([l, i]) => tree.node(l!, i!));
    expect(nodes.map((n) => [toHex(n.hash), n.sums])).toEqual(pinned);
    expect(JSON.stringify(createOpening(tree, [0]).leaves)).toBe(
      '[{"index":0,"salt":"0101010101010101010101010101010101010101010101010101010101010101",' +
        '"item":{"id":"ICBM-17","counts":{"launchers":1,"warheads":1},"site":"Kozelsk"},"path":[' +
        '{"hash":"903267b73cba9a43d7a953c5c595ee9d92b1e919e0dc05902e2cc81df0ae4879","sums":[0,0]},' +
        '{"hash":"17bfe6599cc99e3cfd12ea5b4e03448a13cc7072b29fc13c9822057f6e0233cb","sums":[2,7]}]}]',
    );
  });

  it('level widths and path shapes follow RFC 6962', () => {
    expect(levelWidths(1)).toEqual([1]);
    expect(levelWidths(5)).toEqual([5, 3, 2, 1]);
    expect(pathPositions(4, 5)).toEqual([{ level: 2, index: 0, siblingOnLeft: true }]);
    expect(pathPositions(0, 5)).toEqual([
      { level: 0, index: 1, siblingOnLeft: false },
      { level: 1, index: 1, siblingOnLeft: false },
      { level: 2, index: 1, siblingOnLeft: false },
    ]);
    expect(pathPositions(0, 1)).toEqual([]);
  });
});

describe('escrow sum tree: properties', () => {
  it('matches the independent recursive reference for random declarations and padding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 3 }),
        fc.string(),
        (n, bound, ncat, label) => {
          const cats = ['a', 'b', 'c'].slice(0, ncat);
          const items = makeItems(n, cats, n + bound);
          const tree = buildEscrowTree(items, {
            categories: cats,
            paddingBound: bound,
            sha256: sha256Node,
            random: seededRandom(label),
          });
          expect(tree.size).toBe(paddedSize(n, bound));
          expect(tree.size % bound).toBe(0);
          const leaves = tree.secrets().leaves.map((l) => ({ salt: fromHex(l.salt), item: l.item }));
          expect(toHex(tree.root)).toBe(toHex(ref.treeRoot(cats, leaves)));
          expect(leaves.filter((l) => l.item !== null)).toHaveLength(n);
          const totals = cats.map((c) => items.reduce((s, it) => s + (it.counts[c] ?? 0), 0));
          expect(tree.totals).toEqual(totals);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('node:crypto and noble build the same tree; pre-encoded bytes give the same root', () => {
    const items = makeItems(33, CATS);
    const opts = { categories: CATS, paddingBound: 10 };
    const a = buildEscrowTree(items, { ...opts, sha256: sha256Node, random: seededRandom('x') });
    const b = buildEscrowTree(items, { ...opts, sha256: sha256Portable, random: seededRandom('x') });
    const c = buildEscrowTree(items, {
      ...opts,
      sha256: sha256Node,
      random: seededRandom('x'),
      encoded: items.map((i) => canonicalJsonBytes(i)),
    });
    expect(toHex(a.root)).toBe(toHex(b.root));
    expect(toHex(a.root)).toBe(toHex(c.root));
  });

  it('items with any text, short or long, hash as their RFC 8785 UTF-8 bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ site: fc.string({ unit: 'grapheme', maxLength: 400 }), n: fc.nat(9) }), { maxLength: 12 }),
        (rows) => {
          const items: EscrowItem[] = rows.map((r, i) => ({ id: `x${i}`, counts: { launchers: r.n }, site: r.site }));
          const opts = { categories: CATS, paddingBound: 4, random: seededRandom('text') };
          const direct = buildEscrowTree(items, { ...opts, sha256: sha256Node });
          const leaves = direct.secrets().leaves.map((l) => ({ salt: fromHex(l.salt), item: l.item }));
          expect(toHex(direct.root)).toBe(toHex(ref.treeRoot(CATS, leaves)));
        },
      ),
      { numRuns: 60 },
    );
    const long: EscrowItem = { id: 'long', counts: {}, note: 'Гаджиево 🚀'.repeat(500) };
    const tree = buildEscrowTree([long], { categories: CATS, paddingBound: 2, sha256: sha256Node });
    const leaves = tree.secrets().leaves.map((l) => ({ salt: fromHex(l.salt), item: l.item }));
    expect(toHex(tree.root)).toBe(toHex(ref.treeRoot(CATS, leaves)));
  });

  it('secrets round-trip through JSON and rebuild the same root', () => {
    const tree = buildEscrowTree(makeItems(20, CATS), { categories: CATS, paddingBound: 8, sha256: sha256Node });
    const again = restoreEscrowTree(JSON.parse(JSON.stringify(tree.secrets())), sha256Node);
    expect(again.commitment()).toEqual(tree.commitment());
    expect(again.leafIndexOf('item-7')).toBe(tree.leafIndexOf('item-7'));
  });

  it('fresh salts make two commitments to the same declaration unlinkable', () => {
    const items = makeItems(10, CATS);
    const a = buildEscrowTree(items, { categories: CATS, paddingBound: 16, sha256: sha256Node });
    const b = buildEscrowTree(items, { categories: CATS, paddingBound: 16, sha256: sha256Node });
    expect(toHex(a.root)).not.toBe(toHex(b.root));
    expect(a.totals).toEqual(b.totals);
  });

  it('places items uniformly among the leaves (the leaf order is secret and random)', () => {
    // Item 0 of 2, in a tree of 4 leaves, over 2,000 builds: each position about 500 times.
    const seen = [0, 0, 0, 0];
    for (let r = 0; r < 2000; r++) {
      const tree = buildEscrowTree(makeItems(2, CATS), {
        categories: CATS,
        paddingBound: 4,
        sha256: sha256Node,
        random: seededRandom(`p${r}`),
      });
      seen[tree.leafIndexOf('item-0')]! += 1;
    }
    const chi2 = seen.reduce((s, o) => s + (o - 500) ** 2 / 500, 0);
    expect(chi2).toBeLessThan(16.3); // 3 degrees of freedom, p = 0.001
  });
});

describe('escrow sum tree: refusals', () => {
  const build =
    (items: unknown[], categories: string[] = CATS) =>
    () =>
      buildEscrowTree(items as EscrowItem[], { categories, paddingBound: 4, sha256: sha256Node });
  const refuses = (f: () => unknown, message: RegExp) => {
    expect(f).toThrow(DetenteError);
    expect(f).toThrow(message);
  };

  it('a negative count', () => refuses(build([{ id: 'x', counts: { launchers: -1 } }]), /negative/));
  it('a fractional or unsafe count', () => {
    refuses(build([{ id: 'x', counts: { launchers: 1.5 } }]), /integer/);
    refuses(build([{ id: 'x', counts: { launchers: 2 ** 53 } }]), /2\^53/);
  });
  it('an undeclared category', () => refuses(build([{ id: 'x', counts: { tanks: 1 } }]), /not a declared category/));
  it('a duplicate id', () =>
    refuses(
      build([
        { id: 'x', counts: {} },
        { id: 'x', counts: {} },
      ]),
      /declared twice/,
    ));
  it('a total beyond 2^53 - 1', () =>
    refuses(
      build([
        { id: 'x', counts: { launchers: Number.MAX_SAFE_INTEGER } },
        { id: 'y', counts: { launchers: 1 } },
      ]),
      /exceeds 2\^53/,
    ));
  it('categories that are not sorted and unique', () => {
    refuses(build([], ['warheads', 'launchers']), /sorted and unique/);
    refuses(build([], ['a', 'a']), /sorted and unique/);
    refuses(build([], []), /1 to 256/);
  });
  it('an item that is not JSON', () =>
    refuses(build([{ id: 'x', counts: {}, when: new Date(0) as unknown as string }]), /canonicalis/));
  it('a padding bound that is not a positive integer', () => {
    expect(() => paddedSize(3, 0)).toThrow(/paddingBound/);
    expect(paddedSize(0, 5)).toBe(5);
    expect(paddedSize(5, 5)).toBe(5);
    expect(paddedSize(6, 5)).toBe(10);
  });
  it('a hasher fed the same bytes twice gives the same leaf (no hidden state)', () => {
    const h = new EscrowHasher(sha256Node, 2);
    const salt = new Uint8Array(32);
    const big = new Uint8Array(5000).fill(7);
    const first = toHex(h.leaf(salt, new Uint8Array([1])));
    h.leaf(salt, big);
    expect(toHex(h.leaf(salt, new Uint8Array([1])))).toBe(first);
  });
});
