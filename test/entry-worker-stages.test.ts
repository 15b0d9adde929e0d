/**
 * The entry worker answers a batch of submissions in stages (runtime/entry-worker.ts, prepareEntries: every plain
 * entry checked, then the confidential ones sealed, then every entry signed, then laid out): for any batch of
 * clear and sealed jobs, good and bad, its answers are those of one job after another (prepareEntry, then
 * prepareSealedFromChecked, the signature and signedCanonical), each job's error its own and in its place.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetenteError } from '../src/crypto/errors.js';
import { type EntrySigner, prepareEntry, type Regime, type SealWith } from '../src/model/index.js';
import { type PrepareFields, prepareRequest } from '../src/runtime/entry-request.js';
import { type Prepared, prepareEntries } from '../src/runtime/entry-worker.js';
import { nodeSuite, symmetricNode } from '../src/runtime/node-crypto.js';
import { prepareSealedFromChecked } from '../src/runtime/sealed-submission.js';
import { signedCanonical } from '../src/runtime/signed-entry.js';
import { confidentialScenario, usDeclarant, usIcbmItem } from './model-helpers.js';

let regime: Regime;
let signer: EntrySigner;
let signers: Map<string, EntrySigner>;

beforeAll(async () => {
  regime = await confidentialScenario();
  signer = usDeclarant(regime);
  signers = new Map([[signer.key, signer]]);
});

type Job = { key: string; fields: PrepareFields; seal?: SealWith };

/** One job alone, as the worker answered each before it worked in stages. */
function oneJob({ key, fields, seal }: Job): Prepared {
  try {
    const s = signers.get(key);
    if (!s) throw new DetenteError('KEY_UNKNOWN', `this node holds no seed of key "${key}"`);
    const plain = prepareEntry(nodeSuite, regime, s, fields);
    if (!seal) return signedCanonical(nodeSuite, plain, nodeSuite.ed25519.sign(s.seed, plain.message));
    const sealed = prepareSealedFromChecked(nodeSuite, symmetricNode, regime, s, plain, seal);
    if (!sealed) return { plain: plain.canonical };
    return {
      plain: plain.canonical,
      sealed: signedCanonical(nodeSuite, sealed, nodeSuite.ed25519.sign(s.seed, sealed.message)),
    };
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return { error: { code: err.code, message: err.message, problems: err.problems } };
  }
}

const ref = fc.record({
  origin: fc.constantFrom('detente.example/us', 'detente.example/ru'),
  index: fc.nat({ max: 1_000 }),
  leafHash: fc.constantFrom('ab'.repeat(32), 'not hex'),
});
const job: fc.Arbitrary<Job> = fc.record(
  {
    key: fc.constantFrom('us-declarant', 'us-declarant', 'us-declarant', 'nobody'),
    fields: fc.record({
      type: fc.constant('declaration'),
      issuedAt: fc.constantFrom('2022-02-02T10:00:00.000Z', 'yesterday'),
      body: fc.record({
        form: fc.constant('plain'),
        asOf: fc.constant('2022-02-01'),
        items: fc.uniqueArray(usIcbmItem(8), { selector: (i) => i.uid, maxLength: 6 }),
        quantities: fc.constant<{ category: string; quantity: number }[]>([]),
      }),
      refs: fc.constant([]),
    }) as fc.Arbitrary<PrepareFields>,
    seal: fc.record({
      audience: fc.constantFrom(['ru', 'us'], ['ru', 'us'], ['ru'], ['us', 'xx']),
      keys: ref,
      audienceKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    }),
  },
  { requiredKeys: ['key', 'fields'] },
);

