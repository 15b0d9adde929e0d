/**
 * `detente status` and `detente findings`: fold every party log in a directory and print the state of compliance
 * or the findings, as of a date.
 */
import type { Command } from 'commander';
import { parseAsOf as parseStrictAsOf } from '../engine/as-of.js';
import { iso } from '../engine/index.js';
import { type FoldedDir, foldDir } from '../exercise/fold-dir.js';
import { printJson, progress, UsageError } from './output.js';
import { type Lang, renderFindings, renderState } from './render.js';

/** `2022-03-31` (the end of that day, UTC) or an RFC 3339 instant (engine/as-of.ts). */
export function parseAsOf(text: string): number {
  try {
    return parseStrictAsOf(text);
  } catch (err) {
    throw new UsageError(`--as-of: ${(err as Error).message}`);
  }
}

/** `--lang`: en (the default) or ru. */
export function parseLang(value: string | undefined): Lang {
  if (value === undefined || value === 'en' || value === 'ru') return value ?? 'en';
  throw new UsageError(`--lang: expected en or ru, got ${JSON.stringify(value)}`);
}

interface Opts {
  dir: string;
  asOf?: string;
  json?: boolean;
  lang?: string;
  trust?: boolean;
}

function fold(opts: Opts): FoldedDir {
  const bar = progress('folding');
  try {
    // A play holds every party's seed: the command line reads it whole (sealed entries opened).
    return foldDir(opts.dir, {
      readAs: '*',
      ...(opts.asOf !== undefined ? { asOf: parseAsOf(opts.asOf) } : {}),
      verify: !opts.trust,
      onEntry: (n) => bar.update(n, n),
    });
  } finally {
    bar.stop();
  }
}

function problems(f: FoldedDir): string {
  if (!f.set.problems.length) return '';
  return `WARNING: ${f.set.problems.length} entr${f.set.problems.length === 1 ? 'y' : 'ies'} could not be read and were left out:\n${f.set.problems
    .map((p) => `  ${p.origin}${p.index !== undefined ? ` #${p.index}` : ''}: ${p.code}: ${p.message}`)
    .join('\n')}\n\n`;
}

const common = (c: Command) =>
  c
    .requiredOption('--dir <dir>', 'a directory of party logs (as `detente scenario play` makes)')
    .option('--as-of <date>', "the state as of a date (its end, UTC) or time; default: the exercise's end, or now")
    .option('--lang <lang>', 'en or ru', 'en')
    .option('--trust', 'trust the stores (skip decoding and checking every signature; faster)')
    .option('--json', 'print JSON');

export function registerStatusCommands(program: Command): void {
  common(program.command('status').description('the state of compliance, folded from every party log')).action(
    (opts: Opts) => {
      const l = parseLang(opts.lang);
      const f = fold(opts);
      const { state } = f.engine.evaluate(f.asOf);
      if (opts.json) printJson({ ...state, problems: f.set.problems });
      else process.stdout.write(problems(f) + renderState(state, f.set.regime, l));
    },
  );

  common(
    program.command('findings').description('every deviation, with its severity, rule and the entries that show it'),
  )
    .option('--severity <levels>', 'only these severities, comma-separated (critical,major,minor,info)')
    .action((opts: Opts & { severity?: string }) => {
      const l = parseLang(opts.lang);
      // Levels read as the output prints them (CRITICAL) or as typed (Critical): case is not part of a level.
      const wanted = opts.severity?.split(',').map((s) => s.trim().toLowerCase());
      const levels = ['critical', 'major', 'minor', 'info'];
      for (const s of wanted ?? []) {
        if (!levels.includes(s))
          throw new UsageError(`--severity: unknown level ${JSON.stringify(s)}; expected ${levels.join(', ')}`);
      }
      const f = fold(opts);
      const all = f.engine.findings(f.asOf);
      const findings = wanted ? all.filter((x) => wanted.includes(x.severity)) : all;
      if (opts.json) printJson({ asOf: iso(f.asOf), findings, problems: f.set.problems });
      else process.stdout.write(problems(f) + renderFindings(findings, iso(f.asOf), l, f.set.regime));
    });
}

/** The state and findings of a played directory, as `scenario play --report` prints them. */
export function reportPlayed(dir: string, langName?: string): string {
  const l = parseLang(langName);
  const f = foldDir(dir, { readAs: '*' });
  const { state, findings } = f.engine.evaluate(f.asOf);
  const rule = '═'.repeat(100);
  return (
    `${rule}\n${problems(f)}${renderState(state, f.set.regime, l)}\n${rule}\n${renderFindings(findings, iso(f.asOf), l, f.set.regime)}\n` +
    `Each finding cites entries by log origin, index and leaf hash. Explore:\n` +
    `  detente status --dir ${dir} --as-of 2022-04-01     (any date: only what counted by then)\n` +
    `  detente findings --dir ${dir} --severity critical,major --lang ru\n` +
    `  detente log verify --dir ${dir}/ru                  (a party's log, from scratch)\n`
  );
}
