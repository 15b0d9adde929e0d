/**
 * Consultations: the VD11 ¶16 stages and clocks (reply, bilateral meeting, joint FSC/PC meeting, each within 48 h),
 * the BCC's sessions (at least twice a year, agreed statements signed by both), missed and late stages as findings,
 * the outcome closing a consultation; and the chain check that refuses a step out of order, for no consultation,
 * or countersigned by the wrong party, naming the field.
 */
import { describe, expect, it } from 'vitest';
import type { DetenteError } from '../src/crypto/errors.js';
import type { EngineEntry, Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import {
  buildEnvelope,
  type ConsultationBody,
  type ConsultationStep,
  consultationProblems,
  countersignConsultation,
  type EnvelopeFields,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { ref, Script, text } from './engine-helpers.js';
import { loadScenario, seedOf, suite } from './model-helpers.js';

const regime = loadScenario();
const rules = (fs: Finding[]) =>
  fs.filter((f) => f.rule.startsWith('consultation.')).map((f) => `${f.rule} ${f.party} ${f.at.slice(0, 16)}`);

function concern(s: Script, at: string, addressee = 'ru', raiser = 'us'): EngineEntry {
  return s.add(
    raiser,
    'consultation',
    { step: 'concern', mechanism: 'vd11-unusual-activities', addressee, statement: text('Please explain.') },
    at,
  );
}
const reply = (s: Script, previous: EngineEntry, at: string, party = 'ru') =>
  s.add(
    party,
    'consultation',
    { step: 'reply', previous: ref(previous), stage: 'reply', statement: text('Routine.') },
    at,
  );
const meeting = (s: Script, previous: EngineEntry, stage: string, held: string, at = held) =>
  s.add(
    'us',
    'consultation',
    { step: 'meeting', previous: ref(previous), stage, held: `${held}:00Z`, attendance: ['us', 'ru'] },
    at,
  );
const outcome = (s: Script, previous: EngineEntry, at: string, result = 'resolved') =>
  s.add(
    'us',
    'consultation',
    { step: 'outcome', previous: ref(previous), outcome: result, statement: text('Done.') },
    at,
  );

describe('consultations: stages and clocks', () => {
  it('a concern answered in time and closed raises nothing; the state shows each step and the outcome', () => {
    const s = new Script();
    const c = concern(s, '2022-11-20T10:00:00Z');
    const r = reply(s, c, '2022-11-21T09:00:00Z');
    expect(s.evaluate('2022-11-21T12:00:00Z').state.consultations.consultations[0]).toMatchObject({
      status: 'open',
      due: { stage: 'bilateral-meeting', by: '2022-11-23T09:00:00.000Z', party: 'ru' },
    });
    outcome(s, r, '2022-11-22T10:00:00Z');
    const { state, findings } = s.evaluate('2022-12-31');
    expect(rules(findings)).toEqual([]);
    const [one] = state.consultations.consultations;
    expect(one).toMatchObject({
      mechanism: 'vd11-unusual-activities',
      raiser: 'us',
      addressee: 'ru',
      status: 'resolved',
    });
    expect(one!.steps.map((x) => [x.step, x.stage ?? '', x.at.slice(0, 16)])).toEqual([
      ['concern', '', '2022-11-20T10:00'],
      ['reply', 'reply', '2022-11-21T09:00'],
      ['outcome', '', '2022-11-22T10:00'],
    ]);
    expect(one!.due).toBeUndefined();
  });

  it('an unanswered concern: the reply is missed at 48 h, the clock runs on from that deadline to both meetings', () => {
    const s = new Script();
    const c = concern(s, '2022-11-25T10:00:00Z');
    expect(rules(s.findings('2022-11-27T09:59:59Z'))).toEqual([]);
    expect(rules(s.findings('2022-11-27T10:00:01Z'))).toEqual(['consultation.stage-missed ru 2022-11-27T10:00']);
    // The bilateral meeting is due 48 h after the missed reply's deadline; held late, it is late; the joint
    // meeting's clock runs from when the bilateral one was held.
    const m = meeting(s, c, 'bilateral-meeting', '2022-11-29T16:00', '2022-11-29T18:00:00Z');
    const j = meeting(s, m, 'joint-fsc-pc', '2022-12-01T12:00');
    outcome(s, j, '2022-12-02T10:00:00Z', 'referred');
    const fs = s.findings('2022-12-31');
    expect(rules(fs)).toEqual([
      'consultation.stage-missed ru 2022-11-27T10:00',
      'consultation.stage-late ru 2022-11-29T16:00',
    ]);
    const late = fs.find((f) => f.rule === 'consultation.stage-late')!;
    expect(renderMessage(late.message, 'en')).toBe(
      'ru recorded stage "bilateral-meeting" of the consultation us opened under "vd11-unusual-activities" 6 h after its deadline (2022-11-29 10:00 UTC)',
    );
    expect(s.evaluate('2022-12-31').state.consultations.consultations[0]!.status).toBe('referred');
  });

  it('a concern nobody pursues misses every stage in turn; an outcome stops the clocks', () => {
    const s = new Script();
    concern(s, '2022-11-01T00:00:00Z');
    expect(rules(s.findings('2022-11-30'))).toEqual([
      'consultation.stage-missed ru 2022-11-03T00:00',
      'consultation.stage-missed ru 2022-11-05T00:00',
      'consultation.stage-missed ru 2022-11-07T00:00',
    ]);
    const t = new Script();
    const c = concern(t, '2022-11-01T00:00:00Z');
    outcome(t, c, '2022-11-02T00:00:00Z', 'resolved');
    expect(rules(t.findings('2022-11-30'))).toEqual([]);
  });

  it('a step that does not follow its chain (a log written by other software) is reported and changes nothing', () => {
    const s = new Script();
    const c = concern(s, '2022-11-20T10:00:00Z');
    const r = reply(s, c, '2022-11-21T09:00:00Z');
    reply(s, c, '2022-11-21T10:00:00Z'); // c is already followed
    const o = outcome(s, r, '2022-11-22T10:00:00Z');
    meeting(s, o, 'joint-fsc-pc', '2022-11-23T10:00'); // closed
    const fs = s.findings('2022-12-31');
    expect(rules(fs)).toEqual([
      'consultation.out-of-order ru 2022-11-21T10:00',
      'consultation.out-of-order us 2022-11-23T10:00',
    ]);
    expect(fs.filter((f) => f.rule === 'consultation.out-of-order').map((f) => f.message.code)).toEqual([
      'consultation.out-of-order.followed',
      'consultation.out-of-order.closed',
    ]);
    expect(s.evaluate('2022-12-31').state.consultations.consultations[0]!.steps).toHaveLength(3);
  });

  it('the BCC: fewer than two sessions in a treaty year concerns both parties; two with agreed statements, none', () => {
    const session = (s: Script, held: string) =>
      s.add(
        'us',
        'consultation',
        {
          step: 'session',
          mechanism: 'nst-bcc',
          held: `${held}T09:00:00Z`,
          attendance: ['us', 'ru'],
          agenda: [text('Inspections')],
        },
        `${held}T18:00:00Z`,
      );
    const s = new Script();
    session(s, '2022-06-01');
    expect(rules(s.findings('2023-03-01'))).toEqual([
      'consultation.sessions-missing ru 2023-02-05T00:00',
      'consultation.sessions-missing us 2023-02-05T00:00',
    ]);
    expect(rules(s.findings('2023-02-04'))).toEqual([]);
    session(s, '2022-12-01');
    expect(rules(s.findings('2023-03-01'))).toEqual([]);
    expect(s.evaluate('2023-03-01').state.consultations.sessions.map((x) => x.held.slice(0, 10))).toEqual([
      '2022-06-01',
      '2022-12-01',
    ]);
  });
});

describe('consultations: the chain check on submission', () => {
  const book = new Map<string, ConsultationStep>();
  const key = (r: { origin: string; index: number }) => `${r.origin}#${r.index}`;
  const s = new Script();
  const keep = (e: EngineEntry) => {
    book.set(key(e), e.envelope as ConsultationStep);
    return e;
  };
  const c = keep(concern(s, '2022-11-20T10:00:00Z'));
  const m = keep(meeting(s, c, 'bilateral-meeting', '2022-11-23T10:00'));
  const other = s.add(
    'us',
    'observation',
    {
      subject: 'ru',
      observedAt: '2022-11-19T06:00:00Z',
      place: { site: 'engels' },
      quantities: [],
      method: 'open-source',
      evidence: [],
    },
    '2022-11-19T10:00:00Z',
  );
  const check = (party: string, body: unknown) =>
    consultationProblems(regime, { party, body: body as ConsultationBody }, (r) => book.get(key(r)));

  it('refuses a stage out of order, a step of no consultation, a reply by the raiser, naming the field', () => {
    expect(check('ru', { step: 'reply', previous: ref(m), stage: 'reply', statement: text('x') })).toEqual([
      {
        path: '$.body.stage',
        message: 'stage "reply" is out of order: it follows stage "bilateral-meeting" already recorded',
      },
    ]);
    expect(
      check('us', {
        step: 'meeting',
        previous: ref(other),
        stage: 'joint-fsc-pc',
        held: '2022-11-24T10:00:00Z',
        attendance: ['us'],
      }),
    ).toEqual([
      {
        path: '$.body.previous',
        message: 'not a step of a consultation (expected a concern, reply or meeting of one)',
      },
    ]);
    expect(check('us', { step: 'reply', previous: ref(c), stage: 'reply', statement: text('x') })).toEqual([
      { path: '$.body.stage', message: 'stage "reply" is "ru"\'s to record, not "us"\'s' },
    ]);
    expect(
      check('nato', {
        step: 'meeting',
        previous: ref(m),
        stage: 'joint-fsc-pc',
        held: '2022-11-24T10:00:00Z',
        attendance: ['us'],
      }),
    ).toEqual([
      { path: '$.body', message: '"nato" is neither the party that raised the concern ("us") nor its addressee' },
    ]);
    expect(
      check('us', {
        step: 'meeting',
        previous: ref(m),
        stage: 'joint-fsc-pc',
        held: '2022-11-24T10:00:00Z',
        attendance: ['us'],
      }),
    ).toEqual([]);
  });

  it("refuses an outcome countersigned by anyone but the consultation's other party, and anything after an outcome", () => {
    const body = { step: 'outcome', previous: ref(m), outcome: 'resolved', statement: text('x') } as ConsultationBody;
    const by = (k: string) => countersignConsultation(suite, 'us', body, k, seedOf(k));
    expect(check('us', by('ru-declarant'))).toEqual([]);
    expect(check('us', by('nato-declarant'))).toEqual([
      { path: '$.body.countersignature.key', message: 'expected a key of "ru", the other party, not of "nato"' },
    ]);
    const o = keep(s.add('us', 'consultation', by('ru-declarant'), '2022-11-24T10:00:00Z'));
    expect(check('ru', { step: 'reply', previous: ref(o), stage: 'reply', statement: text('x') })).toEqual([
      { path: '$.body.previous', message: 'the consultation is closed: an outcome was recorded' },
    ]);
  });

  it("verifies the countersignature itself: the other party's declarant key, over this body", () => {
    const body = { step: 'outcome', previous: ref(m), outcome: 'resolved', statement: text('x') } as ConsultationBody;
    const sign = (b: ConsultationBody) =>
      signEntry(
        suite,
        buildEnvelope({
          type: 'consultation',
          party: 'us',
          key: 'us-declarant',
          issuedAt: '2022-11-24T10:00:00Z',
          body: b,
        } as EnvelopeFields),
        seedOf('us-declarant'),
      );
    const refused = (b: ConsultationBody) => {
      try {
        verifyEntry(suite, regime, sign(b));
      } catch (err) {
        return [(err as DetenteError).code, (err as DetenteError).message];
      }
      return undefined;
    };
    expect(refused(countersignConsultation(suite, 'us', body, 'ru-declarant', seedOf('ru-declarant')))).toBeUndefined();
    const tampered = {
      ...countersignConsultation(suite, 'us', body, 'ru-declarant', seedOf('ru-declarant')),
      outcome: 'disputed',
    };
    expect(refused(tampered as ConsultationBody)?.[0]).toBe('SIGNATURE_INVALID');
    expect(refused(countersignConsultation(suite, 'us', body, 'us-declarant', seedOf('us-declarant')))).toEqual([
      'KEY_UNKNOWN',
      `$.entry.body.countersignature.key: key "us-declarant" is the author's own, not the other party's`,
    ]);
    expect(refused(countersignConsultation(suite, 'us', body, 'ru-inspector', seedOf('ru-inspector')))?.[0]).toBe(
      'ROLE_DENIED',
    );
    // A session's agreed statements: the countersigning party must have attended.
    const session = {
      step: 'session',
      mechanism: 'nst-bcc',
      held: '2022-12-05T09:00:00Z',
      attendance: ['us', 'ru'],
      agenda: [text('Inspections')],
      agreedStatements: [text('Agreed.')],
    } as ConsultationBody;
    expect(refused(session)).toEqual([
      'SCHEMA_INVALID',
      expect.stringContaining(
        '$.entry.body.countersignature: mechanism "nst-bcc" wants agreed statements countersigned',
      ),
    ]);
    expect(refused(countersignConsultation(suite, 'us', session, 'nato-declarant', seedOf('nato-declarant')))).toEqual([
      'SCHEMA_INVALID',
      expect.stringContaining('$.entry.body.countersignature.key: expected a key of another party that attended'),
    ]);
    expect(
      refused(countersignConsultation(suite, 'us', session, 'ru-declarant', seedOf('ru-declarant'))),
    ).toBeUndefined();
  });
});
