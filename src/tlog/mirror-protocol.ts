/**
 * C2SP tlog-mirror (https://c2sp.org/tlog-mirror, HEAD of July 2026): the bodies of the add-entries exchange,
 * without HTTP.
 *
 *   request:  u16 origin length ‖ origin ‖ u64 upload_start ‖ u64 upload_end ‖ u16 ticket length ‖ ticket ‖
 *             entry packages of the canonical sequence (a prefix of it), each: its entries (u16 length prefix
 *             each) ‖ u8 num_hashes (≤ 63) ‖ num_hashes × 32-byte subtree consistency proof hashes
 *   202/409:  text/x.tlog.mirror-info: "<pending size>\n<next entry>\n<base64 ticket>\n"
 *   200:      cosignature lines, as a witness's add-checkpoint (witness-protocol.ts)
 *
 * The canonical sequence cuts [upload_start, upload_end) at multiples of 256; package i proves the subtree
 * [rounded_start + 256 i, end) (its first entries may be ones the mirror already holds) against the checkpoint of
 * size upload_end. The body is unbounded, so it is read as a stream (`ByteReader`), one package at a time: the
 * largest thing ever held is one package (256 entries of at most 65,535 bytes and 63 hashes, about 16 MiB).
 * Syntax only: whether the sizes are acceptable and the proofs verify is the mirror's business (status codes).
 */
import { concat, fromBase64, fromUtf8, putU64be, toBase64, u64be, utf8 } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import { formatDecimal, parseDecimal } from '../crypto/text.js';
import { checkEntrySize } from './entry-bundle.js';
import { HASH_SIZE } from './hasher.js';
import { TILE_WIDTH } from './tile-paths.js';
import { isPowerOfTwo, trailingZeros } from './tree-math.js';

export const MIRROR_INFO_CONTENT_TYPE = 'text/x.tlog.mirror-info';
/** A package's proof has at most this many hashes. */
export const MAX_PACKAGE_HASHES = 63;
/** Clients send at most this many packages a request (the spec's SHOULD). */
export const MAX_PACKAGES_PER_REQUEST = 32;
/** The largest package on the wire: 256 entries of 65,535 bytes, the count byte and 63 hashes. */
export const MAX_PACKAGE_BYTES = TILE_WIDTH * (2 + 0xffff) + 1 + MAX_PACKAGE_HASHES * HASH_SIZE;
const MAX_U16 = 0xffff;

export interface AddEntriesHeader {
  origin: string;
  uploadStart: number;
  uploadEnd: number;
  /** Opaque to the client; empty when the mirror gave none. */
  ticket: Uint8Array;
}

export interface MirrorInfo {
  /** The tree size of a valid pending checkpoint (the client's upload_end when that was valid). */
  pendingSize: number;
  /** The first entry the mirror lacks. */
  nextEntry: number;
  ticket: Uint8Array;
}

/** One package of the canonical sequence: it carries entries [start, end) and proves the subtree [subtreeStart, end). */
export interface PackageRange {
  subtreeStart: number;
  start: number;
  end: number;
}

export interface EntryPackage {
  entries: Uint8Array[];
  proof: Uint8Array[];
}

function checkIndex(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) fail('BAD_INPUT', `${field}: expected a non-negative integer`);
}

/** The canonical sequence of packages for [uploadStart, uploadEnd), in order. */
export function packageRanges(uploadStart: number, uploadEnd: number): PackageRange[] {
  checkIndex(uploadStart, 'upload_start');
  checkIndex(uploadEnd, 'upload_end');
  if (uploadStart > uploadEnd) fail('BAD_INPUT', `upload_start ${uploadStart} is beyond upload_end ${uploadEnd}`);
  const out: PackageRange[] = [];
  if (uploadStart === uploadEnd) return out;
  const roundedStart = Math.floor(uploadStart / TILE_WIDTH) * TILE_WIDTH;
  for (let s = roundedStart; s < uploadEnd; s += TILE_WIDTH) {
    out.push({ subtreeStart: s, start: Math.max(uploadStart, s), end: Math.min(uploadEnd, s + TILE_WIDTH) });
  }
  return out;
}

