/** `detente evidence …`: check equivocation evidence offline. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DetenteError } from '../crypto/errors.js';
import { verifyEvidence } from '../federation/evidence.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { printJson, UsageError } from './output.js';

export function registerEvidenceCommands(program: Command): void {
  const evidence = program.command('evidence').description('equivocation evidence: proof that a log forked');
  evidence
    .command('verify')
    .description(
      'check an evidence file offline (signatures, proofs, contradiction); exit 0 and print VALID only if it proves equivocation',
    )
    .argument('<file>', 'the evidence file (JSON)')
    .option('--vkey <vkey>', "also require that the log's key is this one (a key you already trust)")
    .option('--json', 'print JSON')
    .action((file: string, opts: { vkey?: string; json?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(
          `evidence ${file}: ${code === 'ENOENT' ? 'no such file' : `not JSON (${(err as Error).message})`}`,
        );
      }
      try {
        const verified = verifyEvidence(input, nodeSuite, opts.vkey === undefined ? {} : { trustedVkey: opts.vkey });
        if (opts.json) printJson({ valid: true, ...verified });
        else process.stdout.write(`VALID: ${verified.summary}\n`);
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        if (opts.json) printJson({ valid: false, code: err.code, reason: err.message });
        else process.stdout.write(`INVALID: ${err.message} [${err.code}]\n`);
        process.exitCode = 1;
      }
    });
}
