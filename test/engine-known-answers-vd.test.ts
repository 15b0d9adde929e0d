/**
 * Known answers for the Vienna Document 2011 rules, each played at its boundary both ways: exactly at the threshold
 * or deadline, and one below or one past it (a leap year, a calendar-year edge, UTC). The regime is the small
 * Vienna-Document-like one of vd-helpers with the VD11 numbers as the text has them (docs/RULES.md lists each rule
 * with its paragraph and the convention decided here).
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { buildEnvelope, type Regime } from '../src/model/index.js';
import { Script, T } from './engine-helpers.js';
import { caught, publicKeyOf } from './model-helpers.js';
import { DENVER, MINSK, RULE, text, vdRegime } from './vd-helpers.js';

const DAY = 86_400_000;
const q = (category: string, quantity: number) => ({ category, quantity });
const CATEGORIES = ['acvs', 'artillery', 'airborne-troops', 'amphibious-troops', 'air-sorties'];

/** A participating state cloned from e (same key naming), so quotas can run past three inspecting states. */
function extraParty(doc: any, id: string) {
  const keys = ['declarant', 'inspector'].map((role) => ({
    id: `${id}-${role}`,
    roles: [role],
    publicKey: publicKeyOf(`${id}-${role}`),
  }));
  doc.parties.push({ id, name: text(id), status: 'party', origin: `example.org/${id}`, keys });
}

/** VD11 as written: ¶40 thresholds, ¶40.1.3 air component, ¶41 snap, Ch. VI observation, Ch. VII, Ch. VIII. */
const VD11: Regime = vdRegime((doc) => {
  for (const id of CATEGORIES) doc.categories.push({ id, name: text(id), kind: 'quantity' });
  const rule = doc.notifications.find((n: { id: string }) => n.id === RULE);
  rule.trigger.anyOf = [
    { category: 'troops', atLeast: 9000 },
    { category: 'battle-tanks', atLeast: 250 },
    { category: 'acvs', atLeast: 500 },
    { category: 'artillery', atLeast: 250 },
    { category: 'amphibious-troops', atLeast: 3000 },
    { category: 'airborne-troops', atLeast: 3000 },
  ];
  rule.trigger.air = [{ category: 'air-sorties', atLeast: 200 }];
  rule.trigger.observation = [
    { category: 'troops', atLeast: 13000 },
    { category: 'battle-tanks', atLeast: 300 },
    { category: 'acvs', atLeast: 500 },
    { category: 'artillery', atLeast: 250 },
    { category: 'airborne-troops', atLeast: 3500 },
    { category: 'amphibious-troops', atLeast: 3500 },
  ];
  const big = [
    { category: 'troops', moreThan: 40000 },
    { category: 'battle-tanks', moreThan: 900 },
  ];
  rule.constraints = [
    { anyOf: big, atMost: 1, years: 3 },
    {
      anyOf: [
        { category: 'troops', moreThan: 13000 },
        { category: 'battle-tanks', moreThan: 300 },
      ],
      unless: big,
      atMost: 6,
      years: 1,
    },
    {
      anyOf: [
        { category: 'troops', moreThan: 25000 },
        { category: 'battle-tanks', moreThan: 400 },
      ],
      unless: big,
      atMost: 3,
      years: 1,
    },
  ];
  extraParty(doc, 'f');
  // Ch. IX inspections of a: at most 3 a calendar year, at most 1 from the same state.
  doc.inspections.push({
    id: 'vd-inspection',
    name: text('Inspection'),
    pairs: ['b', 'd', 'e', 'f'].map((p) => ({ inspector: p, host: 'a' })),
    where: { sites: ['a-base'] },
    quota: { count: 1, perHost: 3, period: 'P1Y', anchor: '2022-01-01' },
    notice: 'PT36H',
    duration: 'PT48H',
    verifies: [{ kind: 'absence', categories: ['missile'] }],
  });
  // Evaluation visits to a (¶107–110), derived from the units a reported.
  doc.inspections.push({
    id: 'vd-evaluation',
    name: text('Evaluation visit'),
    pairs: ['b', 'd', 'e', 'f'].map((p) => ({ inspector: p, host: 'a' })),
    where: { sites: ['a-base'] },
    quota: {
      count: 15,
      period: 'P1Y',
      anchor: '2022-01-01',
      fromUnits: { category: 'units', per: 60, atMost: 15, fromOneShare: 5 },
    },
    notice: 'P5D',
    duration: 'PT12H',
    verifies: [{ kind: 'absence', categories: ['missile'] }],
  });
});

