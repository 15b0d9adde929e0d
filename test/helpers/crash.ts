/** Kills a child appender with SIGKILL at random moments and checks the log after each kill. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { utf8 } from '../../src/crypto/bytes.js';
import { initLogDir, openLogDir } from '../../src/log/log-dir.js';
import { verifyStore } from '../../src/log/verify-log.js';
import { nodeSuite } from '../../src/runtime/node-crypto.js';

// Compiled (dist/test/helpers/crash.js, as bench/crash-soak.js runs it) the child sits beside this file's folder;
// from source (vitest runs test/helpers/crash.ts) it is the compiled one under dist/.
const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = import.meta.url.endsWith('.js')
  ? join(HERE, '..', 'fixtures', 'crash-child.js')
  : join(HERE, '..', '..', 'dist', 'test', 'fixtures', 'crash-child.js');

export interface CrashRound {
  acknowledged: number;
  size: number;
}

function runUntilKilled(dir: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1;
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const [, first, count] = line.split(' ');
        acked = Math.max(acked, Number(first) + Number(count) - 1);
      }
      // Start the clock at the first acknowledgement, so every kill lands mid-appending.
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`crash child ended without being killed: ${err}`));
      else resolve(acked);
    });
  });
}

/** Runs `kills` rounds; throws on the first lost or corrupt entry. */
export async function crashRounds(
  dir: string,
  kills: number,
  random: () => number = Math.random,
  onRound?: (round: number, result: CrashRound) => void,
): Promise<CrashRound[]> {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run \`npm run build\` first`);
  initLogDir(dir, 'crash.detente.example/log', nodeSuite);
  const rounds: CrashRound[] = [];
  let acknowledged = -1;
  for (let i = 0; i < kills; i++) {
    acknowledged = Math.max(acknowledged, await runUntilKilled(dir, 1 + Math.floor(random() * 120)));
    const log = openLogDir(dir, nodeSuite);
    try {
      const report = await verifyStore(log.store, log.hasher, log.verifier);
      if (report.size <= acknowledged) {
        throw new Error(`round ${i}: entry ${acknowledged} was acknowledged but the log has only ${report.size}`);
      }
      for (let index = 0; index <= acknowledged; index += Math.max(1, Math.floor(acknowledged / 50))) {
        const entry = new TextDecoder().decode(log.store.entry(index));
        if (entry !== `crash entry ${index}`) throw new Error(`round ${i}: entry ${index} is ${JSON.stringify(entry)}`);
      }
      const last = log.store.entry(acknowledged);
      if (
        acknowledged >= 0 &&
        (!last || new TextDecoder().decode(last) !== new TextDecoder().decode(utf8(`crash entry ${acknowledged}`)))
      ) {
        throw new Error(`round ${i}: the last acknowledged entry ${acknowledged} is wrong`);
      }
      rounds.push({ acknowledged, size: report.size });
      onRound?.(i + 1, rounds.at(-1)!);
    } finally {
      log.close();
    }
  }
  return rounds;
}
