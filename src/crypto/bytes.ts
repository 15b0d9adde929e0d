/**
 * Byte helpers for isomorphic code: Uint8Array in and out (never a Buffer), strict decoders that refuse
 * anything a lenient decoder would silently repair.
 */
import { fail } from './errors.js';

/**
 * Node's Buffer, where there is one (not in a browser): its base64 codec is native, four to eight times the speed of
 * the loops below for the kilobyte of a sealed entry's ciphertext, which every submission encodes and every fold of
 * sealed entries decodes. Only ever a view over our own Uint8Array's memory, so what we return stays a plain
 * Uint8Array of its own (a Buffer's small allocations share a pool that `.buffer` would expose).
 */
interface NativeBase64 {
  from(
    buffer: ArrayBufferLike,
    byteOffset?: number,
    length?: number,
  ): {
    toString(encoding: 'base64'): string;
    write(text: string, encoding: 'base64'): number;
  };
}
const native = (globalThis as { Buffer?: NativeBase64 }).Buffer;
/** Below this many bytes the loops are as fast as a call into the native codec. */
const NATIVE_FROM = 48;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, refusing invalid sequences (a lenient decoder would substitute U+FFFD). */
export function fromUtf8(bytes: Uint8Array, field = 'text'): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    fail('BAD_ENCODING', `${field}: expected valid UTF-8`);
  }
}

/**
 * A buffer reused from call to call that always opens with `prefix`: `room(length)` gives one of at least `length`
 * bytes (grown by doubling), for a synchronous caller that writes after the prefix and copies or hashes what it wrote
 * before its next call, instead of allocating prefix ‖ data each time.
 */
export function prefixedScratch(prefix: Uint8Array): (length: number) => Uint8Array {
  let buffer = new Uint8Array(0);
  return (length) => {
    if (buffer.length < length) {
      buffer = new Uint8Array(Math.max(length, 2 * buffer.length));
      buffer.set(prefix);
    }
    return buffer;
  };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b];
  return s;
}

// The value of each hex digit by character code (-1: not one).
const HEX_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_INDEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_INDEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

export function fromHex(hex: string, field = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0) fail('BAD_ENCODING', `${field}: expected hex digits`);
  const out = new Uint8Array(hex.length / 2);
  // One pass that decodes and checks: a digit's value, or -1 (every bit set) for anything else, or'd into `bad`.
  let bad = 0;
  for (let i = 0; i < out.length; i++) {
    const c1 = hex.charCodeAt(2 * i);
    const c2 = hex.charCodeAt(2 * i + 1);
    const hi = c1 < 128 ? HEX_INDEX[c1]! : -1;
    const lo = c2 < 128 ? HEX_INDEX[c2]! : -1;
    bad |= hi | lo;
    out[i] = (hi << 4) | lo;
  }
  if (bad < 0) fail('BAD_ENCODING', `${field}: expected hex digits`);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** RFC 4648 §4 standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  if (native && bytes.length >= NATIVE_FROM) {
    return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  return toBase64Portable(bytes);
}

/** toBase64 without Node's Buffer (what a browser runs; exported for its test). */
export function toBase64Portable(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`;
  }
  return out;
}

/**
 * Whether `text` (a multiple of 4 long, ending in `pad` "=") is strict base64: only the standard alphabet before
 * its padding, and the unused low bits of the last symbol zero. A scan of the text: the fast path's check (encoding
 * the bytes back to compare cost twice as much as decoding them).
 */
function isStrictBase64(text: string, pad: number): boolean {
  const end = text.length - pad;
  let bad = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    bad |= c < 128 ? B64_INDEX[c]! : -1;
  }
  if (bad < 0) return false;
  if (pad === 2) return (B64_INDEX[text.charCodeAt(end - 1)]! & 15) === 0;
  if (pad === 1) return (B64_INDEX[text.charCodeAt(end - 1)]! & 3) === 0;
  return true;
}

/**
 * Strict RFC 4648 §4 decoding: padding required, no whitespace, and the unused low bits of the last
 * symbol must be zero, so that every byte string has exactly one accepted encoding (Go's StdEncoding.Strict).
 */
export function fromBase64(text: string, field = 'base64'): Uint8Array {
  if (text.length % 4 !== 0) fail('BAD_ENCODING', `${field}: expected padded base64 (length a multiple of 4)`);
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  if (native && out.length >= NATIVE_FROM && isStrictBase64(text, pad)) {
    // Node's decoder is lenient (it skips what is not base64, takes the URL alphabet, ignores trailing bits): it
    // decodes only text checked strict first. Else the loop below names what is wrong.
    native.from(out.buffer).write(text, 'base64');
    return out;
  }
  let o = 0;
  // The value of the symbol at `at` (0 for the padding of the last group, which must be "=").
  const symbol = (at: number, padding: boolean): number => {
    const c = text.charCodeAt(at);
    if (padding) {
      if (c !== 61) fail('BAD_ENCODING', `${field}: misplaced padding`);
      return 0;
    }
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) fail('BAD_ENCODING', `${field}: character ${JSON.stringify(text[at])} is not standard base64`);
    return v;
  };
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const n =
      (symbol(i, false) << 18) |
      (symbol(i + 1, false) << 12) |
      (symbol(i + 2, last && pad === 2) << 6) |
      symbol(i + 3, last && pad >= 1);
    if (last && pad === 2 && (n & 0xffff) !== 0) fail('BAD_ENCODING', `${field}: non-canonical base64 (trailing bits)`);
    if (last && pad === 1 && (n & 0xff) !== 0) fail('BAD_ENCODING', `${field}: non-canonical base64 (trailing bits)`);
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function u32be(bytes: Uint8Array, offset = 0): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

export function putU32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function putU64be(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

export function u64be(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}
