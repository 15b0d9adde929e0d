/**
 * The scenario as a real federation, for the dashboard's browser tests: startFederation (src/exercise/federation.ts)
 * starts one PartyNode server per party of "European security 2022" on free ports of 127.0.0.1 (each mirroring and
 * witnessing the others over HTTP) and plays the whole timeline through each party's write API on the simulated
 * clock. Then the clock moves to the real now, and NATO files daily monitoring reports through its node (so that one
 * log spans more than one tile). The engine's state and findings are the nodes' own (GET /api/state, /api/findings):
 * nothing here stands in for the node.
 *
 * `proxy` is a man in the middle in front of the US node that can lie about one log (a flipped byte in entry
 * bundles, or a changed checkpoint) or about the plaintext of sealed entries, so that a test can check that the
 * browser refuses it.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { defaultWebRoot } from '../../src/api/web.js';
import { type Federation, type FederationPlay, startFederation } from '../../src/exercise/federation.js';
import type { Regime } from '../../src/model/index.js';
import { type Browser, launchBrowser } from './browser.js';
import { freePortRun, nonce, submit } from './nodes.js';
import { tempDirs } from './tmp.js';

export interface Tamper {
  /** `plaintext`: a byte of every sealed entry's body the node hands over (GET /api/plaintexts/…) flipped. */
  mode: 'none' | 'bundle' | 'checkpoint' | 'cosignatures' | 'plaintext';
  party: string;
}

export interface WebNodes {
  fed: Federation;
  play: FederationPlay;
  /** The US node: the one the browser opens. */
  base: string;
  regime: Regime;
  /** How many monitoring reports NATO filed after the play. */
  monitoring: number;
  /** The same US node behind a proxy that lies as `tamper` says. */
  proxy: { base: string; tamper: Tamper };
  origin(party: string): string;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Starts the federation on free ports, plays the scenario, then moves its clock to the real time and files
 * `monitoring` reports; with `exerciseClock` the clock stays where the play left it (as after `npm start`).
 */
export async function startWebNodes(
  tmp: () => string,
  monitoring = 260,
  options: { exerciseClock?: boolean } = {},
): Promise<WebNodes> {
  // 100 ms loops served three nodes; six poll 30 pairs, not 6, and gossip over 180 (log, peer) pairs, not 18, so
  // 600 ms keeps the loops' load near where it was (the play and settle() drive their own rounds).
  const fed = await startFederation({ dir: join(tmp(), 'federation'), basePort: await freePortRun(6), loopMs: 600 });
  try {
    const play = await fed.playTimeline();
    const now = Date.now();
    if (!options.exerciseClock) fed.clock.set(now);
    const nato = fed.node('nato');
    // Concurrent submissions: the node batches them.
    await Promise.all(
      Array.from({ length: monitoring }, async (_, i) => {
        const { status, json } = await submit(nato.url, nato.token, {
          nonce: nonce(),
          type: 'observation',
          body: {
            subject: 'ru',
            observedAt: iso(now - (monitoring - i) * DAY),
            place: { zone: 'ukraine' },
            quantities: [{ category: 'permanent-combat-forces', quantity: 0 }],
            method: 'open-source',
            evidence: [],
          },
        });
        if (status !== 201) throw new Error(`monitoring report ${i}: ${status} ${JSON.stringify(json)}`);
      }),
    );
    await fed.settle(60_000);
    const us = fed.node('us');
    const regime = us.node.regime;
    const tamper: Tamper = { mode: 'none', party: 'us' };
    const proxy = await startProxy(us.url, tamper);
    return {
      fed,
      play,
      base: us.url,
      regime,
      monitoring,
      proxy: { base: proxy.base, tamper },
      origin: (party) => regime.parties.find((p) => p.id === party)!.origin,
      async close() {
        await new Promise((r) => proxy.server.close(r));
        await fed.close();
      },
    };
  } catch (err) {
    await fed.close();
    throw err;
  }
}

/**
 * One browser test file's federation and browser: checks that the dashboard is built, starts both before the file's
 * tests (startWebNodes' `monitoring` and `options`) and closes them after. Read `node` and `browser` in tests.
 */
export function webSuite(
  prefix: string,
  monitoring?: number,
  options?: { exerciseClock?: boolean },
): { readonly node: WebNodes; readonly browser: Browser } {
  const tmp = tempDirs(prefix);
  let node: WebNodes | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(join(defaultWebRoot(), 'index.html'))) throw new Error('dist/web is missing: run `npm run build`');
    node = await startWebNodes(tmp, monitoring, options);
    browser = await launchBrowser();
  }, 600_000); // playing the scenario through six nodes takes minutes when other work shares the cores
  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('webSuite: used before its beforeAll ran');
    return x;
  };
  return {
    get node() {
      return started(node);
    },
    get browser() {
      return started(browser);
    },
  };
}

/** A GET-only man in the middle: passes everything through, and lies about one log as `tamper` says. */
async function startProxy(target: string, tamper: Tamper): Promise<{ base: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        // The login too: a signed-in tab reads what its party may (a sealed opening's document, issue 14).
        headers: {
          accept: req.headers.accept ?? '*/*',
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        },
      });
      let body = Buffer.from(await upstream.arrayBuffer());
      const prefix = `/logs/${tamper.party}/`;
      const rest = req.url?.startsWith(prefix) ? req.url.slice(prefix.length) : undefined;
      if (tamper.mode === 'bundle' && rest?.startsWith('tile/entries/')) {
        // Backdate every entry by a decade ("202x-" → "201x-"): still well-formed entries, but the bytes no longer
        // hash to the leaves the log committed to.
        for (let at = body.indexOf('"issuedAt":"20'); at >= 0; at = body.indexOf('"issuedAt":"20', at + 1)) {
          body[at + 14] = body[at + 14] === 0x32 ? 0x31 : 0x32;
        }
      }
      if (tamper.mode === 'checkpoint' && rest === 'checkpoint') {
        // Another root under the same signature: the log's key did not sign this.
        const lines = body.toString('utf8').split('\n');
        const root = Buffer.from(lines[2]!, 'base64');
        root[0] = root[0]! ^ 1;
        lines[2] = root.toString('base64');
        body = Buffer.from(lines.join('\n'));
      }
      if (tamper.mode === 'cosignatures' && rest === 'checkpoint') {
        // Withhold the witnesses' cosignatures: the log's signature alone does not meet the policy's quorum.
        body = Buffer.from(
          body
            .toString('utf8')
            .split('\n')
            .filter((l) => !l.includes('/witness '))
            .join('\n'),
        );
      }
      if (tamper.mode === 'plaintext' && req.url?.startsWith('/api/plaintexts/') && upstream.ok) {
        // The node's own plaintext with one bit of its body flipped: no longer the body the author committed to.
        const answer = JSON.parse(body.toString('utf8')) as { body: string };
        const bytes = Buffer.from(answer.body, 'base64');
        bytes[bytes.length >> 1]! ^= 1;
        body = Buffer.from(JSON.stringify({ ...answer, body: bytes.toString('base64') }));
      }
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'cache-control', 'content-security-policy']) {
        const v = upstream.headers.get(h);
        if (v) headers[h] = v;
      }
      res.writeHead(upstream.status, { ...headers, 'content-length': body.length });
      res.end(body);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
