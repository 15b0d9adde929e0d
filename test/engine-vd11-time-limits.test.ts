/**
 * VD11 Chapter IX time limits on an inspection, the host's to keep: reply to the request within 24 hours, let the
 * inspectors in within 36 hours of it, and no more than 48 hours on site (FIDELITY §2.3 [K]). Each kept and broken,
 * the findings in both languages, and `regime check` refusing limits no request could meet.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { countersignReport, parseRegime, type Regime } from '../src/model/index.js';
import { ref, Script } from './engine-helpers.js';
import { loadScenario, seedOf, suite } from './model-helpers.js';

const base = loadScenario();
const TYPE = 'aegis-ashore-transparency';
const H = 3_600_000;

/** The visits with Chapter IX's clock: no minimum notice, reply 24 h, entry 36 h, 48 h on site (null: no limits). */
function regime(timeLimits: unknown = { reply: 'PT24H', entry: 'PT36H' }, notice = 'PT0S'): Regime {
  const limits = timeLimits === null ? {} : { timeLimits };
  return {
    ...base,
    inspections: base.inspections.map((t) =>
      t.id === TYPE ? ({ ...t, notice, duration: 'PT48H', ...limits } as typeof t) : t,
    ),
  };
}

const REQUESTED = '2022-03-01T12:00:00.000Z';
const hoursIn = (hours: number) => new Date(Date.parse(REQUESTED) + hours * H).toISOString();

/** A request counted at REQUESTED asking to arrive `arrival` hours later; then the host's refusal or a report. */
function visit(arrival: number, then: { refuseAt?: number; start?: number; hours?: number }) {
  const s = new Script(regime());
  s.signAll();
  s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
  const req = s.add(
    'ru',
    'inspection-request',
    { inspection: TYPE, host: 'us', site: 'deveselu', arrival: hoursIn(arrival) },
    REQUESTED,
  );
  let entry = req;
  if (then.refuseAt !== undefined) {
    entry = s.add('us', 'inspection-refusal', { request: ref(req) }, hoursIn(then.refuseAt));
  } else if (then.start !== undefined) {
    const body = countersignReport(
      suite,
      'ru',
      {
        request: ref(req),
        inspection: TYPE,
        host: 'us',
        site: 'deveselu',
        start: hoursIn(then.start),
        end: hoursIn(then.start + (then.hours ?? 10)),
        findings: [{ kind: 'remark', note: { en: 'Visit.', ru: 'Визит.' } }],
      } as never,
      'us-inspector',
      seedOf('us-inspector'),
    );
    entry = s.add('ru', 'inspection-report', body, hoursIn(then.start + (then.hours ?? 10) + 2));
  }
  const fs = s
    .findings('2022-03-31')
    .filter((f: Finding) => ['inspection.reply-late', 'inspection.entry-late', 'inspection.overran'].includes(f.rule));
  return { fs, req, entry };
}

describe('VD11 Chapter IX time limits', () => {
  it('a reply within 24 hours of the request is on time; one after it is late, charged to the host', () => {
    expect(visit(24, { refuseAt: 20 }).fs).toEqual([]);
    expect(visit(24, { refuseAt: 24 }).fs).toEqual([]);
    const { fs, req, entry } = visit(24, { refuseAt: 30 });
    expect(fs.map((f) => [f.rule, f.party, f.severity, f.at])).toEqual([
      ['inspection.reply-late', 'us', 'minor', hoursIn(30)],
    ]);
    expect(fs[0]!.refs).toEqual([ref(req), ref(entry)]);
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      'us replied to ru\'s "aegis-ashore-transparency" request for deveselu 6 h after its 24 h to reply',
    );
    expect(renderMessage(fs[0]!.message, 'ru')).toMatch(/^сторона us ответила на запрос стороны ru .* 6 ч/);
  });

  it('inspectors let in within 36 hours are on time; later is the host finding, unless they asked to come later', () => {
    expect(visit(24, { start: 24 }).fs).toEqual([]);
    expect(visit(24, { start: 36 }).fs).toEqual([]);
    const late = visit(24, { start: 40 });
    expect(late.fs.map((f) => [f.rule, f.party, f.severity])).toEqual([['inspection.entry-late', 'us', 'major']]);
    expect(late.fs[0]!.refs).toEqual([ref(late.req), ref(late.entry)]);
    expect(renderMessage(late.fs[0]!.message, 'en')).toBe(
      `us let ru's "aegis-ashore-transparency" inspectors into deveselu at ${hoursIn(40).slice(0, 16).replace('T', ' ')} UTC, 4 h after the 36 h from the request`,
    );
    expect(renderMessage(late.fs[0]!.message, 'ru')).toMatch(/^сторона us допустила инспекторов стороны ru .* 4 ч/);
    // Asked to arrive after 48 hours: the host is late only from that arrival.
    expect(visit(48, { start: 48 }).fs).toEqual([]);
    expect(visit(48, { start: 50 }).fs.map((f) => f.rule)).toEqual(['inspection.entry-late']);
  });

  it('48 hours on site at most', () => {
    expect(visit(24, { start: 24, hours: 48 }).fs).toEqual([]);
    expect(visit(24, { start: 24, hours: 50 }).fs.map((f) => [f.rule, f.party])).toEqual([
      ['inspection.overran', 'ru'],
    ]);
  });

  it('without time limits in the regime, neither rule applies', () => {
    const s = new Script(regime(null));
    s.signAll();
    const req = s.add(
      'ru',
      'inspection-request',
      { inspection: TYPE, host: 'us', site: 'deveselu', arrival: hoursIn(24) },
      REQUESTED,
    );
    s.add('us', 'inspection-refusal', { request: ref(req) }, hoursIn(100));
    expect(s.findings('2022-03-31').filter((f) => f.rule === 'inspection.reply-late')).toEqual([]);
  });

  it('regime check refuses an entry limit shorter than the notice, naming the path', () => {
    expect(() => parseRegime(JSON.stringify(regime()), 'json')).not.toThrow();
    const bad = JSON.stringify(regime({ reply: 'PT24H', entry: 'PT36H' }, 'P7D'));
    const i = base.inspections.findIndex((t) => t.id === TYPE);
    expect(() => parseRegime(bad, 'json')).toThrow(
      `$.inspections[${i}].timeLimits.entry: PT36H is shorter than the notice (P7D)`,
    );
    const junk = JSON.stringify(regime({ reply: '24 hours' }));
    expect(() => parseRegime(junk, 'json')).toThrow(`$.inspections[${i}].timeLimits.reply`);
  });
});
