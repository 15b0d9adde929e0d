import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { CompactRange } from '../src/tlog/compact-range.js';
import { consistencyProof, verifyConsistency } from '../src/tlog/consistency.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { MemoryTree } from '../src/tlog/memory-tree.js';
import {
  ByteReader,
  consistencyFromPackageProof,
  encodeAddEntriesHeader,
  encodePackage,
  formatMirrorInfo,
  MAX_PACKAGE_HASHES,
  packageRanges,
  parseMirrorInfo,
  readAddEntriesHeader,
  readPackage,
} from '../src/tlog/mirror-protocol.js';
import { subtreeConsistencyProof } from '../src/tlog/subtree.js';

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let pos = 0;
  for (const c of [...new Set(cuts.map((x) => x % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(pos, c);
    pos = c;
  }
  yield bytes.subarray(pos);
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return (e as DetenteError).code;
  }
  return 'ok';
};

describe('tlog-mirror canonical sequence', () => {
  it('cuts [start, end) at multiples of 256, each package proving the subtree from the rounded start', () => {
    expect(packageRanges(5, 5)).toEqual([]);
    expect(packageRanges(0, 1)).toEqual([{ subtreeStart: 0, start: 0, end: 1 }]);
    expect(packageRanges(300, 1000)).toEqual([
      { subtreeStart: 256, start: 300, end: 512 },
      { subtreeStart: 512, start: 512, end: 768 },
      { subtreeStart: 768, start: 768, end: 1000 },
    ]);
    expect(packageRanges(256, 512)).toEqual([{ subtreeStart: 256, start: 256, end: 512 }]);
    expect(() => packageRanges(7, 6)).toThrow(DetenteError);
  });

  it('covers [start, end) exactly, in order, with packages of at most 256 entries (property)', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(5_000), (start, length) => {
        const ranges = packageRanges(start, start + length);
        let at = start;
        for (const r of ranges) {
          expect(r.start).toBe(at);
          expect(r.subtreeStart % 256).toBe(0);
          expect(r.end - r.subtreeStart).toBeLessThanOrEqual(256);
          expect(r.end).toBeGreaterThan(r.start);
          at = r.end;
        }
        expect(at).toBe(start + length);
      }),
    );
  });
});

describe('tlog-mirror add-entries body', () => {
  it('reads back what was encoded, however the stream is cut (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (entries, proof, ticket, cuts) => {
          const header = { origin: 'example.com/log', uploadStart: 3, uploadEnd: 3 + entries.length, ticket };
          const body = concat(encodeAddEntriesHeader(header), encodePackage({ entries, proof }));
          const reader = new ByteReader(chunked(body, cuts));
          expect(await readAddEntriesHeader(reader)).toEqual(header);
          expect(await readPackage(reader, entries.length)).toEqual({ entries, proof });
          expect(await readPackage(reader, 1)).toBeUndefined();
        },
      ),
    );
  });

  it('refuses a body cut anywhere inside the header or a package (property)', async () => {
    const header = encodeAddEntriesHeader({ origin: 'o', uploadStart: 0, uploadEnd: 2, ticket: utf8('t') });
    const pkg = encodePackage({ entries: [utf8('a'), utf8('bc')], proof: [new Uint8Array(32).fill(1)] });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: pkg.length - 1 }), async (cut) => {
        const reader = new ByteReader(chunked(concat(header, pkg.subarray(0, cut)), []));
        await readAddEntriesHeader(reader);
        expect(await code(readPackage(reader, 2))).toBe('BAD_INPUT');
      }),
    );
    for (let cut = 0; cut < header.length; cut++) {
      expect(await code(readAddEntriesHeader(new ByteReader(chunked(header.subarray(0, cut), []))))).toBe('BAD_INPUT');
    }
  });

  it('refuses more than 63 proof hashes, sizes beyond 2^53 − 1, an empty origin, and bad input to encode', async () => {
    const bad = concat(new Uint8Array([0, 1, 97]), new Uint8Array([0]), new Uint8Array([MAX_PACKAGE_HASHES + 1]));
    const r = new ByteReader(chunked(bad, []));
    await r.read(3);
    expect(await code(readPackage(r, 1))).toBe('BAD_INPUT');
    const huge = concat(new Uint8Array([0, 1, 97]), new Uint8Array(8).fill(255), new Uint8Array(10));
    expect(await code(readAddEntriesHeader(new ByteReader(chunked(huge, []))))).toBe('BAD_INPUT');
    expect(await code(readAddEntriesHeader(new ByteReader(chunked(new Uint8Array(22), []))))).toBe('BAD_INPUT');
    expect(() => encodePackage({ entries: [], proof: [] })).toThrow(DetenteError);
    expect(() => encodePackage({ entries: [new Uint8Array(70_000)], proof: [] })).toThrow(DetenteError);
    expect(() => encodePackage({ entries: [utf8('a')], proof: [new Uint8Array(31)] })).toThrow(DetenteError);
    expect(() =>
      encodeAddEntriesHeader({ origin: '', uploadStart: 0, uploadEnd: 0, ticket: new Uint8Array(0) }),
    ).toThrow(DetenteError);
  });

  it('never throws anything but a DetenteError on garbage (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.nat(300), async (bytes, count) => {
        const reader = new ByteReader(chunked(bytes, []));
        const c = await code(
          (async () => {
            await readAddEntriesHeader(reader);
            await readPackage(reader, count % 257);
          })(),
        );
        expect(['ok', 'BAD_INPUT', 'BAD_ENCODING']).toContain(c);
      }),
    );
  });
});

describe('consistency proof from a package proof', () => {
  const hasher = new Rfc6962Hasher(nodeSuite.sha256);
  const tree = new MemoryTree(hasher);
  for (let i = 0; i < 256 * 40 + 17; i++) tree.append(hasher.hashLeaf(utf8(`leaf ${i}`)));

  it('is the RFC 6962 consistency proof from the package end to the tree (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 256 * 40 + 17 }), (packages, size) => {
        const end = packages * 256;
        fc.pre(end < size);
        const proof = subtreeConsistencyProof(hasher, tree, end - 256, end, size);
        const range = new CompactRange(hasher);
        for (let i = 0; i < end; i++) range.append(tree.nodeHash(0, i));
        const derived = consistencyFromPackageProof(proof, end, range.peaks());
        expect(derived).toEqual(consistencyProof(hasher, tree, end, size));
        verifyConsistency(hasher, end, size, derived, tree.root(end), tree.root(size));
      }),
      { numRuns: 60 },
    );
    expect(() => consistencyFromPackageProof([], 100, [])).toThrow(DetenteError);
  });
});

describe('text/x.tlog.mirror-info', () => {
  it('formats the three lines and parses them back', () => {
    const info = { pendingSize: 1000, nextEntry: 512, ticket: utf8('hi') };
    expect(formatMirrorInfo(info)).toBe('1000\n512\naGk=\n');
    expect(parseMirrorInfo('1000\n512\naGk=\n')).toEqual(info);
    expect(formatMirrorInfo({ pendingSize: 0, nextEntry: 0, ticket: new Uint8Array(0) })).toBe('0\n0\n\n');
  });

  it('refuses anything else', () => {
    for (const bad of ['1\n2\n', '1\n2\n\n\n', '01\n2\n\n', '1\n2\n!!\n', '1\n2\n', 'a\n2\n\n', '1\n2\n\nx']) {
      expect(() => parseMirrorInfo(bad), bad).toThrow(DetenteError);
    }
  });
});
