/**
 * VD11 chapters VI to VIII on notified activities: invitations to observe (`observation.not-invited`), the annual
 * calendar (`calendar.not-listed`) and the constraints over one and three calendar years (`constraint.exceeded`).
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { buildEnvelope, parseRegime, vocabularyProblems } from '../src/model/index.js';
import { Script } from './engine-helpers.js';
import { caught } from './model-helpers.js';
import { RULE, text, vdDoc, vdRegime } from './vd-helpers.js';

const regime = vdRegime();
const DAY = 86_400_000;

interface Act {
  start: string;
  troops: number;
  invited?: boolean;
  snap?: boolean;
}

function activity(s: Script, a: Act, counted?: string) {
  const start = `${a.start}T00:00:00Z`;
  return s.add(
    'a',
    'notification',
    {
      kind: 'activity',
      rule: RULE,
      name: text(`Exercise ${a.start}`),
      start,
      end: new Date(Date.parse(start) + 5 * DAY).toISOString(),
      quantities: [{ category: 'troops', quantity: a.troops }],
      ...(a.invited === false ? {} : { observersInvited: true }),
      ...(a.snap ? { withoutNotice: true } : {}),
    },
    counted ?? (a.snap ? start : new Date(Date.parse(start) - 60 * DAY).toISOString()),
  );
}

function calendar(s: Script, year: number, starts: string[], counted: string) {
  return s.add(
    'a',
    'notification',
    {
      kind: 'calendar',
      rule: RULE,
      year,
      activities: starts.map((d) => ({
        name: text(`Planned ${d}`),
        start: `${d}T00:00:00Z`,
        end: `${d}T23:59:59Z`,
      })),
    },
    counted,
  );
}

/** A script with the regime signed and a's calendars for 2021 to 2024 listing every start given. */
function script(listed: string[] = []) {
  const s = new Script(regime);
  s.signAll('2020-01-01');
  for (const year of [2020, 2021, 2022, 2023, 2024]) {
    const mine = listed.filter((d) => d.startsWith(String(year)));
    if (mine.length) calendar(s, year, mine, `${year - 1}-11-15`);
  }
  return s;
}

const of = (fs: Finding[], rule: string) => fs.filter((f) => f.rule === rule);

describe('observation (Ch. VI)', () => {
  it('an activity of 14,000 troops notified without inviting observers', () => {
    const s = script(['2022-06-01']);
    const n = activity(s, { start: '2022-06-01', troops: 14000, invited: false });
    const fs = of(s.findings('2022-07-01'), 'observation.not-invited');
    expect(fs.map((f) => [f.party, f.refs[0]!.index])).toEqual([['a', n.index]]);
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      `a notified an activity under "${RULE}" starting 2022-06-01 00:00 UTC that reaches 13000 troops and invited no observers`,
    );
    expect(renderMessage(fs[0]!.message, 'ru')).toContain('не пригласив наблюдателей');
  });

  it('observers invited, or below the threshold: nothing', () => {
    const s = script(['2022-06-01', '2022-08-01']);
    activity(s, { start: '2022-06-01', troops: 14000 });
    activity(s, { start: '2022-08-01', troops: 12000, invited: false });
    expect(of(s.findings('2022-09-01'), 'observation.not-invited')).toEqual([]);
  });
});

describe('annual calendars (Ch. VII)', () => {
  it('listed in the calendar counted before the year: nothing', () => {
    const s = script(['2022-06-01']);
    activity(s, { start: '2022-06-01', troops: 10000 });
    expect(of(s.findings('2022-07-01'), 'calendar.not-listed')).toEqual([]);
  });

  it('not listed, listed on other dates, or in a calendar counted after it started: calendar.not-listed', () => {
    const s = script(['2022-03-01']);
    const a = activity(s, { start: '2022-06-01', troops: 10000 });
    calendar(s, 2023, ['2023-05-01'], '2023-05-02');
    const b = activity(s, { start: '2023-05-01', troops: 10000 });
    const fs = of(s.findings('2023-07-01'), 'calendar.not-listed');
    expect(fs.map((f) => [f.refs.some((r) => r.index === a.index || r.index === b.index), f.at])).toEqual([
      [true, '2022-06-01T00:00:00.000Z'],
      [true, '2023-05-01T00:00:00.000Z'],
    ]);
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      `a's activity under "${RULE}" starting 2022-06-01 00:00 UTC is not in its annual calendar for 2022`,
    );
    expect(renderMessage(fs[0]!.message, 'ru')).toContain('годовой план на 2022 год');
  });

  it('judged from the start: before it, nothing yet', () => {
    const s = script();
    activity(s, { start: '2022-06-01', troops: 10000 });
    expect(of(s.findings('2022-05-01'), 'calendar.not-listed')).toEqual([]);
    expect(of(s.findings('2022-06-02'), 'calendar.not-listed')).toHaveLength(1);
  });

  it('an activity without advance notice to the troops (¶41) is exempt', () => {
    const s = script();
    activity(s, { start: '2022-06-01', troops: 10000, snap: true });
    expect(of(s.findings('2022-07-01'), 'calendar.not-listed')).toEqual([]);
  });

  it('a calendar lists activities of its own year only', () => {
    const body = {
      kind: 'calendar' as const,
      rule: RULE,
      year: 2022,
      activities: [{ name: text('x'), start: '2023-01-05T00:00:00Z', end: '2023-01-06T00:00:00Z' }],
    };
    const e = buildEnvelope({
      type: 'notification',
      party: 'a',
      key: 'a-declarant',
      issuedAt: '2021-11-15T00:00:00Z',
      body,
    });
    expect(vocabularyProblems(regime, e).map((p) => `${p.path}: ${p.message}`)).toEqual([
      '$.body.activities[0].start: the calendar for 2022 lists an activity starting in another year',
    ]);
  });
});