describe('the entry worker, a batch in stages', () => {
  it('answers each job as one job after another would, its error in its place', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(fc.array(job, { minLength: 1, maxLength: 12 }), (jobs) => {
        // As the request crosses to the worker: cloned, each distinct seal once.
        const answers = prepareEntries(regime, signers, structuredClone(prepareRequest(1, jobs)));
        expect(answers).toEqual(jobs.map(oneJob));
        for (const a of answers) kinds.add('error' in a ? a.error.code : 'sealed' in a ? 'sealed' : 'signed');
      }),
      { numRuns: 150 },
    );
    // Every kind of answer was met: signed clear entries, sealed ones, and refusals of the key and of the entry.
    expect([...kinds].sort()).toEqual(['KEY_UNKNOWN', 'SCHEMA_INVALID', 'sealed', 'signed']);
  });

  it('sends a seal that jobs share once, and answers each job as with a seal of its own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ items: fc.uniqueArray(usIcbmItem(8), { selector: (i) => i.uid, maxLength: 4 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.nat(2), { minLength: 8, maxLength: 8 }),
        (bodies, picks) => {
          const ref = (index: number) => ({ origin: 'detente.example/us', index, leafHash: 'ab'.repeat(32) });
          const key = new Uint8Array(32).fill(7);
          // Two seals alike but for their objects' identity (the node's for one audience and period share the key and
          // reference objects: those are what makes one seal), and one of another reference.
          const shared = { audience: ['ru', 'us'], keys: ref(0), audienceKey: key };
          const seals: SealWith[] = [shared, { ...shared, audience: ['ru', 'us'] }, { ...shared, keys: ref(1) }];
          const jobs = bodies.map(({ items }, i) => ({
            key: signer.key,
            fields: {
              type: 'declaration',
              issuedAt: `2022-02-02T10:00:0${i}.000Z`,
              body: { form: 'plain', asOf: '2022-02-01', items, quantities: [] },
              refs: [],
            } as unknown as PrepareFields,
            seal: seals[picks[i]!]!,
          }));
          const request = prepareRequest(1, jobs);
          const distinct = new Set(jobs.map((j) => j.seal.keys.index));
          expect(request.seals).toHaveLength(distinct.size);
          expect(request.jobs.map((j) => request.seals![j.seal!]!.keys.index)).toEqual(
            jobs.map((j) => j.seal.keys.index),
          );
          expect(prepareEntries(regime, signers, structuredClone(request))).toEqual(jobs.map(oneJob));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('hands the worker the fields the caller gave: as JSON text where that changes nothing, else as a clone', () => {
    // Values JSON text gives back unchanged (as a parsed request holds them), and values it would not.
    const plainValue = fc.jsonValue().map((v) => ({ odd: false, value: JSON.parse(JSON.stringify(v)) as unknown }));
    const oddValue = fc
      .oneof(
        fc.constant(undefined),
        fc.constant(Number.NaN),
        fc.constant(-0),
        fc.constant(Number.POSITIVE_INFINITY),
        fc.date({ noInvalidDate: true }),
        // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
        fc.constant([1, , 3]),
        fc.constant([{ a: [undefined] }]),
      )
      .map((value) => ({ odd: true, value: value as unknown }));
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.uniqueArray(usIcbmItem(8), { selector: (i) => i.uid, maxLength: 3 }),
            fc.oneof(plainValue, oddValue),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (specs) => {
          const jobs = specs.map(([items, extra], i) => ({
            key: signer.key,
            fields: {
              type: 'declaration',
              issuedAt: `2022-02-02T10:00:0${i}.000Z`,
              body: { form: 'plain', asOf: '2022-02-01', items, quantities: [], extra: extra.value },
              refs: [],
            } as unknown as PrepareFields,
          }));
          const request = prepareRequest(1, jobs);
          specs.forEach(([, extra], i) => {
            expect(request.jobs[i]!.fields === undefined, `job ${i}`).toBe(!extra.odd);
          });
          expect(prepareEntries(regime, signers, structuredClone(request))).toEqual(jobs.map(oneJob));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers a job that names a blob with its plain entry, which the node seals with the blob's ciphertext", () => {
    const fields = {
      type: 'declaration',
      issuedAt: '2022-02-02T10:00:00.000Z',
      body: {
        form: 'plain',
        asOf: '2022-02-01',
        items: [],
        quantities: [],
        more: [{ sha256: 'cd'.repeat(32), size: 10, mediaType: 'text/csv' }],
      },
    } as unknown as PrepareFields;
    const seal: SealWith = {
      audience: ['ru', 'us'],
      keys: { origin: 'detente.example/us', index: 0, leafHash: 'ab'.repeat(32) },
      audienceKey: new Uint8Array(32),
    };
    const jobs = [{ key: signer.key, fields, seal }];
    const answers = prepareEntries(regime, signers, structuredClone(prepareRequest(1, jobs)));
    expect(answers).toEqual(jobs.map(oneJob));
    expect(Object.keys(answers[0]!)).toEqual(['plain']);
  });
});
