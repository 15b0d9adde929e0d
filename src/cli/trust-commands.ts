/**
 * The C2SP trust files on the command line: `detente policy` writes each log's tlog-policy from the regime, and
 * `detente verify-proof` checks a tlog-proof file offline, for an entry the verifier holds, under a policy.
 * (`detente log prove --format tlog-proof` writes proof files: log-commands.ts.)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromBase64, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { loadRegime, readConfig } from '../node/config.js';
import { logPolicyText } from '../node/trust-policy.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { type LoadedPolicy, parsePolicy } from '../tlog/policy.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from '../tlog/proof-file.js';
import { printJson, UsageError } from './output.js';

const suite = nodeSuite;

/** Reads and parses a policy file named on the command line (POLICY_MALFORMED names the line). */
export function readPolicy(path: string): LoadedPolicy {
  return parsePolicy(readBytes(path, 'policy'), suite);
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/**
 * The entry's leaf bytes: the raw file, or, for a JSON file with `entryBase64` (what GET /api/entries/<origin>/<n>
 * answers), those bytes.
 */
function readEntry(path: string): Uint8Array {
  const bytes = readBytes(path, 'entry');
  if (bytes[0] === 0x7b) {
    try {
      const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { entryBase64?: unknown };
      if (typeof json.entryBase64 === 'string') return fromBase64(json.entryBase64, 'entryBase64');
    } catch {
      // Not JSON: the raw entry.
    }
  }
  return bytes;
}

/**
 * A tlog-proof file as given, or the receipt of POST /api/submissions (JSON: origin, index, checkpoint, proof) as
 * the tlog-proof it amounts to: every receipt is one, with the checkpoint of its batch (cosigned later: fetch
 * GET /api/entries/<origin>/<index>.tlog-proof for the cosignatures).
 */
function proofOrReceipt(bytes: Uint8Array): Uint8Array | string {
  if (bytes[0] !== 0x7b) return bytes;
  let receipt: { index?: unknown; checkpoint?: unknown; proof?: unknown };
  try {
    receipt = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return bytes; // not JSON: the proof parser says what is wrong
  }
  const { index, checkpoint, proof } = receipt;
  if (typeof index !== 'number' || typeof checkpoint !== 'string' || !Array.isArray(proof)) {
    throw new DetenteError('PROOF_MALFORMED', 'receipt: expected { index, checkpoint, proof } (POST /api/submissions)');
  }
  return formatTlogProof({
    index,
    checkpoint,
    proof: proof.map((h, i) => fromBase64(String(h), `receipt proof[${i}]`)),
  });
}

export function registerTrustCommands(program: Command): void {
  program
    .command('policy')
    .description("write the C2SP tlog-policy of each party's log from the node's regime")
    .requiredOption('--dir <dir>', 'node directory')
    .option('--out <dir>', 'where to write <party>.policy (default: <dir>/policy)')
    .option('--party <id>', 'only this party (default: every party)')
    .action((opts: { dir: string; out?: string; party?: string }) => {
      const config = readConfig(opts.dir);
      const { regime } = loadRegime(opts.dir, config, suite);
      const parties = opts.party ? [opts.party] : regime.parties.map((p) => p.id);
      const out = opts.out ?? join(opts.dir, 'policy');
      mkdirSync(out, { recursive: true });
      for (const party of parties) {
        const file = join(out, `${party}.policy`);
        writeFileSync(file, logPolicyText(regime, party, suite));
        process.stdout.write(`${file}\n`);
      }
    });

  program
    .command('verify-proof <file>')
    .description(
      'verify a C2SP tlog-proof file (or a submission receipt, JSON) offline: the entry is in the log, under a policy',
    )
    .requiredOption('--entry <file>', "the entry's bytes (or the JSON of GET /api/entries/<origin>/<index>)")
    .requiredOption('--policy <file>', 'the C2SP tlog-policy: trusted log keys, witnesses and quorum')
    .option('--json', 'print JSON')
    .action((file: string, opts: { entry: string; policy: string; json?: boolean }) => {
      const policy = readPolicy(opts.policy);
      const proof = parseTlogProof(proofOrReceipt(readBytes(file, 'proof')));
      const hasher = new Rfc6962Hasher(suite.sha256);
      const v = verifyTlogProof(proof, readEntry(opts.entry), policy, hasher);
      const witnesses = v.cosignatures.map((c) => ({
        witness: c.witness,
        key: c.keyName,
        time: new Date(c.timestamp * 1000).toISOString(),
      }));
      if (opts.json) {
        printJson({
          ok: true,
          origin: v.checkpoint.origin,
          index: v.index,
          size: v.checkpoint.size,
          root: toHex(v.checkpoint.root),
          quorum: v.quorum,
          cosignatures: witnesses,
        });
        return;
      }
      process.stdout.write(
        `VALID: entry ${v.index} of ${v.checkpoint.origin} is in its tree of size ${v.checkpoint.size}\n` +
          `  quorum ${v.quorum} met: ${v.cosignatures.length} of ${v.witnesses} witnesses cosigned\n` +
          witnesses.map((w) => `  ${w.witness} (${w.key}) at ${w.time}\n`).join(''),
      );
    });
}
