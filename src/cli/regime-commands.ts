/** `detente regime check FILE`: load a regime the way every party must, and list every problem or summarise it. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fromHex, toHex } from '../crypto/bytes.js';
import { ZoneIndex } from '../engine/zones.js';
import { openLogSet } from '../exercise/read.js';
import { formatDuration } from '../i18n/render.js';
import { LANGS, type Lang } from '../i18n/types.js';
import { type CatalogueLine, diffRegimes, notificationCatalogue, parseRegime, regimeHash } from '../model/index.js';
import { bordersFor } from '../runtime/borders.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { printJson, UsageError } from './output.js';
import { parseLang } from './status-commands.js';
import { words } from './words.js';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** The catalogue's own words, per language (the titles come from the regime). */
const WORDS: Record<Lang, Record<string, string>> = {
  en: {
    heading: 'Notification catalogue of',
    before: 'before the event',
    after: 'after the event',
    all: 'all participating states',
    states: 'states',
    ack: 'acknowledged within',
    snap: 'without advance notice: within',
    fields: 'fields',
    none: '(no number)',
    no: 'No.',
    article: 'implements',
  },
  ru: {
    heading: 'Перечень уведомлений режима',
    before: 'до события',
    after: 'после события',
    all: 'все государства-участники',
    states: 'государств',
    ack: 'подтверждение в течение',
    snap: 'без предварительного оповещения войск: в течение',
    fields: 'поля',
    none: '(без номера)',
    no: '№',
    article: 'реализует',
  },
};

