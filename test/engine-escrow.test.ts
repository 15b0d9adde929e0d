/** The engine's escrow rules: commitments per period, openings, inspections against opened items, joint draws. */
import { describe, expect, it } from 'vitest';
import { fromHex, toBase64 } from '../src/crypto/bytes.js';
import {
  commitmentOfDeclaration,
  declarationBodyOf,
  escrowCategories,
  escrowItemOf,
  openingEntryOf,
} from '../src/engine/escrow-entries.js';
import type { EngineEntry, Finding } from '../src/engine/index.js';
import {
  buildEscrowTree,
  commitRandom,
  createMultiOpening,
  jointSeed,
  type MultiOpening,
  selectSample,
} from '../src/escrow/index.js';
import { renderMessage } from '../src/i18n/index.js';
import { countersignReport, type Item } from '../src/model/index.js';
import { ref, Script, T } from './engine-helpers.js';
import { seedOf, suite } from './model-helpers.js';

const items: Item[] = [
  { uid: 'RU-ICBM-0001', category: 'icbm', site: 'kozelsk', status: 'deployed', attributes: { warheads: 4 } },
  { uid: 'RU-ICBM-0002', category: 'icbm', site: 'kozelsk', status: 'deployed', attributes: { warheads: 4 } },
  { uid: 'RU-ICBM-0003', category: 'icbm', site: 'kozelsk', status: 'non-deployed' },
  { uid: 'RU-SLBM-0001', category: 'slbm', site: 'gadzhiyevo', status: 'deployed', attributes: { warheads: 6 } },
];

/** The body of an opening entry in blobs, its blobs put where the script's entries find them. */
function openingOf(s: Script, decl: EngineEntry, opening: MultiOpening, region?: string) {
  const entry = openingEntryOf(ref(decl), opening, suite.sha256, region);
  for (const b of entry.blobs) s.blobs.set(b.ref.sha256, b.bytes);
  return entry.body;
}

const rules = (fs: Finding[], prefix: string) =>
  fs
    .filter((f) => f.rule.startsWith(prefix))
    .map((f) => f.rule)
    .sort();

function setup() {
  const s = new Script();
  s.signAll();
  s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
  s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-01');
  const tree = buildEscrowTree(
    items.map((i) => escrowItemOf(i, escrowCategories(s.regime))),
    {
      categories: escrowCategories(s.regime),
      paddingBound: s.regime.escrow!.padding.multipleOf,
      sha256: suite.sha256,
    },
  );
  const decl = s.add('ru', 'declaration', declarationBodyOf(tree.commitment(), '2022-03-01'), '2022-03-01T12:00:00Z');
  return { s, tree, decl };
}

function inspect(s: Script, site: string, found: string[], at = '2022-04-05') {
  const req = s.add(
    'us',
    'inspection-request',
    { inspection: 'nst-type-one', host: 'ru', site, arrival: `${at}T08:00:00Z` },
    '2022-04-01',
  );
  const body = countersignReport(
    suite,
    'us',
    {
      request: ref(req),
      inspection: 'nst-type-one',
      host: 'ru',
      site,
      start: `${at}T08:00:00Z`,
      end: `${at}T20:00:00Z`,
      findings: found.map((uid) => ({ kind: 'item', uid, category: 'icbm', result: 'confirmed' })),
    } as never,
    'ru-inspector',
    seedOf('ru-inspector'),
  );
  return s.add('us', 'inspection-report', body, `${at}T21:00:00Z`);
}

