/**
 * GET /api/plaintexts/<origin>/<index> (issue 14): a sealed entry's plaintext for a user of its audience, and a typed
 * refusal with no byte of the body for everyone else. Real node directories, SQLite, HTTP on 127.0.0.1: the US node
 * seals a declaration to [us, ru]; NATO's node mirrors it and may not read it; a copy of the US node without its
 * recipient key cannot open it. What the node hands over is checked as the dashboard checks it (plainOfPlaintext).
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../src/crypto/bytes.js';
import { canonicalJsonBytes } from '../src/crypto/canonical-json.js';
import { DetenteError } from '../src/crypto/errors.js';
import { decodeEntry, type EnvelopeOf, parseRegime, plainOfPlaintext } from '../src/model/index.js';
import { importRegimeKeys, initNodeDir } from '../src/node/config.js';
import { createRecipientKeys } from '../src/node/recipient-keys.js';
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
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const issuedAt = new Date().toISOString();

const declarationBody = {
  form: 'plain',
  asOf: issuedAt.slice(0, 10),
  items: [
    { uid: 'US-ICBM-0042', category: 'icbm', site: 'malmstrom', status: 'deployed', attributes: { warheads: 1 } },
  ],
  quantities: [],
};

let us: RunningNode;
let nato: RunningNode;
let keyless: RunningNode;
const tokens: Record<string, string> = {};
/** The sealed declaration: its path under /api/plaintexts/, and its envelope as the log holds it. */
let path: string;
let sealed: EnvelopeOf<'sealed'>;
/** A public entry of the US log (its audience key). */
let publicPath: string;

const get = async (url: string, token?: string) => {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, headers: res.headers, text: await res.text() };
};

beforeAll(async () => {
  const text = confidentialRegimeText();
  const keys: Record<string, string> = {};
  const dirs = new Map<string, string>();
  for (const party of ['us', 'ru', 'nato']) {
    const dir = join(tmp(), party);
    Object.assign(keys, initNodeDir(dir, { party, regimeText: text }, suite).publicKeys);
    const draft = parseRegime(text, { allowMissingKeys: true });
    Object.assign(keys, await createRecipientKeys(dir, draft.parties.find((p) => p.id === party)!));
    dirs.set(party, dir);
  }
  Object.assign(keys, absentPartyKeys(text, ['us', 'ru', 'nato']));
  for (const dir of dirs.values()) importRegimeKeys(dir, keys);
  tokens.us = addUser(dirs.get('us')!, 'us', 'alice', ['declarant']);
  // A user of another party on the US node: it speaks for no one there.
  tokens.guest = addUser(dirs.get('us')!, 'nato', 'guest', ['declarant']);
  tokens.nato = addUser(dirs.get('nato')!, 'nato', 'nadia', ['declarant']);
  const [usPort, natoPort] = [await freePort(), await freePort()];
  us = await startNode(dirs.get('us')!, usPort, [{ party: 'nato', url: `http://127.0.0.1:${natoPort}` }]);
  nato = await startNode(dirs.get('nato')!, natoPort, [{ party: 'us', url: `http://127.0.0.1:${usPort}` }]);
  const res = await submit(us.url, tokens.us, { nonce: nonce(), type: 'declaration', issuedAt, body: declarationBody });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const origin = us.node.log.store.origin;
  sealed = decodeEntry(us.node.log.store.entry(res.json.index)!).envelope as EnvelopeOf<'sealed'>;
  expect(sealed.type).toBe('sealed');
  path = `/api/plaintexts/${encodeURIComponent(origin)}/${res.json.index}`;
  publicPath = `/api/plaintexts/${encodeURIComponent(origin)}/${res.json.index - 1}`;
  await until('nato mirrors the sealed entry', () => (nato.node.logByOrigin(origin)?.store.head()?.size ?? 0) > 1);
}, 60_000);

afterAll(async () => {
  await keyless?.close();
  await nato?.close();
  if (usOpen) await us?.close();
});

let usOpen = true;

