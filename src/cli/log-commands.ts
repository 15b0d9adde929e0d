/** `detente log …`: create, append to, prove, export and verify a log, and cosign checkpoints as a witness. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { equalBytes, toBase64, toHex, utf8 } from '../crypto/bytes.js';
import { formatSignatureLine, isValidKeyName, parseNote } from '../crypto/note.js';
import { parseSignerKey, parseVerifierKey } from '../crypto/vkey.js';
import { exportLog } from '../log/export.js';
import { initLogDir, logWriter, openLogDir, VKEY_FILE } from '../log/log-dir.js';
import { consistencyProofFromStore, inclusionProofFromStore } from '../log/proofs.js';
import { verifyExport } from '../log/verify-export.js';
import { type VerifyReport, verifyStore } from '../log/verify-log.js';
import { withCosignatures } from '../node/opening-file.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { cosignerFromSeed, openCosignedCheckpoint, parseCosignatureVerifierKey } from '../tlog/cosignature.js';
import { logSignedOnly } from '../tlog/cosigned-checkpoint.js';
import { MAX_ENTRY_SIZE } from '../tlog/entry-bundle.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { formatTlogProof } from '../tlog/proof-file.js';
import { counted, parseCount, printJson, progress, progressCount, readText, UsageError } from './output.js';

const suite = nodeSuite;
const APPEND_BATCH = 256;

/** A key given inline or as a file holding it. */
function keyArg(value: string, what: string): string {
  return (existsSync(value) ? readText(value, what) : value).trim();
}

/**
 * An input too large for one entry: which line, and exactly what was appended before it (the lines before it went
 * in, in batches, as they were read; nothing from it on).
 */
function tooLarge(what: string, bytes: number, appended: readonly number[]): string {
  const before = appended.length
    ? `entries ${appended[0]} to ${appended.at(-1)} were appended from the lines before it, nothing from it on`
    : 'nothing was appended';
  return `${what} is ${bytes} bytes, more than the ${MAX_ENTRY_SIZE} a tlog-tiles entry carries: append its hash (sha256sum) and keep the data beside the log; ${before}`;
}

/** ", 3 cosignature lines (2 verified)": what verify says of the stored cosignatures, if any. */
function cosigned(report: VerifyReport): string {
  if (!report.cosignatures) return '';
  return `, ${counted(report.cosignatures, 'cosignature line')} (${report.cosignaturesVerified} verified under a given witness key)`;
}

