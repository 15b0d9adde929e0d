import { describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { type Finding, iso } from '../src/engine/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { consentIfHosted, escorted, ref, Script, T, text } from './engine-helpers.js';
import { loadScenario, suite } from './model-helpers.js';

/**
 * The scenario's regime with one metric, the border band, gating one commitment (the US Ukraine one), and the
 * transparency commitments on reciprocity alone: these rule tests follow each kind of condition on its own (the
 * scenario gates the whole package on three metrics, exercise-scenario.test.ts).
 */
const RULES = (() => {
  const r = loadScenario();
  const gate = (id: string) => (c: (typeof r.commitments)[number]['conditions'][number]) =>
    c.kind !== 'metric-met' || (id === 'us-ukraine-no-offensive-missiles' && c.metric === 'ru-border-band-troops');
  return {
    ...r,
    commitments: r.commitments.map((c) => ({ ...c, conditions: c.conditions.filter(gate(c.id)) })),
    metrics: r.metrics.filter((m) => m.id === 'ru-border-band-troops'),
  };
})();
/** What the Aegis Ashore visits confirm of the Mk 41 launchers there (the type's configuration check). */
const MK41 = [
  { kind: 'configuration', attribute: 'mk41-modules', observed: 3 },
  { kind: 'configuration', attribute: 'cells', observed: 24 },
  { kind: 'configuration', attribute: 'tomahawk-fire-control', observed: false },
  { kind: 'configuration', attribute: 'canister-types', observed: ['sm-3'] },
];

const icbms = (n: number, site = 'kozelsk', warheads = 1, status = 'deployed', prefix = 'RU-ICBM') =>
  Array.from({ length: n }, (_, i) => ({
    uid: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    category: 'icbm',
    site,
    status,
    attributes: { warheads },
  }));

const declaration = (asOf: string, items: unknown[], quantities: unknown[] = []) => ({
  form: 'plain',
  asOf,
  items,
  quantities,
});

const only = (fs: Finding[], rule: string) => fs.filter((f) => f.rule === rule);
/** `by`'s observation of Russian troops in the border band at `at`, counted then. */
const troopsSeen = (s: Script, at: string, troops: number, by = 'nato') =>
  s.add(
    by,
    'observation',
    {
      subject: 'ru',
      observedAt: at,
      place: { zone: 'ru-ukraine-border-band' },
      quantities: [{ category: 'troops', quantity: troops }],
      method: 'overhead-imagery',
      evidence: [],
    },
    at,
  );
const family = (fs: Finding[], prefix: string) => fs.filter((f) => f.rule.startsWith(prefix));

/** A declaration too large for one entry: the first items in the entry, the rest in a blob (resolved for the engine). */
const big = (s: Script, party: string, asOf: string, items: any[], at: string) => {
  const rest = items.slice(10);
  const bytes = new TextEncoder().encode(JSON.stringify(rest));
  return s.add(
    party,
    'declaration',
    {
      ...declaration(asOf, items.slice(0, 10)),
      more: [{ sha256: toHex(suite.sha256(bytes)), size: bytes.length, mediaType: 'application/json' }],
    },
    at,
    { moreItems: rest },
  );
};

describe('regime status', () => {
  it('is in force once every party has signed the same hash, from the last signature', () => {
    const s = new Script(RULES);
    s.add('us', 'regime-signature', { regime: s.hash, id: s.regime.id, version: 1 }, '2022-01-27T10:00:00Z');
    s.add('ru', 'regime-signature', { regime: 'ab'.repeat(32), id: s.regime.id, version: 1 }, '2022-01-28T10:00:00Z');
    s.add('ru', 'regime-signature', { regime: s.hash, id: s.regime.id, version: 1 }, '2022-01-29T10:00:00Z');
    for (const p of ['ro', 'pl', 'ua'])
      s.add(p, 'regime-signature', { regime: s.hash, id: s.regime.id, version: 1 }, '2022-01-29T11:00:00Z');
    let st = s.evaluate('2022-01-30').state.regime;
    expect(st.inForce).toBe(false);
    // In regime order: us, ru, nato, then the host nations and Ukraine.
    expect(st.signatures.map((x) => x.status)).toEqual([
      'signed',
      'signed',
      'not-signed',
      'signed',
      'signed',
      'signed',
    ]);
    expect(st.signatures[1]!.otherHashes).toEqual(['ab'.repeat(32)]);
    s.add('nato', 'regime-signature', { regime: s.hash, id: s.regime.id, version: 1 }, '2022-01-31T10:00:00Z');
    st = s.evaluate('2022-02-01').state.regime;
    expect(st.inForce).toBe(true);
    expect(st.since).toBe('2022-01-31T10:00:00.000Z');
    const f = only(s.findings('2022-02-01'), 'regime.signature-mismatch');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ party: 'ru', severity: 'minor', refs: [ref(s.entries[1]!)] });
  });
});

