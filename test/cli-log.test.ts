import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../src/crypto/bytes.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { verifyConsistency } from '../src/tlog/consistency.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { verifyInclusion } from '../src/tlog/inclusion.js';
import { CLI, detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const hasher = new Rfc6962Hasher(nodeSuite.sha256);

function ok(args: string[], input?: string) {
  const r = detente(args, input);
  expect(r.stderr, `detente ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** A refused command: one line on stderr, non-zero exit. */
function refused(args: string[], pattern: RegExp, input?: string) {
  const r = detente(args, input);
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')[0]).toMatch(/^detente: /);
  return r;
}

describe('detente log: the whole life of a log', () => {
  const base = tmp();
  const dir = join(base, 'log');
  const out = join(base, 'export');
  let vkey = '';

  it('init prints the verifier key on a line of its own', () => {
    vkey = ok(['log', 'init', '--dir', dir, '--origin', 'cli.detente.example/log']).trim();
    expect(vkey).toMatch(/^cli\.detente\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    refused(['log', 'init', '--dir', dir, '--origin', 'cli.detente.example/log'], /already holds a log/);
  });

  it('append reads one entry a line and prints the indexes', () => {
    expect(ok(['log', 'append', '--dir', dir], 'alpha\nbeta\ngamma\n')).toBe('0\n1\n2\n');
    const file = join(base, 'raw.bin');
    writeFileSync(file, 'a raw entry\nwith two lines');
    expect(ok(['log', 'append', '--dir', dir, '--file', file])).toBe('3\n');
    const many = Array.from({ length: 600 }, (_, i) => `line ${i}`).join('\n');
    const json = JSON.parse(ok(['log', 'append', '--dir', dir, '--json'], many));
    expect(json.indexes).toHaveLength(600);
    expect(json.size).toBe(604);
  });

  it('checkpoint prints the signed checkpoint', () => {
    const note = ok(['log', 'checkpoint', '--dir', dir]);
    expect(note).toMatch(/^cli\.detente\.example\/log\n604\n[A-Za-z0-9+/]{43}=\n\n— cli\.detente\.example\/log /);
  });

  it('prove prints inclusion and consistency proofs that verify', () => {
    const inc = JSON.parse(ok(['log', 'prove', '--dir', dir, '--index', '2', '--size', '604', '--json']));
    verifyInclusion(
      hasher,
      2,
      604,
      hasher.hashLeaf(new TextEncoder().encode('gamma')),
      inc.proof.map((p: string) => fromBase64(p)),
      fromBase64(inc.root),
    );
    const lines = ok(['log', 'prove', '--dir', dir, '--index', '2']).trim().split('\n');
    expect(lines).toEqual(inc.proof);
    const con = JSON.parse(ok(['log', 'prove', '--dir', dir, '--from', '3', '--to', '604', '--json']));
    verifyConsistency(
      hasher,
      3,
      604,
      con.proof.map((p: string) => fromBase64(p)),
      fromBase64(con.fromRoot),
      fromBase64(con.toRoot),
    );
    expect(con.fromCheckpoint).toMatch(/\n3\n/);
  });

  it('export writes a tlog-tiles tree, and a re-run writes only the checkpoint', () => {
    expect(ok(['log', 'export', '--dir', dir, '--out', out])).toMatch(/written/);
    expect(existsSync(join(out, 'tile/0/000'))).toBe(true);
    expect(existsSync(join(out, 'tile/0/002.p/92'))).toBe(true);
    expect(existsSync(join(out, 'tile/entries/002.p/92'))).toBe(true);
    expect(JSON.parse(ok(['log', 'export', '--dir', dir, '--out', out, '--json'])).written).toBe(1);
  });

  it('verify checks the store and the export', () => {
    expect(ok(['log', 'verify', '--dir', dir])).toMatch(/^OK cli\.detente\.example\/log: 604 entries/);
    expect(ok(['log', 'verify', '--path', out, '--vkey', vkey])).toMatch(/^OK .*604 entries/);
    expect(JSON.parse(ok(['log', 'verify', '--path', out, '--json'])).ok).toBe(true);
  });

  it('verify names what is wrong in a tampered export and exits non-zero', () => {
    const bundle = join(out, 'tile/entries/001');
    const original = readFileSync(bundle);
    writeFileSync(bundle, Buffer.from(original.toString('latin1').replace('line 300', 'line 30O'), 'latin1'));
    refused(
      ['log', 'verify', '--path', out, '--vkey', vkey],
      /entry 304 .*does not match its leaf hash in tile\/0\/001/,
    );
    writeFileSync(bundle, original);
    const other = ok(['log', 'init', '--dir', join(base, 'other'), '--origin', 'cli.detente.example/log']).trim();
    refused(['log', 'verify', '--path', out, '--vkey', other], /NOTE_/);
  });

  it('a witness cosigns, and the cosignature verifies', () => {
    const keyFile = join(base, 'witness.key');
    const witnessVkey = ok([
      'key',
      'generate',
      '--name',
      'witness.detente.example',
      '--out',
      keyFile,
      '--witness',
    ]).trim();
    const cpFile = join(base, 'checkpoint');
    writeFileSync(cpFile, ok(['log', 'checkpoint', '--dir', dir]));
    const line = ok([
      'log',
      'cosign',
      '--key',
      keyFile,
      '--checkpoint',
      cpFile,
      '--log-vkey',
      vkey,
      '--time',
      '1700000000',
    ]);
    expect(line).toMatch(/^— witness\.detente\.example [A-Za-z0-9+/]{102}==\n$/);
    writeFileSync(cpFile, readFileSync(cpFile, 'utf8') + line);
    expect(
      ok(['log', 'verify-cosignature', '--checkpoint', cpFile, '--vkey', witnessVkey, '--log-vkey', vkey]),
    ).toMatch(/OK witness\.detente\.example cosigned .* time 1700000000/);
    // The same line moved to another checkpoint does not verify.
    ok(['log', 'append', '--dir', dir], 'one more\n');
    const newer = join(base, 'newer');
    writeFileSync(newer, ok(['log', 'checkpoint', '--dir', dir]) + line);
    refused(
      ['log', 'verify-cosignature', '--checkpoint', newer, '--vkey', witnessVkey, '--log-vkey', vkey],
      /signature/i,
    );
  });

  it('refuses bad input with one clear line and changes nothing', () => {
    const before = ok(['log', 'checkpoint', '--dir', dir]);
    refused(['log', 'append', '--dir', dir, '--bogus'], /unknown option '--bogus'/);
    refused(['log', 'append', '--dir', join(base, 'missing')], /no such directory/);
    refused(['log', 'append', '--dir', dir], /65537 bytes/, `${'x'.repeat(65537)}\n`);
    refused(['log', 'prove', '--dir', dir, '--index', '-1'], /--index: expected a non-negative integer/);
    refused(['log', 'prove', '--dir', dir, '--index', '99999'], /beyond|not in a tree/);
    refused(['log', 'prove', '--dir', dir], /either --index/);
    refused(['log', 'verify', '--path', out, '--vkey', 'not a key'], /VKEY_MALFORMED|verifier key/);
    const bad = join(base, 'bad-checkpoint');
    writeFileSync(bad, 'not a checkpoint\n');
    refused(
      ['log', 'cosign', '--key', join(base, 'witness.key'), '--checkpoint', bad, '--log-vkey', vkey],
      /NOTE_MALFORMED|malformed|signature/i,
    );
    expect(ok(['log', 'checkpoint', '--dir', dir])).toBe(before);
  });
});

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the README, followed literally', () => {
  it('runs its log commands as written, and git and the linter ignore what they write', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const block = /## The log, from the command line\n+```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const commands = block.split('\n').filter((l) => l.trim() !== '');
    expect(commands.length).toBeGreaterThan(10);
    const cwd = tmp();
    let last = '';
    for (const command of commands) {
      const r = spawnSync('sh', ['-c', command.replaceAll('npx detente', `"${process.execPath}" "${CLI}"`)], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, CI: '1' },
      });
      expect([command, r.status, r.stderr]).toEqual([command, 0, '']);
      last = r.stdout;
    }
    expect(last).toMatch(/^OK witness\.example cosigned example\.org\/detente\/us at size 2, time \d+/);
    // Every hash a person reads is hex, labelled.
    const verified = detente(['log', 'verify', '--dir', join(cwd, 'us-log')]).stdout;
    expect(verified).toMatch(
      /^OK example\.org\/detente\/us: 2 entries, 1 tile and \d+ checkpoints verified against root [0-9a-f]{64} \(hex\)/,
    );
    for (const entry of readdirSync(cwd, { withFileTypes: true })) {
      // A pattern like /site/ matches a directory only: say which it is.
      const name = entry.isDirectory() ? `${entry.name}/` : entry.name;
      const ignored = spawnSync('git', ['check-ignore', '--no-index', '-q', name], { cwd: REPO });
      expect([name, ignored.status]).toEqual([name, 0]);
    }
  });
});

