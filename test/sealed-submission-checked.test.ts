/**
 * A node's sealed entry prepared from its checked plain entry without the second full check
 * (runtime/sealed-submission.ts): for any plain entry and any seal, the very bytes model's prepareSealed gives, or,
 * where prepareSealed refuses (an audience with an unknown party, one named twice, the author left out, a bad
 * `audience-key` reference, an entry too large once sealed), the same error, word for word.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import {
  type EntrySigner,
  type PreparedEntry,
  prepareEntry,
  prepareSealed,
  type Regime,
  type SealWith,
} from '../src/model/index.js';
import { symmetricNode } from '../src/runtime/node-crypto.js';
import { prepareSealedFromChecked, sealedWithoutSchema } from '../src/runtime/sealed-submission.js';
import { confidentialScenario, suite, usDeclarant, usIcbmItem } from './model-helpers.js';

const sym = symmetricNode;
let regime: Regime;
let signer: EntrySigner;

beforeAll(async () => {
  regime = await confidentialScenario();
  signer = usDeclarant(regime);
});

/** The outcome of a preparation: the SHA-256 of its canonical bytes, or its error's code, message and problems. */
function outcome(prepare: () => PreparedEntry | undefined) {
  try {
    const p = prepare();
    return { canonical: p === undefined ? undefined : toHex(suite.sha256(p.canonical)) };
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return { code: err.code, message: err.message, problems: err.problems };
  }
}

const both = (plain: PreparedEntry, seal: SealWith) => ({
  checked: outcome(() => prepareSealedFromChecked(suite, sym, regime, signer, plain, seal)),
  full: outcome(() => prepareSealed(suite, sym, regime, signer, plain, seal)),
});

const item = usIcbmItem(16);
const ref = fc.record({
  origin: fc.constantFrom('detente.example/us', 'detente.example/ru'),
  index: fc.nat({ max: 1_000_000 }),
  leafHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex),
});
const declaration = fc.record({
  items: fc.uniqueArray(item, { selector: (i) => i.uid, maxLength: 40 }),
  quantities: fc.array(fc.record({ category: fc.constant('troops'), quantity: fc.nat({ max: 9_999 }) }), {
    maxLength: 2,
  }),
  refs: fc.array(ref, { maxLength: 3 }),
  at: fc.integer({ min: Date.UTC(2021, 0, 1), max: Date.UTC(2026, 11, 31) }),
});
const seal = fc.record({
  // Mostly the regime's parties with the author; sometimes one unknown, twice, or without the author.
  audience: fc.oneof(
    { weight: 4, arbitrary: fc.constant(['ru', 'us']) },
    { weight: 1, arbitrary: fc.subarray(['us', 'ru', 'nato', 'pl', 'xx', 'us', 'Not An Id']) },
  ),
  keys: fc.oneof(
    { weight: 4, arbitrary: ref },
    { weight: 1, arbitrary: ref.map((r) => ({ ...r, leafHash: 'not hex' })) },
    { weight: 1, arbitrary: ref.map((r) => ({ ...r, extra: 1 })) },
  ),
  audienceKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

describe('a sealed submission prepared from its checked plain entry', () => {
  it("is prepareSealed's entry byte for byte, or its refusal word for word", () => {
    let skipped = 0;
    let refused = 0;
    fc.assert(
      fc.property(declaration, seal, (d, s) => {
        const plain = prepareEntry(suite, regime, signer, {
          type: 'declaration',
          issuedAt: new Date(d.at).toISOString(),
          refs: d.refs,
          body: { form: 'plain', asOf: '2022-02-01', items: d.items, quantities: d.quantities },
        } as Parameters<typeof prepareEntry>[3]);
        const { checked, full } = both(plain, s as SealWith);
        expect(checked).toEqual(full);
        // Where the schema check is skipped, the entry is the fully checked one: never one prepareSealed refuses.
        const fast = outcome(() => sealedWithoutSchema(suite, sym, regime, signer, plain, s as SealWith));
        if (fast.canonical !== undefined) {
          expect(fast).toEqual(full);
          skipped++;
        }
        if ('code' in full) refused++;
      }),
      { numRuns: 300 },
    );
    // Both kinds of case were met: about half the entries skip the check (a good audience 4 times in 5, a good
    // reference 4 times in 6: 160 of 300 on average, 9 either way; a bound of 150 failed one run in twelve), and
    // some seals are refused.
    expect(skipped).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(10);
  });

  it('refuses an entry that fits in the clear but not once sealed with ENTRY_TOO_LARGE, as prepareSealed does', () => {
    const items = Array.from({ length: 540 }, (_, k) => ({
      uid: `US-ICBM-${String(k).padStart(6, '0')}`,
      category: 'icbm',
      site: 'malmstrom',
      status: 'deployed',
      attributes: { warheads: 1 + (k % 3) },
    }));
    const plain = prepareEntry(suite, regime, signer, {
      type: 'declaration',
      issuedAt: '2022-02-02T10:00:00.000Z',
      body: { form: 'plain', asOf: '2022-02-01', items, quantities: [] },
    } as Parameters<typeof prepareEntry>[3]);
    const s: SealWith = {
      audience: ['ru', 'us'],
      keys: { origin: 'detente.example/us', index: 7, leafHash: 'ab'.repeat(32) },
      audienceKey: new Uint8Array(32).fill(3),
    };
    const { checked, full } = both(plain, s);
    expect(full).toMatchObject({ code: 'ENTRY_TOO_LARGE' });
    expect(checked).toEqual(full);
    expect(outcome(() => sealedWithoutSchema(suite, sym, regime, signer, plain, s))).toEqual(full);
  });
});
