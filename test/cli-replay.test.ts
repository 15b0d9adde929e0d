import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playInMemory, replayScenario } from '../src/cli/replay.js';
import { playScenario } from '../src/exercise/play.js';
import { loadLogs } from '../src/exercise/read.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const VD = 'vienna-document-2011';
const ORIGINAL = readFileSync(join('scenarios', VD, 'regime.yaml'), 'utf8');
const DRAFT_FILE = join('scenarios', VD, 'draft-modernised.yaml');
const DRAFT = readFileSync(DRAFT_FILE, 'utf8');

describe('what-if replay (engine only)', () => {
  it('under the modernised draft: the snap check is late and the activity below 9,000 becomes notifiable', async () => {
    const r = await replayScenario(VD, DRAFT);
    expect(r.original).toMatchObject({ id: VD, version: 1 });
    expect(r.draft).toMatchObject({ id: VD, version: 2 });
    expect(r.draft.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.activities.map((a) => [a.party, a.source, a.original, a.draft])).toEqual([
      ['ru', 'observed', 'not-notifiable', 'missing'],
      ['ru', 'notified', 'on-time', 'late'],
    ]);
    expect(r.findings.added.map((f) => [f.rule, f.party, f.at])).toEqual([
      ['notification.late', 'ru', '2021-11-15T06:00:00.000Z'],
      ['notification.missing', 'ru', '2021-11-26T10:00:00.000Z'],
    ]);
    expect(r.findings.added[0]!.message.params).toMatchObject({ due: '2021-10-04T06:00:00.000Z' });
    expect(r.findings.removed).toEqual([]);
  });

  it('the other way: a draft with higher thresholds takes the findings on Zapad-2021 and Allied Resolve away', async () => {
    const lax = ORIGINAL.replace('{ category: troops, atLeast: 9000 }', '{ category: troops, atLeast: 250000 }');
    const r = await replayScenario(VD, lax);
    expect(r.findings.added).toEqual([]);
    expect(r.findings.removed.map((f) => [f.rule, f.party])).toEqual([
      ['notification.missing', 'ru'],
      ['notification.missing', 'ru'],
    ]);
    expect(r.activities.map((a) => [a.source, a.original, a.draft])).toEqual(
      expect.arrayContaining([
        ['observed', 'missing', 'not-notifiable'],
        ['notified', 'on-time', 'not-required'],
      ]),
    );
  });

  it('the regime in force replayed under itself changes nothing', async () => {
    const r = await replayScenario(VD, ORIGINAL);
    expect(r.draft.hash).toBe(r.original.hash);
    expect(r.activities).toEqual([]);
    expect(r.findings).toEqual({ added: [], removed: [] });
  });

  it('plays the same entries in memory as into logs on disk (leaf hashes, counted times)', async () => {
    const dir = join(tmp(), 'play');
    await playScenario('european-security-2022', dir);
    const onDisk = loadLogs(dir, { verify: false }).entries;
    const inMemory = (await playInMemory('european-security-2022')).entries;
    const key = (e: { origin: string; index: number; leafHash: string; countedAt: number }) =>
      `${e.origin}#${e.index} ${e.leafHash} ${e.countedAt}`;
    expect(inMemory.map(key).sort()).toEqual(onDisk.map(key).sort());
  });
});

describe('detente replay', () => {
  it('prints the changes in English and Russian, and JSON', () => {
    const en = detente(['replay', VD, '--regime', DRAFT_FILE]);
    expect(en.stderr).toBe('');
    expect(en.stdout).toContain('notified on time → notified late');
    expect(en.stdout).toContain('not notifiable → notifiable, not notified');
    expect(en.stdout).toContain('Findings the draft adds: 2');
    const ru = detente(['replay', VD, '--regime', DRAFT_FILE, '--lang', 'ru']);
    expect(ru.code).toBe(0);
    expect(ru.stdout).toContain('уведомлено в срок → уведомлено с опозданием');
    expect(ru.stdout).toContain('Замечания, которые добавляет проект: 2');
    const json = JSON.parse(detente(['replay', VD, '--regime', DRAFT_FILE, '--json']).stdout);
    expect(json.findings.added).toHaveLength(2);
    expect(json.activities).toHaveLength(2);
  });

  it('refuses bad input with one clear line: unknown scenario, missing file, an invalid draft', () => {
    const cases: [string[], RegExp][] = [
      [['replay', 'no-such', '--regime', DRAFT_FILE], /no scenario "no-such"/],
      [['replay', VD, '--regime', join(tmp(), 'absent.yaml')], /--regime .*absent\.yaml: no such file/],
      [['replay', VD], /required option '--regime <file>'/],
    ];
    const bad = join(tmp(), 'bad.yaml');
    writeFileSync(bad, DRAFT.replace('{ category: troops, atLeast: 5000 }', '{ category: tanks, atLeast: -1 }'));
    cases.push([['replay', VD, '--regime', bad], /atLeast: expected a whole number/]);
    for (const [args, pattern] of cases) {
      const r = detente(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stdout).toBe('');
    }
  });
});