describe('GET /api/plaintexts', () => {
  it('hands a user of the audience the salt and body, which match the commitment and are the declaration', async () => {
    const res = await get(`${us.url}${path}`, tokens.us);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const answer = JSON.parse(res.text) as { leafHash: string; salt: string; body: string };
    expect(fromBase64(answer.salt)).toHaveLength(32);
    const plain = plainOfPlaintext(suite.sha256, sealed, {
      salt: fromBase64(answer.salt),
      body: fromBase64(answer.body),
    });
    expect(plain.type).toBe('declaration');
    expect(canonicalJsonBytes(plain.body)).toEqual(canonicalJsonBytes(declarationBody));
    expect(fromBase64(answer.body)).toEqual(canonicalJsonBytes(declarationBody));
  });

  it('a plaintext with any byte of its salt or body changed does not match the commitment', async () => {
    const answer = JSON.parse((await get(`${us.url}${path}`, tokens.us)).text) as { salt: string; body: string };
    const salt = fromBase64(answer.salt);
    const body = fromBase64(answer.body);
    fc.assert(
      fc.property(fc.nat(salt.length + body.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const s = salt.slice();
        const b = body.slice();
        if (at < s.length) s[at]! ^= flip;
        else b[at - s.length]! ^= flip;
        try {
          plainOfPlaintext(suite.sha256, sealed, { salt: s, body: b });
          return false;
        } catch (err) {
          return err instanceof DetenteError && err.code === 'COMMITMENT_MISMATCH';
        }
      }),
    );
    // And the body of another entry under this one's salt.
    const other = canonicalJsonBytes({ ...declarationBody, items: [] });
    expect(() => plainOfPlaintext(suite.sha256, sealed, { salt, body: other })).toThrow(/committed to/);
  });

  it('refuses a stranger, a user of another party and a party outside the audience, with no byte of the body', async () => {
    const answer = JSON.parse((await get(`${us.url}${path}`, tokens.us)).text) as { salt: string; body: string };
    const refusals: [string, string | undefined, number, string][] = [
      [us.url, undefined, 401, 'UNAUTHENTICATED'],
      [us.url, 'not-a-token', 401, 'UNAUTHENTICATED'],
      [us.url, tokens.guest, 403, 'PARTY_DENIED'],
      [nato.url, tokens.nato, 403, 'AUDIENCE_DENIED'],
    ];
    for (const [base, token, status, code] of refusals) {
      const res = await get(`${base}${path}`, token);
      expect(res.status, `${code} ${res.text}`).toBe(status);
      expect(JSON.parse(res.text).error.code).toBe(code);
      for (const secret of [answer.body, answer.salt, 'US-ICBM-0042', 'malmstrom']) {
        expect(res.text).not.toContain(secret);
      }
    }
    expect(JSON.parse((await get(`${nato.url}${path}`, tokens.nato)).text).error.message).toMatch(
      /sealed to ru, us: "nato" is not in its audience/,
    );
  });

  it('the OpenAPI document describes the route, its login and its refusals', async () => {
    const doc = JSON.parse((await get(`${us.url}/docs/json`)).text);
    // A wildcard route (the origin has slashes): its path as the document spells it.
    const [, ops] = Object.entries(doc.paths as Record<string, { get?: Record<string, any> }>).find(([p]) =>
      p.startsWith('/api/plaintexts/'),
    )!;
    const route = ops.get!;
    expect(route.security).toEqual([{ bearer: [] }]);
    expect(route.summary).toContain('/api/plaintexts/<origin>/<index>');
    expect(Object.keys(route.responses)).toEqual(['200', '400', '401', '403', '404', '409', '422']);
    expect(Object.keys(route.responses['200'].content['application/json'].schema.properties)).toEqual([
      'origin',
      'index',
      'leafHash',
      'salt',
      'body',
    ]);
  });

  it('answers 404 for an entry in the clear or none, 400 for a bad path', async () => {
    const cases: [string, number, string, RegExp][] = [
      [publicPath, 404, 'NOT_FOUND', /is not sealed/],
      [path.replace(/\d+$/, '999'), 404, 'NOT_FOUND', /has no entry 999/],
      ['/api/plaintexts/nowhere/1', 404, 'NOT_FOUND', /holds no log/],
      ['/api/plaintexts/x', 400, 'MALFORMED_REQUEST', /expected \/api\/plaintexts/],
      [`${path}.tlog-proof`, 400, 'MALFORMED_REQUEST', /expected \/api\/plaintexts/],
    ];
    for (const [p, status, code, message] of cases) {
      const res = await get(`${us.url}${p}`, tokens.us);
      expect(res.status, `${p} ${res.text}`).toBe(status);
      expect(JSON.parse(res.text).error).toMatchObject({ code, message: expect.stringMatching(message) });
    }
  });

  it('answers 409 naming the audience key a node cannot open (its recipient key lost), and nothing of the body', async () => {
    // A copy of the US node, closed first so that its files are whole, without its recipient key.
    await us.close();
    usOpen = false;
    const lost = join(tmp(), 'us-keyless');
    cpSync(us.dir, lost, { recursive: true });
    rmSync(join(lost, 'keys', 'us-recipient.recipient'));
    keyless = await startNode(lost, await freePort(), []);
    const res = await get(`${keyless.url}${path}`, tokens.us);
    expect(res.status, res.text).toBe(409);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'KEY_UNKNOWN' });
    expect(JSON.parse(res.text).error.message).toContain(`${sealed.body.keys.origin}#${sealed.body.keys.index}`);
    expect(res.text).not.toContain(toBase64(canonicalJsonBytes(declarationBody)));
  });
});
