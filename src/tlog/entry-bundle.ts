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