export function encodeAddEntriesHeader(header: AddEntriesHeader): Uint8Array {
  const { origin, uploadStart, uploadEnd, ticket } = header ?? ({} as AddEntriesHeader);
  if (typeof origin !== 'string' || origin === '') fail('BAD_INPUT', 'add-entries origin: expected a non-empty string');
  const originBytes = utf8(origin);
  if (originBytes.length > MAX_U16) fail('BAD_INPUT', `add-entries origin: at most ${MAX_U16} bytes`);
  checkIndex(uploadStart, 'upload_start');
  checkIndex(uploadEnd, 'upload_end');
  if (!(ticket instanceof Uint8Array) || ticket.length > MAX_U16) {
    fail('BAD_INPUT', `add-entries ticket: expected at most ${MAX_U16} bytes`);
  }
  const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
  return concat(
    u16(originBytes.length),
    originBytes,
    putU64be(BigInt(uploadStart)),
    putU64be(BigInt(uploadEnd)),
    u16(ticket.length),
    ticket,
  );
}

export function encodePackage(pkg: EntryPackage): Uint8Array {
  const { entries, proof } = pkg ?? ({} as EntryPackage);
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > TILE_WIDTH) {
    fail('BAD_INPUT', `entry package: expected 1 to ${TILE_WIDTH} entries`);
  }
  if (!Array.isArray(proof) || proof.length > MAX_PACKAGE_HASHES) {
    fail('BAD_INPUT', `entry package proof: at most ${MAX_PACKAGE_HASHES} hashes`);
  }
  const parts: Uint8Array[] = [];
  entries.forEach((e, i) => {
    checkEntrySize(e, i);
    parts.push(new Uint8Array([e.length >> 8, e.length & 0xff]), e);
  });
  parts.push(new Uint8Array([proof.length]));
  proof.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      fail('BAD_INPUT', `entry package proof hash ${i + 1}: expected ${HASH_SIZE} bytes`);
    }
    parts.push(h);
  });
  return concat(...parts);
}

export function formatMirrorInfo(info: MirrorInfo): string {
  return `${formatDecimal(info.pendingSize, 'pending size')}\n${formatDecimal(info.nextEntry, 'next entry')}\n${toBase64(info.ticket)}\n`;
}

export function parseMirrorInfo(body: string | Uint8Array): MirrorInfo {
  const text = typeof body === 'string' ? body : fromUtf8(body, 'mirror-info');
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[3] !== '') {
    fail('BAD_INPUT', 'mirror-info: expected three lines, each ending in a newline');
  }
  return {
    pendingSize: parseDecimal(lines[0]!, 'mirror-info pending size'),
    nextEntry: parseDecimal(lines[1]!, 'mirror-info next entry'),
    ticket: fromBase64(lines[2]!, 'mirror-info ticket'),
  };
}

/**
 * Reads exact byte counts from a stream of chunks without holding more than what was asked for plus one chunk.
 * `read` returns fewer bytes than asked only at the end of the stream.
 */
export class ByteReader {
  readonly #chunks: AsyncIterator<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #ended = false;
  /** Bytes consumed so far. */
  consumed = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.#chunks = chunks[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<void> {
    const parts: Uint8Array[] = [this.#buffer];
    let have = this.#buffer.length;
    while (have < n && !this.#ended) {
      const next = await this.#chunks.next();
      if (next.done) {
        this.#ended = true;
        break;
      }
      parts.push(next.value);
      have += next.value.length;
    }
    if (parts.length > 1) this.#buffer = concat(...parts);
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.#buffer.length < n) await this.#fill(n);
    const out = this.#buffer.subarray(0, Math.min(n, this.#buffer.length));
    this.#buffer = this.#buffer.subarray(out.length);
    this.consumed += out.length;
    return out;
  }

