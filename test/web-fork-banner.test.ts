/**
 * The dashboard's fork banner (web/src/health/ForkBanner.tsx) in Chromium against a real node: shown while a fork
 * is on record and unacknowledged, gone once an operator acknowledges it. Needs `npm run build` (dist/web).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWebRoot } from '../src/api/web.js';
import { sameSizeEvidence } from '../src/federation/evidence.js';
import { type Browser, launchBrowser } from './helpers/browser.js';
import { detente } from './helpers/cli.js';
import { partyLog, signedEntry } from './helpers/fake-peer.js';
import { freePort, initNodes, type RunningNode, startNode } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-banner-');
const RU = 'detente.example/ru';

describe('dashboard: fork banner', () => {
  let us: RunningNode;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(defaultWebRoot(), 'index.html'))) throw new Error('dist/web is missing: run `npm run build`');
    const dirs = initNodes(tmp, ['us', 'ru']);
    const ruDir = dirs.get('ru')!;
    // A mirror of ru (whose node is not running: the fork is all this test needs of it).
    us = await startNode(
      dirs.get('us')!,
      await freePort(),
      [{ party: 'ru', url: `http://127.0.0.1:${await freePort()}` }],
      false,
    );
    const { regime, regimeHash } = us.node;
    // ru's real log key signs two different trees of size 2.
    const [a, b] = ['a', 'b'].map((name, i) => {
      const log = partyLog(ruDir, 'ru', RU, `${name}.sqlite`);
      log.writer.append([1, 2 + 20 * i].map((n) => signedEntry(ruDir, 'ru', regime, regimeHash, n)));
      return log;
    });
    const vkey = readFileSync(join(ruDir, 'log', 'log.vkey'), 'utf8').trim();
    us.node.recordEvidence(sameSizeEvidence(vkey, a!.store.checkpoint(2)!, b!.store.checkpoint(2)!), 'test');
    a!.store.close();
    b!.store.close();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await us?.close();
  });

  it('shows the fork until an operator acknowledges it', async () => {
    const page = await browser.page();
    await page.goto(`${us.url}/map`);
    const banner = page.getByTestId('fork-banner');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toMatch(/the log of ru \(detente\.example\/ru\)/);
    const file = us.node.forks()[0]!.file;
    expect(detente(['evidence', 'ack-fork', '--dir', us.dir, file]).code).toBe(0);
    await page.reload();
    await page.getByRole('navigation', { name: 'main' }).waitFor();
    // The health poll has answered once the page has loaded its data.
    await page.waitForLoadState('networkidle');
    expect(await page.getByTestId('fork-banner').count()).toBe(0);
    await page.close();
  });
});
