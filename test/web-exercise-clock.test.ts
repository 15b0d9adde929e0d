/**
 * The dashboard as a newcomer meets it after `npm start`: the federation's clock stands at the end of the exercise
 * (2022-12-31), and every view follows it; the map shows every site, with a legend for every symbol; the wording is
 * the regime's and the reader's language; the layout holds at 420 px. Debian's Chromium against the real federation
 * (test/helpers/web-node.ts, no monitoring reports: the clock stays where the play left it).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { scenarioRegime } from '../src/exercise/play.js';
import { webSuite } from './helpers/web-node.js';

const web = webSuite('detente-web-clock-', 0, { exerciseClock: true });

async function open(
  path: string,
  options: { width?: number; lang?: 'en' | 'ru'; signedInAs?: 'us' } = {},
): Promise<Page> {
  const page = await web.browser.page();
  if (options.signedInAs) {
    const token = web.node.fed.node(options.signedInAs).token;
    await page.addInitScript((t) => sessionStorage.setItem('detente.token', t), token);
  }
  if (options.width) await page.setViewportSize({ width: options.width, height: 900 });
  await page.addInitScript((lang) => localStorage.setItem('detente.lang', lang), options.lang ?? 'en');
  await page.goto(`${web.node.base}${path}`);
  return page;
}

/** An ISO 8601 duration (P7D, PT32H, P1Y) or a rule id (notification.late) in visible text. */
const ISO_DURATION = /\bP(?:\d+[YMWD])*(?:T\d+[HMS])*\b/g;
const RULE_ID = /\b(?:notification|inspection|limit|escrow|metric|draw|regime|acknowledgement)\.[a-z-]+\b/g;
/** Words of English sentences (ids, keys and hashes have none of them standing alone; a policy's group name may). */
const ENGLISH = /\b(?:the|of|and|by|with|not|from|none|identical|hashes|tiles|quorum|met|entry|size|root)\b/gi;
const rawIsoDurations = (s: string) => (s.match(ISO_DURATION) ?? []).filter((m) => m !== 'P');

describe('the exercise clock', () => {
  it('the node tells its clock, and state and findings default to it', async () => {
    const clock = await (await fetch(`${web.node.base}/api/clock`)).json();
    expect(clock).toEqual({ now: '2022-12-31T23:59:59.000Z' });
    const state = await (await fetch(`${web.node.base}/api/state`)).json();
    expect(state.asOf).toBe('2022-12-31T23:59:59.000Z');
  });

  it('every view shows "as of" the federation clock by default, and the board counts 2022', async () => {
    for (const path of ['/map', '/board', '/timeline', '/act']) {
      const page = await open(path);
      const shown = page.getByTestId('asof-shown');
      await expect.poll(() => shown.getAttribute('data-asof')).toBe('2022-12-31T23:59:59.000Z');
      expect(await shown.textContent()).toContain("2022-12-31 23:59:59 UTC, the federation's clock");
      expect(await page.getByTestId('asof-input').inputValue()).toBe('2022-12-31');
      await page.close();
    }
    const board = await open('/board');
    await board.getByTestId('quotas').waitFor();
    // Russia's Aegis Ashore visits of 2022 within the quota: two (the third request is beyond it and, as treaties
    // count, does not use it); the wall clock's period would say 0.
    await expect
      .poll(() => board.locator('[data-quota="aegis-ashore-transparency"]').getAttribute('data-used'))
      .toBe('2');
    await board.close();
  });

  it('a late item says how late it was, from the engine’s own times; only what is not done is overdue', async () => {
    const state = await (await fetch(`${web.node.base}/api/state`)).json();
    const late = state.notifications.items.filter((n: { status: string }) => n.status === 'late');
    expect(late.length).toBeGreaterThan(0);
    const page = await open('/board');
    await page.getByTestId('notifications').waitFor();
    const rows = page.locator('[data-deadline="notification"][data-status="late"]');
    expect(await rows.count()).toBe(late.length);
    const span = (ms: number) => {
      const d = Math.floor(ms / 86_400_000);
      const h = Math.floor((ms % 86_400_000) / 3_600_000);
      return d ? `${d} d ${h} h late` : `${h} h`;
    };
    const expected = late.map((n: { countedAt: string; dueBy: string }) =>
      span(Date.parse(n.countedAt) - Date.parse(n.dueBy)),
    );
    const shown = await rows.locator('[data-testid="late-by"]').allTextContents();
    expect(shown.sort()).toEqual(expected.sort());
    // "Overdue" only on what is still not done.
    for (const row of await page.locator('[data-deadline]').all()) {
      const status = await row.getAttribute('data-status');
      if ((await row.textContent())?.includes('overdue')) expect(['missing', 'awaiting']).toContain(status);
    }
    await page.close();
  });

  it('a date chosen in the control is kept in the address; a bad ?asOf= says it is not a date', async () => {
    const page = await open('/board');
    await page.getByTestId('asof-input').fill('2022-03-01');
    await expect.poll(() => page.getByTestId('as-of').textContent()).toContain('2022-03-01 23:59:59');
    expect(new URL(page.url()).searchParams.get('asOf')).toBe('2022-03-01');
    await page.getByTestId('asof-now').click();
    await expect.poll(() => page.getByTestId('as-of').textContent()).toContain('2022-12-31 23:59:59');
    await page.goto(`${web.node.base}/board?asOf=yesterday`);
    await expect
      .poll(() => page.getByTestId('asof-problem').textContent())
      .toContain('“yesterday” in the address (?asOf=) is not a date');
    expect(await page.getByTestId('engine-missing').count()).toBe(0);
    await page.close();
  });
});