describe('limits', () => {
  it('within: status and margin; exceeded by declaration: a critical finding citing the declaration', () => {
    const s = new Script(RULES);
    s.signAll();
    big(s, 'ru', '2022-02-01', icbms(500, 'kozelsk', 3), '2022-02-02');
    let ev = s.evaluate('2022-02-03');
    const wh = ev.state.limits.find((l) => l.limit === 'nst-warheads' && l.party === 'ru')!;
    expect(wh).toMatchObject({ declared: 1500, margin: 50, status: 'within', binding: true });
    expect(only(ev.findings, 'limit.exceeded')).toEqual([]);
    const d = big(s, 'ru', '2022-03-01', icbms(520, 'kozelsk', 3), '2022-03-02');
    ev = s.evaluate('2022-03-03');
    expect(ev.state.limits.find((l) => l.limit === 'nst-warheads' && l.party === 'ru')).toMatchObject({
      declared: 1560,
      margin: -10,
      status: 'exceeded',
    });
    const f = only(ev.findings, 'limit.exceeded');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      party: 'ru',
      severity: 'critical',
      at: '2022-03-02T00:00:00.000Z',
      breaks: { kind: 'limit', id: 'nst-warheads' },
      refs: [ref(d)],
    });
  });

  it('does not bind before the regime is in force; the finding dates from when it binds', () => {
    const s = new Script(RULES);
    big(s, 'ru', '2022-01-01', icbms(800, 'kozelsk', 1), '2022-01-10');
    expect(
      s
        .evaluate('2022-01-20')
        .state.limits.find((l) => l.limit === 'nst-deployed-delivery-vehicles' && l.party === 'ru'),
    ).toMatchObject({
      status: 'not-binding',
      declared: 800,
    });
    expect(s.findings('2022-01-20')).toEqual([]);
    s.signAll('2022-01-27');
    const f = only(s.findings('2022-02-01'), 'limit.exceeded');
    // signAll signs an hour apart in regime order; the sixth party, Ukraine, signs last.
    expect(f.map((x) => x.at)).toEqual(['2022-01-27T05:00:00.000Z']);
  });

  it('a limit a commitment undertakes binds only while it is in force; observations show it exceeded', () => {
    const s = new Script(RULES);
    s.signAll();
    const obs = (by: string, at: string, n: number) =>
      s.add(
        by,
        'observation',
        {
          subject: 'ru',
          observedAt: at,
          place: { point: { lat: 49.99, lon: 36.23 } },
          quantities: [{ category: 'short-range-glm-launcher', quantity: n }],
          method: 'overhead-imagery',
          evidence: [],
        },
        at,
      );
    const o1 = obs('nato', '2022-02-05T00:00:00Z', 4);
    let ev = s.evaluate('2022-02-06');
    const lim = () => ev.state.limits.find((l) => l.limit === 'ukraine-no-offensive-gl-missiles' && l.party === 'ru')!;
    expect(lim()).toMatchObject({ status: 'not-binding', observed: 4, declared: 0 });
    expect(only(ev.findings, 'limit.exceeded-observed')).toEqual([]);
    s.add('us', 'commitment-accepted', { commitment: 'us-ukraine-no-offensive-missiles' }, '2022-02-07');
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ukraine-no-offensive-missiles' }, '2022-02-08');
    ev = s.evaluate('2022-02-09');
    expect(lim()).toMatchObject({ status: 'exceeded', binding: true, margin: -4 });
    const f = only(ev.findings, 'limit.exceeded-observed');
    expect(f).toMatchObject([{ party: 'ru', at: '2022-02-08T00:00:00.000Z', refs: [ref(o1)] }]);
    expect(ev.state.commitments.find((c) => c.commitment === 'ru-ukraine-no-offensive-missiles')).toMatchObject({
      status: 'breached',
      breaches: [f[0]!.id],
    });
    obs('nato', '2022-02-10T00:00:00Z', 0);
    ev = s.evaluate('2022-02-11');
    expect(lim()).toMatchObject({ status: 'within', observed: 0 });
    expect(only(ev.findings, 'limit.exceeded-observed')).toHaveLength(1);
  });

  it('follows notified status changes between declarations', () => {
    const s = new Script(RULES);
    s.signAll();
    big(s, 'ru', '2022-02-01', icbms(700, 'kozelsk', 1, 'non-deployed'), '2022-02-02');
    s.add(
      'ru',
      'notification',
      {
        kind: 'status-change',
        rule: 'nst-status-change',
        changes: [{ uid: 'RU-ICBM-0001', category: 'icbm', from: 'non-deployed', to: 'deployed' }],
        at: '2022-02-03T00:00:00Z',
      },
      '2022-02-04',
    );
    const st = s.evaluate('2022-02-05').state;
    expect(st.limits.find((l) => l.limit === 'nst-deployed-delivery-vehicles' && l.party === 'ru')!.declared).toBe(1);
    expect(st.holdings.find((h) => h.party === 'ru')!.byCategory[0]).toMatchObject({
      category: 'icbm',
      declared: 700,
      byStatus: { deployed: 1, 'non-deployed': 699 },
    });
  });
});

