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

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the node running, on that port?)',
  ENOTFOUND: 'no such host',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
};

/** The code of an error or of what caused it (fetch wraps the socket's error in `cause`, sometimes twice). */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    e = e.cause as typeof e;
  }
  return codes;
}

/**
 * Failures a user meets in normal use (a node that is down, a corrupt or locked database, a busy port, a file that
 * cannot be written): one line that says what happened, not a stack trace.
 */
function expectedFailure(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const codes = errorCodes(err);
  const unreachable = codes.find((c) => c in UNREACHABLE);
  // fetch's own failure without a socket error's code (a port fetch refuses to use, say) says why in its cause.
  const fetchFailed = err instanceof TypeError && err.message === 'fetch failed';
  if (unreachable !== undefined || err.name === 'FetchError' || fetchFailed) {
    const url = (err as { url?: unknown }).url;
    const cause = (err.cause as Error | undefined)?.message;
    const reason =
      (unreachable !== undefined ? UNREACHABLE[unreachable] : undefined) ??
      (fetchFailed && cause ? cause : err.message);
    return typeof url === 'string' && !reason.includes(url)
      ? `cannot reach ${url}: ${reason}`
      : `cannot reach: ${reason}`;
  }
  if (err.name === 'SqliteError') {
    if (codes.some((c) => c === 'SQLITE_CORRUPT' || c === 'SQLITE_NOTADB')) {
      return `a database file is damaged or not a database (${err.message}): restore it from a copy, or start again in a new directory`;
    }
    if (codes.some((c) => c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED'))) {
      return `a database file is in use by another program (${err.message}): stop the node that holds it and try again`;
    }
    return `database: ${err.message}`;
  }
  if (codes.includes('EADDRINUSE')) return `a port is in use by another program: ${err.message}`;
  if (codes.some((c) => ['EACCES', 'EPERM', 'ENOSPC', 'EROFS', 'ENOENT', 'EISDIR', 'ENOTDIR'].includes(c))) {
    return err.message;
  }
  return undefined;
}

export function reportError(err: unknown): number {
  if (err instanceof DetenteError) {
    process.stderr.write(`detente: ${err.message} [${err.code}]\n`);
    return 1;
  }
  const expected = expectedFailure(err);
  if (expected !== undefined) {
    process.stderr.write(`detente: ${expected}\n`);
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

/** A running count on stderr, for work of unknown size (standard input): after a second, only on a TTY. */
export function progressCount(label: string, unit: string): { update(done: number): void; stop(): void } {
  const started = Date.now();
  const enabled = process.stderr.isTTY === true && process.env.CI === undefined;
  let shown = false;
  return {
    update(done) {
      if (!enabled || Date.now() - started < 1000) return;
      shown = true;
      process.stderr.write(`\r${label} ${done.toLocaleString('en-GB')} ${unit}`);
    },
    stop() {
      if (shown) process.stderr.write('\n');
    },
  };
}

/** The first few of a long list, then how many more: a terminal line, not 25 KB of ids (`--json` has them all). */
export function summarised(items: readonly string[], shown = 12): string {
  if (items.length <= shown) return items.join(', ');
  return `${items.slice(0, shown).join(', ')}, … and ${items.length - shown} more (--json lists them all)`;
}

/** "1 tile", "3 tiles": a count with its noun (`plural` when adding s will not do). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? noun : plural}`;
}

export function parseCount(value: string, name: string): number {
  if (!/^(0|[1-9]\d*)$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${name}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
