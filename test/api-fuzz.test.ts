import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { witnessPlugin } from '../src/api/witness.js';
import { consistencyProofFromStore } from '../src/log/proofs.js';
import { Witness } from '../src/node/witness.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { formatAddCheckpointRequest } from '../src/tlog/witness-protocol.js';
import { hasher, listen, makeLog, quietApp, raw, seed, suite, type TestLog } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();

describe('fuzzing the HTTP endpoints: never a 5xx, never a crash', () => {
  let log: TestLog;
  let witness: Witness;
  const app = quietApp();
  let port = 0;

  beforeAll(async () => {
    const dir = tmp();
    log = makeLog(dir, 'fuzz.test/log', 1);
    log.grow(700, 100);
    witness = Witness.open(join(dir, 'witness.sqlite'), {
      cosigners: [cosignerFromSeed(suite, 'fuzz.test/witness', seed(3))],
      logs: [{ vkey: log.vkey }],
      suite,
    });
    await app.register(tilesPlugin, { logs: [{ prefix: '/logs/a', store: log.store, vkey: log.vkey }] });
    await app.register(witnessPlugin, { witness, submissionPrefix: '/witness' });
    ({ port } = await listen(app));
  });

  afterAll(async () => {
    await app.close();
    witness.close();
    log.close();
  });

  const token = fc.oneof(
    fc.constantFrom('tile', 'entries', '0', '1', '2', '63', '64', '000', '001', '002', 'x000', 'x001', '999'),
    fc.constantFrom('.p', '.p/', '/', '//', '..', '.', '%2e', '%2E%2e', '%2f', '%2F', '%00', '%zz', '%', '~', '-'),
    fc.constantFrom('256', '255', '188', '0', '00', '.p/188', '.p/0', '.p/256', '?x=1', '#frag', ';a=b'),
    fc.integer({ min: 0, max: 300 }).map(String),
    fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,6}$/),
  );
  const path = fc.array(token, { maxLength: 10 }).map((t) => t.join(''));

  it('random tile paths get 200, 400 or 404', async () => {
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.constantFrom('/logs/a/tile/', '/logs/a/', '/logs/a/tile/entries/', '/'),
        async (p, at) => {
          const res = await raw(port, 'GET', at + p);
          expect([200, 400, 404], `${at}${p} → ${res.status} ${res.body.toString().slice(0, 200)}`).toContain(
            res.status,
          );
          if (res.status === 200 && (at + p).includes('/tile/')) {
            expect(res.body.length).toBeGreaterThan(0); // never an empty tile
          }
        },
      ),
      { numRuns: 400 },
    );
    expect((await raw(port, 'GET', '/logs/a/checkpoint')).status).toBe(200);
  });

  it('random and mutated add-checkpoint bodies get a 4xx (or a 200 for a valid one), and the witness stays sound', async () => {
    const valid = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpointNote: log.store.checkpoint(300)!,
    });
    const mutated = fc
      .tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 8 }))
      .map(([at, bit, kind, text]) => {
        const b = Buffer.from(valid);
        const i = at % b.length;
        if (kind === 0) b[i]! ^= 1 << (bit % 8);
        if (kind === 1) return b.subarray(0, i);
        if (kind === 2) return Buffer.concat([b.subarray(0, i), Buffer.from(text), b.subarray(i)]);
        if (kind === 3) return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + (bit % 40))]);
        return b;
      });
    const body = fc.oneof(
      mutated,
      fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
      fc.constantFrom(Buffer.from(valid), Buffer.from(`old 0\n\n${log.store.checkpoint(700)}`)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(undefined, 'text/plain', 'application/json'), async (b, type) => {
        const res = await raw(port, 'POST', '/witness/add-checkpoint', b, type ? { 'content-type': type } : {});
        expect([200, 400, 403, 404, 409, 413, 422], `${res.status} ${res.body}`).toContain(res.status);
      }),
      { numRuns: 400 },
    );
    // Whatever happened, the witness only ever cosigned real checkpoints of the log, and still works.
    const latest = witness.latest('fuzz.test/log');
    const old = latest?.size ?? 0;
    if (latest) expect(latest.note).toBe(log.store.checkpoint(latest.size));
    for (const c of witness.cosignatures('fuzz.test/log')) expect(log.store.checkpoint(c.size)).toBeDefined();
    const next = formatAddCheckpointRequest({
      oldSize: old,
      proof: consistencyProofFromStore(log.store, hasher, old, 700).proof,
      checkpointNote: log.store.checkpoint(700)!,
    });
    expect((await raw(port, 'POST', '/witness/add-checkpoint', next)).status).toBe(200);
  });
});