describe('commitments', () => {
  it('proposed, awaiting its condition (with the reason), in force, withdrawn', () => {
    const s = new Script(RULES);
    s.signAll();
    let st = s.evaluate('2022-02-01').state.commitments;
    const c = (id: string) => st.find((x) => x.commitment === id)!;
    expect(c('us-aegis-ashore-transparency')).toMatchObject({ status: 'proposed' });
    const acc = s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
    st = s.evaluate('2022-02-02').state.commitments;
    expect(c('us-aegis-ashore-transparency').status).toBe('awaiting-condition');
    expect(renderMessage(c('us-aegis-ashore-transparency').reason, 'en')).toContain(
      '"ru-ground-missile-base-transparency" accepted',
    );
    const racc = s.add(
      'ru',
      'commitment-accepted',
      { commitment: 'ru-ground-missile-base-transparency' },
      '2022-02-03',
    );
    st = s.evaluate('2022-02-04').state.commitments;
    expect(c('us-aegis-ashore-transparency')).toMatchObject({
      status: 'in-force',
      inForceSince: '2022-02-03T00:00:00.000Z',
      acceptance: ref(acc),
    });
    expect(c('ru-ground-missile-base-transparency').status).toBe('in-force');
    s.add(
      'ru',
      'commitment-withdrawn',
      { commitment: 'ru-ground-missile-base-transparency', acceptance: ref(racc) },
      '2022-06-01',
    );
    st = s.evaluate('2022-06-02').state.commitments;
    expect(c('ru-ground-missile-base-transparency')).toMatchObject({ status: 'withdrawn' });
    expect(c('us-aegis-ashore-transparency').status).toBe('awaiting-condition');
  });

  it('refuses a withdrawal that names no current acceptance', () => {
    const s = new Script(RULES);
    s.signAll();
    const a = s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-03');
    s.add(
      'ru',
      'commitment-withdrawn',
      { commitment: 'ru-ground-missile-base-transparency', acceptance: ref(a) },
      '2022-02-04',
    );
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-05');
    s.add(
      'ru',
      'commitment-withdrawn',
      { commitment: 'ru-ground-missile-base-transparency', acceptance: ref(a) },
      '2022-02-06',
    );
    expect(s.rules('2022-02-07')).toEqual(['commitment.invalid-withdrawal']);
    expect(
      s.evaluate('2022-02-07').state.commitments.find((c) => c.commitment === 'ru-ground-missile-base-transparency')!
        .status,
    ).toBe('awaiting-condition');
  });
});

