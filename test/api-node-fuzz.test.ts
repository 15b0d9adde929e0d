import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detenteAsync } from './helpers/cli.js';
import { raw } from './helpers/logs.js';
import { addUser, freePort, initNodes, type RunningNode, regimeSignature, startNode, submit } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-node-fuzz-');

describe('fuzzing every node endpoint: never a 5xx, never a crash', () => {
  let us: RunningNode;
  let token: string;

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    token = addUser(dirs.get('us')!, 'us', 'fuzzer', ['declarant', 'inspector']);
    us = await startNode(dirs.get('us')!, await freePort(), [], false);
    for (let i = 0; i < 3; i++) expect((await submit(us.url, token, regimeSignature(us.node))).status).toBe(201);
  });

  afterAll(async () => {
    await us?.close();
  });

  const segment = fc.oneof(
    fc.constantFrom('api', 'logs', 'us', 'ru', 'entries', 'proofs', 'consistency', 'cosignatures', 'me', 'health'),
    fc.constantFrom('regime', 'submissions', 'evidence', 'tile', 'checkpoint', 'docs', 'json', 'add-checkpoint'),
    fc.constantFrom('escrow', 'declarations', 'openings', 'draws', 'commit', 'reveal', 'blobs', 'state', 'findings'),
    fc.constantFrom('detente.example%2Fus', 'detente.example', '0', '1', '999999999999', '-1', '..', '%2e%2e', '%00'),
    fc.stringMatching(/^[A-Za-z0-9._~%-]{0,8}$/),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc
      .array(
        fc.tuple(
          fc.constantFrom('origin', 'from', 'to', 'size', 'party', 'type', 'offset', 'limit', 'x'),
          fc.oneof(fc.constantFrom('detente.example/us', '0', '1', '3', '-1', '1e9', 'abc', ''), fc.nat().map(String)),
        ),
        { maxLength: 4 },
      )
      .map((kv) => `?${kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
  );

  it('GET on random paths and queries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 6 }), query, async (segs, q) => {
        const path = `/${segs.join('/')}${q}`;
        const res = await raw(us.port, 'GET', path);
        expect(res.status, `${path} → ${res.status} ${res.body.toString().slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 500 },
    );
  });

  const json = fc.jsonValue({ maxDepth: 4 });
  const submission = fc.oneof(
    json.map((v) => JSON.stringify(v)),
    fc
      .record({
        nonce: fc.oneof(fc.string({ minLength: 0, maxLength: 20 }), fc.constant('n'.repeat(200))),
        type: fc.constantFrom('regime-signature', 'declaration', 'notification', 'acknowledgement', 'observation', 'x'),
        body: json,
        refs: fc.option(fc.array(json, { maxLength: 2 }), { nil: undefined }),
        issuedAt: fc.option(fc.constantFrom('2022-01-01T00:00:00Z', 'yesterday', ''), { nil: undefined }),
        party: fc.option(fc.constantFrom('us', 'ru', ''), { nil: undefined }),
      })
      .map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 100 }),
    // Shapes the escrow routes take: declarations of items, openings by items, site or region.
    fc
      .record({
        nonce: fc.string({ minLength: 8, maxLength: 20 }),
        asOf: fc.constantFrom('2022-03-01', '2022-13-01', ''),
        items: fc.array(
          fc.record({
            uid: fc.string({ maxLength: 12 }),
            category: fc.constantFrom('icbm', 'deployed-warheads', 'x'),
            site: fc.constantFrom('kozelsk', 'deveselu', 'atlantis'),
            status: fc.constantFrom('deployed', 'parked'),
          }),
          { maxLength: 3 },
        ),
        declaration: fc.option(fc.record({ origin: fc.constant('detente.example/us'), index: fc.integer() })),
        site: fc.option(fc.constantFrom('kozelsk', 'x')),
        region: fc.option(fc.constantFrom('ukraine', 'x')),
      })
      .map((v) => JSON.stringify(v)),
  );

  it('POST random submissions, authenticated or not, with any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        submission,
        fc.constantFrom(`Bearer ${token}`, 'Bearer nope', '', 'Basic abc'),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        fc.constantFrom(
          '/api/submissions',
          '/logs/ru/add-checkpoint',
          '/api/me',
          '/logs/us/add-checkpoint',
          '/api/blobs',
          '/api/escrow/declarations',
          '/api/escrow/openings',
          '/api/draws/aegis-ashore/commit',
          '/api/draws/aegis-ashore/reveal',
        ),
        async (body, auth, type, path) => {
          const headers: Record<string, string> = {};
          if (auth) headers.authorization = auth;
          if (type) headers['content-type'] = type;
          const res = await raw(us.port, 'POST', path, body, headers);
          expect(
            res.status,
            `${path} ${body.slice(0, 100)} → ${res.status} ${res.body.toString().slice(0, 300)}`,
          ).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
    expect((await raw(us.port, 'GET', '/api/health')).status).toBe(200);
  });

  it('the log stays whole: an offline audit over HTTP verifies every entry under the regime', async () => {
    const keys = tmp();
    const { writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(keys, 'keys.json'), readFileSync(join(us.dir, 'regime-keys.json')));
    const r = await detenteAsync([
      'audit',
      '--url',
      `${us.url}/logs/us`,
      '--vkey',
      us.node.log.vkey,
      '--regime',
      join(us.dir, 'regime.yaml'),
      '--keys',
      join(keys, 'keys.json'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VALID: detente.example\/us size \d+/);
    const bad = await detenteAsync(['audit', '--path', join(us.dir, 'nowhere'), '--vkey', us.node.log.vkey]);
    expect(bad.code).not.toBe(0);
  });
});
