/**
 * Reading a QR code back from a PDF page as a reader with a scanner would: Debian's poppler (pdftoppm) renders the
 * page at 150 dpi, and jsQR reads the top left of it (a band at a time: with several codes on a page, jsQR may pair
 * the finder patterns of different codes).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { expect } from 'vitest';
import { parseTlogProof } from '../../src/tlog/proof-file.js';
import { detente } from './cli.js';

// jsqr is CommonJS with a default export: under NodeNext its default import is the module object.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

/** Throws a one-line reason when poppler-utils is missing. */
export function requirePoppler(): void {
  if (spawnSync('pdftoppm', ['-v']).error) {
    throw new Error('pdftoppm is missing: the PDF round trip needs poppler-utils (apt-get install -y poppler-utils)');
  }
}

export function pageCount(pdf: string): number {
  return Number(spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout.match(/Pages:\s+(\d+)/)![1]);
}

/** The left half of the top `fraction` of a PPM (P6) page, as the RGBA pixels jsQR reads. */
function topLeft(ppm: Buffer, fraction: number): { data: Uint8ClampedArray; width: number; height: number } {
  const header = ppm.subarray(0, 64).toString('latin1').split(/\s+/);
  const [pageWidth, pageHeight] = [Number(header[1]), Number(header[2])];
  const start = ppm.indexOf(0x0a, ppm.indexOf(0x0a, ppm.indexOf(0x0a) + 1) + 1) + 1;
  const width = Math.floor(pageWidth / 2);
  const height = Math.floor(pageHeight * fraction);
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

/** The text of the first QR code on page `page` of `pdf`, or null when none reads. */
export function readFirstQr(pdf: string, page: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'detente-qr-'));
  try {
    const r = spawnSync('pdftoppm', ['-f', String(page), '-l', String(page), '-r', '150', pdf, join(dir, 'page')]);
    if (r.status !== 0) throw new Error(`pdftoppm: ${r.stderr?.toString()}`);
    const file = readdirSync(dir).find((f) => f.endsWith('.ppm'))!;
    const ppm = readFileSync(join(dir, file));
    for (let fraction = 0.3; fraction <= 0.7; fraction += 0.05) {
      const { data, width, height } = topLeft(ppm, fraction);
      const code = jsQR(data, width, height);
      if (code) return code.data;
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The files attached to `pdf` (pdfdetach -saveall), by name. */
export function attachments(pdf: string): Map<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'detente-attach-'));
  try {
    const r = spawnSync('pdfdetach', ['-saveall', '-o', dir, pdf]);
    if (r.status !== 0) throw new Error(`pdfdetach: ${r.stderr?.toString()}`);
    return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The first proof on the PDF's last page read back from its QR code, checked with `detente verify-proof` under the
 * policy `policyOf` gives for its party against the entry attached beside it (`<party>-<index>.tlog-proof` and
 * `.entry`); then the proof with one hash changed, and the entry with one byte changed, refused. `dir` takes the
 * files. Returns the party and index the code carried.
 */
export function verifyRecordProof(
  pdf: string,
  policyOf: (party: string) => string,
  dir: string,
): { party: string; index: number } {
  const fromQr = readFirstQr(pdf, pageCount(pdf));
  expect(fromQr, 'a QR code on the proof page').not.toBeNull();
  const files = attachments(pdf);
  const attached = [...files].find(([f, bytes]) => f.endsWith('.tlog-proof') && bytes.toString() === fromQr);
  expect(attached, 'the attached proof the code carries').toBeDefined();
  const name = attached![0].slice(0, -'.tlog-proof'.length);
  const party = name.slice(0, name.lastIndexOf('-'));
  const index = Number(name.slice(name.lastIndexOf('-') + 1));
  const policy = policyOf(party);
  expect(parseTlogProof(fromQr!).index).toBe(index);
  writeFileSync(join(dir, 'qr.tlog-proof'), fromQr!);
  writeFileSync(join(dir, 'entry'), files.get(`${name}.entry`)!);
  const ok = detente(['verify-proof', join(dir, 'qr.tlog-proof'), '--entry', join(dir, 'entry'), '--policy', policy]);
  expect(ok.stderr).toBe('');
  expect(ok.stdout).toMatch(new RegExp(`^VALID: entry ${index} of \\S+ is in its tree`));

  const lines = fromQr!.split('\n');
  const hash = lines.findIndex((l, i) => i > 1 && /^[A-Za-z0-9+/]{43}=$/.test(l));
  expect(hash, 'a proof hash to change').toBeGreaterThan(1);
  lines[hash] = `${lines[hash]![0] === 'A' ? 'B' : 'A'}${lines[hash]!.slice(1)}`;
  writeFileSync(join(dir, 'tampered.tlog-proof'), lines.join('\n'));
  const bad = detente([
    'verify-proof',
    join(dir, 'tampered.tlog-proof'),
    '--entry',
    join(dir, 'entry'),
    '--policy',
    policy,
  ]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/\[PROOF_INVALID\]\n$/);

  const entry = Buffer.from(files.get(`${name}.entry`)!);
  const at = entry.length - 3;
  entry[at] = entry[at]! ^ 1;
  writeFileSync(join(dir, 'tampered.entry'), entry);
  const other = detente([
    'verify-proof',
    join(dir, 'qr.tlog-proof'),
    '--entry',
    join(dir, 'tampered.entry'),
    '--policy',
    policy,
  ]);
  expect(other.code).toBe(1);
  expect(other.stderr).toMatch(/\[PROOF_INVALID\]\n$/);
  return { party, index };
}
