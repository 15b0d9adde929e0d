/**
 * Multilateral notifications (VD11 Ch. V): a rule that binds `all` participating states, a zone of application,
 * and the host state as a notifying party beside the states whose forces take part.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { buildEnvelope, parseRegime, ruleParties, vocabularyProblems } from '../src/model/index.js';
import { Script } from './engine-helpers.js';
import { caught } from './model-helpers.js';
import { DENVER, MINSK, RULE, SMOLENSK, text, vdDoc, vdRegime } from './vd-helpers.js';

const regime = vdRegime();

function observe(s: Script, subject: string, point: { lat: number; lon: number }, at: string, troops = 30000) {
  return s.add(
    'd',
    'observation',
    {
      subject,
      observedAt: at,
      place: { point },
      quantities: [{ category: 'troops', quantity: troops }],
      method: 'overhead-imagery',
      evidence: [],
    },
    at,
  );
}

function notify(
  s: Script,
  by: string,
  extra: Record<string, unknown>,
  counted: string,
  start = '2022-02-10T00:00:00Z',
) {
  return s.add(
    by,
    'notification',
    {
      kind: 'activity',
      rule: RULE,
      name: text('Allied Resolve'),
      start,
      end: new Date(Date.parse(start) + 10 * 86_400_000).toISOString(),
      quantities: [{ category: 'troops', quantity: 30000 }],
      observersInvited: true,
      ...extra,
    },
    counted,
  );
}

const missing = (fs: Finding[]) =>
  fs
    .filter((f) => f.rule === 'notification.missing')
    .map((f) => f.party)
    .sort();

describe('rules that bind all participating states', () => {
  it('bind every party, not observers', () => {
    const rule = regime.notifications.find((n) => n.id === RULE)!;
    expect(rule.parties).toBe('all');
    expect(ruleParties(regime, rule)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('a state the rule does not list by name may notify under it; an observer may not', () => {
    const body = {
      kind: 'activity' as const,
      rule: RULE,
      name: text('Exercise'),
      start: '2022-03-01T00:00:00Z',
      end: '2022-03-02T00:00:00Z',
      quantities: [{ category: 'troops', quantity: 10000 }],
    };
    const as = (party: string) =>
      buildEnvelope({ type: 'notification', party, key: `${party}-declarant`, issuedAt: '2022-01-01T00:00:00Z', body });
    expect(vocabularyProblems(regime, as('e'))).toEqual([]);
    expect(vocabularyProblems(regime, as('c')).map((p) => p.message)).toEqual([`rule "${RULE}" does not bind "c"`]);
  });

  it('every other participating state owes an acknowledgement when the rule asks for one', () => {
    const r = vdRegime((doc) => {
      doc.notifications.find((n: { id: string }) => n.id === RULE).acknowledge = { within: 'P1D' };
    });
    const s = new Script(r);
    s.signAll();
    const n = notify(s, 'b', {}, '2022-02-01', '2022-04-01T00:00:00Z');
    const ref = { origin: n.origin, index: n.index, leafHash: n.leafHash };
    s.add('a', 'acknowledgement', { notification: ref }, '2022-02-01T12:00:00Z');
    const later = s.findings('2022-03-01').filter((f) => f.rule === 'acknowledgement.missing');
    expect(later.map((f) => f.party).sort()).toEqual(['d', 'e']);
  });
});

describe('the host state notifies, with the states whose forces take part', () => {
  it("nobody notified a's forces in Belarus: both a and the host b are missing", () => {
    const s = new Script(regime);
    s.signAll();
    const o = observe(s, 'a', MINSK, '2022-02-12T00:00:00Z');
    const fs = s.findings('2022-02-13');
    expect(missing(fs)).toEqual(['a', 'b']);
    const host = fs.find((f) => f.rule === 'notification.missing' && f.party === 'b')!;
    expect(host.refs).toEqual([{ origin: o.origin, index: o.index, leafHash: o.leafHash }]);
    expect(renderMessage(host.message, 'en')).toBe(
      `b's activity observed from 2022-02-12 00:00 UTC reaches a threshold of "${RULE}"; no notification is on record`,
    );
  });

  it('the host notifies naming a as taking part: neither is missing', () => {
    const s = new Script(regime);
    s.signAll();
    notify(s, 'b', { participants: ['a'] }, '2021-12-20');
    observe(s, 'a', MINSK, '2022-02-12T00:00:00Z');
    expect(missing(s.findings('2022-02-13'))).toEqual([]);
  });

  it('a notifies alone: the host b still owes its notification', () => {
    const s = new Script(regime);
    s.signAll();
    notify(s, 'a', {}, '2021-12-20');
    observe(s, 'a', MINSK, '2022-02-12T00:00:00Z');
    expect(missing(s.findings('2022-02-13'))).toEqual(['b']);
  });

  it("a's forces on its own territory: a alone notifies", () => {
    const s = new Script(regime);
    s.signAll();
    observe(s, 'a', SMOLENSK, '2022-02-12T00:00:00Z');
    expect(missing(s.findings('2022-02-13'))).toEqual(['a']);
  });
});

describe('the zone of application', () => {
  it('forces seen outside it need no notification', () => {
    const s = new Script(regime);
    s.signAll();
    observe(s, 'a', DENVER, '2022-02-12T00:00:00Z');
    expect(missing(s.findings('2022-02-13'))).toEqual([]);
  });

  it('a notification whose area lies outside is not required, so never late', () => {
    const s = new Script(regime);
    s.signAll();
    const area = {
      type: 'Polygon',
      coordinates: [
        [
          [-105, 39],
          [-104, 39],
          [-104, 40],
          [-105, 40],
          [-105, 39],
        ],
      ],
    };
    notify(s, 'd', { area }, '2022-02-09');
    notify(s, 'e', {}, '2022-02-09');
    const ev = s.evaluate('2022-03-01');
    expect(ev.findings.filter((f) => f.rule === 'notification.late').map((f) => f.party)).toEqual(['e']);
    const statuses = ev.state.notifications.items.filter((i) => i.rule === RULE).map((i) => [i.party, i.status]);
    expect(statuses).toEqual([
      ['d', 'not-required'],
      ['e', 'late'],
    ]);
  });

  it('a movement rule with a zone: a move to a site outside it is not notifiable', () => {
    const build = (zone: string | undefined) =>
      vdRegime((doc) => {
        const mv = doc.notifications.find((n: { id: string }) => n.id === 'movement');
        if (zone) mv.trigger.zone = zone;
      });
    const play = (r: ReturnType<typeof vdRegime>) => {
      const s = new Script(r);
      s.signAll();
      const item = { uid: 'M-1', category: 'missile', status: 'deployed' };
      s.add(
        'b',
        'declaration',
        { form: 'plain', asOf: '2022-02-01', items: [{ ...item, site: 'a-base' }], quantities: [] },
        '2022-02-01',
      );
      s.add(
        'b',
        'declaration',
        { form: 'plain', asOf: '2022-02-10', items: [{ ...item, site: 'b-base' }], quantities: [] },
        '2022-02-10',
      );
      return missing(s.findings('2022-03-01'));
    };
    // b-base (55N 40E) lies in Russia, not in Belarus.
    expect(play(build(undefined))).toEqual(['b']);
    expect(play(build('blr'))).toEqual([]);
    expect(play(build('europe'))).toEqual(['b']);
  });
});

describe('regime check', () => {
  it('refuses "all" over fewer than two participating states, and a territory that is no zone', () => {
    const doc = vdDoc();
    doc.parties = doc.parties.filter((p: { id: string }) => ['a', 'c'].includes(p.id));
    doc.parties[0].territory = 'atlantis';
    doc.notifications = doc.notifications.filter((n: { id: string }) => n.id === RULE);
    doc.limits = [];
    doc.commitments = [];
    doc.inspections = [];
    doc.metrics = [];
    doc.sites = [];
    const err = caught(() => parseRegime(JSON.stringify(doc), 'json'));
    const paths = err.problems!.map((p) => `${p.path}: ${p.message}`);
    expect(paths).toContain('$.notifications[0].parties: "all" binds fewer than two participating states');
    expect(paths.some((p) => p.startsWith('$.parties[0].territory: unknown zone "atlantis"'))).toBe(true);
  });
});
