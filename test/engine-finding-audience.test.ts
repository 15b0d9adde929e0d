/**
 * The audience of every finding (issue 14): a finding a party's view holds and the public view lacks rests on
 * sealed data, so it carries the audience of that data, even when its refs cite only public entries. Example: the
 * 2022 scenario's missing notification of RU-HB-0003's movement cites NATO's public observation, but only the US
 * and Russia know where the bomber was declared (a sealed opening). Played into real logs and folded per reader.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import type { ComplianceState, Finding } from '../src/engine/index.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { renderMessage } from '../src/i18n/index.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();

type Views = Record<'us' | 'nato' | 'public', Finding[]> & {
  states: Record<'us' | 'nato' | 'public', ComplianceState>;
};

/** Each reader's findings and state of a played scenario: the US's and NATO's views, and the public one (no keys). */
async function views(name: string): Promise<Views> {
  const dir = join(tmp(), name);
  await playScenario(name, dir);
  const evaluate = (readAs?: string) => {
    const f = foldDir(dir, readAs === undefined ? {} : { readAs });
    return f.engine.evaluate(f.asOf);
  };
  const [us, nato, open] = [evaluate('us'), evaluate('nato'), evaluate()];
  return {
    us: us.findings,
    nato: nato.findings,
    public: open.findings,
    states: { us: us.state, nato: nato.state, public: open.state },
  };
}

/** The rule every view is held to; returns the US's findings that the public view lacks. */
function audiencesHold(v: Views): Finding[] {
  const publicIds = new Set(v.public.map((f) => f.id));
  const usIds = new Set(v.us.map((f) => f.id));
  expect(v.public.filter((f) => !usIds.has(f.id)).map((f) => f.id)).toEqual([]);
  const hidden = v.us.filter((f) => !publicIds.has(f.id));
  for (const f of hidden) expect(f.audience, f.id).toEqual(['ru', 'us']);
  for (const f of v.public) expect(f.audience, f.id).toBeUndefined();
  const natoIds = new Set(v.nato.map((f) => f.id));
  for (const f of hidden) expect(natoIds.has(f.id), f.id).toBe(false);
  for (const f of v.nato) expect(f.audience, f.id).toBeUndefined();
  // What the engine tracks to find an audience stays inside it.
  for (const f of [...v.us, ...v.nato, ...v.public]) expect(canonicalJson(f)).not.toContain('restsOn');
  for (const s of Object.values(v.states)) expect(canonicalJson(s)).not.toContain('restsOn');
  return hidden;
}

describe('the audience of every finding', () => {
  let v2022: Views;
  beforeAll(async () => {
    v2022 = await views('european-security-2022');
  }, 120_000);

  it('2022: each US finding the public lacks carries [ru, us]; public and NATO findings carry none', () => {
    const hidden = audiencesHold(v2022);
    expect(hidden.length).toBeGreaterThan(5);
  });

  it('2022: the missing notification of RU-HB-0003 cites only public entries and still carries [ru, us]', () => {
    const f = v2022.us.find(
      (x) => x.rule === 'notification.missing' && renderMessage(x.message, 'en').includes('RU-HB-0003'),
    );
    expect(f).toBeDefined();
    expect(f!.audience).toEqual(['ru', 'us']);
    // Its evidence is NATO's observation, in the clear: the audience comes from the opening that placed the bomber.
    expect(f!.refs.map((r) => r.origin)).toEqual([expect.stringMatching(/\/nato$/)]);
    expect(v2022.public.some((x) => x.id === f!.id)).toBe(false);
    expect(v2022.nato.some((x) => x.id === f!.id)).toBe(false);
    // The state's record of the change never notified carries the same audience: the board marks it.
    const missing = (s: ComplianceState) =>
      s.notifications.missing.filter((m) => m.items?.some((i) => i.uid === 'RU-HB-0003'));
    expect(missing(v2022.states.us).map((m) => m.audience)).toEqual([['ru', 'us']]);
    expect(missing(v2022.states.public)).toEqual([]);
    expect(missing(v2022.states.nato)).toEqual([]);
    for (const s of [v2022.states.public, v2022.states.nato]) {
      for (const m of s.notifications.missing) expect(m.audience).toBeUndefined();
    }
  });

  it('new-start-2021: the public view charges no missing database that is sealed; each US-only finding carries [ru, us]', async () => {
    const v = await views('new-start-2021');
    const usIds = new Set(v.us.map((f) => f.id));
    // Different audiences differ only by what the audience hides: the public sees a subset, never more.
    expect(v.public.filter((f) => !usIds.has(f.id)).map((f) => f.id)).toEqual([]);
    expect(v.public.some((f) => f.rule === 'periodic.missing')).toBe(false);
    audiencesHold(v);
  }, 120_000);

  it('new-start-successor: a phase not opened, judged from sealed openings, carries their audience', async () => {
    const v = await views('new-start-successor');
    const hidden = audiencesHold(v);
    expect(hidden.some((f) => f.rule === 'escrow.phase-not-opened')).toBe(true);
  }, 120_000);
});
