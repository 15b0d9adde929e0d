#!/usr/bin/env node
/** The `detente` command. */
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './audit-commands.js';
import { registerDemoCommand } from './demo.js';
import { registerEscrowCommands } from './escrow-commands.js';
import { registerEvidenceCommands } from './evidence-commands.js';
import { registerKeyCommands } from './key-commands.js';
import { registerLogCommands } from './log-commands.js';
import { registerNodeCommands } from './node-commands.js';
import { reportError } from './output.js';
import { registerRegimeCommands } from './regime-commands.js';
import { registerReportCommand } from './report-command.js';
import { registerScenarioCommands } from './scenario-commands.js';
import { registerStartCommand } from './start-command.js';
import { registerStatusCommands } from './status-commands.js';

const program = new Command('detente')
  .description('Détente: verifiable logs and compliance for arms-control commitments')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
program.configureOutput({
  writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `detente: ${s.slice(7)}` : s),
});

registerLogCommands(program);
registerKeyCommands(program);
registerEvidenceCommands(program);
registerNodeCommands(program);
registerAuditCommands(program);
registerDemoCommand(program);
registerRegimeCommands(program);
registerScenarioCommands(program);
registerStatusCommands(program);
registerStartCommand(program);
registerEscrowCommands(program);
registerReportCommand(program);

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
