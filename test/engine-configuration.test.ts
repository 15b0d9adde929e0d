/**
 * Configuration checks: at Deveselu the Mk 41 launchers are physically there, so the visit verifies their
 * configuration (three modules, 24 cells, no Tomahawk fire control, SM-3 canisters only), not their absence.
 * `inspection.configuration-not-confirmed` when the report contradicts or leaves out an expected attribute.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/engine/index.js';
import { configurationDiffs } from '../src/engine/inspections.js';
import { renderMessage } from '../src/i18n/index.js';
import { parseRegime, type Regime } from '../src/model/index.js';
import { consentIfHosted, escorted, ref, Script, T } from './engine-helpers.js';
import { loadScenario } from './model-helpers.js';

const base = loadScenario();
const TYPE = 'aegis-ashore-transparency';
const EXPECTED = [
  { attribute: 'mk41-modules', value: 3 },
  { attribute: 'cells', value: 24 },
  { attribute: 'tomahawk-fire-control', value: false },
  { attribute: 'canister-types', value: ['sm-3'] },
];
const regime: Regime = {
  ...base,
  inspections: base.inspections.map((t) =>
    t.id === TYPE
      ? { ...t, verifies: [{ kind: 'configuration', categories: ['inf-range-glm-launcher'], expected: EXPECTED }] }
      : t,
  ),
};

function visit(findings: unknown[]) {
  const s = new Script(regime);
  s.signAll();
  s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
  const req = s.add(
    'ru',
    'inspection-request',
    { inspection: TYPE, host: 'us', site: 'deveselu', arrival: '2022-03-15T08:00:00Z' },
    '2022-03-01',
  );
  // Deveselu is in Romania: it consents to the visit and its escort countersigns beside the US (engine-host-nations).
  consentIfHosted(s, req);
  const body = escorted(regime, 'ru', {
    request: ref(req),
    inspection: TYPE,
    host: 'us',
    site: 'deveselu',
    start: '2022-03-15T08:00:00Z',
    end: new Date(T('2022-03-15T08:00:00Z') + 20 * 3_600_000).toISOString(),
    findings: findings as never,
  });
  const rep = s.add('ru', 'inspection-report', body, '2022-03-16');
  const fs = s.findings('2022-04-01').filter((f: Finding) => f.rule.startsWith('inspection.'));
  return { fs, rep };
}

const seen = (attribute: string, observed: unknown) => ({ kind: 'configuration', attribute, observed });

describe('configuration checks', () => {
  it('every expected attribute confirmed (sets in any order): no finding', () => {
    const { fs } = visit([
      seen('mk41-modules', 3),
      seen('cells', 24),
      seen('tomahawk-fire-control', false),
      seen('canister-types', ['sm-3']),
    ]);
    expect(fs).toEqual([]);
  });

  it('a contradicted or unreported attribute is a major finding charged to the host, citing the report', () => {
    const { fs, rep } = visit([
      seen('mk41-modules', 3),
      seen('cells', 32),
      seen('canister-types', ['tomahawk', 'sm-3']),
    ]);
    expect(fs.map((f) => f.rule)).toEqual(['inspection.configuration-not-confirmed']);
    expect(fs[0]).toMatchObject({ party: 'us', severity: 'major', site: 'deveselu', refs: [ref(rep)] });
    expect(renderMessage(fs[0]!.message, 'en')).toBe(
      "at deveselu, ru's inspectors did not confirm 3 attributes of the configuration us undertook: cells: 32 ≠ 24, tomahawk-fire-control: — ≠ false, canister-types: [sm-3, tomahawk] ≠ [sm-3]",
    );
    expect(renderMessage(fs[0]!.message, 'ru')).toContain('не подтвердили 3 характеристики');
  });

  it('compares sets as sets and values by type', () => {
    const type = regime.inspections.find((t) => t.id === TYPE)!;
    const all = (canisters: unknown, cells: unknown) =>
      configurationDiffs(type, [
        seen('mk41-modules', 3),
        seen('cells', cells),
        seen('tomahawk-fire-control', false),
        seen('canister-types', canisters),
      ] as never);
    expect(all(['sm-3'], 24)).toEqual([]);
    expect(all('sm-3', 24)).toEqual(['canister-types: sm-3 ≠ [sm-3]']);
    expect(all(['sm-3'], '24')).toEqual(['cells: 24 ≠ 24']);
    expect(all(['sm-3', 'sm-6'], 24)).toEqual(['canister-types: [sm-3, sm-6] ≠ [sm-3]']);
  });

  it('regime check refuses an attribute expected twice, by path', () => {
    const bad = {
      ...regime,
      inspections: regime.inspections.map((t) =>
        t.id === TYPE
          ? {
              ...t,
              verifies: [
                { kind: 'configuration', categories: ['inf-range-glm-launcher'], expected: [...EXPECTED, EXPECTED[1]] },
              ],
            }
          : t,
      ),
    };
    const i = regime.inspections.findIndex((t) => t.id === TYPE);
    expect(() => parseRegime(JSON.stringify(bad), 'json')).toThrow(
      `$.inspections[${i}].verifies[0].expected[4].attribute: "cells" is listed twice`,
    );
    expect(() => parseRegime(JSON.stringify(regime), 'json')).not.toThrow();
  });
});
