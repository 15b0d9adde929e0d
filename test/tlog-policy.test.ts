import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigner, parseSignerKey } from '../src/crypto/vkey.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { signCheckpoint } from '../src/tlog/checkpoint.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { inclusionProof } from '../src/tlog/inclusion.js';
import { MemoryTree } from '../src/tlog/memory-tree.js';
import {
  evaluateCheckpoint,
  formatPolicy,
  parsePolicy,
  quorumMet,
  verifyCheckpointPolicy,
} from '../src/tlog/policy.js';
import { formatTlogProof, parseTlogProof, TLOG_PROOF_HEADER, verifyTlogProof } from '../src/tlog/proof-file.js';
import { expectCode, onlyDetenteErrors } from './helpers-errors.js';

const suite = nodeSuite;
const seed = (n: number) => new Uint8Array(32).fill(n);
const log = parseSignerKey(generateSigner(suite, 'example.org/log', seed(1)).skey, suite);
const logVkey = generateSigner(suite, 'example.org/log', seed(1)).vkey;
const w = [2, 3, 4].map((n) => cosignerFromSeed(suite, `w${n}.example`, seed(n)));
const [W1, W2, W3] = w.map((c) => c.verifierKey) as [string, string, string];

const policyText = (quorum: string, groups = '') =>
  `log ${logVkey}\nwitness A ${W1}\nwitness B ${W2}\nwitness C ${W3} https://c.example/\n${groups}quorum ${quorum}\n`;

