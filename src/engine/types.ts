/** What the engine reads: entries from every log, each with the time it counts from. */
import type { EntryRef, Envelope, Item } from '../model/index.js';

export interface EngineEntry {
  /** The log the entry is in. */
  origin: string;
  /** Its index in that log. */
  index: number;
  /** RFC 6962 leaf hash of its bytes, lowercase hex. */
  leafHash: string;
  /**
   * When the entry counts from (ms since the epoch). Until witnesses cosign, the local time of the first
   * checkpoint of its own log that contains it.
   */
  countedAt: number;
  envelope: Envelope;
  /**
   * The items of a plain declaration's `more` blobs, in order, as the reader resolved them from the store; absent
   * when the declaration has none or the reader could not resolve them (the engine then reports it).
   */
  moreItems?: readonly Item[];
  /**
   * The bytes of the blobs a declaration opening names (`body.opening.blobs`), in order, as the reader found them in
   * the store (undefined where it holds none); the engine checks each against its hash.
   */
  blobs?: readonly (Uint8Array | undefined)[];
  /**
   * A sealed entry's content key, when the reader's party may read it (issue 14): the engine opens the entry and
   * folds the plain one; without it the entry is counted as hidden.
   */
  contentKey?: Uint8Array;
  /**
   * What opening this sealed entry with `contentKey` gave, when the reader computed it ahead (on worker threads,
   * runtime/sealed-openers.ts, with the engine's own `openSealedEntry`); the engine then folds it without decrypting.
   * Without it, the engine opens the entry itself.
   */
  opening?: SealedOpening;
}

/** What opening a sealed entry gave: the plain entry, or the code of the error it failed with. */
export type SealedOpening = { plain: Envelope } | { code: string };

export type { EntryRef };

export function refOf(e: Pick<EngineEntry, 'origin' | 'index' | 'leafHash'>): EntryRef {
  return { origin: e.origin, index: e.index, leafHash: e.leafHash };
}

export function refKey(r: Pick<EntryRef, 'origin' | 'index'>): string {
  return `${r.origin}#${r.index}`;
}

/** Orders references: origin, then index. */
export function compareRefs(a: EntryRef, b: EntryRef): number {
  return a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.index - b.index;
}

/** Distinct references, in canonical order. */
export function sortRefs(refs: readonly EntryRef[]): EntryRef[] {
  const seen = new Map<string, EntryRef>();
  for (const r of refs) seen.set(refKey(r), r);
  return [...seen.values()].sort(compareRefs);
}

/** Bilingual text, as every name and statement a person reads. */
export interface Text {
  en: string;
  ru: string;
}

/** Compares strings by UTF-16 code units (locale-independent, as RFC 8785 sorts keys). */
export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
