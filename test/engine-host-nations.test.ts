/**
 * Host nations and consulted states (issues 13 and 15). The Aegis Ashore sites are the United States' but lie in
 * Romania and Poland (`sites[].hostNation`): the host nation consents to each visit before it begins (a `mission`
 * step `consent`) and its escort countersigns the report beside the host's. A visit without the consent is
 * `inspection.consent-missing` (the host's), one without the nation's countersignature `inspection.not-countersigned`
 * (the nation's); a consent by anyone else is ignored (`mission.step-misplaced`). A track gated with `consulted`
 * opens only once each consulted state has been heard on it (a proposal of its own), and only while its metric holds.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import {
  buildEnvelope,
  countersignReport,
  type EnvelopeFields,
  type InspectionReportBody,
  parseRegime,
  type Regime,
  signEntry,
  verifyEntry,
} from '../src/model/index.js';
import { ref, Script, T } from './engine-helpers.js';
import { loadScenario, seedOf, suite } from './model-helpers.js';

const regime = loadScenario();
const TYPE = 'aegis-ashore-transparency';
const START = '2022-04-13T08:00:00Z';
const CONFIGURED = [
  { kind: 'absence', category: 'inf-range-glm', result: 'absent' },
  { kind: 'configuration', attribute: 'mk41-modules', observed: 3 },
  { kind: 'configuration', attribute: 'cells', observed: 24 },
  { kind: 'configuration', attribute: 'tomahawk-fire-control', observed: false },
  { kind: 'configuration', attribute: 'canister-types', observed: ['sm-3'] },
];

function reportBody(request: ReturnType<typeof ref>, site: string): InspectionReportBody {
  return {
    request,
    inspection: TYPE,
    host: 'us',
    site,
    start: START,
    end: '2022-04-13T18:00:00Z',
    findings: CONFIGURED as never,
  };
}

/** Escorts countersign with their own inspector keys: the host's field, then the host nation's. */
function escorted(body: InspectionReportBody, escorts: [string, 'countersignature' | 'hostNationCountersignature'][]) {
  let out = body;
  for (const [party, field] of escorts)
    out = countersignReport(suite, 'ru', out, `${party}-inspector`, seedOf(`${party}-inspector`), field);
  return out;
}

/** A visit to `site` with the consent given by `consentBy` at `consentAt` (none if undefined). */
function visit(
  site: string,
  opts: {
    consentBy?: string;
    consentAt?: string;
    escorts?: [string, 'countersignature' | 'hostNationCountersignature'][];
  },
) {
  const s = new Script(regime);
  s.signAll();
  s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-01');
  s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
  const req = s.add('ru', 'inspection-request', { inspection: TYPE, host: 'us', site, arrival: START }, '2022-04-01');
  const consent = opts.consentBy
    ? s.add(
        opts.consentBy,
        'mission',
        { step: 'consent', request: ref(req) },
        opts.consentAt ?? '2022-04-07T10:00:00Z',
        { key: `${opts.consentBy}-inspector` },
      )
    : undefined;
  const body = escorted(reportBody(ref(req), site), opts.escorts ?? []);
  const rep = s.add('ru', 'inspection-report', body, '2022-04-14T10:00:00Z');
  const fs = s
    .findings('2022-04-20')
    .filter((f: Finding) => f.rule.startsWith('inspection.') || f.rule === 'mission.step-misplaced');
  const item = s.evaluate('2022-04-20').state.inspections.items.find((i) => i.site === site)!;
  return { fs, rep, req, consent, item };
}

const BOTH: [string, 'countersignature' | 'hostNationCountersignature'][] = [
  ['us', 'countersignature'],
  ['ro', 'hostNationCountersignature'],
];

