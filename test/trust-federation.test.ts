/**
 * Cosigned checkpoints, policies and tlog-proof files on a real federation of three nodes (real SQLite, HTTP on
 * 127.0.0.1), and the same files through the built `detente` command.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../src/crypto/bytes.js';
import { parseNote } from '../src/crypto/note.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { evaluateCheckpoint, parsePolicy, verifyCheckpointPolicy } from '../src/tlog/policy.js';
import { parseTlogProof, verifyTlogProof } from '../src/tlog/proof-file.js';
import { detente, detenteAsync } from './helpers/cli.js';
import {
  addUser,
  initNodes,
  type RunningNode,
  regimeSignature,
  startParties,
  submit,
  suite,
  until,
} from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const hasher = new Rfc6962Hasher(suite.sha256);

describe('a federation serves cosigned checkpoints, policies and tlog-proof files', () => {
  const nodes = new Map<string, RunningNode>();
  let dirs: Map<string, string>;
  let receipt: { origin: string; index: number };
  const get = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(async () => {
    dirs = initNodes(tmp);
    for (const [p, n] of await startParties(dirs)) nodes.set(p, n);
    const token = addUser(dirs.get('us')!, 'us', 'alice', ['declarant']);
    const us = nodes.get('us')!;
    const r = await submit(us.url, token, regimeSignature(us.node));
    expect(r.status).toBe(201);
    receipt = r.json;
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes.values()) await n.close();
  });

  const policyOf = async (node: RunningNode, party: string) => {
    const res = await get(`${node.url}/logs/${party}/policy`);
    expect(res.status).toBe(200);
    return res.text;
  };

  it("every node serves each log's checkpoint with the other parties' cosignatures, meeting the policy", async () => {
    const policyText = await policyOf(nodes.get('us')!, 'us');
    expect(policyText).toMatch(
      /^log detente\.example\/us\+[^\n]+\nwitness ru [^\n]+\nwitness nato [^\n]+\n(?:witness (?:ro|pl|ua) [^\n]+\n){3}group Witnesses 2 ru nato ro pl ua\n/m,
    );
    const policy = parsePolicy(policyText, suite);
    // The own log at its node, and the same log at each mirror.
    for (const node of nodes.values()) {
      expect(await policyOf(node, 'us')).toBe(policyText);
      await until(`cosigned checkpoint of us at ${node.party}`, async () => {
        const { text } = await get(`${node.url}/logs/us/checkpoint`);
        return text.includes('\n\n') && evaluateCheckpoint(policy, text).quorumMet;
      });
      const { text, type } = await get(`${node.url}/logs/us/checkpoint`);
      expect(type).toBe('text/plain; charset=utf-8');
      const verdict = verifyCheckpointPolicy(policy, text);
      expect(verdict.cosignatures.map((c) => c.witness).sort()).toEqual(['nato', 'ru']);
      // The log's signature, the two witnesses' cosignatures and the receipts held so far (the other parties'
      // mirror cosignatures, which a policy naming only witnesses ignores), each once: nothing else is carried.
      const names = parseNote(text).signatures.map((s) => s.name);
      expect(names[0]).toBe('detente.example/us');
      const witnesses = ['detente.example/nato/witness', 'detente.example/ru/witness'];
      expect(names.filter((n) => witnesses.includes(n)).sort()).toEqual(witnesses);
      const rest = names.slice(1).filter((n) => !witnesses.includes(n));
      for (const name of rest) expect(['detente.example/ru/mirror', 'detente.example/nato/mirror']).toContain(name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('GET /api/entries/<origin>/<index>.tlog-proof verifies offline with the entry and the policy', async () => {
    const ru = nodes.get('ru')!;
    const policy = parsePolicy(await policyOf(ru, 'us'), suite);
    const path = `${ru.url}/api/entries/${encodeURIComponent(receipt.origin)}/${receipt.index}`;
    const entry = JSON.parse((await get(path)).text);
    const file = await get(`${path}.tlog-proof`);
    expect(file.status).toBe(200);
    expect(file.text.startsWith(`c2sp.org/tlog-proof@v1\nindex ${receipt.index}\n`)).toBe(true);
    const v = verifyTlogProof(parseTlogProof(file.text), fromBase64(entry.entryBase64), policy, hasher);
    expect(v.quorumMet).toBe(true);
    expect((await get(`${ru.url}/api/entries/${encodeURIComponent(receipt.origin)}/99.tlog-proof`)).status).toBe(404);
  });

  it('the command line writes the policies, proves, verifies and audits under a policy', async () => {
    const us = nodes.get('us')!;
    const out = join(tmp(), 'policies');
    const written = detente(['policy', '--dir', dirs.get('us')!, '--out', out]);
    expect(written.stderr).toBe('');
    // One policy a log of the regime: us, ru, nato, ro, pl and ua.
    expect(written.stdout.trim().split('\n')).toHaveLength(6);
    const policyFile = join(out, 'us.policy');
    expect(parsePolicy(await policyOf(us, 'us'), suite).logs).toEqual(
      parsePolicy(readFileSync(policyFile), suite).logs,
    );

    const work = tmp();
    const path = `${us.url}/api/entries/${encodeURIComponent(receipt.origin)}/${receipt.index}`;
    writeFileSync(join(work, 'entry.json'), (await get(path)).text);
    writeFileSync(join(work, 'entry.tlog-proof'), (await get(`${path}.tlog-proof`)).text);
    const ok = detente([
      'verify-proof',
      join(work, 'entry.tlog-proof'),
      '--entry',
      join(work, 'entry.json'),
      '--policy',
      policyFile,
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^VALID: entry 0 of detente\.example\/us is in its tree of size \d+\n {2}quorum Witnesses met: 2 of 5/,
    );

    // The log directory's own proof (its stored cosignatures) verifies the same way.
    const proved = detente([
      'log',
      'prove',
      '--dir',
      join(dirs.get('us')!, 'log'),
      '--index',
      '0',
      '--format',
      'tlog-proof',
    ]);
    expect(proved.stderr).toBe('');
    writeFileSync(join(work, 'local.tlog-proof'), proved.stdout);
    expect(
      detente([
        'verify-proof',
        join(work, 'local.tlog-proof'),
        '--entry',
        join(work, 'entry.json'),
        '--policy',
        policyFile,
      ]).code,
    ).toBe(0);

    // The receipt itself is a tlog-proof with its batch's checkpoint: the entry is in it, but nobody had cosigned
    // yet, so the regime's policy refuses it and a policy without witnesses accepts it.
    writeFileSync(join(work, 'receipt.json'), JSON.stringify(receipt));
    const early = detente([
      'verify-proof',
      join(work, 'receipt.json'),
      '--entry',
      join(work, 'entry.json'),
      '--policy',
      policyFile,
    ]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/quorum "Witnesses" not met \(cosigned by none\) \[POLICY_UNSATISFIED\]\n$/);
    const logLine = readFileSync(policyFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('log '));
    writeFileSync(join(work, 'none.policy'), `${logLine}\nquorum none\n`);
    const receiptOk = detente([
      'verify-proof',
      join(work, 'receipt.json'),
      '--entry',
      join(work, 'entry.json'),
      '--policy',
      join(work, 'none.policy'),
    ]);
    expect(receiptOk.stderr).toBe('');
    expect(receiptOk.stdout).toMatch(/^VALID: entry 0 of detente\.example\/us/);

    // A malformed policy or proof file: one line on stderr with its code, exit 1.
    const noQuorum = readFileSync(policyFile, 'utf8').replace(/quorum Witnesses\n/, '');
    writeFileSync(join(work, 'strict.policy'), noQuorum);
    const malformed = detente([
      'verify-proof',
      join(work, 'entry.tlog-proof'),
      '--entry',
      join(work, 'entry.json'),
      '--policy',
      join(work, 'strict.policy'),
    ]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(
      /^detente: policy: expected exactly one quorum line, found none \[POLICY_MALFORMED\]\n$/,
    );
    writeFileSync(join(work, 'bad.tlog-proof'), 'c2sp.org/tlog-proof@v1\nindex 01\n\nx\n');
    const badProof = detente([
      'verify-proof',
      join(work, 'bad.tlog-proof'),
      '--entry',
      join(work, 'entry.json'),
      '--policy',
      policyFile,
    ]);
    expect(badProof.code).toBe(1);
    expect(badProof.stderr).toMatch(/\[PROOF_MALFORMED\]\n$/);
    expect(badProof.stderr.split('\n')).toHaveLength(2);

    const audit = await detenteAsync(['audit', '--url', `${nodes.get('nato')!.url}/logs/us`, '--policy', policyFile]);
    expect(audit.stderr).toBe('');
    expect(audit.stdout).toMatch(/^VALID: /);
    expect(audit.stdout).toMatch(/policy quorum Witnesses met: 2 of 5 witnesses cosigned \(ru, nato\)/);
  }, 60_000);
});
