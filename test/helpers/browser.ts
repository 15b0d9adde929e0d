/**
 * Debian's Chromium driven by playwright-core: headless, sandbox off (containers), no GPU, no QUIC, no background
 * networking, a fresh profile each time. Every request that does not go to 127.0.0.1 is refused and recorded, so a
 * test can assert that the dashboard never reaches outside (no CDN, no fonts, no map tiles).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** URLs the page tried to reach outside 127.0.0.1 (all refused). */
  external: string[];
  page(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(options: { locale?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: the dashboard's browser tests drive Debian's Chromium (apt-get install -y chromium), or set CHROMIUM to another build`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'detente-chromium-'));
  // launchPersistentContext is how Playwright takes a --user-data-dir: a fresh one for every launch.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    locale: options.locale ?? 'en-GB',
    timezoneId: 'Europe/Moscow', // not UTC: dates must still show in UTC, with the zone written out
    viewport: { width: 1440, height: 900 },
  });
  const external: string[] = [];
  // Routing every request also disables the HTTP cache, so each check fetches afresh.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    external.push(url.href);
    return route.abort('blockedbyclient');
  });
  return {
    context,
    external,
    page: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The form controls inside `form` that no <label> names (each should be reachable by its name). */
export async function unlabelled(form: Locator): Promise<string[]> {
  return form
    .locator('input, select, textarea')
    .evaluateAll((els) =>
      els.filter((e) => ((e as HTMLInputElement).labels?.length ?? 0) === 0).map((e) => e.outerHTML.slice(0, 80)),
    );
}
