/**
 * A node seals confidential submissions (issue 14): real node directories, SQLite, HTTP on 127.0.0.1. The author is
 * always a recipient; bad input is a 4xx naming the field and stores nothing; a missing recipient key is named once.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadModel } from '../src/api/read-model.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { decodeEntry, type EnvelopeOf, openSealed, parseRegime, sealedContentKey } from '../src/model/index.js';
import { importRegimeKeys, initNodeDir } from '../src/node/config.js';
import { PartyNode } from '../src/node/node.js';
import { createRecipientKeys } from '../src/node/recipient-keys.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { confidentialRegimeText } from './helpers/confidential.js';
import {
  absentPartyKeys,
  addUser,
  freePort,
  nonce,
  type RunningNode,
  startNode,
  submit,
  suite,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const issuedAt = new Date().toISOString();

const item = (i: number) => ({
  uid: `US-ICBM-${String(i).padStart(4, '0')}`,
  category: 'icbm',
  site: 'malmstrom',
  status: 'deployed',
  attributes: { warheads: 1 },
});
const declaration = (items = [item(1)], extra: object = {}) => ({
  nonce: nonce(),
  type: 'declaration',
  issuedAt,
  body: { form: 'plain', asOf: issuedAt.slice(0, 10), items, quantities: [] },
  ...extra,
});

let us: RunningNode;
let token: string;
const warnings: string[] = [];

beforeAll(async () => {
  const text = confidentialRegimeText();
  const keys: Record<string, string> = {};
  const dirs = new Map<string, string>();
  const root = tmp();
  for (const party of ['us', 'ru', 'nato']) {
    const dir = join(root, party);
    Object.assign(keys, initNodeDir(dir, { party, regimeText: text }, suite).publicKeys);
    const draft = parseRegime(text, { allowMissingKeys: true });
    Object.assign(keys, await createRecipientKeys(dir, draft.parties.find((p) => p.id === party)!));
    dirs.set(party, dir);
  }
  Object.assign(keys, absentPartyKeys(text, ['us', 'ru', 'nato']));
  for (const dir of dirs.values()) importRegimeKeys(dir, keys);
  token = addUser(dirs.get('us')!, 'us', 'alice', ['declarant', 'inspector']);
  // The us node has lost its recipient key: it still runs, seals, and says which key it lacks, once.
  const lost = join(root, 'us-lost');
  const { cpSync } = await import('node:fs');
  cpSync(dirs.get('us')!, lost, { recursive: true });
  rmSync(join(lost, 'keys', 'us-recipient.recipient'));
  const port = await freePort();
  us = await startNode(dirs.get('us')!, port, []);
  lostNode = PartyNode.open(lost, { peers: [], logger: (level, m) => warnings.push(`${level} ${m}`) });
});

let lostNode: PartyNode;

afterAll(async () => {
  await us?.close();
  await lostNode?.close();
});

function leaves(node: RunningNode) {
  const size = node.node.log.store.head()?.size ?? 0;
  return [...node.node.log.store.entries(0, size)].map((leaf) => ({ leaf, ...decodeEntry(leaf) }));
}

describe('a confidential submission', () => {
  it('is sealed to its audience, its audience key published first; the plaintext is nowhere in the log', async () => {
    const res = await submit(us.url, token, declaration([item(1), item(2)]));
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const entries = leaves(us);
    const keysEntry = entries.find((e) => e.envelope.type === 'audience-key')!;
    const sealed = entries.find((e) => e.envelope.type === 'sealed')!;
    expect(keysEntry.envelope.body).toMatchObject({ audience: ['ru', 'us'], period: issuedAt.slice(0, 4) });
    expect(sealed.envelope.body).toMatchObject({ type: 'declaration', audience: ['ru', 'us'] });
    const text = new TextDecoder().decode(readFileSync(join(us.dir, 'log', readdirSync(join(us.dir, 'log'))[0]!)));
    for (const { leaf } of entries) {
      const s = new TextDecoder().decode(leaf);
      expect(s).not.toContain('US-ICBM-0001');
      expect(s).not.toContain('malmstrom');
    }
    expect(text).not.toContain('US-ICBM-0001');
    // The author reads its own entry with its own recipient key.
    const envelope = sealed.envelope as EnvelopeOf<'sealed'>;
    const key = await us.node.submissions.audienceKeys.read(
      { origin: us.node.log.store.origin, index: entries.indexOf(keysEntry), leafHash: '' },
      keysEntry.envelope as EnvelopeOf<'audience-key'>,
    );
    const plain = openSealed(symmetricNode, suite.sha256, envelope, sealedContentKey(symmetricNode, envelope, key!));
    expect(canonicalJsonBytes(plain.body)).toEqual(canonicalJsonBytes(declaration([item(1), item(2)]).body));
  });

  it('is folded by a read model opening ahead on worker threads to the same bytes as one opening in the engine', async () => {
    for (let i = 20; i < 26; i++) expect((await submit(us.url, token, declaration([item(i)]))).status).toBe(201);
    const asOf = us.node.now();
    const inEngine = new ReadModel(us.node, 'party', { openAheadFrom: Number.POSITIVE_INFINITY });
    const ahead = new ReadModel(us.node, 'party', { openAheadFrom: 1 });
    const want = await inEngine.answer(asOf);
    expect(want.state.toString()).toContain('"read":[{"audience":"ru,us"');
    const got = await ahead.answer(asOf);
    expect(got.state.toString()).toBe(want.state.toString());
    expect(got.findings.toString()).toBe(want.findings.toString());
    // The fold recorded, in the node's store, each sealed body it checked; a new read model (a restart) trusts that
    // record, only decrypting those, and reads the same bytes.
    const sealedIndices = leaves(us).flatMap((e, i) => (e.envelope.type === 'sealed' ? [i] : []));
    expect(sealedIndices.length).toBeGreaterThan(5);
    expect(us.node.log.store.checkedSealedBodies()).toEqual(sealedIndices);
    const restarted = new ReadModel(us.node, 'party', { openAheadFrom: 1 });
    expect((await restarted.answer(asOf)).state.toString()).toBe(want.state.toString());
    // A later fold opens only what is new (the rest is kept), on the workers again, to the same bytes.
    expect((await submit(us.url, token, declaration([item(30)]))).status).toBe(201);
    const later = us.node.now();
    expect((await ahead.answer(later)).state.toString()).toBe((await inEngine.answer(later)).state.toString());
  });

  it('reuses the audience key for the period, and the private key file is 0600', async () => {
    const before = leaves(us).length;
    expect((await submit(us.url, token, declaration([item(3)]))).status).toBe(201);
    expect(leaves(us).length).toBe(before + 1);
    expect(statSync(join(us.dir, 'keys', 'us-recipient.recipient')).mode & 0o777).toBe(0o600);
  });

  it('takes a batch sealed to a new audience: one audience key published, every entry sealed to it', async () => {
    const before = leaves(us).length;
    const items = Array.from({ length: 6 }, (_, i) => declaration([item(40 + i)], { audience: ['us'] }));
    const res = await fetch(`${us.url}/api/submissions/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ submissions: items }),
    });
    const { results } = (await res.json()) as { results: { status: number }[] };
    expect(res.status).toBe(200);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    const added = leaves(us).slice(before);
    const keys = added.filter((e) => e.envelope.type === 'audience-key');
    expect(keys.map((e) => (e.envelope.body as { audience: string[] }).audience)).toEqual([['us']]);
    const sealed = added.filter((e) => e.envelope.type === 'sealed');
    expect(sealed).toHaveLength(6);
    const keyIndex = before + added.indexOf(keys[0]!);
    for (const e of sealed) expect((e.envelope.body as { keys: { index: number } }).keys.index).toBe(keyIndex);
  });

  it('refuses bad input with a 4xx naming the field, and stores nothing', async () => {
    const size = leaves(us).length;
    const refused = async (body: unknown, status: number, path: string, message: RegExp) => {
      const res = await submit(us.url, token, body);
      expect(res.status, JSON.stringify(res.json)).toBe(status);
      expect(res.json.error.path).toBe(path);
      expect(res.json.error.message).toMatch(message);
    };
    await refused(declaration([item(4)], { audience: ['us', 'nato'] }), 400, '$.audience', /widens/);
    await refused(declaration([item(4)], { audience: ['ru'] }), 400, '$.audience', /leaves out the author/);
    await refused(declaration([item(4)], { audience: ['us', 'mars'] }), 400, '$.audience', /unknown party "mars"/);
    await refused(
      {
        nonce: nonce(),
        type: 'commitment-accepted',
        issuedAt,
        body: { commitment: 'us-aegis-ashore-transparency', statement: { en: 'We accept', ru: 'Принимаем' } },
        audience: ['us'],
      },
      400,
      '$.audience',
      /always public/,
    );
    // Observations go to all three parties, but nato has no recipient key.
    await refused(
      {
        nonce: nonce(),
        type: 'observation',
        issuedAt,
        body: {
          subject: 'ru',
          observedAt: issuedAt,
          place: { zone: 'ru-ukraine-border-band' },
          quantities: [{ category: 'troops', quantity: 1000 }],
          method: 'overhead-imagery',
          evidence: [],
        },
      },
      422,
      '$.audience',
      /"nato" has no recipient key/,
    );
    // Fits a leaf in the clear, not sealed (base64 adds a third).
    const many = Array.from({ length: 480 }, (_, i) => item(100 + i));
    await refused(declaration(many), 413, '$.body', /at most 65535/);
    await refused({ nonce: nonce(), type: 'sealed', issuedAt, body: {} }, 400, '$.type', /makes "sealed" entries/);
    expect(leaves(us).length).toBe(size);
  });

  it('refuses a replayed nonce and an unknown reference in one step as in the clear, and stores nothing', async () => {
    // The audience key is at hand, so each of these is checked, sealed and signed in one worker job.
    const first = declaration([item(40)]);
    const accepted = await submit(us.url, token, first);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(201);
    const size = leaves(us).length;
    const replayed = await submit(us.url, token, { ...first, body: { ...first.body, items: [item(41)] } });
    expect(replayed.status).toBe(409);
    expect(replayed.json.error).toMatchObject({ code: 'REPLAYED', path: '$.nonce' });
    const { origin, index, leafHash } = accepted.json;
    const unknown = await submit(
      us.url,
      token,
      declaration([item(42)], { refs: [{ origin, index: size + 7, leafHash }] }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.code).toBe('REFERENCE_UNKNOWN');
    expect(leaves(us).length).toBe(size);
    // A reference to an entry that exists, twice (the second time from what the node remembers), and the unknown one
    // still refused after it.
    for (const i of [43, 44]) {
      const res = await submit(us.url, token, declaration([item(i)], { refs: [{ origin, index, leafHash }] }));
      expect(res.status, JSON.stringify(res.json)).toBe(201);
    }
    const again = await submit(
      us.url,
      token,
      declaration([item(45)], { refs: [{ origin, index, leafHash: '00'.repeat(32) }] }),
    );
    expect(again.json.error.code).toBe('REFERENCE_UNKNOWN');
    expect(leaves(us).length).toBe(size + 2);
  });

  it('a node without its recipient key says which key, once, and keeps running', async () => {
    expect(warnings).toEqual([
      'warn recipient key "us-recipient" is not on this node: entries sealed for it cannot be read here',
    ]);
    const user = { name: 'alice', party: 'us', roles: ['declarant' as const] };
    // It still seals (the audience key it makes is in memory)...
    const receipt = await lostNode.submissions.submit(user, declaration([item(9)]) as never);
    expect(receipt.index).toBeGreaterThan(0);
    // ...but cannot open a copy wrapped for the key it lacks (here: that entry, as read back after a restart),
    // and says so once however often it tries.
    const leaf = lostNode.log.store.entry(receipt.index - 1)!;
    const entry = decodeEntry(leaf).envelope as EnvelopeOf<'audience-key'>;
    expect(entry.type).toBe('audience-key');
    for (const attempt of [1, 2]) {
      const ref = { origin: 'restarted', index: attempt, leafHash: `after-restart-${attempt}` };
      expect(await lostNode.submissions.audienceKeys.read(ref, entry)).toBeUndefined();
    }
    expect(
      warnings.filter((w) => w.includes('cannot read entries sealed for recipient key "us-recipient"')),
    ).toHaveLength(1);
  });
});
