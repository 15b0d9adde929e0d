/**
 * The salted Merkle sum tree over a declaration (docs/ESCROW.md §2). Each leaf hashes a random salt and an item's
 * canonical bytes and carries the item's count vector; each parent hashes both children's hashes AND both
 * children's sums (Hu, Zhang and Guo, ePrint 2018/1139: committing only to the parent's sum lets a total be
 * understated); the root digest binds the size, the categories and the top node's sums, which are the totals.
 *
 * Shape: RFC 6962's (pair neighbours level by level, carry an unpaired last node up unchanged). Items sit at
 * secret random positions among padding leaves, so a path's sibling sums are sums over random subsets.
 *
 * Pure and isomorphic: SHA-256 and randomness are injected; Uint8Array and typed arrays only.
 */
import { toHex } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { type Sha256, type Sha256Into, sha256Into } from '../crypto/sha256.js';
import { type EscrowCommitment, paddedSize } from './commitment.js';
import {
  checkCategories,
  encodeCategories,
  expectInteger,
  expectObject,
  HASH_SIZE,
  MAX_SUM,
  MAX_TREE_SIZE,
  parseHash,
  readU64,
  SALT_SIZE,
  TAG,
  TAG_SIZE,
  u64Bytes,
  writeU64,
} from './format.js';
import { IdIndex } from './id-index.js';
import { type EscrowItem, itemText, readItemCounts } from './item.js';
import { type RandomSource, RandomWords, secureRandom, uniformBelow } from './random.js';

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();

/** Bytes of one node record: hash ‖ sums (u64be each), the form in which a node enters its parent's hash. */
export function recordSize(categoryCount: number): number {
  return HASH_SIZE + 8 * categoryCount;
}

/**
 * The three escrow hashes, with scratch buffers reused across calls. Shared by the builder and the verifier, so
 * that both hash exactly the same bytes.
 */
export class EscrowHasher {
  readonly #sha256: Sha256;
  /** The builder writes each hash straight into its level's records: no digest object per node. */
  readonly #into: Sha256Into;
  readonly #c: number;
  readonly #rec: number;
  readonly #node: Uint8Array;
  readonly #node32: Uint32Array;
  readonly #nodeView: DataView;
  #leaf = new Uint8Array(256);
  #leaf32 = new Uint32Array(this.#leaf.buffer);
  /** One view of the leaf buffer per input length: items have a handful of lengths; a million views are garbage. */
  #leafViews: (Uint8Array | undefined)[] = [];
  #leafTail: Uint8Array | undefined;
  #rootPrefix:
    | { size: number; categories: readonly string[]; bytes: Uint8Array; view: DataView; top: number }
    | undefined;

  constructor(sha256: Sha256, categoryCount: number) {
    this.#sha256 = sha256;
    this.#into = sha256Into(sha256);
    this.#c = categoryCount;
    this.#rec = recordSize(categoryCount);
    this.#node = new Uint8Array(TAG_SIZE + 2 * this.#rec);
    this.#node.set(TAG.node);
    this.#node32 = new Uint32Array(this.#node.buffer);
    this.#nodeView = new DataView(this.#node.buffer);
    this.#leaf.set(TAG.leaf);
  }

  /** The leaf input buffer, grown to at least `capacity` bytes (a whole number of words). */
  #reserve(capacity: number): void {
    if (this.#leaf.length < capacity) {
      const grown = new Uint8Array((Math.max(capacity, 2 * this.#leaf.length) + 3) & ~3);
      grown.set(TAG.leaf);
      this.#leaf = grown;
      this.#leaf32 = new Uint32Array(grown.buffer);
      this.#leafViews = [];
      this.#leafTail = undefined;
    }
  }

  /** The first `length` bytes of the leaf buffer, as a cached view. */
  #leafInput(length: number): Uint8Array {
    this.#reserve(length);
    let view = this.#leafViews[length];
    if (view === undefined) {
      view = this.#leaf.subarray(0, length);
      this.#leafViews[length] = view;
    }
    return view;
  }

  #copySalt(salts32: Uint32Array, word: number): void {
    // Word copies: the salt sits at byte 4 of the input, so both sides are aligned; no view is created.
    const w = this.#leaf32;
    w[1] = salts32[word]!;
    w[2] = salts32[word + 1]!;
    w[3] = salts32[word + 2]!;
    w[4] = salts32[word + 3]!;
    w[5] = salts32[word + 4]!;
    w[6] = salts32[word + 5]!;
    w[7] = salts32[word + 6]!;
    w[8] = salts32[word + 7]!;
  }

