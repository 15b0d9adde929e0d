/** How the command line talks: one clear line per error, JSON when asked, progress bars only on a terminal. */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { DetenteError } from '../crypto/errors.js';

/** An error the user caused: printed as one line, exit code 1. */
export class UsageError extends Error {}

/** A file named on the command line, as text; a usage error that names it if it cannot be read. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${what} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

export function reportError(err: unknown): number {
  if (err instanceof DetenteError) {
    process.stderr.write(`detente: ${err.message} [${err.code}]\n`);
    return 1;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`detente: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`detente: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 70;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A progress bar on stderr that appears only if the work is still running after a second, and only on a TTY. */
export function progress(label: string): { update(done: number, total: number): void; stop(): void } {
  const started = Date.now();
  let bar: SingleBar | undefined;
  const enabled = process.stderr.isTTY === true && process.env.CI === undefined;
  return {
    update(done, total) {
      if (!enabled) return;
      if (!bar && Date.now() - started > 1000) {
        bar = new SingleBar({
          format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}`,
          stream: process.stderr,
        });
        bar.start(total, done);
      }
      bar?.setTotal(total);
      bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}

export function parseCount(value: string, name: string): number {
  if (!/^(0|[1-9]\d*)$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${name}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
