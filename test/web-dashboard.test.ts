/**
 * The dashboard in Debian's Chromium against the scenario played as a real federation (test/helpers/web-node.ts):
 * three PartyNode servers that mirror and witness each other, the whole timeline submitted through their write API;
 * the board shows the engine's own state and findings. Needs `npm run build` (dist/web).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { webSuite } from './helpers/web-node.js';

// The screenshots in docs/ are refreshed only when asked (UPDATE_SCREENSHOTS=1): a test run must not change
// tracked files. Otherwise they still get taken (rendering must not fail), into a temporary directory.
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots')
  : mkdtempSync(join(tmpdir(), 'detente-shots-'));
const web = webSuite('detente-web-');

/** A read of the US node's API signed in as the US (what its dashboard shows the US). */
const asUs = (path: string) =>
  fetch(`${web.node.base}${path}`, { headers: { authorization: `Bearer ${web.node.fed.node('us').token}` } });

/** A page of the US node's dashboard, signed in as the US: it reads New START data (sealed to us and ru). */
async function open(path: string, base = web.node.base): Promise<Page> {
  const page = await web.browser.page();
  const token = web.node.fed.node('us').token;
  await page.addInitScript((t) => sessionStorage.setItem('detente.token', t), token);
  await page.goto(`${base}${path}`);
  return page;
}

const entryUrl = (party: string, index: number) => `/entry/${encodeURIComponent(web.node.origin(party))}/${index}`;
/** The end of the scenario: its state, rather than today's. */
const END = '2022-12-31';

