/**
 * The regime language as `regime check` and the entry checks see it: the types registry (items name an agreed type
 * of their category, within its bounds; absence checks name types), a self-contradicting regime refused with every
 * problem by path, and the notification catalogue that `detente regime formats` prints.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEnvelope, notificationCatalogue, parseRegime, vocabularyProblems } from '../src/model/index.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';
import { caught } from './model-helpers.js';
import { RULE, text, vdDoc, vdRegime } from './vd-helpers.js';

const tmp = tempDirs();

/** The registry: two missile types, one that may carry 3 warheads, one that carries 1. */
function typed(doc: any) {
  doc.types = [
    {
      id: 'rs-24',
      name: text('RS-24'),
      category: 'missile',
      characteristics: { stages: 3, mobile: true },
      attributes: { warheads: { atMost: 4 } },
    },
    { id: '9m729', name: text('9M729'), category: 'missile', characteristics: { 'range-class': 'intermediate' } },
    { id: '9m728', name: text('9M728'), category: 'missile', characteristics: { 'range-class': 'short' } },
  ];
  const visit = doc.inspections.find((t: { id: string }) => t.id === 'visit');
  visit.verifies = [{ kind: 'absence', categories: ['missile'], types: ['9m729'] }];
}

const regime = vdRegime(typed);

function declaring(items: Record<string, unknown>[]) {
  const body = {
    form: 'plain' as const,
    asOf: '2022-02-01',
    items: items.map((it, i) => ({
      uid: `M-${i}`,
      category: 'missile',
      site: 'a-base',
      status: 'deployed' as const,
      ...it,
    })),
    quantities: [],
  };
  const e = buildEnvelope({
    type: 'declaration',
    party: 'a',
    key: 'a-declarant',
    issuedAt: '2022-02-01T00:00:00Z',
    body,
  });
  return vocabularyProblems(regime, e).map((p) => `${p.path}: ${p.message}`);
}

describe('the types registry', () => {
  it('an item of a known type, within its bounds, passes', () => {
    expect(declaring([{ type: 'rs-24', attributes: { warheads: 4 } }, { type: '9m728' }])).toEqual([]);
  });

  it('an item must name a type of its category, known to the registry, and carry no more than the type does', () => {
    expect(declaring([{}, { type: 'yars-m' }, { type: 'rs-24', attributes: { warheads: 5 } }])).toEqual([
      '$.body.items[0].type: category "missile" has agreed types: the item must name one',
      '$.body.items[1].type: unknown item type "yars-m" (not in regime "small")',
      '$.body.items[2].attributes.warheads: 5 is more than a rs-24 carries (at most 4)',
    ]);
  });

  it('a category the registry does not cover needs no type', () => {
    const plain = vdRegime();
    const body = {
      form: 'plain' as const,
      asOf: '2022-02-01',
      items: [{ uid: 'M-1', category: 'missile', site: 'a-base', status: 'deployed' as const }],
      quantities: [],
    };
    const e = buildEnvelope({
      type: 'declaration',
      party: 'a',
      key: 'a-declarant',
      issuedAt: '2022-02-01T00:00:00Z',
      body,
    });
    expect(vocabularyProblems(plain, e)).toEqual([]);
  });

  it("a report's absence finding names a type the check verifies", () => {
    const report = (type: string) =>
      buildEnvelope({
        type: 'inspection-report',
        party: 'b',
        key: 'b-inspector',
        issuedAt: '2022-03-02T00:00:00Z',
        body: {
          request: { origin: 'example.org/b', index: 3, leafHash: 'ab'.repeat(32) },
          inspection: 'visit',
          host: 'a',
          site: 'a-base',
          start: '2022-03-01T08:00:00Z',
          end: '2022-03-01T18:00:00Z',
          findings: [{ kind: 'absence', category: 'missile', type, result: 'absent' }],
          evidence: [],
        },
      });
    const problems = (type: string) => vocabularyProblems(regime, report(type)).map((p) => `${p.path}: ${p.message}`);
    expect(problems('9m729')).toEqual([]);
    expect(problems('9m728')).toEqual([
      '$.body.findings[0].type: inspection type "visit" verifies the absence of no type "9m728"',
    ]);
    expect(problems('iskander')).toEqual([
      '$.body.findings[0].type: unknown item type "iskander" (not in regime "small")',
    ]);
  });
});

