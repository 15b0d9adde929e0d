/**
 * Vienna Document 2011 ¶41: an activity carried out without advance notice to the troops involved is exempt from
 * the 42 days, and is notified when the troops begin it (`notification.snap-late` when later). A claim of no
 * advance notice under a rule without that provision changes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { parseRegime, type Regime } from '../src/model/index.js';
import { Script, T, text } from './engine-helpers.js';
import { loadScenario } from './model-helpers.js';

const base = loadScenario();
const RULE = 'vd11-prior-notification';
const withSnap: Regime = {
  ...base,
  notifications: base.notifications.map((n) => (n.id === RULE ? { ...n, withoutNotice: { after: 'PT0S' } } : n)),
};

const snap = (s: Script, start: string, counted: string, withoutNotice = true) =>
  s.add(
    'ru',
    'notification',
    {
      kind: 'activity',
      rule: RULE,
      name: text('Snap exercise'),
      start,
      end: new Date(T(start) + 3 * 86_400_000).toISOString(),
      quantities: [{ category: 'troops', quantity: 30000 }],
      ...(withoutNotice ? { withoutNotice: true } : {}),
    },
    counted,
  );
const late = (fs: Finding[]) =>
  fs.filter((f) => f.rule.startsWith('notification.')).map((f) => `${f.rule} ${f.party} ${f.at}`);

describe('activities without advance notice (¶41)', () => {
  it('notified when the troops begin it: on time, no finding', () => {
    const s = new Script(withSnap);
    s.signAll();
    snap(s, '2022-03-10T06:00:00Z', '2022-03-10T06:00:00Z');
    expect(late(s.findings('2022-04-01'))).toEqual([]);
  });

  it('notified after it began: snap-late, counted from the start, not from 42 days ahead', () => {
    const s = new Script(withSnap);
    s.signAll();
    snap(s, '2022-03-10T06:00:00Z', '2022-03-12T06:00:00Z');
    const fs = s.findings('2022-04-01');
    expect(late(fs)).toEqual(['notification.snap-late ru 2022-03-12T06:00:00.000Z']);
    const f = fs.find((x) => x.rule === 'notification.snap-late')!;
    expect(f.severity).toBe('minor');
    expect(renderMessage(f.message, 'en')).toBe(
      'ru notified an activity under "vd11-prior-notification" carried out without advance notice to the troops 2 days after it began (due 2022-03-10 06:00 UTC)',
    );
    expect(renderMessage(f.message, 'ru')).toContain('через 2 суток после её начала');
  });

  it('without the claim, the same notification is 42 days late as any other', () => {
    const s = new Script(withSnap);
    s.signAll();
    snap(s, '2022-03-10T06:00:00Z', '2022-03-10T06:00:00Z', false);
    expect(late(s.findings('2022-04-01'))).toEqual(['notification.late ru 2022-03-10T06:00:00.000Z']);
  });

  it('a rule that does not provide for it keeps its 42 days, whatever the notification claims', () => {
    const s = new Script(base);
    s.signAll();
    snap(s, '2022-03-10T06:00:00Z', '2022-03-10T06:00:00Z');
    expect(late(s.findings('2022-04-01'))).toEqual(['notification.late ru 2022-03-10T06:00:00.000Z']);
  });

  it('regime check: only an activity rule may provide for it', () => {
    const bad = {
      ...base,
      notifications: base.notifications.map((n, i) => (i === 0 ? { ...n, withoutNotice: { after: 'PT0S' } } : n)),
    };
    const first = base.notifications[0]!;
    expect(first.trigger.kind).not.toBe('activity');
    expect(() => parseRegime(JSON.stringify(bad), 'json')).toThrow(
      `$.notifications[0].withoutNotice: only an activity is carried out without notice, not a ${first.trigger.kind}`,
    );
    expect(() => parseRegime(JSON.stringify(withSnap), 'json')).not.toThrow();
  });
});
