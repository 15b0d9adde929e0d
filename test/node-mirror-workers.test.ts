/**
 * A mirror that verifies on worker threads (MirrorOptions.validateMany over EntryWorkers, as a node mirrors) stores
 * what one that verifies entry by entry on the event loop stores, and refuses the same first bad entry with the same
 * reason, over HTTP (streamed bundles) and from a store (whole bundles). Runs the built worker.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { DetenteError } from '../src/crypto/errors.js';
import { httpTileSource } from '../src/federation/http-tile-source.js';
import { storeTileSource } from '../src/log/store-tile-source.js';
import {
  buildEnvelope,
  decodeEntry,
  encodeEntry,
  type Regime,
  regimeHash,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { EntryRejectedError, LogMirror, type MirrorOptions } from '../src/node/mirror.js';
import { EntryWorkers } from '../src/runtime/entry-workers.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { TileSource } from '../src/tlog/tile-source.js';
import { listen, makeLog, quietApp, suite, type TestLog } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';
import { loadScenario, seedOf } from './model-helpers.js';

const tmp = tempDirs();
const ORIGIN = 'mirror-workers.test/us';
const regime: Regime = loadScenario();
const hash = regimeHash(regime, suite.sha256);
const workers = new EntryWorkers({ regime, workers: 2 });

/** Entry i of the peer's log: us's regime signature, or, if `bad` says so, one with a broken signature or of ru. */
function entry(i: number, bad: ReadonlyMap<number, 'forged' | 'ru'>): Uint8Array {
  const party = bad.get(i) === 'ru' ? 'ru' : 'us';
  const envelope = buildEnvelope({
    type: 'regime-signature',
    party,
    key: `${party}-declarant`,
    issuedAt: new Date(Date.UTC(2022, 0, 1) + i * 1000).toISOString(),
    body: { regime: hash, id: regime.id, version: regime.version },
  });
  const signed = signEntry(suite, envelope, seedOf(`${party}-declarant`));
  if (bad.get(i) === 'forged') signed.signature[5]! ^= 1;
  return encodeEntry(signed);
}

/** The node's checks, one entry at a time on this thread. */
const validate = (bytes: Uint8Array) => {
  const signed = decodeEntry(bytes);
  if (signed.envelope.party !== 'us')
    throw new DetenteError('KEY_UNKNOWN', `an entry of "${signed.envelope.party}" in the log of "us"`);
  verifyEntry(suite, regime, signed);
};

/** The same checks on the workers, as a node passes them (PartyNode gives each mirror validatorFor(its party)). */
const validateMany: MirrorOptions['validateMany'] = workers.validatorFor('us');

describe('a mirror verifying on worker threads', () => {
  let n = 0;
  const peers: TestLog[] = [];

  afterAll(async () => {
    for (const p of peers) p.close();
    await workers.close();
  });

  /** A peer log of `size` entries, served over HTTP at a path of its own. */
  async function peerLog(size: number, bad: ReadonlyMap<number, 'forged' | 'ru'>) {
    const dir = tmp();
    const peer = makeLog(dir, ORIGIN, 3, 'peer.sqlite');
    peers.push(peer);
    peer.grow(size, 300, (i) => entry(i, bad));
    return { peer, dir };
  }

  async function mirrorWith(source: TileSource, vkey: string, dir: string, extra: Partial<MirrorOptions>) {
    const store = SqliteStore.open(join(dir, `mirror-${n++}.sqlite`), ORIGIN, { create: true });
    try {
      const outcome = await new LogMirror({ store, source, vkey, suite, bundlesPerCommit: 2, ...extra }).sync().then(
        (r) => ({ status: r.status, size: r.size }),
        (e: EntryRejectedError) => ({ rejected: e instanceof EntryRejectedError, index: e.index, message: e.message }),
      );
      return { outcome, size: store.head()?.size ?? 0, checkpoint: store.head()?.checkpoint };
    } finally {
      store.close();
    }
  }

  it('stores and refuses exactly what entry-by-entry verification does, streamed or not (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('forged' as const, 'ru' as const)), { maxLength: 3 }),
        async (size, marks) => {
          const bad = new Map(marks.map(([i, how]) => [i % size, how]));
          const { peer, dir } = await peerLog(size, bad);
          const app = quietApp();
          await app.register(tilesPlugin, {
            logs: [{ prefix: '/us', store: peer.store, vkey: peer.vkey }],
            cacheBytes: 0,
          });
          const { base } = await listen(app);
          try {
            for (const source of [httpTileSource(`${base}/us`), storeTileSource(peer.store)]) {
              const one = await mirrorWith(source, peer.vkey, dir, { validate });
              const many = await mirrorWith(source, peer.vkey, dir, { validateMany });
              expect(many).toEqual(one);
              if (bad.size === 0) expect(one.outcome).toEqual({ status: 'advanced', size });
              else expect(one.outcome).toMatchObject({ rejected: true, index: Math.min(...bad.keys()) });
            }
          } finally {
            await app.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  }, 300_000);
});