interface Act {
  by?: string;
  start: string;
  quantities: { category: string; quantity: number }[];
  /** When the notification counts (default: 60 days before the start). */
  counted?: string;
  invited?: boolean;
  snap?: boolean;
  participants?: string[];
}

function activity(s: Script, a: Act) {
  return s.add(
    a.by ?? 'a',
    'notification',
    {
      kind: 'activity',
      rule: RULE,
      name: text(`Exercise ${a.start}`),
      start: a.start,
      end: new Date(T(a.start) + 3 * DAY).toISOString(),
      quantities: a.quantities,
      ...(a.invited === false ? {} : { observersInvited: true }),
      ...(a.snap ? { withoutNotice: true } : {}),
      ...(a.participants ? { participants: a.participants } : {}),
    },
    a.counted ?? new Date(T(a.start) - 60 * DAY).toISOString(),
  );
}

function script(): Script {
  const s = new Script(VD11);
  s.signAll('2020-01-01');
  return s;
}

const rulesOf = (fs: Finding[], prefix: string) =>
  fs
    .filter((f) => f.rule.startsWith(prefix))
    .map((f) => `${f.rule} ${f.party}`)
    .sort();

/** The notification findings of one activity notified on the day it starts (late only if notifiable). */
function notifiable(quantities: { category: string; quantity: number }[]): boolean {
  const s = script();
  activity(s, { start: '2024-03-01T00:00:00Z', quantities, counted: '2024-03-01T00:00:00Z' });
  return rulesOf(s.findings('2024-06-01'), 'notification.').includes('notification.late a');
}

describe('prior notification thresholds (VD11 ¶40: "9,000 troops or more", any of them; ¶40.2: 3,000)', () => {
  const cases: [string, number][] = [
    ['troops', 9000],
    ['battle-tanks', 250],
    ['acvs', 500],
    ['artillery', 250],
    ['amphibious-troops', 3000],
    ['airborne-troops', 3000],
  ];
  for (const [category, threshold] of cases) {
    it(`${category}: ${threshold} is notifiable, ${threshold - 1} is not`, () => {
      expect(notifiable([q(category, threshold)])).toBe(true);
      expect(notifiable([q(category, threshold - 1)])).toBe(false);
    });
  }

  it('any of them: one reached among others below suffices; all just below do not add up', () => {
    expect(notifiable([q('troops', 8999), q('battle-tanks', 250)])).toBe(true);
    expect(notifiable(cases.map(([c, n]) => q(c, n - 1)))).toBe(false);
  });

  it('air sorties decide only the air component (¶40.1.3): 10,000 sorties alone are not notifiable', () => {
    expect(notifiable([q('troops', 8999), q('air-sorties', 10000)])).toBe(false);
    expect(notifiable([q('troops', 9000), q('air-sorties', 199)])).toBe(true);
  });

  it('an activity seen at 9,000 troops and never notified is missing; 8,999 is not', () => {
    const seen = (troops: number) => {
      const s = script();
      s.add(
        'd',
        'observation',
        {
          subject: 'a',
          observedAt: '2024-03-01T00:00:00Z',
          place: { point: MINSK },
          quantities: [q('troops', troops)],
          method: 'overhead-imagery',
          evidence: [],
        },
        '2024-03-01',
      );
      return rulesOf(s.findings('2024-03-02'), 'notification.missing');
    };
    expect(seen(9000)).toEqual(['notification.missing a', 'notification.missing b']);
    expect(seen(8999)).toEqual([]);
  });
});

describe('42 days ahead (VD11 ¶38: "42 days or more in advance"): exactly 42 days is on time', () => {
  const late = (start: string, counted: string) => {
    const s = script();
    activity(s, { start, quantities: [q('troops', 9000)], counted });
    return rulesOf(s.findings('2024-12-31'), 'notification.late');
  };

  it('an activity on 1 March 2024 (leap year): due 19 January 00:00 UTC; one second later is late', () => {
    expect(late('2024-03-01T00:00:00Z', '2024-01-19T00:00:00Z')).toEqual([]);
    expect(late('2024-03-01T00:00:00Z', '2024-01-19T00:00:01Z')).toEqual(['notification.late a']);
  });

  it('on 1 March 2023: due 18 January; 19 January is late', () => {
    expect(late('2023-03-01T00:00:00Z', '2023-01-18T00:00:00Z')).toEqual([]);
    expect(late('2023-03-01T00:00:00Z', '2023-01-19T00:00:00Z')).toEqual(['notification.late a']);
  });

  it('times are UTC: a start written with an offset is refused, naming the field', () => {
    const body = {
      kind: 'activity' as const,
      rule: RULE,
      name: text('Exercise'),
      start: '2024-03-01T03:00:00+03:00',
      end: '2024-03-04T00:00:00Z',
      quantities: [q('troops', 9000)],
    };
    const err = caught(() =>
      buildEnvelope({ type: 'notification', party: 'a', key: 'a-declarant', issuedAt: '2024-01-01T00:00:00Z', body }),
    );
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.problems!.map((p) => p.path)).toEqual(['$.body.start']);
  });

  it('across the year: an activity on 10 February 2024 is due 30 December 2023', () => {
    expect(late('2024-02-10T06:00:00Z', '2023-12-30T06:00:00Z')).toEqual([]);
    expect(late('2024-02-10T06:00:00Z', '2023-12-30T06:00:01Z')).toEqual(['notification.late a']);
  });
});

