/**
 * `detente audit`: verifies a whole log from scratch, trusting nothing the node says: the checkpoint's signature
 * under the key given, every tile and entry beneath it, and with a regime every entry's schema, key, role and
 * signature (and that every entry is the log's party's).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DetenteError } from '../crypto/errors.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import { httpTileSource } from '../federation/http-tile-source.js';
import { dirTileSource } from '../log/dir-tile-source.js';
import { verifySource } from '../log/verify-log.js';
import { decodeEntry, parseRegime, type Regime, verifyEntry } from '../model/index.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { verifyCheckpointPolicy } from '../tlog/policy.js';
import type { TileSource } from '../tlog/tile-source.js';
import { printJson, progress, UsageError } from './output.js';
import { readPolicy } from './trust-commands.js';

const suite = nodeSuite;

export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description('verify a whole log from scratch (over HTTP or from an exported directory)')
    .option('--url <url>', "the log's tlog-tiles URL, e.g. http://host:8080/logs/us")
    .option('--path <dir>', 'an exported tlog-tiles directory')
    .option('--vkey <key>', "the log's verifier key (or a file holding it); default: the --policy's log")
    .option('--policy <file>', "a C2SP tlog-policy: the checkpoint must be the policy's log's, cosigned to its quorum")
    .option('--regime <file>', 'also verify every entry under this regime (YAML or JSON, with public keys)')
    .option('--keys <file>', 'public keys for the regime, JSON {key id: base64}')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        url?: string;
        path?: string;
        vkey?: string;
        policy?: string;
        regime?: string;
        keys?: string;
        json?: boolean;
      }) => {
        if ((opts.url === undefined) === (opts.path === undefined))
          throw new UsageError('give exactly one of --url, --path');
        const policy = opts.policy === undefined ? undefined : readPolicy(opts.policy);
        let vkeyText = opts.vkey ?? (policy?.logs.length === 1 ? policy.logs[0]!.vkey : undefined);
        if (vkeyText === undefined) throw new UsageError('give --vkey, or a --policy that lists exactly one log');
        try {
          vkeyText = readFileSync(vkeyText, 'utf8').trim();
        } catch {
          // Given inline.
        }
        const verifier = parseVerifierKey(vkeyText, suite);
        let regime: Regime | undefined;
        if (opts.regime) {
          const keys = opts.keys ? (JSON.parse(readFileSync(opts.keys, 'utf8')) as Record<string, string>) : undefined;
          regime = parseRegime(readFileSync(opts.regime, 'utf8'), { keys });
        }
        const party = regime?.parties.find((p) => p.origin === verifier.name)?.id;
        if (regime && !party) throw new UsageError(`the regime has no party whose log is ${verifier.name}`);
        const given = opts.url ? httpTileSource(opts.url) : dirTileSource(opts.path!);
        // The checkpoint is read once, so that the one judged by the policy is the one the tiles are checked under.
        const note = await given.checkpoint();
        const verdict = policy ? verifyCheckpointPolicy(policy, note) : undefined;
        const source: TileSource = {
          checkpoint: () => note,
          hashTile: (l, i, w) => given.hashTile(l, i, w),
          entryBundle: (i, w) => given.entryBundle(i, w),
        };
        const bar = progress('auditing');
        const problems: { index: number; code: string; message: string }[] = [];
        const types: Record<string, number> = {};
        const report = await verifySource(source, new Rfc6962Hasher(suite.sha256), verifier, {
          onProgress: (done, total) => bar.update(done, total),
          onEntry: regime
            ? (index, bytes) => {
                try {
                  const signed = decodeEntry(bytes);
                  if (signed.envelope.party !== party) {
                    throw new DetenteError(
                      'KEY_UNKNOWN',
                      `an entry of "${signed.envelope.party}" in the log of "${party}"`,
                    );
                  }
                  verifyEntry(suite, regime, signed);
                  types[signed.envelope.type] = (types[signed.envelope.type] ?? 0) + 1;
                } catch (err) {
                  if (!(err instanceof DetenteError)) throw err;
                  if (problems.length < 100) problems.push({ index, code: err.code, message: err.message });
                  else problems.length = 100;
                }
              }
            : undefined,
        });
        bar.stop();
        const ok = problems.length === 0;
        const witnessed = verdict && {
          quorum: verdict.quorum,
          cosignatures: verdict.cosignatures.map((c) => c.witness),
          witnesses: verdict.witnesses,
        };
        if (opts.json) {
          printJson({ ok, ...report, entriesChecked: regime ? report.entries : 0, types, problems, policy: witnessed });
        } else {
          process.stdout.write(
            `${ok ? 'VALID' : 'INVALID'}: ${report.origin} size ${report.size} root ${report.root} (hex)\n` +
              `  ${report.entries} entries and ${report.tiles} tiles verified against the signed checkpoint\n` +
              (witnessed
                ? `  policy quorum ${witnessed.quorum} met: ${witnessed.cosignatures.length} of ${witnessed.witnesses} witnesses cosigned (${witnessed.cosignatures.join(', ')})\n`
                : '') +
              (regime
                ? `  every entry decoded and verified under regime ${regime.id}: ${JSON.stringify(types)}\n`
                : '  (entries not checked against a regime: give --regime)\n') +
              problems.map((p) => `  entry ${p.index}: ${p.message} [${p.code}]\n`).join(''),
          );
        }
        if (!ok) process.exitCode = 1;
      },
    );
}
