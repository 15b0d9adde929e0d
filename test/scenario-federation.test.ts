/**
 * `start --scenario NAME` runs any scenario as a federation: New START 2021-2023 played through two party nodes over
 * HTTP answers, on every node, the bytes of its direct play. (The 57-node Vienna Document federation is measured in
 * bench/federation-57.ts: too slow for the suite.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { type Federation, loopIntervals, startFederation } from '../src/exercise/federation.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { freePortRun } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-scenario-federation-');

describe('a scenario other than the default as a federation', () => {
  let fed: Federation;
  let direct: { state: string; findings: string };
  let open: { state: string; findings: string };

  beforeAll(async () => {
    const base = tmp();
    await playScenario('new-start-2021', join(base, 'direct'));
    // New START data is sealed to the two parties: what each reads, and what the public sees.
    const f = foldDir(join(base, 'direct'), { readAs: 'us' });
    const { state, findings } = f.engine.evaluate(f.asOf);
    direct = { state: canonicalJson(state), findings: canonicalJson({ findings }) };
    const p = foldDir(join(base, 'direct'));
    const seen = p.engine.evaluate(p.asOf);
    open = { state: canonicalJson(seen.state), findings: canonicalJson({ findings: seen.findings }) };
    fed = await startFederation({
      scenario: 'new-start-2021',
      dir: join(base, 'federation'),
      basePort: await freePortRun(2),
      loopMs: 100,
    });
    await fed.playTimeline();
  }, 240_000);

  afterAll(async () => {
    await fed?.close();
  });

  it('plays New START through both nodes, and each answers the direct play’s state and findings byte for byte', async () => {
    expect(fed.nodes.map((n) => n.party)).toEqual(['us', 'ru']);
    const asOf = encodeURIComponent(new Date(fed.clock.now()).toISOString());
    for (const n of fed.nodes) {
      const headers = { authorization: `Bearer ${n.token}` };
      const state = await (await fetch(`${n.url}/api/state?asOf=${asOf}`, { headers })).json();
      const findings = await (await fetch(`${n.url}/api/findings?asOf=${asOf}`, { headers })).json();
      expect(canonicalJson(state), n.party).toBe(direct.state);
      expect(canonicalJson(findings), n.party).toBe(direct.findings);
      // Without a login: the public view.
      expect(canonicalJson(await (await fetch(`${n.url}/api/state?asOf=${asOf}`)).json())).toBe(open.state);
      expect(canonicalJson(await (await fetch(`${n.url}/api/findings?asOf=${asOf}`)).json())).toBe(open.findings);
    }
    expect(open.state).not.toBe(direct.state);
  });

  it('stretches the background loops with the number of parties (mirror with n², gossip with n³)', () => {
    expect(loopIntervals(undefined, 3)).toEqual({ mirrorMs: 250, gossipMs: 1000 });
    expect(loopIntervals(undefined, 2)).toEqual({ mirrorMs: 250, gossipMs: 1000 });
    expect(loopIntervals(undefined, 57)).toEqual({ mirrorMs: 90_250, gossipMs: 6_859_000 });
    expect(loopIntervals(100, 57)).toEqual({ mirrorMs: 100, gossipMs: 400 });
  });
});
