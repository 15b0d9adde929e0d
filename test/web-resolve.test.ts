/**
 * The incidents view and the mission planner (issue 15), in Debian's Chromium against the real federation at the
 * end of the 2022 exercise: every incident the engine groups, with its graded evidence and both parties'
 * assessments side by side; quotas left per treaty year, notice periods, what is due next, and each mission's
 * outcome with its quota effect; in English and Russian, and readable at 420 px.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { webSuite } from './helpers/web-node.js';

const web = webSuite('detente-web-resolve-', 0, { exerciseClock: true });

/** The US node's dashboard signed in as the US: the New START missions and the Engels incident are sealed to us, ru. */
async function open(path: string, options: { width?: number; lang?: 'en' | 'ru' } = {}): Promise<Page> {
  const page = await web.browser.page();
  if (options.width) await page.setViewportSize({ width: options.width, height: 900 });
  await page.addInitScript((lang) => localStorage.setItem('detente.lang', lang), options.lang ?? 'en');
  await page.addInitScript((t) => sessionStorage.setItem('detente.token', t), web.node.fed.node('us').token);
  await page.goto(`${web.node.base}${path}`);
  return page;
}

const state = async () =>
  (
    await fetch(`${web.node.base}/api/state`, {
      headers: { authorization: `Bearer ${web.node.fed.node('us').token}` },
    })
  ).json();

describe('incidents', () => {
  it('lists every incident with its graded evidence and every party’s assessment side by side', async () => {
    const s = await state();
    expect(s.incidents.length).toBeGreaterThan(0);
    const page = await open('/incidents');
    await page.getByTestId('incidents').waitFor();
    const shown = await page
      .locator('[data-incident]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-incident')));
    expect(shown).toEqual(s.incidents.map((i: { id: string }) => i.id));
    // An incident two parties assessed: each party's cell shows its own position, the other parties' say none.
    const assessed = s.incidents.find((i: { assessments: unknown[] }) => i.assessments.length >= 2);
    expect(assessed).toBeDefined();
    const card = page.locator(`[data-incident="${assessed.id}"]`);
    expect(await card.getAttribute('data-grade')).toBe(assessed.evidence.grade);
    for (const p of ['us', 'ru', 'nato']) {
      const a = assessed.assessments.find((x: { party: string }) => x.party === p);
      expect(await card.locator(`[data-party="${p}"]`).getAttribute('data-position'), p).toBe(a?.position ?? 'none');
    }
    expect(await card.locator('[data-source]').count()).toBe(assessed.evidence.sources.length);
    // The board's words are indicators and positions, never a verdict of the software.
    const words = (await page.locator('main').textContent())!;
    expect(words).not.toMatch(/\b(BREACHED|violat|guilty)\b/i);
    await page.close();
  });
});

describe('the mission planner', () => {
  it('shows quotas left per treaty year, notice periods, what is due next and each outcome’s quota effect', async () => {
    const s = await state();
    const row = s.inspections.quotas.find(
      (q: { inspection: string; inspector: string }) => q.inspection === 'nst-type-one' && q.inspector === 'us',
    );
    const page = await open('/missions');
    await page.getByTestId('mission-quotas').waitFor();
    const quota = page.locator('[data-quota="nst-type-one"]').first();
    expect(await quota.getAttribute('data-left')).toBe(String(row.left));
    expect(await quota.textContent()).toContain(`${row.left} of ${row.quota} left in the treaty year`);
    expect(await quota.textContent()).toContain('arrival notified 32 h ahead');
    // Due next, after the exercise's end: the postponed Kozelsk inspection and the next treaty year.
    const due = await page.locator('[data-due]').evaluateAll((els) => els.map((e) => e.getAttribute('data-due')));
    expect(due).toContain('postponed');
    expect(due).toContain('quota-year');
    const outcomes = await page
      .locator('[data-mission]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-mission'), e.textContent]));
    const refused = outcomes.find(([m]) => m === 'refusal')!;
    expect(refused[1]).toContain('does not count against the quota');
    expect(outcomes.map(([m]) => m)).toContain('postponement');
    await page.close();
  });
});

describe('both views', () => {
  it('speak Russian, and hold at 420 px', async () => {
    for (const [path, heading, ready] of [
      ['/incidents', 'Инциденты', 'incidents'],
      ['/missions', 'Планирование миссий', 'mission-quotas'],
    ] as const) {
      const ru = await open(path, { lang: 'ru', width: 420 });
      await ru.getByTestId(ready).waitFor();
      expect(await ru.locator('h1').textContent()).toBe(heading);
      const text = (await ru.locator('main').textContent())!;
      // None of the views' own English words (rule ids such as mission.refused are codes, and stay).
      for (const word of [
        'Question',
        'Evidence',
        'Assessments',
        'no assessment',
        'left in the treaty year',
        'Due next',
        'Missions',
      ])
        expect(text, `${path}: ${word}`).not.toContain(word);
      expect(await ru.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(420);
      for (const sel of ['[data-nav="incidents"]', '[data-nav="missions"]', '[data-lang="en"]']) {
        const box = (await ru.locator(sel).boundingBox())!;
        expect(box.x >= 0 && box.x + box.width <= 420, `${path} ${sel}`).toBe(true);
      }
      await ru.close();
    }
  });
});