describe('notifications', () => {
  const base = () => {
    const s = new Script(RULES);
    s.signAll();
    const bombers = ['A', 'B', 'C'].map((x) => ({
      uid: `US-HB-${x}`,
      category: 'heavy-bomber',
      site: 'minot',
      status: 'deployed',
    }));
    s.add('us', 'declaration', declaration('2022-02-01', bombers), '2022-02-01');
    return s;
  };
  const move = (s: Script, uid: string, at: string, countedAt: string) =>
    s.add(
      'us',
      'notification',
      {
        kind: 'movement',
        rule: 'nst-movement',
        items: [{ uid, category: 'heavy-bomber' }],
        from: 'minot',
        to: 'malmstrom',
        at,
      },
      countedAt,
    );

  it('on time and acknowledged in time; late; acknowledgement late or missing', () => {
    const s = base();
    const n1 = move(s, 'US-HB-A', '2022-03-01T00:00:00Z', '2022-03-03T00:00:00Z');
    s.add('ru', 'acknowledgement', { notification: ref(n1) }, '2022-03-03T12:00:00Z');
    const n2 = move(s, 'US-HB-B', '2022-03-01T00:00:00Z', '2022-03-08T00:00:00Z');
    const a2 = s.add('ru', 'acknowledgement', { notification: ref(n2) }, '2022-03-10T00:00:00Z');
    const n3 = move(s, 'US-HB-C', '2022-03-09T00:00:00Z', '2022-03-10T06:00:00Z');
    expect(s.rules('2022-03-10T07:00:00Z')).toEqual(['acknowledgement.late', 'notification.late']);
    const ev = s.evaluate('2022-03-12');
    expect(ev.findings.map((f) => f.rule).sort()).toEqual([
      'acknowledgement.late',
      'acknowledgement.missing',
      'notification.late',
    ]);
    expect(only(ev.findings, 'notification.late')[0]).toMatchObject({
      party: 'us',
      refs: [ref(n2)],
      at: '2022-03-08T00:00:00.000Z',
    });
    expect(only(ev.findings, 'acknowledgement.late')[0]).toMatchObject({
      party: 'ru',
      refs: [ref(n2), ref(a2)].sort((a, b) => a.origin.localeCompare(b.origin)),
    });
    expect(only(ev.findings, 'acknowledgement.missing')[0]).toMatchObject({
      party: 'ru',
      refs: [ref(n3)],
      at: '2022-03-11T06:00:00.000Z',
    });
    const items = ev.state.notifications.items;
    expect(items.map((i) => [i.status, i.acknowledgements[0]!.status])).toEqual([
      ['on-time', 'on-time'],
      ['late', 'late'],
      ['on-time', 'missing'],
    ]);
    expect(ev.state.notifications.summary).toEqual([
      {
        rule: 'nst-movement',
        party: 'us',
        notified: 3,
        onTime: 2,
        late: 1,
        missing: 0,
        acknowledgementsDue: 3,
        acknowledged: 2,
        unacknowledged: 1,
      },
    ]);
    const us = ev.state.holdings.find((h) => h.party === 'us')!;
    expect(us.bySite.map((r) => [r.site, r.declared])).toEqual([['malmstrom', 3]]);
  });

  it('missing: a later declaration shows a change never notified; a notification that comes later resolves it', () => {
    const s = base();
    const d1 = s.entries[s.entries.length - 1]!;
    const d2 = s.add(
      'us',
      'declaration',
      declaration('2022-03-01', [
        { uid: 'US-HB-A', category: 'heavy-bomber', site: 'malmstrom', status: 'deployed' },
        { uid: 'US-HB-B', category: 'heavy-bomber', site: 'minot', status: 'non-deployed' },
        { uid: 'US-HB-C', category: 'heavy-bomber', site: 'minot', status: 'deployed' },
      ]),
      '2022-03-02',
    );
    // Due 5 days after the end of the asOf day: not missing yet.
    expect(s.rules('2022-03-06')).toEqual([]);
    expect(s.evaluate('2022-03-06').state.notifications.missing.map((m) => m.status)).toEqual(['awaiting', 'awaiting']);
    move(s, 'US-HB-A', '2022-02-27T00:00:00Z', '2022-03-06T12:00:00Z');
    const ev = s.evaluate('2022-03-07');
    expect(ev.findings.map((f) => f.rule).sort()).toEqual(['notification.late', 'notification.missing']);
    const m = only(ev.findings, 'notification.missing')[0]!;
    expect(m).toMatchObject({ party: 'us', at: '2022-03-07T00:00:00.000Z', breaks: { id: 'nst-status-change' } });
    // The status changed at one site: the finding names it (the late movement names its destination).
    expect(m.site).toBe('minot');
    expect(only(ev.findings, 'notification.late')[0]!.site).toBeDefined();
    expect(m.refs).toEqual([ref(d1), ref(d2)]);
    expect(renderMessage(m.message, 'en')).toContain('US-HB-B');
    expect(ev.state.notifications.missing.map((x) => [x.kind, x.status])).toEqual([
      ['movement', 'notified'],
      ['status-change', 'missing'],
    ]);
  });

  it('missing: an observation shows an item where it was never notified to be', () => {
    const s = base();
    const o = s.add(
      'ru',
      'observation',
      {
        subject: 'us',
        observedAt: '2022-03-01T00:00:00Z',
        place: { site: 'malmstrom' },
        quantities: [],
        items: [{ uid: 'US-HB-C', category: 'heavy-bomber' }],
        method: 'on-site',
        evidence: [],
      },
      '2022-03-01T06:00:00Z',
    );
    expect(s.rules('2022-03-05')).toEqual([]);
    expect(only(s.findings('2022-03-07'), 'notification.missing')).toMatchObject([
      { refs: [ref(o)], at: '2022-03-06T00:00:00.000Z', site: 'malmstrom' },
    ]);
  });

  it('a declaration dated before a notified change does not undo it, nor show it as missing', () => {
    const s = base();
    move(s, 'US-HB-A', '2022-03-05T00:00:00Z', '2022-03-06T00:00:00Z');
    const bombers = ['A', 'B', 'C'].map((x) => ({
      uid: `US-HB-${x}`,
      category: 'heavy-bomber',
      site: 'minot',
      status: 'deployed',
    }));
    s.add('us', 'declaration', declaration('2022-03-01', bombers), '2022-03-10');
    const ev = s.evaluate('2022-03-31');
    expect(family(ev.findings, 'notification.')).toEqual([]);
    expect(ev.state.holdings.find((h) => h.party === 'us')!.bySite.map((r) => [r.site, r.declared])).toEqual([
      ['malmstrom', 1],
      ['minot', 2],
    ]);
  });

  it('an activity is what observers see beyond what the party declared there', () => {
    const s = new Script(RULES);
    s.signAll();
    s.add(
      'ru',
      'declaration',
      declaration('2022-02-01', [], [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: 30000 }]),
      '2022-02-02',
    );
    const seen = (at: string, troops: number) => troopsSeen(s, at, troops);
    seen('2022-02-05T00:00:00Z', 38000);
    expect(only(s.findings('2022-02-06'), 'notification.missing')).toEqual([]);
    const o = seen('2022-02-07T00:00:00Z', 40000);
    expect(only(s.findings('2022-02-08'), 'notification.missing')).toMatchObject([{ refs: [ref(o)] }]);
  });

  it('a notification of an item never declared', () => {
    const s = base();
    move(s, 'US-HB-Z', '2022-03-01T00:00:00Z', '2022-03-02T00:00:00Z');
    expect(s.rules('2022-03-02')).toEqual(['notification.unknown-item']);
  });

  it('prior notification of an activity: on time, late, not required, and missing when observed', () => {
    const s = new Script(RULES);
    s.signAll();
    const act = (party: string, start: string, counted: string, troops: number) =>
      s.add(
        party,
        'notification',
        {
          kind: 'activity',
          rule: 'vd11-prior-notification',
          name: text('Exercise'),
          start,
          end: new Date(T(start) + 10 * 86_400_000).toISOString(),
          quantities: [{ category: 'troops', quantity: troops }],
        },
        counted,
      );
    act('us', '2022-05-01T00:00:00Z', '2022-03-01', 12000);
    const late = act('ru', '2022-03-10T00:00:00Z', '2022-02-15', 30000);
    act('ru', '2022-03-01T00:00:00Z', '2022-02-20', 3000);
    const seen = (at: string, troops: number, by = 'nato') => troopsSeen(s, at, troops, by);
    seen('2022-03-12T00:00:00Z', 30000); // covered by the late notification
    const o1 = seen('2022-04-01T00:00:00Z', 20000);
    const o2 = seen('2022-04-10T00:00:00Z', 20000, 'us'); // the same activity: joins the first
    seen('2022-04-11T00:00:00Z', 5000); // below every threshold
    const ev = s.evaluate('2022-04-20');
    expect(ev.state.notifications.items.map((i) => [i.party, i.status])).toEqual([
      ['ru', 'late'],
      ['ru', 'not-required'],
      ['us', 'on-time'],
    ]);
    expect(only(ev.findings, 'notification.late')).toMatchObject([{ party: 'ru', refs: [ref(late)] }]);
    expect(only(ev.findings, 'notification.missing')).toMatchObject([
      {
        party: 'ru',
        at: '2022-04-01T00:00:00.000Z',
        refs: [ref(o1), ref(o2)].sort((a, b) => a.origin.localeCompare(b.origin)),
      },
    ]);
    // Seen in a zone, not at a site: the finding names none.
    expect(only(ev.findings, 'notification.missing')[0]!.site).toBeUndefined();
  });

  it('a concern explained in time, late, or not at all', () => {
    const s = new Script(RULES);
    s.signAll();
    const concern = (from: string, to: string, at: string) =>
      s.add(
        from,
        'notification',
        { kind: 'concern', rule: 'vd11-unusual-activity', addressee: to, statement: text('Explain') },
        at,
      );
    const explain = (by: string, c: ReturnType<typeof concern>, at: string) =>
      s.add(
        by,
        'notification',
        { kind: 'explanation', rule: 'vd11-unusual-activity', concern: ref(c), statement: text('Because') },
        at,
      );
    const c1 = concern('us', 'ru', '2022-02-11T00:00:00Z');
    const c2 = concern('ru', 'us', '2022-02-12T00:00:00Z');
    const c3 = concern('us', 'ru', '2022-02-13T00:00:00Z');
    explain('us', c2, '2022-02-13T00:00:00Z');
    explain('ru', c3, '2022-02-16T00:00:00Z');
    explain('ru', c2, '2022-02-16T01:00:00Z'); // not addressed to ru
    const ev = s.evaluate('2022-02-20');
    expect(ev.findings.map((f) => f.rule).sort()).toEqual([
      'entry.invalid-reference',
      'notification.explanation-late',
      'notification.explanation-missing',
    ]);
    expect(only(ev.findings, 'notification.explanation-missing')).toMatchObject([
      { party: 'ru', refs: [ref(c1)], at: '2022-02-13T00:00:00.000Z' },
    ]);
    expect(ev.state.notifications.items.filter((i) => i.kind === 'concern').map((i) => i.explanation!.status)).toEqual([
      'missing',
      'on-time',
      'late',
    ]);
  });
});

