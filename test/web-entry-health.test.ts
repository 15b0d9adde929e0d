/**
 * What a reader sees of one entry and of the logs, in Debian's Chromium against the real federation: every entry
 * type as labelled fields in the reader's language (the regime's names, not ids; no JSON unless asked for), and the
 * logs' health view: each log's head with every other party's witness cosignature and mirror receipt, verified in
 * the browser, with the signer's time; a cosignature withheld by a lying server shows as missing, never as a tick.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { parseNote } from '../src/crypto/note.js';
import { parseCosignatureTimestamp } from '../src/tlog/cosignature.js';
import { webSuite } from './helpers/web-node.js';

const web = webSuite('detente-web-entry-', 0, { exerciseClock: true });

async function open(path: string, lang: 'en' | 'ru' = 'en', base = web.node.base): Promise<Page> {
  const page = await web.browser.page();
  await page.addInitScript((l) => localStorage.setItem('detente.lang', l), lang);
  await page.goto(`${base}${path}`);
  return page;
}

/** The first entry of each type in the US log, by index. */
async function firstOfEachType(): Promise<Map<string, number>> {
  const origin = encodeURIComponent(web.node.origin('us'));
  const out = new Map<string, number>();
  const size = web.node.fed.node('us').node.servedSize(web.node.fed.node('us').node.logByParty('us')!);
  for (let i = 0; i < size; i++) {
    const { envelope } = await (await fetch(`${web.node.base}/api/entries/${origin}/${i}`)).json();
    if (!out.has(envelope.type)) out.set(envelope.type, i);
  }
  return out;
}

describe('an entry, readable', () => {
  it('each entry type shows as labelled fields, in English and Russian, with the raw JSON one click away', async () => {
    const all = await firstOfEachType();
    expect([...all.keys()]).toEqual(expect.arrayContaining(['inspection-report', 'declaration', 'notification']));
    // Every field of every type has its label (test/web-entry-fields-unit.test.ts); here, one entry of a few types.
    const types = ['inspection-report', 'declaration', 'notification', 'observation'].map(
      (t) => [t, all.get(t)!] as const,
    );
    for (const [type, index] of types) {
      for (const lang of ['en', 'ru'] as const) {
        const page = await open(`/entry/${encodeURIComponent(web.node.origin('us'))}/${index}`, lang);
        const fields = page.getByTestId('entry-fields');
        await fields.waitFor();
        expect(await fields.getAttribute('data-type')).toBe(type);
        // Every label is the catalogue's, not a field name of the model (those are camelCase or single words).
        const labels = await fields.locator('dt, th').allTextContents();
        expect(labels.length, `${type} ${lang}`).toBeGreaterThan(2);
        for (const l of labels) {
          expect(l, `${type} ${lang}`).not.toMatch(/^[a-z]+([A-Z][a-z]+)*$/);
          if (lang === 'ru') expect(l, `${type}: ${l}`).toMatch(/[а-яё]|SHA-256|hex/i);
        }
        // No JSON in the readable view; the raw JSON is folded away until asked for.
        expect(await fields.textContent()).not.toMatch(/[{}]/);
        const raw = page.getByTestId('raw-json');
        expect(await raw.locator('pre').isVisible()).toBe(false);
        await raw.locator('summary').click();
        expect(JSON.parse((await raw.locator('pre').textContent())!).type).toBe(type);
        await page.close();
      }
    }
  }, 120_000);

  it('an inspection report reads as a report: the regime’s names, UTC times, the request as a link', async () => {
    const index = (await firstOfEachType()).get('inspection-report')!;
    const page = await open(`/entry/${encodeURIComponent(web.node.origin('us'))}/${index}`);
    const fields = page.getByTestId('entry-fields');
    await fields.waitFor();
    const { envelope } = await (
      await fetch(`${web.node.base}/api/entries/${encodeURIComponent(web.node.origin('us'))}/${index}`)
    ).json();
    const site = web.node.regime.sites.find((s) => s.id === envelope.body.site)!;
    const host = web.node.regime.parties.find((p) => p.id === envelope.body.host)!;
    expect(await fields.locator('[data-field="site"] > dd').textContent()).toBe(site.name.en);
    expect(await fields.locator('[data-field="host"] > dd').textContent()).toBe(host.name.en);
    expect(await fields.locator('[data-field="start"] > dd').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    const request = fields.locator('[data-field="request"] a');
    expect(await request.getAttribute('href')).toBe(
      `/entry/${encodeURIComponent(envelope.body.request.origin)}/${envelope.body.request.index}`,
    );
    // The findings as a table with one row per finding.
    expect(await fields.locator('[data-field-table="findings"] tbody tr').count()).toBe(envelope.body.findings.length);
    await page.close();
  });
});

describe('the logs’ health', () => {
  it('shows, for each log, every other party’s witness cosignature and mirror receipt, verified, with its time', async () => {
    const page = await open('/health');
    await page.locator('[data-cosigner]').first().waitFor();
    for (const p of web.node.regime.parties) {
      const note = await (await fetch(`${web.node.base}/logs/${p.id}/checkpoint`)).text();
      const lines = parseNote(note).signatures;
      const log = page.locator(`[data-log="${p.origin}"]`);
      for (const other of web.node.regime.parties.filter((o) => o.id !== p.id)) {
        for (const role of ['witness', 'mirror']) {
          const row = log.locator(`[data-cosigner="${other.id}/${role}"]`);
          expect(await row.getAttribute('data-verified'), `${p.id} by ${other.id} ${role}`).toBe('true');
          const sig = lines.find((s) => s.name === `${other.origin}/${role}`)!;
          const at = new Date(parseCosignatureTimestamp(sig.signature) * 1000).toISOString();
          expect(await row.getAttribute('data-at')).toBe(at);
        }
      }
    }
    await page.close();
  });

  it('a server that withholds the witnesses’ cosignatures gets no tick for them; the receipts still verify', async () => {
    web.node.proxy.tamper.mode = 'cosignatures';
    web.node.proxy.tamper.party = 'us';
    try {
      const page = await open('/health', 'en', web.node.proxy.base);
      const log = page.locator(`[data-log="${web.node.origin('us')}"]`);
      await log.locator('[data-cosigner]').first().waitFor();
      for (const other of ['ru', 'nato']) {
        const witness = log.locator(`[data-cosigner="${other}/witness"]`);
        expect(await witness.getAttribute('data-verified')).toBe('false');
        expect(await witness.textContent()).toContain('not on this head');
        expect(await witness.textContent()).not.toContain('✓');
        expect(await log.locator(`[data-cosigner="${other}/mirror"]`).getAttribute('data-verified')).toBe('true');
      }
      await page.close();
    } finally {
      web.node.proxy.tamper.mode = 'none';
    }
  });

  it('never makes a request outside 127.0.0.1', () => {
    expect(web.browser.external).toEqual([]);
  });
});