describe('escrowed declarations in the engine', () => {
  it('the bridge round-trips: the commitment the entry publishes is the tree’s', () => {
    const { tree, decl } = setup();
    expect(commitmentOfDeclaration(decl.envelope.body as never)).toEqual(tree.commitment());
  });

  it('a valid opening reveals its items; an inspection compares them: declared-not-found, found-not-declared', () => {
    const { s, tree, decl } = setup();
    const opening = createMultiOpening(
      tree,
      tree.leafIndexesWhere((it) => it.site === 'kozelsk'),
    );
    s.add('ru', 'declaration-opening', openingOf(s, decl, opening, 'kozelsk'), '2022-03-20');
    const report = inspect(s, 'kozelsk', ['RU-ICBM-0001', 'RU-ICBM-0002', 'RU-ICBM-0099']);
    const { state, findings } = s.evaluate('2022-04-10');
    expect(rules(findings, 'escrow.')).toEqual(['escrow.declared-not-found', 'escrow.found-not-declared']);
    const missing = findings.find((f) => f.rule === 'escrow.declared-not-found')!;
    expect(missing.party).toBe('ru');
    expect(renderMessage(missing.message, 'en')).toContain('RU-ICBM-0003');
    expect(missing.refs.map((r) => r.index)).toContain(report.index);
    const extra = findings.find((f) => f.rule === 'escrow.found-not-declared')!;
    expect(renderMessage(extra.message, 'en')).toContain('RU-ICBM-0099');
    expect(renderMessage(extra.message, 'en')).not.toContain('RU-ICBM-0001');
    expect(state.escrow.declarations).toEqual([
      expect.objectContaining({ party: 'ru', asOf: '2022-03-01', root: tree.commitment().root, leaves: 64, opened: 3 }),
    ]);
  });

  it('an inspection that finds exactly the opened items raises no escrow finding', () => {
    const { s, tree, decl } = setup();
    const opening = createMultiOpening(
      tree,
      tree.leafIndexesWhere((it) => it.site === 'kozelsk'),
    );
    s.add('ru', 'declaration-opening', openingOf(s, decl, opening, 'kozelsk'), '2022-03-20');
    inspect(s, 'kozelsk', ['RU-ICBM-0001', 'RU-ICBM-0002', 'RU-ICBM-0003']);
    expect(rules(s.findings('2022-04-10'), 'escrow.')).toEqual([]);
  });

  it('an item opened alone (no full opening of the site) is still declared there: not found is a finding', () => {
    const { s, tree, decl } = setup();
    s.add(
      'ru',
      'declaration-opening',
      openingOf(s, decl, createMultiOpening(tree, [tree.leafIndexOf('RU-ICBM-0002')])),
      '2022-03-20',
    );
    inspect(s, 'kozelsk', ['RU-ICBM-0001', 'RU-ICBM-0099']);
    // The site was not opened in full, so an unlisted item found there is not (yet) a proven undeclared item.
    expect(rules(s.findings('2022-04-10'), 'escrow.')).toEqual(['escrow.declared-not-found']);
  });

  it('an opening that does not verify is a finding and reveals nothing', () => {
    const { s, tree, decl } = setup();
    const opening = createMultiOpening(tree, [tree.leafIndexOf('RU-ICBM-0001')]);
    opening.leaves[0]!.salt = '09'.repeat(32);
    const body = openingOf(s, decl, opening);
    s.add('ru', 'declaration-opening', body, '2022-03-20');
    const { state, findings } = s.evaluate('2022-03-21');
    expect(rules(findings, 'escrow.')).toEqual(['escrow.invalid-opening']);
    expect(renderMessage(findings.find((f) => f.rule === 'escrow.invalid-opening')!.message, 'en')).toContain(
      'not the committed root',
    );
    expect(state.escrow.declarations[0]!.opened).toBe(0);
  });

  it('an opening whose blob is missing or does not match its hash is a finding and reveals nothing', () => {
    for (const [what, change, message] of [
      ['missing', (s: Script, sha: string) => s.blobs.delete(sha), 'is not held'],
      ['changed', (s: Script, sha: string) => (s.blobs.get(sha)![10]! ^= 1), 'another size or hash'],
    ] as const) {
      const { s, tree, decl } = setup();
      const body = openingOf(s, decl, createMultiOpening(tree, [tree.leafIndexOf('RU-ICBM-0001')]));
      change(s, body.opening!.blobs[0]!.sha256);
      s.add('ru', 'declaration-opening', body, '2022-03-20');
      const { state, findings } = s.evaluate('2022-03-21');
      const f = findings.filter((x) => x.rule === 'escrow.invalid-opening');
      expect(f, what).toHaveLength(1);
      expect(renderMessage(f[0]!.message, 'en'), what).toContain(message);
      expect(state.escrow.declarations[0]!.opened, what).toBe(0);
    }
  });

  it('a changed count in an opened item does not verify', () => {
    const { s, tree, decl } = setup();
    const opening = createMultiOpening(tree, [tree.leafIndexOf('RU-ICBM-0001')]);
    opening.leaves[0]!.item!.attributes = { warheads: 1 };
    const body = openingOf(s, decl, opening);
    s.add('ru', 'declaration-opening', body, '2022-03-20');
    expect(rules(s.findings('2022-03-21'), 'escrow.')).toEqual(['escrow.invalid-opening']);
  });

  it('a second escrowed declaration for the same period is a finding, and the first stands', () => {
    const { s, tree, decl } = setup();
    const other = buildEscrowTree(
      items.slice(0, 1).map((i) => escrowItemOf(i, escrowCategories(s.regime))),
      {
        categories: escrowCategories(s.regime),
        paddingBound: 64,
        sha256: suite.sha256,
      },
    );
    s.add('ru', 'declaration', declarationBodyOf(other.commitment(), '2022-03-01'), '2022-03-02');
    // An opening against the first still verifies.
    s.add('ru', 'declaration-opening', openingOf(s, decl, createMultiOpening(tree, [0, 1])), '2022-03-03');
    const { state, findings } = s.evaluate('2022-03-04');
    expect(rules(findings, 'escrow.')).toEqual(['escrow.duplicate-commitment']);
    expect(state.escrow.declarations).toHaveLength(1);
    expect(state.escrow.declarations[0]!.root).toBe(tree.commitment().root);
  });
});