describe('without advance notice to the troops (VD11 ¶41): notified when the troops begin it', () => {
  const snap = (counted: string) => {
    const s = script();
    activity(s, { start: '2024-02-29T06:00:00Z', quantities: [q('troops', 30000)], counted, snap: true });
    return rulesOf(s.findings('2024-12-31'), 'notification.');
  };

  it('at the start: on time, and exempt from the 42 days', () => {
    expect(snap('2024-02-29T06:00:00Z')).toEqual([]);
  });

  it('one second after the start: notification.snap-late', () => {
    expect(snap('2024-02-29T06:00:01Z')).toEqual(['notification.snap-late a']);
  });
});

describe('zone of application and who notifies (VD11 ¶38, the host state and the participating states)', () => {
  const observed = (point: { lat: number; lon: number }, notify?: Partial<Act>) => {
    const s = script();
    if (notify) activity(s, { start: '2024-02-10T00:00:00Z', quantities: [q('troops', 30000)], ...notify });
    s.add(
      'd',
      'observation',
      {
        subject: 'a',
        observedAt: '2024-02-12T00:00:00Z',
        place: { point },
        quantities: [q('troops', 30000)],
        method: 'overhead-imagery',
        evidence: [],
      },
      '2024-02-12',
    );
    return rulesOf(s.findings('2024-02-13'), 'notification.missing');
  };

  it("a's forces in Belarus, notified by nobody: a and the host b are both missing", () => {
    expect(observed(MINSK)).toEqual(['notification.missing a', 'notification.missing b']);
  });

  it('notified by the host naming a as participating: nobody is missing; without naming a: a is', () => {
    expect(observed(MINSK, { by: 'b', participants: ['a'] })).toEqual([]);
    expect(observed(MINSK, { by: 'b' })).toEqual(['notification.missing a']);
  });

  it('outside the zone of application (Denver): nothing is notifiable', () => {
    expect(observed(DENVER)).toEqual([]);
  });

  it('every participating state notifies under "all"; the observer is not bound', () => {
    const s = script();
    for (const by of ['d', 'e', 'f'])
      activity(s, { by, start: '2024-03-01T00:00:00Z', quantities: [q('troops', 9000)], counted: '2024-03-01' });
    expect(rulesOf(s.findings('2024-04-01'), 'notification.late')).toEqual([
      'notification.late d',
      'notification.late e',
      'notification.late f',
    ]);
  });
});

describe('observation (VD11 Ch. VI ¶47: "meets or exceeds"): observers invited at the threshold', () => {
  const cases: [string, number][] = [
    ['troops', 13000],
    ['battle-tanks', 300],
    ['acvs', 500],
    ['artillery', 250],
    ['airborne-troops', 3500],
    ['amphibious-troops', 3500],
  ];
  const notInvited = (category: string, n: number) => {
    const s = script();
    activity(s, { start: '2024-06-01T00:00:00Z', quantities: [q(category, n)], invited: false });
    return rulesOf(s.findings('2024-07-01'), 'observation.');
  };
  for (const [category, threshold] of cases) {
    it(`${category}: ${threshold} without inviting observers is a finding, ${threshold - 1} is not`, () => {
      expect(notInvited(category, threshold)).toEqual(['observation.not-invited a']);
      expect(notInvited(category, threshold - 1)).toEqual([]);
    });
  }
});

