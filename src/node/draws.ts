/**
 * A party's side of a joint draw (docs/ESCROW.md §4.1) in its node directory: the 32-byte random value is drawn
 * once and kept in NODE/escrow/draws/<draw>.json (mode 0600) before its commitment is submitted, so that the party
 * can always reveal what it committed to, even after a restart; the commitment and the reveal are entries of its
 * own log. Used by the node's `POST /api/draws/<draw>/commit|reveal` and by `detente select --dir NODE`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toBase64, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { drawParties } from '../engine/escrow.js';
import { commitRandom, freshRandomValue, type RandomSource } from '../escrow/index.js';
import { decodeEntry, type EntryRef, type Regime, regimeIndex } from '../model/index.js';
import type { LogStore } from '../store/store.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';
import { writePrivate } from './escrow.js';

export const drawSecretPath = (dir: string, draw: string) => join(dir, 'escrow', 'draws', `${draw}.json`);

interface DrawSecret {
  v: 1;
  draw: string;
  party: string;
  /** The random value, 64 hex digits. */
  value: string;
}

/** The value the party kept for a draw, or undefined if it has none. */
function readKept(path: string, draw: string, party: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const kept = JSON.parse(readFileSync(path, 'utf8')) as DrawSecret;
  if (kept.draw !== draw || kept.party !== party || !/^[0-9a-f]{64}$/.test(kept.value)) {
    throw new DetenteError('STORE_ERROR', `${path} is not ${party}'s value for draw ${draw}`);
  }
  return kept.value;
}

/** The party's value for a draw: the one kept in the node directory, or a fresh one, kept before it is used. */
export function drawValue(dir: string, draw: string, party: string, random?: RandomSource): string {
  const path = drawSecretPath(dir, draw);
  const kept = readKept(path, draw, party);
  if (kept !== undefined) return kept;
  const value = freshRandomValue(random);
  writePrivate(path, `${JSON.stringify({ v: 1, draw, party, value } satisfies DrawSecret)}\n`);
  return value;
}

/** The value kept for a draw the party committed to; STORE_ERROR if it is gone (it cannot reveal then). */
export function keptDrawValue(dir: string, draw: string, party: string): string {
  const path = drawSecretPath(dir, draw);
  const kept = readKept(path, draw, party);
  if (kept === undefined) throw new DetenteError('STORE_ERROR', `${path} is missing: the value committed to is lost`);
  return kept;
}

export interface DrawRecords {
  /** Each party's first commitment to the draw, as the logs scanned show it. */
  commits: Map<string, EntryRef & { commitment: string; inspection?: string }>;
  /** The parties that revealed. */
  revealed: Set<string>;
}

/** The commitments and reveals of a draw in some logs (a party's own and those it mirrors). */
export function drawRecords(logs: readonly { store: LogStore; size: number }[], draw: string, hasher: Rfc6962Hasher) {
  const out: DrawRecords = { commits: new Map(), revealed: new Set() };
  const commitKeys = new Map<string, string>();
  for (const { store, size } of logs) {
    let index = 0;
    for (const leaf of store.entries(0, size)) {
      const e = decodeEntry(leaf).envelope;
      if (e.type === 'random-commit' && e.body.draw === draw && !out.commits.has(e.party)) {
        const ref = { origin: store.origin, index, leafHash: toHex(hasher.hashLeaf(leaf)) };
        const inspection = e.body.inspection;
        out.commits.set(e.party, { ...ref, commitment: e.body.commitment, ...(inspection ? { inspection } : {}) });
        commitKeys.set(`${ref.origin}#${ref.index}`, e.party);
      } else if (e.type === 'random-reveal') {
        const p = commitKeys.get(`${e.body.commit.origin}#${e.body.commit.index}`);
        if (p === e.party) out.revealed.add(p);
      }
      index++;
    }
  }
  return out;
}

/** The body of the party's random-commit for a draw. */
export function commitBody(draw: string, party: string, value: string, suite: CryptoSuite, inspection?: string) {
  return {
    draw,
    ...(inspection !== undefined ? { inspection } : {}),
    commitment: commitRandom(draw, party, value, suite.sha256),
  };
}

/**
 * The parties of the draw whose commitment these logs do not show yet. A party reveals only once this is empty:
 * revealing earlier would hand a party that has not committed the choice of the seed (§4.2).
 */
export function waitingFor(regime: Regime, records: DrawRecords, inspection?: string): string[] {
  const type = inspection !== undefined ? regimeIndex(regime).inspections.get(inspection) : undefined;
  return drawParties(regime, type).filter((p) => !records.commits.has(p));
}

/** The body of the party's random-reveal: the value kept, checked against the party's commitment. */
export function revealBody(
  party: string,
  draw: string,
  records: DrawRecords,
  value: string,
  suite: CryptoSuite,
): { commit: EntryRef; value: string } {
  const own = records.commits.get(party);
  if (!own) throw new DetenteError('REFERENCE_UNKNOWN', `${party} has no commitment to draw ${draw} to reveal`);
  if (commitRandom(draw, party, value, suite.sha256) !== own.commitment) {
    throw new DetenteError('REVEAL_INVALID', `the value kept for draw ${draw} does not open ${party}'s commitment`);
  }
  return { commit: { origin: own.origin, index: own.index, leafHash: own.leafHash }, value: toBase64(fromHex(value)) };
}
