/**
 * The C2SP tlog-proofs a record carries, from a party's log directory: the entry's inclusion proof in a tree the
 * log signed, and that checkpoint with the cosignatures the log holds for it (each verified when it was stored),
 * as `detente log prove --format tlog-proof` writes it.
 */
import { DetenteError } from '../crypto/errors.js';
import type { OpenLog } from '../log/log-dir.js';
import { inclusionProofFromStore } from '../log/proofs.js';
import { withCosignatures } from '../node/opening-file.js';
import { logSignedOnly } from '../tlog/cosigned-checkpoint.js';
import { formatTlogProof } from '../tlog/proof-file.js';
import type { EntryProof } from './pdf-layout.js';

/** The proof of entry `index` in the log's signed tree of `size` (default: its latest checkpoint). */
export function logEntryProof(
  l: { party: string; origin: string; log: OpenLog },
  index: number,
  size = l.log.store.head()?.size ?? 0,
): EntryProof {
  const { store, hasher } = l.log;
  const signed = store.checkpoint(size);
  const entry = store.entry(index);
  if (signed === undefined || entry === undefined || index >= size) {
    throw new DetenteError('REFERENCE_UNKNOWN', `${l.origin}: no entry ${index} in a checkpoint the log signed`);
  }
  const p = inclusionProofFromStore(store, hasher, index, size);
  const note = withCosignatures(
    logSignedOnly(signed).note,
    store.cosignatures(size).map((c) => c.line),
  );
  const proof = formatTlogProof({ index, proof: p.proof, checkpoint: note });
  return { party: l.party, origin: l.origin, index, proof, entry, vkey: l.log.vkey };
}

/** Per log, the proof of the last entry of its latest checkpoint signed by `asOf` (else its first checkpoint). */
export function lastEntryProofs(logs: readonly { party: string; origin: string; log: OpenLog }[], asOf: number) {
  return logs.flatMap((l) => {
    const records = l.log.store.checkpointRecords().filter((r) => r.size > 0);
    const record = records.filter((r) => r.time <= asOf).at(-1) ?? records[0];
    return record ? [logEntryProof(l, record.size - 1, record.size)] : [];
  });
}
