/**
 * `detente report compliance`: the compliance summary of a directory of party logs as of a date, as a PDF in
 * English, Russian or both side by side, with each log's signed checkpoint as text and QR code (src/report).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { foldDir, openLogSet } from '../exercise/read.js';
import { type LogCheckpoint, type ReportLang, renderCompliancePdf } from '../report/compliance-pdf.js';
import { UsageError } from './output.js';
import { parseAsOf } from './status-commands.js';

function reportLang(value: string): ReportLang {
  if (value === 'en' || value === 'ru' || value === 'both') return value;
  throw new UsageError(`--lang: expected en, ru or both, got ${JSON.stringify(value)}`);
}

/** Each party's latest checkpoint signed by the as-of time (else its latest): what the summary was folded from. */
function checkpointsAsOf(dir: string, asOf: number): LogCheckpoint[] {
  const set = openLogSet(dir);
  try {
    return set.logs.flatMap(({ party, origin, log }) => {
      const records = log.store.checkpointRecords();
      const record = records.filter((r) => r.time <= asOf).at(-1) ?? records.at(-1);
      const checkpoint = record ? log.store.checkpoint(record.size) : undefined;
      return checkpoint ? [{ party, origin, checkpoint, vkey: log.vkey }] : [];
    });
  } finally {
    set.close();
  }
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('official records as printable PDFs');
  report
    .command('compliance')
    .description('the compliance summary as of a date, with the logs’ signed checkpoints as text and QR codes')
    .requiredOption('--dir <dir>', 'a directory of party logs (as `detente scenario play` makes)')
    .requiredOption('--out <file>', 'the PDF to write')
    .option('--as-of <date>', "the state as of a date (its end, UTC) or time; default: the exercise's end, or now")
    .option('--lang <lang>', 'en, ru, or both side by side', 'both')
    .action(async (opts: { dir: string; out: string; asOf?: string; lang: string }) => {
      const lang = reportLang(opts.lang);
      const f = foldDir(opts.dir, opts.asOf !== undefined ? { asOf: parseAsOf(opts.asOf) } : {});
      const { state, findings } = f.engine.evaluate(f.asOf);
      const pdf = await renderCompliancePdf({
        regime: f.set.regime,
        state,
        findings,
        checkpoints: checkpointsAsOf(opts.dir, f.asOf),
        lang,
      });
      writeFileSync(opts.out, pdf);
      process.stdout.write(`wrote ${opts.out}: ${findings.length} findings as of ${state.asOf}, ${pdf.length} bytes\n`);
    });
}