describe('inspections', () => {
  const setup = () => {
    const s = new Script(RULES);
    s.signAll();
    s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-01');
    return s;
  };
  const request = (
    s: Script,
    inspector: string,
    inspection: string,
    host: string,
    site: string,
    arrival: string,
    at: string,
  ) => {
    const req = s.add(inspector, 'inspection-request', { inspection, host, site, arrival }, at);
    consentIfHosted(s, req);
    return req;
  };
  const report = (s: Script, req: ReturnType<typeof request>, findings: unknown[], at: string, countersign = true) => {
    const b = req.envelope.body as any;
    let body: any = {
      request: ref(req),
      inspection: b.inspection,
      host: b.host,
      site: b.site,
      start: b.arrival,
      end: new Date(T(b.arrival) + 20 * 3_600_000).toISOString(),
      findings,
    };
    if (countersign) body = escorted(s.regime, req.envelope.party, body);
    return s.add(req.envelope.party, 'inspection-report', body, at);
  };

  it('absence confirmed, quota used and left; a third visit exceeds the quota', () => {
    const s = setup();
    const r1 = request(s, 'ru', 'aegis-ashore-transparency', 'us', 'deveselu', '2022-03-15T08:00:00Z', '2022-03-01');
    report(s, r1, [{ kind: 'absence', category: 'inf-range-glm', result: 'absent' }, ...MK41], '2022-03-16');
    request(s, 'ru', 'aegis-ashore-transparency', 'us', 'redzikowo', '2022-06-15T08:00:00Z', '2022-06-01');
    let ev = s.evaluate('2022-06-02');
    const quota = () => ev.state.inspections.quotas.find((q) => q.inspection === 'aegis-ashore-transparency')!;
    expect(quota()).toMatchObject({
      used: 2,
      left: 0,
      quota: 2,
      period: { from: '2022-01-26T00:00:00.000Z', until: '2023-01-26T00:00:00.000Z' },
    });
    expect(family(ev.findings, 'inspection.')).toEqual([]);
    expect(ev.state.holdings.find((h) => h.party === 'us')!.bySite).toMatchObject([
      { site: 'deveselu', category: 'inf-range-glm', declared: 0, inspected: { absent: true, by: 'ru' } },
    ]);
    const r3 = request(s, 'ru', 'aegis-ashore-transparency', 'us', 'deveselu', '2022-10-15T08:00:00Z', '2022-10-01');
    ev = s.evaluate('2022-10-02');
    expect(family(ev.findings, 'inspection.quota-exceeded')).toMatchObject([{ party: 'ru', refs: [ref(r3)] }]);
    // Not due, so never "not conducted"; the one at Redzikowo was due and had no report.
    ev = s.evaluate('2022-12-31');
    expect(
      family(ev.findings, 'inspection.')
        .map((f) => f.rule)
        .sort(),
    ).toEqual(['inspection.not-conducted', 'inspection.quota-exceeded']);
    expect(only(ev.findings, 'inspection.not-conducted')[0]).toMatchObject({
      party: 'us',
      at: '2022-06-18T08:00:00.000Z',
    });
    expect(ev.state.commitments.find((c) => c.commitment === 'us-aegis-ashore-transparency')!.status).toBe('breached');
  });

  it('short notice, a site beyond the selection, absence not confirmed, no countersignature', () => {
    const s = setup();
    const gmb = 'ru-ground-missile-base-transparency';
    const r1 = request(s, 'us', gmb, 'ru', 'chernyakhovsk', '2022-03-10T08:00:00Z', '2022-03-05');
    const r2 = request(s, 'us', gmb, 'ru', 'mozdok', '2022-04-10T08:00:00Z', '2022-03-20');
    const rep = report(
      s,
      r2,
      [{ kind: 'absence', category: 'inf-range-glm-launcher', result: 'present', count: 4 }],
      '2022-04-11',
      false,
    );
    const r3 = request(s, 'us', gmb, 'ru', 'shuya', '2022-05-10T08:00:00Z', '2022-04-20');
    const ev = s.evaluate('2022-05-20');
    expect(family(ev.findings, 'inspection.').map((f) => [f.rule, f.party, f.refs[0]!.index])).toEqual([
      ['inspection.short-notice', 'us', r1.index],
      ['inspection.absence-not-confirmed', 'ru', rep.index],
      ['inspection.not-countersigned', 'ru', rep.index],
      ['inspection.quota-exceeded', 'us', r3.index],
      ['inspection.site-not-selected', 'us', r3.index],
    ]);
    expect(ev.state.inspections.items.map((i) => i.status)).toEqual(['not-due', 'conducted', 'not-due']);
    expect(ev.state.inspections.quotas.find((q) => q.inspection === gmb)).toMatchObject({
      selectedSites: ['chernyakhovsk', 'mozdok'],
      // The third request, beyond the quota, is the requester's finding and consumes nothing.
      used: 2,
      left: 0,
    });
  });

  it('an inspection that lasted longer than allowed', () => {
    const s = setup();
    const r = request(s, 'ru', 'aegis-ashore-transparency', 'us', 'deveselu', '2022-03-15T08:00:00Z', '2022-03-01');
    const b = r.envelope.body as any;
    const long = escorted(s.regime, 'ru', {
      request: ref(r),
      inspection: b.inspection,
      host: 'us',
      site: 'deveselu',
      start: b.arrival,
      end: '2022-03-16T10:00:00Z',
      findings: [{ kind: 'absence', category: 'inf-range-glm', result: 'absent' }, ...MK41],
    } as any);
    const rep = s.add('ru', 'inspection-report', long, '2022-03-17');
    expect(family(s.findings('2022-03-18'), 'inspection.')).toMatchObject([
      { rule: 'inspection.overran', party: 'ru', site: 'deveselu', refs: [ref(rep)] },
    ]);
  });

  it('declared items: confirmed, not found, mismatched; undeclared items; a report that matches no request', () => {
    const s = setup();
    s.add('ru', 'declaration', declaration('2022-02-01', icbms(3, 'kozelsk', 3)), '2022-02-02');
    const r = request(s, 'us', 'nst-type-one', 'ru', 'kozelsk', '2022-04-05T08:00:00Z', '2022-04-03');
    const rep = report(
      s,
      r,
      [
        { kind: 'item', uid: 'RU-ICBM-0001', category: 'icbm', result: 'confirmed' },
        {
          kind: 'item',
          uid: 'RU-ICBM-0002',
          category: 'icbm',
          result: 'mismatch',
          observedAttributes: { warheads: 4 },
        },
        { kind: 'item', uid: 'RU-ICBM-0003', category: 'icbm', result: 'not-found' },
        { kind: 'undeclared', category: 'icbm-launcher', count: 2 },
      ],
      '2022-04-06',
    );
    const bad = s.add(
      'us',
      'inspection-report',
      { ...(rep.envelope.body as any), site: 'kozelsk', host: 'ru', request: ref(s.entries[0]!) },
      '2022-04-07',
    );
    const ev = s.evaluate('2022-04-08');
    expect(family(ev.findings, 'inspection.').map((f) => f.rule)).toEqual([
      'inspection.item-mismatch',
      'inspection.item-not-found',
      'inspection.undeclared-items',
      'inspection.item-mismatch',
      'inspection.item-not-found',
      'inspection.report-mismatch',
      'inspection.undeclared-items',
    ]);
    expect(renderMessage(only(ev.findings, 'inspection.item-mismatch')[0]!.message, 'en')).toContain(
      'RU-ICBM-0002 (warheads 4)',
    );
    expect(only(ev.findings, 'inspection.report-mismatch')[0]!.refs).toContainEqual(ref(bad));
    const row = ev.state.holdings.find((h) => h.party === 'ru')!.bySite.find((x) => x.category === 'icbm')!;
    expect(row).toMatchObject({ declared: 3, inspected: { confirmed: 1, mismatched: 1, notFound: 1 } });
    expect(
      ev.state.inspections.quotas.find((q) => q.inspection === 'nst-type-one' && q.inspector === 'us'),
    ).toMatchObject({
      used: 1,
      left: 9,
      period: { from: '2022-02-05T00:00:00.000Z' },
    });
  });
});

