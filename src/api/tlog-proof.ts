/**
 * Entries and receipts as C2SP tlog-proof files (src/tlog/proof-file.ts): the entry's index, its inclusion proof
 * and the checkpoint with the cosignatures held for it, each verified (src/tlog/cosigned-checkpoint.ts).
 */
import { fromBase64 } from '../crypto/bytes.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { LogInfo } from '../node/node.js';
import { parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import { cosignedCheckpoint } from '../tlog/cosigned-checkpoint.js';
import { formatTlogProof } from '../tlog/proof-file.js';

/** What a receipt (POST /api/submissions) and an entry detail (GET /api/entries/…) share. */
export interface ProvenEntry {
  index: number;
  checkpoint: string;
  proof: { proof: string[] } | string[];
  cosignatures?: readonly string[];
}

/** The tlog-proof of an entry of `log`: the checkpoint carries every held cosignature that verifies over it. */
export function entryTlogProof(log: Pick<LogInfo, 'witnesses'>, entry: ProvenEntry, suite: CryptoSuite): string {
  const witnesses = log.witnesses.map((w) => parseCosignatureVerifierKey(w, suite));
  const hashes = Array.isArray(entry.proof) ? entry.proof : entry.proof.proof;
  return formatTlogProof({
    index: entry.index,
    proof: hashes.map((h) => fromBase64(h, 'proof hash')),
    checkpoint: cosignedCheckpoint(entry.checkpoint, entry.cosignatures ?? [], witnesses),
  });
}