export function registerLogCommands(program: Command): void {
  const log = program.command('log').description('an append-only Merkle log (RFC 6962, C2SP checkpoints and tiles)');

  log
    .command('init')
    .description('create a log and its Ed25519 key; prints the verifier key')
    .requiredOption('--dir <dir>', 'directory for the new log (must be empty or absent)')
    .requiredOption('--origin <origin>', 'the log origin, e.g. example.org/detente/us (also the key name)')
    .option('--json', 'print JSON')
    .action((opts: { dir: string; origin: string; json?: boolean }) => {
      // The origin is also the key's name: say so in the origin's terms, not the key's.
      if (!isValidKeyName(opts.origin)) {
        throw new UsageError(
          `--origin ${JSON.stringify(opts.origin)}: a log origin has no spaces and no "+" (e.g. example.org/detente/us)`,
        );
      }
      // A mistyped path must not become a tree of new directories: only the log's own directory is created.
      const parent = dirname(resolve(opts.dir));
      if (!existsSync(parent)) throw new UsageError(`--dir ${opts.dir}: the directory ${parent} does not exist`);
      const vkey = initLogDir(opts.dir, opts.origin, suite);
      if (opts.json) printJson({ origin: opts.origin, vkey, dir: opts.dir });
      else process.stdout.write(`${vkey}\n`);
    });

  log
    .command('append')
    .description(
      'append entries from standard input, one per line (or one raw entry with --file); prints their indexes',
    )
    .requiredOption('--dir <dir>', 'log directory')
    .option('--file <file>', 'append the whole file as one entry')
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; file?: string; json?: boolean }) => {
      const opened = openLogDir(opts.dir, suite);
      try {
        const writer = logWriter(opened, suite);
        const indexes: number[] = [];
        const append = (batch: Uint8Array[]) => {
          if (batch.length === 0) return;
          const { first } = writer.append(batch);
          for (let i = 0; i < batch.length; i++) indexes.push(first + i);
        };
        if (opts.file) {
          const bytes = new Uint8Array(readFileSync(opts.file));
          if (bytes.length > MAX_ENTRY_SIZE) throw new UsageError(tooLarge(`${opts.file}`, bytes.length, indexes));
          append([bytes]);
        } else {
          // The input's length is unknown: a count of what is appended, not a bar towards a total.
          const counter = progressCount('appended', 'entries');
          let batch: Uint8Array[] = [];
          let lineNo = 0;
          try {
            for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
              lineNo++;
              const bytes = utf8(line);
              if (bytes.length > MAX_ENTRY_SIZE) {
                throw new UsageError(tooLarge(`line ${lineNo} of the input`, bytes.length, indexes));
              }
              batch.push(bytes);
              if (batch.length === APPEND_BATCH) {
                append(batch);
                batch = [];
                counter.update(indexes.length);
              }
            }
            append(batch);
          } finally {
            counter.stop();
          }
        }
        const head = opened.store.head()!;
        if (opts.json) printJson({ indexes, size: head.size, checkpoint: head.checkpoint });
        else process.stdout.write(indexes.map((i) => `${i}\n`).join(''));
      } finally {
        opened.close();
      }
    });

  log
    .command('checkpoint')
    .description('print the latest signed checkpoint')
    .requiredOption('--dir <dir>', 'log directory')
    .option('--json', 'print JSON')
    .action((opts: { dir: string; json?: boolean }) => {
      const opened = openLogDir(opts.dir, suite, { readonly: true });
      try {
        const note = opened.store.head()!.checkpoint;
        const { checkpoint } = openCheckpoint(note, opened.verifier);
        if (opts.json) {
          printJson({ origin: checkpoint.origin, size: checkpoint.size, root: toHex(checkpoint.root), note });
        } else process.stdout.write(note);
      } finally {
        opened.close();
      }
    });

  log
    .command('prove')
    .description(
      "print an inclusion proof (--index, optional --size) or a consistency proof (--from, --to), one hash per line in base64, as C2SP tlog-proof files and Go's tlog write them (the one place Détente does not print hex)",
    )
    .requiredOption('--dir <dir>', 'log directory')
    .option('--index <n>', 'leaf index')
    .option('--size <n>', 'tree size for the inclusion proof (default: the latest)')
    .option('--from <n>', 'older tree size')
    .option('--to <n>', 'newer tree size')
    .option('--format <format>', 'lines (default), json, or tlog-proof (a C2SP tlog-proof file, with --index)')
    .option('--json', 'print JSON (--format json)')
    .action(
      (opts: {
        dir: string;
        index?: string;
        size?: string;
        from?: string;
        to?: string;
        format?: string;
        json?: boolean;
      }) => {
        const format = opts.format ?? (opts.json ? 'json' : 'lines');
        if (!['lines', 'json', 'tlog-proof'].includes(format)) {
          throw new UsageError(`prove: --format ${format}: expected lines, json or tlog-proof`);
        }
        opts.json = format === 'json';
        const inclusion = opts.index !== undefined;
        const consistency = opts.from !== undefined || opts.to !== undefined;
        if (inclusion === consistency) throw new UsageError('prove: give either --index [--size] or --from and --to');
        if (format === 'tlog-proof' && !inclusion) throw new UsageError('prove: --format tlog-proof needs --index');
        if (consistency && (opts.from === undefined || opts.to === undefined))
          throw new UsageError('prove: --from and --to go together');
        const opened = openLogDir(opts.dir, suite, { readonly: true });
        try {
          const latest = opened.store.head()!.size;
          if (inclusion) {
            const index = parseCount(opts.index!, '--index');
            const size = opts.size === undefined ? latest : parseCount(opts.size, '--size');
            const p = inclusionProofFromStore(opened.store, opened.hasher, index, size);
            if (format === 'tlog-proof') {
              // The stored cosignatures were each verified when the node stored them.
              const lines = opened.store.cosignatures(size).map((c) => c.line);
              const signed = opened.store.checkpoint(size);
              if (signed === undefined) throw new UsageError(`prove: the log signed no checkpoint of size ${size}`);
              const note = withCosignatures(logSignedOnly(signed).note, lines);
              process.stdout.write(formatTlogProof({ index, proof: p.proof, checkpoint: note }));
            } else if (opts.json) {
              printJson({
                index,
                size,
                leafHash: toBase64(p.leafHash),
                root: toBase64(p.root),
                proof: p.proof.map(toBase64),
                checkpoint: opened.store.checkpoint(size) ?? null,
              });
            } else process.stdout.write(p.proof.map((h) => `${toBase64(h)}\n`).join(''));
          } else {
            const from = parseCount(opts.from!, '--from');
            const to = parseCount(opts.to!, '--to');
            const p = consistencyProofFromStore(opened.store, opened.hasher, from, to);
            if (opts.json) {
              printJson({
                from,
                to,
                fromRoot: toBase64(p.fromRoot),
                toRoot: toBase64(p.toRoot),
                proof: p.proof.map(toBase64),
                fromCheckpoint: opened.store.checkpoint(from) ?? null,
                toCheckpoint: opened.store.checkpoint(to) ?? null,
              });
            } else process.stdout.write(p.proof.map((h) => `${toBase64(h)}\n`).join(''));
          }
        } finally {
          opened.close();
        }
      },
    );

  log
    .command('export')
    .description('write the log as a static C2SP tlog-tiles tree; a re-run writes only what changed')
    .requiredOption('--dir <dir>', 'log directory')
    .requiredOption('--out <out>', 'output directory')
    .option('--json', 'print JSON')
    .action((opts: { dir: string; out: string; json?: boolean }) => {
      const opened = openLogDir(opts.dir, suite, { readonly: true });
      const bar = progress('exporting');
      try {
        const report = exportLog(opened.store, opts.out, {
          extraFiles: { [VKEY_FILE]: `${opened.vkey}\n` },
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        if (opts.json) printJson(report);
        else {
          process.stdout.write(
            `exported ${opened.store.origin} at size ${report.size} to ${opts.out}: ${counted(report.written, 'file')} written (${counted(report.bytes, 'byte')}), ${report.kept} already there\n`,
          );
        }
      } finally {
        bar.stop();
        opened.close();
      }
    });

  log
    .command('verify')
    .description('verify a log from scratch: the checkpoint signature, every tile, every entry')
    .option('--dir <dir>', 'log directory (the store)')
    .option('--path <path>', 'an exported tlog-tiles tree')
    .option(
      '--vkey <vkey>',
      'verifier key to trust (a vkey string or a file holding one); default: the one beside the log',
    )
    .option(
      '--witness-vkey <vkey>',
      "a witness's cosignature verifier key (or a file holding one): its stored cosignatures must verify (--dir; repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--json', 'print JSON')
    .action(async (opts: { dir?: string; path?: string; vkey?: string; witnessVkey: string[]; json?: boolean }) => {
      if ((opts.dir === undefined) === (opts.path === undefined))
        throw new UsageError('verify: give either --dir or --path');
      const bar = progress('verifying');
      const onProgress = (d: number, t: number) => bar.update(d, t);
      const hasher = new Rfc6962Hasher(suite.sha256);
      let report: VerifyReport;
      let keySource: string;
      try {
        if (opts.dir !== undefined) {
          const opened = openLogDir(opts.dir, suite, { readonly: true });
          try {
            const verifier = opts.vkey ? parseVerifierKey(keyArg(opts.vkey, 'verifier key'), suite) : opened.verifier;
            keySource = opts.vkey ? 'the given key' : `${VKEY_FILE} in the log directory`;
            const witnesses = opts.witnessVkey.map((w) =>
              parseCosignatureVerifierKey(keyArg(w, 'witness verifier key'), suite),
            );
            report = await verifyStore(opened.store, hasher, verifier, { onProgress, witnesses });
          } finally {
            opened.close();
          }
        } else {
          if (!existsSync(opts.path!)) throw new UsageError(`verify: no such directory: ${opts.path}`);
          if (opts.witnessVkey.length > 0) throw new UsageError('verify: --witness-vkey goes with --dir');
          const vkeyText = opts.vkey
            ? keyArg(opts.vkey, 'verifier key')
            : readText(`${opts.path}/${VKEY_FILE}`, 'verifier key').trim();
          keySource = opts.vkey ? 'the given key' : `${VKEY_FILE} in the export (pass --vkey to trust a key you hold)`;
          // On every core; verifySource(dirTileSource(…)) is the single-threaded reference it agrees with.
          report = await verifyExport(opts.path!, hasher, parseVerifierKey(vkeyText, suite), { onProgress });
        }
      } finally {
        bar.stop();
      }
      if (opts.json) printJson({ ok: true, ...report, key: keySource });
      else {
        process.stdout.write(
          `OK ${report.origin}: ${counted(report.size, 'entry', 'entries')}, ${counted(report.tiles, 'tile')} and ${counted(report.checkpoints, 'checkpoint')}${cosigned(report)} verified against root ${report.root} (hex), signed by ${keySource}\n`,
        );
      }
    });

  log
    .command('cosign')
    .description('as a witness, cosign a checkpoint (C2SP tlog-cosignature/v1); prints the cosignature line')
    .requiredOption('--key <key>', "the witness's signer key (PRIVATE+KEY+… or a file holding it)")
    .requiredOption('--checkpoint <file>', 'the signed checkpoint note')
    .requiredOption('--log-vkey <vkey>', "the log's verifier key: the witness cosigns only what the log signed")
    .option('--time <seconds>', 'timestamp, seconds since the epoch (default: now)')
    .option('--json', 'print JSON')
    .action((opts: { key: string; checkpoint: string; logVkey: string; time?: string; json?: boolean }) => {
      const note = readText(opts.checkpoint, 'checkpoint');
      const logVerifier = parseVerifierKey(keyArg(opts.logVkey, 'log verifier key'), suite);
      const { checkpoint } = openCheckpoint(note, logVerifier);
      const witness = parseSignerKey(keyArg(opts.key, 'witness key'), suite);
      if (equalBytes(witness.publicKey, logVerifier.publicKey)) {
        throw new UsageError(
          "cosign: --key is the log's own key: a witness cosigns with a key of its own (detente key generate --witness)",
        );
      }
      const cosigner = cosignerFromSeed(suite, witness.name, witness.seed);
      const time = opts.time === undefined ? Math.floor(Date.now() / 1000) : parseCount(opts.time, '--time');
      const text = parseNote(note).text;
      const line = formatSignatureLine(cosigner.cosign(text, time));
      if (opts.json)
        printJson({
          origin: checkpoint.origin,
          size: checkpoint.size,
          timestamp: time,
          line,
          vkey: cosigner.verifierKey,
        });
      else process.stdout.write(line);
    });

  log
    .command('verify-cosignature')
    .description("verify a witness's cosignature on a checkpoint; prints its timestamp")
    .requiredOption('--checkpoint <file>', 'the checkpoint note with the cosignature line(s) appended')
    .requiredOption('--vkey <vkey>', "the witness's cosignature verifier key")
    .requiredOption('--log-vkey <vkey>', "the log's verifier key")
    .option('--json', 'print JSON')
    .action((opts: { checkpoint: string; vkey: string; logVkey: string; json?: boolean }) => {
      const note = readText(opts.checkpoint, 'checkpoint');
      const logVerifier = parseVerifierKey(keyArg(opts.logVkey, 'log verifier key'), suite);
      const witness = parseCosignatureVerifierKey(keyArg(opts.vkey, 'witness verifier key'), suite);
      const opened = openCosignedCheckpoint(note, logVerifier, [witness]);
      const cosig = opened.cosignatures.find((c) => c.name === witness.name && c.keyId === witness.keyId);
      if (!cosig) throw new UsageError(`verify-cosignature: no cosignature from ${witness.name} on this checkpoint`);
      if (opts.json)
        printJson({
          ok: true,
          origin: opened.checkpoint.origin,
          size: opened.checkpoint.size,
          witness: witness.name,
          timestamp: cosig.timestamp,
        });
      else {
        process.stdout.write(
          `OK ${witness.name} cosigned ${opened.checkpoint.origin} at size ${opened.checkpoint.size}, time ${cosig.timestamp} (${new Date(cosig.timestamp * 1000).toISOString()})\n`,
        );
      }
    });
}