describe('host nations', () => {
  it('Romania consents before the visit and countersigns beside the US: no finding, and the state says so', () => {
    const { fs, item } = visit('deveselu', { consentBy: 'ro', escorts: BOTH });
    expect(fs).toEqual([]);
    expect(item.hostNation).toEqual({ party: 'ro', consented: '2022-04-07T10:00:00.000Z', countersigned: true });
    expect(item.report).toMatchObject({ countersigned: true, hostNationCountersigned: true });
  });

  it('a visit without the consent is the host’s major finding; without the nation’s countersignature, the nation’s', () => {
    const { fs, rep } = visit('deveselu', { escorts: [['us', 'countersignature']] });
    expect(fs.map((f) => [f.rule, f.party, f.severity])).toEqual([
      ['inspection.consent-missing', 'us', 'major'],
      ['inspection.not-countersigned', 'ro', 'minor'],
    ]);
    expect(fs[0]!.refs).toEqual([ref(rep)]);
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      "ru's visit to deveselu (hosted by us) began at 2022-04-13 08:00 UTC without ro's consent as host nation",
    );
    expect(renderMessage(fs[1]!.message, 'en')).toBe(
      "ro's escort, the host nation's, did not countersign ru's report on deveselu (hosted by us)",
    );
    for (const f of fs) expect(renderMessage(f.message, 'ru')).not.toMatch(/[{}]|undefined/);
  });

  it('a consent that counts only after the visit began is no consent to it, and cites the late consent', () => {
    const { fs, consent } = visit('deveselu', { consentBy: 'ro', consentAt: '2022-04-13T09:00:00Z', escorts: BOTH });
    expect(fs.map((f) => f.rule)).toEqual(['inspection.consent-missing']);
    expect(fs[0]!.refs).toContainEqual(ref(consent!));
  });

  it('a consent by a party other than the site’s host nation is ignored and reported against it', () => {
    const { fs, consent } = visit('deveselu', { consentBy: 'pl', escorts: BOTH });
    expect(fs.map((f) => [f.rule, f.party])).toEqual([
      ['mission.step-misplaced', 'pl'],
      ['inspection.consent-missing', 'us'],
    ]);
    expect(fs[0]!.refs[0]).toEqual(ref(consent!));
  });

  it('at a site with no host nation nothing changes: a Russian base needs no third party', () => {
    const s = new Script(regime);
    s.signAll();
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-01');
    s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
    const req = s.add(
      'us',
      'inspection-request',
      { inspection: 'ru-ground-missile-base-transparency', host: 'ru', site: 'luga', arrival: START },
      '2022-04-01',
    );
    const body = countersignReport(
      suite,
      'us',
      {
        request: ref(req),
        inspection: 'ru-ground-missile-base-transparency',
        host: 'ru',
        site: 'luga',
        start: START,
        end: '2022-04-13T18:00:00Z',
        findings: [{ kind: 'absence', category: 'inf-range-glm', result: 'absent' }],
      },
      'ru-inspector',
      seedOf('ru-inspector'),
    );
    s.add('us', 'inspection-report', body, '2022-04-14');
    const fs = s.findings('2022-04-20').filter((f) => f.rule.startsWith('inspection.'));
    expect(fs).toEqual([]);
    expect(s.evaluate('2022-04-20').state.inspections.items[0]!.hostNation).toBeUndefined();
  });
});

describe('host nations: bad input refused with the field named', () => {
  const sign = (body: unknown, type = 'inspection-report', party = 'ru', key = 'ru-inspector') => {
    const envelope = buildEnvelope({
      type,
      party,
      key,
      issuedAt: '2022-04-14T10:00:00Z',
      body,
    } as EnvelopeFields);
    return () => verifyEntry(suite, regime, signEntry(suite, envelope, seedOf(key)));
  };
  const request = { origin: 'detente.example/ru', index: 3, leafHash: '00'.repeat(32) };

  it('accepts both escorts’ countersignatures; refuses the nation’s field signed by another party’s escort', () => {
    expect(sign(escorted(reportBody(request, 'deveselu'), BOTH))).not.toThrow();
    const wrong = escorted(reportBody(request, 'deveselu'), [
      ['us', 'countersignature'],
      ['pl', 'hostNationCountersignature'],
    ]);
    expect(sign(wrong)).toThrow(
      '$.entry.body.hostNationCountersignature.key: key "pl-inspector" belongs to "pl", not "ro"',
    );
  });

  it('refuses a countersignature over other bytes, and a host-nation countersignature where there is no host nation', () => {
    const good = escorted(reportBody(request, 'deveselu'), BOTH);
    const tampered = { ...good, end: '2022-04-13T19:00:00Z' };
    expect(sign(tampered)).toThrow('$.entry.body.countersignature.sig: not a valid signature');
    const luga = {
      ...reportBody(request, 'luga'),
      inspection: 'ru-ground-missile-base-transparency',
      host: 'ru',
    } as InspectionReportBody;
    const stray = countersignReport(
      suite,
      'us',
      luga,
      'ru-inspector',
      seedOf('ru-inspector'),
      'hostNationCountersignature',
    );
    expect(sign(stray, 'inspection-report', 'us', 'us-inspector')).toThrow(
      '$.entry.body.hostNationCountersignature: site "luga" has no host nation to countersign',
    );
  });

  it('refuses a consent by a party that is host nation of no site', () => {
    expect(sign({ step: 'consent', request }, 'mission', 'ua', 'ua-inspector')).toThrow(
      '"ua" is the host nation of no site',
    );
    expect(sign({ step: 'consent', request }, 'mission', 'ro', 'ro-inspector')).not.toThrow();
  });
});

