/**
 * RFC 6962 leaf and node hashes (FIPS 180-4 SHA-256) written into a caller's buffer, in plain JavaScript, for the
 * audit's hot loop. Why our own code and not node:crypto: a whole-log audit hashes two short messages an entry,
 * and node:crypto's cost per call (a native boundary and a Buffer a digest, ~1 µs unloaded) is several times the
 * hashing itself; here a hash allocates nothing and never leaves the JIT. Every result is checked against
 * node:crypto by a property test (test/tlog-sha256-batch.test.ts); the browser and the engine keep the injected
 * hash (Rfc6962Hasher).
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);
const H = new Int32Array(8);
// A message being hashed: the prefix byte, the data, the padding. Entries are at most 65,535 bytes.
const scratch = new Uint8Array(1 + 65_535 + 72);

function compress(block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/** SHA-256 of scratch[0, length), written to out[at, at + 32). */
function digestScratch(length: number, out: Uint8Array, at: number): void {
  const padded = (length + 9 + 63) & ~63;
  scratch[length] = 0x80;
  scratch.fill(0, length + 1, padded - 4);
  const bits = length * 8;
  scratch[padded - 4] = bits >>> 24;
  scratch[padded - 3] = bits >>> 16;
  scratch[padded - 2] = bits >>> 8;
  scratch[padded - 1] = bits;
  H.set(IV);
  for (let offset = 0; offset < padded; offset += 64) compress(scratch, offset);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[at + 4 * i] = v >>> 24;
    out[at + 4 * i + 1] = v >>> 16;
    out[at + 4 * i + 2] = v >>> 8;
    out[at + 4 * i + 3] = v;
  }
}

/** out[at, at + 32) = H(0x00 ‖ data): the RFC 6962 leaf hash. */
export function leafHashInto(data: Uint8Array, out: Uint8Array, at: number): void {
  scratch[0] = 0x00;
  scratch.set(data, 1);
  digestScratch(1 + data.length, out, at);
}

/** out[at, at + 32) = H(0x01 ‖ left ‖ right), the two children 32 bytes each at `l` and `r` of `from`. */
export function nodeHashInto(from: Uint8Array, l: number, r: number, out: Uint8Array, at: number): void {
  scratch[0] = 0x01;
  for (let i = 0; i < 32; i++) {
    scratch[1 + i] = from[l + i]!;
    scratch[33 + i] = from[r + i]!;
  }
  digestScratch(65, out, at);
}

// The level being folded by subtreeRootInto: a tile's 256 hashes at most, reused.
let work = new Uint8Array(256 * 32);

/**
 * The root of the perfect subtree over `count` (a power of two) consecutive 32-byte hashes of `hashes`, folded in a
 * scratch copy; written to out[at, at + 32).
 */
export function subtreeRootInto(hashes: Uint8Array, count: number, out: Uint8Array, at: number): void {
  if (work.length < count * 32) work = new Uint8Array(count * 32);
  work.set(hashes.subarray(0, count * 32));
  for (let n = count; n > 1; n >>= 1) {
    for (let i = 0; i < n; i += 2) nodeHashInto(work, i * 32, (i + 1) * 32, work, (i >> 1) * 32);
  }
  for (let i = 0; i < 32; i++) out[at + i] = work[i]!;
}
