/**
 * `detente report compliance`: a PDF in both languages whose QR codes carry the logs' signed checkpoints. Round
 * trip: Debian's poppler (pdftoppm) renders the pages, jsQR reads the code back, and the checkpoint it holds verifies
 * against the log's key.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../src/crypto/vkey.js';
import { playScenario } from '../src/exercise/play.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { openCheckpoint } from '../src/tlog/checkpoint.js';
import { detente } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

// jsqr is CommonJS with a default export: under NodeNext its default import is the module object.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;
const tmp = tempDirs('detente-report-');
let play: string;

beforeAll(() => {
  if (spawnSync('pdftoppm', ['-v']).error) {
    throw new Error('pdftoppm is missing: the PDF round trip needs poppler-utils (apt-get install -y poppler-utils)');
  }
  play = join(tmp(), 'play');
  playScenario('european-security-2022', play);
}, 120_000);

/**
 * The top left of a PPM (P6) page from pdftoppm, as the RGBA pixels jsQR reads: the first log's code alone (with
 * three on the page, jsQR may pair the finder patterns of different codes).
 */
function firstCode(ppm: Buffer): { data: Uint8ClampedArray; width: number; height: number } {
  const header = ppm.subarray(0, 64).toString('latin1').split(/\s+/);
  const [pageWidth, pageHeight] = [Number(header[1]), Number(header[2])];
  const start = ppm.indexOf(0x0a, ppm.indexOf(0x0a, ppm.indexOf(0x0a) + 1) + 1) + 1;
  const width = Math.floor(pageWidth / 2);
  const height = Math.floor(pageHeight * 0.35);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = start + (y * pageWidth + x) * 3;
      const to = (y * width + x) * 4;
      data[to] = ppm[from]!;
      data[to + 1] = ppm[from + 1]!;
      data[to + 2] = ppm[from + 2]!;
      data[to + 3] = 255;
    }
  }
  return { data, width, height };
}

describe('detente report compliance', () => {
  it('writes both languages, and its QR code reads back as a checkpoint that verifies with the log’s key', () => {
    const dir = tmp();
    const out = join(dir, 'compliance.pdf');
    const r = detente(['report', 'compliance', '--dir', play, '--as-of', '2022-12-31', '--lang', 'both', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const text = spawnSync('pdftotext', [out, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain('Compliance summary');
    expect(text).toContain('Сводка о соблюдении');
    expect(text).toContain('As of 2022-12-31 23:59 UTC');
    // The page of checkpoints: the last one.
    const pages = spawnSync('pdfinfo', [out], { encoding: 'utf8' }).stdout.match(/Pages:\s+(\d+)/)![1]!;
    const ppm = spawnSync('pdftoppm', ['-f', pages, '-l', pages, '-r', '150', out, join(dir, 'page')]);
    expect(ppm.status, ppm.stderr?.toString()).toBe(0);
    const file = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.ppm'))!;
    const { data, width, height } = firstCode(readFileSync(join(dir, file)));
    const code = jsQR(data, width, height);
    expect(code, 'a QR code on the page').not.toBeNull();
    const vkeys = readdirSync(play, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        try {
          return readFileSync(join(play, d.name, 'log.vkey'), 'utf8').trim();
        } catch {
          return undefined;
        }
      })
      .filter((v): v is string => v !== undefined);
    const origin = code!.data.split('\n')[0]!;
    const vkey = vkeys.find((v) => v.startsWith(`${origin}+`));
    expect(vkey, `the log key of ${origin}`).toBeDefined();
    const { checkpoint } = openCheckpoint(code!.data, parseVerifierKey(vkey!, nodeSuite));
    expect(checkpoint.origin).toBe(origin);
    expect(checkpoint.size).toBeGreaterThan(0);
    // One bit changed in what the code carries: refused.
    const tampered = code!.data.replace(/\n(\d+)\n/, (_: string, n: string) => `\n${Number(n) + 1}\n`);
    expect(() => openCheckpoint(tampered, parseVerifierKey(vkey!, nodeSuite))).toThrow();
  });

  it('refuses a language it does not know, in one line', () => {
    const r = detente(['report', 'compliance', '--dir', play, '--lang', 'fr', '--out', join(tmp(), 'x.pdf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('detente: --lang: expected en, ru or both, got "fr"\n');
  });
});
