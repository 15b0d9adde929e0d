import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../src/crypto/bytes.js';
import { DetenteError } from '../src/crypto/errors.js';
import { portableSuite } from '../src/crypto/suite.js';
import { generateSigner } from '../src/crypto/vkey.js';
import {
  type EquivocationEvidence,
  type PrefixChain,
  prefixEvidence,
  sameSizeEvidence,
  verifyEvidence,
} from '../src/federation/evidence.js';
import { detectFork } from '../src/federation/gossip.js';
import { provePrefix } from '../src/federation/prefix-proof.js';
import { storeTileSource } from '../src/log/store-tile-source.js';
import { detente } from './helpers/cli.js';
import { hasher, makeLog, suite, type TestLog } from './helpers/logs.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const ORIGIN = 'evidence.test/log';

/** The root of the first `m` leaves of `log`'s tree of `size`, chained up to its checkpoint at `size`. */
async function chain(log: TestLog, m: number, ...sizes: number[]): Promise<PrefixChain> {
  const source = storeTileSource(log.store);
  const top = sizes.at(-1) ?? m;
  const root = (await provePrefix(source, hasher, m, top, rootAt(log, top))).root;
  const hops = [];
  let from = m;
  for (const size of sizes) {
    const p = await provePrefix(source, hasher, from, size, rootAt(log, size));
    hops.push({ size, root: rootAt(log, size), proof: p.proof });
    from = size;
  }
  return { root, hops };
}

function rootAt(log: TestLog, size: number): Uint8Array {
  const note = log.store.checkpoint(size)!;
  const b64 = note.split('\n')[2]!;
  return Uint8Array.from(Buffer.from(b64, 'base64'));
}