describe('joint draws in the engine', () => {
  const value = (p: string) => (p === 'us' ? 'aa' : 'bb').repeat(32);
  const draw = 'aegis-2022-1';
  function round(s: Script, reveals: Record<string, string | null>) {
    const commits: Record<string, ReturnType<Script['add']>> = {};
    for (const p of ['us', 'ru']) {
      commits[p] = s.add(
        p,
        'random-commit',
        { draw, inspection: 'aegis-ashore-transparency', commitment: commitRandom(draw, p, value(p), suite.sha256) },
        p === 'us' ? '2022-03-01T10:00:00Z' : '2022-03-01T11:00:00Z',
      );
    }
    for (const [p, at] of Object.entries(reveals)) {
      if (at === null) continue;
      s.add(p, 'random-reveal', { commit: ref(commits[p]!), value: toBase64(fromHex(value(p))) }, at);
    }
    return commits;
  }

  it('both reveal in time: the seed is joint, the selection and its detection probability are in the state', () => {
    const s = new Script();
    s.signAll();
    round(s, { us: '2022-03-02T09:00:00Z', ru: '2022-03-02T10:00:00Z' });
    const { state, findings } = s.evaluate('2022-03-05');
    expect(rules(findings, 'draw.')).toEqual([]);
    const d = state.escrow.draws[0]!;
    const seed = jointSeed(
      draw,
      ['us', 'ru'].map((party) => ({ party, value: value(party) })),
      suite.sha256,
    );
    expect(d).toMatchObject({ draw, status: 'joint', seed, parties: ['ru', 'us'], eligible: 2, sampleSize: 1 });
    expect(d.selected).toEqual(selectSample(seed, ['deveselu', 'redzikowo'], 1, suite.sha256));
    expect(d.detection[0]).toEqual({ k: 1, probability: 0.5 });
    expect(d.commitDeadline).toBe('2022-03-02T10:00:00.000Z');
    expect(d.revealDeadline).toBe('2022-03-03T10:00:00.000Z');
  });

  it('a late reveal is a finding; the counterpart then chooses (the regime’s fallback)', () => {
    const s = new Script();
    s.signAll();
    round(s, { us: '2022-03-02T09:00:00Z', ru: '2022-03-04T09:00:00Z' });
    const { state, findings } = s.evaluate('2022-03-05');
    expect(rules(findings, 'draw.')).toEqual(['draw.reveal-late']);
    const f = findings.find((x) => x.rule === 'draw.reveal-late')!;
    expect(f.party).toBe('ru');
    expect(f.at).toBe('2022-03-04T09:00:00.000Z');
    expect(state.escrow.draws[0]).toMatchObject({ status: 'fallback', designatedBy: 'us' });
  });

  it('a missing reveal is a finding only once the deadline has passed', () => {
    const s = new Script();
    s.signAll();
    round(s, { us: '2022-03-02T09:00:00Z', ru: null });
    expect(rules(s.findings('2022-03-03T09:00:00Z'), 'draw.')).toEqual([]);
    expect(s.evaluate('2022-03-03T09:00:00Z').state.escrow.draws[0]!.status).toBe('pending');
    const later = s.evaluate('2022-03-04');
    expect(rules(later.findings, 'draw.')).toEqual(['draw.reveal-missing']);
    expect(later.findings.find((x) => x.rule === 'draw.reveal-missing')!.at).toBe('2022-03-03T10:00:00.000Z');
  });

  it('a reveal that does not match its commitment is a finding', () => {
    const s = new Script();
    s.signAll();
    const c = round(s, { us: '2022-03-02T09:00:00Z', ru: null });
    s.add(
      'ru',
      'random-reveal',
      { commit: ref(c.ru!), value: toBase64(new Uint8Array(32).fill(1)) },
      '2022-03-02T10:00:00Z',
    );
    expect(rules(s.findings('2022-03-04'), 'draw.')).toEqual(['draw.reveal-invalid']);
  });

  it('a second commitment to the same draw is a finding and is ignored', () => {
    const s = new Script();
    s.signAll();
    round(s, { us: '2022-03-02T09:00:00Z', ru: '2022-03-02T10:00:00Z' });
    s.add('ru', 'random-commit', { draw, commitment: 'cc'.repeat(32) }, '2022-03-02T11:00:00Z');
    const { state, findings } = s.evaluate('2022-03-05');
    expect(rules(findings, 'draw.')).toEqual(['draw.commit-duplicate']);
    expect(state.escrow.draws[0]!.status).toBe('joint');
  });

  it('an inspection request naming the draw must be at a selected site', () => {
    const s = new Script();
    s.signAll();
    s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
    const c = round(s, { us: '2022-03-02T09:00:00Z', ru: '2022-03-02T10:00:00Z' });
    const selected = s.evaluate('2022-03-02T10:00:00Z').state.escrow.draws[0]!.selected![0]!;
    const other = selected === 'deveselu' ? 'redzikowo' : 'deveselu';
    for (const site of [selected, other]) {
      s.add(
        'ru',
        'inspection-request',
        {
          inspection: 'aegis-ashore-transparency',
          host: 'us',
          site,
          arrival: '2022-03-20T08:00:00Z',
          draw: ref(c.us!),
        },
        `2022-03-0${site === selected ? 5 : 6}`,
      );
    }
    const f = s.findings('2022-03-07').filter((x) => x.rule === 'inspection.site-not-drawn');
    expect(f).toHaveLength(1);
    expect(renderMessage(f[0]!.message, 'en')).toContain(other);
    expect(T(f[0]!.at)).toBe(T('2022-03-06'));
  });
});

