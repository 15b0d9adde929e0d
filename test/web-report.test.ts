/**
 * Recording an inspection report in the browser, end to end, against the scenario played as a real federation
 * (test/helpers/web-node.ts): Russia's inspector requests an Aegis Ashore visit through the API, then records
 * through the dashboard that the team found what was to be absent; the report is signed by the RU node, lands in
 * its log, verifies in the browser, and the US node's engine (a mirror) adds the critical finding to its board.
 * Needs `npm run build` (dist/web).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unlabelled } from './helpers/browser.js';
import { nonce, submit } from './helpers/nodes.js';
import { webSuite } from './helpers/web-node.js';

const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots')
  : mkdtempSync(join(tmpdir(), 'detente-shots-'));
const web = webSuite('detente-web-report-', 0);

describe('record an inspection report', () => {
  it('checks the findings as typed, appends the report through the node, and the board shows what it found', async () => {
    const ru = web.node.fed.node('ru');
    const arrival = new Date(Date.now() + 8 * 86_400_000).toISOString().replace(/:\d\d\.\d+Z$/, ':00Z');
    const requested = await submit(ru.url, ru.token, {
      nonce: nonce(),
      type: 'inspection-request',
      body: { inspection: 'aegis-ashore-transparency', host: 'us', site: 'deveselu', arrival },
    });
    expect(requested.status).toBe(201);
    const request = `${web.node.origin('ru')}#${requested.json.index}`;

    const page = await web.browser.page();
    await page.goto(`${ru.url}/act/report`);
    await page.locator('input[type="password"]').fill(ru.token);
    await expect.poll(() => page.getByTestId('me').textContent()).toContain(ru.user);
    const form = page.getByTestId('report');
    await form.locator('select[name="request"]').selectOption(request);
    // Every control has a label (keyboard and screen-reader users reach each by its name), in both languages.
    expect(await unlabelled(form)).toEqual([]);
    await page.locator('[data-lang="ru"]').click();
    await expect.poll(() => form.textContent()).toContain('Инспекция (один из запросов вашей стороны)');
    expect(await form.textContent()).toContain('Отсутствие категории');
    await page.locator('[data-lang="en"]').click();
    await expect.poll(() => form.textContent()).toContain("Inspection (one of your party's requests)");
    // The type verifies the absence of Tomahawks (the Mk 41 launchers are there, their configuration is another
    // check): one row per category, absent by default; the times default to the visit's.
    expect(await form.locator('[data-finding-row]').count()).toBe(1);
    expect(await form.locator('select[name="finding-0-category"]').inputValue()).toBe('inf-range-glm');
    expect(await form.locator('input[name="start"]').inputValue()).toBe(arrival.slice(0, 16).replace('T', ' '));
    // A declared-item row without a UID: the schema's problem, shown at the field, nothing sent.
    await form.getByTestId('add-finding').click();
    await expect.poll(() => form.locator('#err-finding-1-uid').count()).toBe(1);
    expect(await form.locator('button[type="submit"]').isDisabled()).toBe(true);
    await form.locator('input[name="finding-1-uid"]').fill('not a uid!');
    await expect.poll(() => form.locator('#err-finding-1-uid').textContent()).toBeTruthy();
    await form.locator('[data-finding-row="1"] button').click();
    // An end before the start: the vocabulary check, at the field.
    await form.locator('input[name="end"]').fill(`${arrival.slice(0, 11)}00:00`);
    await form.locator('input[name="start"]').fill(`${arrival.slice(0, 11)}10:00`);
    await expect.poll(() => form.locator('#err-end').count()).toBe(1);
    await form.locator('input[name="end"]').fill(`${arrival.slice(0, 11)}18:00`);
    // What the team found: two missiles that were to be absent.
    await form.locator('select[name="finding-0-result"]').selectOption('present');
    await form.locator('input[name="finding-0-count"]').fill('-1');
    await expect.poll(() => form.locator('#err-finding-0-count').count()).toBe(1);
    await form.locator('input[name="finding-0-count"]').fill('2');
    await form.locator('input[name="finding-0-note-en"]').fill('Two canisters in the hangar');
    await form.locator('input[name="finding-0-note-ru"]').fill('Два контейнера в ангаре');
    await expect.poll(() => form.locator('button[type="submit"]').isDisabled()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
    const before = ru.node.servedSize(ru.node.logByParty('ru')!);
    await form.locator('button[type="submit"]').click();
    const result = page.getByTestId('submit-result');
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toContain(`Appended as entry ${before}`);
    const report = `${web.node.origin('ru')}#${before}`;

    // In the log: the entries API lists it, and the browser verifies it.
    const listed = await (await fetch(`${ru.url}/api/entries?party=ru&type=inspection-report`)).json();
    expect(listed.entries.map((e: { index: number }) => e.index)).toContain(before);
    await result.locator('a').click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    const json = await page.locator('[data-testid="raw-json"] pre').first().textContent();
    expect(json).toContain('"type": "inspection-report"');
    expect(json).toContain(`"index": ${requested.json.index}`);
    await page.close();

    // Mirrored to the US node: its board now holds the critical finding, and the visit counts as conducted.
    await web.node.fed.settle(30_000);
    const board = await web.browser.page();
    await board.goto(`${web.node.base}/board`);
    const row = board.locator(`[data-finding="inspection.absence-not-confirmed/${report}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-severity')).toBe('critical');
    expect(await row.textContent()).toContain('inf-range-glm × 2');
    expect(await board.locator(`[data-finding="inspection.not-countersigned/${report}"]`).count()).toBe(1);
    await board.goto(`${web.node.base}/map?site=deveselu`);
    await board.getByTestId('site-inspections').waitFor();
    expect(
      await board.locator('[data-inspection="aegis-ashore-transparency"][data-status="conducted"]').count(),
    ).toBeGreaterThanOrEqual(1);
    await board.close();
  }, 120_000);

  it('never makes a request outside 127.0.0.1', () => {
    expect(web.browser.external).toEqual([]);
  });
});
