/**
 * Properties of what the node's escrow reads from untrusted input: the items of a declaration request and the
 * opening documents it is handed. Fed anything, they answer with problems or a DetenteError, never anything else;
 * fed valid items, they commit them, and opening a site opens exactly the items declared there.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetenteError } from '../src/crypto/errors.js';
import { chooseLeaves, commitItems, itemProblems } from '../src/node/escrow.js';
import { checkOpeningFile } from '../src/node/opening-file.js';
import { zonesOf } from './engine-helpers.js';
import { loadScenario, suite } from './model-helpers.js';

const regime = loadScenario();
const categories = regime.categories.filter((c) => c.kind === 'item').map((c) => c.id);
const sites = regime.sites.map((s) => s.id);
const statuses = ['deployed', 'non-deployed', 'in-transit', 'converted', 'eliminated'] as const;

const validItems = fc.uniqueArray(
  fc.record({
    uid: fc.stringMatching(/^[A-Z]{2}-[0-9]{4}$/),
    category: fc.constantFrom(...categories),
    site: fc.constantFrom(...sites),
    status: fc.constantFrom(...statuses),
  }),
  { selector: (i) => i.uid, minLength: 1, maxLength: 40 },
);

/** An opening file's members, each anything at all: every step must still fail with a DetenteError. */
const skeleton = fc.record({
  format: fc.constant('detente-opening/1'),
  party: fc.oneof(fc.constantFrom('ru', 'us', 'atlantis'), fc.jsonValue()),
  opening: fc.jsonValue(),
  declaration: fc.oneof(
    fc.jsonValue(),
    fc.record({ origin: fc.jsonValue(), index: fc.jsonValue(), entry: fc.jsonValue(), publicKey: fc.jsonValue() }),
  ),
  inclusion: fc.oneof(fc.jsonValue(), fc.record({ size: fc.jsonValue(), proof: fc.jsonValue() })),
  checkpoint: fc.jsonValue(),
  vkey: fc.jsonValue(),
});

describe('the escrow of a node, fed arbitrary input', () => {
  it('itemProblems never throws, and paths name the items array', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue()), fc.array(fc.object())), (raw) => {
        const problems = itemProblems(regime, raw);
        expect(Array.isArray(problems)).toBe(true);
        for (const p of problems) expect(p.path.startsWith('$.items')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('one bad field among valid items is reported at its own index', () => {
    fc.assert(
      fc.property(validItems, fc.nat(), fc.constantFrom('category', 'site', 'status'), (items, at, field) => {
        const i = at % items.length;
        const bad = items.map((it, k) => (k === i ? { ...it, [field]: 'no-such-thing' } : it));
        const problems = itemProblems(regime, bad);
        expect(problems[0]?.path).toBe(`$.items[${i}].${field}`);
      }),
      { numRuns: 100 },
    );
  });

  it('valid items commit, and opening a site opens exactly the items declared there', () => {
    fc.assert(
      fc.property(validItems, fc.constantFrom(...sites), (items, site) => {
        expect(itemProblems(regime, items)).toEqual([]);
        const { tree, commitment } = commitItems(regime, items, '2022-03-01', suite);
        expect(commitment.size % regime.escrow!.padding.multipleOf).toBe(0);
        const { indexes, region } = chooseLeaves(tree, { site }, regime, () => zonesOf(regime));
        expect(region).toBe(site);
        const opened = indexes.map((i) => tree.itemAtLeaf(i)).filter((x) => x !== null);
        const expected = items.filter((it) => it.site === site).map((it) => it.uid);
        expect(opened.map((x) => x!.id).sort()).toEqual(expected.sort());
        // No item there: one padding leaf, so the opening is not empty.
        if (!expected.length) expect(indexes).toHaveLength(1);
      }),
      { numRuns: 30 },
    );
  });

  it('checkOpeningFile throws only DetenteError, with or without a regime', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.object(), skeleton), fc.boolean(), (doc, withRegime) => {
        try {
          checkOpeningFile(doc, suite, withRegime ? { regime } : {});
          expect.unreachable('an arbitrary value is not a valid opening');
        } catch (err) {
          expect(err).toBeInstanceOf(DetenteError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
