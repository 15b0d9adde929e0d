/**
 * Openings at any size verified in Chromium: the compiled escrow modules (dist/src, as the dashboard bundles them)
 * verify multi-leaf openings of 1, 150, 1,000 and 10,000 of 10,000 leaves with the portable SHA-256, and refuse the
 * same openings with one changed byte or a node of the proof missing. Needs `npx tsc -p tsconfig.json` (dist/src).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEscrowTree, createMultiOpening } from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { makeItems, seededRandom } from './escrow-helpers.js';
import { type Browser, launchBrowser } from './helpers/browser.js';

const ROOT = process.cwd();
const CATS = ['launchers', 'warheads'];
const N = 10_000;

describe('openings at any size, verified in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let port: number;
  const cases: { name: string; doc: string; ok: boolean }[] = [];
  let commitment: unknown;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/escrow/index.js'))) throw new Error('dist/src is missing: run tsc');
    const tree = buildEscrowTree(makeItems(N, CATS), {
      categories: CATS,
      paddingBound: N,
      sha256: sha256Node,
      random: seededRandom('chromium'),
    });
    commitment = tree.commitment();
    for (const k of [1, 150, 1000, N]) {
      const indexes = Array.from({ length: k }, (_, i) => Math.floor((i * N) / k));
      const doc = createMultiOpening(tree, indexes);
      cases.push({ name: `${k} of ${N}`, doc: JSON.stringify(doc), ok: true });
      if (k === 1 || k === N) continue;
      const flipped = structuredClone(doc);
      const h = flipped.nodes[3]!.hash;
      flipped.nodes[3]!.hash = (h[0] === '0' ? '1' : '0') + h.slice(1);
      cases.push({ name: `${k}: a node's hash changed`, doc: JSON.stringify(flipped), ok: false });
      const missing = structuredClone(doc);
      missing.nodes.pop();
      cases.push({ name: `${k}: a node missing`, doc: JSON.stringify(missing), ok: false });
      const item = structuredClone(doc);
      item.leaves[k - 1]!.item!.site = 'elsewhere';
      cases.push({ name: `${k}: an item changed`, doc: JSON.stringify(item), ok: false });
    }
    const page = `<!doctype html><script type="importmap">${JSON.stringify({
      imports: {
        '@noble/hashes/': '/node_modules/@noble/hashes/',
        '@noble/curves/': '/node_modules/@noble/curves/',
        canonicalize: '/node_modules/canonicalize/lib/canonicalize.js',
      },
    })}</script><p>openings</p>`;
    const data = JSON.stringify({ cases, commitment });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      if (url.pathname === '/data.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(data);
      const file = normalize(join(ROOT, url.pathname));
      if (!file.startsWith(ROOT) || !existsSync(file)) return res.writeHead(404).end();
      const type = extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('accepts each honest opening with every leaf, and refuses each tampered one', async () => {
    const tab = await browser.page();
    await tab.goto(`http://127.0.0.1:${port}/`);
    // A string, not a function: the test's transform would rewrite a function's import() for Node.
    const results = (await tab.evaluate(`(async () => {
      const escrow = await import('/dist/src/escrow/index.js');
      const { sha256Portable } = await import('/dist/src/crypto/sha256.js');
      const { cases, commitment } = await (await fetch('/data.json')).json();
      return cases.map((c) => {
        try {
          const v = escrow.verifyOpening(JSON.parse(c.doc), commitment, sha256Portable);
          return { name: c.name, leaves: v.leaves.length };
        } catch (err) {
          return { name: c.name, code: err.code ?? String(err) };
        }
      });
    })()`)) as { name: string; leaves?: number; code?: string }[];
    expect(results.map((r) => r.name)).toEqual(cases.map((c) => c.name));
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      if (c.ok) expect(r.leaves, c.name).toBe(JSON.parse(c.doc).leaves.length);
      else expect(r.code, c.name).toMatch(/^ESCROW_(INVALID|MALFORMED)$/);
    }
    expect(browser.external).toEqual([]);
  }, 180_000);
});