describe('declarations', () => {
  it('a declaration whose blobs could not be read counts only its own items, and says so', () => {
    const s = new Script(RULES);
    s.signAll();
    const d = s.add(
      'ru',
      'declaration',
      {
        ...declaration('2022-02-01', icbms(3)),
        more: [{ sha256: 'ab'.repeat(32), size: 10, mediaType: 'application/json' }],
      },
      '2022-02-02',
    );
    const ev = s.evaluate('2022-02-03');
    expect(only(ev.findings, 'declaration.incomplete')).toMatchObject([{ party: 'ru', refs: [ref(d)] }]);
    expect(ev.state.limits.find((l) => l.limit === 'nst-warheads' && l.party === 'ru')).toMatchObject({
      declared: 3,
      partial: true,
    });
    expect(ev.state.holdings.find((h) => h.party === 'ru')!.declaration).toMatchObject({ items: 3, complete: false });
  });

  it('an escrowed declaration counts its totals; openings reveal items; an opening of another declaration is refused', () => {
    const s = new Script(RULES);
    s.signAll();
    const d = s.add(
      'ru',
      'declaration',
      {
        form: 'escrowed',
        asOf: '2022-02-01',
        root: 'cd'.repeat(32),
        leaves: 64,
        totals: [
          { category: 'icbm', status: 'deployed', total: 300 },
          { category: 'heavy-bomber', status: 'deployed', total: 50 },
        ],
      },
      '2022-02-02',
    );
    let ev = s.evaluate('2022-02-03');
    const lim = (id: string) => ev.state.limits.find((l) => l.limit === id && l.party === 'ru')!;
    expect(lim('nst-deployed-delivery-vehicles')).toMatchObject({ declared: 350 });
    expect(lim('nst-warheads')).toMatchObject({ declared: 50, partial: true, status: 'not-assessable' });
    const salt = `${'A'.repeat(43)}=`;
    s.add(
      'ru',
      'declaration-opening',
      {
        declaration: ref(d),
        leaves: [{ index: 0, item: icbms(1, 'kozelsk', 4)[0], salt, proof: [] }],
      },
      '2022-02-04',
    );
    s.add(
      'ru',
      'declaration-opening',
      { declaration: ref(s.entries[0]!), leaves: [{ index: 1, item: null, salt, proof: [] }] },
      '2022-02-05',
    );
    ev = s.evaluate('2022-02-06');
    // The totals carry no warhead sums: warheads on ICBMs come from opened items only, and this opening's proof
    // does not lead to the committed root, so it reveals nothing (docs/ESCROW.md §10.2).
    expect(lim('nst-warheads')).toMatchObject({
      declared: 50,
      partial: true,
      coverage: { assessed: 0, of: 300 },
      status: 'not-assessable',
    });
    expect(ev.state.holdings.find((h) => h.party === 'ru')!.bySite).toEqual([]);
    expect(family(ev.findings, 'escrow.')).toMatchObject([{ rule: 'escrow.invalid-opening', party: 'ru' }]);
    expect(family(ev.findings, 'entry.')).toMatchObject([{ rule: 'entry.invalid-reference', party: 'ru' }]);
  });
});