describe('tlog-policy parsing: every rule, both ways', () => {
  it('parses the spec example shape and formats it back byte for byte', () => {
    const text = `${policyText('AB', 'group AB 2 A B C\n')}`;
    const p = parsePolicy(text, suite);
    expect(p.logs).toEqual([{ vkey: logVkey }]);
    expect(p.witnesses.map((x) => x.name)).toEqual(['A', 'B', 'C']);
    expect(p.witnesses[2]!.url).toBe('https://c.example/');
    expect(p.groups).toEqual([{ name: 'AB', threshold: 2, spelling: 'k', members: ['A', 'B', 'C'] }]);
    expect(formatPolicy(p)).toBe(text);
  });

  it('accepts comments, blank lines, tabs and leading or trailing whitespace', () => {
    const p = parsePolicy(`# trust\n\n\t log\t${logVkey}  \n   # indented comment\nquorum none\n`, suite);
    expect(p.quorum).toBe('none');
    expect(p.witnesses).toEqual([]);
  });

  it('all, any and k mean n, 1 and k', () => {
    const p = parsePolicy(policyText('G3', 'group G1 all A\ngroup G2 any B C\ngroup G3 2 G1 G2\n'), suite);
    expect(p.groups.map((g) => g.threshold)).toEqual([1, 1, 2]);
    expect(quorumMet(p, new Set(['A', 'C']))).toBe(true);
    expect(quorumMet(p, new Set(['B', 'C']))).toBe(false);
    expect(quorumMet(p, new Set(['A']))).toBe(false);
  });

  const refusals: [string, string, RegExp][] = [
    ['no quorum line', `log ${logVkey}\n`, /no.*quorum|found none/],
    ['two quorum lines', `${policyText('A')}quorum B\n`, /second quorum/],
    ['a quorum naming a later witness', `quorum A\nwitness A ${W1}\n`, /not defined on an earlier line/],
    ['a forward reference in a group', `group G any A\nwitness A ${W1}\nquorum G\n`, /earlier line/],
    ['an undefined quorum', policyText('Z'), /not defined/],
    ['a duplicate witness key', `witness A ${W1}\nwitness B ${W1}\nquorum A\n`, /same public key/],
    ['a duplicate log key', `log ${logVkey}\nlog ${logVkey}\nquorum none\n`, /same public key/],
    ['a name defined twice', `witness A ${W1}\nwitness A ${W2}\nquorum A\n`, /already defined/],
    ['a witness named none', `witness none ${W1}\nquorum none\n`, /predefined/],
    ['none as a group member', policyText('G', 'group G any none\n'), /cannot be a group member/],
    ['k = 0', policyText('G', 'group G 0 A B\n'), /threshold/],
    ['k > n', policyText('G', 'group G 3 A B\n'), /outside 1\.\.2/],
    ['k with a leading zero', policyText('G', 'group G 01 A B\n'), /leading zeros/],
    ['k not a number', policyText('G', 'group G two A B\n'), /threshold/],
    ['a group without members', policyText('G', 'group G any\n'), /at least one member/],
    ['a member listed twice', policyText('G', 'group G any A A\n'), /listed twice/],
    ['a member of two groups', policyText('H', 'group G any A\ngroup H any A B\n'), /already a member/],
    ['a carriage return', policyText('A').replace('quorum A\n', 'quorum A\r\n'), /control character 0x0d/],
    ['a NUL byte', `# \u0000\n${policyText('A')}`, /control character 0x00/],
    ['DEL', `# \u007f\n${policyText('A')}`, /control character 0x7f/],
    ['an unknown keyword', `${policyText('A')}monitor x\n`, /unknown keyword/],
    ['a missing final newline', policyText('A').slice(0, -1), /end in a newline/],
    ['a log key given as a witness', `witness A ${logVkey}\nquorum A\n`, /type 0x01/],
    ['a witness key given as a log', `log ${W1}\nquorum none\n`, /type 0x04/],
    [
      'extra items on a quorum line',
      `${policyText('A').replace('quorum A', 'quorum A B')}`,
      /expected "quorum <name>"/,
    ],
    ['a witness line without a key', 'witness A\nquorum A\n', /expected "witness/],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what}`, () => {
      const err = expectCode(() => parsePolicy(text, suite), 'POLICY_MALFORMED');
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/^policy/);
    });
  }

  it('compares names as bytes: K and the Kelvin sign are two names', () => {
    const bytes = new TextEncoder().encode(`witness K ${W1}\nwitness \u212a ${W2}\ngroup G all K \u212a\nquorum G\n`);
    const p = parsePolicy(bytes, suite);
    expect(p.groups[0]!.members).toHaveLength(2);
    // A name that is not UTF-8 at all is still a name (opaque bytes ≥ 0x80).
    const raw = Uint8Array.from([...new TextEncoder().encode('witness '), 0xff, 0xfe, 0x20]);
    const tail = new TextEncoder().encode(`${W1}\nquorum `);
    const file = new Uint8Array([...raw, ...tail, 0xff, 0xfe, 0x0a]);
    expect(parsePolicy(file, suite).quorum).toBe('\xff\xfe');
  });

  it('garbage only ever gives a typed error, and whatever parses formats back to the same policy', () => {
    const line = fc.oneof(
      fc.constantFrom(
        `log ${logVkey}`,
        `witness A ${W1}`,
        `witness B ${W2}`,
        'group G any A B',
        'quorum G',
        'quorum none',
      ),
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((b) => String.fromCharCode(...b)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = `${lines.join('\n')}\n`;
        onlyDetenteErrors(() => {
          const p = parsePolicy(text, suite);
          expect(parsePolicy(formatPolicy(p), suite).quorum).toBe(p.quorum);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkpoints and tlog-proof files under a policy', () => {
  const hasher = new Rfc6962Hasher(suite.sha256);
  const tree = new MemoryTree(hasher);
  const entries = Array.from({ length: 11 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
  for (const e of entries) tree.append(hasher.hashLeaf(e));
  const cp = { origin: 'example.org/log', size: 11, root: tree.root(), extensions: [] };
  const bare = signCheckpoint(cp, log);
  const text = bare.slice(0, bare.lastIndexOf('\n\n') + 1);
  const cosigned = (...cs: typeof w) => `${bare}${cs.map((c) => c.cosignLine(text, 1_700_000_000)).join('')}`;
  const policy = parsePolicy(policyText('G', 'group G 2 A B C\n'), suite);

  it('k of n: two of three witnesses meet the quorum, one does not', () => {
    const v = verifyCheckpointPolicy(policy, cosigned(w[0]!, w[2]!));
    expect(v.cosignatures.map((c) => c.witness)).toEqual(['A', 'C']);
    expect(v.witnesses).toBe(3);
    expect(evaluateCheckpoint(policy, cosigned(w[1]!)).quorumMet).toBe(false);
    expectCode(() => verifyCheckpointPolicy(policy, cosigned(w[1]!)), 'POLICY_UNSATISFIED');
    expectCode(() => verifyCheckpointPolicy(policy, bare), 'POLICY_UNSATISFIED');
  });

  it('a cosignature over another checkpoint is a bad signature, and an unlisted origin is refused', () => {
    const other = signCheckpoint({ ...cp, size: 10, root: tree.root(10) }, log);
    const otherText = other.slice(0, other.lastIndexOf('\n\n') + 1);
    const forged = `${bare}${w[0]!.cosignLine(otherText, 5)}${w[1]!.cosignLine(text, 5)}`;
    expectCode(() => verifyCheckpointPolicy(policy, forged), 'NOTE_BAD_SIGNATURE');
    const stranger = parseSignerKey(generateSigner(suite, 'example.org/other', seed(9)).skey, suite);
    expectCode(
      () => verifyCheckpointPolicy(policy, signCheckpoint({ ...cp, origin: 'example.org/other' }, stranger)),
      'POLICY_UNSATISFIED',
    );
  });

  it('a proof file round-trips and verifies every entry; a wrong entry or index fails', () => {
    const note = cosigned(...w);
    for (let i = 0; i < entries.length; i++) {
      const file = formatTlogProof({ index: i, proof: inclusionProof(hasher, tree, i, 11), checkpoint: note });
      expect(file.startsWith(`${TLOG_PROOF_HEADER}\nindex ${i}\n`)).toBe(true);
      const parsed = parseTlogProof(file);
      expect(formatTlogProof(parsed)).toBe(file);
      expect(verifyTlogProof(parsed, entries[i]!, policy, hasher).index).toBe(i);
      expectCode(() => verifyTlogProof(parsed, entries[(i + 1) % 11]!, policy, hasher), 'PROOF_INVALID');
    }
    const withExtra = formatTlogProof({
      extra: Uint8Array.of(1, 2),
      index: 3,
      proof: inclusionProof(hasher, tree, 3, 11),
      checkpoint: note,
    });
    expect(parseTlogProof(withExtra).extra).toEqual(Uint8Array.of(1, 2));
    const under = formatTlogProof({
      index: 3,
      proof: inclusionProof(hasher, tree, 3, 11),
      checkpoint: cosigned(w[0]!),
    });
    expectCode(() => verifyTlogProof(parseTlogProof(under), entries[3]!, policy, hasher), 'POLICY_UNSATISFIED');
  });

  it('refuses malformed proof files with PROOF_MALFORMED', () => {
    const good = formatTlogProof({ index: 2, proof: inclusionProof(hasher, tree, 2, 11), checkpoint: bare });
    const bad = [
      good.replace(TLOG_PROOF_HEADER, 'c2sp.org/tlog-proof@v2'),
      good.replace('index 2', 'index 02'),
      good.replace('index 2', 'idx 2'),
      good.replace('\n\n', '\n'),
      good.replace(/\nindex 2\n[^\n]+/, (m) => m.slice(0, -4)),
      good.replace(/\n\nexample/, '\n\nexample.org/log\nnot a size'),
      good.replace('index 2\n', 'index 2\nextra !!\n'),
    ];
    for (const b of bad) expectCode(() => parseTlogProof(b), 'PROOF_MALFORMED');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyDetenteErrors(() => parseTlogProof(b))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.string({ maxLength: 3 }), (at, s) =>
        onlyDetenteErrors(() => parseTlogProof(good.slice(0, at) + s + good.slice(at + 1))),
      ),
      { numRuns: 300 },
    );
  });
});
