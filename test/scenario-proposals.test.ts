/**
 * Proposals recorded by hash (issue 15): the entry's checks (forum, track, who sits in the forum), the engine's
 * list of them, and the 2022 scenario's block (Russia's drafts of 17 December 2021, the US and NATO answers of 26
 * January 2022) played into logs with its blobs, the drafts compared with `detente regime diff --dir`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/bytes.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { buildEnvelope, type EnvelopeFields, vocabularyProblems } from '../src/model/index.js';
import { Script, text } from './engine-helpers.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';
import { loadScenario, suite } from './model-helpers.js';

const tmp = tempDirs();
const DIR = join('scenarios', 'european-security-2022');
const sha = (path: string) => toHex(suite.sha256(new Uint8Array(readFileSync(join(DIR, path)))));
const blob = (path: string) => ({
  sha256: sha(path),
  size: readFileSync(join(DIR, path)).length,
  mediaType: 'text/markdown',
});
const body = (over: Record<string, unknown> = {}) => ({
  forum: 'ssd',
  track: 'inf-range-missiles',
  title: text('Draft'),
  tabled: '2021-12-17T00:00:00Z',
  document: blob('proposals/ru-draft-treaty-2021-12-17.md'),
  ...over,
});

describe('proposal entries', () => {
  const regime = loadScenario();
  const problems = (party: string, b: unknown) =>
    vocabularyProblems(
      regime,
      buildEnvelope({
        type: 'proposal',
        party,
        key: `${party}-declarant`,
        issuedAt: '2022-12-23T10:00:00Z',
        body: b,
      } as EnvelopeFields),
    ).map((p) => `${p.path}: ${p.message}`);

  it('refuses an unknown forum or track, a track of another forum, and a party not in the forum, naming the field', () => {
    expect(problems('ru', body())).toEqual([]);
    expect(problems('ru', body({ forum: 'g20' }))).toEqual([
      '$.body.forum: unknown forum "g20" (not in regime "european-security-2022")',
    ]);
    expect(problems('ru', body({ track: 'moon' }))).toEqual([
      '$.body.track: unknown track "moon" (not in regime "european-security-2022")',
    ]);
    expect(problems('ru', body({ forum: 'nrc' }))).toEqual([
      '$.body.track: track "inf-range-missiles" is negotiated in "ssd", not "nrc"',
    ]);
    expect(problems('nato', body())).toEqual(['$.party: "nato" is neither a party to forum "ssd" nor consulted by it']);
    // Ukraine does not sit in the SSD but is consulted there ("nothing about Ukraine, without Ukraine").
    expect(problems('ua', body({ track: 'ukraine-force-posture' }))).toEqual([]);
    expect(problems('ro', body())).toEqual(['$.party: "ro" is neither a party to forum "ssd" nor consulted by it']);
  });

  it('the engine lists proposals in the order tabled, with their hashes, from the time their entry counts', () => {
    const s = new Script();
    s.add('us', 'proposal', body({ tabled: '2022-01-26T00:00:00Z' }), '2022-02-01');
    s.add('ru', 'proposal', body({ draft: { ...blob('proposals/ru-draft-treaty-2021-12-17.md') } }), '2022-02-02');
    expect(s.evaluate('2022-01-31').state.proposals).toBeUndefined();
    const list = s.evaluate('2022-02-03').state.proposals!;
    expect(list.map((p) => [p.party, p.tabled, p.recorded, p.draft !== undefined])).toEqual([
      ['ru', '2021-12-17T00:00:00.000Z', '2022-02-02T00:00:00.000Z', true],
      ['us', '2022-01-26T00:00:00.000Z', '2022-02-01T00:00:00.000Z', false],
    ]);
    expect(list[0]!.document.sha256).toBe(sha('proposals/ru-draft-treaty-2021-12-17.md'));
  });
});

describe('the 2022 scenario records the winter 2021-2022 proposals by hash', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(tmp(), 'play');
    const meta = await playScenario('european-security-2022', dir);
    expect(meta.refused.find((r) => r.step === 'nato-proposal-wrong-forum')?.message).toContain(
      '$.entry.party: "nato" is neither a party to forum "ssd" nor consulted by it',
    );
  });

  it('five proposals, each citing its file by SHA-256; the drafts are stored as blobs and compared by regime diff', () => {
    const { engine, asOf } = foldDir(dir);
    const list = engine.state(asOf).proposals!;
    // Ukraine's record on the force-posture track is the scenario's (a SYNTHETIC file, proposals/README.md).
    expect(list.map((p) => [p.party, p.forum, p.tabled.slice(0, 10), p.document.name])).toEqual([
      ['ru', 'ssd', '2021-12-17', 'ru-draft-treaty-2021-12-17.md'],
      ['ru', 'nrc', '2021-12-17', 'ru-draft-agreement-2021-12-17.md'],
      ['nato', 'nrc', '2022-01-26', 'nato-answer-2022-01-26.md'],
      ['us', 'ssd', '2022-01-26', 'us-answer-2022-01-26.md'],
      ['ua', 'ssd', '2022-04-01', 'ua-position-2022-04-01.md'],
    ]);
    for (const p of list) expect(p.document.sha256).toBe(sha(`proposals/${p.document.name}`));
    const ru = list[0]!.draft!.sha256;
    const us = list[3]!.draft!.sha256;
    expect(ru).toBe(sha('proposals/ru-draft-treaty-2021-12-17.yaml'));
    expect(us).toBe(sha('regime.yaml'));
    const r = detente(['regime', 'diff', '--dir', dir, us, ru]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('changed: id, name');
    expect(r.stdout).toContain('  + no-inf-range-glm-in-romania');
    expect(r.stdout).toContain('  + poland');
    const missing = detente(['regime', 'diff', '--dir', dir, us, '0'.repeat(64)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no blob ${'0'.repeat(64)} in the logs of ${dir}`);
  });
});
