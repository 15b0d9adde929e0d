/**
 * Rendering the compliance summary as a PDF (src/report): a document of about 20 pages (the scenario's findings
 * repeated), both languages side by side with PT Sans embedded and a QR code per log, against a baseline measured in
 * the same run: pdfkit setting the same English lines in its built-in Helvetica, one column, no QR codes.
 *
 *   npx tsc -p . && node dist/bench/compliance-pdf.js [--pages 20] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { foldDir } from '../src/exercise/fold-dir.js';
import { playScenario } from '../src/exercise/play.js';
import { openLogSet } from '../src/exercise/read.js';
import { renderMessage } from '../src/i18n/index.js';
import { renderCompliancePdf } from '../src/report/compliance-pdf.js';
import { lastEntryProofs } from '../src/report/log-proofs.js';
import { fmt, header, maxRssMiB, row, secondsAsync, table } from './harness.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const pagesWanted = arg('pages', 20);
const runs = arg('runs', 5);
const dir = mkdtempSync(join(tmpdir(), 'detente-bench-pdf-'));
try {
  await playScenario('european-security-2022', join(dir, 'play'));
  const f = foldDir(join(dir, 'play'));
  const { state, findings: one } = f.engine.evaluate(f.asOf);
  const set = openLogSet(join(dir, 'play'));
  const proofs = lastEntryProofs(set.logs, f.asOf);
  set.close();
  const pageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
  // Enough copies of the findings for the pages asked (measured once with one copy).
  const render = (copies: number) =>
    renderCompliancePdf({
      regime: f.set.regime,
      state,
      findings: Array.from({ length: copies }, () => one).flat(),
      proofs,
      lang: 'both',
    });
  const perCopy = (await render(4)).length > 0 ? pageCount(await render(4)) / 4 : 1;
  const copies = Math.max(1, Math.round(pagesWanted / perCopy));
  const findings = Array.from({ length: copies }, () => one).flat();

  const baseline = () =>
    new Promise<Buffer>((resolve) => {
      const doc = new PDFDocument({ size: 'A4', margin: 48 });
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.fontSize(8.5);
      for (const x of findings) doc.text(`${x.severity} · ${x.party} · ${x.at}\n${renderMessage(x.message, 'en')}`);
      doc.end();
    });

  header(`Compliance PDF: ${findings.length} findings, both languages, ${proofs.length} QR codes`);
  let ours: Buffer = Buffer.alloc(0);
  let base: Buffer = Buffer.alloc(0);
  const oursTimes: number[] = [];
  const baseTimes: number[] = [];
  const heap = (fn: () => Promise<void>) => async () => {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 5);
    await fn();
    clearInterval(timer);
    return (Math.max(peak, process.memoryUsage().heapUsed) - before) / 2 ** 20;
  };
  let oursMiB = 0;
  let baseMiB = 0;
  for (let r = 0; r < runs; r++) {
    baseTimes.push(
      await secondsAsync(async () => {
        base = await baseline();
      }),
    );
    oursTimes.push(
      await secondsAsync(async () => {
        ours = await render(copies);
      }),
    );
  }
  baseMiB = await heap(async () => {
    base = await baseline();
  })();
  oursMiB = await heap(async () => {
    ours = await render(copies);
  })();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  table(['what', 'ours', 'baseline', 'ratio', '']);
  row('pages', fmt(pageCount(ours)), fmt(pageCount(base)), pageCount(ours) / pageCount(base));
  row(
    `time, median of ${runs} (s)`,
    fmt(median(oursTimes), 3),
    fmt(median(baseTimes), 3),
    median(oursTimes) / median(baseTimes),
  );
  row('heap growth while rendering (MiB)', fmt(oursMiB, 1), fmt(baseMiB, 1), oursMiB / Math.max(baseMiB, 0.1));
  row('file size (KiB)', fmt(ours.length / 1024), fmt(base.length / 1024), ours.length / base.length);
  console.log(`peak RSS of this process: ${fmt(maxRssMiB())} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
