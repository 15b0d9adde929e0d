/**
 * `detente demo` (what `npm start` runs until the scenario exists): one log, its whole life in a few seconds.
 * Creates it, appends statements, proves one entry and the log's growth, has a witness cosign, exports the
 * static tiles and verifies the export from scratch, printing each step.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { utf8 } from '../crypto/bytes.js';
import { randomSeed } from '../crypto/ed25519.js';
import { formatSignatureLine, parseNote } from '../crypto/note.js';
import { dirTileSource } from '../log/dir-tile-source.js';
import { exportLog } from '../log/export.js';
import { initLogDir, logWriter, openLogDir, VKEY_FILE } from '../log/log-dir.js';
import { consistencyProofFromStore, inclusionProofFromStore } from '../log/proofs.js';
import { verifySource } from '../log/verify-log.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { verifyConsistency } from '../tlog/consistency.js';
import { cosignerFromSeed, openCosignedCheckpoint, parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import { verifyInclusion } from '../tlog/inclusion.js';
import { parseCount, UsageError } from './output.js';

const ORIGIN = 'demo.detente.example/us';

function statement(i: number): string {
  const kinds = ['notification', 'declaration', 'inspection-request', 'acknowledgement'];
  return JSON.stringify({ demo: true, n: i, type: kinds[i % kinds.length], text: `synthetic statement ${i}` });
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('create, grow, prove, cosign, export and verify a demonstration log')
    .option('--dir <dir>', 'where to keep it (replaced on each run)', 'demo-data')
    .option('--entries <n>', 'how many entries to append', '1000')
    .action(async (opts: { dir: string; entries: string }) => {
      const say = (s: string) => process.stdout.write(`${s}\n`);
      const base = opts.dir;
      rmSync(base, { recursive: true, force: true });
      const count = parseCount(opts.entries, '--entries');
      if (count < 2) throw new UsageError('--entries: the demo needs at least 2');
      {
        const logDir = join(base, 'log');
        const vkey = initLogDir(logDir, ORIGIN, nodeSuite);
        say(`1. created the log ${ORIGIN} in ${logDir}\n   verifier key: ${vkey}`);

        const log = openLogDir(logDir, nodeSuite);
        const writer = logWriter(log, nodeSuite);
        const started = performance.now();
        const half = Math.floor(count / 2);
        for (let i = 0; i < count; i += 100) {
          const batch = [];
          for (let j = i; j < Math.min(count, i + 100); j++) batch.push(utf8(statement(j)));
          writer.append(batch);
        }
        const head = log.store.head()!;
        say(
          `2. appended ${count} statements in batches of 100 (${(performance.now() - started).toFixed(0)} ms, each batch durable with its signed checkpoint)`,
        );
        say(`   latest checkpoint:\n${head.checkpoint.trimEnd().replace(/^/gm, '   | ')}`);

        const index = Math.min(count - 1, 42);
        const inclusion = inclusionProofFromStore(log.store, log.hasher, index, head.size);
        verifyInclusion(log.hasher, index, head.size, inclusion.leafHash, inclusion.proof, inclusion.root);
        say(`3. inclusion proof for entry ${index}: ${inclusion.proof.length} hashes, verified against the root`);
        const consistency = consistencyProofFromStore(log.store, log.hasher, half, head.size);
        verifyConsistency(log.hasher, half, head.size, consistency.proof, consistency.fromRoot, consistency.toRoot);
        say(
          `4. consistency proof from size ${half} to ${head.size}: ${consistency.proof.length} hashes, verified: the log only grew`,
        );

        const witness = cosignerFromSeed(nodeSuite, 'demo.detente.example/witness', randomSeed());
        const cosignature = witness.cosign(parseNote(head.checkpoint).text, Math.floor(Date.now() / 1000));
        const cosigned = head.checkpoint + formatSignatureLine(cosignature);
        const opened = openCosignedCheckpoint(cosigned, log.verifier, [
          parseCosignatureVerifierKey(witness.verifierKey, nodeSuite),
        ]);
        say(
          `5. a witness cosigned the checkpoint (tlog-cosignature/v1) at ${new Date(opened.cosignatures[0]!.timestamp * 1000).toISOString()}`,
        );

        const out = join(base, 'export');
        const report = exportLog(log.store, out, { extraFiles: { [VKEY_FILE]: `${vkey}\n` } });
        say(`6. exported a static C2SP tlog-tiles tree to ${out}: ${report.written} files, ${report.bytes} bytes`);
        log.close();

        const verified = await verifySource(dirTileSource(out), log.hasher, log.verifier);
        say(
          `7. verified the export from scratch: ${verified.entries} entries and ${verified.tiles} tiles match root ${verified.root} (hex: the checkpoint's third line is the same root in base64)`,
        );
        say(`\nCheck it yourself: npx detente log verify --path ${out} --vkey '${vkey}'`);
      }
    });
}
