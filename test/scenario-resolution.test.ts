/**
 * Issue 15's "Tests" paragraph, against the 2022 scenario as played into logs and folded (each stage both ways):
 * a concern answered in time and closed; one never answered, escalated through both meetings and referred; a BCC
 * session whose agreed statement both parties sign; an inspection mission from lists to the countersigned report,
 * one refused and one postponed, with their quota effect; one event's findings as one incident, with both parties'
 * assessments. (The gated track: test/exercise-scenario.test.ts; proposals: test/scenario-proposals.test.ts; the
 * properties of incidents: test/engine-incidents.test.ts.)
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceState, Finding } from '../src/engine/index.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
let state: ComplianceState;
let findings: Finding[];

beforeAll(async () => {
  const dir = join(tmp(), 'play');
  await playScenario('european-security-2022', dir);
  // As the US reads it: the New START inspections, their missions and the Engels findings are sealed to [us, ru].
  const { engine, asOf } = foldDir(dir, { readAs: 'us' });
  ({ state, findings } = engine.evaluate(asOf));
}, 120_000);

describe('consultations in the 2022 scenario', () => {
  const byMechanism = (m: string) => state.consultations.consultations.filter((c) => c.mechanism === m);

  it('a concern answered within 48 hours and closed as resolved, with no finding about it', () => {
    const [answered] = byMechanism('vd11-unusual-activities').filter((c) => c.status === 'resolved');
    expect(answered!.steps.map((s) => [s.step, s.stage ?? '', s.party])).toEqual([
      ['concern', '', 'us'],
      ['reply', 'reply', 'ru'],
      ['outcome', '', 'us'],
    ]);
    expect(Date.parse(answered!.steps[1]!.at) - Date.parse(answered!.opened)).toBeLessThanOrEqual(48 * 3600_000);
    const about = findings.filter(
      (f) => f.breaks.kind === 'consultation' && f.refs.some((r) => `${r.origin}#${r.index}` === answered!.id),
    );
    expect(about).toEqual([]);
  });

  it('a concern never answered: the reply missed, both meetings held in turn, and referred', () => {
    const [referred] = byMechanism('vd11-unusual-activities').filter(
      (c) => c.status === 'referred' && c.raiser === 'us',
    );
    expect(referred!.steps.map((s) => [s.step, s.stage ?? ''])).toEqual([
      ['concern', ''],
      ['meeting', 'bilateral-meeting'],
      ['meeting', 'joint-fsc-pc'],
      ['outcome', ''],
    ]);
    const missed = findings.filter((f) => f.rule === 'consultation.stage-missed');
    // Russia's reply missed twice: to Ukraine's request of 11 February (exercise-scenario.test.ts) and to this one.
    expect(missed.map((f) => [f.party, f.message.params?.stage, f.message.params?.raiser])).toEqual([
      ['ru', 'reply', 'ua'],
      ['ru', 'reply', 'us'],
    ]);
  });

  it('a BCC session with an agreed statement signed by both parties', () => {
    const sessions = state.consultations.sessions.filter((s) => s.mechanism === 'nst-bcc');
    expect(
      sessions.some(
        (s) => s.agreed >= 1 && s.countersigned && s.attendance.includes('us') && s.attendance.includes('ru'),
      ),
    ).toBe(true);
  });
});

describe('inspection missions in the 2022 scenario', () => {
  it('from lists (with an objection in time) to the report the escort countersigned', () => {
    const [lists] = state.missions.lists;
    expect(lists).toMatchObject({ inspector: 'us', host: 'ru', inspection: 'nst-type-one' });
    expect(lists!.objected.length).toBeGreaterThan(0);
    expect(findings.filter((f) => f.rule === 'mission.objection-late')).toEqual([]);
    const full = state.missions.missions.find((m) => m.arrival && m.designated && m.briefing);
    expect(full).toMatchObject({ site: 'kozelsk', arrival: { notice: 'given' }, designated: 'kozelsk' });
    const item = state.inspections.items.find(
      (i) => i.ref.origin === full!.request.origin && i.ref.index === full!.request.index,
    );
    expect(item!.status).toBe('conducted');
    expect(item!.report).toMatchObject({ countersigned: true });
  });

  it('one refused, one postponed: neither consumes the quota, the refusal is one finding against the host', () => {
    const outcomes = state.missions.missions.filter((m) => m.outcome);
    expect(outcomes.map((m) => [m.site, m.outcome!.step, m.quota])).toEqual([
      ['engels', 'refusal', 'not-consumed'],
      ['kozelsk', 'postponement', 'not-consumed'],
    ]);
    expect(findings.filter((f) => f.site === 'engels' && f.at >= '2022-12').map((f) => [f.rule, f.party])).toEqual([
      ['mission.refused', 'ru'],
    ]);
    const quota = state.inspections.quotas.find((q) => q.inspection === 'nst-type-one' && q.inspector === 'us')!;
    expect(quota.used).toBe(4);
  });
});

describe('incidents in the 2022 scenario', () => {
  it('the findings of the Engels event are one incident, and both parties’ assessments stand side by side', () => {
    const engels = state.incidents.filter(
      (i) => i.places.includes('site:engels') && i.rules.includes('inspection.item-not-found'),
    );
    expect(engels).toHaveLength(1);
    expect(engels[0]!.rules).toEqual(['escrow.declared-not-found', 'inspection.item-not-found']);
    expect(engels[0]!.assessments.map((a) => [a.party, a.position])).toEqual([
      ['ru', 'resolved'],
      ['us', 'concern'],
    ]);
    // Every finding in exactly one incident.
    const ids = state.incidents.flatMap((i) => i.findings);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(findings.map((f) => f.id).sort());
  });
});
