/**
 * A tlog-mirror fed through add-entries by a test client, checked with Go's reference code and none of ours: the
 * mirror's tiles and bundles are byte for byte the source's and pass test/interop/go/verify.go (x/mod sumdb/tlog),
 * and the checkpoint it serves carries a cosignature that note.Open verifies (test/interop/go/cosignature).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorPlugin } from '../src/api/mirror.js';
import { exportLog } from '../src/log/export.js';
import { MirrorReceiver, originHash } from '../src/node/mirror-receiver.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { MAX_PACKAGES_PER_REQUEST, parseMirrorInfo } from '../src/tlog/mirror-protocol.js';
import { buildGo, runGo } from './helpers/go.js';
import { hasher, listen, makeLog, quietApp, seed, suite, type TestLog } from './helpers/logs.js';
import { addCheckpointBody, addEntriesBody } from './helpers/mirror-upload.js';
import { tempDirs } from './helpers/tmp.js';

const GO = join(dirname(fileURLToPath(import.meta.url)), 'interop', 'go');
const tmp = tempDirs('detente-interop-mirror-');

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

describe('a mirror fed by add-entries, checked by Go', () => {
  let verifyBin = '';
  let cosigBin = '';
  let source: TestLog;
  let mirror: SqliteStore;
  let base = '';
  const app = quietApp();
  const cosigner = cosignerFromSeed(suite, 'interop.test/mirror', seed(11));
  const SIZE = 9000;

  beforeAll(async () => {
    const bin = tmp();
    verifyBin = buildGo(join(GO, 'verify.go'), bin);
    cosigBin = buildGo(join(GO, 'cosignature', 'verify-cosignature.go'), bin);
    source = makeLog(tmp(), 'interop.test/log', 12);
    source.grow(SIZE, 3000);
    mirror = SqliteStore.open(join(tmp(), 'mirror.sqlite'), source.origin, { create: true });
    const receiver = new MirrorReceiver({ logs: [{ vkey: source.vkey, store: mirror }], cosigner, suite });
    await app.register(mirrorPlugin, { receiver, logs: [{ store: mirror, vkey: source.vkey }], suite });
    base = (await listen(app)).base;
  });

  afterAll(async () => {
    await app.close();
    mirror.close();
    source.close();
  });

  it('ends with tiles identical to the source and a cosignature that verifies under Go note', async () => {
    const post = (path: string, body: string | Uint8Array) =>
      fetch(`${base}/mirror/${path}`, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body) });
    expect((await post('add-checkpoint', addCheckpointBody(source.store, hasher, 0, SIZE))).status).toBe(200);
    // The client sends at most 32 packages a request and resumes from each 202's next entry.
    let next = 0;
    let requests = 0;
    for (;;) {
      requests++;
      const res = await post(
        'add-entries',
        addEntriesBody(source.store, hasher, next, SIZE, { packages: MAX_PACKAGES_PER_REQUEST }),
      );
      const text = await res.text();
      if (res.status === 200) break;
      expect(res.status).toBe(202);
      next = parseMirrorInfo(text).nextEntry;
    }
    expect(requests).toBe(2);

    const out = tmp();
    exportLog(source.store, join(out, 'source'));
    exportLog(mirror, join(out, 'mirror'));
    const names = files(join(out, 'source'));
    expect(files(join(out, 'mirror'))).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(out, 'mirror', name)).equals(readFileSync(join(out, 'source', name))), name).toBe(true);
    }
    const go = runGo(verifyBin, [join(out, 'mirror'), source.vkey]);
    expect(go.stderr).toBe('');
    expect(go.stdout.trim()).toBe(`OK ${source.origin} ${SIZE}`);

    const served = await (await fetch(`${base}/mirror/${originHash(suite, source.origin)}/checkpoint`)).text();
    const file = join(out, 'served-checkpoint');
    writeFileSync(file, served);
    const cosig = runGo(cosigBin, [file, source.vkey, cosigner.verifierKey]);
    expect(cosig.stderr).toBe('');
    expect(cosig.stdout).toMatch(/^OK interop\.test\/mirror \d+\n$/);

    // Go refuses the same checkpoint with the cosignature's last signature byte changed.
    const lines = served.split('\n');
    const last = lines.findIndex((l) => l.startsWith(`— ${cosigner.name} `));
    const sig = Buffer.from(lines[last]!.split(' ')[2]!, 'base64');
    sig[sig.length - 1]! ^= 1;
    lines[last] = `— ${cosigner.name} ${sig.toString('base64')}`;
    writeFileSync(file, lines.join('\n'));
    const bad = runGo(cosigBin, [file, source.vkey, cosigner.verifierKey]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^FAIL: note.Open/);
  });
});