describe('dashboard', () => {
  it('serves the app at / with caching and a same-origin-only policy, never for /api or /logs', async () => {
    const index = await fetch(`${web.node.base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${web.node.base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Client routes fall back to the app; server paths and missing files do not.
    for (const path of ['/map', '/board', '/entry/detente.example%2Fus/3', '/act/request-inspection']) {
      const r = await fetch(`${web.node.base}${path}`);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
    }
    for (const path of ['/api/nothing', '/logs/nobody/checkpoint', '/docs/x', '/assets/missing.js', '/api']) {
      const r = await fetch(`${web.node.base}${path}`);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.headers.get('content-type')).not.toContain('text/html');
    }
  });

  it("renders the map with every one of the scenario's sites, its zones, and a site panel by keyboard", async () => {
    // How fast this shows is measured by bench/first-view.ts, not here: a timed test fails with the machine's load.
    const page = await open('/');
    await page.locator('[data-site]').first().waitFor();
    const ids = await page.locator('[data-site]').evaluateAll((els) => els.map((e) => e.getAttribute('data-site')));
    expect(ids.sort()).toEqual(web.node.regime.sites.map((s) => s.id).sort());
    expect(await page.locator('path[data-iso="UKR"]').count()).toBe(1);
    expect(await page.locator('path[data-zone="ukraine"]').count()).toBe(1);
    expect(await page.locator('path[data-zone="ru-ukraine-border-band"]').count()).toBe(1);
    // Keyboard: focus a marker and press Enter.
    await page.locator('[data-site="deveselu"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('site-panel').textContent()).toContain('Deveselu');
    await page.locator('[data-site="kozelsk"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('site-panel').textContent()).toContain('Kozelsk');
    await page.getByTestId('site-inspections').waitFor();
    await page.screenshot({ path: join(SHOTS, 'map.png') });
    await page.close();
  });

  it('verifies a real entry in the browser, beyond the first tile, from tiles and from the API proof', async () => {
    const page = await open(entryUrl('nato', web.node.play.entries.nato! + web.node.monitoring - 3));
    const verdict = page.getByTestId('verdict');
    await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    expect(await verdict.textContent()).toContain('Verified in your browser');
    const steps = await page
      .locator('ol.steps li')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.className]));
    expect(steps).toEqual(
      [
        'key',
        'checkpoint',
        'bundle',
        'leaf',
        'tiles-proof',
        'api-proof',
        'proofs-agree',
        'signature',
        'cosignatures',
      ].map((s) => [s, 'ok']),
    );
    const witnesses = page.getByTestId('witnesses');
    expect(await witnesses.getAttribute('data-met')).toBe('true');
    // Every other party's witness: ru, nato, ro, pl and ua.
    expect(await witnesses.textContent()).toBe('5 of 5 witnesses');
    await page.close();
    const small = await open(entryUrl('ru', 2));
    await expect.poll(() => small.getByTestId('verdict').getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    await small.screenshot({ path: join(SHOTS, 'entry.png'), fullPage: false });
    await small.close();
  });

  it('fails verification when the server serves a tampered entry bundle', async () => {
    web.node.proxy.tamper.mode = 'bundle';
    web.node.proxy.tamper.party = 'us';
    try {
      const page = await open(entryUrl('us', 9), web.node.proxy.base);
      const verdict = page.getByTestId('verdict');
      await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
      expect(await verdict.textContent()).toContain('Verification failed');
      await page.screenshot({ path: join(SHOTS, 'entry-tampered.png') });
      await page.close();
    } finally {
      web.node.proxy.tamper.mode = 'none';
    }
  });

  it('fails verification when the server serves a checkpoint the log did not sign', async () => {
    web.node.proxy.tamper.mode = 'checkpoint';
    web.node.proxy.tamper.party = 'ru';
    try {
      const page = await open(entryUrl('ru', 1), web.node.proxy.base);
      const verdict = page.getByTestId('verdict');
      await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
      expect(await verdict.textContent()).toMatch(/Verification failed: .*(NOTE|signature)/i);
      await page.close();
    } finally {
      web.node.proxy.tamper.mode = 'none';
    }
  });

  it('never verifies an entry whose checkpoint lacks the quorum of witness cosignatures', async () => {
    web.node.proxy.tamper.mode = 'cosignatures';
    web.node.proxy.tamper.party = 'ru';
    try {
      const page = await open(entryUrl('ru', 1), web.node.proxy.base);
      const verdict = page.getByTestId('verdict');
      await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
      expect(await verdict.textContent()).toMatch(/quorum Witnesses not met: 0 of 5 witnesses/);
      expect(await page.getByTestId('witnesses').getAttribute('data-met')).toBe('false');
      expect(await page.locator('li[data-step="cosignatures"]').getAttribute('class')).toBe('failed');
      await page.close();
    } finally {
      web.node.proxy.tamper.mode = 'none';
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

  it("shows the engine's findings, with severities, parties and references that open and verify", async () => {
    const page = await open('/board');
    await page.getByTestId('findings').waitFor();
    const rows = await page
      .locator('[data-finding]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-finding'), e.getAttribute('data-severity')]));
    // Exactly what the node's engine reports, in the board, as of the node's clock (after the exercise): the
    // scenario's 33, the postponed Kozelsk inspection never conducted, and 8 BCC years short of two sessions
    // (two parties, four treaty years to its expiry on 5 February 2026).
    const { findings } = await (await asUs(`/api/findings`)).json();
    expect(rows.map((r) => r[0]).sort()).toEqual(findings.map((f: { id: string }) => f.id).sort());
    expect(rows.length).toBe(42);
    expect(Object.fromEntries(rows)).toMatchObject({
      'regime.signature-mismatch/detente.example/ru#0': 'minor',
      'inspection.absence-not-confirmed/detente.example/us#35': 'critical',
      'escrow.found-not-declared/detente.example/us#35': 'critical',
      'escrow.declared-not-found/detente.example/us#29': 'major',
      'limit.exceeded-observed/ukraine-no-offensive-gl-missiles/ru/2022-07-12T14:00:00.000Z': 'critical',
      'inspection.item-mismatch/detente.example/us#25': 'major',
      'metric.relapsed/ru-border-band-troops/2022-09-02T14:00:00.000Z': 'major',
      'acknowledgement.missing/detente.example/ru#17/us': 'minor',
      'inspection.short-notice/detente.example/us#10': 'minor',
      'metric.sources-disagree/ru-border-band-troops/detente.example/nato#3': 'info',
    });
    // The worst first.
    expect(rows.slice(0, 2).map((r) => r[1])).toEqual(['critical', 'critical']);
    const mismatch = page.locator('[data-finding="inspection.item-mismatch/detente.example/us#25"]');
    expect(await mismatch.textContent()).toContain('Russian Federation');
    // The engine's message (a code and parameters) rendered by the catalogue, not shown raw.
    expect(await mismatch.textContent()).toMatch(/differs? from Russian Federation's declaration: RU-/);
    expect(await mismatch.textContent()).not.toMatch(/[{}]/);
    // Its references are the entries the engine cites.
    const cited = await mismatch
      .locator('a[data-ref]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-ref')));
    const expected = findings.find((f: { id: string }) => f.id === 'inspection.item-mismatch/detente.example/us#25');
    expect(cited).toEqual(expected.refs.map((r: { origin: string; index: number }) => `${r.origin}#${r.index}`));
    // Filter by severity.
    await page.getByTestId('filter-severity').selectOption('critical');
    await expect.poll(() => page.locator('[data-finding]').count()).toBe(3);
    // A reference opens the entry, verified in the browser.
    await page.getByTestId('filter-severity').selectOption('');
    await page.locator('[data-finding="inspection.short-notice/detente.example/us#10"] a[data-ref]').click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    expect(await page.locator('[data-testid="raw-json"] pre').first().textContent()).toContain(
      '"type": "inspection-request"',
    );
    await page.close();
  });

  it('shows limits with margins, commitments with their status and reasons, deadlines, quotas and metrics', async () => {
    const page = await open(`/board?asOf=${END}`);
    await page.getByTestId('findings').waitFor();
    expect(await page.getByTestId('as-of').textContent()).toContain('2022-12-31 23:59');
    const limit = (id: string, party: string) => page.locator(`[data-limit="${id}"][data-party="${party}"]`);
    expect(await page.locator('[data-limit]').count()).toBe(
      web.node.regime.limits.reduce((n, l) => n + l.parties.length, 0),
    );
    // New START as of the end of 2022: judged on the escrowed declarations' committed totals (docs/ESCROW.md §2.7).
    expect(await limit('nst-launchers', 'us').getAttribute('data-status')).toBe('within');
    expect(await limit('nst-deployed-delivery-vehicles', 'us').textContent()).toContain('686');
    expect(await limit('nst-deployed-delivery-vehicles', 'ru').textContent()).toContain('526');
    expect(await limit('nst-deployed-delivery-vehicles', 'ru').getAttribute('data-status')).toBe('within');
    expect(await limit('ukraine-no-offensive-gl-missiles', 'us').getAttribute('data-status')).toBe('not-binding');
    // Commitments: Russia's breached (the missiles seen in Ukraine), its transparency withdrawn, the US one waits.
    const status = (id: string) => page.locator(`[data-commitment="${id}"]`).getAttribute('data-status');
    expect(await status('ru-ukraine-no-offensive-missiles')).toBe('breached');
    expect(await status('ru-ground-missile-base-transparency')).toBe('withdrawn');
    expect(await status('us-ukraine-no-offensive-missiles')).toBe('awaiting-condition');
    expect(
      await page
        .locator('[data-edge="us-ukraine-no-offensive-missiles>metric:ru-border-band-troops"]')
        .getAttribute('data-holds'),
    ).toBe('false');
    // The rule's title, never its id, in the reason and in what breached it.
    const reason = await page.locator('[data-commitment-reason="ru-ukraine-no-offensive-missiles"]').textContent();
    expect(reason).toContain(
      'indicators raised under: observations or inspections indicate counts above a binding limit',
    );
    expect(reason).toContain(
      'Breached by: observations or inspections indicate counts above a binding limit (2022-07-12',
    );
    expect(reason).not.toContain('limit.exceeded-observed');
    // Deadlines: late and missing notifications, a missing acknowledgement and explanation, all flagged.
    const deadlines = await page
      .locator('[data-deadline]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-deadline')}:${e.getAttribute('data-status')}`));
    for (const d of ['acknowledgement:missing', 'explanation:missing', 'notification:late', 'notification:missing']) {
      expect(deadlines).toContain(d);
    }
    expect(await page.locator('tr.overdue-row[data-deadline]').count()).toBeGreaterThanOrEqual(4);
    // Quotas: Russia used both Aegis Ashore visits of 2022; its third request, beyond the quota
    // (inspection.quota-exceeded), consumes nothing.
    expect(await page.locator('[data-quota="aegis-ashore-transparency"]').getAttribute('data-used')).toBe('2');
    expect(await page.getByTestId('quotas').textContent()).toContain('Aegis Ashore');
    // The metric: its whole series, relapsed.
    const metric = page.locator('[data-metric="ru-border-band-troops"]');
    expect(await metric.getAttribute('data-status')).toBe('relapsed');
    expect(Number(await metric.getAttribute('data-points'))).toBeGreaterThan(10);
    // Its chart's scales follow the data: the series, the deadline and the end of the holding period all in view.
    const state = await (await asUs(`/api/state?asOf=${END}`)).json();
    const series: { at: string; value: number }[] = state.metrics.find(
      (m: { metric: string }) => m.metric === 'ru-border-band-troops',
    ).series;
    const from = Date.parse((await metric.getAttribute('data-x-from'))!);
    const to = Date.parse((await metric.getAttribute('data-x-to'))!);
    for (const at of [...series.map((p) => p.at), '2022-03-31T00:00:00Z', '2022-06-29T00:00:00Z']) {
      expect(Date.parse(at)).toBeGreaterThan(from);
      expect(Date.parse(at)).toBeLessThan(to);
    }
    expect(Number(await metric.getAttribute('data-y-to'))).toBeGreaterThanOrEqual(
      Math.max(35_000, ...series.map((p) => p.value)),
    );
    await page.screenshot({ path: join(SHOTS, 'board.png'), fullPage: true });
    await page.close();
  });

  it('shows what the engine holds per site in the map side panel', async () => {
    const page = await open(`/map?site=engels&asOf=${END}`);
    await page.getByTestId('site-holdings').waitFor();
    // Russia's September declaration is escrowed and not opened at Engels: none declared there is known; the
    // May inspection's confirmed bomber is.
    expect(await page.locator('[data-holding="heavy-bomber"]').textContent()).toMatch(/^Heavy bomber01/);
    await page.goto(`${web.node.base}/map?site=kozelsk&asOf=${END}`);
    await page.getByTestId('site-inspections').waitFor();
    const statuses = await page
      .locator('[data-inspection]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses.sort()).toEqual(['conducted', 'conducted', 'not-conducted', 'requested']);
    expect(await page.getByTestId('site-panel').textContent()).toContain('major');
    expect(await page.locator('[data-site="kozelsk"]').getAttribute('data-tone')).toBe('bad');
    // The panel's findings are those the engine places at the site (Finding.site), no more and no fewer.
    const { findings } = await (await asUs(`/api/findings?asOf=${END}`)).json();
    const atKozelsk = findings.filter((f: { site?: string }) => f.site === 'kozelsk').map((f: { id: string }) => f.id);
    expect(atKozelsk).toContain('inspection.item-mismatch/detente.example/us#25');
    const shown = await page
      .locator('[data-site-finding]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-site-finding')));
    expect(shown.sort()).toEqual(atKozelsk.sort());
    await page.screenshot({ path: join(SHOTS, 'map.png') });
    await page.close();
  });

  it('lists entries virtualized, filters them, dates carry their time zone, and the date control sets asOf', async () => {
    const page = await open('/timeline');
    await expect.poll(() => page.getByTestId('entry-count').textContent()).toMatch(/\d+ entries/);
    const total = Number((await page.getByTestId('entry-count').textContent())!.match(/\d+/)![0]);
    expect(total).toBe(124 + 2 + web.node.monitoring); // and the US's and Russia's audience keys
    const rendered = await page.locator('[data-entry]').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60); // only what is visible (and a little overscan) is in the DOM
    expect(await page.locator('[data-entry]').first().textContent()).toContain('UTC');
    await page.getByTestId('filter-party').selectOption('ru');
    await expect.poll(() => page.getByTestId('entry-count').textContent()).toBe(`${web.node.play.entries.ru} entries`);
    // The date control: the node folds only what counted by then (?asOf=), and so does the board.
    await expect.poll(() => page.getByTestId('asof-summary').getAttribute('data-entries')).toBe(String(total));
    const asOf = '2022-03-01'; // the end of that day, UTC
    const then = await (await asUs(`/api/state?asOf=${asOf}`)).json();
    const thenFindings = (await (await asUs(`/api/findings?asOf=${asOf}`)).json()).findings;
    expect(then.entries.total).toBeGreaterThan(10);
    expect(then.entries.total).toBeLessThan(40);
    await page.getByTestId('asof-input').fill(asOf);
    await expect
      .poll(() => page.getByTestId('asof-summary').getAttribute('data-entries'))
      .toBe(String(then.entries.total));
    expect(await page.getByTestId('asof-findings').textContent()).toBe(String(thenFindings.length));
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(asOf);
    expect(await page.getByTestId('asof-shown').textContent()).toContain('2022-03-01 23:59:59 UTC');
    await page.screenshot({ path: join(SHOTS, 'timeline.png') });
    await page.close();
  });

  it('requests an inspection end to end: checked as typed, signed by the node, in the log, verified', async () => {
    const ru = web.node.fed.node('ru');
    const page = await open('/act/request-inspection', ru.url);
    await page.locator('input[type="password"]').fill(ru.token);
    await expect.poll(() => page.getByTestId('me').textContent()).toContain(ru.user);
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
    const before = ru.node.servedSize(ru.node.logByParty('ru')!);
    await form.locator('button[type="submit"]').click();
    const result = page.getByTestId('submit-result');
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toContain(`Appended as entry ${before}`);
    // In the log, and verifiable in the browser.
    await result.locator('a').click();
    const verdict = page.getByTestId('verdict');
    await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    expect(await page.locator('[data-testid="raw-json"] pre').first().textContent()).toContain('"site": "deveselu"');
    // Mirrored to the US node, whose engine counts it against Russia's quota for this year.
    await web.node.fed.settle(30_000);
    const us = await open('/board');
    await us.getByTestId('quotas').waitFor();
    await expect.poll(() => us.locator('[data-quota="aegis-ashore-transparency"]').getAttribute('data-used')).toBe('1');
    await us.close();
    await page.close();
  });

  it('files a notification: checked with the schema as typed, late flagged, appended through the node', async () => {
    const ru = web.node.fed.node('ru');
    const page = await open('/act/notify', ru.url);
    await page.locator('input[type="password"]').fill(ru.token);
    await expect.poll(() => page.getByTestId('me').textContent()).toContain(ru.user);
    const form = page.getByTestId('notify');
    // Empty: the schema's own problems, nothing sent.
    expect(await form.locator('button[type="submit"]').isDisabled()).toBe(true);
    await form.locator('input[name="name-en"]').fill('Zapad');
    await form.locator('input[name="name-ru"]').fill('Запад');
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 16);
    await form.locator('input[name="start"]').fill(day(10));
    await form.locator('input[name="end"]').fill(day(5));
    await expect.poll(() => form.locator('#err-end').count()).toBe(1);
    await expect.poll(() => form.getByTestId('late-warning').count()).toBe(1); // 42 days' notice are due
    await form.locator('input[name="end"]').fill(day(20));
    await form.locator('input[name="quantity"]').fill('-5');
    await expect.poll(() => form.locator('#err-quantities').count()).toBe(1);
    await form.locator('input[name="quantity"]').fill('13000');
    await expect.poll(() => form.locator('button[type="submit"]').isDisabled()).toBe(false);
    const before = ru.node.servedSize(ru.node.logByParty('ru')!);
    await form.locator('button[type="submit"]').click();
    const result = page.getByTestId('submit-result');
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toContain(`Appended as entry ${before}`);
    await result.locator('a').click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    expect(await page.locator('[data-testid="raw-json"] pre').first().textContent()).toContain(
      '"rule": "vd11-prior-notification"',
    );
    // The engine records it as late.
    await web.node.fed.settle(30_000);
    const { findings } = await (await asUs(`/api/findings`)).json();
    expect(findings.map((f: { id: string }) => f.id)).toContain(`notification.late/${web.node.origin('ru')}#${before}`);
    await page.close();
  });

  it('never makes a request outside 127.0.0.1', () => {
    expect(web.browser.external).toEqual([]);
  });
});