describe('phased disclosure (the regime’s escrow.phases)', () => {
  function phased(by: string) {
    const base = new Script().regime;
    const regime = {
      ...base,
      escrow: { ...base.escrow!, phases: [{ region: 'kozelsk', by, party: 'ru' }] },
    } as typeof base;
    const s = new Script(regime);
    s.signAll();
    const tree = buildEscrowTree(
      items.map((i) => escrowItemOf(i, escrowCategories(regime))),
      {
        categories: escrowCategories(regime),
        paddingBound: regime.escrow!.padding.multipleOf,
        sha256: suite.sha256,
      },
    );
    const decl = s.add('ru', 'declaration', declarationBodyOf(tree.commitment(), '2022-03-01'), '2022-03-01T12:00:00Z');
    const open = (at: string) =>
      s.add(
        'ru',
        'declaration-opening',
        openingOf(
          s,
          decl,
          createMultiOpening(
            tree,
            tree.leafIndexesWhere((it) => it.site === 'kozelsk'),
          ),
          'kozelsk',
        ),
        at,
      );
    const openItems = (at: string) =>
      s.add(
        'ru',
        'declaration-opening',
        openingOf(
          s,
          decl,
          createMultiOpening(
            tree,
            tree.leafIndexesWhere((it) => it.site === 'kozelsk'),
          ),
        ),
        at,
      );
    return { s, open, openItems };
  }

  it('opened in full by the date: no finding', () => {
    const { s, open } = phased('2022-04-01');
    open('2022-04-01T20:00:00Z');
    expect(rules(s.findings('2022-05-01'), 'escrow.')).toEqual([]);
  });

  it('not opened: a finding dated at the end of the day (the next day’s start), charged to the party, naming its declaration', () => {
    const { s } = phased('2022-04-01');
    expect(rules(s.findings('2022-04-01T12:00:00Z'), 'escrow.')).toEqual([]);
    const f = s.findings('2022-05-01').find((x) => x.rule === 'escrow.phase-not-opened')!;
    expect(f.party).toBe('ru');
    expect(f.at).toBe('2022-04-02T00:00:00.000Z');
    expect(renderMessage(f.message, 'en')).toContain('did not open kozelsk in full by 2022-04-01');
    expect(renderMessage(f.message, 'en')).toContain('as of 2022-03-01');
    expect(f.refs).toHaveLength(1);
  });

  it('opened after the date: still a finding, which says when it was opened', () => {
    const { s, open } = phased('2022-04-01');
    open('2022-04-03');
    const f = s.findings('2022-05-01').find((x) => x.rule === 'escrow.phase-not-opened')!;
    expect(renderMessage(f.message, 'en')).toContain('opened late, 2022-04-03');
  });

  it('opening items one by one (no region named) does not count as opening the region in full', () => {
    const { s, openItems } = phased('2022-04-01');
    openItems('2022-03-20');
    expect(rules(s.findings('2022-05-01'), 'escrow.')).toEqual(['escrow.phase-not-opened']);
  });
});

