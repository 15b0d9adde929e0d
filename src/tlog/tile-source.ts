/**
 * Where a verifier reads a tlog-tiles log from: a store, an exported directory, or a server. The verifier
 * trusts none of them; it only needs these three reads.
 */
export interface TileSource {
  /** The signed checkpoint note. */
  checkpoint(): string | Promise<string>;
  /** Hash tile (level, index) at `width` hashes (256 = full). */
  hashTile(level: number, index: number, width: number): Uint8Array | Promise<Uint8Array>;
  /** Entry bundle `index` at `width` entries (256 = full). */
  entryBundle(index: number, width: number): Uint8Array | Promise<Uint8Array>;
  /**
   * Entry bundle `index`, entry by entry as its bytes arrive, each entry in its own buffer (optional: a source over
   * a network offers it so that a reader can refuse a bad bundle at its first bad entry without holding it whole).
   */
  bundleEntries?(index: number, width: number): AsyncIterable<Uint8Array>;
}
