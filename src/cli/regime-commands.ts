/** `detente regime check FILE`: load a regime the way every party must, and list every problem or summarise it. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ZoneIndex } from '../engine/zones.js';
import { diffRegimes, parseRegime, regimeHash } from '../model/index.js';
import { bordersFor } from '../runtime/borders.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { printJson, UsageError } from './output.js';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

export function registerRegimeCommands(program: Command): void {
  const regime = program.command('regime').description('regimes: the documents every party signs');
  regime
    .command('check')
    .description('check a regime (YAML or JSON): every problem is listed; prints a summary and its hash')
    .argument('<file>', 'the regime document')
    .option('--keys <file>', 'public keys to supply, a JSON object {keyId: base64} (as `scenario play` writes)')
    .option('--json', 'print JSON')
    .action((file: string, opts: { keys?: string; json?: boolean }) => {
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
      };
      if (opts.json) {
        printJson({ ok: true, id: r.id, version: r.version, ...(hash ? { hash } : {}), missingKeys: missing, counts });
        return;
      }
      const lines = [
        `OK ${r.id} v${r.version}: ${r.name.en}`,
        `  ${counts.parties} parties (${counts.observers} observer${counts.observers === 1 ? '' : 's'}), ${counts.keys} keys, ${counts.sites} sites, ${counts.zones} zones, ${counts.categories} categories, ${counts.groups} groups`,
        `  ${counts.limits} limits, ${counts.notifications} notification rules, ${counts.inspections} inspection types, ${counts.commitments} commitments, ${counts.metrics} metric${counts.metrics === 1 ? '' : 's'}`,
      ];
      if (r.zones.some((z) => z.kind !== 'area')) lines.push(`  zones computed from ${r.geography?.borders.dataset}`);
      lines.push(
        hash
          ? `  hash ${hash} (what every party signs)`
          : `  no hash yet: ${missing.length} key(s) have no public key (supply them with --keys)`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  regime
    .command('diff')
    .description('what regime B changes against regime A (a draft against the text in force, say), element by element')
    .argument('<a>', 'the regime compared against')
    .argument('<b>', 'the regime (or draft) it is compared with')
    .option('--json', 'print JSON')
    .action((a: string, b: string, opts: { json?: boolean }) => {
      const load = (file: string) =>
        parseRegime(readText(file, 'regime'), {
          format: file.endsWith('.json') ? 'json' : 'yaml',
          allowMissingKeys: true,
        });
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
