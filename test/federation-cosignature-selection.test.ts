/**
 * Issue 11 at 57 parties: a node serves, and its peers collect, the witness cosignatures a log's quorum needs and
 * the receipts that fit, never more than a note may carry (src/federation/cosignature-selection.ts). Known answers,
 * properties (fast-check), and the served checkpoint of a log with 56 witnesses and 56 mirrors on real HTTP.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { MAX_SIGNATURES, parseNote } from '../src/crypto/note.js';
import {
  type HeldCosignature,
  MAX_COSIGNATURE_LINES,
  selectCosignatures,
} from '../src/federation/cosignature-selection.js';
import { cosignatureLineVerifiesCached, verifyCosignatureLine } from '../src/federation/verified-lines.js';
import { cosignerFromSeed, parseCosignatureVerifierKey } from '../src/tlog/cosignature.js';
import { listen, makeLog, quietApp, seed, suite, type TestLog } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-selection-');

const held = (name: string, timestamp: number, keyId = 1): HeldCosignature => ({
  name,
  keyId,
  timestamp,
  line: `— ${name} ${timestamp}`,
});

describe('selectCosignatures', () => {
  it('takes the quorum of witnesses earliest first, then the earliest receipts that fit', () => {
    const witnesses = [held('w/c', 30), held('w/a', 10), held('w/b', 10), held('w/d', 5)];
    const receipts = [held('m/x', 40), held('m/y', 20), held('m/z', 20)];
    const s = selectCosignatures(witnesses, receipts, 2, 4);
    expect(s.witnesses.map((c) => c.name)).toEqual(['w/d', 'w/a']);
    expect(s.receipts.map((c) => c.name)).toEqual(['m/y', 'm/z']);
    expect(selectCosignatures(witnesses, receipts, 4, 5).receipts.map((c) => c.name)).toEqual(['m/y']);
    // A quorum no note can carry: as many witnesses as fit, no receipt.
    expect(selectCosignatures(witnesses, receipts, 9, 3)).toEqual({
      witnesses: [held('w/d', 5), held('w/a', 10), held('w/b', 10)],
      receipts: [],
    });
  });

  it('keeps one line per cosigner key, its earliest', () => {
    const s = selectCosignatures([held('w/a', 9), held('w/a', 3), held('w/a', 3, 2)], [], 3);
    expect(s.witnesses).toEqual([held('w/a', 3), held('w/a', 3, 2)]);
  });

  it('at 57 parties (56 witnesses, 56 mirrors, quorum all): 56 witnesses and the 43 earliest receipts, 99 lines', () => {
    const w = Array.from({ length: 56 }, (_, i) => held(`w/${i}`, 1000 + i));
    const r = Array.from({ length: 56 }, (_, i) => held(`m/${i}`, 2000 - i));
    const s = selectCosignatures(w, r, 56);
    expect(s.witnesses).toHaveLength(56);
    expect(s.receipts).toHaveLength(MAX_COSIGNATURE_LINES - 56);
    expect(s.receipts[0]!.timestamp).toBe(2000 - 55);
    expect(s.witnesses.length + s.receipts.length + 1).toBe(MAX_SIGNATURES);
  });

  const cosig = fc
    .record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), keyId: fc.integer({ min: 1, max: 2 }) })
    .chain(({ name, keyId }) =>
      fc
        .integer({ min: 0, max: 50 })
        .map((timestamp) => ({ name, keyId, timestamp, line: `${name} ${keyId} ${timestamp}` })),
    );
  const input = fc.record({
    witnesses: fc.array(cosig, { maxLength: 20 }),
    receipts: fc.array(cosig, { maxLength: 20 }),
    quorum: fc.integer({ min: 0, max: 15 }),
    max: fc.integer({ min: 0, max: 12 }),
  });

  it('property: at most max lines, the quorum when it fits, the earliest, in any input order', () => {
    fc.assert(
      fc.property(input, fc.integer(), ({ witnesses, receipts, quorum, max }, shuffleSeed) => {
        const s = selectCosignatures(witnesses, receipts, quorum, max);
        expect(s.witnesses.length + s.receipts.length).toBeLessThanOrEqual(max);
        const keys = (l: HeldCosignature[]) => new Set(l.map((c) => `${c.name}\n${c.keyId}`));
        expect(s.witnesses.length).toBe(Math.min(quorum, max, keys(witnesses).size));
        // No unselected witness is earlier than the last selected one.
        const last = s.witnesses.at(-1)?.timestamp ?? Number.NEGATIVE_INFINITY;
        for (const w of witnesses)
          if (!keys(s.witnesses).has(`${w.name}\n${w.keyId}`)) expect(w.timestamp).toBeGreaterThanOrEqual(last);
        const rotate = <T>(l: T[]) => {
          const k = l.length === 0 ? 0 : Math.abs(shuffleSeed) % l.length;
          return [...l.slice(k), ...l.slice(0, k)].reverse();
        };
        expect(selectCosignatures(rotate(witnesses), rotate(receipts), quorum, max)).toEqual(s);
      }),
    );
  });

  it('property: a node holding the selection and any of the rest selects the same (peers converge on it)', () => {
    fc.assert(
      fc.property(input, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (x, keep) => {
        const s = selectCosignatures(x.witnesses, x.receipts, x.quorum, x.max);
        const some = <T extends HeldCosignature>(l: T[], chosen: T[], offset: number) =>
          l.filter((c, i) => chosen.includes(c) || keep[(i + offset) % 40]);
        const sub = selectCosignatures(
          some(x.witnesses, s.witnesses, 0),
          some(x.receipts, s.receipts, 20),
          x.quorum,
          x.max,
        );
        expect(sub).toEqual(s);
      }),
    );
  });
});

describe('a log with 56 witnesses and 56 mirrors serves a checkpoint a note can carry', () => {
  let log: TestLog;
  const app = quietApp();
  let base = '';
  let lines: string[] = [];
  const witnesses = Array.from({ length: 56 }, (_, i) => cosignerFromSeed(suite, `w${i}.test/witness`, seed(100 + i)));
  const mirrors = Array.from({ length: 56 }, (_, i) => cosignerFromSeed(suite, `m${i}.test/mirror`, seed(20 + i)));

  beforeAll(async () => {
    log = makeLog(tmp(), 'fifty-seven.test/log', 1);
    log.grow(3);
    const text = parseNote(log.store.head()!.checkpoint).text;
    lines = [
      ...witnesses.map((w, i) => w.cosignLine(text, 1_700_000_000 + i)),
      ...mirrors.map((m, i) => m.cosignLine(text, 1_700_000_100 - i)),
    ];
    await app.register(tilesPlugin, {
      logs: [
        {
          prefix: '/all',
          store: log.store,
          vkey: log.vkey,
          witnesses: witnesses.map((w) => w.verifierKey),
          mirrors: mirrors.map((m) => m.verifierKey),
          cosignatures: () => lines,
        },
      ],
      cacheBytes: 0,
    });
    ({ base } = await listen(app));
  });

  afterAll(async () => {
    await app.close();
    log.close();
  });

  it('given all 112 lines, the tiles server serves 100 signature lines and no more: the note parses', async () => {
    const note = await (await fetch(`${base}/all/checkpoint`)).text();
    const parsed = parseNote(note);
    expect(parsed.signatures).toHaveLength(MAX_SIGNATURES);
    expect(parsed.signatures[0]!.name).toBe('fifty-seven.test/log');
  });

  it('the verified-line memo answers as the verification does, and never for a changed line', () => {
    const text = parseNote(log.store.head()!.checkpoint).text;
    const v = parseCosignatureVerifierKey(witnesses[0]!.verifierKey, suite);
    expect(verifyCosignatureLine(v, text, lines[0]!)).toEqual({ timestamp: 1_700_000_000 });
    expect(verifyCosignatureLine(v, text, `${lines[0]!}\n`)).toEqual({ timestamp: 1_700_000_000 });
    expect(() => verifyCosignatureLine(v, text, lines[1]!)).toThrow();
    expect(() => verifyCosignatureLine(v, text.replace('\n3\n', '\n4\n'), lines[0]!)).toThrow();
    const other = parseCosignatureVerifierKey(witnesses[1]!.verifierKey, suite);
    expect(cosignatureLineVerifiesCached(lines[0]!, text, [other])).toBe(false);
    expect(cosignatureLineVerifiesCached(lines[0]!, text, [other, v])).toBe(true);
    expect(cosignatureLineVerifiesCached('— garbage', text, [v])).toBe(false);
  });
});