  /** leaf = H(0xDE 0x00 0x01 0x00 ‖ salt(32) ‖ item bytes); a padding leaf has no item bytes. */
  leaf(salt: Uint8Array, bytes: Uint8Array): Uint8Array {
    const input = this.#leafInput(TAG_SIZE + SALT_SIZE + bytes.length);
    this.#leaf.set(salt.subarray(0, SALT_SIZE), TAG_SIZE);
    this.#leaf.set(bytes, TAG_SIZE + SALT_SIZE);
    return this.#sha256(input);
  }

  /**
   * The same leaf hash for the builder, written into `out` at `at`: the salt is 8 words at `word` in an aligned
   * array of all salts.
   */
  leafFromSalts(salts32: Uint32Array, word: number, bytes: Uint8Array, out: Uint8Array, at: number): void {
    const input = this.#leafInput(TAG_SIZE + SALT_SIZE + bytes.length);
    this.#copySalt(salts32, word);
    this.#leaf.set(bytes, TAG_SIZE + SALT_SIZE);
    this.#into(input, out, at);
  }

  /** The same again, from the item's canonical text, UTF-8 encoded straight into the input (no copy, no array). */
  leafFromSaltsText(salts32: Uint32Array, word: number, text: string, out: Uint8Array, at: number): void {
    this.#reserve(TAG_SIZE + SALT_SIZE + 3 * text.length);
    this.#copySalt(salts32, word);
    this.#leafTail ??= this.#leaf.subarray(TAG_SIZE + SALT_SIZE);
    const { written } = utf8Encoder.encodeInto(text, this.#leafTail);
    this.#into(this.#leafInput(TAG_SIZE + SALT_SIZE + written), out, at);
  }

  /**
   * node = H(0xDE 0x00 0x01 0x01 ‖ left.hash ‖ left.sums ‖ right.hash ‖ right.sums), sums u64be in category order.
   * For the verifier: hashes and sums given separately.
   */
  node(lh: Uint8Array, ls: ArrayLike<number>, rh: Uint8Array, rs: ArrayLike<number>): Uint8Array {
    const buf = this.#node;
    const view = this.#nodeView;
    const c = this.#c;
    let o = TAG_SIZE;
    buf.set(lh.length === HASH_SIZE ? lh : lh.subarray(0, HASH_SIZE), o);
    o += HASH_SIZE;
    for (let k = 0; k < c; k++, o += 8) writeU64(view, o, ls[k]!);
    buf.set(rh.length === HASH_SIZE ? rh : rh.subarray(0, HASH_SIZE), o);
    o += HASH_SIZE;
    for (let k = 0; k < c; k++, o += 8) writeU64(view, o, rs[k]!);
    return this.#sha256(buf);
  }

  /**
   * The same node hash for the builder: the two children are adjacent records at word `word` of an aligned array
   * of records (each record 32 + 8c bytes, a whole number of words); the hash is written into `out` at `at`.
   */
  nodeOfRecords(records32: Uint32Array, word: number, out: Uint8Array, at: number): void {
    const w = this.#node32;
    const n = (2 * this.#rec) >> 2;
    for (let i = 0; i < n; i++) w[1 + i] = records32[word + i]!;
    this.#into(this.#node, out, at);
  }

  /**
   * root = H(0xDE 0x00 0x01 0x02 ‖ u64be(size) ‖ u32be(#categories) ‖ (u32be(len) ‖ utf8(id))* ‖ top.hash ‖ top.sums).
   */
  root(size: number, categories: readonly string[], topHash: Uint8Array, topSums: ArrayLike<number>): Uint8Array {
    // The part before the top node depends only on the size and the categories: kept for the next leaf.
    let prefix = this.#rootPrefix;
    if (!prefix || prefix.size !== size || prefix.categories !== categories) {
      const cats = encodeCategories(categories);
      const bytes = new Uint8Array(TAG_SIZE + 8 + cats.length + HASH_SIZE + 8 * categories.length);
      bytes.set(TAG.root, 0);
      bytes.set(u64Bytes(size), TAG_SIZE);
      bytes.set(cats, TAG_SIZE + 8);
      prefix = { size, categories, bytes, view: new DataView(bytes.buffer), top: TAG_SIZE + 8 + cats.length };
      this.#rootPrefix = prefix;
    }
    const { bytes, view, top } = prefix;
    bytes.set(topHash.subarray(0, HASH_SIZE), top);
    for (let k = 0, o = top + HASH_SIZE; k < categories.length; k++, o += 8) writeU64(view, o, topSums[k]!);
    return this.#sha256(bytes);
  }
}

/** Widths of the levels of a tree of `size` leaves, from the leaves (size) to the top (1). */
export function levelWidths(size: number): number[] {
  const widths = [size];
  for (let w = size; w > 1; ) {
    w = Math.ceil(w / 2);
    widths.push(w);
  }
  return widths;
}

/** One step of a leaf's path: at `level`, the sibling at `index`, on the left or the right of the path. */
export interface PathStepPosition {
  level: number;
  index: number;
  siblingOnLeft: boolean;
}

/**
 * The siblings a leaf's path visits, bottom up. A node at level l and index j has a sibling j-1 (odd j), j+1
 * (even j with a right neighbour), or none (the last node of an odd-width level, carried up unchanged).
 */
export function pathPositions(leafIndex: number, size: number): PathStepPosition[] {
  const steps: PathStepPosition[] = [];
  let j = leafIndex;
  let w = size;
  for (let level = 0; w > 1; level++) {
    if (j % 2 === 1) steps.push({ level, index: j - 1, siblingOnLeft: true });
    else if (j + 1 < w) steps.push({ level, index: j + 1, siblingOnLeft: false });
    j = Math.floor(j / 2);
    w = Math.ceil(w / 2);
  }
  return steps;
}

/** One level of the tree: `width` records of hash ‖ sums, back to back, inside the one buffer of all levels. */
interface Level {
  width: number;
  records: Uint8Array;
  view: DataView;
  /** The whole buffer as words, and where this level starts in it. */
  words: Uint32Array;
  firstWord: number;
}

/**
 * All levels in one allocation, leaves first: one large buffer rather than one per level (each large buffer is
 * external memory, and V8 answers a burst of it with full collections).
 */
function allocateLevels(size: number, rec: number): Level[] {
  const widths = levelWidths(size);
  let total = 0;
  for (const w of widths) total += w;
  const all = new Uint8Array(total * rec);
  const words = new Uint32Array(all.buffer);
  const levels: Level[] = [];
  let offset = 0;
  for (const width of widths) {
    const records = all.subarray(offset, offset + width * rec);
    levels.push({ width, records, view: new DataView(all.buffer, offset, width * rec), words, firstWord: offset >> 2 });
    offset += width * rec;
  }
  return levels;
}

export interface EscrowTreeOptions {
  /** The declaration's category ids, sorted and unique (the regime's counting categories). */
  categories: readonly string[];
  /** The regime's padding bound: the tree has a multiple of this many leaves, at least one bound. */
  paddingBound: number;
  sha256: Sha256;
  /** Salts and leaf order. Defaults to the Web Crypto CSPRNG; inject only for reproducible tests. */
  random?: RandomSource;
  /**
   * The items' canonical bytes, if the caller has them already. Each must equal canonicalJsonBytes(items[i]):
   * the tree commits to these bytes, and an opening re-derives them from the item.
   */
  encoded?: readonly Uint8Array[];
}

/** What the committing party keeps to open leaves later (docs/ESCROW.md §3.3). Secret: never publish it. */
export interface EscrowSecrets {
  v: 1;
  categories: string[];
  size: number;
  /** Every leaf in tree order: its salt and its item (null for padding). */
  leaves: { salt: string; item: EscrowItem | null }[];
}

/**
 * A built tree: the committing party's private object. Publish `commitment()`; keep `secrets()`; open leaves
 * with createOpening (opening.ts).
 */
export class EscrowTree {
  readonly categories: readonly string[];
  /** Leaves, padding included. */
  readonly size: number;
  /** Real items (private: the size only bounds it). */
  readonly itemCount: number;
  readonly root: Uint8Array;
  /** Per-category totals, in category order. */
  readonly totals: readonly number[];
  readonly #levels: Level[];
  readonly #salts: Uint8Array;
  readonly #items: readonly EscrowItem[];
  /** leaf index -> item index, or -1 for padding */
  readonly #itemAt: Int32Array;
  /** item index -> leaf index */
  readonly #leafOf: Uint32Array;
  readonly #byId: IdIndex;

  /** @internal use buildEscrowTree or restoreEscrowTree */
  constructor(
    categories: readonly string[],
    levels: Level[],
    salts: Uint8Array,
    items: readonly EscrowItem[],
    itemAt: Int32Array,
    leafOf: Uint32Array,
    byId: IdIndex,
    hasher: EscrowHasher,
  ) {
    this.categories = Object.freeze([...categories]);
    this.#levels = levels;
    this.#salts = salts;
    this.#items = items;
    this.#itemAt = itemAt;
    this.#leafOf = leafOf;
    this.#byId = byId;
    this.size = levels[0]!.width;
    this.itemCount = items.length;
    const top = levels[levels.length - 1]!;
    const totals = categories.map((_, k) => readU64(top.view, HASH_SIZE + 8 * k));
    this.totals = Object.freeze(totals);
    this.root = hasher.root(this.size, categories, top.records.subarray(0, HASH_SIZE), totals);
  }

  /** The public commitment: what the declaration entry publishes. */
  commitment(): EscrowCommitment {
    return {
      v: 1,
      root: toHex(this.root),
      size: this.size,
      categories: [...this.categories],
      totals: Object.fromEntries(this.categories.map((c, i) => [c, this.totals[i]!])),
    };
  }

  /** The leaf index of an item, by id. */
  leafIndexOf(id: string): number {
    const i = typeof id === 'string' ? this.#byId.get(id) : -1;
    if (i < 0) fail('BAD_INPUT', `no item ${JSON.stringify(id)} in this declaration`);
    return this.#leafOf[i]!;
  }

  /** Leaf indexes (ascending) of the items that match, e.g. all items at one site or in one region. */
  leafIndexesWhere(predicate: (item: EscrowItem) => boolean): number[] {
    const out: number[] = [];
    for (let leaf = 0; leaf < this.size; leaf++) {
      const i = this.#itemAt[leaf]!;
      if (i >= 0 && predicate(this.#items[i]!)) out.push(leaf);
    }
    return out;
  }

  /** The item at a leaf, or null for a padding leaf. */
  itemAtLeaf(leafIndex: number): EscrowItem | null {
    this.#checkLeaf(leafIndex);
    const i = this.#itemAt[leafIndex]!;
    return i < 0 ? null : this.#items[i]!;
  }

  saltAt(leafIndex: number): Uint8Array {
    this.#checkLeaf(leafIndex);
    return this.#salts.slice(leafIndex * SALT_SIZE, (leafIndex + 1) * SALT_SIZE);
  }

  /** The hash and sums of the node at (level, index). */
  node(level: number, index: number): { hash: Uint8Array; sums: number[] } {
    const l = this.#levels[level];
    if (!l || !Number.isInteger(index) || index < 0 || index >= l.width) {
      fail('BAD_INPUT', `no node at level ${level}, index ${index}`);
    }
    const rec = recordSize(this.categories.length);
    const at = index * rec;
    return {
      hash: l.records.slice(at, at + HASH_SIZE),
      sums: this.categories.map((_, k) => readU64(l.view, at + HASH_SIZE + 8 * k)),
    };
  }

  /** Everything needed to open any leaf later, or to rebuild the tree (restoreEscrowTree). Keep it secret. */
  secrets(): EscrowSecrets {
    const leaves: EscrowSecrets['leaves'] = [];
    for (let leaf = 0; leaf < this.size; leaf++) {
      const i = this.#itemAt[leaf]!;
      leaves.push({
        salt: toHex(this.#salts.subarray(leaf * SALT_SIZE, (leaf + 1) * SALT_SIZE)),
        item: i < 0 ? null : this.#items[i]!,
      });
    }
    return { v: 1, categories: [...this.categories], size: this.size, leaves };
  }

  #checkLeaf(leafIndex: number): void {
    if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= this.size) {
      fail('BAD_INPUT', `leaf index ${leafIndex} is outside [0, ${this.size})`);
    }
  }
}

/**
 * Hashes the leaves (items at their positions, padding elsewhere) and every level above them. O(size) hashes,
 * two flat arrays per level, no object per node.
 */
function assemble(
  categories: readonly string[],
  size: number,
  salts: Uint8Array,
  given: readonly EscrowItem[],
  positions: ArrayLike<number> & Iterable<number>,
  encoded: readonly Uint8Array[] | undefined,
  sha256: Sha256,
): EscrowTree {
  const items = given.slice(); // the tree keeps its own list; the caller's array may change afterwards
  const c = categories.length;
  const rec = recordSize(c);
  const hasher = new EscrowHasher(sha256, c);
  const levels = allocateLevels(size, rec);
  const leaves = levels[0]!;
  const itemAt = new Int32Array(size).fill(-1);
  const byId = new IdIndex(items.length, (i) => items[i]!.id);
  const counts = new Float64Array(c);
  const salts32 = new Uint32Array(salts.buffer, salts.byteOffset, salts.length >> 2);
  for (let i = 0; i < items.length; i++) {
    const pos = positions[i]!;
    // The field name is only spelt out when something fails: no string per item on the hot path.
    let item: EscrowItem;
    let text = '';
    try {
      item = readItemCounts(items[i], categories, counts, 0, 'item', 'BAD_INPUT');
      if (!encoded) text = itemText(item, 'item', 'BAD_INPUT');
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      throw new DetenteError(err.code, `items[${i}]${err.message.slice('item'.length)}`, { cause: err });
    }
    const earlier = byId.add(i, item.id);
    if (earlier >= 0)
      fail('BAD_INPUT', `items[${i}].id: ${JSON.stringify(item.id)} is declared twice (items[${earlier}])`);
    itemAt[pos] = i;
    const at = pos * rec;
    const word = pos * (SALT_SIZE >> 2);
    if (encoded) hasher.leafFromSalts(salts32, word, encoded[i]!, leaves.records, at);
    else hasher.leafFromSaltsText(salts32, word, text, leaves.records, at);
    for (let k = 0; k < c; k++) writeU64(leaves.view, at + HASH_SIZE + 8 * k, counts[k]!);
  }
  for (let pos = 0; pos < size; pos++) {
    // Padding: hash of a fresh salt alone, sums zero (the array starts zeroed).
    if (itemAt[pos] === -1) hasher.leafFromSalts(salts32, pos * (SALT_SIZE >> 2), EMPTY, leaves.records, pos * rec);
  }

  for (let l = 1; l < levels.length; l++) {
    const cur = levels[l - 1]!;
    const next = levels[l]!;
    const width = next.width;
    const pairs = cur.width >> 1;
    const from = cur.view;
    const to = next.view;
    for (let j = 0; j < pairs; j++) {
      const left = 2 * j * rec;
      const at = j * rec;
      hasher.nodeOfRecords(cur.words, cur.firstWord + (left >> 2), next.records, at);
      for (let k = 0, o = HASH_SIZE; k < c; k++, o += 8) {
        const sum = readU64(from, left + o) + readU64(from, left + rec + o);
        if (sum > MAX_SUM) fail('BAD_INPUT', `the total of category ${JSON.stringify(categories[k])} exceeds 2^53 - 1`);
        writeU64(to, at + o, sum);
      }
    }
    if (cur.width % 2 === 1) {
      // The last node of an odd level is carried up unchanged.
      next.records.set(cur.records.subarray((cur.width - 1) * rec, cur.width * rec), (width - 1) * rec);
    }
  }
  return new EscrowTree(categories, levels, salts, items, itemAt, Uint32Array.from(positions), byId, hasher);
}

/**
 * Commits to a complete declaration: fresh 32-byte salts for every leaf, items placed at uniformly random
 * positions among zero-sum padding leaves, size padded to the regime's bound. Throws BAD_INPUT on a malformed
 * item, a duplicate id, an undeclared category, a negative or unsafe count, or a total over 2^53 - 1.
 */
export function buildEscrowTree(items: readonly EscrowItem[], options: EscrowTreeOptions): EscrowTree {
  const categories = checkCategories(options.categories, 'categories', 'BAD_INPUT');
  if (!Array.isArray(items)) fail('BAD_INPUT', 'items: expected an array');
  if (options.encoded && options.encoded.length !== items.length) {
    fail('BAD_INPUT', 'encoded: expected one byte string per item');
  }
  const size = paddedSize(items.length, options.paddingBound);
  const random = options.random ?? secureRandom;
  const salts = new Uint8Array(size * SALT_SIZE);
  random(salts);
  // A uniformly random permutation of the leaf positions (Fisher-Yates); item i goes to positions[i].
  const positions = new Uint32Array(size);
  for (let i = 0; i < size; i++) positions[i] = i;
  const words = new RandomWords(random, size);
  const next = () => words.next();
  for (let i = size - 1; i > 0; i--) {
    const j = uniformBelow(i + 1, next);
    const t = positions[i]!;
    positions[i] = positions[j]!;
    positions[j] = t;
  }
  const itemPositions = positions.subarray(0, items.length);
  return assemble(categories, size, salts, items, itemPositions, options.encoded, options.sha256);
}

const SECRETS_KEYS = ['v', 'categories', 'size', 'leaves'] as const;

/**
 * Rebuilds a tree from its secrets (after a restart, or on another machine of the same party). The caller
 * compares the result's root with the published commitment. Throws ESCROW_MALFORMED on a bad document.
 */
export function restoreEscrowTree(secrets: unknown, sha256: Sha256): EscrowTree {
  const o = expectObject(secrets, SECRETS_KEYS, 'secrets', 'ESCROW_MALFORMED');
  if (o.v !== 1) fail('ESCROW_MALFORMED', 'secrets.v: expected 1');
  const categories = checkCategories(o.categories, 'secrets.categories', 'ESCROW_MALFORMED');
  const size = expectInteger(o.size, 1, MAX_TREE_SIZE, 'secrets.size', 'ESCROW_MALFORMED');
  if (!Array.isArray(o.leaves) || o.leaves.length !== size) {
    fail('ESCROW_MALFORMED', `secrets.leaves: expected an array of ${size} leaves`);
  }
  const salts = new Uint8Array(size * SALT_SIZE);
  const items: EscrowItem[] = [];
  const positions: number[] = [];
  const scratch = new Float64Array(categories.length);
  for (let leaf = 0; leaf < size; leaf++) {
    const field = `secrets.leaves[${leaf}]`;
    const l = expectObject(o.leaves[leaf], ['salt', 'item'], field, 'ESCROW_MALFORMED');
    salts.set(parseHash(l.salt, `${field}.salt`, 'ESCROW_MALFORMED'), leaf * SALT_SIZE);
    if (l.item !== null) {
      items.push(readItemCounts(l.item, categories, scratch, 0, `${field}.item`, 'ESCROW_MALFORMED'));
      positions.push(leaf);
    }
  }
  try {
    return assemble(categories, size, salts, items, positions, undefined, sha256);
  } catch (err) {
    if (err instanceof DetenteError && err.code === 'BAD_INPUT') {
      throw new DetenteError('ESCROW_MALFORMED', `secrets: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
