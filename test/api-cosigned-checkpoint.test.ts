/**
 * The checkpoint a node serves carries the cosignatures it holds for exactly that checkpoint: verified over its
 * text (size and root), unknown or corrupt lines dropped, lines a source put in a mirrored note dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilesPlugin } from '../src/api/tiles.js';
import { parseNote } from '../src/crypto/note.js';
import { generateSigner, parseSignerKey } from '../src/crypto/vkey.js';
import { parseCheckpoint, signCheckpoint } from '../src/tlog/checkpoint.js';
import { cosignerFromSeed } from '../src/tlog/cosignature.js';
import { listen, makeLog, quietApp, seed, suite, type TestLog } from './helpers/logs.js';
import { until } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs();
const ORIGIN = 'cosigned.test/log';

describe('GET <prefix>/checkpoint with cosignatures', () => {
  let log: TestLog;
  const app = quietApp();
  let base = '';
  const held: string[] = [];
  let mirrorNote = '';
  const w1 = cosignerFromSeed(suite, 'cosigned.test/w1', seed(11));
  const w2 = cosignerFromSeed(suite, 'cosigned.test/w2', seed(12));
  const stranger = cosignerFromSeed(suite, 'cosigned.test/stranger', seed(13));

  beforeAll(async () => {
    log = makeLog(tmp(), ORIGIN, 1);
    log.grow(5);
    mirrorNote = log.store.head()!.checkpoint;
    await app.register(tilesPlugin, {
      logs: [
        {
          prefix: '/log',
          store: log.store,
          vkey: log.vkey,
          witnesses: [w1.verifierKey, w2.verifierKey],
          cosignatures: () => held,
          policy: 'quorum none\n',
        },
        {
          prefix: '/mirror',
          store: log.store,
          vkey: log.vkey,
          witnesses: [w1.verifierKey],
          checkpoint: () => mirrorNote,
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

  const served = async (path: string) => (await fetch(`${base}${path}`)).text();
  const text = () => parseNote(log.store.head()!.checkpoint).text;

  it('serves the log signature alone, then each held cosignature that verifies over this very checkpoint', async () => {
    expect(await served('/log/checkpoint')).toBe(log.store.head()!.checkpoint);
    const other = signCheckpoint(
      { ...parseCheckpoint(text()), root: new Uint8Array(32).fill(7) },
      parseSignerKey(generateSigner(suite, ORIGIN, seed(1)).skey, suite),
    );
    held.push(
      w1.cosignLine(text(), 1_700_000_000),
      w2.cosignLine(parseNote(other).text, 1_700_000_001), // same size, another root: a fork's
      stranger.cosignLine(text(), 1_700_000_002), // not a witness of this log
      '— cosigned.test/w2 AAAA', // corrupt
    );
    await until('the cosignature is served', async () => (await served('/log/checkpoint')).includes('/w1 '));
    const note = await served('/log/checkpoint');
    expect(note).toBe(`${log.store.head()!.checkpoint}${w1.cosignLine(text(), 1_700_000_000)}`);
    // A line learnt later is added (the node is asked again within a quarter second), the refused ones stay out.
    held.push(w2.cosignLine(text(), 1_700_000_003));
    const names = async () => parseNote(await served('/log/checkpoint')).signatures.map((s) => s.name);
    await until('the later cosignature is served', async () => (await names()).length === 3);
    expect(await names()).toEqual([ORIGIN, 'cosigned.test/w1', 'cosigned.test/w2']);
    expect(await served('/log/policy')).toBe('quorum none\n');
  });

  it('drops signature lines a mirrored note carried in from its source', async () => {
    mirrorNote = `${log.store.head()!.checkpoint}${stranger.cosignLine(text(), 5)}— cosigned.test/w1 AAAAAAAAAAA=\n`;
    expect(await served('/mirror/checkpoint')).toBe(log.store.head()!.checkpoint);
    expect((await fetch(`${base}/mirror/policy`)).status).toBe(404);
  });
});