describe('a self-contradicting regime', () => {
  /** One of each contradiction the issue names, and a few more. */
  function contradictions() {
    const doc = vdDoc();
    typed(doc);
    doc.inspections[0].quota.fromUnits = { category: 'brigades', per: 60 };
    doc.periodic = [
      {
        id: 'annual-exchange',
        name: text('Annual exchange'),
        parties: ['a', 'b'],
        first: '2022-01-01',
        every: 'P1Y',
        deadline: { before: 'P400D' },
      },
    ];
    doc.zones.find((z: { id: string }) => z.id === 'square').geometry.coordinates[0].pop();
    doc.notifications
      .find((n: { id: string }) => n.id === RULE)
      .trigger.anyOf.push({
        category: 'paratroopers',
        atLeast: 3000,
      });
    doc.notifications.find((n: { id: string }) => n.id === RULE).constraints[0] = {
      anyOf: [{ category: 'troops', moreThan: 40000 }],
      unless: [{ category: 'brigades', moreThan: 1 }],
      atMost: 1,
      years: 3,
    };
    doc.inspections[0].verifies = [{ kind: 'absence', categories: ['missile'], types: ['9m730'] }];
    doc.types.push({ id: 'tu-160', name: text('Tu-160'), category: 'heavy-bomber' });
    return doc;
  }

  const EXPECTED = [
    '$.inspections[0].quota.fromUnits.category: unknown category "brigades"',
    '$.periodic[0].deadline.before: P400D before the data date reaches back a whole period (every P1Y): the deadline falls before its period',
    '$.zones[0].geometry.coordinates[0]',
    '.trigger.anyOf[2].category: unknown category "paratroopers"',
    '$.inspections[0].verifies[0].types[0]: unknown item type "9m730"',
    '$.types[3].category: unknown category "heavy-bomber"',
    '.constraints[0].unless[0].category: unknown category "brigades"',
  ];

  it('is refused with every problem listed by path, and nothing loaded', () => {
    const err = caught(() => parseRegime(JSON.stringify(contradictions()), 'json'));
    expect(err.code).toBe('REGIME_INVALID');
    const lines = err.problems!.map((p) => `${p.path}: ${p.message}`);
    for (const x of EXPECTED)
      expect(
        lines.some((l) => l.includes(x)),
        `${x}\nin\n${lines.join('\n')}`,
      ).toBe(true);
  });

  it('`detente regime check` lists them all, and exits 1 without a stack trace', () => {
    const file = join(tmp(), 'contradictions.json');
    writeFileSync(file, JSON.stringify(contradictions()));
    const r = detente(['regime', 'check', file]);
    expect(r.code).toBe(1);
    for (const x of EXPECTED) expect(r.stderr).toContain(x);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('without them the same regime loads', () => {
    expect(() => vdRegime(typed)).not.toThrow();
  });

  it('a constraint threshold is at least or more than a number, not both, not neither', () => {
    for (const th of [{ atLeast: 40000, moreThan: 40000 }, {}]) {
      const doc = vdDoc();
      const n = doc.notifications.findIndex((x: { id: string }) => x.id === RULE);
      doc.notifications[n].constraints[0].anyOf = [{ category: 'troops', ...th }];
      const err = caught(() => parseRegime(JSON.stringify(doc), 'json'));
      expect(err.problems!.map((p) => `${p.path}: ${p.message}`)).toEqual([
        `$.notifications[${n}].constraints[0].anyOf[0]: expected exactly one of atLeast, moreThan`,
      ]);
    }
  });
});

describe('the notification catalogue', () => {
  it('numbered types first, by number, with title, deadline, article and fields', () => {
    const lines = notificationCatalogue(regime);
    expect(lines[0]).toMatchObject({
      number: 24,
      rule: RULE,
      title: { en: 'Prior notification' },
      parties: 'all',
      bound: 4,
      deadline: { before: 'P42D' },
      withoutNotice: 'PT0S',
      article: 'VD11 ¶38–40, format F24',
      fields: ['name', 'start', 'end', 'quantities'],
    });
    expect(lines.slice(1).map((l) => [l.number, l.rule])).toEqual([
      [undefined, 'movement'],
      [undefined, 'concern'],
    ]);
  });

  it('regime check refuses two types with one number', () => {
    const doc = vdDoc();
    doc.notifications[0].catalogue = { number: 24, article: 'F1', fields: ['items'] };
    const err = caught(() => parseRegime(JSON.stringify(doc), 'json'));
    expect(err.problems!.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^\$\.notifications\[\d\]\.catalogue\.number: number 24 is also "\S+"'s$/),
    ]);
  });

  it('`detente regime check` counts the agreed types', () => {
    const doc = vdDoc();
    typed(doc);
    const file = join(tmp(), 'typed.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = detente(['regime', 'check', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('  0 periodic obligations, 3 agreed item types');
    expect(JSON.parse(detente(['regime', 'check', file, '--json']).stdout).counts.types).toBe(3);
  });

  it('`detente regime formats` prints it in English and Russian, and as JSON', () => {
    const file = join(tmp(), 'vd.json');
    writeFileSync(file, JSON.stringify(vdDoc()));
    const en = detente(['regime', 'formats', file]);
    expect(en.stderr).toBe('');
    expect(en.stdout.split('\n').slice(0, 5)).toEqual([
      'Notification catalogue of Small',
      `No. 24  Prior notification  [${RULE}, activity]`,
      '    42 days before the event; all participating states (4)',
      '    without advance notice: within 0 s',
      '    implements: VD11 ¶38–40, format F24',
    ]);
    const ru = detente(['regime', 'formats', file, '--lang', 'ru']);
    expect(ru.stdout).toContain(`№ 24  Prior notification (ru)  [${RULE}, activity]`);
    expect(ru.stdout).toContain('42 суток до события; все государства-участники (4)');
    const json = JSON.parse(detente(['regime', 'formats', file, '--json']).stdout);
    expect(json.notifications[0].number).toBe(24);
    const bad = detente(['regime', 'formats', file, '--lang', 'fr']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--lang: expected one of en, ru, got "fr"');
  });
});
