/**
 * The node's escrow API over real HTTP on loopback, with real node directories and SQLite files: commit, list,
 * open by site, fetch the opening and verify it (in process and with the `detente verify-opening` command), each
 * refusal (a 4xx with a clear code that stores nothing), and a joint draw between two running nodes.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../src/crypto/bytes.js';
import { checkOpeningFile } from '../src/node/opening-file.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { parsePolicy } from '../src/tlog/policy.js';
import { parseTlogProof, verifyTlogProof } from '../src/tlog/proof-file.js';
import { detenteAsync } from './helpers/cli.js';
import {
  addUser,
  freePort,
  initNodes,
  nonce,
  type RunningNode,
  regimeSignature,
  scenarioRegimeText,
  startNode,
  submit,
  suite,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-api-escrow-');

const ITEMS = [
  { uid: 'RS-24-0001', category: 'icbm', site: 'kozelsk', status: 'deployed', attributes: { warheads: 4 } },
  { uid: 'RS-24-0002', category: 'icbm', site: 'kozelsk', status: 'deployed', attributes: { warheads: 4 } },
  { uid: 'RS-24-0003', category: 'icbm', site: 'kozelsk', status: 'non-deployed' },
  { uid: 'RSM-56-01', category: 'slbm', site: 'gadzhiyevo', status: 'deployed', attributes: { warheads: 6 } },
];

async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

describe('the escrow API of a party node', () => {
  let ru: RunningNode;
  let dir: string;
  const tokens: Record<string, string> = {};
  const size = () => ru.node.log.store.head()?.size ?? 0;
  const secrets = () => (existsSync(join(dir, 'escrow')) ? readdirSync(join(dir, 'escrow')).sort() : []);
  let declaration: { origin: string; index: number };

  beforeAll(async () => {
    dir = initNodes(tmp, ['us', 'ru']).get('ru')!;
    tokens.declarant = addUser(dir, 'ru', 'ru-declarant', ['declarant']);
    tokens.inspector = addUser(dir, 'ru', 'ru-inspector', ['inspector']);
    tokens.foreign = addUser(dir, 'us', 'us-declarant', ['declarant']);
    ru = await startNode(dir, await freePort(), []);
    expect((await submit(ru.url, tokens.declarant!, regimeSignature(ru.node))).status).toBe(201);
  });

  afterAll(async () => {
    await ru?.close();
  });

  it('declare: 201 with the receipt, root, leaves and totals; the secrets kept 0600', async () => {
    const { status, json } = await call(ru.url, 'POST', '/api/escrow/declarations', tokens.declarant, {
      nonce: nonce(),
      asOf: '2022-03-01',
      items: ITEMS,
    });
    expect(status, JSON.stringify(json)).toBe(201);
    expect(json.root).toMatch(/^[0-9a-f]{64}$/);
    expect(json.leaves).toBe(64);
    expect(json.totals).toMatchObject({
      'icbm:deployed': 2,
      'icbm:non-deployed': 1,
      'icbm:deployed/warheads': 8,
      'slbm:deployed': 1,
    });
    expect(json.receipt.origin).toBe(ru.node.party.origin);
    expect(json.receipt.index).toBe(1);
    declaration = { origin: json.receipt.origin, index: json.receipt.index };
    const path = join(dir, 'escrow', '2022-03-01.secrets.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(secrets()).toEqual(['2022-03-01.secrets.json']);
    // The entry is the escrowed declaration: the commitment only.
    const entry = ru.node.allEntries().find((e) => e.index === 1)!;
    expect(entry.envelope.type).toBe('declaration');
    expect((entry.envelope.body as { form: string; root: string }).root).toBe(json.root);
  });

  it('list: the party’s own declarations with their private items, none opened yet', async () => {
    const { status, json } = await call(ru.url, 'GET', '/api/escrow/declarations', tokens.declarant);
    expect(status).toBe(200);
    expect(json.declarations).toHaveLength(1);
    const d = json.declarations[0];
    expect(d.asOf).toBe('2022-03-01');
    expect(d.ref).toEqual(declaration);
    expect(d.leaves).toBe(64);
    expect(d.items.map((i: any) => i.uid).sort()).toEqual(ITEMS.map((i) => i.uid).sort());
    expect(d.items.every((i: any) => i.opened === false)).toBe(true);
    expect(d.items.find((i: any) => i.uid === 'RSM-56-01').attributes).toEqual({ warheads: 6 });
  });

  const refusal = (
    name: string,
    request: () => { method: 'GET' | 'POST'; path: string; token?: string; body?: unknown },
    status: number,
    code: string,
    path?: string,
  ) => {
    it(`refuses ${name}: ${status} ${code}, nothing stored`, async () => {
      const before = size();
      const files = secrets();
      const r = request();
      const { status: got, json } = await call(ru.url, r.method, r.path, r.token, r.body);
      expect(got, JSON.stringify(json)).toBe(status);
      expect(json.error.code).toBe(code);
      if (path !== undefined) expect(json.error.path).toBe(path);
      expect(size()).toBe(before);
      expect(secrets()).toEqual(files);
    });
  };

  const declare = (asOf: string, items: unknown[] = ITEMS, token = tokens.declarant) => ({
    method: 'POST' as const,
    path: '/api/escrow/declarations',
    token,
    body: { nonce: nonce(), asOf, items },
  });

  refusal(
    'a second commitment for the same period',
    () => declare('2022-03-01'),
    409,
    'COMMITMENT_DUPLICATE',
    '$.asOf',
  );
  refusal(
    'an item of a category the regime lacks',
    () => declare('2022-04-01', [...ITEMS.slice(0, 3), { ...ITEMS[3]!, category: 'frigate' }]),
    400,
    'SCHEMA_INVALID',
    '$.items[3].category',
  );
  refusal(
    'an item at a site the regime lacks',
    () => declare('2022-04-01', [ITEMS[0], { ...ITEMS[1]!, site: 'atlantis' }]),
    400,
    'SCHEMA_INVALID',
    '$.items[1].site',
  );
  refusal(
    'an item with a status the model lacks',
    () => declare('2022-04-01', [ITEMS[0], ITEMS[1], { ...ITEMS[2]!, status: 'lost' }]),
    400,
    'SCHEMA_INVALID',
    '$.items[2].status',
  );
  refusal(
    'an item listed twice',
    () => declare('2022-04-01', [ITEMS[0], ITEMS[0]]),
    400,
    'SCHEMA_INVALID',
    '$.items[1].uid',
  );
  refusal('a bad period', () => declare('2022-13-01'), 400, 'SCHEMA_INVALID', '$.asOf');
  refusal('an inspector (role)', () => declare('2022-04-01', ITEMS, tokens.inspector), 403, 'ROLE_DENIED');
  refusal('a member of another party', () => declare('2022-04-01', ITEMS, tokens.foreign), 403, 'PARTY_DENIED');
  refusal('no token', () => ({ ...declare('2022-04-01'), token: undefined }), 401, 'UNAUTHENTICATED');
  refusal(
    'a list for an inspector',
    () => ({ method: 'GET', path: '/api/escrow/declarations', token: tokens.inspector }),
    403,
    'ROLE_DENIED',
  );
  refusal(
    'an opening of items and a site at once',
    () => ({
      method: 'POST',
      path: '/api/escrow/openings',
      token: tokens.declarant,
      body: { nonce: nonce(), declaration, items: ['RS-24-0001'], site: 'kozelsk' },
    }),
    400,
    'SCHEMA_INVALID',
  );
  refusal(
    'an opening of nothing',
    () => ({
      method: 'POST',
      path: '/api/escrow/openings',
      token: tokens.declarant,
      body: { nonce: nonce(), declaration },
    }),
    400,
    'SCHEMA_INVALID',
  );
  refusal(
    'an opening of an item not declared',
    () => ({
      method: 'POST',
      path: '/api/escrow/openings',
      token: tokens.declarant,
      body: { nonce: nonce(), declaration, items: ['RS-24-9999'] },
    }),
    400,
    'BAD_INPUT',
  );
  refusal(
    'an opening of an entry that is not an escrowed declaration',
    () => ({
      method: 'POST',
      path: '/api/escrow/openings',
      token: tokens.declarant,
      body: { nonce: nonce(), declaration: { ...declaration, index: 0 }, site: 'kozelsk' },
    }),
    404,
    'NOT_FOUND',
  );
  refusal(
    'an opening by an inspector',
    () => ({
      method: 'POST',
      path: '/api/escrow/openings',
      token: tokens.inspector,
      body: { nonce: nonce(), declaration, site: 'kozelsk' },
    }),
    403,
    'ROLE_DENIED',
  );

  it('open by site, list, GET the opening: it verifies, in process and with detente verify-opening', async () => {
    const { status, json } = await call(ru.url, 'POST', '/api/escrow/openings', tokens.declarant, {
      nonce: nonce(),
      declaration,
      site: 'kozelsk',
    });
    expect(status, JSON.stringify(json)).toBe(201);
    expect(json.opening.format).toBe('detente-opening/1');
    const posted = checkOpeningFile(json.opening, suite);
    expect(posted.leaves.map((l) => l.id).sort()).toEqual(['RS-24-0001', 'RS-24-0002', 'RS-24-0003']);
    const entry = ru.node.allEntries().find((e) => e.index === json.receipt.index)!;
    expect(entry.envelope.type).toBe('declaration-opening');
    expect((entry.envelope.body as { region?: string }).region).toBe('kozelsk');

    const list = await call(ru.url, 'GET', '/api/escrow/declarations', tokens.declarant);
    const opened = list.json.declarations[0].items.filter((i: any) => i.opened).map((i: any) => i.uid);
    expect(opened.sort()).toEqual(['RS-24-0001', 'RS-24-0002', 'RS-24-0003']);

    // Public: no token.
    const origin = encodeURIComponent(json.receipt.origin);
    const got = await call(ru.url, 'GET', `/api/escrow/openings/${origin}/${json.receipt.index}`);
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    expect(got.json.opening).toEqual(json.opening.opening);
    const check = checkOpeningFile(got.json, suite);
    expect(check.entry).toBe(`${declaration.origin}#${declaration.index}`);
    const file = join(tmp(), 'opening.json');
    writeFileSync(file, JSON.stringify(got.json));
    const cli = await detenteAsync(['verify-opening', file]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('OK: 3 leaves');
    // The opening carries its declaration's inclusion as a C2SP tlog-proof, and verify-opening enforces a policy:
    // this lone node's checkpoints have no witness, so the regime's policy (every other party) is not met.
    const policyText = await (await fetch(`${ru.url}/logs/ru/policy`)).text();
    const policyFile = join(tmp(), 'ru.policy');
    writeFileSync(policyFile, policyText);
    const proof = parseTlogProof(got.json.tlogProof);
    expect(proof.index).toBe(declaration.index);
    const lenient = parsePolicy(`${policyText.split('\n').find((l) => l.startsWith('log '))}\nquorum none\n`, suite);
    verifyTlogProof(proof, fromBase64(got.json.declaration.entry), lenient, new Rfc6962Hasher(suite.sha256));
    const unmet = await detenteAsync(['verify-opening', file, '--policy', policyFile]);
    expect(unmet.code).toBe(1);
    expect(unmet.stderr).toMatch(
      /^detente: policy: checkpoint .* quorum "Witnesses" not met \(cosigned by none\) \[POLICY_UNSATISFIED\]\n$/,
    );
    const noneFile = join(tmp(), 'none.policy');
    writeFileSync(noneFile, `${policyText.split('\n').find((l) => l.startsWith('log '))}\nquorum none\n`);
    const met = await detenteAsync(['verify-opening', file, '--policy', noneFile]);
    expect(met.stderr).toBe('');
    expect(met.stdout).toContain('policy quorum none met');
    // Written as is, unencoded, the origin works too.
    const raw = await call(ru.url, 'GET', `/api/escrow/openings/${json.receipt.origin}/${json.receipt.index}`);
    expect(raw.status).toBe(200);
  });

  it('the OpenAPI document describes every escrow route', async () => {
    const doc = (await call(ru.url, 'GET', '/docs/json')).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/escrow/declarations',
        '/api/escrow/openings',
        '/api/draws/{draw}/commit',
        '/api/draws/{draw}/reveal',
      ]),
    );
    expect(doc.paths['/api/escrow/declarations'].post.security).toEqual([{ bearer: [] }]);
    // The opening document (a wildcard route, /api/escrow/openings/<origin>/<index>) is public.
    const get = Object.entries(doc.paths as Record<string, { get?: { security?: unknown } }>).find(
      ([path, ops]) => path.startsWith('/api/escrow/openings') && ops.get,
    );
    expect(get).toBeDefined();
    expect(get![1].get!.security).toBeUndefined();
  });

  it('GET of an opening that does not exist: 404', async () => {
    const origin = encodeURIComponent(ru.node.party.origin);
    expect((await call(ru.url, 'GET', `/api/escrow/openings/${origin}/0`)).json.error.code).toBe('NOT_FOUND');
    expect((await call(ru.url, 'GET', `/api/escrow/openings/${origin}/999`)).status).toBe(404);
    expect((await call(ru.url, 'GET', '/api/escrow/openings/no.such/log/1')).status).toBe(404);
    expect((await call(ru.url, 'GET', `/api/escrow/openings/${origin}/01`)).status).toBe(400);
  });
});

describe('a joint draw between two running nodes', () => {
  const nodes: Record<string, RunningNode> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const dirs = initNodes(tmp, ['us', 'ru']);
    const ports = { us: await freePort(), ru: await freePort() };
    for (const p of ['us', 'ru'] as const) {
      tokens[p] = addUser(dirs.get(p)!, p, `${p}-declarant`, ['declarant']);
      const other = p === 'us' ? 'ru' : 'us';
      nodes[p] = await startNode(dirs.get(p)!, ports[p], [{ party: other, url: `http://127.0.0.1:${ports[other]}` }]);
    }
  });

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n.close();
  });

  it('commit, a reveal refused until the other has committed, then both reveal: the draw is joint', async () => {
    const draw = '/api/draws/aegis-test-1';
    const body = () => ({ nonce: nonce(), inspection: 'aegis-ashore-transparency' });
    const us = await call(nodes.us!.url, 'POST', `${draw}/commit`, tokens.us, body());
    expect(us.status, JSON.stringify(us.json)).toBe(201);
    expect(us.json.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(nodes.us!.dir, 'escrow', 'draws', 'aegis-test-1.json')).mode & 0o777).toBe(0o600);
    const again = await call(nodes.us!.url, 'POST', `${draw}/commit`, tokens.us, body());
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('COMMITMENT_DUPLICATE');
    const early = await call(nodes.us!.url, 'POST', `${draw}/reveal`, tokens.us, { nonce: nonce() });
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe('DRAW_PENDING');
    const notCommitted = await call(nodes.ru!.url, 'POST', `${draw}/reveal`, tokens.ru, { nonce: nonce() });
    expect(notCommitted.status).toBe(404);

    const ru = await call(nodes.ru!.url, 'POST', `${draw}/commit`, tokens.ru, body());
    expect(ru.status, JSON.stringify(ru.json)).toBe(201);
    for (const [p, other] of [
      ['us', 'ru'],
      ['ru', 'us'],
    ] as const) {
      await until(`${p} mirrors ${other}'s commitment`, () => {
        const n = nodes[p]!.node;
        return n.servedSize(n.logByParty(other)!) >= 1;
      });
      const r = await call(nodes[p]!.url, 'POST', `${draw}/reveal`, tokens[p], { nonce: nonce() });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    const twice = await call(nodes.us!.url, 'POST', `${draw}/reveal`, tokens.us, { nonce: nonce() });
    expect(twice.json.error.code).toBe('REVEALED');
    let state: any;
    await until('both nodes see the joint draw', async () => {
      const states = await Promise.all(
        Object.values(nodes).map(async (n) => (await call(n.url, 'GET', '/api/state')).json),
      );
      state = states[0].escrow.draws.find((d: any) => d.draw === 'aegis-test-1');
      return states.every((s) => s.escrow.draws.find((d: any) => d.draw === 'aegis-test-1')?.status === 'joint');
    });
    expect(state.selected).toHaveLength(1);
    expect(['deveselu', 'redzikowo']).toContain(state.selected[0]);
  });

  it('detente select --dir NODE: commits, waits for the other party, reveals; --url prints the joint draw', async () => {
    const run = async (p: 'us' | 'ru', extra: string[] = []) => {
      const r = await detenteAsync([
        'select',
        '--dir',
        nodes[p]!.dir,
        '--round',
        'aegis-cli-1',
        '--inspection',
        'aegis-ashore-transparency',
        '--json',
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const mirrored = (p: 'us' | 'ru', other: 'us' | 'ru') => {
      const n = nodes[p]!.node;
      const size = nodes[other]!.node.log.store.head()?.size ?? 0;
      return () => n.servedSize(n.logByParty(other)!) >= size;
    };
    const first = await run('us');
    expect(first.did).toEqual([expect.stringMatching(/^committed /)]);
    expect(first.waitingFor).toEqual(['ru']);
    expect(existsSync(join(nodes.us!.dir, 'escrow', 'draws', 'aegis-cli-1.json'))).toBe(true);
    await until('ru mirrors us', mirrored('ru', 'us'));
    const second = await run('ru');
    expect(second.did).toEqual([expect.stringMatching(/^committed /), expect.stringMatching(/^revealed /)]);
    await until('us mirrors ru', mirrored('us', 'ru'));
    const third = await run('us');
    expect(third.did).toEqual([expect.stringMatching(/^revealed /)]);
    await until('ru mirrors us again', mirrored('ru', 'us'));
    const last = await run('ru', ['--url', nodes.ru!.url]);
    expect(last.did).toEqual([]);
    expect(last.revealed).toEqual(['ru', 'us']);
    expect(last.state.status).toBe('joint');
    expect(last.state.selected).toHaveLength(1);
  });
});

/** The scenario's regime with one more zone, an area around Kozelsk and Engels (its sites lie in no zone). */
const ZONED = scenarioRegimeText().replace(
  /^zones:\n/m,
  `zones:
  - id: central-russia
    name: { en: Central Russia (a test area), ru: Центральная Россия (тестовая область) }
    kind: area
    geometry: { type: Polygon, coordinates: [[[30, 50], [50, 50], [50, 58], [30, 58], [30, 50]]] }
`,
);

