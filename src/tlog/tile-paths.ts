/**
 * C2SP tlog-tiles (v0.1.0) resource paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`.
 * N is written in 3-digit groups, every group but the last prefixed with `x` (1234067 → x001/x234/067).
 * Indexes are bigint here because a level-63 tile index can exceed 2^53; callers narrow to number.
 *
 * Not Go sumdb's `tile/<H>/<L>/<N>` scheme: C2SP fixes the height at 8 and drops H.
 */
import { fail } from '../crypto/errors.js';

export const MAX_LEVEL = 63;
export const TILE_WIDTH = 256;
const UINT64_MAX = (1n << 64n) - 1n;

export type TilePath =
  | { kind: 'hashes'; level: number; index: bigint; width: number }
  | { kind: 'entries'; index: bigint; width: number };

function checkIndex(index: number | bigint): bigint {
  const n = typeof index === 'bigint' ? index : Number.isSafeInteger(index) ? BigInt(index) : -1n;
  if (n < 0n || n > UINT64_MAX) fail('BAD_INPUT', `tile index: expected an integer in [0, 2^64), got ${index}`);
  return n;
}

/** The x-grouped form of a tile index. */
export function formatTileIndex(index: number | bigint): string {
  let n = checkIndex(index);
  let out = (n % 1000n).toString().padStart(3, '0');
  n /= 1000n;
  while (n > 0n) {
    out = `x${(n % 1000n).toString().padStart(3, '0')}/${out}`;
    n /= 1000n;
  }
  return out;
}

function suffix(width: number): string {
  if (width === 0 || width === TILE_WIDTH) return '';
  if (!Number.isInteger(width) || width < 1 || width > 255) {
    fail('BAD_INPUT', `tile width: expected 1..256 (256 or 0 meaning full), got ${width}`);
  }
  return `.p/${width}`;
}

/** Path of a hash tile; width 0 or 256 means a full tile. */
export function tilePath(level: number, index: number | bigint, width = 0): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL)
    fail('BAD_INPUT', `tile level: expected 0..63, got ${level}`);
  return `tile/${level}/${formatTileIndex(index)}${suffix(width)}`;
}

/** Path of an entry bundle; width 0 or 256 means a full bundle. */
export function entriesPath(index: number | bigint, width = 0): string {
  return `tile/entries/${formatTileIndex(index)}${suffix(width)}`;
}

/** The bundle that holds leaf `seq` in a tree of `size` leaves: full if that bundle is complete at `size`. */
export function entriesPathForLogIndex(seq: number, size: number): string {
  const index = Math.floor(seq / TILE_WIDTH);
  const complete = Math.floor(size / TILE_WIDTH) > index;
  return entriesPath(index, complete ? 0 : size % TILE_WIDTH);
}

const LEVEL = /^(0|[1-9]\d?)$/;
// Groups "xNNN/", a last group "NNN", an optional partial suffix ".p/W" with W written without leading zeros.
const INDEX = /^((?:x\d{3}\/)*)(\d{3})(?:\.p\/([1-9]\d{0,2}))?$/;

function parseIndex(text: string, original: string): { index: bigint; width: number } {
  const m = INDEX.exec(text);
  if (!m)
    fail(
      'TILE_MALFORMED',
      `tile path ${JSON.stringify(original)}: index must be 3-digit groups, x-prefixed but the last, then optionally .p/<1..255>`,
    );
  const digits = m[1]!.replaceAll('x', '').replaceAll('/', '') + m[2]!;
  const index = BigInt(digits);
  if (index > UINT64_MAX) fail('TILE_MALFORMED', `tile path ${JSON.stringify(original)}: index exceeds uint64`);
  const width = m[3] === undefined ? 0 : Number(m[3]);
  if (width > 255) fail('TILE_MALFORMED', `tile path ${JSON.stringify(original)}: partial width must be 1..255`);
  return { index, width };
}

/** Parses a tile or bundle path relative to the log's prefix; anything else is TILE_MALFORMED. */
export function parseTilePath(path: string): TilePath {
  if (typeof path !== 'string') fail('TILE_MALFORMED', 'tile path: expected a string');
  const parts = path.split('/');
  if (parts[0] !== 'tile' || parts.length < 3)
    fail('TILE_MALFORMED', `tile path ${JSON.stringify(path)}: expected tile/<L>/<N>`);
  const rest = parts.slice(2).join('/');
  if (parts[1] === 'entries') return { kind: 'entries', ...parseIndex(rest, path) };
  if (!LEVEL.test(parts[1]!) || Number(parts[1]) > MAX_LEVEL) {
    fail('TILE_MALFORMED', `tile path ${JSON.stringify(path)}: level must be 0..63 without leading zeros`);
  }
  return { kind: 'hashes', level: Number(parts[1]), ...parseIndex(rest, path) };
}
