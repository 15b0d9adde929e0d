/**
 * Audience marks (issue 14), in Debian's Chromium against the real federation at the end of the 2022 exercise: every
 * confidential item the dashboard shows (the timeline's entries, the entry view, findings, incidents, declared
 * holdings, inspections, missions) says who may read it, by the parties' official names; public items say nothing.
 * Checked signed in as the US (an audience of the New START data), as NATO on its own node (not one), and as a
 * stranger: the last two see the sealed entries as sealed, with their audience and no content.
 *
 * The rule every view is held to: an item that links to sealed entries carries the audience they share (the
 * intersection, as the engine gives a finding's), and an item that links to none carries no mark.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { webSuite } from './helpers/web-node.js';

const web = webSuite('detente-web-audience-', 0, { exerciseClock: true });

type Who = 'us' | 'nato' | 'stranger';
const WHO: Who[] = ['us', 'nato', 'stranger'];

/** Each reader's dashboard: a party's user signs in on its own node; a stranger reads the US node's. */
const baseOf = (who: Who) => web.node.fed.node(who === 'stranger' ? 'us' : who).url;
const tokenOf = (who: Who) => (who === 'stranger' ? undefined : web.node.fed.node(who).token);

/** Every answer the browser gets for `page`, as text (latin1: binary tiles stay byte for byte). */
function responses(page: Page): Promise<string>[] {
  const bodies: Promise<string>[] = [];
  page.on('response', (r) =>
    bodies.push(
      r.body().then(
        (b) => b.toString('latin1'),
        () => '',
      ),
    ),
  );
  return bodies;
}

async function open(
  who: Who,
  path: string,
  lang: 'en' | 'ru' = 'en',
  prepare?: (page: Page) => unknown,
): Promise<Page> {
  const page = await web.browser.page();
  await prepare?.(page);
  await page.addInitScript((l) => localStorage.setItem('detente.lang', l), lang);
  const token = tokenOf(who);
  if (token) await page.addInitScript((t) => sessionStorage.setItem('detente.token', t), token);
  await page.goto(`${baseOf(who)}${path}`);
  // The marks are drawn once the sealed envelopes are listed (web/src/data.tsx).
  await page.waitForFunction((n) => document.documentElement.dataset.sealed === String(n), sealed.size);
  return page;
}