describe('opening a region (a zone of the regime)', () => {
  let ru: RunningNode;
  let token: string;
  let declaration: { origin: string; index: number };
  const items = [...ITEMS, { uid: 'TU-160-01', category: 'heavy-bomber', site: 'engels', status: 'deployed' }];

  beforeAll(async () => {
    const dir = initNodes(tmp, ['us', 'ru'], ZONED).get('ru')!;
    token = addUser(dir, 'ru', 'ru-declarant', ['declarant']);
    ru = await startNode(dir, await freePort(), []);
    const r = await call(ru.url, 'POST', '/api/escrow/declarations', token, {
      nonce: nonce(),
      asOf: '2022-03-01',
      items,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    declaration = { origin: r.json.receipt.origin, index: r.json.receipt.index };
  });

  afterAll(async () => {
    await ru?.close();
  });

  const open = (body: Record<string, unknown>) =>
    call(ru.url, 'POST', '/api/escrow/openings', token, { nonce: nonce(), declaration, ...body });

  it('the API opens every item at the sites in the zone, and names the zone as opened in full', async () => {
    const { status, json } = await open({ region: 'central-russia' });
    expect(status, JSON.stringify(json)).toBe(201);
    const check = checkOpeningFile(json.opening, suite);
    expect(check.leaves.map((l) => l.id).sort()).toEqual(['RS-24-0001', 'RS-24-0002', 'RS-24-0003', 'TU-160-01']);
    const entry = ru.node.allEntries().find((e) => e.index === json.receipt.index)!;
    expect((entry.envelope.body as { region?: string }).region).toBe('central-russia');
  });

  it('detente open --region does the same from the node directory', async () => {
    const out = join(tmp(), 'region.json');
    const r = await detenteAsync(['open', '--dir', ru.dir, '--region', 'central-russia', '--out', out, '--no-record']);
    expect(r.code, r.stderr).toBe(0);
    const v = await detenteAsync(['verify-opening', out, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(
      JSON.parse(v.stdout)
        .leaves.map((l: { id: string }) => l.id)
        .sort(),
    ).toEqual(['RS-24-0001', 'RS-24-0002', 'RS-24-0003', 'TU-160-01']);
    const both = await detenteAsync([
      'open',
      '--dir',
      ru.dir,
      '--region',
      'ukraine',
      '--site',
      'kozelsk',
      '--out',
      out,
    ]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('exactly one of --items, --site, --region');
  });

  it('a zone that holds no declared item is opened with one padding leaf: "nothing here" on record', async () => {
    const { status, json } = await open({ region: 'ukraine' });
    expect(status, JSON.stringify(json)).toBe(201);
    const check = checkOpeningFile(json.opening, suite);
    expect(check.leaves).toHaveLength(1);
    expect(check.leaves[0]!.id).toBeNull();
  });

  it('an unknown region is a 400 that stores nothing', async () => {
    const before = ru.node.log.store.head()!.size;
    const { status, json } = await open({ region: 'moon' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('BAD_INPUT');
    expect(json.error.message).toContain('neither a zone nor a site');
    expect(ru.node.log.store.head()!.size).toBe(before);
  });
});
