/**
 * Verify 10,000 escrow openings in Chromium (Debian's, driven by playwright-core) and in Node, in the same run: the
 * same compiled modules (dist/src/escrow), the same openings, the portable SHA-256 (noble) in both, and node:crypto in
 * Node as the server's figure. Run: node dist/bench/escrow-browser.js [openings] [items]
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sha256, sha256Portable } from '../src/crypto/sha256.js';
import { buildEscrowTree, createOpening, verifyOpening } from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { launchChromium } from './chromium.js';
import { fmt, header, row, seconds, table } from './harness.js';

const OPENINGS = Number(process.argv[2] ?? 10_000);
const ITEMS = Number(process.argv[3] ?? 100_000);
const CATEGORIES = ['deployed-launchers', 'deployed-warheads', 'non-deployed-launchers'];
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');

const items = Array.from({ length: ITEMS }, (_, i) => ({
  id: `item-${i}`,
  counts: { [CATEGORIES[i % 3]!]: 1 + (i % 4) },
  site: `site-${i % 97}`,
  synthetic: true,
}));
const tree = buildEscrowTree(items, { categories: CATEGORIES, paddingBound: 4096, sha256: sha256Node });
const commitment = tree.commitment();
const docs: string[] = [];
for (let i = 0, x = 99; i < OPENINGS; i++) {
  x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
  docs.push(JSON.stringify(createOpening(tree, [x % tree.size])));
}

const inNode = (sha: Sha256) =>
  OPENINGS /
  seconds(() => {
    for (const d of docs) verifyOpening(JSON.parse(d), commitment, sha);
  });

// The page imports the compiled modules as they are; an import map resolves their bare imports to node_modules.
const page = `<!doctype html><script type="importmap">${JSON.stringify({
  imports: {
    '@noble/hashes/': '/node_modules/@noble/hashes/',
    '@noble/curves/': '/node_modules/@noble/curves/',
    canonicalize: '/node_modules/canonicalize/lib/canonicalize.js',
  },
})}</script><p>escrow bench</p>`;
const data = JSON.stringify({ docs, commitment });
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  if (url.pathname === '/data.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(data);
  const file = normalize(join(ROOT, url.pathname));
  if (!file.startsWith(ROOT) || !existsSync(file)) return res.writeHead(404).end();
  const type = extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream';
  res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
const browser = await launchChromium();
const context = browser.context;
try {
  const tab = await context.newPage();
  await tab.goto(`http://127.0.0.1:${port}/`);
  const browserRate = await tab.evaluate(async () => {
    const escrow = await import('/dist/src/escrow/index.js' as string);
    const { sha256Portable: sha } = await import('/dist/src/crypto/sha256.js' as string);
    const { docs, commitment } = await (await fetch('/data.json')).json();
    const t = performance.now();
    for (const d of docs) escrow.verifyOpening(JSON.parse(d), commitment, sha);
    return docs.length / ((performance.now() - t) / 1000);
  });
  const nodePortable = inNode(sha256Portable);
  const nodeFast = inNode(sha256Node);
  const chromiumVersion = context.browser()?.version() ?? (await tab.evaluate(() => navigator.userAgent));
  header(`escrow: verify ${fmt(OPENINGS)} single-leaf openings of a ${fmt(tree.size)}-leaf tree`);
  console.log(`browser: Chromium ${chromiumVersion} (headless)`);
  table(['where', 'openings/s', 'baseline: Node, same noble SHA-256 (/s)', 'ours/baseline', 'goal']);
  row('Chromium, noble', fmt(browserRate), fmt(nodePortable), browserRate / nodePortable);
  row('Node, node:crypto', fmt(nodeFast), fmt(nodePortable), nodeFast / nodePortable);
} finally {
  await browser.close();
  server.close();
}
