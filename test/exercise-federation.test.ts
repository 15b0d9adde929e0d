import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { type Federation, type FederationPlay, startFederation } from '../src/exercise/federation.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { blobRefsOf, type EnvelopeOf, openSealed } from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { CLI, detente, detenteAsync } from './helpers/cli.js';
import { freePortRun } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-federation-');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the scenario as a federation: one node per party over HTTP', () => {
  let fed: Federation;
  let play: FederationPlay;
  let direct: { state: string; findings: string; end: string; refused: string[] };
  /** The direct play as the US (and Russia) read it: New START data is sealed to the two of them. */
  let bilateral: { state: string; findings: string };

  beforeAll(async () => {
    const base = tmp();
    const played = await playScenario('european-security-2022', join(base, 'direct'));
    const f = foldDir(join(base, 'direct'));
    const { state, findings } = f.engine.evaluate(f.asOf);
    const us = foldDir(join(base, 'direct'), { readAs: 'us' });
    const read = us.engine.evaluate(us.asOf);
    bilateral = { state: canonicalJson(read.state), findings: canonicalJson({ findings: read.findings }) };
    direct = {
      state: canonicalJson(state),
      findings: canonicalJson({ findings }),
      end: played.end,
      refused: played.refused.map((r) => r.step),
    };
    // The play settles each step itself; the background loops keep their default for six nodes (loopIntervals), as
    // 100 ms loops over 30 pairs, not 6, would take the cores from the play.
    fed = await startFederation({ dir: join(base, 'federation'), basePort: await freePortRun(6) });
    play = await fed.playTimeline();
  }, 600_000);

  afterAll(async () => {
    await fed?.close();
  });

  const get = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  };

  it('GET /logs on the first node lists every party log, at the size each party wrote', async () => {
    const first = fed.nodes[0]!;
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, text } = await get(`${first.url}/logs`);
    expect(status).toBe(200);
    const logs = JSON.parse(text).logs as { party: string; size: number }[];
    expect(logs.map((l) => l.party).sort()).toEqual(['nato', 'pl', 'ro', 'ru', 'ua', 'us']);
    for (const l of logs) expect(l.size).toBe(play.entries[l.party]);
    // The timeline's 124 entries, and the US's and Russia's audience keys for 2022 (New START data is sealed).
    expect(Object.values(play.entries).reduce((a, b) => a + b, 0)).toBe(126);
  });

  it('refuses the entries the timeline expects refused, with the expected status, storing nothing', () => {
    expect(play.refused.map((r) => r.step)).toEqual(direct.refused);
    expect(play.refused.map((r) => [r.expected, r.status, r.code])).toEqual([
      // A node refuses with the direct play's codes (NEWCOMER m17): a key without the role, another party's key.
      ['ROLE_DENIED', 403, 'ROLE_DENIED'],
      ['REFERENCE_UNKNOWN', 422, 'REFERENCE_UNKNOWN'],
      // The host nation's countersignature by another party's escort.
      ['KEY_UNKNOWN', 403, 'KEY_UNKNOWN'],
      ['SCHEMA_INVALID', 400, 'SCHEMA_INVALID'],
      ['KEY_UNKNOWN', 403, 'KEY_UNKNOWN'],
      // A node checks a consultation step's chain against the entries it holds, as the direct play does.
      ['STAGE_INVALID', 422, 'STAGE_INVALID'],
      ['STAGE_INVALID', 422, 'STAGE_INVALID'],
      ['STAGE_INVALID', 422, 'STAGE_INVALID'],
      ['ROLE_DENIED', 403, 'ROLE_DENIED'],
      // A proposal in a forum the party does not sit in: the regime's names, checked by the node as by the play.
      ['SCHEMA_INVALID', 400, 'SCHEMA_INVALID'],
    ]);
  });

  it('every node answers the same bytes for /api/state and /api/findings, and they are the direct play’s', async () => {
    const asOf = encodeURIComponent(direct.end);
    for (const path of ['/api/state', '/api/findings']) {
      // Without a login: the public view, the same on every node.
      const answers = await Promise.all(fed.nodes.map((n) => get(`${n.url}${path}?asOf=${asOf}`)));
      for (const a of answers) expect(a.status).toBe(200);
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
      // Same keys, same envelopes, so the same leaf hashes; countedAt is each entry's earliest receipt (another
      // party's mirror cosignature), at the step's simulated time, as the direct play's local checkpoint time.
      expect(answers[0]!.text).toBe(path === '/api/state' ? direct.state : direct.findings);
      // Signed in: what the party reads. The US and Russia agree byte for byte, and read what the direct play holds;
      // NATO, the host nations and Ukraine read the public view (audiences stay [us, ru]).
      const signedIn = await Promise.all(
        fed.nodes.map(async (n) => {
          const res = await fetch(`${n.url}${path}?asOf=${asOf}`, { headers: { authorization: `Bearer ${n.token}` } });
          return [n.party, await res.text()] as const;
        }),
      );
      const byParty = new Map(signedIn);
      expect(byParty.get('us')).toBe(path === '/api/state' ? bilateral.state : bilateral.findings);
      expect(byParty.get('ru')).toBe(byParty.get('us'));
      for (const p of ['nato', 'ro', 'pl', 'ua']) expect(byParty.get(p), p).toBe(answers[0]!.text);
    }
    const findings = JSON.parse(bilateral.findings).findings as { rule: string; audience?: string[] }[];
    expect(findings.length).toBe(33);
    expect(JSON.parse(direct.findings).findings.length).toBeLessThan(33);
    expect(findings.filter((f) => f.audience).length).toBeGreaterThan(0);
    expect(findings.map((f) => f.rule)).toContain('regime.signature-mismatch');
    expect(findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['escrow.declared-not-found', 'escrow.found-not-declared']),
    );
  });

  it('every log carries every other party’s cosignature on every node, timestamped on the simulated clock', async () => {
    for (const n of fed.nodes) {
      for (const log of n.node.logs()) {
        const size = n.node.servedSize(log);
        expect(size).toBe(play.entries[log.party]);
        const cosignatures = n.node.cosignatures(log, size);
        expect(cosignatures.length, `${n.party} holds ${log.party}`).toBe(5);
        for (const c of cosignatures) expect(new Date(c.timestamp * 1000).getUTCFullYear()).toBe(2022);
        // And every other party's receipt, which the times count from.
        const receipts = n.node.receipts(log, size);
        expect(receipts.map((r) => r.party).sort(), `${n.party} holds ${log.party}'s receipts`).toEqual(
          ['us', 'ru', 'nato', 'ro', 'pl', 'ua'].filter((p) => p !== log.party).sort(),
        );
        for (const r of receipts) expect(new Date(r.timestamp * 1000).getUTCFullYear()).toBe(2022);
      }
      // Every checkpoint the node wrote or mirrored is dated in the exercise's 2022.
      for (const log of n.node.logs()) {
        for (const r of log.store.checkpointRecords()) expect(new Date(r.time).getUTCFullYear()).toBe(2022);
      }
    }
    const us = fed.node('us');
    const detail = JSON.parse((await get(`${fed.node('ru').url}/api/entries/detente.example%2Fus/0`)).text);
    expect(detail.envelope.type).toBe('regime-signature');
    expect(detail.countedAt).toBe('2022-01-27T10:00:00.000Z');
    expect(detail.cosignatures.length).toBe(5);
    expect(us.node.allEntries().filter((e) => e.party === 'us').length).toBe(play.entries.us);
  });

  it('escrowed declarations went through the escrow API: the secrets are in the node directories, the openings sealed', async () => {
    const ru = fed.node('ru');
    const token = { authorization: `Bearer ${ru.token}` };
    const listed = (await (await fetch(`${ru.url}/api/escrow/declarations`, { headers: token })).json()) as {
      declarations: { asOf: string; items: { uid: string; opened: boolean }[] }[];
    };
    expect(listed.declarations.map((d) => d.asOf)).toEqual(['2022-02-01', '2022-03-01', '2022-09-01']);
    const march = listed.declarations[1]!;
    expect(
      march.items
        .filter((i) => i.opened)
        .map((i) => i.uid)
        .sort(),
    ).toEqual(['RU-HB-0003', 'RU-HB-0004', 'RU-ICBM-0001', 'RU-ICBM-0164']);
    // Russia's openings are sealed to the US and Russia (New START data), blobs and all: read through the sealed
    // entries of its own log (what the listing above shows as opened).
    const openings = ru.node
      .allEntries()
      .filter((e) => e.party === 'ru' && e.envelope.type === 'sealed')
      .filter((e) => (e.envelope.body as { type: string }).type === 'declaration-opening');
    expect(openings).toHaveLength(3);
    for (const o of openings) expect((o.envelope.body as { blobs?: unknown[] }).blobs).toHaveLength(1);
    // The opening document of a sealed opening shows its leaves: not to NATO, nor to anyone without a login; the US
    // node (a mirror of Russia's log) hands it to a US user, who verifies it as any opening.
    const path = `/api/escrow/openings/${openings[0]!.origin}/${openings[0]!.index}`;
    const nato = fed.node('nato');
    for (const n of fed.nodes) expect((await get(`${n.url}${path}`)).status, n.party).toBe(404);
    const asNato = await fetch(`${nato.url}${path}`, { headers: { authorization: `Bearer ${nato.token}` } });
    expect(asNato.status).toBe(404);
    const us = fed.node('us');
    const asUs = await fetch(`${us.url}${path}`, { headers: { authorization: `Bearer ${us.token}` } });
    expect(asUs.status).toBe(200);
    const doc = (await asUs.json()) as { format: string; party: string; opening: { leaves: unknown[] } };
    expect(doc.format).toBe('detente-opening/1');
    expect(doc.party).toBe('ru');
    expect(doc.opening.leaves.length).toBeGreaterThan(0);
  });

  it("no file of NATO's, the host nations' or Ukraine's nodes and no byte served without a login holds the New START data sealed to the US and Russia", async () => {
    const sealed = fed.timeline.steps.filter(
      (s) =>
        (s.type === 'notification' && String((s.body as { rule?: string }).rule).startsWith('nst-')) ||
        (s.type.startsWith('inspection-') && String((s.body as { inspection?: string }).inspection).startsWith('nst-')),
    );
    expect(sealed.length).toBeGreaterThan(10);
    // Item ids of notifications and inspections, and of items only escrow openings reveal (in their blobs).
    const secrets = ['US-SLBM-0221', 'US-SLBML-0230', 'RU-ICBM-0306', 'RU-ICBML-0310', 'US-HB-0046'];
    const opened = ['US-ICBM-0002', 'RU-ICBM-0164', 'RU-HB-0004', 'US-HB-0003'];
    secrets.push(...opened);
    const timeline = readFileSync(join('scenarios', 'european-security-2022', 'timeline.yaml'), 'utf8');
    for (const s of ['US-SLBM-0221..0230', 'RU-ICBM-0306..0310', 'US-HB-0046']) expect(timeline).toContain(s);
    // Nor any file of the host nations' or Ukraine's nodes: audiences stay [us, ru].
    for (const party of ['nato', 'ro', 'pl', 'ua']) {
      for (const file of filesUnder(fed.node(party).dir)) {
        const bytes = readFileSync(file).toString('latin1');
        for (const s of secrets) expect(bytes.includes(s), `${file} holds ${s}`).toBe(false);
      }
    }
    // Every node's public answers, its logs' tiles and entries, its entry list and each entry's detail.
    for (const n of fed.nodes) {
      const logs = JSON.parse((await get(`${n.url}/logs`)).text).logs as {
        origin: string;
        prefix: string;
        size: number;
      }[];
      const paths = ['/api/state', '/api/findings', '/logs', '/api/entries?limit=1000'];
      for (const log of logs) {
        paths.push(`${log.prefix}/tile/entries/000.p/${log.size}`);
        for (let i = 0; i < log.size; i++) paths.push(`/api/entries/${encodeURIComponent(log.origin)}/${i}`);
      }
      for (const path of paths) {
        const { status, text } = await get(`${n.url}${path}`);
        expect(status, `${n.party} ${path}`).toBe(200);
        for (const s of secrets) expect(text.includes(s), `${n.party} ${path} holds ${s}`).toBe(false);
      }
    }
    // Every blob a public envelope names, from every node without a login: sealed blobs are ciphertext, which every
    // mirror holds (NATO's too); the plaintexts stay with their author, served to its own users only.
    const nato = fed.node('nato');
    const blobRefs = nato.node
      .allEntries()
      .flatMap((e) => (e.envelope.type === 'sealed' ? (e.envelope.body.blobs ?? []).map((b) => ({ e, b })) : []));
    expect(blobRefs.length).toBe(6);
    const us = fed.node('us');
    const plaintexts: string[] = [];
    for (const { e, b } of blobRefs) {
      for (const n of fed.nodes) {
        const { status, text } = await get(`${n.url}/api/blobs/${b.sha256}`);
        expect(status, `${n.party} /api/blobs/${b.sha256}`).toBe(200);
        expect(text.length).toBeGreaterThan(0);
        for (const s of secrets) expect(text.includes(s), `${n.party} blob ${b.sha256} holds ${s}`).toBe(false);
      }
      if (e.party !== 'us') continue;
      // The US node holds the plaintexts it sealed: not served without a login, served to a US user.
      const sealed = e.envelope as EnvelopeOf<'sealed'>;
      const key = us.node.submissions.audienceKeys.contentKey(e.leafHash, sealed)!;
      const plain = openSealed(symmetricNode, us.node.suite.sha256, sealed, key);
      for (const r of blobRefsOf(plain)) {
        expect((await get(`${us.url}/api/blobs/${r.sha256}`)).status).toBe(404);
        const res = await fetch(`${us.url}/api/blobs/${r.sha256}`, {
          headers: { authorization: `Bearer ${us.token}` },
        });
        expect(res.status).toBe(200);
        plaintexts.push(await res.text());
      }
    }
    // What the ciphertexts hide: the US's opened items are in its plaintexts (so the search above is not empty).
    for (const id of ['US-ICBM-0002', 'US-HB-0003'])
      expect(
        plaintexts.some((t) => t.includes(id)),
        id,
      ).toBe(true);
    // The US reads them: the test is not empty.
    const signedIn = await fetch(`${us.url}/api/findings`, { headers: { authorization: `Bearer ${us.token}` } });
    expect(signedIn.status).toBe(200);
  });

  it('mirrors fetch the blobs of a large plain declaration, and serve them', async () => {
    // NATO's: a US or Russian plain declaration is sealed to the two of them.
    const us = fed.node('nato');
    const items = fed.timeline.itemSets.get('us-2022-03')!.slice(0, 250);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${us.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${us.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const blob = await post('/api/blobs', items.slice(100));
    expect(blob.status).toBe(201);
    const more = [
      { sha256: blob.json.sha256, size: blob.json.size, mediaType: blob.json.mediaType, name: 'items-1.json' },
    ];
    const decl = await post('/api/submissions', {
      nonce: `blob-declaration-${process.pid}`,
      type: 'declaration',
      body: { form: 'plain', asOf: '2022-12-31', items: items.slice(0, 100), quantities: [], more },
    });
    expect(decl.status, JSON.stringify(decl.json)).toBe(201);
    await fed.settle();
    const ru = fed.node('ru');
    const declaration = ru.node
      .allEntries()
      .find((e) => e.party === 'nato' && e.envelope.type === 'declaration' && (e.envelope.body as any).more?.length);
    expect(declaration).toBeDefined();
    const { status, text } = await get(`${fed.node('nato').url}/api/blobs/${blob.json.sha256}`);
    expect(status).toBe(200);
    expect(JSON.parse(text)).toHaveLength(150);
    expect(ru.node.moreItems(declaration!)?.length).toBe(150);
  });

  it('reopens the run as it was (entries, users, the clock) without playing it again; a fresh run replaces it', async () => {
    const sizes = Object.fromEntries(fed.nodes.map((n) => [n.party, n.node.servedSize(n.node.logByParty(n.party)!)]));
    const tokens = fed.nodes.map((n) => n.token);
    const dir = fed.dir;
    await fed.close();
    fed = await startFederation({ dir, resume: true, basePort: await freePortRun(6) });
    expect(fed.resumed).toBe(true);
    expect(fed.nodes.map((n) => n.token)).toEqual(tokens);
    for (const n of fed.nodes) expect(n.node.servedSize(n.node.logByParty(n.party)!)).toBe(sizes[n.party]);
    const clock = await (await fetch(`${fed.nodes[0]!.url}/api/clock`)).json();
    expect(clock.now).toBe(play.end);
    // The token still signs in.
    const me = await fetch(`${fed.nodes[0]!.url}/api/me`, { headers: { authorization: `Bearer ${tokens[0]}` } });
    expect(me.status).toBe(200);
    await fed.close();
    fed = await startFederation({ dir, basePort: await freePortRun(6) });
    expect(fed.resumed).toBe(false);
    for (const n of fed.nodes) expect(n.node.servedSize(n.node.logByParty(n.party)!)).toBe(0);
  });
});