describe('the calendar as a periodic obligation (due 15 November)', () => {
  const withDue = vdRegime((doc) => {
    doc.periodic = [
      {
        id: 'annual-calendar',
        name: text('Annual calendar'),
        parties: 'all',
        calendar: RULE,
        first: '2022-01-01',
        every: 'P1Y',
        until: '2022-12-31',
        deadline: { before: 'P47D' },
      },
    ];
  });
  const due = (calendars: [string, string][]) => {
    const s = new Script(withDue);
    s.signAll('2021-01-01');
    for (const [party, counted] of calendars) {
      s.add(party, 'notification', { kind: 'calendar', rule: RULE, year: 2022, activities: [] }, counted);
    }
    return s
      .findings('2022-02-01')
      .filter((f) => f.rule.startsWith('periodic.'))
      .map((f) => `${f.rule} ${f.party} ${f.at}`)
      .sort();
  };

  it('every participating state owes its calendar by 15 November; late and missing are told apart', () => {
    expect(
      due([
        ['a', '2021-11-15'],
        ['b', '2021-11-20'],
        ['d', '2021-11-01'],
      ]),
    ).toEqual(['periodic.late b 2021-11-20T00:00:00.000Z', 'periodic.missing e 2021-11-16T00:00:00.000Z']);
  });

  it('a declaration does not stand for the calendar, and a calendar rule must ask for one', () => {
    const s = new Script(withDue);
    s.signAll('2021-01-01');
    s.add('a', 'declaration', { form: 'plain', asOf: '2022-01-01', items: [], quantities: [] }, '2021-11-01');
    expect(s.findings('2022-02-01').filter((f) => f.rule === 'periodic.missing' && f.party === 'a')).toHaveLength(1);
    const doc = vdDoc();
    doc.periodic = [
      {
        id: 'x',
        name: text('x'),
        parties: 'all',
        calendar: 'movement',
        first: '2022-01-01',
        deadline: { before: 'P47D' },
      },
    ];
    expect(caught(() => parseRegime(JSON.stringify(doc), 'json')).message).toContain(
      '$.periodic[0].calendar: notification rule "movement" asks for no annual calendar',
    );
  });
});

describe('constraints (Ch. VIII)', () => {
  const months = (year: number, n: number) =>
    Array.from({ length: n }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}-10`);

  it('seven activities above 13,000 in one calendar year: the seventh exceeds', () => {
    const starts = months(2022, 7);
    const s = script(starts);
    const acts = starts.map((d) => activity(s, { start: d, troops: 14000 }));
    const fs = of(s.findings('2022-12-31'), 'constraint.exceeded');
    expect(fs.map((f) => [f.at, f.refs.length])).toEqual([['2022-07-10T00:00:00.000Z', 7]]);
    expect(fs[0]!.refs.map((r) => r.index)).toContain(acts[6]!.index);
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      `a's activity under "${RULE}" starting 2022-07-10 00:00 UTC brings it to 7 activities reaching 13000 troops within 1 calendar year (at most 6)`,
    );
    expect(renderMessage(fs[0]!.message, 'ru')).toContain('до 7 за 1 календарный год');
  });

  it('six in a year and six more the next: within', () => {
    const starts = [...months(2022, 6), ...months(2023, 6)];
    const s = script(starts);
    for (const d of starts) activity(s, { start: d, troops: 14000 });
    expect(of(s.findings('2023-12-31'), 'constraint.exceeded')).toEqual([]);
  });

  it('two activities above 40,000 within three calendar years exceed; three years apart they do not', () => {
    const s = script(['2021-05-01', '2023-09-01']);
    activity(s, { start: '2021-05-01', troops: 45000 });
    activity(s, { start: '2023-09-01', troops: 45000 });
    const fs = of(s.findings('2023-12-31'), 'constraint.exceeded');
    expect(fs.map((f) => f.at)).toEqual(['2023-09-01T00:00:00.000Z']);
    expect(renderMessage(fs[0]!.message, 'en')).toContain('within 3 calendar years (at most 1)');

    const t = script(['2020-05-01', '2023-09-01']);
    activity(t, { start: '2020-05-01', troops: 45000 });
    activity(t, { start: '2023-09-01', troops: 45000 });
    expect(of(t.findings('2023-12-31'), 'constraint.exceeded')).toEqual([]);
  });
});

describe('regime check', () => {
  it('calendars and constraints belong to activity rules, their thresholds to known categories', () => {
    const doc = vdDoc();
    const movement = doc.notifications.find((n: { id: string }) => n.id === 'movement');
    movement.calendar = {};
    movement.constraints = [{ anyOf: [{ category: 'troops', atLeast: 1 }], atMost: 1, years: 1 }];
    const rule = doc.notifications.find((n: { id: string }) => n.id === RULE);
    rule.trigger.observation.push({ category: 'paratroopers', atLeast: 3500 });
    const err = caught(() => parseRegime(JSON.stringify(doc), 'json'));
    const i = doc.notifications.indexOf(rule);
    const m = doc.notifications.indexOf(movement);
    expect(err.problems!.map((p) => p.path).sort()).toEqual(
      [
        `$.notifications[${m}].calendar`,
        `$.notifications[${m}].constraints`,
        `$.notifications[${i}].trigger.observation[2].category`,
      ].sort(),
    );
    const years = vdDoc();
    years.notifications.find((n: { id: string }) => n.id === RULE).constraints[0].years = 2;
    expect(caught(() => parseRegime(JSON.stringify(years), 'json')).message).toMatch(
      /\$\.notifications\[\d\]\.constraints\[0\]\.years: expected 1 or 3 \(calendar years\)/,
    );
  });
});
