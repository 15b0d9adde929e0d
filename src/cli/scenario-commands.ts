/**
 * `detente scenario play NAME --dir DIR`: an exercise played directly into one log per party, on a simulated clock.
 * `detente scenario list`: every scenario, with what it exercises (its README's first paragraph).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SEED } from '../exercise/keys.js';
import { type ExerciseMeta, playScenario } from '../exercise/play.js';
import { DEFAULT_SCENARIO, packageRoot } from '../exercise/scenarios.js';
import { printJson, progress } from './output.js';
import { utc } from './render.js';
import { parseLang, reportPlayed } from './status-commands.js';
import { words } from './words.js';

export function describePlay(meta: ExerciseMeta, dir: string): string {
  const total = meta.parties.reduce((s, p) => s + p.entries, 0);
  const lines = [
    `played ${meta.scenario} into ${dir} (seed "${meta.seed}"): ${total} entries (${meta.parties.map((p) => `${p.id} ${p.entries}`).join(', ')})`,
    `  regime hash ${meta.regimeHash}; the simulated clock ends at ${utc(meta.end)}`,
    `  ${meta.refused.length} entr${meta.refused.length === 1 ? 'y' : 'ies'} refused as the timeline expects, nothing of them stored:`,
    ...meta.refused.map(
      (r) => `    ${utc(r.at)}  ${r.party}  ${r.step}  ${r.code}: ${r.message.replace(/\s*\n\s*/g, ' ')}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Every scenario folder (regime and timeline both there), in name order, with its README's first paragraph. */
export function listScenarios(): { name: string; about: string }[] {
  const root = join(packageRoot(), 'scenarios');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((n) => existsSync(join(root, n, 'regime.yaml')) && existsSync(join(root, n, 'timeline.yaml')))
    .sort()
    .map((name) => {
      const readme = join(root, name, 'README.md');
      const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
      const paragraph = text.split(/\n\s*\n/).find((p) => p.trim() && !p.trimStart().startsWith('#')) ?? '';
      return { name, about: paragraph.replace(/\s+/g, ' ').trim() };
    });
}

export function registerScenarioCommands(program: Command): void {
  const scenario = program.command('scenario').description('exercises: scenarios played on a simulated clock');
  scenario
    .command('list')
    .description('every scenario, with what it exercises')
    .option('--lang <lang>', 'en or ru', 'en')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean; lang?: string }) => {
      const w = words(parseLang(opts.lang));
      const list = listScenarios();
      if (opts.json) printJson({ scenarios: list, default: DEFAULT_SCENARIO });
      else {
        process.stdout.write(`${w('scenarios')}:\n`);
        for (const s of list) {
          process.stdout.write(`${s.name}${s.name === DEFAULT_SCENARIO ? ` (${w('default')})` : ''}\n  ${s.about}\n`);
        }
      }
    });
  scenario
    .command('play')
    .description("play a scenario's timeline into one log per party (a new directory)")
    .argument('<name>', 'the scenario (a folder of scenarios/), e.g. european-security-2022')
    .requiredOption('--dir <dir>', 'where to create the logs (must be empty or absent)')
    .option('--seed <seed>', 'the seed the keys are derived from', DEFAULT_SEED)
    .option('--replace', 'replace an earlier play in --dir')
    .option(
      '--report',
      'then print the state and findings as of the end (what `detente start` printed before it ran a federation)',
    )
    .option('--lang <lang>', 'en or ru (with --report)', 'en')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        opts: { dir: string; seed: string; replace?: boolean; report?: boolean; lang?: string; json?: boolean },
      ) => {
        const bar = progress('playing');
        let meta: ExerciseMeta;
        try {
          meta = await playScenario(name, opts.dir, {
            seed: opts.seed,
            replace: opts.replace ?? false,
            onStep: (d, t) => bar.update(d, t),
          });
        } finally {
          bar.stop();
        }
        if (opts.json) printJson({ dir: opts.dir, ...meta });
        else if (opts.report) {
          process.stdout.write(
            `${describePlay(meta, opts.dir)}\n${reportPlayed(opts.dir, opts.lang)}The simulated clock ended at ${utc(meta.end)}.\n`,
          );
        } else process.stdout.write(`${describePlay(meta, opts.dir)}next: detente status --dir ${opts.dir}\n`);
      },
    );
}
