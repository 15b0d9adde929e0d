/**
 * `detente replay SCENARIO --regime DRAFT`: what-if. The scenario's timeline is played in memory (no logs, no nodes:
 * the same steps and checks as `scenario play`) and its entries folded twice, under the scenario's regime and under
 * the draft, as though every party had signed the draft in its place. What differs is the answer: activities that
 * would then have been notifiable (or late), and the findings the draft adds or takes away.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../crypto/bytes.js';
import { type Engine, fold } from '../engine/engine.js';
import { openingBlobRefs } from '../engine/escrow-entries.js';
import type { Finding } from '../engine/findings.js';
import { type EngineEntry, refKey } from '../engine/types.js';
import { ZoneIndex } from '../engine/zones.js';
import { SimulatedClock } from '../exercise/clock.js';
import { DEFAULT_SEED, exerciseContentKey } from '../exercise/keys.js';
import { type PlaySink, playSealing, playSteps, scenarioRegime } from '../exercise/play.js';
import { scenarioDir } from '../exercise/scenarios.js';
import { parseTimeline } from '../exercise/timeline.js';
import { type ParamNames, paramNames, renderMessage } from '../i18n/index.js';
import type { Lang } from '../i18n/types.js';
import { type EntryRef, type Envelope, type Item, parseRegime, type Regime, regimeHash } from '../model/index.js';
import { bordersFor } from '../runtime/borders.js';
import { nodeSuite, symmetricNode } from '../runtime/node-crypto.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { printJson, readText } from './output.js';
import { short, utc } from './render.js';
import { parseLang } from './status-commands.js';

/** What became of one activity (a notified one, or one only observed) under each regime. */
export interface ActivityChange {
  /** The notification, or the first observation that showed the activity. */
  ref: EntryRef;
  party: string;
  rule: string;
  source: 'notified' | 'observed';
  /** A notification's status (on-time, late, not-required) or an observed activity's (missing, awaiting, notified, not-notifiable). */
  original: string;
  draft: string;
}

export interface Replay {
  scenario: string;
  asOf: string;
  original: { id: string; version: number; hash: string };
  draft: { id: string; version: number; hash?: string };
  entries: number;
  activities: ActivityChange[];
  findings: { added: Finding[]; removed: Finding[] };
}

/**
 * Every entry of a scenario's timeline, played in memory, with the time each counts from: sealed as `scenario play`
 * seals it, each sealed entry with its content key (the what-if reads everything, as `--dir` of a play does).
 */
export async function playInMemory(
  name: string,
  seed = DEFAULT_SEED,
): Promise<{ regime: Regime; hash: string; end: number; entries: EngineEntry[]; publicKeys: Record<string, string> }> {
  const { regime, seeds, publicKeys } = scenarioRegime(name, seed);
  const hash = regimeHash(regime, nodeSuite.sha256);
  const timeline = parseTimeline(readFileSync(join(scenarioDir(name), 'timeline.yaml'), 'utf8'), regime);
  const clock = new SimulatedClock(Date.parse(timeline.steps[0]!.at));
  const blobs = new Map<string, Uint8Array>();
  const leaves: { origin: string; index: number; leaf: Uint8Array; countedAt: number }[] = [];
  const sinks = new Map<string, PlaySink>();
  for (const p of regime.parties) {
    let size = 0;
    sinks.set(p.id, {
      origin: p.origin,
      putBlob: (h, bytes) => blobs.set(toHex(h), bytes),
      append: (leaf) => {
        leaves.push({ origin: p.origin, index: size, leaf, countedAt: clock.now() });
        return size++;
      },
    });
  }
  const sealing = await playSealing(name, seed, regime, timeline);
  playSteps({ name, seed, regime, seeds, hash, timeline, clock, sinks, sealing });
  const decoder = new TextDecoder();
  const hasher = new Rfc6962Hasher(nodeSuite.sha256);
  const entries = leaves.map(({ origin, index, leaf, countedAt }): EngineEntry => {
    const envelope = JSON.parse(decoder.decode(leaf)).entry as Envelope;
    const entry: EngineEntry = {
      origin,
      index,
      leafHash: toHex(hasher.hashLeaf(leaf)),
      countedAt,
      envelope,
    };
    if (envelope.type === 'sealed') {
      entry.contentKey = exerciseContentKey(name, seed, envelope);
      if (envelope.body.blobs) entry.blobs = envelope.body.blobs.map((r) => blobs.get(r.sha256));
    }
    if (envelope.type === 'declaration' && envelope.body.form === 'plain' && envelope.body.more?.length) {
      entry.moreItems = envelope.body.more.flatMap(
        (r) => JSON.parse(decoder.decode(blobs.get(r.sha256) ?? new Uint8Array())) as Item[],
      );
    }
    if (envelope.type === 'declaration-opening' && envelope.body.opening)
      entry.blobs = openingBlobRefs(envelope.body).map((r) => blobs.get(r.sha256));
    return entry;
  });
  return { regime, hash, end: timeline.end, entries, publicKeys };
}

