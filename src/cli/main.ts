#!/usr/bin/env node
/** The `detente` command. */
import { Command, CommanderError } from 'commander';
import { registerLogCommands } from './log-commands.js';
import { reportError } from './output.js';

const program = new Command('detente')
  .description('Détente: verifiable logs and compliance for arms-control commitments')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
program.configureOutput({
  writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `detente: ${s.slice(7)}` : s),
});

registerLogCommands(program);
// `detente log …` (an audit of a large export among them) loads only the log's modules: the other commands pull in
// the server, the engine and the escrow, most of a second of CPU before any work. Every other command, and --help,
// registers them all.
if (process.argv[2] !== 'log') {
  const modules = await Promise.all([
    import('./key-commands.js'),
    import('./evidence-commands.js'),
    import('./node-commands.js'),
    import('./audit-commands.js'),
    import('./demo.js'),
    import('./regime-commands.js'),
    import('./scenario-commands.js'),
    import('./status-commands.js'),
    import('./start-command.js'),
    import('./escrow-commands.js'),
    import('./trust-commands.js'),
    import('./report-command.js'),
    import('./replay.js'),
    import('./submit-command.js'),
  ]);
  const [key, evidence, node, audit, demo, regime, scenario, status, start, escrow, trust, report, replay, submit] =
    modules;
  key.registerKeyCommands(program);
  evidence.registerEvidenceCommands(program);
  node.registerNodeCommands(program);
  audit.registerAuditCommands(program);
  demo.registerDemoCommand(program);
  regime.registerRegimeCommands(program);
  scenario.registerScenarioCommands(program);
  status.registerStatusCommands(program);
  start.registerStartCommand(program);
  escrow.registerEscrowCommands(program);
  trust.registerTrustCommands(program);
  report.registerReportCommand(program);
  replay.registerReplayCommand(program);
  submit.registerSubmitCommand(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = err.exitCode;
  } else {
    process.exitCode = reportError(err);
  }
}
