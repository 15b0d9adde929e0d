/**
 * Joint randomness by commit and reveal (Blum 1981; docs/ESCROW.md §4). Each party records H(round, party, value)
 * in its log, then reveals the value; the seed hashes every revealed value in a canonical party order. Binding the
 * round and the party into the commitment stops a party from copying another's commitment (and later its reveal)
 * or replaying one from an earlier round. A party that does not reveal in time is a finding, and the seed then
 * follows the fallback rule the regime states.
 */
import { concat, toHex } from '../crypto/bytes.js';
import { fail } from '../crypto/errors.js';
import type { Sha256 } from '../crypto/sha256.js';
import { lengthPrefixed, parseHash, TAG, u32Bytes } from './format.js';
import { type RandomSource, randomBytes, secureRandom } from './random.js';
import { epochNanos, type Instant } from './time.js';

/** A random value: 32 bytes from a CSPRNG, hex. It is both the contribution and what hides it. */
export const VALUE_SIZE = 32;

function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    fail('BAD_INPUT', `${field}: expected a string of 1 to 256 characters`);
  }
  return value;
}

/** A fresh random value for a round, hex. */
export function freshRandomValue(random: RandomSource = secureRandom): string {
  return toHex(randomBytes(VALUE_SIZE, random));
}

/** commitment = H("detente/escrow/v1/commit\0" ‖ lp(round) ‖ lp(party) ‖ value(32)), hex. */
export function commitRandom(round: string, party: string, value: string, sha256: Sha256): string {
  const v = parseHash(value, 'value', 'BAD_INPUT');
  return toHex(
    sha256(concat(TAG.commit, lengthPrefixed(checkId(round, 'round')), lengthPrefixed(checkId(party, 'party')), v)),
  );
}

export interface RevealCheck {
  round: string;
  party: string;
  /** The commitment the party recorded, hex. */
  commitment: string;
  /** The value it reveals, hex. */
  value: string;
  /** When the reveal counts as recorded, and the deadline; both optional, both or neither. */
  revealedAt?: Instant;
  deadline?: Instant;
}

/**
 * Checks one reveal: REVEAL_INVALID when the value does not open the commitment (for this round and this party),
 * REVEAL_LATE when it was recorded after the deadline.
 */
export function verifyReveal(check: RevealCheck, sha256: Sha256): void {
  const expected = parseHash(check.commitment, 'commitment', 'BAD_INPUT');
  const actual = commitRandom(check.round, check.party, check.value, sha256);
  if (actual !== toHex(expected)) {
    fail(
      'REVEAL_INVALID',
      `${check.party}'s reveal for round ${JSON.stringify(check.round)} hashes to ${actual}, not to its commitment ${check.commitment}`,
    );
  }
  if ((check.revealedAt === undefined) !== (check.deadline === undefined)) {
    fail('BAD_INPUT', 'revealedAt and deadline: give both or neither');
  }
  if (check.revealedAt !== undefined && check.deadline !== undefined) {
    if (epochNanos(check.revealedAt, 'revealedAt') > epochNanos(check.deadline, 'deadline')) {
      fail(
        'REVEAL_LATE',
        `${check.party}'s reveal for round ${JSON.stringify(check.round)} was recorded at ${check.revealedAt}, after the deadline ${check.deadline}`,
      );
    }
  }
}

/** Canonical party order: UTF-16 code units (JavaScript's default, and RFC 8785's key order). */
function byParty<T extends { party: string }>(a: T, b: T): number {
  return a.party < b.party ? -1 : a.party > b.party ? 1 : 0;
}

/**
 * seed = H("detente/escrow/v1/seed\0" ‖ lp(round) ‖ u32be(m) ‖ (lp(party) ‖ value(32))*m), parties in canonical
 * order, hex. With all parties this is the joint seed; with fewer, the "revealed-only" fallback seed.
 */