/** Notification statuses and observed activities of a folded engine, by the entry that shows them. */
function activityStatuses(
  engine: Engine,
  asOf: number,
): Map<string, Omit<ActivityChange, 'original' | 'draft'> & { status: string }> {
  const { notifications } = engine.state(asOf);
  const out = new Map<string, Omit<ActivityChange, 'original' | 'draft'> & { status: string }>();
  for (const n of notifications.items) {
    if (n.kind !== 'activity') continue;
    out.set(refKey(n.ref), { ref: n.ref, party: n.party, rule: n.rule, source: 'notified', status: n.status });
  }
  for (const m of notifications.missing) {
    if (m.kind !== 'activity' || !m.evidence[0]) continue;
    out.set(`${refKey(m.evidence[0])}/${m.party}/${m.rule}`, {
      ref: m.evidence[0],
      party: m.party,
      rule: m.rule,
      source: 'observed',
      status: m.status,
    });
  }
  return out;
}

/** The scenario's entries folded under its regime and under `draftText`, and what differs. */
export async function replayScenario(
  name: string,
  draftText: string,
  options: { format?: 'yaml' | 'json'; seed?: string } = {},
): Promise<Replay> {
  const played = await playInMemory(name, options.seed);
  const draft = parseRegime(draftText, {
    format: options.format ?? 'yaml',
    keys: played.publicKeys,
    allowMissingKeys: true,
  });
  const missingKeys = draft.parties.some((p) => p.keys.some((k) => k.publicKey === undefined));
  // Every party's signature names the scenario's hash: the draft is taken as signed in its place.
  const under = (regime: Regime) =>
    fold(
      {
        regime,
        regimeHash: played.hash,
        zones: new ZoneIndex(regime, bordersFor(regime)),
        sym: symmetricNode,
        sha256: nodeSuite.sha256,
      },
      played.entries,
    );
  const before = under(played.regime);
  const after = under(draft);
  const asOf = Math.max(played.end, before.lastCountedAt ?? -Infinity);
  const a = activityStatuses(before, asOf);
  const b = activityStatuses(after, asOf);
  const activities: ActivityChange[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(key);
    const y = b.get(key);
    const original = x?.status ?? 'not-notifiable';
    const changed = y?.status ?? 'not-notifiable';
    if (original === changed) continue;
    const { status: _, ...about } = (y ?? x)!;
    activities.push({ ...about, original, draft: changed });
  }
  const fa = before.findings(asOf);
  const fb = after.findings(asOf);
  const ids = (fs: Finding[]) => new Set(fs.map((f) => f.id));
  const [ia, ib] = [ids(fa), ids(fb)];
  return {
    scenario: name,
    asOf: new Date(asOf).toISOString(),
    original: { id: played.regime.id, version: played.regime.version, hash: played.hash },
    draft: {
      id: draft.id,
      version: draft.version,
      ...(missingKeys ? {} : { hash: regimeHash(draft, nodeSuite.sha256) }),
    },
    entries: played.entries.length,
    activities,
    findings: { added: fb.filter((f) => !ia.has(f.id)), removed: fa.filter((f) => !ib.has(f.id)) },
  };
}