describe('metrics', () => {
  const m = 'ru-border-band-troops';
  const setup = () => {
    const s = new Script(RULES);
    s.signAll();
    s.add('us', 'commitment-accepted', { commitment: 'us-ukraine-no-offensive-missiles' }, '2022-02-01');
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ukraine-no-offensive-missiles' }, '2022-02-01');
    return s;
  };
  const declare = (s: Script, at: string, troops: number) =>
    s.add(
      'ru',
      'declaration',
      declaration(at.slice(0, 10), [], [{ category: 'troops', zone: 'ru-ukraine-border-band', quantity: troops }]),
      at,
    );
  const seen = (s: Script, by: string, at: string, troops: number) =>
    s.add(
      by,
      'observation',
      {
        subject: 'ru',
        observedAt: at,
        place: { point: { lat: 50.6, lon: 36.6 } },
        quantities: [{ category: 'troops', quantity: troops }],
        method: 'overhead-imagery',
        evidence: [],
        metric: m,
      },
      at,
    );
  const status = (s: Script, at: string) => s.evaluate(at).state.metrics.find((x) => x.metric === m)!;

  it('not yet met, contradicted declaration, met on time (condition of a commitment), held, relapsed', () => {
    const s = setup();
    const d1 = declare(s, '2022-02-10T00:00:00Z', 30000);
    seen(s, 'us', '2022-02-11T00:00:00Z', 100000);
    seen(s, 'nato', '2022-02-12T00:00:00Z', 104000);
    expect(status(s, '2022-02-13')).toMatchObject({
      status: 'not-yet-met',
      current: { verified: true, value: 104000 },
    });
    expect(only(s.findings('2022-02-13'), 'metric.declaration-contradicted')).toMatchObject([
      { party: 'ru', refs: expect.arrayContaining([ref(d1)]) },
    ]);
    expect(
      renderMessage(
        s.evaluate('2022-02-13').state.commitments.find((c) => c.commitment === 'us-ukraine-no-offensive-missiles')!
          .reason,
        'en',
      ),
    ).toContain(`metric "${m}" met`);
    declare(s, '2022-03-20T00:00:00Z', 31000);
    seen(s, 'us', '2022-03-21T00:00:00Z', 33000);
    seen(s, 'nato', '2022-03-22T00:00:00Z', 20000); // disagree
    expect(status(s, '2022-03-23').status).toBe('not-yet-met');
    expect(only(s.findings('2022-03-23'), 'metric.sources-disagree')).toHaveLength(1);
    seen(s, 'nato', '2022-03-28T00:00:00Z', 34000);
    expect(status(s, '2022-03-29')).toMatchObject({ status: 'met-on-time', firstMetAt: '2022-03-28T00:00:00.000Z' });
    expect(
      s.evaluate('2022-03-29').state.commitments.find((c) => c.commitment === 'us-ukraine-no-offensive-missiles'),
    ).toMatchObject({
      status: 'in-force',
      inForceSince: '2022-03-28T00:00:00.000Z',
    });
    expect(status(s, '2022-06-26')).toMatchObject({ status: 'held', heldAt: '2022-06-26T00:00:00.000Z' });
    const up = seen(s, 'us', '2022-09-01T00:00:00Z', 48000);
    seen(s, 'nato', '2022-09-02T00:00:00Z', 47000);
    const st = status(s, '2022-09-03');
    expect(st).toMatchObject({ status: 'relapsed', relapsedAt: '2022-09-02T00:00:00.000Z' });
    expect(st.periods).toEqual([
      { from: '2022-02-10T00:00:00.000Z', until: '2022-03-28T00:00:00.000Z', met: false },
      { from: '2022-03-28T00:00:00.000Z', until: '2022-09-02T00:00:00.000Z', met: true },
      { from: '2022-09-02T00:00:00.000Z', met: false },
    ]);
    expect(st.series).toHaveLength(9);
    const relapse = only(s.findings('2022-09-03'), 'metric.relapsed');
    expect(relapse).toMatchObject([{ party: 'ru', at: '2022-09-02T00:00:00.000Z' }]);
    expect(relapse[0]!.refs).not.toContainEqual(ref(up));
    expect(
      s.evaluate('2022-09-03').state.commitments.find((c) => c.commitment === 'us-ukraine-no-offensive-missiles')!
        .status,
    ).toBe('awaiting-condition');
  });

  it('met late, and the deadline missed', () => {
    const s = setup();
    declare(s, '2022-02-10T00:00:00Z', 30000);
    seen(s, 'us', '2022-02-11T00:00:00Z', 90000);
    seen(s, 'nato', '2022-02-12T00:00:00Z', 90000);
    expect(only(s.findings('2022-03-31T23:00:00Z'), 'metric.deadline-missed')).toEqual([]);
    expect(only(s.findings('2022-04-01'), 'metric.deadline-missed')).toMatchObject([
      { at: '2022-04-01T00:00:00.000Z', party: 'ru' },
    ]);
    seen(s, 'us', '2022-04-10T00:00:00Z', 30000);
    seen(s, 'nato', '2022-04-11T00:00:00Z', 31000);
    expect(status(s, '2022-04-12').status).toBe('met-late');
    expect(only(s.findings('2022-04-12'), 'metric.deadline-missed')).toHaveLength(1);
  });
});

