/**
 * Vienna Document 2011 thresholds as the text has them: any of 9,000 troops, 250 battle tanks, 500 ACVs or 250
 * artillery pieces makes an activity notifiable; 200 air sorties only bring the air component into the notification
 * (`trigger.air`), so sorties alone neither require a notification nor make one missing.
 */
import { describe, expect, it } from 'vitest';
import { parseRegime, type Regime, type Trigger } from '../src/model/index.js';
import { Script, text } from './engine-helpers.js';
import { loadScenario } from './model-helpers.js';

const base = loadScenario();
const RULE = 'vd11-prior-notification';
const SORTIES = { category: 'air-sorties', atLeast: 200 };

/** The rule with the sorties threshold among `anyOf` (as shipped) or apart, in `air` (as the text has it). */
function regime(sortiesDecide: 'notification' | 'air-component'): Regime {
  return {
    ...base,
    notifications: base.notifications.map((n) => {
      if (n.id !== RULE || n.trigger.kind !== 'activity') return n;
      const anyOf = n.trigger.anyOf.filter((t) => t.category !== SORTIES.category);
      const trigger: Trigger =
        sortiesDecide === 'air-component'
          ? { ...n.trigger, anyOf, air: [SORTIES] }
          : { ...n.trigger, anyOf: [...anyOf, SORTIES] };
      return { ...n, trigger };
    }),
  };
}

function play(r: Regime) {
  const s = new Script(r);
  s.signAll();
  // 3,000 troops and 300 sorties, notified on the day: late only if notifiable.
  s.add(
    'ru',
    'notification',
    {
      kind: 'activity',
      rule: RULE,
      name: text('Air exercise'),
      start: '2022-03-10T00:00:00Z',
      end: '2022-03-12T00:00:00Z',
      quantities: [
        { category: 'troops', quantity: 3000 },
        { category: 'air-sorties', quantity: 300 },
      ],
    },
    '2022-03-10',
  );
  // Observed later with as many sorties and no notification.
  s.add(
    'nato',
    'observation',
    {
      subject: 'ru',
      observedAt: '2022-05-01T00:00:00Z',
      place: { zone: 'ru-ukraine-border-band' },
      quantities: [
        { category: 'troops', quantity: 3000 },
        { category: 'air-sorties', quantity: 300 },
      ],
      method: 'overhead-imagery',
      evidence: [],
    },
    '2022-05-01',
  );
  return s
    .findings('2022-07-01')
    .filter((f) => f.rule.startsWith('notification.'))
    .map((f) => f.rule)
    .sort();
}

describe('activity thresholds', () => {
  it('sorties alone do not make an activity notifiable when they decide only the air component', () => {
    expect(play(regime('air-component'))).toEqual([]);
  });

  it('the same activity is late and missing where sorties count as a threshold (the broken reading)', () => {
    expect(play(regime('notification'))).toEqual(['notification.late', 'notification.missing']);
  });

  it('regime check: a threshold on an unknown category is refused by path', () => {
    const bad = regime('air-component');
    const n = bad.notifications.findIndex((x) => x.id === RULE);
    const broken = {
      ...bad,
      notifications: bad.notifications.map((x, i) =>
        i === n && x.trigger.kind === 'activity'
          ? { ...x, trigger: { ...x.trigger, air: [{ category: 'jets', atLeast: 1 }] } }
          : x,
      ),
    };
    expect(() => parseRegime(JSON.stringify(broken), 'json')).toThrow(
      new RegExp(`\\$\\.notifications\\[${n}\\]\\.trigger\\.air\\[0\\]\\.category: unknown category "jets"`),
    );
    expect(() => parseRegime(JSON.stringify(bad), 'json')).not.toThrow();
  });
});
