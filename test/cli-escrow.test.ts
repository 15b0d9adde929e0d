/** `detente declare / open / verify-opening / select` end to end, and every tampering of an opening file. */
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { declarationBodyOf, escrowCategories, escrowItemOf } from '../src/engine/escrow-entries.js';
import { buildEscrowTree, createOpening } from '../src/escrow/index.js';
import { logWriter, openLogDir } from '../src/log/log-dir.js';
import { inclusionProofFromStore } from '../src/log/proofs.js';
import { buildEnvelope, encodeEntry, parseRegime, signEntry } from '../src/model/index.js';
import { readSeed } from '../src/node/config.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { detente, detenteAsync } from './helpers/cli.js';
import { addUser, freePort, initNodes, regimeSignature, startNode, submit } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-escrow-cli-');

const ITEMS = `uid,category,site,status,warheads
RS-24-0001,icbm,kozelsk,deployed,4
RS-24-0002,icbm,kozelsk,deployed,4
RS-24-0003,icbm,kozelsk,non-deployed,
RSM-56-01,slbm,gadzhiyevo,deployed,6
`;

describe('escrowed declarations through the CLI (a party node directory)', () => {
  let root: string;
  let ru: string;
  let opening: string;

  beforeAll(() => {
    root = tmp();
    ru = initNodes(() => root, ['us', 'ru']).get('ru')!;
    writeFileSync(join(root, 'items.csv'), ITEMS);
  });

  it('declare commits the items: root, leaves and totals printed; secrets kept private', () => {
    const r = detente(['declare', '--dir', ru, '--commit', join(root, 'items.csv'), '--as-of', '2022-03-01', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.root).toMatch(/^[0-9a-f]{64}$/);
    expect(out.leaves).toBe(64);
    // Totals per (category, status), and the warheads they carry (docs/ESCROW.md §2.7).
    expect(out.totals['icbm:deployed']).toBe(2);
    expect(out.totals['icbm:non-deployed']).toBe(1);
    expect(out.totals['icbm:deployed/warheads']).toBe(8);
    expect(out.totals['slbm:deployed']).toBe(1);
    expect(out.totals['slbm:deployed/warheads']).toBe(6);
    expect(statSync(out.secrets).mode & 0o777).toBe(0o600);
  });

  it('a second declaration for the same period is refused', () => {
    const r = detente(['declare', '--dir', ru, '--commit', join(root, 'items.csv'), '--as-of', '2022-03-01']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('COMMITMENT_DUPLICATE');
  });

  it('open --site writes a self-contained opening file that verify-opening accepts', () => {
    opening = join(root, 'kozelsk.json');
    const r = detente(['open', '--dir', ru, '--site', 'kozelsk', '--out', opening]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = detente(['verify-opening', opening]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('OK: 3 leaves');
    expect(v.stdout).toContain('RS-24-0003 at kozelsk');
    const vkey = JSON.parse(readFileSync(opening, 'utf8')).vkey;
    const given = detente(['verify-opening', opening, '--vkey', vkey]);
    expect(given.code).toBe(0);
    expect(given.stdout).toContain('--vkey');
  });

  it('a long opening is summarised on the terminal, in full with --json', () => {
    const many = Array.from({ length: 30 }, (_, i) => `RS-24-1${String(i).padStart(3, '0')},icbm,kozelsk,deployed,4`);
    const own = tmp();
    const node = initNodes(() => own, ['us', 'ru']).get('ru')!;
    writeFileSync(join(own, 'many.csv'), `uid,category,site,status,warheads\n${many.join('\n')}\n`);
    const d = detente(['declare', '--dir', node, '--commit', join(own, 'many.csv'), '--as-of', '2023-03-01']);
    expect(d.code, d.stderr).toBe(0);
    const out = join(own, 'many.json');
    const r = detente(['open', '--dir', node, '--site', 'kozelsk', '--out', out, '--no-record']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^opened 30 leaves of ru's declaration as of 2023-03-01 \(/);
    expect(r.stdout).toContain(', … and 18 more (--json lists them all)');
    const v = detente(['verify-opening', out]);
    expect(v.stdout).toContain('OK: 30 leaves');
    expect(v.stdout).toContain('… and 18 more');
    expect(JSON.parse(detente(['verify-opening', out, '--json']).stdout).leaves).toHaveLength(30);
  });

  it('open --items opens chosen leaves', () => {
    const out = join(root, 'one.json');
    expect(detente(['open', '--dir', ru, '--items', 'RSM-56-01', '--out', out, '--no-record']).code).toBe(0);
    expect(detente(['verify-opening', out]).code).toBe(0);
  });

  const tamper = (name: string, edit: (f: any) => void, fault: RegExp) => {
    it(`refuses a tampered file: ${name}`, () => {
      const f = JSON.parse(readFileSync(opening, 'utf8'));
      edit(f);
      const path = join(root, `tampered-${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(path, JSON.stringify(f));
      const r = detente(['verify-opening', path]);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toMatch(fault);
    });
  };
  const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);

  tamper(
    'wrong salt',
    (f) => (f.opening.leaves[0].salt = flipHex(f.opening.leaves[0].salt)),
    /opening: .*not the committed root.*\[ESCROW_INVALID\]/,
  );
  tamper(
    'changed count',
    (f) => (f.opening.leaves[0].item.counts['icbm:deployed'] = 2),
    /opening: .*\[ESCROW_INVALID\]/,
  );
  tamper('changed site', (f) => (f.opening.leaves[0].item.site = 'engels'), /opening: .*\[ESCROW_INVALID\]/);
  tamper('negative sum', (f) => (f.opening.nodes[0].sums[0] = -1), /opening: .*negative.*\[ESCROW_INVALID\]/);
  tamper(
    'path from another tree',
    (f) => (f.opening.nodes[1].hash = flipHex(f.opening.nodes[1].hash)),
    /opening: .*\[ESCROW_INVALID\]/,
  );
  tamper(
    'index beyond the tree',
    (f) => (f.opening.leaves[f.opening.leaves.length - 1].index = 64),
    /opening: .*beyond the tree.*\[ESCROW_INVALID\]/,
  );
  tamper(
    'totals that disagree with the root',
    (f) => (f.opening.commitment.totals['icbm:deployed'] = 3),
    /opening: .*not the published commitment.*\[ESCROW_INVALID\]/,
  );
  tamper(
    'another root',
    (f) => (f.opening.commitment.root = flipHex(f.opening.commitment.root)),
    /opening: .*\[ESCROW_INVALID\]/,
  );
  tamper(
    'entry bytes changed',
    (f) => {
      const b = Buffer.from(f.declaration.entry, 'base64');
      b[b.length - 5] = b[b.length - 5]! ^ 1;
      f.declaration.entry = b.toString('base64');
    },
    /declaration entry: .*leaf hash.*\[PROOF_INVALID\]/,
  );
  tamper(
    'inclusion proof changed',
    (f) => {
      const p = Buffer.from(f.inclusion.proof[0], 'base64');
      p[0] = p[0]! ^ 1;
      f.inclusion.proof[0] = p.toString('base64');
    },
    /inclusion proof: .*\[PROOF_INVALID\]/,
  );
  tamper(
    'checkpoint signature',
    (f) =>
      (f.checkpoint = f.checkpoint.replace(
        /(\n\n\u2014 \S+ )(\S)/,
        (_m: string, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'),
      )),
    /checkpoint: .*\[NOTE_/,
  );
  tamper(
    'signer key',
    (f) => (f.declaration.publicKey = Buffer.alloc(32, 7).toString('base64')),
    /entry signature: .*\[SIGNATURE_INVALID\]/,
  );
  tamper('not an opening file', (f) => (f.format = 'something'), /file: .*\[ESCROW_MALFORMED\]/);

  it('refuses a file checked against a log key other than the one given', () => {
    const other = initNodes(() => tmp(), ['us']).get('us')!;
    const vkey = readFileSync(join(other, 'log', 'log.vkey'), 'utf8').trim();
    const r = detente(['verify-opening', opening, '--vkey', vkey]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/checkpoint: .*\[NOTE_/);
  });
});

describe('detente select on an exercise directory', () => {
  let played: string;
  const copy = () => {
    const d = join(tmp(), 'ex');
    cpSync(played, d, { recursive: true });
    return d;
  };

  beforeAll(() => {
    played = join(tmp(), 'ex');
    const r = detente(['scenario', 'play', 'european-security-2022', '--dir', played]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('commits, reveals and prints the joint selection with its detection probabilities, deterministically', () => {
    const args = ['--round', 'aegis-2022-1', '--inspection', 'aegis-ashore-transparency'];
    const a = detente(['select', '--dir', copy(), ...args]);
    const b = detente(['select', '--dir', copy(), ...args]);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain('status joint');
    // Times as everywhere else on the command line, not RFC 3339.
    expect(a.stdout).toMatch(/commit by \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC, reveal by /);
    expect(a.stdout).not.toMatch(/\dT\d\d:\d\d/);
    expect(a.stdout).toMatch(/seed [0-9a-f]{64} \(from ru, us\)/);
    expect(a.stdout).toMatch(/selected 1 of 2: (deveselu|redzikowo)/);
    expect(a.stdout).toContain('P(detect ≥ 1) with k undeclared among N = 2, n = 1 sampled (hypergeometric)');
    expect(a.stdout).toMatch(/\n\s+1\s+0\.5000\n/);
  });

  it('an unknown inspection type is refused in one line that lists the regime’s types', () => {
    const r = detente(['select', '--dir', copy(), '--round', 'aegis-2022-1', '--inspection', 'nosuch']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--inspection: no inspection type nosuch; the regime has .*aegis-ashore-transparency/);
    expect(r.stdout).toBe('');
  });

  it('a second run reads the draw already recorded and adds nothing', () => {
    const dir = copy();
    const args = [
      'select',
      '--dir',
      dir,
      '--round',
      'aegis-2022-1',
      '--inspection',
      'aegis-ashore-transparency',
      '--json',
    ];
    const first = JSON.parse(detente(args).stdout);
    const second = JSON.parse(detente(args).stdout);
    expect(second).toEqual(first);
    expect(first.commits).toHaveLength(2);
    expect(first.reveals).toHaveLength(2);
  });

  it('a party that withholds its reveal: a finding once the deadline passes, and the fallback decides', () => {
    const r = detente([
      'select',
      '--dir',
      copy(),
      '--round',
      'ru-bases-2022-1',
      '--inspection',
      'ru-ground-missile-base-transparency',
      '--withhold',
      'ru',
      '--as-of',
      '2023-12-31T00:00:00Z',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe('fallback');
    expect(s.designatedBy).toBe('us');
    expect(s.findings.map((f: { rule: string; party: string }) => `${f.rule} ${f.party}`)).toEqual([
      'draw.reveal-missing ru',
    ]);
    expect(s.detection.find((d: { k: number }) => d.k === 1).probability).toBeCloseTo(1 / 3, 12);
  });
});

describe('declare beside a running node', () => {
  it('appends under the log lock; the node keeps appending after it', async () => {
    const root = tmp();
    const dirs = initNodes(() => root, ['us', 'ru']);
    const ru = dirs.get('ru')!;
    writeFileSync(join(root, 'items.json'), JSON.stringify({ asOf: '2022-09-01', items: [] }));
    const token = addUser(ru, 'ru', 'ru-officer', ['declarant']);
    const node = await startNode(ru, await freePort(), []);
    try {
      const first = await submit(node.url, token, regimeSignature(node.node));
      expect(first.status).toBe(201);
      const r = await detenteAsync(['declare', '--dir', ru, '--commit', join(root, 'items.json'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const declared = JSON.parse(r.stdout);
      expect(declared.entry.index).toBe(first.json.index + 1);
      expect(declared.leaves).toBe(64);
      const next = await submit(node.url, token, regimeSignature(node.node));
      expect(next.status).toBe(201);
      expect(next.json.index).toBe(declared.entry.index + 1);
    } finally {
      await node.close();
    }
  });
});

describe('verify-opening --regime: the signer must be the party’s declarant key, the log the party’s', () => {
  let root: string;
  let ru: string;
  let us: string;
  let genuine: string;
  const regimeArgs = () => ['--regime', join(ru, 'regime.yaml'), '--keys', join(ru, 'regime-keys.json')];

  beforeAll(() => {
    root = tmp();
    const dirs = initNodes(() => root, ['us', 'ru']);
    ru = dirs.get('ru')!;
    us = dirs.get('us')!;
    writeFileSync(join(root, 'items.csv'), ITEMS);
    expect(detente(['declare', '--dir', ru, '--commit', join(root, 'items.csv'), '--as-of', '2022-03-01']).code).toBe(
      0,
    );
    genuine = join(root, 'genuine.json');
    expect(detente(['open', '--dir', ru, '--site', 'kozelsk', '--out', genuine]).code).toBe(0);
  });

  it('a genuine opening verifies against the regime, and says where each key came from', () => {
    const r = detente(['verify-opening', genuine, ...regimeArgs()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("log key: ru's log key in the regime");
    expect(r.stdout).toContain("signer: ru-declarant, ru's declarant key in the regime");
    const alone = detente(['verify-opening', genuine]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain("signer: ru-declarant, checked only against the file's own public key and log key");
  });

  /**
   * A declaration in ru's log (appended behind the node's checks, as a compromised or careless operator could)
   * signed by another party's declarant key; the file carries that key, so the signature itself is valid.
   */
  function forged(name: string, keyInEnvelope: string, asOf: string): string {
    const log = openLogDir(join(ru, 'log'), nodeSuite);
    try {
      const regime = parseRegime(readFileSync(join(ru, 'regime.yaml'), 'utf8'), {
        keys: JSON.parse(readFileSync(join(ru, 'regime-keys.json'), 'utf8')),
      });
      const items = [{ uid: 'RS-24-0001', category: 'icbm', site: 'kozelsk', status: 'deployed' }] as const;
      const tree = buildEscrowTree(
        items.map((i) => escrowItemOf(i, escrowCategories(regime))),
        {
          categories: escrowCategories(regime),
          paddingBound: regime.escrow!.padding.multipleOf,
          sha256: nodeSuite.sha256,
        },
      );
      const seed = readSeed(us, 'us-declarant');
      const envelope = buildEnvelope({
        type: 'declaration',
        party: 'ru',
        key: keyInEnvelope,
        issuedAt: '2022-05-01T00:00:00Z',
        body: declarationBodyOf(tree.commitment(), asOf),
      } as never);
      const leaf = encodeEntry(signEntry(nodeSuite, envelope, seed));
      const { first } = logWriter(log, nodeSuite).append([leaf]);
      const head = log.store.head()!;
      const hasher = new Rfc6962Hasher(nodeSuite.sha256);
      const file = {
        format: 'detente-opening/1',
        party: 'ru',
        opening: createOpening(tree, [tree.leafIndexOf('RS-24-0001')]),
        declaration: {
          origin: log.store.origin,
          index: first,
          leafHash: Buffer.from(hasher.hashLeaf(leaf)).toString('hex'),
          entry: Buffer.from(leaf).toString('base64'),
          publicKey: Buffer.from(nodeSuite.ed25519.publicKey(seed)).toString('base64'),
        },
        inclusion: {
          size: head.size,
          proof: inclusionProofFromStore(log.store, hasher, first, head.size).proof.map((p) =>
            Buffer.from(p).toString('base64'),
          ),
        },
        checkpoint: head.checkpoint,
        vkey: log.vkey,
      };
      const path = join(root, `${name}.json`);
      writeFileSync(path, JSON.stringify(file));
      return path;
    } finally {
      log.close();
    }
  }

  it('another party’s key under the party’s key name: accepted on the file’s word alone, refused with --regime', () => {
    const path = forged('misattributed', 'ru-declarant', '2022-05-01');
    const alone = detente(['verify-opening', path]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain('checked only against the file');
    const r = detente(['verify-opening', path, ...regimeArgs()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /signer: the file's signer key \S+ is not ru's declarant key ru-declarant .*\[KEY_UNKNOWN\]/,
    );
  });

  it('an entry naming another party’s declarant key: refused with --regime, naming the key', () => {
    const path = forged('other-key', 'us-declarant', '2022-06-01');
    expect(detente(['verify-opening', path]).code).toBe(0);
    const r = detente(['verify-opening', path, ...regimeArgs()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /signer: the entry names key us-declarant, which is not a declarant key of ru .*\[KEY_UNKNOWN\]/,
    );
  });

  it('a file that says it is another party’s: the log is not that party’s', () => {
    const f = JSON.parse(readFileSync(genuine, 'utf8'));
    f.party = 'us';
    const path = join(root, 'wrong-party.json');
    writeFileSync(path, JSON.stringify(f));
    // With the regime's log key of us, ru's checkpoint does not verify at all.
    const byRegime = detente(['verify-opening', path, ...regimeArgs()]);
    expect(byRegime.code).toBe(1);
    expect(byRegime.stderr).toMatch(/checkpoint: .*\[NOTE_UNVERIFIED\]/);
    // With ru's log key given, the checkpoint verifies, and the origin is named as the fault.
    const r = detente(['verify-opening', path, '--vkey', f.vkey, ...regimeArgs()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/log origin: the entry is in log \S+\/ru, us's is \S+\/us \[KEY_UNKNOWN\]/);
  });

  it('--regime of a party the file does not name, and --keys without --regime, are refused', () => {
    const f = JSON.parse(readFileSync(genuine, 'utf8'));
    f.party = 'atlantis';
    const path = join(root, 'no-party.json');
    writeFileSync(path, JSON.stringify(f));
    const r = detente(['verify-opening', path, ...regimeArgs()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/party: "atlantis" is not a party of regime .*\[KEY_UNKNOWN\]/);
    expect(detente(['verify-opening', genuine, '--keys', join(ru, 'regime-keys.json')]).code).not.toBe(0);
  });
});
