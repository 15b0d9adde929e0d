/**
 * Randomness for the party that commits (salts, leaf order, random values). Injected, so that tests can be
 * reproducible; the default is the Web Crypto CSPRNG, present in Node 20 and in every browser.
 */
import { fail } from '../crypto/errors.js';

/** Fills `out` with cryptographically secure random bytes. */
export type RandomSource = (out: Uint8Array) => void;

/** getRandomValues refuses more than 65,536 bytes a call. */
const CHUNK = 65_536;

export const secureRandom: RandomSource = (out) => {
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!webCrypto?.getRandomValues) fail('BAD_INPUT', 'no Web Crypto getRandomValues: pass a RandomSource');
  for (let offset = 0; offset < out.length; offset += CHUNK) {
    webCrypto.getRandomValues(out.subarray(offset, Math.min(out.length, offset + CHUNK)));
  }
};

export function randomBytes(length: number, random: RandomSource = secureRandom): Uint8Array {
  const out = new Uint8Array(length);
  random(out);
  return out;
}

/**
 * Uniform integers in [0, bound) from a byte source, by rejection sampling on 32-bit words: no modulo bias.
 * `next` must return 4 fresh bytes worth as an unsigned 32-bit integer.
 */
export function uniformBelow(bound: number, nextU32: () => number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 0x1_0000_0000) fail('BAD_INPUT', `bound ${bound} out of range`);
  // The largest multiple of bound that fits in 2^32; words at or above it are drawn again.
  const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
  for (;;) {
    const x = nextU32();
    if (x < limit) return x % bound;
  }
}

/** 32-bit words from a RandomSource, buffered. */
export class RandomWords {
  readonly #random: RandomSource;
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;

  /** `expectedWords` sizes the buffer, so that a small tree does not draw 64 KiB of randomness. */
  constructor(random: RandomSource, expectedWords = CHUNK / 4) {
    this.#random = random;
    const bytes = Math.min(CHUNK, Math.max(64, 4 * Math.ceil(expectedWords * 1.25)));
    this.#buf = new Uint8Array(bytes);
    this.#view = new DataView(this.#buf.buffer);
    this.#pos = bytes;
  }

  next(): number {
    if (this.#pos + 4 > this.#buf.length) {
      this.#random(this.#buf);
      this.#pos = 0;
    }
    const x = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return x;
  }
}
