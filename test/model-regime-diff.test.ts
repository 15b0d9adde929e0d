/**
 * `diffRegimes` and `detente regime diff A B`: what a draft regime changes against another, element by element
 * (properties over generated edits of the scenario's regime; the command on real files).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLLECTIONS, diffRegimes, type Regime } from '../src/model/index.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';
import { loadScenario } from './model-helpers.js';

const REGIME = join('scenarios', 'european-security-2022', 'regime.yaml');
const base = loadScenario();
const tmp = tempDirs();

/** The regime with some elements dropped, some renamed (added under a new id) and some given a new source. */
const edited = fc
  .array(fc.tuple(fc.constantFrom(...COLLECTIONS), fc.nat(20), fc.constantFrom('drop', 'rename', 'touch')), {
    maxLength: 8,
  })
  .map((edits) => {
    const r = structuredClone(base) as unknown as Record<string, { id: string; source?: string }[]>;
    for (const [col, i, op] of edits) {
      const list = r[col];
      if (!list?.length) continue;
      const k = i % list.length;
      if (op === 'drop') list.splice(k, 1);
      else if (op === 'rename') list[k] = { ...list[k]!, id: `${list[k]!.id}-x` };
      else list[k] = { ...list[k]!, source: `${list[k]!.source ?? ''} (edited)` };
    }
    return r as unknown as Regime;
  });

describe('diffRegimes', () => {
  it('finds nothing between a regime and itself, and what one adds the other removes', () => {
    expect(diffRegimes(base, base)).toEqual({ fields: [], collections: [] });
    fc.assert(
      fc.property(edited, (draft) => {
        const there = diffRegimes(base, draft);
        const back = diffRegimes(draft, base);
        const by = (d: typeof there) => new Map(d.collections.map((c) => [c.collection, c]));
        for (const [col, c] of by(there)) {
          expect(by(back).get(col)?.removed ?? []).toEqual(c.added);
          expect(by(back).get(col)?.added ?? []).toEqual(c.removed);
          expect((by(back).get(col)?.changed ?? []).map((x) => x.id)).toEqual(c.changed.map((x) => x.id));
          for (const x of c.changed) expect(x.fields.length).toBeGreaterThan(0);
        }
        expect(diffRegimes(draft, draft)).toEqual({ fields: [], collections: [] });
      }),
      { numRuns: 100 },
    );
  });

  it('detente regime diff: a draft with a shorter notice and a renamed mechanism, element by element', () => {
    const draft = join(tmp(), 'draft.yaml');
    const text = readFileSync(REGIME, 'utf8')
      .replaceAll('    notice: PT32H', '    notice: PT24H')
      .replace('  - id: nst-bcc\n', '  - id: nst-bcc-2023\n');
    writeFileSync(draft, text);
    const r = detente(['regime', 'diff', REGIME, draft]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'inspections:\n  ~ nst-type-one (notice)\n  ~ nst-type-two (notice)\nconsultations:\n  + nst-bcc-2023\n  - nst-bcc\n',
    );
    const json = JSON.parse(detente(['regime', 'diff', REGIME, draft, '--json']).stdout);
    expect(json.collections.map((c: { collection: string }) => c.collection)).toEqual(['inspections', 'consultations']);
    expect(detente(['regime', 'diff', REGIME, REGIME]).stdout).toBe('no differences (public keys aside)\n');
  });
});
