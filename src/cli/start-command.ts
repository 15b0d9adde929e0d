/**
 * `detente start` (what `npm start` runs): a scenario (the default, or --scenario NAME: `detente scenario list`) as a
 * real federation on this machine. One node per
 * party, each with its own directory and SQLite files under --dir, serving HTTP on 127.0.0.1 from --port (or
 * PORT, default 8080) on; the nodes mirror and witness each other over HTTP while the timeline is submitted
 * through their write APIs on a simulated clock. Prints where to look, then serves until SIGINT or SIGTERM.
 * The ports are checked before anything on disk changes, and the previous run is reopened as it was (its entries,
 * users and escrow secrets) unless --fresh is given.
 */
import type { Command } from 'commander';
import { type Federation, type FederationPlay, startFederation } from '../exercise/federation.js';
import { DEFAULT_SEED } from '../exercise/keys.js';
import { DEFAULT_SCENARIO } from '../exercise/scenarios.js';
import { progress, UsageError } from './output.js';
import { utc } from './render.js';

function parsePort(value: string, name: string): number {
  if (!/^[1-9]\d{0,4}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`${name}: expected a port (1..65535), got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function describeUrls(fed: Federation): string {
  const lines = [
    `Détente federation: ${fed.scenario}, ${fed.nodes.length} party nodes on 127.0.0.1 (data in ${fed.dir})`,
  ];
  for (const n of fed.nodes) {
    lines.push(
      `  ${n.party.padEnd(5)} dashboard ${n.url}/   logs and their cosigners ${n.url}/health   API docs ${n.url}/docs`,
      `        user ${n.user} (${n.roles.join(', ')}), token ${n.token}`,
    );
  }
  lines.push('  (sign in on a dashboard\'s "Act" page with its party\'s token)');
  return `${lines.join('\n')}\n`;
}

async function describeState(fed: Federation, play: FederationPlay | undefined): Promise<string> {
  const first = fed.nodes[0]!;
  const end = play?.end ?? new Date(fed.clock.now()).toISOString();
  const asOf = encodeURIComponent(end);
  const fetchText = async (url: string) => (await fetch(url)).text();
  const [states, findingsTexts] = await Promise.all([
    Promise.all(fed.nodes.map((n) => fetchText(`${n.url}/api/state?asOf=${asOf}`))),
    Promise.all(fed.nodes.map((n) => fetchText(`${n.url}/api/findings?asOf=${asOf}`))),
  ]);
  const agree = states.every((s) => s === states[0]) && findingsTexts.every((s) => s === findingsTexts[0]);
  const findings = (JSON.parse(findingsTexts[0]!) as { findings: { severity: string }[] }).findings;
  const bySeverity = ['critical', 'major', 'minor', 'info']
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, k]) => k > 0)
    .map(([s, k]) => `${k} ${s}`);
  const cosigned = fed.nodes.map((n) => {
    const log = n.node.logByParty(n.party)!;
    return `${n.party} ${n.node.cosignatures(log, n.node.servedSize(log)).length}`;
  });
  const entries = Object.fromEntries(fed.nodes.map((n) => [n.party, n.node.servedSize(n.node.logByParty(n.party)!)]));
  const total = Object.values(entries).reduce((a, b) => a + b, 0);
  const perParty = Object.entries(entries)
    .map(([p, k]) => `${p} ${k}`)
    .join(', ');
  const lines = play
    ? [
        `played ${play.scenario} through the write APIs: ${total} entries (${perParty}); the simulated clock is at ${utc(end)}`,
        `  ${play.refused.length} entries refused as the timeline expects, nothing of them stored:`,
        ...play.refused.map(
          (r) => `    ${utc(r.at)}  ${r.party}  ${r.step}  ${r.status} ${r.code}: ${r.message.split(/\s+/).join(' ')}`,
        ),
      ]
    : [
        `reopened the previous run in ${fed.dir}: ${total} entries (${perParty}); the simulated clock is at ${utc(end)}`,
        '  (start with --fresh to replay the scenario from the beginning instead)',
      ];
  lines.push(
    `  witnesses' cosignatures on each log's head: ${cosigned.join(', ')}`,
    `  ${findings.length} findings as of ${utc(end)} (${bySeverity.join(', ') || 'none'}); the ${fed.nodes.length} nodes ${agree ? 'agree byte for byte' : 'DO NOT AGREE'}`,
    `  state:    ${first.url}/api/state?asOf=${asOf}`,
    `  findings: ${first.url}/api/findings?asOf=${asOf}`,
    `  the dashboards show the state as of the simulated clock (${utc(end)}) unless you pick another date`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run a scenario (the default unless --scenario) as a federation: one node per party on 127.0.0.1, the timeline played through their APIs; serves until stopped',
    )
    .option('--port <port>', "the first node's port; the others follow (default: $PORT, else 8080)")
    .option('--dir <dir>', 'where the node directories go (kept from run to run)', 'federation-data')
    .option('--fresh', 'replace the previous run in --dir and play the scenario again (default: reopen it)')
    .option('--scenario <name>', 'the scenario (`detente scenario list` names them)', DEFAULT_SCENARIO)
    .option('--seed <seed>', 'the seed the exercise keys are derived from', DEFAULT_SEED)
    .action(async (opts: { port?: string; dir: string; fresh?: boolean; scenario: string; seed: string }) => {
      const port =
        opts.port !== undefined
          ? parsePort(opts.port, '--port')
          : process.env.PORT
            ? parsePort(process.env.PORT, 'PORT')
            : 8080;
      const say = (s: string) => process.stdout.write(s);
      const fed = await startFederation({
        scenario: opts.scenario,
        dir: opts.dir,
        resume: opts.fresh !== true,
        basePort: port,
        seed: opts.seed,
        logger: (party, level, m) => {
          if (level !== 'info') process.stderr.write(`[${party}] ${level}: ${m}\n`);
        },
      });
      const stop = new AbortController();
      const stopped = new Promise<string>((resolve) => {
        const on = (signal: string) => {
          stop.abort();
          resolve(signal);
        };
        process.once('SIGINT', () => on('SIGINT'));
        process.once('SIGTERM', () => on('SIGTERM'));
      });
      say(describeUrls(fed));
      const bar = fed.resumed ? undefined : progress('playing');
      try {
        let play: FederationPlay | undefined;
        if (bar) {
          say('playing the timeline through the nodes (mirrors and cosignatures settle after every step)...\n');
          play = await fed.playTimeline({ signal: stop.signal, onStep: (d, t) => bar.update(d, t) });
          bar.stop();
        }
        say(await describeState(fed, play));
        say(`serving at ${fed.nodes.map((n) => n.url).join(', ')}; stop with Ctrl-C\n`);
      } catch (err) {
        bar?.stop();
        if (!stop.signal.aborted) {
          await fed.close();
          throw err;
        }
      }
      const signal = await stopped;
      say(`${signal}: stopping the nodes\n`);
      await fed.close();
      say('stopped\n');
    });
}
