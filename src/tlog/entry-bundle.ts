/**
 * C2SP tlog-tiles entry bundles: each entry is a big-endian uint16 length followed by its bytes, so no entry
 * can exceed 65,535 bytes. Up to 256 entries a bundle.
 */
import { fail } from '../crypto/errors.js';
import { TILE_WIDTH } from './tile-paths.js';

export const MAX_ENTRY_SIZE = 0xffff;

export function checkEntrySize(entry: Uint8Array, index?: number): void {
  if (!(entry instanceof Uint8Array)) fail('BAD_INPUT', 'entry: expected bytes');
  if (entry.length > MAX_ENTRY_SIZE) {
    const which = index === undefined ? 'entry' : `entry ${index}`;
    fail(
      'ENTRY_TOO_LARGE',
      `${which} is ${entry.length} bytes; a tlog-tiles entry bundle carries at most ${MAX_ENTRY_SIZE} (store larger data as a blob and reference its hash)`,
    );
  }
}

export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH)
    fail('BAD_INPUT', `entry bundle: at most ${TILE_WIDTH} entries, got ${entries.length}`);
  let length = 0;
  entries.forEach((e, i) => {
    checkEntrySize(e, i);
    length += 2 + e.length;
  });
  const out = new Uint8Array(length);
  let offset = 0;
  for (const e of entries) {
    out[offset] = e.length >> 8;
    out[offset + 1] = e.length & 0xff;
    out.set(e, offset + 2);
    offset += 2 + e.length;
  }
  return out;
}

/** Splits a bundle into its entries; `expected` is the width the path promised (1..256). */
export function decodeBundle(bundle: Uint8Array, expected?: number): Uint8Array[] {
  if (!(bundle instanceof Uint8Array)) fail('TILE_MALFORMED', 'entry bundle: expected bytes');
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bundle.length) {
    if (offset + 2 > bundle.length) fail('TILE_MALFORMED', `entry bundle: truncated length prefix at byte ${offset}`);
    const length = (bundle[offset]! << 8) | bundle[offset + 1]!;
    const end = offset + 2 + length;
    if (end > bundle.length) fail('TILE_MALFORMED', `entry bundle: entry ${entries.length} runs past the end`);
    entries.push(bundle.subarray(offset + 2, end));
    offset = end;
    if (entries.length > TILE_WIDTH) fail('TILE_MALFORMED', `entry bundle: more than ${TILE_WIDTH} entries`);
  }
  if (expected !== undefined && entries.length !== expected) {
    fail('TILE_MALFORMED', `entry bundle: expected ${expected} entries, found ${entries.length}`);
  }
  return entries;
}

/**
 * Splits a bundle into its entries as its bytes arrive (`chunks`, split anywhere), each entry copied into its own
 * buffer as soon as it is whole: a reader can refuse at the first bad entry and never holds more than the entries it
 * keeps. Refuses what decodeBundle refuses, at the first byte that shows it (an entry past `expected`, or past 256).
 */
export async function* decodeBundleStream(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  expected?: number,
): AsyncGenerator<Uint8Array> {
  const limit = expected ?? TILE_WIDTH;
  let count = 0;
  let offset = 0; // bytes of the bundle consumed, for the error messages
  let high = -1; // the first byte of a length prefix whose second byte has not arrived
  let entry: Uint8Array | undefined;
  let filled = 0;
  for await (const chunk of chunks) {
    let i = 0;
    while (i < chunk.length) {
      if (entry === undefined) {
        if (count === limit) {
          const what =
            expected === undefined ? `more than ${TILE_WIDTH} entries` : `more than the ${expected} expected entries`;
          fail('TILE_MALFORMED', `entry bundle: ${what} (byte ${offset + i})`);
        }
        if (high < 0) {
          high = chunk[i++]!;
          continue;
        }
        entry = new Uint8Array((high << 8) | chunk[i++]!);
        high = -1;
        filled = 0;
      } else {
        const n = Math.min(entry.length - filled, chunk.length - i);
        entry.set(chunk.subarray(i, i + n), filled);
        filled += n;
        i += n;
      }
      if (filled === entry.length) {
        const whole = entry;
        entry = undefined;
        count++;
        yield whole;
      }
    }
    offset += chunk.length;
  }
  if (high >= 0) fail('TILE_MALFORMED', `entry bundle: truncated length prefix at byte ${offset - 1}`);
  if (entry !== undefined) fail('TILE_MALFORMED', `entry bundle: entry ${count} runs past the end`);
  if (expected !== undefined && count !== expected) {
    fail('TILE_MALFORMED', `entry bundle: expected ${expected} entries, found ${count}`);
  }
}
