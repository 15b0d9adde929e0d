/**
 * `detente report compliance|notification|inspection`: official records as PDFs in English, Russian or both side
 * by side, each carrying the C2SP tlog-proofs of the entries it relies on as text, QR code and attached files
 * (src/report), so that `detente verify-proof` checks them offline.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { exerciseEnvelope, foldDir } from '../exercise/fold-dir.js';
import { type LogSet, openLogSet } from '../exercise/read.js';
import { decodeEntry } from '../model/index.js';
import { renderCompliancePdf } from '../report/compliance-pdf.js';
import { type RecordEnvelope, renderEntryPdf } from '../report/entry-pdf.js';
import { lastEntryProofs, logEntryProof } from '../report/log-proofs.js';
import type { ReportLang } from '../report/pdf-layout.js';
import { parseCount, UsageError } from './output.js';
import { parseAsOf } from './status-commands.js';

function reportLang(value: string): ReportLang {
  if (value === 'en' || value === 'ru' || value === 'both') return value;
  throw new UsageError(`--lang: expected en, ru or both, got ${JSON.stringify(value)}`);
}

function withLogSet<T>(dir: string, f: (set: LogSet) => T): T {
  const set = openLogSet(dir);
  try {
    return f(set);
  } finally {
    set.close();
  }
}

/** `ORIGIN/INDEX`: the origin may itself hold slashes, so the index is what follows the last one. */
function parseEntryRef(text: string): { origin: string; index: number } {
  const slash = text.lastIndexOf('/');
  if (slash <= 0) throw new UsageError(`--entry: expected ORIGIN/INDEX, got ${JSON.stringify(text)}`);
  return { origin: text.slice(0, slash), index: parseCount(text.slice(slash + 1), '--entry index') };
}

interface RecordOptions {
  dir: string;
  entry: string;
  out: string;
  lang: string;
}

async function entryRecord(type: RecordEnvelope['type'], opts: RecordOptions): Promise<void> {
  const lang = reportLang(opts.lang);
  const ref = parseEntryRef(opts.entry);
  const { regime, envelope, proof } = withLogSet(opts.dir, (set) => {
    const log = set.logs.find((l) => l.origin === ref.origin);
    if (!log) {
      const known = set.logs.map((l) => l.origin).join(', ');
      throw new UsageError(`--entry: no log ${JSON.stringify(ref.origin)} in ${opts.dir} (it holds ${known})`);
    }
    const proof = logEntryProof(log, ref.index);
    // A sealed entry of an exercise is reported as its audience reads it (the play holds every party's seed).
    return { regime: set.regime, envelope: exerciseEnvelope(set, decodeEntry(proof.entry).envelope), proof };
  });
  if (envelope.type !== type) {
    throw new UsageError(`--entry: ${opts.entry} is an entry of type ${envelope.type}, not ${type}`);
  }
  const f = foldDir(opts.dir, { readAs: '*' });
  const cites = f.engine
    .evaluate(f.asOf)
    .findings.filter((x) => x.refs.some((r) => r.origin === ref.origin && r.index === ref.index));
  const pdf = await renderEntryPdf({ regime, envelope: envelope as RecordEnvelope, proof, findings: cites, lang });
  writeFileSync(opts.out, pdf);
  process.stdout.write(
    `wrote ${opts.out}: ${type} ${opts.entry}, ${cites.length} findings cite it, ${pdf.length} bytes\n`,
  );
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('official records as printable PDFs');
  report
    .command('compliance')
    .description("the compliance summary as of a date, with each log's tlog-proof as text, QR code and attachment")
    .requiredOption('--dir <dir>', 'a directory of party logs (as `detente scenario play` makes)')
    .requiredOption('--out <file>', 'the PDF to write')
    .option('--as-of <date>', "the state as of a date (its end, UTC) or time; default: the exercise's end, or now")
    .option('--lang <lang>', 'en, ru, or both side by side', 'both')
    .action(async (opts: { dir: string; out: string; asOf?: string; lang: string }) => {
      const lang = reportLang(opts.lang);
      const f = foldDir(opts.dir, { readAs: '*', ...(opts.asOf !== undefined ? { asOf: parseAsOf(opts.asOf) } : {}) });
      const { state, findings } = f.engine.evaluate(f.asOf);
      const proofs = withLogSet(opts.dir, (set) => lastEntryProofs(set.logs, f.asOf));
      const pdf = await renderCompliancePdf({ regime: f.set.regime, state, findings, proofs, lang });
      writeFileSync(opts.out, pdf);
      process.stdout.write(`wrote ${opts.out}: ${findings.length} findings as of ${state.asOf}, ${pdf.length} bytes\n`);
    });
  for (const [name, type] of [
    ['notification', 'notification'],
    ['inspection', 'inspection-report'],
  ] as const) {
    report
      .command(name)
      .description(`one ${type} as an official record, with its tlog-proof as text, QR code and attachment`)
      .requiredOption('--dir <dir>', 'a directory of party logs (as `detente scenario play` makes)')
      .requiredOption('--entry <ref>', 'the entry, as ORIGIN/INDEX (e.g. detente.example/us/12)')
      .requiredOption('--out <file>', 'the PDF to write')
      .option('--lang <lang>', 'en, ru, or both side by side', 'both')
      .action((opts: RecordOptions) => entryRecord(type, opts));
  }
}