describe('counting under an escrowed declaration', () => {
  const limit = (s: Script, id: string, at = '2022-03-25') =>
    s.evaluate(at).state.limits.find((l) => l.limit === id && l.party === 'ru')!;

  it('limits by status and warheads are judged on the committed totals, with no item opened', () => {
    const { s } = setup();
    // Deployed: two ICBMs (4 warheads each) and one SLBM (6); the non-deployed ICBM counts only as a launcher.
    expect(limit(s, 'nst-deployed-delivery-vehicles')).toMatchObject({ declared: 3, status: 'within' });
    expect(limit(s, 'nst-warheads')).toMatchObject({ declared: 14, status: 'within' });
    // No launcher is declared: the totals say 0 (the items are missiles, not launchers).
    expect(limit(s, 'nst-launchers')).toMatchObject({ declared: 0, status: 'within' });
    for (const id of ['nst-deployed-delivery-vehicles', 'nst-warheads', 'nst-launchers']) {
      expect(limit(s, id).partial).toBeUndefined();
    }
    expect(s.evaluate('2022-03-25').state.escrow.declarations[0]!.opened).toBe(0);
  });

  it('a declaration whose deployed items exceed a limit is a finding from its commitment alone', () => {
    const base = new Script().regime;
    const regime = {
      ...base,
      limits: base.limits.map((l) => (l.id === 'nst-deployed-delivery-vehicles' ? { ...l, atMost: 2 } : l)),
    } as typeof base;
    const s = new Script(regime);
    s.signAll();
    s.add('ru', 'commitment-accepted', { commitment: 'ru-ground-missile-base-transparency' }, '2022-02-01');
    const categories = escrowCategories(regime);
    const tree = buildEscrowTree(
      items.map((i) => escrowItemOf(i, categories)),
      { categories, paddingBound: regime.escrow!.padding.multipleOf, sha256: suite.sha256 },
    );
    s.add('ru', 'declaration', declarationBodyOf(tree.commitment(), '2022-03-01'), '2022-03-01T12:00:00Z');
    const { state, findings } = s.evaluate('2022-03-25');
    const exceeded = findings.filter(
      (f) => f.rule === 'limit.exceeded' && f.breaks.id === 'nst-deployed-delivery-vehicles',
    );
    expect(exceeded.map((f) => f.party)).toEqual(['ru']);
    expect(state.limits.find((l) => l.limit === 'nst-deployed-delivery-vehicles' && l.party === 'ru')).toMatchObject({
      declared: 3,
      status: 'exceeded',
    });
  });

  it('totals without status (a declaration before the split): NOT-ASSESSABLE with its coverage, never within', () => {
    const { s } = setup();
    const categories = escrowCategories(s.regime).filter((c) => !c.includes(':'));
    const plain = [...new Set(items.map((i) => i.category)), 'heavy-bomber'].sort();
    const tree = buildEscrowTree(
      items.map((i) => escrowItemOf(i, plain)),
      { categories: plain, paddingBound: 64, sha256: suite.sha256 },
    );
    expect(categories).toEqual([]);
    const decl = s.add('ru', 'declaration', declarationBodyOf(tree.commitment(), '2022-03-10'), '2022-03-10');
    expect(limit(s, 'nst-deployed-delivery-vehicles')).toMatchObject({
      declared: 0,
      partial: true,
      coverage: { assessed: 0, of: 4 },
      status: 'not-assessable',
    });
    // The totals commit no launcher at all: nothing is unknown, so 0 is assessed.
    expect(limit(s, 'nst-launchers')).toMatchObject({ declared: 0, status: 'within' });
    s.add(
      'ru',
      'declaration-opening',
      openingOf(
        s,
        decl,
        createMultiOpening(tree, [tree.leafIndexOf('RU-ICBM-0001'), tree.leafIndexOf('RU-ICBM-0003')]),
      ),
      '2022-03-20',
    );
    // Two opened: one deployed ICBM counts, the non-deployed one does not; assessed on 2 of 4.
    expect(limit(s, 'nst-deployed-delivery-vehicles')).toMatchObject({
      declared: 1,
      coverage: { assessed: 2, of: 4 },
      status: 'not-assessable',
    });
    s.add(
      'ru',
      'declaration-opening',
      openingOf(
        s,
        decl,
        createMultiOpening(
          tree,
          tree.leafIndexesWhere(() => true),
        ),
      ),
      '2022-03-21',
    );
    // Every item opened: the opened items are the whole picture.
    expect(limit(s, 'nst-deployed-delivery-vehicles')).toMatchObject({ declared: 3, status: 'within' });
  });

  it('a notification naming an item not opened yet is not an unknown item: it may sit in an unopened leaf', () => {
    const { s } = setup();
    s.add(
      'ru',
      'notification',
      {
        kind: 'status-change',
        rule: 'nst-status-change',
        changes: [{ uid: 'RU-ICBM-0002', category: 'icbm', from: 'deployed', to: 'non-deployed' }],
        at: '2022-03-10T00:00:00Z',
      },
      '2022-03-11',
    );
    expect(rules(s.findings('2022-03-25'), 'notification.unknown-item')).toEqual([]);
  });
});