describe('annual calendars (VD11 Ch. VII ¶61): the calendar of the year the activity starts, counted before it', () => {
  const listed = (start: string, calendarYear: number, counted: string) => {
    const s = script();
    s.add(
      'a',
      'notification',
      {
        kind: 'calendar',
        rule: RULE,
        year: calendarYear,
        activities: [
          {
            name: text('Planned'),
            start: `${calendarYear}-01-01T00:00:00Z`,
            end: `${calendarYear}-12-31T23:59:59Z`,
          },
        ],
      },
      counted,
    );
    activity(s, { start, quantities: [q('troops', 9000)] });
    return rulesOf(s.findings('2025-06-01'), 'calendar.');
  };

  it('listed in a calendar counted exactly when the activity starts: listed; one second later: not', () => {
    expect(listed('2024-06-01T00:00:00Z', 2024, '2024-06-01T00:00:00Z')).toEqual([]);
    expect(listed('2024-06-01T00:00:00Z', 2024, '2024-06-01T00:00:01Z')).toEqual(['calendar.not-listed a']);
  });

  it('the year edge: 31 December 23:59:59 belongs to that year, 1 January 00:00 to the next', () => {
    expect(listed('2024-12-31T23:59:59Z', 2024, '2023-11-15')).toEqual([]);
    expect(listed('2025-01-01T00:00:00Z', 2024, '2023-11-15')).toEqual(['calendar.not-listed a']);
  });

  it('below the notification thresholds nothing needs listing', () => {
    const s = script();
    activity(s, { start: '2024-06-01T00:00:00Z', quantities: [q('troops', 8999)] });
    expect(rulesOf(s.findings('2024-07-01'), 'calendar.')).toEqual([]);
  });
});

describe('constraints (VD11 Ch. VIII: "more than 40,000 troops", "more than 13,000 ... but not more than 40,000")', () => {
  /** Activities of a, all listed and invited: only constraint findings matter. */
  const play = (acts: [string, number][]) => {
    const s = script();
    for (const [start, troops] of acts) activity(s, { start: `${start}T00:00:00Z`, quantities: [q('troops', troops)] });
    return s
      .findings('2027-01-01')
      .filter((f) => f.rule === 'constraint.exceeded')
      .map((f) => `${f.at.slice(0, 10)} ${f.message.params.moreThan}`);
  };
  const monthly = (year: number, n: number, troops: number): [string, number][] =>
    Array.from({ length: n }, (_, i) => [`${year}-${String(i + 1).padStart(2, '0')}-10`, troops]);

  it('two of exactly 40,000 within three years: not above 40,000; two of 40,001: the second exceeds', () => {
    expect(play(monthly(2024, 2, 40000))).toEqual([]);
    expect(play(monthly(2024, 2, 40001))).toEqual(['2024-02-10 40000']);
  });

  it('three calendar years: 1 January 2022 and 31 December 2024 are within; 31 December 2021 and 1 January 2024 not', () => {
    expect(
      play([
        ['2022-01-01', 45000],
        ['2024-12-31', 45000],
      ]),
    ).toEqual(['2024-12-31 40000']);
    expect(
      play([
        ['2021-12-31', 45000],
        ['2024-01-01', 45000],
      ]),
    ).toEqual([]);
  });

  it('seven of exactly 13,000 in a year: none counted; seven of 13,001: the seventh exceeds', () => {
    expect(play(monthly(2024, 7, 13000))).toEqual([]);
    expect(play(monthly(2024, 7, 13001))).toEqual(['2024-07-10 13000']);
  });

  it('six above 13,000 and one above 40,000 in a year: the large one counts against the three years only', () => {
    expect(play([...monthly(2024, 6, 14000), ['2024-09-10', 45000]])).toEqual([]);
  });

  it('four of 25,001 in a year: the fourth exceeds the three; four of exactly 25,000 do not', () => {
    expect(play(monthly(2024, 4, 25001))).toEqual(['2024-04-10 25000']);
    expect(play(monthly(2024, 4, 25000))).toEqual([]);
  });

  it('the calendar-year edge: six on 31 December and one on 1 January are two years', () => {
    const dec: [string, number][] = Array.from({ length: 6 }, () => ['2024-12-31', 14000]);
    expect(play([...dec, ['2025-01-01', 14000]])).toEqual([]);
    expect(play([...dec, ['2024-12-31', 14000]])).toEqual(['2024-12-31 13000']);
  });
});

