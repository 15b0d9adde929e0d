import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { sha256Portable } from '../src/crypto/sha256.js';
import {
  buildEscrowTree,
  commitRandom,
  DeclarationRegister,
  epochNanos,
  freshRandomValue,
  jointSeed,
  type RandomRound,
  resolveRound,
  verifyReveal,
} from '../src/escrow/index.js';
import { sha256Node } from '../src/runtime/node-crypto.js';
import { lp, makeItems, u32 } from './escrow-helpers.js';

const VA = 'aa'.repeat(32);
const VB = 'bb'.repeat(32);
const ROUND = '2022/inspection-7/site-selection';

function rejects(f: () => unknown, code: string, message: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DetenteError);
    expect((err as DetenteError).code).toBe(code);
    expect((err as DetenteError).message).toMatch(message);
    return;
  }
  expect.fail('expected a DetenteError');
}

const round: RandomRound = {
  round: ROUND,
  parties: ['US', 'RU'],
  commitDeadline: '2022-03-01T12:00:00Z',
  revealDeadline: '2022-03-01T18:00:00Z',
  fallback: { kind: 'designation', by: 'US' },
};

const commitments = () => [
  { party: 'US', commitment: commitRandom(ROUND, 'US', VA, sha256Node), at: '2022-03-01T09:00:00Z' },
  { party: 'RU', commitment: commitRandom(ROUND, 'RU', VB, sha256Node), at: '2022-03-01T10:00:00Z' },
];

const seed0 = () =>
  fromHex(
    jointSeed(
      ROUND,
      [
        { party: 'US', value: VA },
        { party: 'RU', value: VB },
      ],
      sha256Node,
    ),
  );

describe('commit-reveal: known answers', () => {
  it('commitment and seed follow the documented layouts', () => {
    const H = sha256Portable;
    const c = H(concat(Uint8Array.of(0xde, 0x00, 0x01, 0x03), lp(ROUND), lp('US'), fromHex(VA)));
    expect(commitRandom(ROUND, 'US', VA, sha256Node)).toBe(toHex(c));
    // The vector of docs/ESCROW.md §6.
    expect(toHex(c)).toBe('695246f265732b1068706264bd8ce934f635e32b07c8b5395904a1daf7aa6731');
    expect(toHex(seed0())).toBe('e1c353b3f51bcd7316bbc6d3d6d04823a196312b2518efb2c23ea922b021228c');
    // Parties in canonical order: "RU" < "US".
    const seed = H(
      concat(Uint8Array.of(0xde, 0x00, 0x01, 0x04), lp(ROUND), u32(2), lp('RU'), fromHex(VB), lp('US'), fromHex(VA)),
    );
    expect(
      jointSeed(
        ROUND,
        [
          { party: 'US', value: VA },
          { party: 'RU', value: VB },
        ],
        sha256Portable,
      ),
    ).toBe(toHex(seed));
  });

  it('the seed does not depend on the order contributions are listed in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        (parties, rot) => {
          const contributions = parties.map((party, i) => ({ party, value: toHex(sha256Node(utf8(`${i}`))) }));
          const k = Math.abs(rot) % parties.length;
          const rotated = [...contributions.slice(k), ...contributions.slice(0, k)].reverse();
          expect(jointSeed(ROUND, rotated, sha256Node)).toBe(jointSeed(ROUND, contributions, sha256Node));
        },
      ),
    );
  });

  it('fresh values are 32 random bytes', () => {
    expect(freshRandomValue()).toMatch(/^[0-9a-f]{64}$/);
    expect(freshRandomValue()).not.toBe(freshRandomValue());
  });
});

