/**
 * `detente evidence …`: check evidence offline, and acknowledge a fork on a node.
 *
 * A file is VALID only against a key the caller trusts (`--vkey`, or the regime's keys with `--regime`): without
 * one, anyone can make a key named after an origin and "prove" that origin forked, so the verdict says the key is
 * unverified, names it, and exits non-zero.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromBase64 } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { formatVerifierKey } from '../crypto/vkey.js';
import { COSIGNATURE_EVIDENCE_FORMAT, verifyCosignatureEvidence } from '../federation/cosignature-evidence.js';
import { verifyEvidence } from '../federation/evidence.js';
import { parseRegime } from '../model/index.js';
import { mirrorVkeyOf, witnessVkeyOf } from '../node/config.js';
import { EvidenceStore } from '../node/evidence-store.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import type { LoadedPolicy } from '../tlog/policy.js';
import { printJson, UsageError } from './output.js';
import { readPolicy } from './trust-commands.js';

interface VerifyOptions {
  vkey?: string;
  regime?: string;
  keys?: string;
  json?: boolean;
}

/** The log and witness keys of the regime's parties. */
function regimeKeys(file: string, keysFile?: string): { logVkeys: string[]; witnessVkeys: string[] } {
  const keys = keysFile ? (JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, string>) : undefined;
  const regime = parseRegime(readFileSync(file, 'utf8'), { keys });
  const logVkeys: string[] = [];
  const witnessVkeys: string[] = [];
  for (const p of regime.parties) {
    const log = p.keys.find((k) => k.roles.includes('log'));
    if (log?.publicKey) logVkeys.push(formatVerifierKey(nodeSuite.sha256, p.origin, fromBase64(log.publicKey)));
    const w = witnessVkeyOf(p, nodeSuite);
    if (w) witnessVkeys.push(w);
    // A mirror's cosignature is a receipt that counts for time like a witness's: refused ones are evidence too.
    const m = mirrorVkeyOf(p, nodeSuite);
    if (m) witnessVkeys.push(m);
  }
  return { logVkeys, witnessVkeys };
}

function verify(input: unknown, opts: VerifyOptions): { summary: string; trusted: boolean; key: string } {
  const trusted = opts.regime ? regimeKeys(opts.regime, opts.keys) : undefined;
  if ((input as { format?: unknown })?.format === COSIGNATURE_EVIDENCE_FORMAT) {
    const verified = verifyCosignatureEvidence(input, nodeSuite, trusted);
    return {
      summary: verified.summary,
      trusted: trusted !== undefined,
      key: (input as { witnessVkey: string }).witnessVkey,
    };
  }
  const key = (input as { vkey?: unknown })?.vkey;
  let trustedVkey = opts.vkey;
  if (trusted && typeof key === 'string') {
    if (!trusted.logVkeys.includes(key.trim())) {
      throw new DetenteError('NOTE_UNVERIFIED', `the key ${key} is not a log key of the regime`);
    }
    trustedVkey = key;
  }
  const verified = verifyEvidence(input, nodeSuite, trustedVkey === undefined ? {} : { trustedVkey });
  return { summary: verified.summary, trusted: trustedVkey !== undefined, key: String(key) };
}

/** The policy's key for the evidence's origin, which must agree with --vkey when both are given. */
function policyVkey(policy: LoadedPolicy, input: unknown, vkey: string | undefined): string {
  const origin = (input as { origin?: unknown })?.origin;
  const index = policy.logVerifiers.findIndex((v) => v.name === origin);
  if (index < 0) throw new DetenteError('POLICY_UNSATISFIED', `the policy lists no log ${JSON.stringify(origin)}`);
  const fromPolicy = policy.logs[index]!.vkey;
  if (vkey !== undefined && vkey !== fromPolicy) throw new UsageError("--vkey is not the policy's key for this log");
  return fromPolicy;
}

export function registerEvidenceCommands(program: Command): void {
  const evidence = program.command('evidence').description('evidence: proof that a log forked or a witness lied');
  evidence
    .command('verify')
    .description(
      'check an evidence file offline (signatures, proofs, contradiction); exit 0 and print VALID only if it proves its claim under a key you trust (--vkey or --regime)',
    )
    .argument('<file>', 'the evidence file (JSON)')
    .option('--vkey <vkey>', "require that the log's key is this one (a key you already trust)")
    .option('--regime <file>', "require that the keys are the regime's (YAML or JSON, with public keys)")
    .option('--keys <file>', 'public keys for the regime, JSON {key id: base64}')
    .option(
      '--policy <file>',
      "a C2SP tlog-policy: the log's key must be the policy's log of that origin (the evidence needs no witness)",
    )
    .option('--json', 'print JSON')
    .action((file: string, given: VerifyOptions & { policy?: string }) => {
      const policy = given.policy === undefined ? undefined : readPolicy(given.policy);
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
        const opts = policy ? { ...given, vkey: policyVkey(policy, input, given.vkey) } : given;
        const { summary, trusted, key } = verify(input, opts);
        if (opts.json) printJson({ valid: trusted, keyVerified: trusted, key, summary });
        else if (trusted) process.stdout.write(`VALID: ${summary}\n`);
        else {
          process.stdout.write(
            `UNVERIFIED KEY: consistent only under the key the file carries (${key}), which nothing here vouches for; give --vkey or --regime. ${summary}\n`,
          );
        }
        if (!trusted) process.exitCode = 1;
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        if (given.json) printJson({ valid: false, code: err.code, reason: err.message });
        else process.stdout.write(`INVALID: ${err.message} [${err.code}]\n`);
        process.exitCode = 1;
      }
    });

  evidence
    .command('ack-fork')
    .description(
      "acknowledge a fork on record in a node's evidence/ (health turns ok again; the forked log stays folded only up to where its branches part)",
    )
    .requiredOption('--dir <dir>', 'the node directory')
    .argument('<file>', 'the evidence file name, as /api/health lists it')
    .option('--by <name>', 'who acknowledges', process.env.USER ?? 'operator')
    .action((file: string, opts: { dir: string; by: string }) => {
      // The evidence directory alone: the node may be running, and reads the acknowledgement on its next health.
      const store = new EvidenceStore(join(opts.dir, 'evidence'));
      if (!store.forks().some((f) => f.file === file)) {
        throw new UsageError(`no fork on record in ${file}: see the forks of /api/health`);
      }
      store.acknowledge(file, opts.by, Date.now());
      process.stdout.write(`acknowledged ${file}\n`);
    });
}
