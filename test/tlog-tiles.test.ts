import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { decodeBundle, encodeBundle, MAX_ENTRY_SIZE } from '../src/tlog/entry-bundle.js';
import { partialTileWidth, tilesOfTree } from '../src/tlog/tile-math.js';
import {
  entriesPath,
  entriesPathForLogIndex,
  formatTileIndex,
  parseTilePath,
  tilePath,
} from '../src/tlog/tile-paths.js';
import { loadVector } from './vectors.js';

const paths = loadVector('tlog-tiles-paths.json');
const tessera = loadVector('tessera-testdata-log.json');

describe('tlog-tiles paths (tlog-tiles-paths.json)', () => {
  it('formats indexes in x-groups', () => {
    for (const v of paths.fmtN) {
      // 999999999999999999 is beyond 2^53: JSON.parse rounded it, so format it from its decimal text instead.
      const n = v.n > Number.MAX_SAFE_INTEGER ? BigInt(v.expect.replaceAll('x', '').replaceAll('/', '')) : v.n;
      expect(formatTileIndex(n)).toBe(v.expect);
    }
  });

  it('builds hash tile and entry bundle paths like Tessera', () => {
    for (const v of paths.tilePaths_tessera) expect(tilePath(v.level, v.index, v.partial)).toBe(v.expect);
    for (const v of paths.entriesPaths_tessera) expect(entriesPath(v.index, v.partial)).toBe(v.expect);
    for (const v of paths.entriesPathForLogIndex_tessera)
      expect(entriesPathForLogIndex(v.seq, v.logSize)).toBe(v.expect);
  });

  it('parses level and index strictly', () => {
    for (const v of paths.parseLevelIndex_tessera) {
      const path = `tile/${v.level}/${v.index}`;
      if (v.expect === 'error') {
        expect(() => parseTilePath(path), path).toThrow(DetenteError);
      } else {
        const digits = v.index.split('.p')[0].replaceAll('x', '').replaceAll('/', '');
        expect(parseTilePath(path)).toEqual({
          kind: 'hashes',
          level: v.expect.level,
          index: BigInt(digits),
          width: v.expect.partial,
        });
      }
    }
  });

  it('refuses Go sumdb paths, which use another scheme', () => {
    // tile/<H>/<L>/<N>: "tile/4/0/001" would be level 4, index "0/001" under C2SP, which is malformed.
    for (const v of paths.gosumdbTilePaths_differentScheme)
      expect(() => parseTilePath(v.path), v.path).toThrow(DetenteError);
  });

  it('refuses traversal and junk', () => {
    for (const p of [
      'tile/../checkpoint',
      'tile/0/../../etc/passwd',
      'tile/0/000/',
      '/tile/0/000',
      'tile/0/000.p/0',
      'tile/00/000',
      'tile/entries/000.p/256',
    ]) {
      expect(() => parseTilePath(p), p).toThrow(DetenteError);
    }
  });

  it('parse inverts format for every level, index and width', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: 255 }),
        (level, index, width) => {
          expect(parseTilePath(tilePath(level, index, width))).toEqual({ kind: 'hashes', level, index, width });
          expect(parseTilePath(entriesPath(index, width))).toEqual({ kind: 'entries', index, width });
        },
      ),
    );
  });

  it('never throws anything but DetenteError on garbage', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom('tile/', 'tile/entries/', 'tile/0/').chain((p) => fc.string().map((s) => p + s)),
        ),
        (s) => {
          try {
            parseTilePath(s);
          } catch (err) {
            expect(err).toBeInstanceOf(DetenteError);
          }
        },
      ),
    );
  });
});

describe('tile maths', () => {
  it('matches the spec example for size 70000 and size 256', () => {
    for (const v of paths.treeSizeToTiles_c2sp) {
      const tiles = [...tilesOfTree(v.size)];
      const computed = v.computed.map((c: any) => ({
        level: c.level,
        fullTiles: tiles.filter((t) => t.level === c.level && t.width === 256).length,
        partialWidth: partialTileWidth(c.level, v.size),
      }));
      expect(computed).toEqual(v.computed);
      // No empty tile is ever listed.
      expect(tiles.every((t) => t.width >= 1 && t.width <= 256)).toBe(true);
    }
  });
});

describe('entry bundles', () => {
  it('reproduces every Tessera bundle byte for byte', () => {
    const leaves = tessera.leavesAscii.map((s: string) => utf8(s));
    for (let size = 1; size <= leaves.length; size++) {
      const want = tessera.entryBundlesHex[`tile/entries/000.p/${size}`];
      expect(toHex(encodeBundle(leaves.slice(0, size)))).toBe(want);
      expect(decodeBundle(fromHex(want), size).map((e) => new TextDecoder().decode(e))).toEqual(
        tessera.leavesAscii.slice(0, size),
      );
    }
  });

  it('refuses an entry over 65,535 bytes with a clear error', () => {
    expect(encodeBundle([new Uint8Array(MAX_ENTRY_SIZE)]).length).toBe(MAX_ENTRY_SIZE + 2);
    expect(() => encodeBundle([new Uint8Array(MAX_ENTRY_SIZE + 1)])).toThrow(/65536 bytes.*at most 65535/);
  });

  it('round-trips and rejects truncation', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }), (entries) => {
        const bundle = encodeBundle(entries);
        expect(decodeBundle(bundle, entries.length).map(toHex)).toEqual(entries.map(toHex));
        expect(() => decodeBundle(bundle.subarray(0, bundle.length - 1), entries.length)).toThrow(DetenteError);
      }),
      { numRuns: 50 },
    );
  });

  it('never throws anything but DetenteError on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.option(fc.integer({ min: 1, max: 256 })), (bytes, n) => {
        try {
          decodeBundle(bytes, n ?? undefined);
        } catch (err) {
          expect(err).toBeInstanceOf(DetenteError);
        }
      }),
    );
  });
});