describe('equivocation evidence', () => {
  let log: TestLog;
  let fork: TestLog;
  let sameSize: EquivocationEvidence;
  let prefix: EquivocationEvidence;
  let twoHops: EquivocationEvidence;

  beforeAll(async () => {
    const dir = tmp();
    log = makeLog(dir, ORIGIN, 1, 'log.sqlite');
    fork = makeLog(dir, ORIGIN, 1, 'fork.sqlite'); // same key, entry 3 rewritten
    for (const n of [10, 15, 15]) {
      log.grow(n);
      fork.grow(n, 1000, (i) => utf8(i === 3 ? 'rewritten' : `entry ${i}`));
    }
    sameSize = sameSizeEvidence(log.vkey, log.store.checkpoint(25)!, fork.store.checkpoint(25)!);
    prefix = prefixEvidence(
      log.vkey,
      log.store.checkpoint(10)!,
      fork.store.checkpoint(40)!,
      10,
      await chain(log, 10),
      await chain(fork, 10, 40),
    );
    twoHops = prefixEvidence(
      log.vkey,
      log.store.checkpoint(40)!,
      fork.store.checkpoint(25)!,
      5,
      await chain(log, 5, 25, 40),
      await chain(fork, 5, 25),
    );
  });

  afterAll(() => {
    log.close();
    fork.close();
  });

  it('same size, different roots: verifies offline with either suite', () => {
    const v = verifyEvidence(JSON.parse(JSON.stringify(sameSize)), suite);
    expect(v).toMatchObject({ type: 'same-size-different-root', origin: ORIGIN, sizeA: 25, sizeB: 25 });
    expect(verifyEvidence(sameSize, portableSuite).summary).toMatch(/two different trees of size 25/);
    expect(sameSize.explanation).toMatch(/size 25/);
  });

  it('inconsistent prefix: one hop, and a chain of hops through intermediate sizes', () => {
    expect(verifyEvidence(prefix, suite)).toMatchObject({
      type: 'inconsistent-prefix',
      sizeA: 10,
      sizeB: 40,
      prefixSize: 10,
    });
    expect(verifyEvidence(twoHops, suite)).toMatchObject({ sizeA: 40, sizeB: 25, prefixSize: 5 });
  });

  it('refuses evidence of a log that did not fork', async () => {
    const consistent = {
      ...prefix,
      checkpointB: log.store.checkpoint(40)!,
      prefix: { size: 10, a: prefix.prefix!.a, b: encode(await chain(log, 10, 40)) },
    };
    expect(() => verifyEvidence(consistent, suite)).toThrow(/same first 10 leaves|consistent/);
    const same = { ...sameSize, checkpointB: log.store.checkpoint(25)! };
    expect(() => verifyEvidence(same, suite)).toThrow(/same root/);
    const sizes = { ...sameSize, checkpointB: fork.store.checkpoint(40)! };
    expect(() => verifyEvidence(sizes, suite)).toThrow(/different sizes/);
  });

  it('refuses tampered evidence: a proof hash, a root, a signature, a key, a size', () => {
    const cases: [string, (e: any) => void, RegExp][] = [
      ['proof hash', (e) => (e.prefix.b.hops[0].proof[0] = flip(e.prefix.b.hops[0].proof[0])), /prefix\.b\.hops\[0\]/],
      ['prefix root', (e) => (e.prefix.b.root = flip(e.prefix.b.root)), /prefix\.b/],
      ['hop root', (e) => (e.prefix.b.hops[0].root = flip(e.prefix.b.hops[0].root)), /prefix\.b/],
      ['prefix size', (e) => (e.prefix.size = 11), /prefix/],
      ['prefix beyond', (e) => (e.prefix.size = 41), /beyond/],
      [
        'signature',
        (e) => (e.checkpointA = e.checkpointA.replace(/ (\S{10})/, ' AAAAAAAAAA')),
        /signature|checkpoint A/,
      ],
      ['text', (e) => (e.checkpointB = e.checkpointB.replace('\n40\n', '\n41\n')), /checkpoint B/],
    ];
    for (const [what, change, pattern] of cases) {
      const e = structuredClone(prefix);
      change(e);
      expect(() => verifyEvidence(e, suite), what).toThrow(pattern);
    }
    const other = makeLog(tmp(), ORIGIN, 2);
    expect(() => verifyEvidence({ ...prefix, vkey: other.vkey }, suite)).toThrow(DetenteError);
    expect(() => verifyEvidence(prefix, suite, { trustedVkey: other.vkey })).toThrow(/not the trusted key/);
    expect(verifyEvidence(prefix, suite, { trustedVkey: log.vkey }).type).toBe('inconsistent-prefix');
    other.close();
  });

  it('refuses what is not evidence with BAD_INPUT', () => {
    for (const input of [
      null,
      42,
      'x',
      [],
      {},
      { ...sameSize, format: 'v0' },
      { ...sameSize, extra: 1 },
      { ...prefix, prefix: undefined },
    ]) {
      try {
        verifyEvidence(input, suite);
        throw new Error('accepted');
      } catch (err) {
        expect(err, JSON.stringify(input)?.slice(0, 80)).toBeInstanceOf(DetenteError);
        expect((err as DetenteError).code).toBe('BAD_INPUT');
      }
    }
  });

  it('never throws anything but a DetenteError on mutated evidence (property)', () => {
    const json = JSON.parse(JSON.stringify(prefix));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.jsonValue()), { minLength: 1, maxLength: 3 }), (edits) => {
        const e = structuredClone(json);
        for (const [at, value] of edits) {
          const paths = leafPaths(e);
          const path = paths[at % paths.length]!;
          setPath(e, path, value);
        }
        try {
          verifyEvidence(e, suite);
        } catch (err) {
          if (!(err instanceof DetenteError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('detente evidence verify: VALID and exit 0, INVALID and exit 1', () => {
    const dir = tmp();
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(prefix, null, 2));
    const ok = detente(['evidence', 'verify', good, '--vkey', log.vkey]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^VALID: evidence\.test\/log signed checkpoints of sizes 10 and 40/);
    // Without a key the caller trusts, anyone's self-made key named after the origin would do: not VALID.
    const unverified = detente(['evidence', 'verify', good]);
    expect(unverified.code).toBe(1);
    expect(unverified.stdout).toMatch(/^UNVERIFIED KEY: .*evidence\.test\/log\+/);
    expect(detente(['evidence', 'verify', good, '--vkey', log.vkey]).code).toBe(0);
    // A tlog-policy names the trusted log key: its log must be the evidence's (no witness needed for a fork).
    const policy = join(dir, 'log.policy');
    writeFileSync(policy, `log ${log.vkey}\nquorum none\n`);
    expect(detente(['evidence', 'verify', good, '--policy', policy]).code).toBe(0);
    const other = generateSigner(suite, 'evidence.test/other', new Uint8Array(32).fill(99)).vkey;
    writeFileSync(policy, `log ${other}\nquorum none\n`);
    const unlisted = detente(['evidence', 'verify', good, '--policy', policy]);
    expect(unlisted.code).toBe(1);
    expect(unlisted.stdout).toMatch(
      /^INVALID: the policy lists no log "evidence\.test\/log" \[POLICY_UNSATISFIED\]\n$/,
    );
    const json = JSON.parse(detente(['evidence', 'verify', good, '--json']).stdout);
    expect(json).toMatchObject({ valid: false, keyVerified: false, key: log.vkey });
    expect(JSON.parse(detente(['evidence', 'verify', good, '--json', '--vkey', log.vkey]).stdout)).toMatchObject({
      valid: true,
    });

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...sameSize, checkpointB: log.store.checkpoint(25) }));
    const refused = detente(['evidence', 'verify', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^INVALID: .*same root/);
    writeFileSync(bad, '{not json');
    const garbage = detente(['evidence', 'verify', bad]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/^detente: evidence .*not JSON/);
    expect(detente(['evidence', 'verify', join(dir, 'absent.json')]).stderr).toMatch(/no such file/);
  });

  it('gossip: finds a fork among checkpoints from several sources', async () => {
    const tilesOf = (l: TestLog) => storeTileSource(l.store);
    const same = await detectFork(log.vkey, suite, [
      { source: 'node-a', note: log.store.checkpoint(25)! },
      { source: 'node-b', note: log.store.checkpoint(10)! },
      { source: 'node-c', note: fork.store.checkpoint(25)! },
    ]);
    expect(verifyEvidence(same.evidence, suite).type).toBe('same-size-different-root');

    const grown = await detectFork(log.vkey, suite, [
      { source: 'node-a', note: log.store.checkpoint(10)!, tiles: tilesOf(log) },
      { source: 'node-b', note: fork.store.checkpoint(40)!, tiles: tilesOf(fork) },
      { source: 'forged', note: log.store.checkpoint(25)!.replace('\n25\n', '\n26\n') },
    ]);
    expect(grown.ignored.map((i) => i.source)).toEqual(['forged']);
    expect(verifyEvidence(grown.evidence, suite)).toMatchObject({ type: 'inconsistent-prefix', sizeA: 10, sizeB: 40 });

    const honest = await detectFork(log.vkey, suite, [
      { source: 'a', note: log.store.checkpoint(10)!, tiles: tilesOf(log) },
      { source: 'b', note: log.store.checkpoint(40)!, tiles: tilesOf(log) },
      { source: 'c', note: log.store.checkpoint(25)! },
    ]);
    expect(honest.evidence).toBeUndefined();
    expect(honest.latest).toMatchObject({ source: 'b', size: 40 });
    // 10 → 25: the 25 observation has no tiles; 25 → 40 checked with b's tiles.
    expect(honest.unchecked).toEqual([{ smaller: 'a', larger: 'c', reason: 'no tiles to prove a prefix' }]);
  });
});

function encode(c: PrefixChain) {
  const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
  return { root: b64(c.root), hops: c.hops.map((h) => ({ size: h.size, root: b64(h.root), proof: h.proof.map(b64) })) };
}

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0]! ^= 1;
  return bytes.toString('base64');
}

function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    const out: (string | number)[][] = [path];
    for (const [k, v] of entries) out.push(...leafPaths(v, [...path, k]));
    return out;
  }
  return [path];
}

function setPath(root: any, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let node = root;
  for (const k of path.slice(0, -1)) node = node[k];
  node[path.at(-1)!] = value;
}
