/**
 * Known answers for the deadlines and counts of New START, the periodic obligations and the issue-15 procedures,
 * each played at its boundary both ways: exactly at the deadline or limit, and one second (or one unit) past it,
 * in UTC, across a leap day or a year's end. docs/RULES.md lists each rule with its source and the convention.
 */
import { describe, expect, it } from 'vitest';
import type { DetenteError } from '../src/crypto/errors.js';
import type { EngineEntry, Finding } from '../src/engine/index.js';
import {
  buildEnvelope,
  type EnvelopeFields,
  type PeriodicObligation,
  type Regime,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { consentIfHosted, escorted, ref, Script, T, text } from './engine-helpers.js';
import { loadScenario, seedOf, suite } from './model-helpers.js';

const base = loadScenario();
const HOUR = 3_600_000;
const after = (t: string, hours: number) => new Date(T(t) + hours * HOUR).toISOString();
const of = (fs: Finding[], prefix: string) =>
  fs
    .filter((f) => f.rule.startsWith(prefix))
    .map((f) => `${f.rule} ${f.party}`)
    .sort();

describe('periodic obligations: the deadline is a day, on time through its end (UTC)', () => {
  const obligation = (o: Partial<PeriodicObligation>): PeriodicObligation => ({
    id: 'ob',
    name: text('Obligation'),
    parties: ['ru'],
    first: '2024-03-01',
    deadline: { after: 'P30D' },
    ...o,
  });
  const declared = (o: PeriodicObligation, asOf: string, counted: string | undefined, judged: string) => {
    const s = new Script({ ...base, periodic: [o] });
    s.signAll('2022-01-27');
    if (counted) s.add('ru', 'declaration', { form: 'plain', asOf, items: [], quantities: [] }, counted);
    return of(s.findings(judged), 'periodic.');
  };

  // Part Four §II.2: "no later than 30 days after the expiration of each six-month period"; the periods end on 28
  // (29) February and 31 August, the data are as of 1 March and 1 September, so the last day is the data date plus
  // 29 days: 30 March and 30 September (the US withheld its update due 30 March 2023). The regime says P29D.
  it('New START 6-monthly update, data as of 1 March 2024 (after 29 February): the whole of 30 March', () => {
    const o = obligation({ first: '2024-03-01', every: 'P6M', deadline: { after: 'P29D' } });
    expect(declared(o, '2024-03-01', '2024-03-30T23:59:59Z', '2024-04-15')).toEqual([]);
    expect(declared(o, '2024-03-01', '2024-03-31T00:00:00Z', '2024-04-15')).toEqual(['periodic.late ru']);
    expect(declared(o, '2024-03-01', undefined, '2024-03-30T23:59:59.999Z')).toEqual([]);
    expect(declared(o, '2024-03-01', undefined, '2024-03-31T00:00:00Z')).toEqual(['periodic.missing ru']);
  });

  it('the next period of the same obligation: data as of 1 September, the whole of 30 September', () => {
    const o = obligation({ first: '2024-03-01', every: 'P6M', deadline: { after: 'P29D' } });
    const play = (counted: string) => {
      const s = new Script({ ...base, periodic: [o] });
      s.signAll('2022-01-27');
      s.add('ru', 'declaration', { form: 'plain', asOf: '2024-03-01', items: [], quantities: [] }, '2024-03-20');
      s.add('ru', 'declaration', { form: 'plain', asOf: '2024-09-01', items: [], quantities: [] }, counted);
      return of(s.findings('2024-12-31'), 'periodic.');
    };
    expect(play('2024-09-30T23:59:59Z')).toEqual([]);
    expect(play('2024-10-01T00:00:00Z')).toEqual(['periodic.late ru']);
  });

  it('initial data, 45 days after entry into force on 5 February (Part Four §II.1): 22 March', () => {
    const o = obligation({ first: '2022-02-05', deadline: { after: 'P45D' } });
    expect(declared(o, '2022-02-05', '2022-03-22T23:59:59Z', '2022-06-01')).toEqual([]);
    expect(declared(o, '2022-02-05', '2022-03-23T00:00:00Z', '2022-06-01')).toEqual(['periodic.late ru']);
  });

  it('VD11 annual exchange, valid 1 January 2025, "not later than 15 December": the whole of 15 December 2024', () => {
    const o = obligation({ first: '2023-01-01', every: 'P1Y', deadline: { before: 'P17D' } });
    expect(declared(o, '2025-01-01', '2024-12-15T23:59:59Z', '2025-02-01').filter((x) => x.includes('late'))).toEqual(
      [],
    );
    expect(declared(o, '2025-01-01', '2024-12-16T00:00:00Z', '2025-02-01')).toContain('periodic.late ru');
  });

  it('a deadline before the regime is in force owes nothing', () => {
    const o = obligation({ first: '2022-01-01', every: 'P1Y', deadline: { before: 'P17D' } });
    // Due 15 December 2021; the regime is signed from 27 January 2022: only the 2023 exchange is owed.
    expect(declared(o, '2023-01-01', '2022-12-15T12:00:00Z', '2023-01-31')).toEqual([]);
  });
});

describe('limits (New START Art. II): at most N, from 5 February 2018 until 5 February 2026 exclusive', () => {
  const regime: Regime = {
    ...base,
    limits: base.limits.map((l) => (l.id === 'nst-deployed-delivery-vehicles' ? { ...l, atMost: 2 } : l)),
  };
  const icbm = (i: number) => ({
    uid: `RU-ICBM-${i}`,
    category: 'icbm',
    site: 'kozelsk',
    status: 'deployed',
    attributes: { warheads: 1 },
  });
  const status = (n: number, asOf: string) => {
    const s = new Script(regime);
    s.signAll();
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-01');
    s.add(
      'ru',
      'declaration',
      { form: 'plain', asOf: '2022-03-01', items: Array.from({ length: n }, (_, i) => icbm(i)), quantities: [] },
      '2022-03-01',
    );
    const { state } = s.evaluate(asOf);
    return state.limits.find((l) => l.limit === 'nst-deployed-delivery-vehicles' && l.party === 'ru')!.status;
  };

  it('exactly at the limit: within; one above: exceeded', () => {
    expect(status(2, '2022-04-01')).toBe('within');
    expect(status(3, '2022-04-01')).toBe('exceeded');
  });

  it('binding through 4 February 2026, not from 5 February 2026 00:00 UTC', () => {
    expect(status(3, '2026-02-04T23:59:59Z')).toBe('exceeded');
    expect(status(3, '2026-02-05T00:00:00Z')).toBe('not-binding');
  });
});

describe('New START Type One: 10 a treaty year from 5 February (the arrival decides the year)', () => {
  const requests = (arrivals: string[]) => {
    const s = new Script();
    s.signAll('2022-01-27');
    for (const arrival of arrivals)
      s.add(
        'us',
        'inspection-request',
        { inspection: 'nst-type-one', host: 'ru', site: 'kozelsk', arrival, inspectors: 2 },
        after(arrival, -48),
      );
    return of(s.findings('2024-06-01'), 'inspection.quota-exceeded');
  };
  const ten = Array.from({ length: 10 }, (_, i) => `2022-${String(i + 3).padStart(2, '0')}-10T08:00:00Z`);

  it('the tenth within the year is within; an eleventh arriving 4 February 23:59:59 is beyond', () => {
    expect(requests(ten)).toEqual([]);
    expect(requests([...ten, '2023-02-04T23:59:59Z'])).toEqual(['inspection.quota-exceeded us']);
  });

  it('an eleventh arriving 5 February 00:00 is the next treaty year', () => {
    expect(requests([...ten, '2023-02-05T00:00:00Z'])).toEqual([]);
  });
});

describe('VD11 ¶16: reply within 48 h, then a bilateral meeting and a joint FSC/PC meeting, each within 48 h', () => {
  const concern = (s: Script, at: string) =>
    s.add(
      'us',
      'consultation',
      { step: 'concern', mechanism: 'vd11-unusual-activities', addressee: 'ru', statement: text('Please explain.') },
      at,
    );
  const reply = (s: Script, previous: EngineEntry, at: string) =>
    s.add('ru', 'consultation', { step: 'reply', previous: ref(previous), stage: 'reply', statement: text('x') }, at);
  const meeting = (s: Script, previous: EngineEntry, stage: string, held: string) =>
    s.add(
      'us',
      'consultation',
      { step: 'meeting', previous: ref(previous), stage, held, attendance: ['us', 'ru'] },
      held,
    );
  const C = '2024-02-28T10:00:00Z';

  it('a reply exactly 48 h after the concern (across 29 February) is on time; one second later is late', () => {
    const s = new Script();
    reply(s, concern(s, C), '2024-03-01T10:00:00Z');
    expect(of(s.findings('2024-03-01T12:00:00Z'), 'consultation.stage')).toEqual([]);
    const t = new Script();
    reply(t, concern(t, C), '2024-03-01T10:00:01Z');
    expect(of(t.findings('2024-03-01T12:00:00Z'), 'consultation.stage')).toEqual(['consultation.stage-late ru']);
  });

  it('no reply: missed once 48 h have passed, not at 48 h exactly', () => {
    const s = new Script();
    concern(s, C);
    expect(of(s.findings('2024-03-01T10:00:00Z'), 'consultation.stage')).toEqual([]);
    expect(of(s.findings('2024-03-01T10:00:01Z'), 'consultation.stage')).toEqual(['consultation.stage-missed ru']);
  });

  it('the meetings: each due 48 h after the stage before it was recorded', () => {
    const s = new Script();
    const r = reply(s, concern(s, C), '2024-02-29T10:00:00Z');
    const m = meeting(s, r, 'bilateral-meeting', '2024-03-02T10:00:00Z');
    meeting(s, m, 'joint-fsc-pc', '2024-03-04T10:00:00Z');
    expect(of(s.findings('2024-03-10'), 'consultation.stage')).toEqual([]);
    const t = new Script();
    const r2 = reply(t, concern(t, C), '2024-02-29T10:00:00Z');
    const m2 = meeting(t, r2, 'bilateral-meeting', '2024-03-02T10:00:01Z');
    meeting(t, m2, 'joint-fsc-pc', '2024-03-04T10:00:02Z');
    expect(of(t.findings('2024-03-10'), 'consultation.stage')).toEqual([
      'consultation.stage-late ru',
      'consultation.stage-late ru',
    ]);
  });
});

describe('the BCC meets at least twice a treaty year (from 5 February)', () => {
  const sessions = (...held: string[]) => {
    const s = new Script();
    for (const h of held)
      s.add(
        'us',
        'consultation',
        { step: 'session', mechanism: 'nst-bcc', held: h, attendance: ['us', 'ru'], agenda: [text('Inspections')] },
        h,
      );
    return of(s.findings('2023-03-01'), 'consultation.sessions-missing');
  };

  it('on 5 February 2022 00:00 and 4 February 2023 23:59:59: both in the year; nothing missing', () => {
    expect(sessions('2022-02-05T00:00:00Z', '2023-02-04T23:59:59Z')).toEqual([]);
  });

  it('the second on 5 February 2023 00:00 belongs to the next year: both parties are short of one', () => {
    expect(sessions('2022-02-05T00:00:00Z', '2023-02-05T00:00:00Z')).toEqual([
      'consultation.sessions-missing ru',
      'consultation.sessions-missing us',
    ]);
  });
});

describe('New START missions: arrival notified at least 32 h before the estimated time at the point of entry', () => {
  const step = (s: Script, party: string, body: unknown, at: string) =>
    s.add(party, 'mission', body, at, { key: `${party}-inspector` });
  const notice = (counted: string) => {
    const s = new Script();
    s.signAll('2022-01-27');
    const r = s.add(
      'us',
      'inspection-request',
      { inspection: 'nst-type-one', host: 'ru', site: 'kozelsk', arrival: '2024-03-01T08:00:00Z', inspectors: 2 },
      '2024-02-27T00:00:00Z',
    );
    step(s, 'us', { step: 'arrival', request: ref(r), pointOfEntry: 'Moscow', eta: '2024-03-01T06:00:00Z' }, counted);
    return of(s.findings('2024-03-01T07:00:00Z'), 'mission.');
  };

  it('exactly 32 h before (across 29 February): on time; one second less: short', () => {
    expect(notice(after('2024-03-01T06:00:00Z', -32))).toEqual([]);
    expect(notice('2024-02-28T22:00:01Z')).toEqual(['mission.arrival-notice-short us']);
  });

  it('lists: an objection within the 20-day period is on time; one second after is late', () => {
    const objection = (at: string) => {
      const s = new Script();
      s.signAll('2022-01-27');
      const lists = step(
        s,
        'us',
        { step: 'lists', inspection: 'nst-type-one', host: 'ru', inspectors: ['A', 'B'], aircrew: ['C'] },
        '2024-02-10T00:00:00Z',
      );
      step(s, 'ru', { step: 'objection', lists: ref(lists), names: ['B'] }, at);
      return of(s.findings('2024-04-01'), 'mission.');
    };
    expect(objection('2024-03-01T00:00:00Z')).toEqual([]);
    expect(objection('2024-03-01T00:00:01Z')).toEqual(['mission.objection-late ru']);
  });
});

describe('configuration checks: the expected value exactly, not near it', () => {
  const TYPE = 'aegis-ashore-transparency';
  const regime: Regime = {
    ...base,
    inspections: base.inspections.map((t) =>
      t.id === TYPE
        ? {
            ...t,
            verifies: [
              {
                kind: 'configuration',
                categories: ['inf-range-glm-launcher'],
                expected: [
                  { attribute: 'cells', value: 24 },
                  { attribute: 'canister-types', value: ['sm-3'] },
                ],
              },
            ],
          }
        : t,
    ),
  };
  const visit = (cells: number, canisters: string[]) => {
    const s = new Script(regime);
    s.signAll();
    s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
    const req = s.add(
      'ru',
      'inspection-request',
      { inspection: TYPE, host: 'us', site: 'deveselu', arrival: '2022-03-15T08:00:00Z' },
      '2022-03-01',
    );
    // Deveselu is in Romania: it consents to the visit and its escort countersigns beside the US.
    consentIfHosted(s, req);
    const body = escorted(regime, 'ru', {
      request: ref(req),
      inspection: TYPE,
      host: 'us',
      site: 'deveselu',
      start: '2022-03-15T08:00:00Z',
      end: '2022-03-15T20:00:00Z',
      findings: [
        { kind: 'configuration', attribute: 'cells', observed: cells },
        { kind: 'configuration', attribute: 'canister-types', observed: canisters },
      ] as never,
    });
    s.add('ru', 'inspection-report', body, '2022-03-16');
    return of(s.findings('2022-04-01'), 'inspection.');
  };

  it('24 cells and SM-3 canisters only: confirmed; 23 or 25 cells, or one more canister type: not', () => {
    expect(visit(24, ['sm-3'])).toEqual([]);
    expect(visit(23, ['sm-3'])).toEqual(['inspection.configuration-not-confirmed us']);
    expect(visit(25, ['sm-3'])).toEqual(['inspection.configuration-not-confirmed us']);
    expect(visit(24, ['sm-3', 'tomahawk'])).toEqual(['inspection.configuration-not-confirmed us']);
  });
});

describe('issue 15 bad input: an assessment signed by a key without the role', () => {
  it('is refused as ROLE_DENIED, naming the key; the declarant key passes', () => {
    const signed = (key: string) =>
      signEntry(
        suite,
        buildEnvelope({
          type: 'assessment',
          party: 'ru',
          key,
          issuedAt: '2022-11-24T10:00:00Z',
          body: { incident: 'inspection.item-not-found/x#1', position: 'concern', statement: text('x') },
        } as EnvelopeFields),
        seedOf(key),
      );
    const refused = (key: string) => {
      try {
        verifyEntry(suite, base, signed(key));
      } catch (err) {
        return (err as DetenteError).code;
      }
      return undefined;
    };
    expect(refused('ru-declarant')).toBeUndefined();
    expect(refused('ru-inspector')).toBe('ROLE_DENIED');
  });
});
