import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const REGIME = join('scenarios', 'european-security-2022', 'regime.yaml');

function ok(args: string[]) {
  const r = detente(args);
  expect(r.stderr, `detente ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

function refused(args: string[], pattern: RegExp) {
  const r = detente(args);
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')[0]).toMatch(/^detente: /);
  return r;
}

describe('detente regime check', () => {
  it('summarises a regime whose keys are not supplied, without a hash', () => {
    const out = ok(['regime', 'check', REGIME]);
    expect(out).toMatch(/^OK european-security-2022 v1: European security 2022 \(exercise\)/);
    expect(out).toContain('6 parties (1 observer), 36 keys, 16 sites, 6 zones');
    expect(out).toContain('zones computed from world-countries@5.1.0');
    expect(out).toContain('no hash yet: 36 key(s) have no public key');
  });

  it('lists every problem of a bad regime, and exits 1', () => {
    const file = join(tmp(), 'bad.yaml');
    writeFileSync(
      file,
      readFileSync(REGIME, 'utf8')
        .replace('atMost: 1550', 'atMost: -1')
        .replace('zone: ru-ukraine-border-band', 'zone: nowhere'),
    );
    const r = refused(['regime', 'check', file], /regime refused \(2 problems\)/);
    expect(r.stderr).toContain('$.limits[1].atMost:');
    expect(r.stderr).toContain('$.metrics[0].zone: unknown zone "nowhere"');
    expect(r.stderr).toContain('[REGIME_INVALID]');
    refused(['regime', 'check', join(tmp(), 'absent.yaml')], /cannot read the regime/);
  });
});

describe('detente scenario list', () => {
  it('names every scenario with what it exercises, and the default', () => {
    const out = ok(['scenario', 'list']);
    expect(out).toMatch(/^european-security-2022 \(default\)\n {2}The default scenario: the United States and Russia/m);
    const json = JSON.parse(ok(['scenario', 'list', '--json']));
    expect(json.default).toBe('european-security-2022');
    expect(json.scenarios.map((x: { name: string }) => x.name)).toEqual([
      'european-security-2022',
      'new-start-2021',
      'new-start-successor',
      'vienna-document-2011',
    ]);
    for (const x of json.scenarios) expect(x.about.length, x.name).toBeGreaterThan(20);
  });
});

/** The rows of the first metric's table in `status`: each value and what its MET? column says. */
function state0(out: string): [number, string][] {
  const table = out.split('\n    COUNTED')[1]!.split('\n\n')[0]!.split('\n').slice(1);
  return table
    .map((line) => /\s(\d+)\s+(met|not met)\s*$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => [Number(m![1]), m![2]!]);
}

describe('detente scenario play, status, findings', () => {
  const base = tmp();
  const dir = join(base, 'play');

  beforeAll(() => {
    ok(['scenario', 'play', 'european-security-2022', '--dir', dir]);
  });

  it('plays into one log per party, refusing the bad entries, and will not overwrite', () => {
    const meta = JSON.parse(readFileSync(join(dir, 'exercise.json'), 'utf8'));
    expect(meta.parties.map((p: any) => [p.id, p.entries])).toEqual([
      ['us', 58 + 1], // and its audience key of 2022 (New START data is sealed to us and ru)
      ['ru', 40 + 1],
      ['nato', 16],
      ['ro', 2],
      ['pl', 3],
      ['ua', 5],
    ]);
    refused(['scenario', 'play', 'european-security-2022', '--dir', dir], /is not empty/);
    refused(['scenario', 'play', '../etc', '--dir', join(base, 'x')], /bad name/);
    refused(['scenario', 'play', 'no-such-scenario', '--dir', join(base, 'x')], /no scenario "no-such-scenario"/);
    const other = join(base, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'precious.txt'), 'keep me');
    refused(
      ['scenario', 'play', 'european-security-2022', '--dir', other, '--replace'],
      /holds no exercise.json: not replacing/,
    );
    expect(readFileSync(join(other, 'precious.txt'), 'utf8')).toBe('keep me');
    const json = JSON.parse(ok(['scenario', 'play', 'european-security-2022', '--dir', join(base, 'again'), '--json']));
    expect(json.refused.map((r: any) => r.code)).toEqual([
      'ROLE_DENIED',
      'REFERENCE_UNKNOWN',
      'KEY_UNKNOWN', // the host nation's countersignature by Poland's escort at Deveselu
      'SCHEMA_INVALID',
      'KEY_UNKNOWN',
      'STAGE_INVALID',
      'STAGE_INVALID',
      'STAGE_INVALID',
      'ROLE_DENIED',
      'SCHEMA_INVALID',
    ]);
    expect(json.regimeHash).toBe(meta.regimeHash);
  });

  it('regime check with the keys the play wrote gives the hash every party signed', () => {
    const meta = JSON.parse(readFileSync(join(dir, 'exercise.json'), 'utf8'));
    expect(ok(['regime', 'check', REGIME, '--keys', join(dir, 'keys.json')])).toContain(`hash ${meta.regimeHash}`);
    expect(JSON.parse(ok(['regime', 'check', join(dir, 'regime.json'), '--json'])).hash).toBe(meta.regimeHash);
  });

  it('status: a person reads it; --json for scripts; --as-of any date', () => {
    const out = ok(['status', '--dir', dir]);
    expect(out).toContain('state as of 2022-12-31 23:59:59 UTC');
    expect(out).toContain('IN FORCE since 2022-01-31 12:00 UTC');
    expect(out).toMatch(/ru-ukraine-no-offensive-missiles\s+ru\s+INDICATORS RAISED/);
    // Escrowed declarations: the warheads are judged on the committed totals (the published aggregate, 1,515).
    expect(out).toMatch(/nst-warheads\s+us\s+—\s+1515\s+—\s+1550\s+35\s+WITHIN/);
    // …and the holdings line counts what each commits to, not the 0 items it itemises in the clear.
    expect(out).toMatch(/ {2}us: declaration as of 2022-03-01 \(escrowed, 1440 items committed\)/);
    expect(out).not.toMatch(/\(escrowed, 0 items/);
    expect(out).toMatch(/ru-border-band-troops \(ru, zone ru-ukraine-border-band\): RELAPSED/);
    // An inspection at a site on a third party's territory: that host nation's consent and countersignature.
    expect(out).toContain('deveselu (host nation ro: consented 2022-04-07 10:00 UTC, countersigned)');
    expect(out).toContain('redzikowo (host nation pl: consented 2022-06-02 09:00 UTC, countersigned)');
    expect(out).toContain('deveselu (host nation ro: no consent)');
    expect(out).toContain('FINDINGS: 33 (3 critical, 16 major, 13 minor, 1 info)');
    // A metric's series: each observation against the target, not the status of the period it falls in.
    const metric = state0(out);
    for (const [value, met] of metric) expect([value, met]).toEqual([value, value <= 35000 ? 'met' : 'not met']);
    expect(metric.some(([, met]) => met === 'not met')).toBe(true);
    expect(out).not.toMatch(/\bP(?:\d+[YMWD])+(?:T\d+[HMS])*\b|\bPT\d+[HMS]\b/);
    const state = JSON.parse(ok(['status', '--dir', dir, '--json']));
    expect(state.findings.total).toBe(33);
    expect(state.problems).toEqual([]);
    const april = JSON.parse(ok(['status', '--dir', dir, '--as-of', '2022-04-01', '--json']));
    expect(april.asOf).toBe('2022-04-01T23:59:59.999Z');
    expect(april.metrics[0].status).toBe('met-on-time');
    expect(april.commitments.map((c: any) => c.status)).toEqual([
      'in-force',
      'in-force',
      'in-force',
      'in-force',
      'in-force',
    ]);
    const trusted = JSON.parse(ok(['status', '--dir', dir, '--as-of', '2022-04-01', '--json', '--trust']));
    expect(trusted).toEqual(april);
    expect(ok(['status', '--dir', dir, '--lang', 'ru'])).toContain('Европейская безопасность — 2022 (учение)');
    refused(['status', '--dir', dir, '--as-of', '1 April'], /--as-of: expected a date/);
    refused(['status', '--dir', dir, '--lang', 'fr'], /--lang: expected en or ru/);
    refused(['status', '--dir', base], /holds no regime.json/);
  });

  it('findings: each with its severity, rule, party and the entries that show it', () => {
    const out = ok(['findings', '--dir', dir]);
    expect(out).toMatch(/^33 findings as of 2022-12-31 23:59:59 UTC/);
    expect(out).toContain(
      '2022-07-12 14:00 UTC  CRITICAL  limit.exceeded-observed  (limit ukraine-no-offensive-gl-missiles)  concerns ru',
    );
    expect(out).toMatch(/↳ detente\.example\/nato #8 leaf [0-9a-f]{64}/);
    const json = JSON.parse(ok(['findings', '--dir', dir, '--severity', 'critical', '--json']));
    expect(json.findings.map((f: any) => f.rule)).toEqual([
      'escrow.found-not-declared',
      'inspection.absence-not-confirmed',
      'limit.exceeded-observed',
    ]);
    expect(ok(['findings', '--dir', dir, '--lang', 'ru', '--severity', 'critical'])).toContain('указывают');
    // The JSON carries what the engine said: a code and parameters; each language renders them.
    expect(json.findings[2].message).toMatchObject({
      code: 'limit.exceeded-observed.in-zone',
      params: { party: 'ru', limit: 'ukraine-no-offensive-gl-missiles', from: '2022-07-12T14:00:00.000Z' },
    });
    const early = JSON.parse(ok(['findings', '--dir', dir, '--as-of', '2022-01-30', '--json']));
    expect(early.findings.map((f: any) => f.rule)).toEqual(['regime.signature-mismatch']);
    refused(
      ['findings', '--dir', dir, '--severity', 'grave'],
      /--severity: unknown level "grave"; expected critical, major, minor, info/,
    );
    // As printed (CRITICAL) or as typed (Critical): the same level.
    const typed = JSON.parse(ok(['findings', '--dir', dir, '--severity', 'Critical,MAJOR', '--json']));
    const lower = JSON.parse(ok(['findings', '--dir', dir, '--severity', 'critical,major', '--json']));
    expect(typed.findings).toEqual(lower.findings);
    expect(typed.findings.map((f: any) => f.severity)).toContain('critical');
  });
});

describe('detente scenario play --report (what `detente start` did before the federation)', () => {
  it('plays the scenario into a directory, replacing an earlier play, and prints state and findings', () => {
    const cwd = tmp();
    const args = ['scenario', 'play', 'european-security-2022', '--dir', 'scenario-data', '--replace', '--report'];
    const first = detente(args, undefined, cwd);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('played european-security-2022 into scenario-data');
    expect(first.stdout).toContain('DE-ESCALATION METRICS');
    expect(first.stdout).toContain('33 findings as of 2022-12-31 23:59:59 UTC');
    const second = detente(args, undefined, cwd);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });
});
