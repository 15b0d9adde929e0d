/**
 * Item id -> item index, as an open-addressing hash table over typed arrays. Committing a million items inserts a
 * million fresh strings; a Map spends about half a microsecond on each (more than the SHA-256 of the item), this
 * table about a tenth of that. Ids come from the committing party itself, so there is no one to flood it.
 */

/** FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class IdIndex {
  /** item index + 1; 0 marks an empty slot */
  readonly #slots: Int32Array;
  readonly #hashes: Uint32Array;
  readonly #mask: number;
  readonly #ids: (index: number) => string;

  /** `capacity`: how many ids will be added; `idOf` reads the id of an item already added. */
  constructor(capacity: number, idOf: (index: number) => string) {
    let size = 16;
    while (size < 2 * capacity) size *= 2;
    this.#slots = new Int32Array(size);
    this.#hashes = new Uint32Array(size);
    this.#mask = size - 1;
    this.#ids = idOf;
  }

  /** Adds item `index` under `id`; returns the index of an item added earlier with the same id, or -1. */
  add(index: number, id: string): number {
    const h = fnv1a(id);
    for (let s = h & this.#mask; ; s = (s + 1) & this.#mask) {
      const v = this.#slots[s]!;
      if (v === 0) {
        this.#slots[s] = index + 1;
        this.#hashes[s] = h;
        return -1;
      }
      if (this.#hashes[s] === h && this.#ids(v - 1) === id) return v - 1;
    }
  }

  /** The index of the item with this id, or -1. */
  get(id: string): number {
    const h = fnv1a(id);
    for (let s = h & this.#mask; ; s = (s + 1) & this.#mask) {
      const v = this.#slots[s]!;
      if (v === 0) return -1;
      if (this.#hashes[s] === h && this.#ids(v - 1) === id) return v - 1;
    }
  }
}
