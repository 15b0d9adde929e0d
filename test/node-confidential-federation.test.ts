/**
 * Three party nodes over HTTP on 127.0.0.1 with New START declarations bilateral (issue 14): the US and Russian
 * nodes compute the same state and findings byte for byte; NATO's node mirrors, checks and cosigns the sealed
 * entry but cannot read it, and nothing it stores or serves holds the declared items.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../src/crypto/bytes.js';
import {
  buildEnvelope,
  type EnvelopeFields,
  encodeEntry,
  sealEntry,
  sealingRandomness,
  signEntry,
  signingMessage,
} from '../src/model/index.js';
import { readSeed } from '../src/node/config.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { confidentialRegimeText, initConfidentialNodes } from './helpers/confidential.js';
import { addUser, nonce, type RunningNode, startParties, submit, suite, until } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
let nodes: Map<string, RunningNode>;
const tokens = new Map<string, string>();
// The item id, its warhead count, and its site (a site the public regime names, so looked for outside regime.yaml).
const SECRET = ['US-ICBM-7777', '"warheads":13', 'malmstrom'];

beforeAll(async () => {
  const dirs = await initConfidentialNodes(tmp(), confidentialRegimeText());
  for (const [party, dir] of dirs) tokens.set(party, addUser(dir, party, `${party}-user`, ['declarant', 'inspector']));
  nodes = await startParties(dirs);
}, 60_000);

afterAll(async () => {
  for (const n of nodes?.values() ?? []) await n.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('a bilateral declaration among three nodes', () => {
  it('the two parties of the audience agree byte for byte, and read the declaration', async () => {
    for (const [party, n] of nodes) {
      const body = { regime: n.node.regimeHash, id: n.node.regime.id, version: n.node.regime.version };
      const res = await submit(n.url, tokens.get(party)!, { nonce: nonce(), type: 'regime-signature', body });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
    }
    const res = await submit(nodes.get('us')!.url, tokens.get('us')!, {
      nonce: nonce(),
      type: 'declaration',
      body: {
        form: 'plain',
        asOf: new Date().toISOString().slice(0, 10),
        items: [
          {
            uid: 'US-ICBM-7777',
            category: 'icbm',
            site: 'malmstrom',
            status: 'deployed',
            attributes: { warheads: 13 },
          },
        ],
        quantities: [],
      },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const asOf = new Date(Date.now() + 86_400_000).toISOString();
    // Signed in: what the party reads (without a login, every node answers the public view).
    const get = async (party: string, path: string) =>
      (
        await fetch(`${nodes.get(party)!.url}${path}?asOf=${asOf}`, {
          headers: { authorization: `Bearer ${tokens.get(party)}` },
        })
      ).text();
    await until('every node holds the 5 entries of the us log', async () =>
      [...nodes.values()].every((n) => n.node.servedSize(n.node.logByParty('us')!) >= 3),
    );
    // Counted times come from cosignatures and receipts: compare once every node holds them for every log.
    await until(
      'cosignatures from both peers on every log, at every node',
      async () => {
        for (const n of nodes.values()) {
          for (const p of nodes.keys()) {
            const log = n.node.logByParty(p)!;
            if (n.node.cosignatures(log, n.node.servedSize(log)).length < 2) return false;
          }
        }
        return true;
      },
      40_000,
    );
    let us = '';
    let ru = '';
    await until(
      'us and ru agree',
      async () => {
        us = await get('us', '/api/state');
        ru = await get('ru', '/api/state');
        return us === ru && JSON.parse(us).entries.total === 5;
      },
      40_000,
    );
    expect(await get('ru', '/api/findings')).toBe(await get('us', '/api/findings'));
    const state = JSON.parse(us);
    expect(state.confidential).toEqual({ read: [{ audience: 'ru,us', entries: 1 }], hidden: [] });
    expect(us).toContain('malmstrom');
    const nato = JSON.parse(await get('nato', '/api/state'));
    expect(nato.confidential).toEqual({ read: [], hidden: [{ audience: 'ru,us', entries: 1 }] });
    expect(nato.entries.total).toBe(5);
    // Without a login, the US node answers the public view: NATO's.
    const stranger = await (await fetch(`${nodes.get('us')!.url}/api/state?asOf=${asOf}`)).text();
    expect(stranger).not.toContain('malmstrom');
    expect(JSON.parse(stranger).confidential).toEqual(nato.confidential);
  });

  it('a recipient files a complaint for a sealed entry that does not open; anyone then charges the author', async () => {
    const us = nodes.get('us')!;
    const issuedAt = new Date().toISOString();
    // A dishonest US node: a declaration sealed with the right key, one ciphertext byte changed, then signed.
    const { ref, key } = await us.node.submissions.audienceKeys.forSealing(['us', 'ru'], issuedAt);
    const plain = buildEnvelope({
      type: 'declaration',
      party: 'us',
      key: 'us-declarant',
      issuedAt,
      body: { form: 'plain', asOf: issuedAt.slice(0, 10), items: [], quantities: [] },
    } as EnvelopeFields);
    const { id, salt } = sealingRandomness(symmetricNode, key, signingMessage(plain));
    const sealed = sealEntry(symmetricNode, suite.sha256, plain, {
      audience: ['ru', 'us'],
      keys: ref,
      audienceKey: key,
      id,
      salt,
    });
    const bytes = fromBase64(sealed.body.ciphertext);
    bytes[0]! ^= 1;
    const tampered = { ...sealed, body: { ...sealed.body, ciphertext: toBase64(bytes) } };
    const leaf = encodeEntry(signEntry(suite, tampered, readSeed(us.dir, 'us-declarant')));
    const { first } = us.node.writer.append([leaf]);
    const ru = nodes.get('ru')!;
    await until('ru mirrors the tampered entry', async () => ru.node.servedSize(ru.node.logByParty('us')!) > first);
    // Russia's node reads it (its party view folds), finds it does not open, and records a complaint.
    const complaint = () => ru.node.allEntries().find((e) => e.party === 'ru' && e.envelope.type === 'complaint');
    await until(
      'ru files a complaint',
      async () => {
        await fetch(`${ru.url}/api/state`, { headers: { authorization: `Bearer ${tokens.get('ru')}` } });
        return complaint() !== undefined;
      },
      40_000,
    );
    const body = complaint()!.envelope.body as { entry: { origin: string; index: number }; contentKey: string };
    expect(body.entry).toMatchObject({ origin: us.node.logByParty('us')!.origin, index: first });
    // NATO cannot read the entry, but checks the revealed key offline and charges the US.
    const nato = nodes.get('nato')!;
    await until(
      'nato charges us',
      async () => {
        // Without a login: the public view.
        const res = await fetch(`${nato.url}/api/findings`);
        const findings = (
          (await res.json()) as {
            findings: { rule: string; party: string; refs: { origin: string; index: number }[] }[];
          }
        ).findings;
        return findings.some(
          (f) =>
            f.rule === 'confidential.undecryptable' &&
            f.party === 'us' &&
            f.refs.some((r) => r.origin === us.node.logByParty('us')!.origin && r.index === first),
        );
      },
      40_000,
    );
  });

  it("no file of NATO's node and no unauthenticated byte holds the declared items", async () => {
    const nato = nodes.get('nato')!;
    for (const file of filesUnder(nato.dir)) {
      const bytes = readFileSync(file).toString('latin1');
      const secrets = file.endsWith('regime.yaml') ? SECRET.slice(0, 2) : SECRET;
      for (const s of secrets) expect(bytes.includes(s), `${file} holds ${s}`).toBe(false);
    }
    // What a stranger may fetch from any node: state, findings, the logs' tiles and entries.
    for (const n of nodes.values()) {
      for (const path of ['/api/state', '/api/findings', '/logs']) {
        const text = await (await fetch(`${n.url}${path}`)).text();
        for (const s of SECRET) expect(text).not.toContain(s);
      }
    }
  });
});
