/**
 * Quotas the way treaties count them: a host's passive quota across every inspector (VD11 Ch. IX: at most 3 a
 * calendar year, at most 1 from the same state), and a request beyond a quota consumes nothing.
 */
import { describe, expect, it } from 'vitest';
import { renderMessage } from '../src/i18n/index.js';
import { parseRegime, type Regime } from '../src/model/index.js';
import { Script } from './engine-helpers.js';
import { loadScenario } from './model-helpers.js';

const base = loadScenario();
const TYPE = 'aegis-ashore-transparency';

/** The Aegis visits opened to every other party, one each a year, and at most `perHost` in all for the host. */
function regime(perHost: number | undefined): Regime {
  const others = base.parties.filter((p) => p.id !== 'us').map((p) => ({ inspector: p.id, host: 'us' }));
  return {
    ...base,
    inspections: base.inspections.map((t) =>
      t.id === TYPE ? { ...t, pairs: others, quota: { ...t.quota, count: 1, ...(perHost ? { perHost } : {}) } } : t,
    ),
  };
}

function play(r: Regime) {
  const s = new Script(r);
  s.signAll();
  s.add('us', 'commitment-accepted', { commitment: 'us-aegis-ashore-transparency' }, '2022-02-01');
  const ask = (by: string, arrival: string, at: string) =>
    s.add(by, 'inspection-request', { inspection: TYPE, host: 'us', site: 'deveselu', arrival }, at);
  const a = ask('ru', '2022-03-15T08:00:00Z', '2022-03-01');
  const b = ask('nato', '2022-04-15T08:00:00Z', '2022-04-01');
  const c = ask('ru', '2022-05-15T08:00:00Z', '2022-05-01'); // a second from ru: beyond its own quota of 1
  const ev = s.evaluate('2022-05-02');
  return { ev, a, b, c };
}

describe('inspection quotas', () => {
  it('a passive quota of 1 for the host: the second inspector is refused by the count, and consumes nothing', () => {
    const { ev, b, c } = play(regime(1));
    const over = ev.findings.filter((f) => f.rule === 'inspection.quota-exceeded');
    expect(over.map((f) => [f.party, f.refs[0]!.index, f.message.code])).toEqual([
      ['nato', b.index, 'inspection.quota-exceeded.host'],
      ['ru', c.index, 'inspection.quota-exceeded'],
    ]);
    expect(renderMessage(over[0]!.message, 'en')).toBe(
      'nato\'s request would be inspection 2 of "aegis-ashore-transparency" that us receives in its period; its passive quota is 1',
    );
    const used = ev.state.inspections.quotas.filter((q) => q.inspection === TYPE).map((q) => [q.inspector, q.used]);
    expect(used).toEqual([
      ['ru', 1],
      ['nato', 0],
      ['ro', 0],
      ['pl', 0],
      ['ua', 0],
    ]);
  });

  it('without a passive quota each inspector has its own: only the second request from ru is beyond', () => {
    const { ev, c } = play(regime(undefined));
    const over = ev.findings.filter((f) => f.rule === 'inspection.quota-exceeded');
    expect(over.map((f) => [f.party, f.refs[0]!.index])).toEqual([['ru', c.index]]);
  });

  it('regime check takes a passive quota as a count', () => {
    expect(() => parseRegime(JSON.stringify(regime(3)), 'json')).not.toThrow();
    const bad = JSON.parse(JSON.stringify(regime(3)));
    bad.inspections.find((t: { id: string }) => t.id === TYPE).quota.perHost = -1;
    expect(() => parseRegime(JSON.stringify(bad), 'json')).toThrow(/\$\.inspections\[\d+\]\.quota\.perHost/);
  });
});