const WORDS = {
  en: {
    replayed: 'replayed',
    entries: 'entries',
    under: 'under',
    against: 'against',
    asOf: 'as of',
    activities: 'Activities that change',
    noActivities: 'No activity changes.',
    notified: 'notified',
    observed: 'observed',
    added: 'Findings the draft adds',
    removed: 'Findings the draft takes away',
    none: '(none)',
    status: {
      'on-time': 'notified on time',
      late: 'notified late',
      'not-required': 'not notifiable',
      'not-notifiable': 'not notifiable',
      missing: 'notifiable, not notified',
      awaiting: 'notifiable, still due',
      notified: 'notifiable, notified',
      'no-deadline': 'no deadline',
    } as Record<string, string>,
  },
  ru: {
    replayed: 'воспроизведён сценарий',
    entries: 'записей',
    under: 'по режиму',
    against: 'в сравнении с',
    asOf: 'на',
    activities: 'Деятельность, оценка которой меняется',
    noActivities: 'Оценка деятельности не меняется.',
    notified: 'уведомлена',
    observed: 'наблюдалась',
    added: 'Замечания, которые добавляет проект',
    removed: 'Замечания, которые проект снимает',
    none: '(нет)',
    status: {
      'on-time': 'уведомлено в срок',
      late: 'уведомлено с опозданием',
      'not-required': 'не подлежит уведомлению',
      'not-notifiable': 'не подлежит уведомлению',
      missing: 'подлежит уведомлению, не уведомлено',
      awaiting: 'подлежит уведомлению, срок не истёк',
      notified: 'подлежит уведомлению, уведомлено',
      'no-deadline': 'без срока',
    } as Record<string, string>,
  },
} satisfies Record<Lang, unknown>;

/** `names`: the regime's names for the ids in the findings' messages (the draft's: its findings are the draft's). */
export function renderReplay(r: Replay, lang: Lang, names?: ParamNames): string {
  const w = WORDS[lang];
  const st = (s: string) => w.status[s] ?? s;
  const out = [
    `${w.replayed} ${r.scenario} (${r.entries} ${w.entries}) ${w.under} ${r.draft.id} v${r.draft.version} ${w.against} ${r.original.id} v${r.original.version}, ${w.asOf} ${utc(r.asOf)}`,
    '',
    r.activities.length ? `${w.activities}:` : w.noActivities,
  ];
  for (const c of r.activities) {
    out.push(`  ${c.party}  ${c.rule}  ${c.source === 'notified' ? w.notified : w.observed} ${short(c.ref)}`);
    out.push(`    ${st(c.original)} → ${st(c.draft)}`);
  }
  for (const [head, list] of [
    [w.added, r.findings.added],
    [w.removed, r.findings.removed],
  ] as const) {
    out.push('', `${head}: ${list.length ? list.length : w.none}`);
    for (const f of list) {
      out.push(`  ${utc(f.at)}  ${f.severity.toUpperCase()}  ${f.rule}  (${f.breaks.kind} ${f.breaks.id})  ${f.party}`);
      out.push(`    ${renderMessage(f.message, lang, names)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      "what-if: play a scenario's timeline under another regime (a draft) and list the activities that would then have been notifiable or in breach, and the findings it adds or takes away",
    )
    .argument('<scenario>', 'the scenario (a folder of scenarios/), e.g. vienna-document-2011')
    .requiredOption('--regime <file>', 'the draft regime (YAML or JSON) with the same parties and key ids')
    .option('--seed <seed>', 'the seed the keys are derived from', DEFAULT_SEED)
    .option('--lang <lang>', 'en or ru', 'en')
    .option('--json', 'print JSON')
    .action(async (scenario: string, opts: { regime: string; seed: string; lang?: string; json?: boolean }) => {
      const lang = parseLang(opts.lang);
      const text = readText(opts.regime, '--regime');
      const format = opts.regime.endsWith('.json') ? 'json' : 'yaml';
      const r = await replayScenario(scenario, text, { format, seed: opts.seed });
      if (opts.json) printJson(r);
      else {
        const draft = parseRegime(text, { format, allowMissingKeys: true });
        process.stdout.write(renderReplay(r, lang, paramNames(draft, lang)));
      }
    });
}
