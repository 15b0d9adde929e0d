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
import type { Sha256 } from '../crypto/sha256.js';
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
  SALT_SIZE,
  TAG,
  u64Bytes,
  writeU64,
} from './format.js';
import { type EscrowItem, itemBytes, readItemCounts } from './item.js';
import { type RandomSource, RandomWords, secureRandom, uniformBelow } from './random.js';

const EMPTY = new Uint8Array(0);

/**
 * The three escrow hashes, with scratch buffers reused across calls. Shared by the builder and the verifier, so
 * that both hash exactly the same bytes.
 */
export class EscrowHasher {
  readonly #sha256: Sha256;
  readonly #c: number;
  readonly #node: Uint8Array;
  readonly #nodeView: DataView;
  #leaf = new Uint8Array(512);

  constructor(sha256: Sha256, categoryCount: number) {
    this.#sha256 = sha256;
    this.#c = categoryCount;
    const t = TAG.node.length;
    this.#node = new Uint8Array(t + 2 * (HASH_SIZE + 8 * categoryCount));
    this.#node.set(TAG.node);
    this.#nodeView = new DataView(this.#node.buffer);
    this.#leaf.set(TAG.leaf);
  }

  /** leaf = H("detente/escrow/v1/leaf\0" ‖ salt(32) ‖ item bytes); a padding leaf has no item bytes. */
  leaf(salt: Uint8Array, saltOffset: number, bytes: Uint8Array): Uint8Array {
    const head = TAG.leaf.length + SALT_SIZE;
    const length = head + bytes.length;
    if (this.#leaf.length < length) {
      const grown = new Uint8Array(Math.max(length, 2 * this.#leaf.length));
      grown.set(TAG.leaf);
      this.#leaf = grown;
    }
    const buf = this.#leaf;
    for (let i = 0; i < SALT_SIZE; i++) buf[TAG.leaf.length + i] = salt[saltOffset + i]!;
    buf.set(bytes, head);
    return this.#sha256(buf.subarray(0, length));
  }

  /**
   * node = H("detente/escrow/v1/node\0" ‖ left.hash ‖ left.sums ‖ right.hash ‖ right.sums), each sum u64be in
   * category order. Hashes and sums are read at offsets so the builder can pass whole level arrays.
   */
  node(
    lh: Uint8Array,
    lhOffset: number,
    ls: ArrayLike<number>,
    lsOffset: number,
    rh: Uint8Array,
    rhOffset: number,
    rs: ArrayLike<number>,
    rsOffset: number,
  ): Uint8Array {
    const buf = this.#node;
    const view = this.#nodeView;
    const c = this.#c;
    let o = TAG.node.length;
    for (let i = 0; i < HASH_SIZE; i++) buf[o + i] = lh[lhOffset + i]!;
    o += HASH_SIZE;
    for (let k = 0; k < c; k++, o += 8) writeU64(view, o, ls[lsOffset + k]!);
    for (let i = 0; i < HASH_SIZE; i++) buf[o + i] = rh[rhOffset + i]!;
    o += HASH_SIZE;
    for (let k = 0; k < c; k++, o += 8) writeU64(view, o, rs[rsOffset + k]!);
    return this.#sha256(buf);
  }

  /**
   * root = H("detente/escrow/v1/root\0" ‖ u64be(size) ‖ u32be(#categories) ‖ (u32be(len) ‖ utf8(id))* ‖
   * top.hash ‖ top.sums).
   */
  root(size: number, categories: readonly string[], topHash: Uint8Array, topSums: ArrayLike<number>): Uint8Array {
    const cats = encodeCategories(categories);
    const buf = new Uint8Array(TAG.root.length + 8 + cats.length + HASH_SIZE + 8 * categories.length);
    const view = new DataView(buf.buffer);
    let o = 0;
    buf.set(TAG.root, o);
    o += TAG.root.length;
    buf.set(u64Bytes(size), o);
    o += 8;
    buf.set(cats, o);
    o += cats.length;
    buf.set(topHash.subarray(0, HASH_SIZE), o);
    o += HASH_SIZE;
    for (let k = 0; k < categories.length; k++, o += 8) writeU64(view, o, topSums[k]!);
    return this.#sha256(buf);
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

interface Level {
  width: number;
  /** width × 32 bytes */
  hashes: Uint8Array;
  /** width × categories, category-major within a node */
  sums: Float64Array;
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
  readonly #byId: Map<string, number>;

  /** @internal use buildEscrowTree or restoreEscrowTree */
  constructor(
    categories: readonly string[],
    levels: Level[],
    salts: Uint8Array,
    items: readonly EscrowItem[],
    itemAt: Int32Array,
    leafOf: Uint32Array,
    byId: Map<string, number>,
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
    this.totals = Object.freeze(Array.from(top.sums));
    this.root = hasher.root(this.size, categories, top.hashes, top.sums);
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
    const i = this.#byId.get(id);
    if (i === undefined) fail('BAD_INPUT', `no item ${JSON.stringify(id)} in this declaration`);
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
    const c = this.categories.length;
    return {
      hash: l.hashes.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE),
      sums: Array.from(l.sums.subarray(index * c, (index + 1) * c)),
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
  items: readonly EscrowItem[],
  positions: ArrayLike<number> & Iterable<number>,
  encoded: readonly Uint8Array[] | undefined,
  sha256: Sha256,
): EscrowTree {
  const c = categories.length;
  const hasher = new EscrowHasher(sha256, c);
  const leaves: Level = { width: size, hashes: new Uint8Array(size * HASH_SIZE), sums: new Float64Array(size * c) };
  const itemAt = new Int32Array(size).fill(-1);
  const byId = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const pos = positions[i]!;
    const field = `items[${i}]`;
    const item = readItemCounts(items[i], categories, leaves.sums, pos * c, field, 'BAD_INPUT');
    if (byId.has(item.id)) fail('BAD_INPUT', `${field}.id: ${JSON.stringify(item.id)} is declared twice`);
    byId.set(item.id, i);
    itemAt[pos] = i;
    const bytes = encoded ? encoded[i]! : itemBytes(item, field, 'BAD_INPUT');
    leaves.hashes.set(hasher.leaf(salts, pos * SALT_SIZE, bytes), pos * HASH_SIZE);
  }
  for (let pos = 0; pos < size; pos++) {
    if (itemAt[pos] === -1) leaves.hashes.set(hasher.leaf(salts, pos * SALT_SIZE, EMPTY), pos * HASH_SIZE);
  }

  const levels = [leaves];
  for (let cur = leaves; cur.width > 1; ) {
    const width = Math.ceil(cur.width / 2);
    const next: Level = { width, hashes: new Uint8Array(width * HASH_SIZE), sums: new Float64Array(width * c) };
    const pairs = cur.width >> 1;
    for (let j = 0; j < pairs; j++) {
      const l = 2 * j;
      const r = l + 1;
      next.hashes.set(
        hasher.node(cur.hashes, l * HASH_SIZE, cur.sums, l * c, cur.hashes, r * HASH_SIZE, cur.sums, r * c),
        j * HASH_SIZE,
      );
      for (let k = 0; k < c; k++) {
        const s = cur.sums[l * c + k]! + cur.sums[r * c + k]!;
        if (s > MAX_SUM) fail('BAD_INPUT', `the total of category ${JSON.stringify(categories[k])} exceeds 2^53 - 1`);
        next.sums[j * c + k] = s;
      }
    }
    if (cur.width % 2 === 1) {
      const last = cur.width - 1;
      next.hashes.set(cur.hashes.subarray(last * HASH_SIZE, cur.width * HASH_SIZE), (width - 1) * HASH_SIZE);
      next.sums.set(cur.sums.subarray(last * c, cur.width * c), (width - 1) * c);
    }
    levels.push(next);
    cur = next;
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
