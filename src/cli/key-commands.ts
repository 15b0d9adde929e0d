/** `detente key …`: Ed25519 keys in the C2SP signed-note forms, for logs and witnesses. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { generateSigner, parseSignerKey } from '../crypto/vkey.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { formatCosignatureVerifierKey } from '../tlog/cosignature.js';
import { printJson, readText } from './output.js';

export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('Ed25519 keys for logs and witnesses');
  key
    .command('generate')
    .description('generate a signer key into a file (mode 0600); prints the verifier key')
    .requiredOption('--name <name>', 'key name (for a log: its origin)')
    .requiredOption('--out <file>', 'where to write the secret key (refuses to overwrite)')
    .option('--witness', 'print the tlog-cosignature/v1 verifier key (type 0x04) instead of the note key')
    .option('--json', 'print JSON')
    .action((opts: { name: string; out: string; witness?: boolean; json?: boolean }) => {
      const { skey, vkey } = generateSigner(nodeSuite, opts.name);
      writeFileSync(opts.out, `${skey}\n`, { mode: 0o600, flag: 'wx' });
      const signer = parseSignerKey(skey, nodeSuite);
      const cosignatureVkey = formatCosignatureVerifierKey(nodeSuite.sha256, opts.name, signer.publicKey);
      if (opts.json) printJson({ name: opts.name, vkey, cosignatureVkey, file: opts.out });
      else process.stdout.write(`${opts.witness ? cosignatureVkey : vkey}\n`);
    });

  key
    .command('vkey')
    .description("print the verifier key of a signer key file (a log's, or with --witness a witness's cosignature key)")
    .requiredOption('--key <file>', 'the signer key file (PRIVATE+KEY+…), as key generate or log init wrote it')
    .option('--witness', 'print the tlog-cosignature/v1 verifier key (type 0x04) instead of the note key')
    .option('--json', 'print JSON')
    .action((opts: { key: string; witness?: boolean; json?: boolean }) => {
      // A file, never the secret itself on the command line (where the shell's history would keep it).
      const text = readText(opts.key, 'signer key').trim();
      const signer = parseSignerKey(text, nodeSuite);
      const cosignatureVkey = formatCosignatureVerifierKey(nodeSuite.sha256, signer.name, signer.publicKey);
      if (opts.json) printJson({ name: signer.name, vkey: signer.verifierKey, cosignatureVkey });
      else process.stdout.write(`${opts.witness ? cosignatureVkey : signer.verifierKey}\n`);
    });
}
