/**
 * The Vienna Document 2011 scenario with all 57 participating states, played directly into 57 real SQLite logs: the
 * regime in force once all have signed, a notification addressed to all 56 others, every annual exchange on time,
 * the zone of application, and 2021-2022 as the record has it (Zapad-2021 and Allied Resolve 2022 with no Russian
 * notification, Ukraine's ¶16 requests of February 2022 unanswered).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceState, Finding } from '../src/engine/index.js';
import { ZoneIndex } from '../src/engine/zones.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { type ExerciseMeta, playScenario, scenarioRegime } from '../src/exercise/play.js';
import { renderMessage } from '../src/i18n/index.js';
import { bordersFor } from '../src/runtime/borders.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const NAME = 'vienna-document-2011';
let dir: string;
let meta: ExerciseMeta;
let state: ComplianceState;
let findings: Finding[];

beforeAll(async () => {
  dir = `${tmp()}/play`;
  meta = await playScenario(NAME, dir);
  const f = foldDir(dir);
  expect(f.set.problems).toEqual([]);
  ({ state, findings } = f.engine.evaluate(f.asOf));
}, 120_000);

describe('the Vienna Document 2011 scenario, 57 participating states', () => {
  it('has every participating state as a party with its own log, and the regime in force once all signed', () => {
    const { regime } = scenarioRegime(NAME);
    expect(regime.parties).toHaveLength(57);
    expect(new Set(regime.parties.map((p) => p.origin)).size).toBe(57);
    expect(meta.parties).toHaveLength(57);
    expect(meta.refused).toEqual([]);
    expect(state.regime).toMatchObject({ inForce: true, since: '2021-07-01T08:56:00.000Z' });
  });

  it('addresses notifications to all: every rule names all 57, so each notifies the 56 others', () => {
    const { regime } = scenarioRegime(NAME);
    for (const rule of regime.notifications) expect(rule.parties, rule.id).toHaveLength(57);
    const zapad = state.notifications.items.find((i) => i.kind === 'activity')!;
    expect(zapad).toMatchObject({ party: 'by', status: 'on-time' });
  });

  it('draws the zone of application from the Atlantic to the Urals, the Caucasus included, Central Asia not', () => {
    const { regime } = scenarioRegime(NAME);
    const zones = new ZoneIndex(regime, bordersFor(regime));
    const inZone = (lat: number, lon: number) => zones.zonesOfPoint(lat, lon).includes('zone-of-application');
    // Lisbon, the Azores, Moscow, Mulino, Perm (west of the Urals), Tbilisi, Baku, Brest (Belarus).
    for (const [lat, lon] of [
      [38.72, -9.14],
      [37.74, -25.67],
      [55.75, 37.62],
      [56.3, 42.9],
      [58.0, 56.25],
      [41.72, 44.79],
      [40.41, 49.87],
      [52.1, 23.7],
    ] as const) {
      expect(inZone(lat, lon), `${lat},${lon}`).toBe(true);
    }
    // Novosibirsk, Almaty, Tashkent, Washington, Algiers, Damascus.
    for (const [lat, lon] of [
      [55.03, 82.92],
      [43.24, 76.89],
      [41.3, 69.24],
      [38.9, -77.04],
      [36.75, 3.06],
      [33.51, 36.29],
    ] as const) {
      expect(inZone(lat, lon), `${lat},${lon}`).toBe(false);
    }
  });

  it('finds the annual exchange given on time by all 57, and what 2021-2022 showed of Russia', () => {
    expect(findings.filter((f) => f.rule.startsWith('periodic.'))).toEqual([]);
    expect(findings.map((f) => [f.at.slice(0, 16), f.rule, f.party])).toEqual([
      ['2021-09-20T10:00', 'notification.missing', 'ru'],
      ['2022-02-11T08:00', 'notification.missing', 'ru'],
      ['2022-02-13T10:00', 'notification.explanation-missing', 'ru'],
      ['2022-02-15T10:00', 'notification.explanation-missing', 'ru'],
    ]);
    expect(renderMessage(findings[2]!.message, 'en')).toContain("ru did not explain ua's concern");
  });

  it('owes the annual exchange of every state: a state whose exchange has not counted by the deadline is charged', () => {
    // Read as if only the exchanges counted by 08:30 on 10 December 2021 existed (one a minute from 08:00, in the
    // regime's order of parties): on 16 December the other 26 states are missing theirs.
    const { regime } = scenarioRegime(NAME);
    const f = foldDir(dir, { asOf: Date.parse('2021-12-10T08:30:00Z') });
    const early = f.engine.evaluate(Date.parse('2021-12-16T00:00:00Z'));
    const missing = early.findings.filter((x) => x.rule === 'periodic.missing').map((x) => x.party);
    expect(missing.sort()).toEqual(
      regime.parties
        .slice(31)
        .map((p) => p.id)
        .sort(),
    );
  });
});