  /** Whether the stream has ended with nothing left to read. */
  async atEnd(): Promise<boolean> {
    if (this.#buffer.length === 0) await this.#fill(1);
    return this.#buffer.length === 0;
  }
}

async function readExact(reader: ByteReader, n: number, what: string): Promise<Uint8Array> {
  const bytes = await reader.read(n);
  if (bytes.length < n) fail('BAD_INPUT', `add-entries: the body ends inside ${what}`);
  return bytes;
}

const u16 = (b: Uint8Array) => (b[0]! << 8) | b[1]!;

function u64Index(b: Uint8Array, field: string): number {
  const v = u64be(b);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('BAD_INPUT', `add-entries ${field}: ${v} is beyond 2^53 − 1`);
  return Number(v);
}

export async function readAddEntriesHeader(reader: ByteReader): Promise<AddEntriesHeader> {
  const originLength = u16(await readExact(reader, 2, 'the origin length'));
  if (originLength === 0) fail('BAD_INPUT', 'add-entries: empty origin');
  const origin = fromUtf8((await readExact(reader, originLength, 'the origin')).slice(), 'add-entries origin');
  const uploadStart = u64Index(await readExact(reader, 8, 'upload_start'), 'upload_start');
  const uploadEnd = u64Index(await readExact(reader, 8, 'upload_end'), 'upload_end');
  const ticketLength = u16(await readExact(reader, 2, 'the ticket length'));
  const ticket = (await readExact(reader, ticketLength, 'the ticket')).slice();
  return { origin, uploadStart, uploadEnd, ticket };
}

/**
 * Reads the next package of `count` entries. Undefined if the body ended exactly before it (a deliberate
 * prefix); BAD_INPUT if it ends inside it or the package breaks the format.
 */
export async function readPackage(reader: ByteReader, count: number): Promise<EntryPackage | undefined> {
  if (await reader.atEnd()) return undefined;
  const entries: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const length = u16(await readExact(reader, 2, `entry ${i + 1} of a package`));
    // Copies: the store keeps what it is given, and a subarray would keep the whole chunk alive.
    entries.push((await readExact(reader, length, `entry ${i + 1} of a package`)).slice());
  }
  const numHashes = (await readExact(reader, 1, "a package's hash count"))[0]!;
  if (numHashes > MAX_PACKAGE_HASHES) {
    fail('BAD_INPUT', `add-entries: a package has ${numHashes} proof hashes, at most ${MAX_PACKAGE_HASHES} allowed`);
  }
  const hashes = await readExact(reader, numHashes * HASH_SIZE, "a package's proof");
  const proof = Array.from({ length: numHashes }, (_, i) => hashes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return { entries, proof };
}

/**
 * The RFC 6962 consistency proof from `end` (a multiple of 256, below the tree size) to the tree of the package's
 * proof, derived from that proof: the subtree [end − 256, end) is perfect, so its proof is the inclusion path of
 * node (8, end/256 − 1). The consistency proof is the path of the last peak of [0, end), node (k, end/2^k − 1) with
 * k = trailingZeros(end) ≥ 8, preceded by that peak (the last of the compact range `peaks` of [0, end)) unless end is a power of two. The first k − 8 hashes of the
 * package's path are left siblings inside that peak, so dropping them leaves the peak's own path. The caller
 * verifies the result (verifyConsistency): a proof that lied about the subtree cannot pass there either.
 */
export function consistencyFromPackageProof(
  subtreeProof: readonly Uint8Array[],
  end: number,
  peaks: readonly Uint8Array[],
): Uint8Array[] {
  if (!Number.isSafeInteger(end) || end <= 0 || end % TILE_WIDTH !== 0) {
    fail('BAD_INPUT', `package end ${end}: expected a positive multiple of ${TILE_WIDTH}`);
  }
  const k = trailingZeros(end);
  const path = subtreeProof.slice(k - 8);
  return isPowerOfTwo(end) ? path : [peaks[peaks.length - 1]!, ...path];
}
