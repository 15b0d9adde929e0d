/**
 * Accessibility of every dashboard view, in Debian's Chromium against the real federation: axe-core (injected into
 * the page, WCAG 2.1 A and AA rules) finds no serious or critical violation in either language, and the dashboard
 * works from the keyboard alone: Tab reaches every control in order, the focus is always visible, a form submits
 * with Enter, and the map's sites are reachable without the map (the site list).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { webSuite } from './helpers/web-node.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const web = webSuite('detente-web-a11y-', 0, { exerciseClock: true });

async function open(path: string, lang: 'en' | 'ru' = 'en'): Promise<Page> {
  const page = await web.browser.page();
  await page.addInitScript((l) => localStorage.setItem('detente.lang', l), lang);
  await page.goto(`${web.node.base}${path}`);
  return page;
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** axe-core's serious and critical violations on the page as it stands (evaluated over CDP: the page's CSP allows no inline script). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown }> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations;
  })) as Violation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 120)}`).join(' | ')}`,
    );
}

/** Each view with what marks it as loaded. */
function views(): { path: string; ready: string }[] {
  return [
    { path: '/map', ready: '[data-site]' },
    { path: '/map?site=ukrainka', ready: '[data-testid="site-panel"]' },
    { path: '/board', ready: '[data-testid="quotas"]' },
    { path: '/incidents', ready: '[data-incident]' },
    { path: '/missions', ready: '[data-testid="mission-quotas"]' },
    { path: '/timeline', ready: '[data-entry]' },
    { path: `/entry/${encodeURIComponent(web.node.origin('us'))}/3`, ready: '[data-step="cosignatures"]' },
    { path: '/health', ready: '[data-cosigner]' },
    { path: '/act/request-inspection', ready: 'form' },
    { path: '/act/acknowledge', ready: 'form' },
    { path: '/act/notify', ready: 'form' },
    { path: '/act/report', ready: 'form' },
    { path: '/act/declaration', ready: 'form' },
  ];
}

describe('axe-core', () => {
  for (const lang of ['en', 'ru'] as const) {
    it(`no serious or critical violation on any view (${lang})`, async () => {
      const found: string[] = [];
      for (const v of views()) {
        const page = await open(v.path, lang);
        await page.locator(v.ready).first().waitFor();
        for (const line of await axeViolations(page)) found.push(`${v.path}: ${line}`);
        await page.close();
      }
      expect(found).toEqual([]);
    }, 120_000);
  }
});

/** Tabs through the page from the top and records each focused element, and whether it shows a focus ring. */
async function tabOrder(page: Page, max = 200): Promise<{ key: string; visible: boolean }[]> {
  const seen: { key: string; visible: boolean }[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      const e = document.activeElement as HTMLElement | null;
      if (!e || e === document.body) return undefined;
      const style = getComputedStyle(e);
      // A map marker (SVG) shows its focus on its ring, not with an outline.
      const marker = e.querySelector('.focus-ring');
      const markerRing = marker ? getComputedStyle(marker).stroke : 'none';
      const ring =
        (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) ||
        style.boxShadow !== 'none' ||
        (markerRing !== 'none' && markerRing !== 'transparent' && markerRing !== 'rgba(0, 0, 0, 0)');
      const key = `${e.tagName.toLowerCase()}|${e.getAttribute('data-site') ?? e.getAttribute('data-site-link') ?? e.getAttribute('href') ?? e.getAttribute('name') ?? e.id ?? ''}|${(e.textContent ?? '').trim().slice(0, 30)}|${e.getAttribute('aria-label') ?? ''}`;
      return { key, visible: ring };
    });
    if (!at) break;
    if (seen.length && seen[0]!.key === at.key) break; // wrapped around
    // A date input takes several Tab stops (its month, day and year fields, and Chromium's picker button, which
    // does not expose its focus to the page): one control, shown focused on its first stop.
    if (seen.at(-1)?.key === at.key) continue;
    seen.push(at);
  }
  return seen;
}

/** Every control a user can operate on the page, as tabOrder keys them. */
async function controls(page: Page): Promise<number> {
  return page
    .locator(
      'main a[href], main button:not([disabled]), main input:not([disabled]), main select:not([disabled]), main textarea:not([disabled]), main [tabindex="0"]',
    )
    .evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length);
}

describe('the keyboard alone', () => {
  it('Tab reaches as many stops as each view has controls, and the focus is always visible', async () => {
    for (const v of views()) {
      const page = await open(v.path);
      await page.locator(v.ready).first().waitFor();
      await page.waitForLoadState('networkidle');
      const order = await tabOrder(page);
      const hidden = order.filter((o) => !o.visible).map((o) => o.key);
      expect(hidden, `${v.path}: focus not visible on`).toEqual([]);
      // Every visible control in the main area is in the tab order (the header's are extra).
      const inMain = await page.evaluate(() => document.querySelectorAll('main *').length);
      expect(inMain).toBeGreaterThan(0);
      expect(order.length, v.path).toBeGreaterThanOrEqual(await controls(page));
      await page.close();
    }
  }, 180_000);

  it('the skip link moves the focus to the main content', async () => {
    const page = await open('/board');
    await page.getByTestId('quotas').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.close();
  });

  it('the map has a non-map alternative: every site is a link in the site list, opened with Enter', async () => {
    const page = await open('/map');
    await page.locator('[data-site]').first().waitFor();
    const order = (await tabOrder(page)).map((o) => o.key);
    for (const s of web.node.regime.sites) {
      expect(order.some((k) => k.includes(`|${s.id}|`) || k.includes(`?site=${s.id}`))).toBe(true);
      expect(await page.locator(`[data-site-link="${s.id}"]`).count()).toBe(1);
    }
    const link = page.locator('[data-site-link="kozelsk"]');
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('site-panel').waitFor();
    expect(new URL(page.url()).searchParams.get('site')).toBe('kozelsk');
    await page.close();
  });

  it('a form submits by keyboard: typed into, tabbed through, sent with Enter, and the answer is announced', async () => {
    const us = web.node.fed.node('us');
    // A Russian notification for the US to acknowledge.
    const ru = encodeURIComponent(web.node.origin('ru'));
    let target: { index: number; leafHash: string } | undefined;
    for (let i = 0; !target; i++) {
      const e = await (await fetch(`${web.node.base}/api/entries/${ru}/${i}`)).json();
      if (e.envelope.type === 'notification') target = { index: i, leafHash: e.leafHash };
    }
    const page = await open('/act/acknowledge');
    await page.locator('form').first().waitFor();
    await page.getByLabel('Access token').focus();
    await page.keyboard.type(us.token);
    await expect.poll(() => page.getByTestId('me').textContent()).toContain(us.user);
    await page.locator('form select').first().focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type(String(target.index));
    await page.keyboard.press('Tab');
    await page.keyboard.type(target.leafHash);
    const submit = page.locator('form button[type="submit"]').first();
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await submit.evaluate((b) => b === document.activeElement);
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    // The answer (the new entry, or the node's refusal) lands in the live region a screen reader announces.
    await expect.poll(() => page.getByTestId('submit-result').textContent(), { timeout: 20_000 }).toMatch(/\S/);
    expect(await page.getByTestId('submit-result').getAttribute('aria-live')).toBe('polite');
    await page.close();
  });

  it('never makes a request outside 127.0.0.1', () => {
    expect(web.browser.external).toEqual([]);
  });
});
