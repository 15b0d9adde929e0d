/**
 * Escrowed declarations in the browser, end to end, against the scenario played as a real federation
 * (test/helpers/web-node.ts): Russia's declarant pastes items as CSV, sees each row checked and the totals before
 * sending, commits (the node keeps the secrets and records root and totals), then opens one site in full; the
 * opening the node answers is verified in the browser (declaration entry from the log's checkpoint and tiles, the
 * document's proof, every opened leaf against the root and totals). Needs `npm run build` (dist/web).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unlabelled } from './helpers/browser.js';
import { webSuite } from './helpers/web-node.js';

const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots')
  : mkdtempSync(join(tmpdir(), 'detente-shots-'));
const web = webSuite('detente-web-escrow-', 0);

const row = (uid: string, category: string, site: string, status: string, warheads = '') =>
  `${uid},${category},${site},${status},${warheads}`;
const ITEMS = [
  'uid,category,site,status,warheads',
  row('RU-ICBM-K1', 'icbm', 'kozelsk', 'deployed', '4'),
  row('RU-ICBM-K2', 'icbm', 'kozelsk', 'deployed', '4'),
  row('RU-ICBM-K3', 'icbm', 'kozelsk', 'non-deployed'),
  row('RU-HB-E1', 'heavy-bomber', 'engels', 'deployed'),
  row('RU-HB-E2', 'heavy-bomber', 'engels', 'deployed'),
];

describe('escrowed declarations', () => {
  it('commits items checked as typed, opens a site, and verifies the opening in the browser', async () => {
    const ru = web.node.fed.node('ru');
    const page = await web.browser.page();
    await page.goto(`${ru.url}/act/declaration`);
    await page.locator('input[type="password"]').fill(ru.token);
    await expect.poll(() => page.getByTestId('me').textContent()).toContain(ru.user);
    const commit = page.getByTestId('commit-declaration');
    const asOf = '2026-01-01';
    await commit.locator('input[name="asOf"]').fill(asOf);
    // A file: JSON read into the form, and its totals shown.
    const json = [
      { uid: 'RU-F-1', category: 'slbm', site: 'gadzhiyevo', status: 'deployed', attributes: { warheads: 4 } },
    ];
    await commit
      .locator('input[name="file"]')
      .setInputFiles({ name: 'items.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) });
    await expect.poll(() => commit.getByTestId('escrow-totals').textContent()).toContain('1 items read (JSON)');
    expect(await commit.locator('[data-total="slbm"]').textContent()).toContain('1');
    // Each row checked as typed: a quantity category, an unknown site, a status the model does not have.
    const bad = [
      ...ITEMS,
      row('RU-T-1', 'troops', 'kozelsk', 'deployed'),
      row('RU-X-1', 'icbm', 'atlantis', 'deployed'),
      row('RU-X-2', 'icbm', 'kozelsk', 'parked'),
    ];
    await commit.locator('textarea[name="items"]').fill(bad.join('\n'));
    const problems = commit.getByTestId('item-problems');
    await expect.poll(() => problems.textContent()).toContain('#6 (RU-T-1) category');
    const text = (await problems.textContent()) ?? '';
    expect(text).toContain('#7 (RU-X-1) site');
    expect(text).toContain('#8 (RU-X-2) status');
    expect(await commit.locator('button[type="submit"]').isDisabled()).toBe(true);
    // Fixed: the totals the commitment will publish, before anything is sent.
    await commit.locator('textarea[name="items"]').fill(ITEMS.join('\n'));
    await expect.poll(() => commit.locator('button[type="submit"]').isDisabled()).toBe(false);
    expect(await unlabelled(commit)).toEqual([]);
    expect(await commit.locator('[data-total="icbm"]').textContent()).toContain('3');
    expect(await commit.locator('[data-total="heavy-bomber"]').textContent()).toContain('2');
    await commit.locator('button[type="submit"]').click();
    const committed = commit.getByTestId('commit-result');
    await expect.poll(() => committed.textContent(), { timeout: 15_000 }).toMatch(/Appended as entry \d+/);
    const root = await commit.getByTestId('commit-root').textContent();
    expect(root).toMatch(/^[0-9a-f]{64}$/);
    const declarationIndex = Number(/entry (\d+)/.exec((await committed.textContent())!)![1]);
    await page.screenshot({ path: join(SHOTS, 'declaration-commit.png'), fullPage: true });
    // A second commitment for the same period: refused by the node, said so.
    await commit.locator('button[type="submit"]').click();
    await expect.poll(() => committed.textContent(), { timeout: 10_000 }).toContain('COMMITMENT_DUPLICATE');

    // Open one site in full; the browser verifies what the node answers.
    const open = page.getByTestId('open-declaration');
    await expect
      .poll(() => open.locator('select[name="declaration"]').inputValue())
      .toBe(`${web.node.origin('ru')}#${declarationIndex}`);
    for (const mode of ['items', 'region', 'site']) {
      await open.locator(`input[name="mode"][value="${mode}"]`).check();
      expect(await unlabelled(open)).toEqual([]);
    }
    await open.locator('select[name="site"]').selectOption('kozelsk');
    await open.locator('button[type="submit"]').click();
    const verdict = open.getByTestId('opening-verdict');
    await expect.poll(() => verdict.getAttribute('data-state'), { timeout: 30_000 }).toBe('ok');
    expect(await verdict.textContent()).toContain('Opening verified in your browser');
    const steps = await verdict
      .locator('ol.steps li')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.className]));
    expect(steps).toEqual(
      ['file', 'declaration', 'document-entry', 'document-proof', 'escrowed', 'opening'].map((s) => [s, 'ok']),
    );
    const opened = await verdict
      .locator('[data-opened]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-opened')));
    expect(opened.sort()).toEqual(['RU-ICBM-K1', 'RU-ICBM-K2', 'RU-ICBM-K3']);
    // From the top: the page's sticky header would otherwise sit in the middle of a full-page shot.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'declaration-open.png'), fullPage: true });

    // In the log: the opening entry, sealed to the US and Russia (New START data, issue 14), and its opening
    // document, which a node hands to its audience's users only.
    const link = open.getByTestId('open-result').locator('a');
    const openingIndex = Number(/entry (\d+)/.exec((await link.textContent())!)![1]);
    const docUrl = `${ru.url}/api/escrow/openings/${encodeURIComponent(web.node.origin('ru'))}/${openingIndex}`;
    expect((await fetch(docUrl)).status).toBe(404);
    const doc = await (await fetch(docUrl, { headers: { authorization: `Bearer ${ru.token}` } })).json();
    expect(doc.format).toBe('detente-opening/1');
    expect(doc.declaration.index).toBe(declarationIndex);
    await link.click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    // The entry is sealed: its envelope names the opening's type and audience, never the region it opened.
    const raw = await page.locator('[data-testid="raw-json"] pre').first().textContent();
    expect(raw).toContain('"type": "declaration-opening"');
    expect(raw).toContain('"type": "sealed"');
    expect(raw).not.toContain('kozelsk');
    await page.close();

    // The counterpart, signed in, verifies the opening at its own node (a mirror of Russia's log)…
    await web.node.fed.settle(30_000);
    const verifyAt = async (base: string) => {
      const us = await web.browser.page();
      await us.addInitScript((t) => sessionStorage.setItem('detente.token', t), web.node.fed.node('us').token);
      await us.goto(`${base}/act/declaration`);
      const form = us.getByTestId('verify-opening');
      await form.locator('select[name="origin"]').selectOption(web.node.origin('ru'));
      await form.locator('input[name="index"]').fill(String(openingIndex));
      await form.locator('button[type="submit"]').click();
      const v = form.getByTestId('opening-verdict');
      await expect.poll(() => v.getAttribute('data-state'), { timeout: 30_000 }).not.toBe('pending');
      return { page: us, verdict: v };
    };
    const mirrored = await verifyAt(web.node.base);
    expect(await mirrored.verdict.getAttribute('data-state')).toBe('ok');
    expect(await mirrored.verdict.locator('[data-opened]').count()).toBe(3);
    await mirrored.page.close();
    // …and a node that lies about Russia's checkpoint is caught: the declaration entry does not verify.
    web.node.proxy.tamper.mode = 'checkpoint';
    web.node.proxy.tamper.party = 'ru';
    try {
      const lied = await verifyAt(web.node.proxy.base);
      expect(await lied.verdict.getAttribute('data-state')).toBe('failed');
      expect(await lied.verdict.textContent()).toContain('Verification failed');
      expect(await lied.verdict.locator('li.failed').getAttribute('data-step')).toBe('declaration');
      expect(await lied.verdict.locator('[data-opened]').count()).toBe(0);
      await lied.page.close();
    } finally {
      web.node.proxy.tamper.mode = 'none';
    }
  }, 150_000);

  it('never makes a request outside 127.0.0.1', () => {
    expect(web.browser.external).toEqual([]);
  });
});