describe('entries', () => {
  it('an entry in another party’s log is ignored; references to entries not held are reported', () => {
    const s = new Script(RULES);
    s.signAll();
    const wrong = s.add(
      'ru',
      'commitment-accepted',
      { commitment: 'ru-ground-missile-base-transparency' },
      '2022-02-01',
      {
        origin: 'detente.example/us',
      },
    );
    const nowhere = { origin: 'detente.example/ru', index: 99, leafHash: 'aa'.repeat(32) };
    s.add('us', 'acknowledgement', { notification: nowhere }, '2022-02-02');
    s.add(
      'ru',
      'commitment-withdrawn',
      { commitment: 'ru-ground-missile-base-transparency', acceptance: nowhere },
      '2022-02-02T01:00:00Z',
    );
    s.add(
      'us',
      'inspection-report',
      {
        request: nowhere,
        inspection: 'nst-type-one',
        host: 'ru',
        site: 'kozelsk',
        start: '2022-02-02T00:00:00Z',
        end: '2022-02-02T01:00:00Z',
        findings: [{ kind: 'undeclared', category: 'icbm', count: 1 }],
      },
      '2022-02-02T02:00:00Z',
    );
    s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-02T03:00:00Z', {
      refs: [nowhere],
    });
    const ev = s.evaluate('2022-02-03');
    // What names a missing entry changes nothing (no undeclared items); an envelope citation does not stop an entry.
    expect(ev.findings.map((f) => f.rule)).toEqual([
      'entry.wrong-log',
      'entry.unresolved-reference',
      'entry.unresolved-reference',
      'entry.unresolved-reference',
      'entry.unresolved-reference',
    ]);
    expect(ev.state.commitments.find((c) => c.commitment === 'us-aegis-ashore-transparency')!.status).toBe(
      'awaiting-condition',
    );
    expect(ev.findings[0]).toMatchObject({ party: 'us', refs: [ref(wrong)] });
    expect(ev.state.commitments.find((c) => c.commitment === 'ru-ground-missile-base-transparency')!.status).toBe(
      'proposed',
    );
  });

  it('refuses entries out of the canonical order, and "as of" before the last entry', () => {
    const s = new Script(RULES);
    s.signAll();
    const e = s.fold();
    expect(() => e.apply(s.entries[0]!)).toThrow(/canonical order/);
    expect(() => e.state(T('2022-01-01'))).toThrow(/before the last entry/);
    expect(iso(e.lastCountedAt!)).toBe('2022-01-27T05:00:00.000Z');
  });
});