describe('commit-reveal: attacks, each rejected', () => {
  it('a reveal that does not match its commitment', () => {
    const commitment = commitRandom(ROUND, 'RU', VB, sha256Node);
    rejects(
      () => verifyReveal({ round: ROUND, party: 'RU', commitment, value: 'bc'.repeat(32) }, sha256Node),
      'REVEAL_INVALID',
      /RU's reveal .* not to its commitment/,
    );
    verifyReveal({ round: ROUND, party: 'RU', commitment, value: VB }, sha256Node);
  });

  it("copying the other side's commitment (and later its reveal) does not verify", () => {
    const usCommitment = commitRandom(ROUND, 'US', VA, sha256Node);
    // RU records the US commitment as its own, then "reveals" the US value once the US has revealed it.
    rejects(
      () => verifyReveal({ round: ROUND, party: 'RU', commitment: usCommitment, value: VA }, sha256Node),
      'REVEAL_INVALID',
      /RU's reveal/,
    );
  });

  it('a commitment replayed from an earlier round does not verify', () => {
    const old = commitRandom('2022/inspection-6/site-selection', 'RU', VB, sha256Node);
    rejects(
      () => verifyReveal({ round: ROUND, party: 'RU', commitment: old, value: VB }, sha256Node),
      'REVEAL_INVALID',
      /does not|not to its commitment/,
    );
  });

  it('a late reveal', () => {
    const commitment = commitRandom(ROUND, 'RU', VB, sha256Node);
    rejects(
      () =>
        verifyReveal(
          {
            round: ROUND,
            party: 'RU',
            commitment,
            value: VB,
            revealedAt: '2022-03-01T18:00:00.000000001Z',
            deadline: round.revealDeadline,
          },
          sha256Node,
        ),
      'REVEAL_LATE',
      /after the deadline/,
    );
    // At the deadline exactly is on time.
    verifyReveal(
      {
        round: ROUND,
        party: 'RU',
        commitment,
        value: VB,
        revealedAt: '2022-03-01T20:00:00+02:00',
        deadline: round.revealDeadline,
      },
      sha256Node,
    );
  });

  it('a second commitment for the same declaration period', () => {
    const register = new DeclarationRegister();
    const items = makeItems(10, ['launchers']);
    const build = () =>
      buildEscrowTree(items, { categories: ['launchers'], paddingBound: 16, sha256: sha256Node }).commitment();
    register.add({ party: 'RU', period: '2022-03', commitment: build() });
    rejects(
      () => register.add({ party: 'RU', period: '2022-03', commitment: build() }),
      'COMMITMENT_DUPLICATE',
      /already committed .* period "2022-03"/,
    );
    // Another period, or another party, is fine.
    register.add({ party: 'RU', period: '2022-04', commitment: build() });
    register.add({ party: 'US', period: '2022-03', commitment: build() });
    expect(register.size).toBe(3);
  });

  it('a second commitment in a random round is a finding and cannot buy a choice of values', () => {
    const second = {
      party: 'RU',
      commitment: commitRandom(ROUND, 'RU', 'cc'.repeat(32), sha256Node),
      at: '2022-03-01T11:00:00Z',
    };
    const reveals = [
      { party: 'US', value: VA, at: '2022-03-01T13:00:00Z' },
      { party: 'RU', value: 'cc'.repeat(32), at: '2022-03-01T14:00:00Z' }, // opens the second: ignored
    ];
    const out = resolveRound(round, [...commitments(), second], reveals, '2022-03-02T00:00:00Z', sha256Node);
    expect(out.findings.map((f) => [f.party, f.kind])).toEqual([
      ['RU', 'COMMITMENT_DUPLICATE'],
      ['RU', 'REVEAL_INVALID'],
      ['RU', 'REVEAL_MISSING'],
    ]);
    expect(out).toMatchObject({ status: 'fallback', rule: 'designation', designatedBy: 'US' });
  });
});