export function jointSeed(
  round: string,
  contributions: readonly { party: string; value: string }[],
  sha256: Sha256,
): string {
  if (contributions.length === 0) fail('BAD_INPUT', 'contributions: expected at least one');
  const sorted = [...contributions].sort(byParty);
  const parts = [TAG.seed, lengthPrefixed(checkId(round, 'round')), u32Bytes(sorted.length)];
  for (let i = 0; i < sorted.length; i++) {
    const { party, value } = sorted[i]!;
    if (i > 0 && sorted[i - 1]!.party === party) fail('BAD_INPUT', `contributions: ${party} appears twice`);
    parts.push(lengthPrefixed(checkId(party, 'party')), parseHash(value, `value of ${party}`, 'BAD_INPUT'));
  }
  return toHex(sha256(concat(...parts)));
}

/**
 * What happens when a party does not reveal (or commit) in time. The defaulting party is always a finding.
 * - revealed-only: the seed is made of the values that were revealed in time. The last party to reveal could
 *   withhold after seeing the others' values, so it chooses between two known seeds: one bit of bias, bought
 *   with a finding against it.
 * - designation: the party `by` designates the sample itself (New START's rule: the inspecting side chooses), so
 *   withholding never helps the withholder; void if `by` is itself among the defaulters.
 * - void: no selection; the round is re-run (withholding then buys a re-draw).
 */
export type FallbackRule = { kind: 'revealed-only' } | { kind: 'designation'; by: string } | { kind: 'void' };

export interface RandomRound {
  /** Unique id of the round, bound into every commitment, e.g. "2022/inspection-7/site-selection". */
  round: string;
  /** The parties that must contribute. */
  parties: string[];
  /** Commitments recorded after this do not count. */
  commitDeadline: Instant;
  /** Reveals recorded after this do not count. */
  revealDeadline: Instant;
  fallback: FallbackRule;
}

export interface RandomCommitmentRecord {
  party: string;
  commitment: string;
  /** When it counts as recorded (the counterpart's first cosigned checkpoint containing it). */
  at: Instant;
}

export interface RandomRevealRecord {
  party: string;
  value: string;
  at: Instant;
}

export type RoundFindingKind =
  | 'NOT_A_PARTY'
  | 'COMMITMENT_LATE'
  | 'COMMITMENT_DUPLICATE'
  | 'COMMITMENT_MISSING'
  | 'REVEAL_INVALID'
  | 'REVEAL_LATE'
  | 'REVEAL_MISSING';

export interface RoundFinding {
  party: string;
  kind: RoundFindingKind;
  message: string;
}

export type RoundOutcome =
  /** Deadlines not yet passed, contributions still missing. */
  | { status: 'pending'; findings: RoundFinding[] }
  | { status: 'joint'; seed: string; contributors: string[]; findings: RoundFinding[] }
  | { status: 'fallback'; rule: 'revealed-only'; seed: string; contributors: string[]; findings: RoundFinding[] }
  | { status: 'fallback'; rule: 'designation'; designatedBy: string; findings: RoundFinding[] }
  | { status: 'void'; findings: RoundFinding[] };

function checkRound(round: RandomRound): void {
  checkId(round.round, 'round.round');
  if (!Array.isArray(round.parties) || round.parties.length === 0) fail('BAD_INPUT', 'round.parties: expected parties');
  const seen = new Set<string>();
  for (const p of round.parties) {
    checkId(p, 'round.parties[]');
    if (seen.has(p)) fail('BAD_INPUT', `round.parties: ${p} appears twice`);
    seen.add(p);
  }
  if (
    epochNanos(round.commitDeadline, 'round.commitDeadline') >= epochNanos(round.revealDeadline, 'round.revealDeadline')
  ) {
    fail('BAD_INPUT', 'round: the commit deadline must come before the reveal deadline');
  }
  const f = round.fallback;
  if (f?.kind === 'designation') {
    if (!seen.has(f.by)) fail('BAD_INPUT', `round.fallback.by: ${f.by} is not a party to the round`);
  } else if (f?.kind !== 'revealed-only' && f?.kind !== 'void') {
    fail('BAD_INPUT', 'round.fallback: expected revealed-only, designation or void');
  }
}

/** Records in time order; records with the same time keep their input (log) order. */
function inTimeOrder<T extends { at: Instant }>(records: readonly T[]): { record: T; at: bigint }[] {
  return records
    .map((record, i) => ({ record, at: epochNanos(record.at, `records[${i}].at`), i }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i));
}