function catalogueText(regimeName: string, lines: readonly CatalogueLine[], lang: Lang): string {
  const w = WORDS[lang];
  const out = [`${w.heading} ${regimeName}`];
  for (const l of lines) {
    const deadline =
      'before' in l.deadline
        ? `${formatDuration(l.deadline.before, lang)} ${w.before}`
        : `${formatDuration(l.deadline.after, lang)} ${w.after}`;
    const who = l.parties === 'all' ? `${w.all} (${l.bound})` : l.parties.join(', ');
    out.push(`${l.number === undefined ? w.none : `${w.no} ${l.number}`}  ${l.title[lang]}  [${l.rule}, ${l.trigger}]`);
    out.push(`    ${deadline}; ${who}`);
    if (l.acknowledge) out.push(`    ${w.ack} ${formatDuration(l.acknowledge, lang)}`);
    if (l.withoutNotice !== undefined) out.push(`    ${w.snap} ${formatDuration(l.withoutNotice, lang)}`);
    if (l.article) out.push(`    ${w.article}: ${l.article}`);
    if (l.fields.length) out.push(`    ${w.fields}: ${l.fields.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

export function registerRegimeCommands(program: Command): void {
  const regime = program.command('regime').description('regimes: the documents every party signs');
  regime
    .command('check')
    .description('check a regime (YAML or JSON): every problem is listed; prints a summary and its hash')
    .argument('<file>', 'the regime document')
    .option('--keys <file>', 'public keys to supply, a JSON object {keyId: base64} (as `scenario play` writes)')
    .option('--lang <lang>', 'en or ru', 'en')
    .option('--json', 'print JSON')
    .action((file: string, opts: { keys?: string; json?: boolean; lang?: string }) => {
      const lang = parseLang(opts.lang);
      const w = words(lang);
      const text = readText(file, 'regime');
      let keys: Record<string, string> | undefined;
      if (opts.keys) {
        try {
          keys = JSON.parse(readText(opts.keys, 'keys file'));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`--keys: ${opts.keys} is not JSON`);
        }
      }
      const format = file.endsWith('.json') ? 'json' : 'yaml';
      const r = parseRegime(text, { format, ...(keys ? { keys } : {}), allowMissingKeys: !keys });
      const allKeys = r.parties.flatMap((p) => p.keys);
      const missing = allKeys.filter((k) => k.publicKey === undefined).map((k) => k.id);
      // Derived zones need the border dataset: computing them now refuses a regime whose borders are unavailable.
      new ZoneIndex(r, bordersFor(r));
      const hash = missing.length ? undefined : regimeHash(r, nodeSuite.sha256);
      const counts = {
        parties: r.parties.length,
        observers: r.parties.filter((p) => p.status === 'observer').length,
        keys: allKeys.length,
        sites: r.sites.length,
        zones: r.zones.length,
        categories: r.categories.length,
        groups: r.groups.length,
        limits: r.limits.length,
        notifications: r.notifications.length,
        inspections: r.inspections.length,
        commitments: r.commitments.length,
        metrics: r.metrics.length,
        periodic: r.periodic?.length ?? 0,
        types: r.types?.length ?? 0,
      };
      if (opts.json) {
        printJson({ ok: true, id: r.id, version: r.version, ...(hash ? { hash } : {}), missingKeys: missing, counts });
        return;
      }
      const lines =
        lang === 'en'
          ? [
              `OK ${r.id} v${r.version}: ${r.name.en}`,
              `  ${counts.parties} parties (${counts.observers} observer${counts.observers === 1 ? '' : 's'}), ${counts.keys} keys, ${counts.sites} sites, ${counts.zones} zones, ${counts.categories} categories, ${counts.groups} groups`,
              `  ${counts.limits} limits, ${counts.notifications} notification rules, ${counts.inspections} inspection types, ${counts.commitments} commitments, ${counts.metrics} metric${counts.metrics === 1 ? '' : 's'}`,
            ]
          : [
              // Counts as labelled fields ("сторон: 3"): no plural forms to get wrong.
              `${w('regimeOk')} ${r.id} v${r.version}: ${r.name[lang]}`,
              `  ${(['parties', 'observers', 'keys', 'sites', 'zones', 'categories', 'groups'] as const).map((k) => `${w(k)}: ${counts[k]}`).join(', ')}`,
              `  ${w('limitsCount')}: ${counts.limits}, ${w('notificationRules')}: ${counts.notifications}, ${w('inspectionTypes')}: ${counts.inspections}, ${w('commitmentsCount')}: ${counts.commitments}, ${w('metricsCount')}: ${counts.metrics}`,
            ];
      if (counts.types || counts.periodic) {
        lines.push(
          lang === 'en'
            ? `  ${counts.periodic} periodic obligations, ${counts.types} agreed item types`
            : `  ${w('periodicCount')}: ${counts.periodic}, ${w('typesCount')}: ${counts.types}`,
        );
      }
      if (r.zones.some((z) => z.kind !== 'area')) lines.push(`  ${w('zonesFrom')} ${r.geography?.borders.dataset}`);
      lines.push(
        hash
          ? `  ${w('hash')} ${hash} (${w('whatEveryPartySigns')})`
          : lang === 'en'
            ? `  no hash yet: ${missing.length} key(s) have no public key (supply them with --keys)`
            : `  ${w('noHashYet')} ${missing.length}`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  regime
    .command('formats')
    .description("print a regime's notification catalogue: number, title, deadline, article, fields")
    .argument('<file>', 'the regime document')
    .option('--lang <lang>', 'en or ru', 'en')
    .option('--json', 'print JSON')
    .action((file: string, opts: { lang: string; json?: boolean }) => {
      if (!(LANGS as readonly string[]).includes(opts.lang))
        throw new UsageError(`--lang: expected one of ${LANGS.join(', ')}, got "${opts.lang}"`);
      const lang = opts.lang as Lang;
      const r = parseRegime(readText(file, 'regime'), {
        format: file.endsWith('.json') ? 'json' : 'yaml',
        allowMissingKeys: true,
      });
      const lines = notificationCatalogue(r);
      if (opts.json) printJson({ regime: r.id, version: r.version, notifications: lines });
      else process.stdout.write(catalogueText(r.name[lang], lines, lang));
    });
  regime
    .command('diff')
    .description('what regime B changes against regime A (a draft against the text in force, say), element by element')
    .argument('<a>', 'the regime compared against (a file, or with --dir the SHA-256 of a blob)')
    .argument('<b>', 'the regime (or draft) it is compared with (a file, or with --dir the SHA-256 of a blob)')
    .option('--dir <dir>', "a directory of party logs: a SHA-256 names a blob in it (a proposal's draft regime)")
    .option('--json', 'print JSON')
    .action((a: string, b: string, opts: { json?: boolean; dir?: string }) => {
      const load = (name: string) => {
        if (opts.dir !== undefined && /^[0-9a-f]{64}$/.test(name)) {
          // YAML is a superset of JSON: a draft stored either way parses.
          return parseRegime(new TextDecoder().decode(blobIn(opts.dir, name)), { allowMissingKeys: true });
        }
        return parseRegime(readText(name, 'regime'), {
          format: name.endsWith('.json') ? 'json' : 'yaml',
          allowMissingKeys: true,
        });
      };
      const d = diffRegimes(load(a), load(b));
      if (opts.json) {
        printJson(d);
        return;
      }
      const lines: string[] = [];
      if (!d.fields.length && !d.collections.length) lines.push('no differences (public keys aside)');
      if (d.fields.length) lines.push(`changed: ${d.fields.join(', ')}`);
      for (const c of d.collections) {
        lines.push(`${c.collection}:`);
        for (const id of c.added) lines.push(`  + ${id}`);
        for (const id of c.removed) lines.push(`  - ${id}`);
        for (const x of c.changed) lines.push(`  ~ ${x.id} (${x.fields.join(', ')})`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** A blob of any party's log in a directory of party logs, checked against its hash. */
function blobIn(dir: string, sha256: string): Uint8Array {
  const set = openLogSet(dir);
  try {
    for (const l of set.logs) {
      const bytes = l.log.store.blob(fromHex(sha256));
      if (bytes && toHex(nodeSuite.sha256(bytes)) === sha256) return bytes;
    }
  } finally {
    set.close();
  }
  throw new UsageError(`no blob ${sha256} in the logs of ${dir}`);
}
