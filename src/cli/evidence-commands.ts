/** `detente evidence …`: check equivocation evidence offline. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DetenteError } from '../crypto/errors.js';
import { verifyEvidence } from '../node/evidence.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { printJson, UsageError } from './output.js';
import { readPolicy } from './trust-commands.js';

export function registerEvidenceCommands(program: Command): void {
  const evidence = program.command('evidence').description('equivocation evidence: proof that a log forked');
  evidence
    .command('verify')
    .description(
      'check an evidence file offline (signatures, proofs, contradiction); exit 0 and print VALID only if it proves equivocation',
    )
    .argument('<file>', 'the evidence file (JSON)')
    .option('--vkey <vkey>', "also require that the log's key is this one (a key you already trust)")
    .option(
      '--policy <file>',
      "a C2SP tlog-policy: the log's key must be the policy's log of that origin (the evidence needs no witness)",
    )
    .option('--json', 'print JSON')
    .action((file: string, opts: { vkey?: string; policy?: string; json?: boolean }) => {
      const policy = opts.policy === undefined ? undefined : readPolicy(opts.policy);
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
        let trustedVkey = opts.vkey;
        if (policy) {
          const origin = (input as { origin?: unknown })?.origin;
          const index = policy.logVerifiers.findIndex((v) => v.name === origin);
          if (index < 0)
            throw new DetenteError('POLICY_UNSATISFIED', `the policy lists no log ${JSON.stringify(origin)}`);
          const fromPolicy = policy.logs[index]!.vkey;
          if (trustedVkey !== undefined && trustedVkey !== fromPolicy) {
            throw new UsageError("--vkey is not the policy's key for this log");
          }
          trustedVkey = fromPolicy;
        }
        const verified = verifyEvidence(input, nodeSuite, trustedVkey === undefined ? {} : { trustedVkey });
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
