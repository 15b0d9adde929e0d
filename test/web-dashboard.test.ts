/**
 * The dashboard in Debian's Chromium against a node built from real parts (test/helpers/web-node.ts): real signed
 * entries in real logs, served by the real tiles and web plugins. Needs `npm run build` (dist/web).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWebRoot } from '../src/api/web.js';
import { type Browser, launchBrowser } from './helpers/browser.js';
import { tempDirs } from './helpers/tmp.js';
import { startWebNode, type WebNode } from './helpers/web-node.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const tmp = tempDirs('detente-web-');
let node: WebNode;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(defaultWebRoot(), 'index.html'))) throw new Error('dist/web is missing: run `npm run build`');
  node = await startWebNode(tmp());
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
});

async function open(path: string): Promise<Page> {
  const page = await browser.page();
  await page.goto(`${node.base}${path}`);
  return page;
}

const origin = (party: string) => node.logs.find((l) => l.party === party)!.origin;
const entryUrl = (party: string, index: number) => `/entry/${encodeURIComponent(origin(party))}/${index}`;

describe('dashboard', () => {
  it('serves the app at / with caching and a same-origin-only policy, never for /api or /logs', async () => {
    const index = await fetch(`${node.base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${node.base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Client routes fall back to the app; server paths and missing files do not.
    for (const path of ['/map', '/board', '/entry/detente.example%2Fus/3', '/act/request-inspection']) {
      const r = await fetch(`${node.base}${path}`);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
    }
    for (const path of ['/api/nothing', '/logs/nobody/checkpoint', '/docs/x', '/assets/missing.js', '/api']) {
      const r = await fetch(`${node.base}${path}`);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.headers.get('content-type')).not.toContain('text/html');
    }
  });

  it("renders the map with every one of the scenario's sites, its zones, and a site panel by keyboard", async () => {
    const started = Date.now();
    const page = await open('/');
    await page.locator('[data-site]').first().waitFor();
    const interactive = Date.now() - started;
    const ids = await page.locator('[data-site]').evaluateAll((els) => els.map((e) => e.getAttribute('data-site')));
    expect(ids.sort()).toEqual(node.regime.sites.map((s) => s.id).sort());
    expect(await page.locator('path[data-iso="UKR"]').count()).toBe(1);
    expect(await page.locator('path[data-zone="ukraine"]').count()).toBe(1);
    expect(await page.locator('path[data-zone="ru-ukraine-border-band"]').count()).toBe(1);
    // Keyboard: focus the Luga marker and press Enter.
    await page.locator('[data-site="luga"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('site-panel').textContent()).toContain('Luga');
    await page.locator('[data-site="deveselu"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('site-panel').textContent()).toContain('Deveselu');
    await page.screenshot({ path: join(SHOTS, 'map.png') });
    expect(interactive).toBeLessThan(2000);
    await page.close();
  });

  it('verifies a real entry in the browser, beyond the first tile, from tiles and from the API proof', async () => {
    const page = await open(entryUrl('us', 260));
    const verdict = page.getByTestId('verdict');
    await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    expect(await verdict.textContent()).toContain('Verified in your browser');
    const steps = await page
      .locator('ol.steps li')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.className]));
    expect(steps).toEqual(
      ['key', 'checkpoint', 'bundle', 'leaf', 'tiles-proof', 'api-proof', 'proofs-agree', 'signature'].map((s) => [
        s,
        'ok',
      ]),
    );
    await page.close();
    const small = await open(entryUrl('ru', 2));
    await expect.poll(() => small.getByTestId('verdict').getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    await small.screenshot({ path: join(SHOTS, 'entry.png'), fullPage: false });
    await small.close();
  });

  it('fails verification when the server serves a tampered entry bundle', async () => {
    node.tamper.mode = 'bundle';
    node.tamper.party = 'us';
    try {
      const page = await open(entryUrl('us', 5));
      const verdict = page.getByTestId('verdict');
      await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
      expect(await verdict.textContent()).toContain('Verification failed');
      await page.screenshot({ path: join(SHOTS, 'entry-tampered.png') });
      await page.close();
    } finally {
      node.tamper.mode = 'none';
    }
  });

  it('fails verification when the server serves a checkpoint the log did not sign', async () => {
    node.tamper.mode = 'checkpoint';
    node.tamper.party = 'ru';
    try {
      const page = await open(entryUrl('ru', 1));
      const verdict = page.getByTestId('verdict');
      await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
      expect(await verdict.textContent()).toMatch(/Verification failed: .*(NOTE|signature)/i);
      await page.close();
    } finally {
      node.tamper.mode = 'none';
    }
  });

  it('switches between English and Russian', async () => {
    const page = await open('/board');
    await page.locator('[data-nav="map"]').waitFor();
    expect(await page.locator('[data-nav="map"]').textContent()).toBe('Map');
    await page.locator('[data-lang="ru"]').click();
    await expect.poll(() => page.locator('[data-nav="map"]').textContent()).toBe('Карта');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.locator('#board-heading').textContent()).toBe('Панель соблюдения');
    // The regime's own texts switch too.
    expect(await page.getByTestId('limits').textContent()).toContain('ДСНВ');
    // Kept across a reload.
    await page.reload();
    await expect.poll(() => page.locator('[data-nav="map"]').textContent()).toBe('Карта');
    await page.locator('[data-lang="en"]').click();
    await expect.poll(() => page.locator('[data-nav="map"]').textContent()).toBe('Map');
    await page.close();
  });

  it("shows the board with the regime's limits, commitments, quotas and metrics", async () => {
    const page = await open('/board');
    await page.getByTestId('limits').waitFor();
    const limitRows = await page.locator('[data-limit]').count();
    expect(limitRows).toBe(node.regime.limits.reduce((n, l) => n + l.parties.length, 0));
    expect(await page.locator('[data-commitment]').count()).toBe(node.regime.commitments.length);
    expect(await page.getByTestId('quotas').textContent()).toContain('Aegis Ashore');
    expect(await page.locator('[data-metric]').count()).toBe(node.regime.metrics.length);
    await page.screenshot({ path: join(SHOTS, 'board.png'), fullPage: true });
    await page.close();
  });

  it('lists entries virtualized, filters them, and dates carry their time zone', async () => {
    const page = await open('/timeline');
    await expect.poll(() => page.getByTestId('entry-count').textContent()).toMatch(/\d+ entries/);
    const total = Number((await page.getByTestId('entry-count').textContent())!.match(/\d+/)![0]);
    expect(total).toBeGreaterThan(300);
    const rendered = await page.locator('[data-entry]').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60); // only what is visible (and a little overscan) is in the DOM
    expect(await page.locator('[data-entry]').first().textContent()).toContain('UTC');
    await page.getByTestId('filter-party').selectOption('ru');
    await expect.poll(() => page.getByTestId('entry-count').textContent()).toBe('3 entries');
    await page.screenshot({ path: join(SHOTS, 'timeline.png') });
    await page.close();
  });

  it('requests an inspection end to end: checked as typed, signed by the node, in the log, verified', async () => {
    node.tokens['test-token-ru-inspector'] = { user: 'anna', party: 'ru', roles: ['inspector'] };
    const page = await open('/act/request-inspection');
    await page.locator('input[type="password"]').fill('test-token-ru-inspector');
    await expect.poll(() => page.getByTestId('me').textContent()).toContain('anna');
    const form = page.getByTestId('request-inspection');
    await form.locator('select[name="inspection"]').selectOption('aegis-ashore-transparency');
    await form.locator('select[name="site"]').selectOption('deveselu');
    // Too little notice (the aegis visit needs P7D): refused before sending.
    const soon = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    await form.locator('input[name="arrival"]').fill(soon);
    await expect.poll(() => form.locator('#err-arrival').textContent()).toContain('earliest');
    expect(await form.locator('button[type="submit"]').isDisabled()).toBe(true);
    // Too many inspectors for the type (4 at most).
    await form.locator('input[name="inspectors"]').fill('9');
    await expect.poll(() => form.locator('#err-inspectors').count()).toBe(1);
    await form.locator('input[name="inspectors"]').fill('3');
    const later = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 16);
    await form.locator('input[name="arrival"]').fill(later);
    await expect.poll(() => form.locator('button[type="submit"]').isDisabled()).toBe(false);
    const before = node.logs.find((l) => l.party === 'ru')!.store.head()!.size;
    await form.locator('button[type="submit"]').click();
    const result = page.getByTestId('submit-result');
    await expect.poll(() => result.textContent()).toContain(`Appended as entry ${before}`);
    // In the log, and verifiable in the browser.
    await result.locator('a').click();
    const verdict = page.getByTestId('verdict');
    await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    expect(await page.locator('pre.json').first().textContent()).toContain('"site": "deveselu"');
    await page.close();
  });

  it('never makes a request outside 127.0.0.1', () => {
    expect(browser.external).toEqual([]);
  });
});
