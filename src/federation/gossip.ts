/**
 * Gossip of checkpoints: several sources (peers, mirrors, witnesses) each report the checkpoint they hold for one
 * log; if the log showed two faces, some pair of them is inconsistent. Checkpoints of one size with different
 * roots are evidence on their own. For checkpoints of different sizes, the larger tree's root at the smaller size
 * must be the smaller one's root: that needs a consistency proof from the larger tree, read from the tiles of a
 * source that serves it (if the observation names one). Consecutive sizes suffice: consistency is transitive.
 */
import { equalBytes } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import { type Checkpoint, openCheckpoint } from '../tlog/checkpoint.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import type { TileSource } from '../tlog/tile-source.js';
import { type EquivocationEvidence, prefixEvidence, sameSizeEvidence } from './evidence.js';
import { provePrefix } from './prefix-proof.js';

export interface Observation {
  /** Who reported it (a URL, a node name): for the report only. */
  source: string;
  /** The signed checkpoint note. */
  note: string;
  /** Tiles of the tree this checkpoint heads (or a later one), to prove its prefixes; optional. */
  tiles?: TileSource;
}

export interface ForkReport {
  /** Evidence of equivocation, if the observations contain a contradiction. */
  evidence?: EquivocationEvidence;
  /** Observations that were not validly signed by the log, and why. They prove nothing. */
  ignored: { source: string; reason: string }[];
  /** Pairs of different sizes that could not be compared (no tiles, or tiles that failed). */
  unchecked: { smaller: string; larger: string; reason: string }[];
  /** The largest validly signed checkpoint seen. */
  latest?: { source: string; note: string; size: number };
}

/** Looks for a fork of one log among checkpoints reported by several sources. */
export async function detectFork(
  vkey: string,
  suite: CryptoSuite,
  observations: readonly Observation[],
): Promise<ForkReport> {
  const verifier = parseVerifierKey(vkey, suite);
  const hasher = new Rfc6962Hasher(suite.sha256);
  const report: ForkReport = { ignored: [], unchecked: [] };
  const valid: (Observation & { checkpoint: Checkpoint })[] = [];
  for (const o of observations) {
    try {
      valid.push({ ...o, checkpoint: openCheckpoint(o.note, verifier).checkpoint });
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      report.ignored.push({ source: o.source, reason: err.message });
    }
  }
  valid.sort((a, b) => a.checkpoint.size - b.checkpoint.size);
  const top = valid.at(-1);
  if (top) report.latest = { source: top.source, note: top.note, size: top.checkpoint.size };

  // Same size, different roots.
  for (let i = 1; i < valid.length; i++) {
    const a = valid[i - 1]!;
    const b = valid[i]!;
    if (a.checkpoint.size === b.checkpoint.size && !equalBytes(a.checkpoint.root, b.checkpoint.root)) {
      report.evidence = sameSizeEvidence(vkey, a.note, b.note);
      return report;
    }
  }

  // Distinct trees in size order; each must be a prefix of the next.
  const distinct = valid.filter((o, i) => i === 0 || o.checkpoint.size !== valid[i - 1]!.checkpoint.size);
  for (let i = 1; i < distinct.length; i++) {
    const small = distinct[i - 1]!;
    // Any observation of the larger size will do; prefer one that has tiles.
    const size = distinct[i]!.checkpoint.size;
    const large = valid.find((o) => o.checkpoint.size === size && o.tiles) ?? distinct[i]!;
    if (!large.tiles) {
      report.unchecked.push({ smaller: small.source, larger: large.source, reason: 'no tiles to prove a prefix' });
      continue;
    }
    let prefix: Awaited<ReturnType<typeof provePrefix>>;
    try {
      prefix = await provePrefix(large.tiles, hasher, small.checkpoint.size, size, large.checkpoint.root);
    } catch (err) {
      report.unchecked.push({ smaller: small.source, larger: large.source, reason: (err as Error).message });
      continue;
    }
    if (!equalBytes(prefix.root, small.checkpoint.root)) {
      report.evidence = prefixEvidence(
        vkey,
        small.note,
        large.note,
        small.checkpoint.size,
        { root: small.checkpoint.root, hops: [] },
        { root: prefix.root, hops: [{ size, root: large.checkpoint.root, proof: prefix.proof }] },
      );
      return report;
    }
  }
  return report;
}