async function read<T>(who: Who, path: string): Promise<T> {
  const token = tokenOf(who);
  const res = await fetch(`${baseOf(who)}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

interface Listed {
  origin: string;
  index: number;
  leafHash: string;
  type: string;
  audience?: string[];
  sealedType?: string;
}

/** The sealed entries (public envelopes: the same list for every reader), by "<origin>/<index>". */
let sealed: Map<string, Listed>;
const names = { en: 'United States of America, Russian Federation', ru: '' };

beforeAll(async () => {
  const list = await read<{ entries: Listed[] }>('stranger', '/api/entries?type=sealed&limit=1000');
  sealed = new Map(list.entries.map((e) => [`${e.origin}/${e.index}`, e]));
  const party = (id: string, lang: 'en' | 'ru') => web.node.regime.parties.find((p) => p.id === id)!.name[lang];
  names.en = ['ru', 'us'].map((p) => party(p, 'en')).join(', ');
  names.ru = ['ru', 'us'].map((p) => party(p, 'ru')).join(', ');
});

/** The audience an item must show: that of the sealed entries it links to (undefined: none, public). */
function expected(hrefs: string[]): string | undefined {
  let audience: string[] | undefined;
  for (const href of hrefs) {
    const m = /^\/entry\/([^/]+)\/(\d+)$/.exec(href);
    const e = m && sealed.get(`${decodeURIComponent(m[1]!)}/${m[2]}`);
    if (e?.audience) audience = audience ? audience.filter((p) => e.audience!.includes(p)) : e.audience;
  }
  return audience?.join(',');
}

/** The first sealed notification of the US (a New START status change): the entry the entry view's tests open. */
function sealedNotification(): Listed {
  const origin = web.node.origin('us');
  const e = [...sealed.values()]
    .sort((a, b) => a.index - b.index)
    .find((x) => x.origin === origin && x.sealedType === 'notification');
  expect(e, 'a sealed US notification').toBeDefined();
  return e!;
}

/** The plaintext of a sealed entry as the US node hands it to its user, and what it says. */
async function plaintextOf(e: Listed) {
  const answer = await read<{ salt: string; body: string }>(
    'us',
    `/api/plaintexts/${encodeURIComponent(e.origin)}/${e.index}`,
  );
  const json = Buffer.from(answer.body, 'base64').toString('utf8');
  const plain = JSON.parse(json) as { changes?: { uid: string }[]; items?: { uid: string }[] } & Record<
    string,
    unknown
  >;
  const detail = await read<{ envelope: { body: { commitment: string } } }>(
    'stranger',
    `/api/entries/${encodeURIComponent(e.origin)}/${e.index}`,
  );
  return {
    ...answer,
    json,
    plain,
    firstItem: (plain.changes ?? plain.items)![0]!.uid,
    commitment: detail.envelope.body.commitment,
  };
}

/** Each item `selector` matches: the entries it links to and the audience marks inside it. */
async function items(page: Page, selector: string) {
  return page.locator(selector).evaluateAll((els) =>
    els.map((el) => ({
      html: el.outerHTML.slice(0, 160),
      hrefs: (el.matches('a') ? [el] : Array.from(el.querySelectorAll('a')))
        .map((a) => a.getAttribute('href') ?? '')
        .filter((h) => h.startsWith('/entry/')),
      marks: Array.from(el.querySelectorAll('[data-audience]')).map((m) => m.getAttribute('data-audience')),
      text: el.textContent ?? '',
    })),
  );
}

/** Every item shows exactly the audience of the sealed entries it links to; returns how many were sealed. */
async function marksFollowEntries(page: Page, selector: string): Promise<number> {
  let marked = 0;
  for (const item of await items(page, selector)) {
    const audience = expected(item.hrefs);
    if (audience === undefined) {
      expect(item.marks, item.html).toEqual([]);
      continue;
    }
    marked++;
    expect(item.marks, item.html).toEqual([audience]);
    expect(item.text, item.html).toContain(`Sealed to ${names.en}`);
  }
  return marked;
}

describe('audience marks', () => {
  it('the 2022 play holds New START entries sealed to the US and Russia, which the list names', () => {
    expect(sealed.size).toBeGreaterThan(5);
    for (const e of sealed.values()) {
      expect(e.type).toBe('sealed');
      expect(e.audience).toEqual(['ru', 'us']);
      expect(e.sealedType).toMatch(/^[a-z-]+$/);
    }
  });

  it('the timeline marks every sealed entry with its audience, in English and Russian, for every reader', async () => {
    for (const who of WHO) {
      for (const lang of who === 'stranger' ? (['en', 'ru'] as const) : (['en'] as const)) {
        const page = await open(who, '/timeline', lang);
        await page.getByTestId('filter-type').selectOption('sealed');
        await page.locator('[data-entry]').first().waitFor();
        const rows = await items(page, '[data-entry]');
        expect(rows.length, who).toBeGreaterThan(0);
        for (const row of rows) {
          expect(row.marks, `${who} ${row.html}`).toEqual(['ru,us']);
          expect(row.text).toContain(lang === 'en' ? `Sealed to ${names.en}` : `Только для: ${names.ru}`);
          expect(row.text).toContain(lang === 'en' ? 'Sealed: ' : 'Зашифровано: ');
        }
        await page.close();
      }
      // Unfiltered: public entries carry no mark.
      const page = await open(who, '/timeline');
      await page.locator('[data-entry]').first().waitFor();
      const rows = await items(page, '[data-entry]');
      expect(rows.some((r) => r.marks.length === 0)).toBe(true);
      await marksFollowEntries(page, '[data-entry]');
      await page.close();
    }
  }, 240_000);

  it('the entry view shows a sealed entry as sealed, with its audience; NATO and a stranger get only its public envelope and no byte of its body', async () => {
    const e = sealedNotification();
    const entryPath = `/entry/${encodeURIComponent(e.origin)}/${e.index}`;
    const detail = await read<{ envelope: { body: Record<string, unknown> } & Record<string, unknown> }>(
      'stranger',
      `/api/entries/${encodeURIComponent(e.origin)}/${e.index}`,
    );
    const publicFields = new Set([...Object.keys(detail.envelope), ...Object.keys(detail.envelope.body)]);
    const secret = await plaintextOf(e);
    for (const who of ['nato', 'stranger'] as const) {
      const page = await web.browser.page();
      // Every answer the browser gets, as text: none may hold the body, its bytes in base64, or its salt.
      const bodies = responses(page);
      const token = tokenOf(who);
      if (token) await page.addInitScript((t) => sessionStorage.setItem('detente.token', t), token);
      await page.goto(`${baseOf(who)}${entryPath}`);
      const note = page.getByTestId('sealed');
      await note.waitFor();
      expect(await note.locator('[data-audience]').getAttribute('data-audience')).toBe('ru,us');
      expect(await note.textContent()).toContain(`only ${names.en} can read its content`);
      // Still verified in the browser: the log holds the ciphertext, and anyone can check its inclusion.
      await page.locator('[data-testid="verdict"][data-state="ok"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('[data-step="plaintext"]').count(), who).toBe(0);
      expect(await page.getByTestId('opened').count(), who).toBe(0);
      const shown = await page
        .getByTestId('entry-fields')
        .locator('[data-field]')
        .evaluateAll((els) => els.map((x) => x.getAttribute('data-field')!));
      for (const f of shown) expect(publicFields, `${who}: ${f}`).toContain(f);
      const texts = await Promise.all(bodies);
      expect(texts.length).toBeGreaterThan(5);
      for (const text of texts) {
        for (const s of [secret.json, secret.body, secret.salt])
          expect(text.includes(s), `${who}: ${s.slice(0, 40)}`).toBe(false);
      }
      await page.close();
    }
  }, 240_000);

  it('signed in as the US, a sealed US entry shows its fields once its plaintext matches the commitment, in English and Russian', async () => {
    const e = sealedNotification();
    const secret = await plaintextOf(e);
    for (const lang of ['en', 'ru'] as const) {
      let bodies: Promise<string>[] = [];
      const page = await open('us', `/entry/${encodeURIComponent(e.origin)}/${e.index}`, lang, (p) => {
        bodies = responses(p);
      });
      await page.locator('[data-testid="verdict"][data-state="ok"]').waitFor({ timeout: 60_000 });
      const step = page.locator('[data-step="plaintext"]');
      expect(await step.getAttribute('class')).toBe('ok');
      // What the test above looks for does reach a reader of the audience (so its absence there means something).
      expect((await Promise.all(bodies)).some((text) => text.includes(secret.body))).toBe(true);
      expect(await step.textContent()).toContain(
        lang === 'en' ? 'Plaintext matches its commitment' : 'Открытый текст соответствует обязательству',
      );
      expect(await step.textContent()).toContain(secret.commitment);
      await page.getByTestId('opened').waitFor();
      // The sealed note and its audience stay: the content is confidential, shown to its audience.
      expect(await page.getByTestId('sealed').locator('[data-audience]').getAttribute('data-audience')).toBe('ru,us');
      const fields = page.getByTestId('entry-fields');
      expect(await fields.getAttribute('data-type')).toBe('notification');
      const shown = await fields
        .locator('[data-field]')
        .evaluateAll((els) => els.map((x) => x.getAttribute('data-field')!));
      for (const f of Object.keys(secret.plain)) expect(shown, f).toContain(f);
      // An item the notification names, in the browser's own rendering of the plain entry.
      expect(await fields.textContent()).toContain(secret.firstItem);
      await page.close();
    }
  }, 240_000);

  it('a node that hands over a plaintext other than the committed one fails the step, and no field of it is shown', async () => {
    const e = sealedNotification();
    const secret = await plaintextOf(e);
    web.node.proxy.tamper.mode = 'plaintext';
    try {
      const page = await web.browser.page();
      await page.addInitScript((t) => sessionStorage.setItem('detente.token', t), tokenOf('us')!);
      await page.goto(`${web.node.proxy.base}/entry/${encodeURIComponent(e.origin)}/${e.index}`);
      await page.locator('[data-testid="verdict"][data-state="failed"]').waitFor({ timeout: 60_000 });
      const step = page.locator('[data-step="plaintext"]');
      expect(await step.getAttribute('class')).toBe('failed');
      expect(await step.textContent()).toContain("the node's plaintext does not match the commitment");
      // Every step of the log's own checks still passed: only the content is refused.
      const failed = await page
        .locator('[data-step].failed')
        .evaluateAll((els) => els.map((x) => x.getAttribute('data-step')));
      expect(failed).toEqual(['plaintext']);
      expect(await page.getByTestId('opened').count()).toBe(0);
      expect(await page.getByTestId('entry-fields').getAttribute('data-type')).toBe('sealed');
      expect(await page.getByTestId('entry-fields').textContent()).not.toContain(secret.firstItem);
      await page.close();
    } finally {
      web.node.proxy.tamper.mode = 'none';
    }
  }, 240_000);

  it('findings resting on sealed entries show their audience to the US; NATO and a stranger see none of them', async () => {
    const usFindings = await read<{ findings: { id: string; audience?: string[] }[] }>('us', '/api/findings');
    const confidential = usFindings.findings.filter((f) => f.audience);
    expect(confidential.length).toBeGreaterThan(0);
    for (const who of WHO) {
      const { findings } = await read<{ findings: { id: string; audience?: string[] }[] }>(who, '/api/findings');
      const page = await open(who, '/board');
      await page.getByTestId('findings').waitFor();
      for (const f of findings) {
        const marks = await page
          .locator(`[data-finding="${f.id}"] [data-audience]`)
          .evaluateAll((els) => els.map((x) => x.getAttribute('data-audience')));
        expect(marks, `${who} ${f.id}`).toEqual(f.audience ? [f.audience.join(',')] : []);
      }
      const marked = await page.locator('[data-finding] [data-audience]').count();
      if (who === 'us') expect(marked).toBe(confidential.length);
      else {
        expect(marked, who).toBe(0);
        const ids = new Set(findings.map((f) => f.id));
        for (const f of confidential) expect(ids.has(f.id), `${who} ${f.id}`).toBe(false);
      }
      await page.close();
    }
  }, 240_000);

  it("the board's notification deadlines mark what rests on sealed entries, a change never notified included", async () => {
    type Missing = { audience?: string[]; evidence: Listed[]; notifiedBy?: Listed };
    const state = await read<{ notifications: { missing: Missing[] } }>('us', '/api/state');
    // Changes never notified that only sealed entries show, though the row links to a public one (RU-HB-0003's
    // movement, seen by NATO: where it was declared is in a sealed opening).
    const unlinked = state.notifications.missing.filter((m) => {
      const ref = m.notifiedBy ?? m.evidence[0]!;
      return m.audience && !sealed.has(`${ref.origin}/${ref.index}`);
    });
    expect(unlinked.length).toBeGreaterThan(0);
    for (const who of WHO) {
      // At 1,280 px from the start, where a mark that did not wrap pushed a deadline's status out of its panel.
      const page = await open(who, '/board', 'en', (p: Page) => p.setViewportSize({ width: 1280, height: 900 }));
      await page.getByTestId('notifications').waitFor();
      let linked = 0;
      let restsOn = 0;
      for (const row of await items(page, '[data-deadline]')) {
        const audience = expected(row.hrefs);
        if (audience !== undefined) {
          linked++;
          expect(row.marks, `${who} ${row.html}`).toEqual([audience]);
        } else if (row.marks.length) {
          restsOn++;
          expect(row.marks, `${who} ${row.html}`).toEqual(['ru,us']);
        }
      }
      // The marks wrap inside their column: no panel of the board is wider than itself, so a deadline's status stays
      // in view beside a mark. Charts take their width a frame or two after they mount (a ResizeObserver): polled.
      const overflowing = () =>
        Array.from(document.querySelectorAll('.panel'))
          .filter((e) => e.scrollWidth > e.clientWidth + 1)
          .map((e) => e.querySelector('h2')?.textContent ?? e.className);
      await expect.poll(() => page.evaluate(overflowing), { message: who, timeout: 10_000 }).toEqual([]);
      if (who === 'us') {
        expect(linked).toBeGreaterThan(0);
        expect(restsOn).toBe(unlinked.length);
      } else expect(linked + restsOn, who).toBe(0);
      await page.close();
    }
  }, 240_000);

  it('incidents and missions mark what rests on sealed entries, for every reader', async () => {
    const sealedShown: Record<Who, number> = { us: 0, nato: 0, stranger: 0 };
    for (const who of WHO) {
      const incidents = await open(who, '/incidents');
      await incidents.locator('[data-testid="incidents"]').waitFor();
      sealedShown[who] += await marksFollowEntries(incidents, '[data-source]');
      await incidents.close();
      const missions = await open(who, '/missions');
      await missions.locator('[data-due]').first().waitFor(); // the state is in
      sealedShown[who] += await marksFollowEntries(missions, '[data-mission], [data-due]');
      await missions.close();
    }
    // The US reads the New START missions and the Engels incident; the others are never shown a sealed one.
    expect(sealedShown.us).toBeGreaterThan(0);
    expect(sealedShown.nato).toBe(0);
    expect(sealedShown.stranger).toBe(0);
  }, 240_000);

  it('a site’s inspections show the audience of sealed requests; its holdings that of the declaration', async () => {
    type Holdings = { party: string; declaration?: { ref: Listed }; bySite: { site: string }[] };
    const state = await read<{ holdings: Holdings[]; inspections: { items: { site: string; ref: Listed }[] } }>(
      'us',
      '/api/state',
    );
    const byHash = new Map([...sealed.values()].map((e) => [e.leafHash, e.audience!.join(',')]));
    const inspected = state.inspections.items.find((i) => sealed.has(`${i.ref.origin}/${i.ref.index}`));
    expect(inspected, 'a sealed inspection request').toBeDefined();
    // The declarations of 2022 are escrowed in public (committed totals): their holdings carry no mark.
    const declaredAudience = (party: string) => {
      const ref = state.holdings.find((h) => h.party === party)?.declaration?.ref;
      return ref ? byHash.get(ref.leafHash) : undefined;
    };
    const host = web.node.regime.sites.find((x) => x.id === inspected!.site)!.host;
    for (const who of WHO) {
      const page = await open(who, `/map?site=${inspected!.site}`);
      await page.getByTestId('site-panel').waitFor();
      await page.waitForFunction(
        () => !document.querySelector('[data-testid="site-panel"]')?.textContent?.includes('No engine state'),
      );
      if (who === 'us') await page.locator('[data-inspection]').first().waitFor();
      for (const h of await items(page, '[data-holding]')) {
        const audience = who === 'us' ? declaredAudience(host) : undefined;
        expect(h.marks, `${who} ${h.html}`).toEqual(audience ? [audience] : []);
      }
      const marked = await marksFollowEntries(page, '[data-inspection]');
      expect(marked, who).toBe(
        who === 'us'
          ? state.inspections.items.filter(
              (i) => i.site === inspected!.site && sealed.has(`${i.ref.origin}/${i.ref.index}`),
            ).length
          : 0,
      );
      await page.close();
    }
  }, 240_000);
});

// In this file to share its federation (a play through six nodes takes minutes): issue 15's host nations.
describe('host nations on the map', () => {
  it("a site's inspections at a host nation's site say its consent and its escort's countersignature, in English and Russian", async () => {
    const nation = web.node.regime.parties.find((p) => p.id === 'ro')!.name;
    for (const lang of ['en', 'ru'] as const) {
      const page = await open('stranger', '/map?site=deveselu', lang);
      await page.getByTestId('site-inspections').waitFor();
      const visits = await page
        .locator('[data-host-nation="ro"]')
        .evaluateAll((els) => els.map((x) => [x.getAttribute('data-consented'), x.textContent ?? '']));
      expect(visits.length).toBeGreaterThanOrEqual(2);
      const consented = visits.find(([at]) => at !== 'no');
      expect(consented, JSON.stringify(visits)).toBeDefined();
      expect(consented![1]).toContain(
        lang === 'en'
          ? `host nation ${nation.en} consented 2022-04-07 10:00 UTC; its escort countersigned`
          : `государство пребывания (${nation.ru}) дало согласие 2022-04-07 10:00 UTC; его сопровождающие контрподписали`,
      );
      const without = visits.find(([at]) => at === 'no');
      expect(without, JSON.stringify(visits)).toBeDefined();
      expect(without![1]).toContain(
        lang === 'en' ? `no consent of host nation ${nation.en}` : `нет согласия государства пребывания (${nation.ru})`,
      );
      await page.close();
    }
  }, 240_000);
});
