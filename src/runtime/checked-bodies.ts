/**
 * A reader's record of the sealed bodies it checked in full and found valid (LogStore.checkedSealedBodies), for
 * the logs one fold reads: loaded once from each store, consulted as the fold opens sealed entries ahead
 * (openAhead's `checked`: the workers then only decrypt those), extended with the bodies this fold checked (`add`)
 * and written back one transaction a log (`save`).
 *
 * Why a record: decrypting is what a fold must do each time (the plaintext is never stored), but the commitments,
 * the canonical JSON and the schema of a body are facts about bytes that never change in an append-only log. A
 * reader that checked them once trusts its own record, as it trusts the signatures it checked when it stored the
 * entries; a fold that checks every entry (`detente state` on a directory handed over) reads no record.
 */
import type { EngineEntry } from '../engine/types.js';
import type { LogStore } from '../store/store.js';

interface LogRecord {
  store: LogStore;
  /** One byte an index, 1 where the store records the body as checked (none when the fold does not trust it). */
  recorded: Uint8Array;
  /** Checked by this fold, not yet written. */
  added: number[];
}

export class CheckedBodies {
  readonly #logs = new Map<string, LogRecord>();

  /** `trust`: read each store's record (a fold that trusts its store); without it nothing counts as checked. */
  constructor(logs: readonly { origin: string; store: LogStore }[], trust: boolean) {
    for (const { origin, store } of logs) {
      const indices = trust ? store.checkedSealedBodies() : [];
      const recorded = new Uint8Array(indices.length ? indices.at(-1)! + 1 : 0);
      for (const i of indices) recorded[i] = 1;
      this.#logs.set(origin, { store, recorded, added: [] });
    }
  }

  /** Whether the entry's body is recorded as checked. */
  has(e: Pick<EngineEntry, 'origin' | 'index'>): boolean {
    return this.#logs.get(e.origin)?.recorded[e.index] === 1;
  }

  /** Notes that this fold checked the entry's body in full and found it valid. */
  add(e: Pick<EngineEntry, 'origin' | 'index'>): void {
    const log = this.#logs.get(e.origin);
    if (log && log.recorded[e.index] !== 1) log.added.push(e.index);
  }

  /** Writes what this fold checked to each log's store; returns how many entries it recorded. */
  save(): number {
    let n = 0;
    for (const log of this.#logs.values()) {
      if (!log.added.length) continue;
      log.store.recordCheckedSealedBodies(log.added);
      n += log.added.length;
      log.added = [];
    }
    return n;
  }
}