describe('commit-reveal: rounds', () => {
  it('both reveal in time: the joint seed', () => {
    const reveals = [
      { party: 'RU', value: VB, at: '2022-03-01T15:00:00Z' },
      { party: 'US', value: VA, at: '2022-03-01T13:00:00Z' },
    ];
    const out = resolveRound(round, commitments(), reveals, '2022-03-01T16:00:00Z', sha256Node);
    expect(out).toEqual({
      status: 'joint',
      seed: jointSeed(
        ROUND,
        [
          { party: 'US', value: VA },
          { party: 'RU', value: VB },
        ],
        sha256Node,
      ),
      contributors: ['RU', 'US'],
      findings: [],
    });
  });

  it('before the reveal deadline, a missing reveal leaves the round pending', () => {
    const reveals = [{ party: 'US', value: VA, at: '2022-03-01T13:00:00Z' }];
    expect(resolveRound(round, commitments(), reveals, '2022-03-01T17:59:59Z', sha256Node).status).toBe('pending');
  });

  it('a late reveal is a finding, and the fallback rule decides', () => {
    const reveals = [
      { party: 'US', value: VA, at: '2022-03-01T13:00:00Z' },
      { party: 'RU', value: VB, at: '2022-03-01T18:00:01Z' },
    ];
    const now = '2022-03-02T00:00:00Z';
    const designation = resolveRound(round, commitments(), reveals, now, sha256Node);
    expect(designation).toMatchObject({ status: 'fallback', rule: 'designation', designatedBy: 'US' });
    expect(designation.findings.map((f) => f.kind)).toEqual(['REVEAL_LATE', 'REVEAL_MISSING']);

    const revealedOnly = resolveRound(
      { ...round, fallback: { kind: 'revealed-only' } },
      commitments(),
      reveals,
      now,
      sha256Node,
    );
    expect(revealedOnly).toMatchObject({
      status: 'fallback',
      rule: 'revealed-only',
      contributors: ['US'],
      seed: jointSeed(ROUND, [{ party: 'US', value: VA }], sha256Node),
    });

    expect(resolveRound({ ...round, fallback: { kind: 'void' } }, commitments(), reveals, now, sha256Node).status).toBe(
      'void',
    );
    // A designating party that itself defaulted designates nothing.
    const usLate = [
      { party: 'RU', value: VB, at: '2022-03-01T13:00:00Z' },
      { party: 'US', value: VA, at: '2022-03-01T19:00:00Z' },
    ];
    expect(resolveRound(round, commitments(), usLate, now, sha256Node).status).toBe('void');
  });

  it('a late or missing commitment is a finding; so is a party outside the round', () => {
    const late = [
      commitments()[0]!,
      { party: 'RU', commitment: commitRandom(ROUND, 'RU', VB, sha256Node), at: '2022-03-01T12:00:01Z' },
      { party: 'NATO', commitment: commitRandom(ROUND, 'NATO', VB, sha256Node), at: '2022-03-01T10:00:00Z' },
    ];
    const reveals = [
      { party: 'US', value: VA, at: '2022-03-01T13:00:00Z' },
      { party: 'RU', value: VB, at: '2022-03-01T13:00:00Z' },
    ];
    const out = resolveRound(round, late, reveals, '2022-03-02T00:00:00Z', sha256Node);
    expect(out.findings.map((f) => [f.party, f.kind])).toEqual([
      ['NATO', 'NOT_A_PARTY'],
      ['RU', 'COMMITMENT_LATE'],
      ['RU', 'REVEAL_INVALID'],
      ['RU', 'COMMITMENT_MISSING'],
    ]);
    expect(out.status).toBe('fallback');
  });

  it('refuses a malformed round', () => {
    expect(() => resolveRound({ ...round, revealDeadline: round.commitDeadline }, [], [], 0, sha256Node)).toThrow(
      /commit deadline must come before/,
    );
    expect(() =>
      resolveRound({ ...round, fallback: { kind: 'designation', by: 'NATO' } }, [], [], 0, sha256Node),
    ).toThrow(/not a party/);
    expect(() => resolveRound({ ...round, parties: ['US', 'US'] }, [], [], 0, sha256Node)).toThrow(/twice/);
  });
});

describe('instants', () => {
  it('reads RFC 3339 and epoch milliseconds exactly', () => {
    expect(epochNanos('1970-01-01T00:00:00Z')).toBe(0n);
    expect(epochNanos('1970-01-01T01:00:00+01:00')).toBe(0n);
    expect(epochNanos('2022-03-01T12:00:00.123456789Z') - epochNanos(Date.parse('2022-03-01T12:00:00Z'))).toBe(
      123_456_789n,
    );
  });
  it('refuses impossible dates and other spellings', () => {
    for (const bad of [
      '2022-02-30T00:00:00Z',
      '2022-02-28T24:00:00Z',
      '2022-12-31T23:59:60Z',
      '2022-03-01 12:00:00Z',
      '2022-03-01T12:00:00',
      '2022-03-01',
      1.5,
      Number.NaN,
    ]) {
      expect(() => epochNanos(bad as string)).toThrow(DetenteError);
    }
    expect(epochNanos('2024-02-29T00:00:00Z')).toBeGreaterThan(0n);
  });
});
