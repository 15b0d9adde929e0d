/**
 * Folding a directory of party logs (what `scenario play` writes): every entry read back in canonical order
 * (read.ts) and applied to the engine, as the public or as a party of an exercise reads it (`readAs`: the sealed
 * entries of its audiences opened with the exercise's keys, ahead on worker threads for a large directory).
 */
import { DetenteError } from '../crypto/errors.js';
import { Engine } from '../engine/engine.js';
import type { EngineEntry } from '../engine/types.js';
import { type Envelope, type EnvelopeOf, openSealed } from '../model/index.js';
import { CheckedBodies } from '../runtime/checked-bodies.js';
import { nodeSuite, symmetricNode } from '../runtime/node-crypto.js';
import { openAhead, SyncSealedOpener } from '../runtime/sealed-openers.js';
import { exerciseAudienceKey, exerciseContentKey } from './keys.js';
import { EXERCISE_FILE } from './play.js';
import { type LogSet, openLogSet, PARALLEL_FROM, type ReadOptions, rereadSealed, streamEntries } from './read.js';

export interface FoldedDir {
  set: LogSet;
  engine: Engine;
  /** The time the state is for: the one asked, else the exercise's simulated end, else now. */
  asOf: number;
}

/** Reads every log in `dir` and folds it; `asOf` folds only entries counted by then. */
export interface FoldOptions extends ReadOptions {
  onEntry?: (n: number) => void;
  /**
   * Fold what this party reads: the sealed entries of its audiences opened with the exercise's audience keys
   * (exerciseContentKey: a directory that `scenario play` wrote). `*`: every sealed entry of an exercise (the
   * command line's view of a play, which holds every party's seed; no exercise, the public view). Default: the
   * public view, every sealed entry hidden.
   */
  readAs?: string;
  /**
   * Record in each log's store the sealed entries whose bodies this fold checked in full and found valid
   * (LogStore.recordCheckedSealedBodies), as a node's read model does: a later fold that trusts the store (`verify:
   * false`) then only decrypts them. Opens the logs for writing. Only where the workers open (not on this thread).
   */
  record?: boolean;
}

export function foldDir(dir: string, options: FoldOptions = {}): FoldedDir {
  const set = openLogSet(dir, { writable: options.record ?? false });
  try {
    const engine = new Engine({
      regime: set.regime,
      regimeHash: set.regimeHash,
      zones: set.zones,
      sym: symmetricNode,
      sha256: nodeSuite.sha256,
      // The logs stay open while the fold applies: a complaint reads the sealed entry it names again from them.
      rereadSealed: rereadSealed(set),
    });
    const reader = options.readAs === '*' && !set.meta ? undefined : options.readAs;
    if (reader !== undefined && !set.meta) {
      throw new DetenteError('BAD_INPUT', `${dir}: reading as "${reader}" needs an exercise (${EXERCISE_FILE})`);
    }
    const reads = (e: EnvelopeOf<'sealed'>) => reader === '*' || e.body.audience.includes(reader!);
    // A large directory's sealed entries are opened on worker threads a few runs ahead of the fold (the same
    // openings, runtime/sealed-openers.ts), which also derive their content keys from the audience keys; a small
    // one's on this thread (starting the workers would cost more).
    const total = set.logs.reduce((n, l) => n + (l.log.store.head()?.size ?? 0), 0);
    const opener =
      reader !== undefined && (options.workers ?? (total >= PARALLEL_FROM ? 1 : 0)) > 0
        ? new SyncSealedOpener(options.workers)
        : undefined;
    function* read(): Generator<EngineEntry> {
      for (const e of streamEntries(set, { ...options, sealedLeaves: opener !== undefined })) {
        const envelope = e.envelope;
        if (!opener && reader !== undefined && envelope.type === 'sealed' && reads(envelope)) {
          yield { ...e, contentKey: exerciseContentKey(set.meta!.scenario, set.meta!.seed, envelope) };
        } else yield e;
      }
    }
    const audienceKey = ({ envelope: e }: { envelope: EnvelopeOf<'sealed'> }) =>
      reads(e)
        ? exerciseAudienceKey(set.meta!.scenario, set.meta!.seed, e.party, e.body.audience, e.issuedAt)
        : undefined;
    // The workers' record of the bodies checked before: read when trusting the store (checking every entry,
    // nothing it says is read), written when asked.
    const logs = set.logs.map((l) => ({ origin: l.origin, store: l.log.store }));
    const record = opener ? new CheckedBodies(logs, !(options.verify ?? true)) : undefined;
    try {
      let n = 0;
      const entries =
        opener && record
          ? openAhead(read(), opener, {
              audienceKey,
              checked: (e) => record.has(e),
              ...(options.record ? { onChecked: (e: EngineEntry) => record.add(e) } : {}),
            })
          : read();
      for (const e of entries) {
        engine.apply(e);
        if (++n % 4096 === 0) options.onEntry?.(n);
      }
      if (options.record) record?.save();
    } finally {
      opener?.close();
    }
    const last = engine.lastCountedAt ?? -Infinity;
    const asOf = options.asOf ?? Math.max(set.meta ? Date.parse(set.meta.end) : Date.now(), last);
    return { set, engine, asOf };
  } finally {
    set.close();
  }
}

/** An entry of an exercise as its audience reads it: a sealed one opened with the exercise's keys. */
export function exerciseEnvelope(set: LogSet, envelope: Envelope): Envelope {
  if (envelope.type !== 'sealed' || !set.meta) return envelope;
  const key = exerciseContentKey(set.meta.scenario, set.meta.seed, envelope);
  return openSealed(symmetricNode, nodeSuite.sha256, envelope, key);
}
