/**
 * Which of the cosignatures a node holds for a checkpoint it serves. A signed note may carry at most 100 signature
 * lines (`crypto/note.ts` MAX_SIGNATURES, as Go's `golang.org/x/mod/sumdb/note`), the log's own among them, and a
 * federation of n parties holds up to n-1 witness cosignatures and n-1 receipts (mirror cosignatures) of each
 * checkpoint: at 57 parties, 113 lines. So a node serves, and peers collect, what a verifier and the clock need:
 * - the witnesses' cosignatures that meet the log's policy quorum (the regime's `witnessQuorum`, default all), the
 *   earliest first, since the earliest valid witness cosignature is what a checkpoint counts from where no receipt
 *   covers it (federation/counted-time.ts);
 * - then the receipts, the earliest first (an entry counts as received at the earliest receipt), as many as fit.
 * The order is a pure function of the signed lines (timestamp, then cosigner name, key id and the line itself), so
 * nodes holding the same lines select the same ones, and a node that holds the author's selection plus lines of its
 * own selects the author's wherever its own are no earlier.
 */
import { MAX_SIGNATURES } from '../crypto/note.js';

/** Cosignature lines a served checkpoint may carry beside the log's own signature. */
export const MAX_COSIGNATURE_LINES = MAX_SIGNATURES - 1;

export interface HeldCosignature {
  name: string;
  keyId: number;
  /** POSIX seconds, as signed. */
  timestamp: number;
  line: string;
}

export interface CosignatureSelection<T extends HeldCosignature> {
  witnesses: T[];
  receipts: T[];
}

const earliestFirst = (a: HeldCosignature, b: HeldCosignature) =>
  a.timestamp - b.timestamp ||
  (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
  a.keyId - b.keyId ||
  (a.line < b.line ? -1 : a.line > b.line ? 1 : 0);

/** The earliest line of each cosigner key, earliest first. */
function earliestPerKey<T extends HeldCosignature>(lines: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const c of [...lines].sort(earliestFirst)) {
    const key = `${c.name}\n${c.keyId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

/**
 * The witness cosignatures a quorum of `quorum` needs and the receipts that fit beside them, never more than `max`
 * lines in all. A quorum beyond `max` cannot be carried by any note: as many witnesses as fit are selected.
 */
export function selectCosignatures<T extends HeldCosignature>(
  witnesses: readonly T[],
  receipts: readonly T[],
  quorum: number,
  max: number = MAX_COSIGNATURE_LINES,
): CosignatureSelection<T> {
  const w = earliestPerKey(witnesses).slice(0, Math.max(0, Math.min(quorum, max)));
  const r = earliestPerKey(receipts).slice(0, Math.max(0, max - w.length));
  return { witnesses: w, receipts: r };
}