describe('detente start', () => {
  it('prints the URLs, answers GET /logs, and exits cleanly on SIGTERM', async () => {
    const port = await freePortRun(6);
    const dir = join(tmp(), 'fed');
    const child = spawn(process.execPath, [CLI, 'start', '--dir', dir], {
      env: { ...process.env, PORT: String(port), CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Six nodes start before the URLs are printed.
      const deadline = Date.now() + 50_000;
      while (!stdout.includes('(sign in on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(stdout, stderr).toContain(`us    dashboard http://127.0.0.1:${port}/`);
      for (const [i, party] of ['us', 'ru', 'nato', 'ro', 'pl', 'ua'].entries()) {
        const url = `http://127.0.0.1:${port + i}`;
        expect(stdout).toContain(
          `${party.padEnd(5)} dashboard ${url}/   logs and their cosigners ${url}/health   API docs ${url}/docs`,
        );
      }
      const res = await fetch(`http://127.0.0.1:${port}/logs`);
      expect(res.status).toBe(200);
      const logs = ((await res.json()) as { logs: { party: string }[] }).logs;
      expect(logs.map((l) => l.party).sort()).toEqual(['nato', 'pl', 'ro', 'ru', 'ua', 'us']);
      // Let a few steps play, then stop it in the middle of the timeline.
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('SIGTERM: stopping the nodes\nstopped\n');
      expect(stderr).not.toMatch(/internal error/);
      await expect(fetch(`http://127.0.0.1:${port}/logs`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a busy port gets one line naming it, and the previous run is left as it was, even with --fresh', async () => {
    const port = await freePortRun(6);
    const dir = join(tmp(), 'previous');
    // A previous run, with an escrow secret that must survive.
    mkdirSync(join(dir, 'us', 'escrow'), { recursive: true });
    const file = `${JSON.stringify({ format: 'detente-federation/1', scenario: 'european-security-2022', played: '2022-12-31T23:59:59.000Z' })}\n`;
    writeFileSync(join(dir, 'federation.json'), file);
    writeFileSync(join(dir, 'us', 'escrow', 'us-2022.secrets.json'), '{"secret":1}\n');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port + 1, '127.0.0.1', r));
    try {
      for (const extra of [[], ['--fresh']]) {
        const r = await detenteAsync(['start', '--dir', dir, '--port', String(port), ...extra]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
        expect(r.stderr).toContain(`port ${port + 1} on 127.0.0.1 is in use`);
        expect(r.stderr).toContain('[PORT_IN_USE]');
        expect(readFileSync(join(dir, 'federation.json'), 'utf8')).toBe(file);
        expect(readFileSync(join(dir, 'us', 'escrow', 'us-2022.secrets.json'), 'utf8')).toBe('{"secret":1}\n');
      }
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe('expected failures in the command line: one line, no stack trace', () => {
  it('an unreachable node, a corrupt database', async () => {
    const dir = join(tmp(), 'log');
    const init = detente(['log', 'init', '--dir', dir, '--origin', 'example.org/detente/x']);
    expect(init.code, init.stderr).toBe(0);
    const vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
    const closed = await freePortRun(3);
    const audit = await detenteAsync(['audit', '--url', `http://127.0.0.1:${closed}/logs/x`, '--vkey', vkey]);
    expect(audit.code).toBe(1);
    expect(audit.stderr.trim().split('\n'), audit.stderr).toHaveLength(1);
    expect(audit.stderr).toContain('cannot reach');
    expect(audit.stderr).toContain('connection refused');
    writeFileSync(join(dir, 'log.sqlite'), Buffer.alloc(8192, 7));
    for (const args of [
      ['log', 'verify', '--dir', dir],
      ['log', 'checkpoint', '--dir', dir],
    ]) {
      const r = detente(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/is corrupt: file is not a database \[STORE_CORRUPT\]/);
    }
  });
});
