/**
 * Byte-level building blocks shared by the escrow formats (docs/ESCROW.md §2): domain-separation tags, fixed-width
 * integers, length-prefixed strings, and the strict checks every document field goes through.
 */
import { utf8 } from '../crypto/bytes.js';
import { type DetenteErrorCode, fail } from '../crypto/errors.js';

export const HASH_SIZE = 32;
export const SALT_SIZE = 32;
/** Every count, node sum and total is an integer in [0, MAX_SUM]: exact as a JS number, and as a u64. */
export const MAX_SUM = Number.MAX_SAFE_INTEGER;
/** Leaves in one tree, padding included. */
export const MAX_TREE_SIZE = 2 ** 32;
export const MAX_CATEGORIES = 256;

/**
 * Domain separation: every SHA-256 input the escrow forms starts with four bytes, 0xDE 0x00 (the escrow), 0x01
 * (format version 1) and a type byte. No input of one type can be read as one of another; none can be an RFC 6962
 * input (those start 0x00 or 0x01); and none is valid UTF-8 (0xDE must be followed by a continuation byte, 0x80
 * to 0xBF), so none can be the hash of any text, note or JSON document either. Four bytes keep a node of up to
 * three categories within two SHA-256 blocks, and the salt and node records word-aligned for the builder.
 */
function tag(type: number): Uint8Array {
  return Uint8Array.of(0xde, 0x00, 0x01, type);
}

export const TAG = {
  leaf: tag(0x00),
  node: tag(0x01),
  root: tag(0x02),
  commit: tag(0x03),
  seed: tag(0x04),
  select: tag(0x05),
} as const;

export const TAG_SIZE = 4;

/** Writes a non-negative safe integer as 8 bytes big-endian (no BigInt on the hot path). */
export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

/** Reads 8 bytes big-endian as a number; exact up to 2^53 - 1, which is all a sum may be. */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

export function u64Bytes(value: number): Uint8Array {
  const out = new Uint8Array(8);
  writeU64(new DataView(out.buffer), 0, value);
  return out;
}

export function u32Bytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** u32be(byte length) ‖ UTF-8: the one way a string enters a hash. */
export function lengthPrefixed(text: string): Uint8Array {
  const bytes = utf8(text);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** Lower-case hex digit -> value, -1 for anything else (upper case included: one spelling per value). */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i;

/** 32 bytes as 64 lower-case hex digits: the only accepted spelling, so each value has one encoding. */
export function parseHash(value: unknown, field: string, code: DetenteErrorCode): Uint8Array {
  if (typeof value !== 'string' || value.length !== 2 * HASH_SIZE) {
    fail(code, `${field}: expected 64 lower-case hex digits`);
  }
  const out = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < HASH_SIZE; i++) {
    const a = value.charCodeAt(2 * i);
    const b = value.charCodeAt(2 * i + 1);
    const hi = a < 128 ? NIBBLE[a]! : -1;
    const lo = b < 128 ? NIBBLE[b]! : -1;
    if ((hi | lo) < 0) fail(code, `${field}: expected 64 lower-case hex digits`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A plain object with exactly these keys (no more, no fewer). */
export function expectObject(
  value: unknown,
  keys: readonly string[],
  field: string,
  code: DetenteErrorCode,
): Record<string, unknown> {
  if (!isPlainObject(value)) fail(code, `${field}: expected an object`);
  const have = Object.keys(value);
  for (const k of have) if (!keys.includes(k)) fail(code, `${field}: unexpected field ${JSON.stringify(k)}`);
  for (const k of keys) if (!Object.hasOwn(value, k)) fail(code, `${field}: missing field ${JSON.stringify(k)}`);
  return value;
}

/** An integer in [min, max]. */
export function expectInteger(value: unknown, min: number, max: number, field: string, code: DetenteErrorCode): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(code, `${field}: expected an integer`);
  if (value < min || value > max) fail(code, `${field}: ${value} is outside [${min}, ${max}]`);
  return value;
}

/**
 * A count, sum or total: a safe non-negative integer. A negative value gets its own message, because a negative
 * sum is how a tree that only commits to sums lets a total be understated (Hu, Zhang and Guo, ePrint 2018/1139).
 */
export function expectSum(
  value: unknown,
  field: string,
  code: DetenteErrorCode,
  rangeCode: DetenteErrorCode = code,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(code, `${field}: expected an integer count`);
  if (value < 0) fail(rangeCode, `${field}: ${value} is negative; counts and sums must be non-negative`);
  if (value > MAX_SUM) fail(rangeCode, `${field}: ${value} exceeds 2^53 - 1`);
  return value;
}

/** Category ids: 1 to 64 characters, a letter or digit first, then letters, digits and . _ : / - */
export const CATEGORY_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

/**
 * The category list of a declaration: non-empty, at most MAX_CATEGORIES, each a valid id, strictly ascending
 * in UTF-16 code-unit order (the order RFC 8785 sorts keys in, and JavaScript's default string order).
 */
export function checkCategories(value: unknown, field: string, code: DetenteErrorCode): string[] {
  if (!Array.isArray(value)) fail(code, `${field}: expected an array of category ids`);
  if (value.length === 0 || value.length > MAX_CATEGORIES) {
    fail(code, `${field}: expected 1 to ${MAX_CATEGORIES} categories, got ${value.length}`);
  }
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const c: unknown = value[i];
    if (typeof c !== 'string' || !CATEGORY_ID.test(c)) fail(code, `${field}[${i}]: not a valid category id`);
    if (i > 0 && !(out[i - 1]! < c))
      fail(code, `${field}: categories must be sorted and unique (at ${JSON.stringify(c)})`);
    out.push(c);
  }
  return out;
}

/** u32be(count) ‖ each category length-prefixed: the category list as it enters the root hash. */
export function encodeCategories(categories: readonly string[]): Uint8Array {
  const parts = categories.map(lengthPrefixed);
  let length = 4;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  new DataView(out.buffer).setUint32(0, categories.length);
  let offset = 4;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
