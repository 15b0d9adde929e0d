import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { CompactRange } from '../src/tlog/compact-range.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { loadVector } from './vectors.js';

const tree8 = loadVector('rfc6962-tree-8.json');
const leaves: Uint8Array[] = tree8.leafInputsHex.map((h: string) => fromHex(h));

describe('RFC 6962 hasher and compact range (rfc6962-tree-8.json)', () => {
  for (const [name, sha] of [
    ['node:crypto', sha256Node],
    ['noble', sha256Portable],
  ] as const) {
    const hasher = new Rfc6962Hasher(sha);

    it(`${name}: hasher known answers`, () => {
      const kat = Object.fromEntries(tree8.hasherKATs.map((k: any) => [k.desc, k.expectHex]));
      const emptyKey = Object.keys(kat).find((k) => k.startsWith('empty tree root'))!;
      expect(toHex(hasher.emptyRoot())).toBe(kat[emptyKey]);
      expect(toHex(hasher.hashLeaf(new Uint8Array()))).toBe(tree8.nodeHashesByLevel[0][0]);
    });

    it(`${name}: roots of every size 0..8 and their compact ranges`, () => {
      const range = new CompactRange(hasher);
      const completed: string[][] = [[], [], [], []];
      for (let size = 0; size <= leaves.length; size++) {
        expect(toHex(range.root())).toBe(tree8.rootHashesBySize[size]);
        const want = tree8.compactRangeBySize[size].map(([l, i]: [number, number]) => tree8.nodeHashesByLevel[l][i]);
        expect(range.peaks().map(toHex)).toEqual(want);
        if (size < leaves.length) {
          range.append(hasher.hashLeaf(leaves[size]!), (level, index, hash) => {
            completed[level]![index] = toHex(hash);
          });
        }
      }
      // Every perfect subtree the appends completed is the upstream node hash at that level and index.
      for (let level = 0; level < tree8.nodeHashesByLevel.length; level++) {
        expect(completed[level]).toEqual(tree8.nodeHashesByLevel[level]);
      }
    });
  }

  it('a range rebuilt from its peaks continues exactly like the original', () => {
    const hasher = new Rfc6962Hasher(sha256Node);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 40 }), fc.nat(40), (data, cut) => {
        const whole = new CompactRange(hasher);
        for (const d of data) whole.append(hasher.hashLeaf(d));
        const k = Math.min(cut, data.length);
        const head = new CompactRange(hasher);
        for (const d of data.slice(0, k)) head.append(hasher.hashLeaf(d));
        const resumed = new CompactRange(hasher, head.size, head.peaks());
        for (const d of data.slice(k)) resumed.append(hasher.hashLeaf(d));
        expect(toHex(resumed.root())).toBe(toHex(whole.root()));
      }),
    );
  });

  it('refuses peaks that do not match the size', () => {
    const hasher = new Rfc6962Hasher(sha256Node);
    expect(() => new CompactRange(hasher, 3, [new Uint8Array(32)])).toThrow(/needs 2 peaks/);
  });
});