describe('detente log: the rough edges a newcomer met', () => {
  it('init: an origin with a space is named as the origin; a missing parent directory is not created', () => {
    const base = tmp();
    const spaced = detente(['log', 'init', '--dir', join(base, 'a'), '--origin', 'has space']);
    expect(spaced.code).toBe(1);
    expect(spaced.stderr).toBe(
      'detente: --origin "has space": a log origin has no spaces and no "+" (e.g. example.org/detente/us)\n',
    );
    const deep = join(base, 'no', 'such', 'log');
    const missing = detente(['log', 'init', '--dir', deep, '--origin', 'example.org/x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`detente: --dir ${deep}: the directory ${dirname(deep)} does not exist\n`);
    expect(existsSync(join(base, 'no'))).toBe(false);
  });

  it('append from standard input: a line too large is named by its line number, and what went in is said', () => {
    const dir = join(tmp(), 'log');
    detente(['log', 'init', '--dir', dir, '--origin', 'example.org/lines']);
    expect(detente(['log', 'append', '--dir', dir], 'one\ntwo\n').stdout).toBe('0\n1\n');
    const big = detente(['log', 'append', '--dir', dir], `three\n${'x'.repeat(70_000)}\nfour\n`);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(
      /^detente: line 2 of the input is 70000 bytes, more than the 65535 a tlog-tiles entry carries: append its hash \(sha256sum\)/,
    );
    expect(big.stderr).toContain('nothing was appended');
    expect(big.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(detente(['log', 'checkpoint', '--dir', dir, '--json']).stdout).size).toBe(2);
  });

  it("a witness key comes back from its file; the log's own key is refused as a witness's", () => {
    const base = tmp();
    const dir = join(base, 'log');
    const logVkey = detente(['log', 'init', '--dir', dir, '--origin', 'example.org/own']).stdout.trim();
    const printed = detente(['key', 'generate', '--name', 'w.example', '--out', join(base, 'w.key'), '--witness']);
    expect(detente(['key', 'vkey', '--key', join(base, 'w.key'), '--witness']).stdout).toBe(printed.stdout);
    expect(detente(['key', 'vkey', '--key', join(dir, 'log.key')]).stdout.trim()).toBe(logVkey);
    const cp = join(base, 'cp.txt');
    writeFileSync(cp, detente(['log', 'checkpoint', '--dir', dir]).stdout);
    const own = detente(['log', 'cosign', '--key', join(dir, 'log.key'), '--checkpoint', cp, '--log-vkey', logVkey]);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/^detente: cosign: --key is the log's own key: a witness cosigns with a key of its own/);
  });
});
