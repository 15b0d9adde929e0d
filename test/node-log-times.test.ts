/**
 * LogTimes.compute reads only the checkpoints and cosignatures added since its last call. Property: after any
 * sequence of appends, stored cosignatures (witnesses and receipts, on time or not, over sizes with or without a
 * checkpoint) and our own witness's cosignatures (right root or not), it returns exactly what a full recomputation
 * from every row in SQLite returns. A real SQLite log of signed entries.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { parseNote } from '../src/crypto/note.js';
import { type CountedTimes, countedTimesByReceipt, type TimedCheckpoint } from '../src/federation/counted-time.js';
import type { Regime } from '../src/model/index.js';
import { type CosignatureRef, LogTimes } from '../src/node/log-times.js';
import { PartyNode } from '../src/node/node.js';
import type { IssuedCosignature } from '../src/node/witness.js';
import type { LogStore } from '../src/store/store.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { hasher, partyLog, signedEntry } from './helpers/fake-peer.js';
import { initNodes, suite } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-log-times-');
const T0 = Date.UTC(2022, 0, 1) / 1000;
const cosigners = ['witness-a', 'witness-b', 'mirror-r'].map((name, i) =>
  cosignerFromSeed(suite, name, suite.sha256(new TextEncoder().encode(`seed ${i}`))),
);
const key = (i: number) => `${cosigners[i]!.name}\n${cosigners[i]!.keyId}`;
const witnesses = new Map([
  [key(0), 'ru'],
  [key(1), 'nato'],
]);
const receipts = new Map([[key(2), 'ru']]);

/** What the node did before: read every checkpoint and every cosignature again. */
function fullRecomputation(store: LogStore, verified: number, issued: readonly IssuedCosignature[]): CountedTimes {
  const times = new LogTimes(store, hasher);
  const bySize = new Map<number, TimedCheckpoint & { cosignatures: TimedCheckpoint['cosignatures'][number][] }>();
  const at = (size: number) => {
    let c = bySize.get(size);
    if (!c) {
      c = { size, root: times.rootAt(size), cosignatures: [] };
      bySize.set(size, c);
    }
    return c;
  };
  // Every checkpoint held, and every size cosigned without one (counted over this copy's tree at that size).
  const sizes = new Set([...store.checkpointRecords().map((r) => r.size), ...store.cosignedSizes()]);
  for (const size of [...sizes].sort((a, b) => a - b)) {
    if (size === 0 || size > verified) continue;
    const c = at(size);
    const note = store.checkpoint(size);
    for (const s of store.cosignatures(size)) {
      const ref: CosignatureRef = { line: s.line, note: note ?? '' };
      c.cosignatures.push({ witness: `${s.name}\n${s.keyId}`, timestamp: s.timestamp, root: c.root, ref });
    }
  }
  for (const w of issued) {
    if (w.size === 0 || w.size > verified) continue;
    const ref: CosignatureRef = { line: w.line, note: '' };
    at(w.size).cosignatures.push({
      witness: `${w.name}\n${w.keyId}`,
      timestamp: w.timestamp,
      root: toHex(w.root),
      ref,
    });
  }
  return countedTimesByReceipt({
    checkpoints: [...bySize.values()],
    latestSigned: (n) => times.latestSigned(n),
    witnesses,
    receipts,
  });
}

type Op =
  | { op: 'append'; seconds: number[] }
  | { op: 'store'; who: number; size: number; at: number }
  | { op: 'issue'; who: number; size: number; at: number; rightRoot: boolean }
  | { op: 'compute'; verified: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('append' as const), seconds: fc.array(fc.nat(600), { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant('store' as const), who: fc.nat(2), size: fc.nat(1000), at: fc.nat(900) }),
    fc.record({
      op: fc.constant('issue' as const),
      who: fc.nat(1),
      size: fc.nat(1000),
      at: fc.nat(900),
      rightRoot: fc.boolean(),
    }),
    fc.record({ op: fc.constant('compute' as const), verified: fc.nat(1000) }),
  ),
  { minLength: 1, maxLength: 30 },
);

describe('LogTimes.compute, incremental', () => {
  let dir: string;
  let regime: Regime;
  let hash: string;
  let origin: string;

  beforeAll(async () => {
    dir = initNodes(tmp, ['us']).get('us')!;
    const node = PartyNode.open(dir, { peers: [] });
    regime = node.regime;
    hash = node.regimeHash;
    origin = node.party.origin;
    await node.close();
  });

  it('equals a full recomputation after any sequence of appends and cosignatures', () => {
    let run = 0;
    fc.assert(
      fc.property(ops, (script: Op[]) => {
        const { store, writer } = partyLog(dir, 'us', origin, `times-${run++}.sqlite`);
        try {
          const times = new LogTimes(store, hasher);
          const issued: (IssuedCosignature & { id: number })[] = [];
          const issuedSince = (id: number) => issued.filter((w) => w.id > id);
          const check = (verified: number) => {
            const incremental = times.compute(verified, receipts, witnesses, issuedSince);
            expect(incremental).toEqual(fullRecomputation(store, verified, issued));
          };
          for (const step of [...script, { op: 'compute' as const, verified: Number.MAX_SAFE_INTEGER }]) {
            const head = store.head()?.size ?? 0;
            if (step.op === 'append') {
              writer.append(step.seconds.map((s) => signedEntry(dir, 'us', regime, hash, s)));
            } else if (step.op === 'compute') {
              check(Math.min(step.verified, head));
            } else if (head > 0) {
              const size = 1 + (step.size % head);
              const c = cosigners[step.who]!;
              const note = store.checkpoint(size);
              const line = c
                .cosignLine(note ? parseNote(note).text : `${origin}\n${size}\n${'A'.repeat(43)}=\n`, T0 + step.at)
                .trimEnd();
              if (step.op === 'store') {
                store.addCosignature({ size, name: c.name, keyId: c.keyId, timestamp: T0 + step.at, line });
              } else {
                const root = step.rightRoot ? new LogTimes(store, hasher).rootAt(size) : 'ff'.repeat(32);
                issued.push({
                  id: issued.length + 1,
                  origin,
                  size,
                  root: Uint8Array.from(Buffer.from(root, 'hex')),
                  name: c.name,
                  keyId: c.keyId,
                  timestamp: T0 + step.at,
                  line,
                });
              }
            }
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
