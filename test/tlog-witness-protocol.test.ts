import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../src/crypto/bytes.js';
import { parseNote } from '../src/crypto/note.js';
import { portableSuite } from '../src/crypto/suite.js';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { parseCheckpoint } from '../src/tlog/checkpoint.js';
import { cosignerFromSeed, openCosignedCheckpoint, parseCosignatureVerifierKey } from '../src/tlog/cosignature.js';
import {
  appendCosignatures,
  formatAddCheckpointRequest,
  formatAddCheckpointResponse,
  formatTreeSizeBody,
  MAX_PROOF_LINES,
  parseAddCheckpointRequest,
  parseAddCheckpointResponse,
  parseTreeSizeBody,
} from '../src/tlog/witness-protocol.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';
import { loadVector } from './vectors.js';

const W = loadVector('tlog-witness-examples.json');
const tessera = loadVector('tessera-testdata-log.json');
const EXAMPLE: string = W.addCheckpointRequestExample.body;
const CP15_NOTE: string = tessera.checkpointsBySize['15'];
const HASH = toBase64(new Uint8Array(32).fill(1));

describe('tlog-witness add-checkpoint request', () => {
  it('parses the spec example request into the expected fields, and formats it back identically', () => {
    const req = parseAddCheckpointRequest(EXAMPLE);
    const want = W.addCheckpointRequestExample.parsed;
    expect(req.oldSize).toBe(want.oldSize);
    expect(req.proof).toHaveLength(want.proofLines);
    for (const h of req.proof) expect(h).toHaveLength(32);
    expect(toBase64(req.proof[0]!)).toBe('PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=');
    const cp = parseCheckpoint(parseNote(req.checkpointNote).text);
    expect(cp.size).toBe(want.checkpointSize);
    expect(cp.origin).toBe(want.origin);
    expect(formatAddCheckpointRequest(req)).toBe(EXAMPLE);
    expect(parseAddCheckpointRequest(utf8(EXAMPLE))).toEqual(req);
  });

  it('accepts old 0 with an empty proof, and up to 63 proof lines', () => {
    const empty = parseAddCheckpointRequest(`old 0\n\n${CP15_NOTE}`);
    expect(empty).toEqual({ oldSize: 0, proof: [], checkpointNote: CP15_NOTE });
    const full = `old 3\n${`${HASH}\n`.repeat(MAX_PROOF_LINES)}\n${CP15_NOTE}`;
    expect(parseAddCheckpointRequest(full).proof).toHaveLength(63);
  });

  it('leaves semantic checks to the witness: old > size and a proof with old 0 still parse', () => {
    expect(parseAddCheckpointRequest(`old 99\n\n${CP15_NOTE}`).oldSize).toBe(99);
    expect(parseAddCheckpointRequest(`old 0\n${HASH}\n\n${CP15_NOTE}`).proof).toHaveLength(1);
  });

  it('refuses malformed requests: BAD_INPUT for structure, BAD_ENCODING for numbers and hashes', () => {
    const structural = [
      '',
      'old 5',
      `Old 5\n\n${CP15_NOTE}`,
      `old5\n\n${CP15_NOTE}`,
      `old 5\n${HASH}`,
      `old 5\n${HASH}\n`,
      `old 5\n\n`,
      `old 5\n\n${CP15_NOTE.slice(0, -1)}`,
      `old 5\n${`${HASH}\n`.repeat(MAX_PROOF_LINES + 1)}\n${CP15_NOTE}`,
      `old 5\n${toBase64(new Uint8Array(31))}\n\n${CP15_NOTE}`,
      `old 5\n${toBase64(new Uint8Array(33))}\n\n${CP15_NOTE}`,
    ];
    for (const body of structural) expectCode(() => parseAddCheckpointRequest(body), 'BAD_INPUT');
    const encoding = [
      `old 05\n\n${CP15_NOTE}`,
      `old -1\n\n${CP15_NOTE}`,
      `old  5\n\n${CP15_NOTE}`,
      `old 5 \n\n${CP15_NOTE}`,
      `old 5\r\n\r\n${CP15_NOTE}`,
      `old \n\n${CP15_NOTE}`,
      `old 9007199254740992\n\n${CP15_NOTE}`,
      `old 5\n${HASH.slice(0, -1)}\n\n${CP15_NOTE}`,
      `old 5\n${HASH}\r\n\n${CP15_NOTE}`,
      `old 5\n ${HASH}\n\n${CP15_NOTE}`,
      `old 5\n${CP15_NOTE}`, // no blank line: the checkpoint's origin is read as a proof hash
    ];
    for (const body of encoding) expectCode(() => parseAddCheckpointRequest(body), 'BAD_ENCODING');
    expectCode(
      () => parseAddCheckpointRequest(Uint8Array.of(0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff)),
      'BAD_ENCODING',
    );
    expectCode(() => parseAddCheckpointRequest(5 as any), 'BAD_INPUT');
  });

  it('formatAddCheckpointRequest checks its fields', () => {
    const ok = { oldSize: 1, proof: [new Uint8Array(32)], checkpointNote: CP15_NOTE };
    for (const bad of [
      { ...ok, oldSize: -1 },
      { ...ok, oldSize: 0.5 },
      { ...ok, proof: [new Uint8Array(31)] },
      { ...ok, proof: Array(64).fill(new Uint8Array(32)) },
      { ...ok, checkpointNote: '' },
      { ...ok, checkpointNote: 'x' },
    ]) {
      expectCode(() => formatAddCheckpointRequest(bad), 'BAD_INPUT');
    }
    expectCode(() => formatAddCheckpointRequest(null as any), 'BAD_INPUT');
  });

  it('property: format → parse round-trips; arbitrary bodies throw only DetenteError', () => {
    fc.assert(
      fc.property(
        fc.maxSafeNat(),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_PROOF_LINES }),
        (oldSize, proof) => {
          const req = { oldSize, proof, checkpointNote: CP15_NOTE };
          expect(parseAddCheckpointRequest(formatAddCheckpointRequest(req))).toEqual(req);
        },
      ),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ unit: fc.constantFrom('old ', '\n', '0', '1', HASH, '—') }),
          fc
            .tuple(fc.nat(EXAMPLE.length), fc.nat(6), fc.string({ unit: 'binary', maxLength: 6 }))
            .map(([at, del, ins]) => EXAMPLE.slice(0, at) + ins + EXAMPLE.slice(at + del)),
        ),
        (body) => {
          onlyDetenteErrors(() => parseAddCheckpointRequest(body));
          onlyDetenteErrors(() => parseAddCheckpointResponse(body));
          onlyDetenteErrors(() => parseTreeSizeBody(body));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('tlog-witness add-checkpoint response and 409 body', () => {
  it('parses the spec example response lines (syntax only) and formats them back', () => {
    const sigs = parseAddCheckpointResponse(W.addCheckpointResponseExample);
    expect(sigs.map((s) => s.name)).toEqual(['witness.example/w1', 'witness.example/w1', 'witness.example/w2']);
    expect(formatAddCheckpointResponse(sigs)).toBe(W.addCheckpointResponseExample);
  });

  it('refuses malformed responses with COSIGNATURE_MALFORMED', () => {
    const line = (W.addCheckpointResponseExample as string).split('\n')[0]!;
    for (const bad of ['', '\n', line, `${line}\n\n`, `${line}\nextra\n`, `— w ${HASH.slice(0, -1)}\n`]) {
      expectCode(() => parseAddCheckpointResponse(bad), 'COSIGNATURE_MALFORMED');
    }
    expectCode(() => formatAddCheckpointResponse([]), 'BAD_INPUT');
  });

  for (const [suiteName, suite] of [
    ['node:crypto', nodeSuite],
    ['noble', portableSuite],
  ] as const) {
    it(`appends a response to the checkpoint so that it opens with the witness key (${suiteName})`, () => {
      const body = CP15_NOTE.slice(0, CP15_NOTE.lastIndexOf('\n\n') + 1);
      const w1 = cosignerFromSeed(suite, 'witness.example/w1', new Uint8Array(32).fill(1));
      const w2 = cosignerFromSeed(suite, 'witness.example/w2', new Uint8Array(32).fill(2));
      const response = formatAddCheckpointResponse([w1.cosign(body, 1700000000), w2.cosign(body, 1700000001)]);
      const note = appendCosignatures(CP15_NOTE, response);
      const log = parseVerifierKey(tessera.logPublicKey, suite);
      // The client trusts w1 only: w2's line is ignored, w1's verified.
      const opened = openCosignedCheckpoint(note, log, [parseCosignatureVerifierKey(w1.verifierKey, suite)]);
      expect(opened.cosignatures.map((c) => [c.name, c.timestamp])).toEqual([['witness.example/w1', 1700000000]]);
      expect(opened.note.unverified.map((s) => s.name)).toEqual(['witness.example/w2']);
    });
  }

  it('409 body: "<size>\\n"', () => {
    expect(formatTreeSizeBody(20852014)).toBe('20852014\n');
    expect(parseTreeSizeBody('0\n')).toBe(0);
    expect(parseTreeSizeBody(utf8('42\n'))).toBe(42);
    expectCode(() => parseTreeSizeBody('42'), 'BAD_INPUT');
    expectCode(() => parseTreeSizeBody('042\n'), 'BAD_ENCODING');
    expectCode(() => parseTreeSizeBody('4 2\n'), 'BAD_ENCODING');
    expectCode(() => formatTreeSizeBody(-1), 'BAD_INPUT');
  });
});