describe('regime check: host nations and consulted states', () => {
  const withSite = (patch: Record<string, unknown>, name = 'deveselu'): Regime => ({
    ...regime,
    sites: regime.sites.map((s) => (s.id === name ? { ...s, ...patch } : s)),
  });
  const at = regime.sites.findIndex((s) => s.id === 'deveselu');
  const check = (r: unknown) => () => parseRegime(JSON.stringify(r), 'json');

  it('refuses a host nation that is no party, is the host itself, or has no inspector key, by path', () => {
    expect(check(withSite({ hostNation: 'bg' }))).toThrow(`$.sites[${at}].hostNation: unknown party "bg"`);
    expect(check(withSite({ hostNation: 'us' }))).toThrow(
      `$.sites[${at}].hostNation: "us" is the host itself: leave hostNation out`,
    );
    const noInspector = {
      ...regime,
      parties: regime.parties.map((p) =>
        p.id === 'ro' ? { ...p, keys: p.keys.filter((k) => !k.roles.includes('inspector')) } : p,
      ),
    };
    expect(check(noInspector)).toThrow(
      `$.sites[${at}].hostNation: host nation "ro" has no inspector key to consent and countersign with`,
    );
  });

  it('refuses a consulted party the track’s forum neither seats nor consults, and an unknown one', () => {
    const t = regime.tracks!.findIndex((x) => x.id === 'ukraine-force-posture');
    const withGate = (consulted: string[], forum = 'ssd') => ({
      ...regime,
      tracks: regime.tracks!.map((x, i) =>
        i === t ? { ...x, forum, gate: { metric: 'ru-border-band-troops', consulted } } : x,
      ),
    });
    expect(check(withGate(['ua']))).not.toThrow();
    expect(check(withGate(['ro']))).toThrow(
      `$.tracks[${t}].gate.consulted[0]: "ro" neither sits in nor is consulted by forum "ssd", so it cannot be heard there`,
    );
    expect(check(withGate(['xx']))).toThrow(`$.tracks[${t}].gate.consulted[0]: unknown party "xx"`);
  });
});

describe('tracks gated on consulted states', () => {
  const metricMet = (s: Script, at: string) => {
    // The metric counts declarations and two sources within 10%: Russia declares, the US and NATO agree.
    for (const [p, q] of [
      ['us', 30000],
      ['nato', 31000],
    ] as const) {
      s.add(
        p,
        'observation',
        {
          subject: 'ru',
          observedAt: at,
          place: { zone: 'ru-ukraine-border-band' },
          quantities: [{ category: 'troops', quantity: q }],
          method: 'overhead-imagery',
          evidence: [{ sha256: 'cd'.repeat(32), size: 10, mediaType: 'text/plain' }],
          metric: 'ru-border-band-troops',
        },
        at,
      );
    }
  };
  const hear = (s: Script, party: string, at: string, track = 'ukraine-force-posture') =>
    s.add(
      party,
      'proposal',
      {
        forum: 'ssd',
        track,
        title: { en: 'Position', ru: 'Позиция' },
        tabled: at,
        document: { sha256: 'ab'.repeat(32), size: 10, mediaType: 'text/markdown' },
      },
      at,
    );
  const track = (s: Script, asOf: string, id = 'ukraine-force-posture') =>
    s.evaluate(asOf).state.tracks.find((t) => t.track === id)!;

  it('stays closed while the metric holds until Ukraine is heard, then opens; the ungated-by-Ukraine track does not wait', () => {
    const s = new Script(regime);
    s.signAll();
    s.add(
      'ru',
      'declaration',
      {
        form: 'plain',
        asOf: '2022-03-01',
        items: [],
        quantities: [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: 30000 }],
      },
      '2022-03-01',
    );
    metricMet(s, '2022-03-10T06:00:00Z');
    const before = track(s, '2022-03-20');
    expect(before).toMatchObject({ open: false, opened: [], consulted: [{ party: 'ua' }] });
    expect(track(s, '2022-03-20', 'inf-range-missiles').open).toBe(true);
    // Someone else's proposal on the track is not Ukraine's being heard.
    hear(s, 'us', '2022-03-21T10:00:00Z');
    expect(track(s, '2022-03-22').open).toBe(false);
    hear(s, 'ua', '2022-03-25T10:00:00Z');
    expect(track(s, '2022-03-26')).toMatchObject({
      open: true,
      openSince: '2022-03-25T10:00:00.000Z',
      consulted: [{ party: 'ua', heard: '2022-03-25T10:00:00.000Z' }],
    });
    // "As of" a date before Ukraine was heard, still closed: the gate reads only what counted by then.
    expect(track(s, '2022-03-24').open).toBe(false);
  });

  it('Ukraine heard before the metric is met: the track opens with the metric, not before', () => {
    const s = new Script(regime);
    s.signAll();
    hear(s, 'ua', '2022-02-10T10:00:00Z');
    expect(track(s, '2022-02-20')).toMatchObject({ open: false, consulted: [{ party: 'ua' }] });
    s.add(
      'ru',
      'declaration',
      {
        form: 'plain',
        asOf: '2022-03-01',
        items: [],
        quantities: [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: 30000 }],
      },
      '2022-03-01',
    );
    metricMet(s, '2022-03-10T06:00:00Z');
    // Open from when the metric is met, as the track Ukraine does not gate.
    const met = track(s, '2022-03-20', 'inf-range-missiles').openSince;
    expect(met).toBeDefined();
    expect(track(s, '2022-03-20')).toMatchObject({ open: true, openSince: met });
    expect(T(met!)).toBeGreaterThan(T('2022-03-01'));
  });
});