describe('inspections (VD11 Ch. IX): at most 3 a calendar year for the host, at most 1 from the same state', () => {
  const request = (s: Script, by: string, arrival: string) =>
    s.add(
      by,
      'inspection-request',
      { inspection: 'vd-inspection', host: 'a', site: 'a-base', arrival },
      new Date(T(arrival) - 3 * DAY).toISOString(),
    );
  const over = (s: Script) =>
    s
      .findings('2026-01-01')
      .filter((f) => f.rule === 'inspection.quota-exceeded')
      .map((f) => `${f.party} ${f.message.code}`);

  it('three inspecting states: within; a fourth: beyond the passive quota, and it consumes nothing', () => {
    const s = script();
    for (const by of ['b', 'd', 'e']) request(s, by, '2024-03-10T08:00:00Z');
    expect(over(s)).toEqual([]);
    request(s, 'f', '2024-12-31T23:59:59Z');
    expect(over(s)).toEqual(['f inspection.quota-exceeded.host']);
    // On 1 January 00:00 the year is a new one.
    request(s, 'f', '2025-01-01T00:00:00Z');
    expect(over(s)).toEqual(['f inspection.quota-exceeded.host']);
    const used = (asOf: string) =>
      s
        .evaluate(asOf)
        .state.inspections.quotas.filter((x) => x.inspection === 'vd-inspection')
        .map((x) => `${x.inspector} ${x.used}`);
    // The request beyond consumed nothing in 2024; the one on 1 January is 2025's.
    expect(used('2024-12-31T23:59:59Z')).toEqual(['b 1', 'd 1', 'e 1', 'f 0']);
    expect(used('2025-01-01T00:00:00Z')).toEqual(['b 0', 'd 0', 'e 0', 'f 1']);
  });

  it('a second from the same state in the calendar year is beyond; in the next year it is not', () => {
    const s = script();
    request(s, 'b', '2024-01-01T00:00:00Z');
    request(s, 'b', '2024-12-31T23:59:59Z');
    request(s, 'b', '2025-01-01T00:00:00Z');
    expect(over(s)).toEqual(['b inspection.quota-exceeded']);
  });

  it("a request the host refused gives the quota back: the inspector's second request that year is within", () => {
    const s = script();
    const first = request(s, 'b', '2024-03-10T08:00:00Z');
    s.add(
      'a',
      'inspection-refusal',
      { request: { origin: first.origin, index: first.index, leafHash: first.leafHash } },
      '2024-03-07T12:00:00Z',
    );
    request(s, 'b', '2024-05-10T08:00:00Z');
    expect(over(s)).toEqual([]);
  });
});

describe('evaluation visits (VD11 ¶107–110): one per 60 units or part thereof, at most 15, a fifth from one state', () => {
  const visits = (units: number, requests: string[]) => {
    const s = script();
    s.add(
      'a',
      'declaration',
      {
        form: 'plain',
        asOf: '2024-01-01',
        items: [],
        quantities: [{ category: 'units', site: 'a-base', quantity: units }],
      },
      '2023-12-15',
    );
    for (const [i, by] of requests.entries()) {
      s.add(
        by,
        'inspection-request',
        {
          inspection: 'vd-evaluation',
          host: 'a',
          site: 'a-base',
          arrival: `2024-${String(i + 2).padStart(2, '0')}-15T08:00:00Z`,
        },
        `2024-${String(i + 2).padStart(2, '0')}-01`,
      );
    }
    return s
      .findings('2025-01-01')
      .filter((f) => f.rule === 'inspection.quota-exceeded')
      .map((f) => `${f.party} ${f.message.code} ${f.message.params.quota}`);
  };

  it('60 units: 1 visit; 61 units: 2', () => {
    expect(visits(60, ['b', 'd'])).toEqual(['d inspection.quota-exceeded.host 1']);
    expect(visits(61, ['b', 'd'])).toEqual([]);
    expect(visits(61, ['b', 'd', 'e'])).toEqual(['e inspection.quota-exceeded.host 2']);
  });

  it('900 units: 15 visits and 3 from one state; 901 units: still 15', () => {
    expect(visits(900, ['b', 'b', 'b'])).toEqual([]);
    expect(visits(900, ['b', 'b', 'b', 'b'])).toEqual(['b inspection.quota-exceeded 3']);
    expect(visits(901, ['b', 'b', 'b', 'b'])).toEqual(['b inspection.quota-exceeded 3']);
  });

  it('a fifth rounded down: 599 units (10 visits) allow 2 from one state; 601 (11) still 2; under 5 visits, 1', () => {
    expect(visits(599, ['b', 'b', 'b'])).toEqual(['b inspection.quota-exceeded 2']);
    expect(visits(601, ['b', 'b', 'b'])).toEqual(['b inspection.quota-exceeded 2']);
    expect(visits(240, ['b', 'b'])).toEqual(['b inspection.quota-exceeded 1']);
  });
});