/**
 * Folds a round's commitments and reveals, as of `now`, into its outcome and findings. Pure: the same records and
 * the same `now` always give the same outcome. The first commitment a party records counts; a second one is a
 * finding and is ignored, so it cannot buy a choice between two values.
 */
export function resolveRound(
  round: RandomRound,
  commitments: readonly RandomCommitmentRecord[],
  reveals: readonly RandomRevealRecord[],
  now: Instant,
  sha256: Sha256,
): RoundOutcome {
  checkRound(round);
  const nowNs = epochNanos(now, 'now');
  const commitDeadline = epochNanos(round.commitDeadline);
  const revealDeadline = epochNanos(round.revealDeadline);
  const parties = new Set(round.parties);
  const findings: RoundFinding[] = [];
  const committed = new Map<string, string>();
  const revealed = new Map<string, string>();

  for (const { record, at } of inTimeOrder(commitments)) {
    const { party } = record;
    parseHash(record.commitment, `commitment of ${party}`, 'BAD_INPUT');
    if (!parties.has(party)) {
      findings.push({ party, kind: 'NOT_A_PARTY', message: `${party} committed but is not a party to the round` });
    } else if (committed.has(party)) {
      findings.push({
        party,
        kind: 'COMMITMENT_DUPLICATE',
        message: `${party} recorded a second commitment for round ${JSON.stringify(round.round)} at ${record.at}; only the first counts`,
      });
    } else if (at > commitDeadline) {
      findings.push({
        party,
        kind: 'COMMITMENT_LATE',
        message: `${party} committed at ${record.at}, after the commit deadline ${round.commitDeadline}`,
      });
    } else {
      committed.set(party, record.commitment);
    }
  }

  for (const { record, at } of inTimeOrder(reveals)) {
    const { party } = record;
    if (!parties.has(party)) {
      findings.push({ party, kind: 'NOT_A_PARTY', message: `${party} revealed but is not a party to the round` });
      continue;
    }
    if (revealed.has(party)) continue;
    const commitment = committed.get(party);
    if (commitment === undefined) {
      findings.push({ party, kind: 'REVEAL_INVALID', message: `${party} revealed without a valid commitment` });
      continue;
    }
    parseHash(record.value, `value of ${party}`, 'BAD_INPUT');
    if (commitRandom(round.round, party, record.value, sha256) !== commitment) {
      findings.push({
        party,
        kind: 'REVEAL_INVALID',
        message: `${party}'s reveal at ${record.at} does not match its commitment ${commitment}`,
      });
    } else if (at > revealDeadline) {
      findings.push({
        party,
        kind: 'REVEAL_LATE',
        message: `${party} revealed at ${record.at}, after the reveal deadline ${round.revealDeadline}`,
      });
    } else {
      revealed.set(party, record.value);
    }
  }

  if (revealed.size === parties.size) {
    const contributors = [...round.parties].sort();
    const seed = jointSeed(
      round.round,
      contributors.map((party) => ({ party, value: revealed.get(party)! })),
      sha256,
    );
    return { status: 'joint', seed, contributors, findings };
  }
  if (nowNs <= revealDeadline) return { status: 'pending', findings };

  const defaulters: string[] = [];
  for (const party of round.parties) {
    if (!committed.has(party)) {
      findings.push({
        party,
        kind: 'COMMITMENT_MISSING',
        message: `${party} recorded no valid commitment by ${round.commitDeadline}`,
      });
      defaulters.push(party);
    } else if (!revealed.has(party)) {
      findings.push({
        party,
        kind: 'REVEAL_MISSING',
        message: `${party} did not reveal a matching value by ${round.revealDeadline}`,
      });
      defaulters.push(party);
    }
  }
  const rule = round.fallback;
  if (rule.kind === 'revealed-only' && revealed.size > 0) {
    const contributors = [...revealed.keys()].sort();
    const seed = jointSeed(
      round.round,
      contributors.map((party) => ({ party, value: revealed.get(party)! })),
      sha256,
    );
    return { status: 'fallback', rule: 'revealed-only', seed, contributors, findings };
  }
  if (rule.kind === 'designation' && !defaulters.includes(rule.by)) {
    return { status: 'fallback', rule: 'designation', designatedBy: rule.by, findings };
  }
  return { status: 'void', findings };
}