describe('the map', () => {
  it('draws every site inside the map and its frame, one shape per kind, a legend for every symbol and colour', async () => {
    const page = await open('/map');
    await page.locator('[data-site]').first().waitFor();
    const svg = (await page.getByTestId('map').boundingBox())!;
    const sites = web.node.regime.sites;
    expect(await page.locator('[data-site]').count()).toBe(sites.length);
    for (const s of sites) {
      const marker = page.locator(`[data-site="${s.id}"]`);
      const box = (await marker.locator('[data-shape]').boundingBox())!;
      const where = `${s.id} at ${JSON.stringify(box)} in ${JSON.stringify(svg)}`;
      expect(box.x >= svg.x && box.y >= svg.y, where).toBe(true);
      expect(box.x + box.width <= svg.x + svg.width && box.y + box.height <= svg.y + svg.height, where).toBe(true);
      // Inside its own frame (an inset, for Ukrainka and the US sites).
      const frame = await marker.getAttribute('data-frame');
      const [fx, fy, fw, fh] = (await page
        .locator(`g.frame[data-frame="${frame}"], g.inset[data-frame="${frame}"]`)
        .getAttribute('data-box'))!
        .split(' ')
        .map(Number) as [number, number, number, number];
      const [x, y] = [Number(await marker.getAttribute('data-x')), Number(await marker.getAttribute('data-y'))];
      expect(x >= fx && x <= fx + fw && y >= fy && y <= fy + fh, `${s.id} in ${frame}`).toBe(true);
    }
    expect(await page.locator('[data-site="ukrainka"]').getAttribute('data-frame')).toBe('east');
    // One shape per kind, and the legend shows each with its name.
    const kinds = [...new Set(sites.map((s) => s.kind))];
    const legend = await page
      .locator('[data-legend-kind]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-legend-kind'), e.getAttribute('data-shape')]));
    expect(legend.map(([k]) => k).sort()).toEqual(kinds.sort());
    expect(new Set(legend.map(([, shape]) => shape)).size).toBe(kinds.length);
    for (const [kind, shape] of legend) {
      for (const s of sites.filter((x) => x.kind === kind)) {
        expect(await page.locator(`[data-site="${s.id}"] [data-shape]`).getAttribute('data-shape')).toBe(shape);
      }
    }
    // Every status colour on the map has its line in the legend; every zone is labelled on the map.
    const tones = new Set(
      await page.locator('[data-site]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tone'))),
    );
    tones.delete('unknown');
    for (const tone of tones) expect(await page.locator(`[data-legend-tone="${tone}"]`).count()).toBe(1);
    for (const z of web.node.regime.zones) expect(await page.locator(`[data-zone-label="${z.id}"]`).count()).toBe(1);
    // No zone label covers a site's marker (the border band's label once hid Kozelsk).
    const markers = await page
      .locator('[data-site] [data-shape]')
      .evaluateAll((els) =>
        els.map((e) => ({ site: e.closest('[data-site]')!.getAttribute('data-site'), box: e.getBoundingClientRect() })),
      );
    for (const label of await page.locator('[data-zone-label]').all()) {
      const l = (await label.boundingBox())!;
      for (const m of markers) {
        const overlap =
          m.box.x < l.x + l.width &&
          m.box.x + m.box.width > l.x &&
          m.box.y < l.y + l.height &&
          m.box.y + m.box.height > l.y;
        expect(overlap, `${await label.getAttribute('data-zone-label')} over ${m.site}`).toBe(false);
      }
    }
    await page.close();
  });

  it('the site list works from the keyboard, and a site says its status in words', async () => {
    // Signed in as the US: Ukrainka's finding rests on Russia's opening, sealed to the US and Russia.
    const page = await open('/map', { signedInAs: 'us' });
    const link = page.locator('[data-site-link="ukrainka"]');
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('site-panel').waitFor();
    const status = await page.getByTestId('site-status').textContent();
    expect(status).toMatch(/finding|inspected|declared|requested/);
    expect(status).not.toMatch(RULE_ID);
    expect(await page.locator('[data-site="ukrainka"]').getAttribute('aria-pressed')).toBe('true');
    await page.close();
  });
});

