/**
 * A complaint in a directory of logs, folded by foldDir: the fold keeps no sealed envelope (EngineOptions.rereadSealed)
 * and reads the one a complaint names again from its log. It judges the complaint as a fold that keeps every
 * envelope (the engine's `fold` of the same entries, read into memory), byte for byte, in every view; and a log
 * whose named entry changed underneath fails the fold with STORE_ERROR rather than judge other bytes.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { fold } from '../src/engine/engine.js';
import type { EngineEntry } from '../src/engine/types.js';
import { foldDir } from '../src/exercise/fold-dir.js';
import { exerciseContentKey, keySeed } from '../src/exercise/keys.js';
import { playScenario } from '../src/exercise/play.js';
import { loadLogs } from '../src/exercise/read.js';
import { logWriter, openLogDir, STORE_FILE } from '../src/log/log-dir.js';
import { buildEnvelope, type EnvelopeOf, encodeEntry, signEntry } from '../src/model/index.js';
import { nodeSuite, symmetricNode } from '../src/runtime/node-crypto.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-fold-complaint-');
let dir: string;
let target: EngineEntry;

beforeAll(async () => {
  dir = join(tmp(), 'play');
  const meta = await playScenario('european-security-2022', dir);
  const { set, entries } = loadLogs(dir, { verify: false });
  const regime = set.regime;
  // A US entry sealed for Russia; Russia complains about it with its true content key: a false complaint.
  target = entries.find(
    (e) => e.envelope.type === 'sealed' && e.envelope.party === 'us' && e.envelope.body.audience.includes('ru'),
  )!;
  const sealed = target.envelope as EnvelopeOf<'sealed'>;
  const keyId = regime.parties.find((p) => p.id === 'ru')!.keys.find((k) => k.roles.includes('declarant'))!.id;
  const at = target.countedAt + 86_400_000;
  const complaint = buildEnvelope({
    type: 'complaint',
    party: 'ru',
    key: keyId,
    issuedAt: new Date(at).toISOString(),
    body: {
      entry: { origin: target.origin, index: target.index, leafHash: target.leafHash },
      contentKey: toBase64(exerciseContentKey(meta.scenario, meta.seed, sealed)),
    },
  } as never);
  const log = openLogDir(join(dir, 'ru'), nodeSuite);
  try {
    const seed = keySeed(nodeSuite, meta.scenario, meta.seed, keyId);
    logWriter(log, nodeSuite, () => at).append([encodeEntry(signEntry(nodeSuite, complaint, seed))]);
  } finally {
    log.close();
  }
}, 120_000);

/** The fold of the directory's entries read into memory, every sealed envelope kept, as `reader` reads them. */
function foldKeepingEnvelopes(reader: string | undefined, asOf: number) {
  const { set, entries } = loadLogs(dir, { verify: false });
  const { scenario, seed } = set.meta!;
  const read = entries.map((e) =>
    reader !== undefined && e.envelope.type === 'sealed' && e.envelope.body.audience.includes(reader)
      ? { ...e, contentKey: exerciseContentKey(scenario, seed, e.envelope) }
      : e,
  );
  const options = {
    regime: set.regime,
    regimeHash: set.regimeHash,
    zones: set.zones,
    sym: symmetricNode,
    sha256: nodeSuite.sha256,
  };
  return fold(options, read).evaluate(asOf);
}

describe('a complaint folded from the logs', () => {
  it('is judged as by a fold that keeps every sealed envelope, in every view', () => {
    for (const reader of ['ru', 'us', 'nato', undefined]) {
      const folded = foldDir(dir, { verify: false, ...(reader ? { readAs: reader } : {}) });
      const answer = folded.engine.evaluate(folded.asOf);
      const complaints = answer.findings.filter((f) => f.rule === 'confidential.false-complaint');
      expect(complaints.map((f) => f.party)).toEqual(['ru']);
      expect(complaints[0]!.refs.map((r) => r.leafHash)).toContain(target.leafHash);
      expect(canonicalJson(answer)).toBe(canonicalJson(foldKeepingEnvelopes(reader, folded.asOf)));
    }
  });

  it('fails with STORE_ERROR when the named entry in the log is not the one its tile names', () => {
    // A store that lies: the target's ciphertext changed in its row, its tile's leaf hash left as it was. A fold that
    // trusts the store folds the changed entry under the tile's hash; judging the complaint, it reads the entry
    // again, finds bytes of another hash, and refuses to judge the complaint against them.
    const copy = join(tmp(), 'tampered');
    cpSync(dir, copy, { recursive: true });
    const db = new Database(join(copy, 'us', STORE_FILE));
    try {
      const row = db.prepare('SELECT data FROM entries WHERE idx = ?').get(target.index) as { data: Buffer };
      const text = row.data.toString('utf8');
      const at = text.indexOf('"ciphertext":"') + '"ciphertext":"'.length;
      const changed = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      db.prepare('UPDATE entries SET data = ? WHERE idx = ?').run(Buffer.from(changed), target.index);
    } finally {
      db.close();
    }
    expect(() => foldDir(copy, { verify: false, readAs: 'nato' })).toThrow(
      expect.objectContaining({ code: 'STORE_ERROR', message: expect.stringMatching(/cannot be read again/) }),
    );
    // Checking every entry, the changed one is refused as it is read, and the complaint names nothing folded.
    const checked = foldDir(copy, { readAs: 'nato' });
    expect(checked.set.problems.map((p) => p.code)).toContain('LOG_INCONSISTENT');
  });
});
