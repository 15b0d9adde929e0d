/**
 * When each checkpoint of a log counts from: a pure function of signed data only (the checkpoints of the node's
 * verified copy of the log, the cosignatures over them, the entries' signed times and the regime's witness keys),
 * so every node that holds the same logs and cosignatures computes the same times, byte for byte, whatever order
 * or moment it saw them in. Never the time a node happened to see something.
 *
 * A checkpoint counts from the earliest cosignature timestamp by a witness of another party that keeps every rule:
 * - `other-root`: the cosigned checkpoint has the size and the root of this node's copy of the log (a witness
 *   cannot check that a checkpoint's entries were published; the node can);
 * - `before-signed`: not earlier than the author's signed time (`issuedAt`) of any entry the checkpoint contains;
 * - `backwards`: not earlier than a timestamp the same witness gave a smaller checkpoint of the log;
 * - `before-previous`: not earlier than the counted time of the previous checkpoint.
 * A cosignature that breaks one is refused (returned, so that the caller keeps it as evidence against its signer).
 *
 * A checkpoint with no valid cosignature counts from the next one that has one (its entries were received by
 * then at the latest), else, provisionally, from the latest signed time of its entries (the author's own claim,
 * replaced as soon as another party's witness cosigns).
 *
 * `countedTimesByReceipt` applies these rules twice, to the receipts (other parties' mirror cosignatures, C2SP
 * tlog-mirror: issued only once the mirror durably holds the entries) and to witness cosignatures, and lets receipts
 * bind: a checkpoint counts from a receipt wherever one covers it, from a witness only in the tail no receipt
 * covers yet.
 */

export interface TimedCosignature {
  /** The witness key, `<name>\n<key id>` (as in the regime). */
  witness: string;
  /** The cosignature's timestamp, POSIX seconds (as signed). */
  timestamp: number;
  /** The root (hex) of the checkpoint it signed. */
  root: string;
  /** Anything the caller needs back with a refusal (the signature line, the note). */
  ref?: unknown;
}

export interface TimedCheckpoint {
  size: number;
  /** The root (hex) of this node's verified copy of the log at `size`. */
  root: string;
  cosignatures: readonly TimedCosignature[];
}

export interface CountedTimeInput {
  /** Checkpoints of the node's copy, any order; sizes > 0. */
  checkpoints: readonly TimedCheckpoint[];
  /** `latestSigned(size)`: the latest `issuedAt` (ms) among the first `size` entries. */
  latestSigned: (size: number) => number;
  /** Witness keys whose cosignatures count, with their party; the log's own party's witness must not be here. */
  witnesses: ReadonlyMap<string, string>;
}

export type CosignatureRule = 'other-root' | 'before-signed' | 'backwards' | 'before-previous';

export interface RefusedCosignature {
  size: number;
  cosignature: TimedCosignature;
  rule: CosignatureRule;
  /** The bound it broke (ms): the signed time, the witness's earlier timestamp or the previous counted time. */
  bound?: number;
  /** For `backwards` and `before-previous`: the cosignature that set the bound, and its checkpoint's size. */
  because?: { size: number; cosignature: TimedCosignature };
}

export interface CountedTimes {
  /**
   * Per checkpoint size, ascending: the time (ms) its new entries count from, whether a cosigner vouched, and (from
   * `countedTimesByReceipt`) whether that time is another party's receipt.
   */
  timeline: { size: number; time: number; cosigned: boolean; receipt?: boolean }[];
  refused: RefusedCosignature[];
}

export function countedTimes(input: CountedTimeInput): CountedTimes {
  const checkpoints = [...input.checkpoints].filter((c) => c.size > 0).sort((a, b) => a.size - b.size);
  const refused: RefusedCosignature[] = [];
  type Bound = { t: number; size: number; cosignature: TimedCosignature };
  const lastByWitness = new Map<string, Bound>();
  const cosignedAt: (number | undefined)[] = [];
  let previous: Bound | undefined;
  for (const c of checkpoints) {
    const signed = input.latestSigned(c.size);
    let best: Bound | undefined;
    const ordered = [...c.cosignatures].sort((a, b) => a.timestamp - b.timestamp || a.witness.localeCompare(b.witness));
    for (const cosig of ordered) {
      if (!input.witnesses.has(cosig.witness)) continue;
      const t = cosig.timestamp * 1000;
      const last = lastByWitness.get(cosig.witness);
      const refuse = (rule: CosignatureRule, bound?: number, because?: Bound) =>
        refused.push({
          size: c.size,
          cosignature: cosig,
          rule,
          ...(bound === undefined ? {} : { bound }),
          ...(because ? { because: { size: because.size, cosignature: because.cosignature } } : {}),
        });
      if (cosig.root !== c.root) refuse('other-root');
      // Cosignature timestamps are whole seconds: an entry signed within the second of its cosignature is on time.
      else if (t + 999 < signed) refuse('before-signed', signed);
      else if (last !== undefined && t < last.t) refuse('backwards', last.t, last);
      else if (previous !== undefined && t < previous.t) refuse('before-previous', previous.t, previous);
      else {
        const bound = { t, size: c.size, cosignature: cosig };
        lastByWitness.set(cosig.witness, bound);
        if (best === undefined || t < best.t) best = bound;
      }
    }
    cosignedAt.push(best?.t);
    if (best !== undefined) previous = best;
  }
  // Uncosigned checkpoints count from the next cosigned one, else from their own latest signed time.
  const timeline: CountedTimes['timeline'] = [];
  let next: number | undefined;
  for (let i = checkpoints.length - 1; i >= 0; i--) {
    const c = checkpoints[i]!;
    const own = cosignedAt[i];
    if (own !== undefined) next = own;
    timeline.push({ size: c.size, time: own ?? next ?? Number.NaN, cosigned: own !== undefined });
  }
  timeline.reverse();
  // The provisional tail: the author's claim, never before what precedes it.
  let floor = Number.NEGATIVE_INFINITY;
  for (const entry of timeline) {
    if (Number.isNaN(entry.time)) entry.time = Math.max(input.latestSigned(entry.size), floor);
    floor = entry.time;
  }
  return { timeline, refused };
}

/**
 * Counted times where the counterparts' receipts bind. A checkpoint counts from the earliest valid receipt (a mirror
 * cosignature by another party, same rules as above) of itself or of the next checkpoint that has one: its entries
 * were received by then. Past the last checkpoint any receipt covers, it counts from the witness rule (a witness is
 * still another party's signed word under the same rules, and a counterpart without a mirror key, or one that has
 * not yet acknowledged the push, must not leave the author's own claim to stand), never before the time before it.
 */
export function countedTimesByReceipt(
  input: CountedTimeInput & {
    /** Mirror keys whose cosignatures are receipts, with their party; the log's own party's must not be here. */
    receipts: ReadonlyMap<string, string>;
  },
): CountedTimes {
  const byReceipt = countedTimes({ ...input, witnesses: input.receipts });
  const byWitness = countedTimes(input);
  let lastReceipt = -1;
  byReceipt.timeline.forEach((c, i) => {
    if (c.cosigned) lastReceipt = i;
  });
  let floor = Number.NEGATIVE_INFINITY;
  const timeline = byWitness.timeline.map((w, i) => {
    const entry =
      i <= lastReceipt
        ? { ...byReceipt.timeline[i]!, cosigned: true, receipt: true }
        : { ...w, time: Math.max(w.time, floor), receipt: false };
    floor = entry.time;
    return entry;
  });
  return { timeline, refused: [...byReceipt.refused, ...byWitness.refused] };
}