describe('wording and layout', () => {
  it('no ISO 8601 duration in the board’s terms, quotas and metrics, nor in the forms', async () => {
    const page = await open('/board');
    await page.getByTestId('quotas').waitFor();
    for (const id of ['quotas', 'notifications']) {
      expect(rawIsoDurations((await page.getByTestId(id).textContent()) ?? '')).toEqual([]);
    }
    expect(await page.getByTestId('quotas').textContent()).toContain('32 h');
    await page.goto(`${web.node.base}/act/request-inspection`);
    await page.locator('form').first().waitFor();
    expect(rawIsoDurations((await page.locator('main').textContent()) ?? '')).toEqual([]);
    await page.close();
  });

  it('the timeline speaks the regime’s names, not key=value', async () => {
    const page = await open('/timeline');
    await page.locator('[data-entry]').first().waitFor();
    const text = (await page.getByTestId('timeline-rows').textContent()) ?? '';
    expect(text).not.toMatch(/\b[a-z]+=[\w-]+/);
    expect(text).toContain('United States of America');
    expect(text).toContain('Inspection request');
    await page.close();
  });

  it('Russian: the chrome, the as-of bar, the map legend and the severities are translated', async () => {
    const page = await open('/map', { lang: 'ru' });
    await page.locator('[data-site]').first().waitFor();
    const bar = (await page.getByTestId('asof-bar').textContent()) ?? '';
    expect(bar).toContain('часы федерации');
    const legend = (await page.locator('section.legend').textContent()) ?? '';
    // Latin letters in the legend would be English left untranslated (the regime's names are bilingual).
    expect(legend.match(/[A-Za-z]{3,}/g) ?? []).toEqual([]);
    await page.goto(`${web.node.base}/board`);
    await page.getByTestId('findings').waitFor();
    const pills = await page.locator('[data-testid="findings"] .pill').allTextContents();
    expect(pills.length).toBeGreaterThan(0);
    for (const p of pills) expect(p).toMatch(/^[а-яё ]+$/);
    await page.close();
  });

  it('no rule id nor ISO 8601 duration on any view; in Russian no English sentence, the verifier’s checks included', async () => {
    const entry = `/entry/${encodeURIComponent(web.node.origin('us'))}/3`;
    const views: [string, string][] = [
      ['/map?site=ukrainka', '[data-testid="site-panel"]'],
      ['/board', '[data-testid="quotas"]'],
      ['/timeline', '[data-entry]'],
      [entry, '[data-step="cosignatures"]'],
      ['/health', '[data-cosigner]'],
      ['/act/request-inspection', 'form'],
    ];
    const found: string[] = [];
    for (const [path, ready, lang] of views.flatMap((v) =>
      (['en', 'ru'] as const).map((lang) => [...v, lang] as const),
    )) {
      const page = await open(path, { lang });
      await page.locator(ready).first().waitFor();
      // biome-ignore lint/performance/useDomNodeTextContent: the visible text only (a closed <details> of raw JSON is data)
      const text = await page.locator('main').evaluate((e) => (e as HTMLElement).innerText);
      const at = (m: RegExpExecArray) => `${lang} ${path}: …${text.slice(m.index - 30, m.index + 30)}…`;
      for (const m of text.matchAll(RULE_ID)) found.push(at(m));
      for (const m of text.matchAll(ISO_DURATION)) if (m[0] !== 'P') found.push(at(m));
      if (lang === 'ru') for (const m of text.matchAll(ENGLISH)) found.push(at(m));
      await page.close();
    }
    expect(found).toEqual([]);
    // The facts stay as they are (keys, hashes, paths); the words around them are Russian.
    const page = await open(entry, { lang: 'ru' });
    const detail = (step: string) => page.locator(`[data-step="${step}"] .step-detail`).textContent();
    await page.locator('[data-step="cosignatures"]').waitFor();
    expect(await detail('proofs-agree')).toBe('совпадают');
    expect(await detail('tiles-proof')).toMatch(/^\d+ хеш(а|ей)? из тайлов \(загружено: \d+ тайл(а|ов)?\)$/);
    expect(await detail('cosignatures')).toMatch(/^наблюдателей: 5 из 5 \(.+\); кворум .+ достигнут$/);
    expect(await detail('checkpoint')).toMatch(/^размер \d+, корень [0-9a-f]{64} \(hex\)$/);
    await page.close();
  });

  it('an entry past the end: the checkpoint verifies, the entry is what is missing; no link beyond the tree', async () => {
    const origin = web.node.origin('us');
    const page = await open(`/entry/${encodeURIComponent(origin)}/9999`);
    const failed = page.locator('[data-step].failed');
    await failed.waitFor();
    expect(await failed.getAttribute('data-step')).toBe('bundle');
    expect(await page.locator('[data-step="checkpoint"]').getAttribute('class')).toBe('ok');
    const size = Number(
      await page
        .locator('[data-step="checkpoint"] .step-detail')
        .textContent()
        .then((t) => /size (\d+)/.exec(t ?? '')?.[1]),
    );
    expect(await page.getByTestId('verdict').textContent()).toContain(
      `entry 9999 is not in the signed tree of size ${size}`,
    );
    const links = await page.locator('nav[aria-label="entries"] a').allTextContents();
    expect(links).toEqual([`← #${size - 1}`]);
    await page.close();
  });

  it('holds at 420 px: every tab and the language switch are on screen', async () => {
    const page = await open('/board', { width: 420 });
    await page.getByTestId('findings').waitFor();
    for (const sel of [
      '[data-nav="map"]',
      '[data-nav="board"]',
      '[data-nav="timeline"]',
      '[data-nav="act"]',
      '[data-lang="ru"]',
    ]) {
      const box = (await page.locator(sel).boundingBox())!;
      expect(box.x >= 0 && box.x + box.width <= 420, sel).toBe(true);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    await page.close();
  });

  it('the commitment graph shows every name in full, wrapped inside its box, on a wide screen and at 420 px, in en and ru', async () => {
    const { regime } = scenarioRegime('european-security-2022');
    const named = (x: { name?: unknown } | undefined, lang: 'en' | 'ru') => {
      const name = x?.name as string | { en: string; ru?: string };
      return typeof name === 'string' ? name : (name[lang] ?? name.en);
    };
    for (const lang of ['en', 'ru'] as const) {
      const metrics = new Set(
        regime.commitments.flatMap((c) => c.conditions.flatMap((k) => (k.kind === 'metric-met' ? [k.metric] : []))),
      );
      const expected = [
        ...regime.commitments.map((c) => named(c, lang)),
        ...[...metrics].map((m) =>
          named(
            regime.metrics?.find((x) => x.id === m),
            lang,
          ),
        ),
      ];
      for (const width of [1280, 420]) {
        const page = await open('/board', { width, lang });
        await page.getByTestId('graph-label').first().waitFor();
        const labels = await page.evaluate(() =>
          Array.from(document.querySelectorAll('[data-testid="graph-label"]')).map((label) => {
            const box = label.closest('g')!.querySelector('rect')!.getBoundingClientRect();
            const lines = Array.from(label.querySelectorAll('tspan')).map((t) => t.getBoundingClientRect());
            return {
              text: Array.from(label.querySelectorAll('tspan'))
                .map((t) => t.textContent)
                .join(' '),
              inside: lines.every(
                (l) => l.left >= box.left && l.right <= box.right && l.top >= box.top && l.bottom <= box.bottom,
              ),
              // The label's size on screen: drawn one unit a pixel, not shrunk to fit.
              lineHeight: Math.min(...lines.map((l) => l.height)),
              onScreen: box.left >= 0 && box.right <= window.innerWidth,
            };
          }),
        );
        const where = `${lang} at ${width} px`;
        expect(labels.map((l) => l.text).sort(), where).toEqual([...expected].sort());
        expect(
          labels.filter((l) => l.text.endsWith('…')),
          where,
        ).toEqual([]);
        expect(
          labels.filter((l) => !l.inside || !l.onScreen || l.lineHeight < 10),
          where,
        ).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), where).toBeLessThanOrEqual(width);
        await page.close();
      }
    }
  });

  it('dates are typed and shown as ISO 8601 in UTC in both languages: the as-of control and the forms (m4)', async () => {
    for (const lang of ['en', 'ru'] as const) {
      const board = await open('/board', { lang });
      const asOf = board.getByTestId('asof-input');
      await expect.poll(() => asOf.inputValue()).toBe('2022-12-31');
      expect([await asOf.getAttribute('type'), await asOf.getAttribute('placeholder')]).toEqual(['text', 'YYYY-MM-DD']);
      // No such day: said at the control, and the view stays where it was.
      await asOf.fill('2022-02-30');
      await expect.poll(() => asOf.getAttribute('aria-invalid')).toBe('true');
      expect(await board.getByTestId('utc-input-format').textContent()).toContain(
        lang === 'en' ? 'expected YYYY-MM-DD, in UTC' : 'ожидается YYYY-MM-DD, по UTC',
      );
      expect(new URL(board.url()).searchParams.get('asOf')).toBeNull();
      await asOf.fill('2022-03-01');
      await expect.poll(() => board.getByTestId('as-of').textContent()).toContain('2022-03-01 23:59:59');
      expect(await board.getByTestId('utc-input-format').count()).toBe(0);
      await board.close();

      const act = await open('/act/request-inspection', { lang, signedInAs: 'us' });
      const arrival = act.locator('input[name="arrival"]');
      await arrival.waitFor();
      expect([await arrival.getAttribute('type'), await arrival.getAttribute('placeholder')]).toEqual([
        'text',
        'YYYY-MM-DD HH:MM',
      ]);
      await arrival.fill('2023-01-20 08:00 UTC');
      expect(await arrival.inputValue()).toBe('2023-01-20 08:00 UTC');
      await expect.poll(() => act.locator('#err-arrival').count()).toBe(0);
      expect([await arrival.getAttribute('aria-invalid'), await act.getByTestId('utc-input-format').count()]).toEqual([
        null,
        0,
      ]);
      // A locale's way of writing it is not taken for a date.
      await arrival.fill('20.01.2023 08:00');
      await expect.poll(() => arrival.getAttribute('aria-invalid')).toBe('true');
      await act.close();
    }
  });

  it('a log’s URL: a browser is sent to the log’s page, a program gets where its parts are', async () => {
    const base = web.node.base;
    for (const path of ['/logs/us', '/logs/us/']) {
      const r = await fetch(`${base}${path}`);
      expect([path, r.status]).toEqual([path, 200]);
      const log = await r.json();
      expect(log).toMatchObject({ party: 'us', origin: web.node.origin('us'), checkpoint: '/logs/us/checkpoint' });
      expect(log.size).toBeGreaterThan(0);
      expect((await fetch(`${base}${log.checkpoint}`)).status).toBe(200);
      expect((await fetch(`${base}${log.policy}`)).status).toBe(200);
    }
    const html = await fetch(`${base}/logs/ru`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect([html.status, html.headers.get('location')]).toEqual([303, '/health#log-ru']);
    const page = await open('/logs/ru');
    await page.locator('#log-ru').waitFor();
    expect(new URL(page.url()).pathname).toBe('/health');
    await page.close();
    // The list of logs too: a browser gets the health view, a program the JSON list (NEWCOMER m11).
    const list = await fetch(`${base}/logs`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect([list.status, list.headers.get('location')]).toEqual([303, '/health']);
    const listed = await (await fetch(`${base}/logs`)).json();
    expect(listed.logs.map((l: { party: string }) => l.party)).toContain('ru');
    const listPage = await open('/logs');
    await listPage.locator('#log-ru').waitFor();
    expect(new URL(listPage.url()).pathname).toBe('/health');
    await listPage.close();
    const none = await fetch(`${base}/logs/nobody`);
    expect(none.status).toBe(404);
    expect((await none.json()).error.message).toMatch(/no log of "nobody": the logs here are .*\bnato\b/);
    // The dashboard's pages are not API operations.
    const paths = Object.keys((await (await fetch(`${base}/docs/json`)).json()).paths);
    expect(paths).toContain('/logs/{party}');
    expect(paths.filter((p) => p === '/' || p === '/{*}')).toEqual([]);
  });

  it('never makes a request outside 127.0.0.1', () => {
    expect(web.browser.external).toEqual([]);
  });
});
