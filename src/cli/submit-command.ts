/**
 * `detente submit <file>`: a file of statements sent to a node as its user, through POST /api/submissions/batch
 * (BATCH_MAX a request, in the file's order), each answered with its receipt or its refusal. For an office that
 * loads many statements at once (a data exchange, an exercise's script) without writing an HTTP client.
 *
 * The token comes from a file or DETENTE_TOKEN, never from the command line (other users of the machine see a
 * command's arguments). A statement without a nonce gets one derived from its content, so that sending the same
 * file again after an interruption records nothing twice: what landed is refused as a replay, the rest lands.
 */
import type { Command } from 'commander';
import { BATCH_MAX, Submission } from '../api/http.js';
import { toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { problemsOf } from '../model/index.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { printJson, readText, UsageError } from './output.js';

/** One statement's answer: where it landed (the node's receipt), or why it was refused. */
type Result =
  | { status: 201; receipt: { origin: string; index: number; leafHash: string; checkpoint: string; size: number } }
  | { status: number; error: { code: string; message: string; path?: string } };

/** How often a batch is sent again after a 429, waiting as the node's retry-after says (at most a minute). */
const RATE_LIMIT_TRIES = 5;

/** A statement of a file: a submission whose nonce may be left to `contentNonce`. */
const STATEMENT = Submission.partial({ nonce: true });

/**
 * The statements of a file: a JSON array of objects, one object, or JSON lines (one object a line, blank lines
 * skipped). A usage error names the line or the element that is not an object.
 */
export function parseStatements(text: string, name: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${name}: no statements`);
  let values: unknown[];
  try {
    const whole = JSON.parse(trimmed) as unknown;
    values = Array.isArray(whole) ? whole : [whole];
  } catch {
    values = [];
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        values.push(JSON.parse(line));
      } catch {
        throw new UsageError(`${name}: line ${i + 1} is not JSON (expected a JSON array, or one JSON object a line)`);
      }
    });
  }
  if (values.length === 0) throw new UsageError(`${name}: no statements`);
  values.forEach((v, i) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new UsageError(`${name}: statement ${i + 1} is not a JSON object`);
    }
    // The request's own schema, checked before anything is sent: a malformed file records nothing.
    const checked = STATEMENT.safeParse(v);
    if (!checked.success) {
      const { path, message } = problemsOf(checked.error, [i])[0]!;
      throw new UsageError(`${name}: statement ${i + 1}: ${path}: ${message}`);
    }
  });
  return values as Record<string, unknown>[];
}

/** The nonce of a statement that has none: from its content, the same on every run. */
export function contentNonce(statement: Record<string, unknown>): string {
  return `content-${toHex(nodeSuite.sha256(utf8(canonicalJson(statement)))).slice(0, 40)}`;
}

/** The user's token: the file's first line, else DETENTE_TOKEN. */
function tokenOf(file: string | undefined): string {
  const token = file === undefined ? process.env.DETENTE_TOKEN : readText(file, 'token file').split('\n', 1)[0];
  if (!token?.trim()) {
    throw new UsageError(
      file === undefined ? 'no token: give --token-file, or set DETENTE_TOKEN' : `token file ${file}: empty`,
    );
  }
  return token.trim();
}

/** A path of the node's answer into a batch (`$.submissions[3].type`) as one into the file (`$[67].type`). */
function inFile(path: string | undefined, offset: number): string | undefined {
  const m = path === undefined ? null : /^\$\.submissions\[(\d+)\](.*)$/.exec(path);
  return m ? `$[${offset + Number(m[1])}]${m[2]}` : path;
}

/** Sends one batch; retries after a 429 as the node says; a refusal of the batch as a whole is thrown. */
async function sendBatch(url: string, token: string, batch: unknown[], offset: number): Promise<Result[]> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${url}/api/submissions/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ submissions: batch }),
      signal: AbortSignal.timeout(120_000),
    }).catch((err: Error & { url?: string }) => {
      // The line the user reads names the node it could not reach (output.ts).
      err.url ??= url;
      throw err;
    });
    const text = await res.text();
    let body: { results?: Result[]; error?: { code: string; message: string; path?: string } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new UsageError(`${url}: answered ${res.status}, not JSON: is this a Détente node?`);
    }
    if (res.status === 200 && Array.isArray(body.results)) return body.results;
    if (res.status === 429 && attempt < RATE_LIMIT_TRIES) {
      const wait = Math.min(60, Number(res.headers.get('retry-after') ?? 1) || 1);
      process.stderr.write(`detente: the node's rate limit: waiting ${wait} s\n`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    const e = body.error ?? { code: 'BAD_INPUT', message: `answered ${res.status}` };
    const where = inFile(e.path, offset);
    // The node refused the request as a whole (a malformed statement, an unknown token): nothing of it was recorded.
    throw new UsageError(
      `statements ${offset + 1} to ${offset + batch.length} refused, nothing of them recorded (${res.status} ${e.code}${where ? ` at ${where}` : ''}): ${e.message}`,
    );
  }
}

export function registerSubmitCommand(program: Command): void {
  program
    .command('submit <file>')
    .description(
      `send a file of statements (a JSON array, or one JSON object a line; - for standard input) to a node as its user, ${BATCH_MAX} a request`,
    )
    .requiredOption('--url <url>', "the node's URL, e.g. http://127.0.0.1:8080")
    .option('--token-file <file>', 'a file holding your token (default: the DETENTE_TOKEN environment variable)')
    .option('--json', 'print JSON: every statement with its receipt or its error')
    .action(async (file: string, opts: { url: string; tokenFile?: string; json?: boolean }) => {
      const name = file === '-' ? 'standard input' : file;
      const statements = parseStatements(file === '-' ? readText('/dev/stdin', 'input') : readText(file, 'file'), name);
      const token = tokenOf(opts.tokenFile);
      const url = opts.url.replace(/\/+$/, '');
      const withNonces = statements.map((s) => (s.nonce === undefined ? { ...s, nonce: contentNonce(s) } : s));
      const results: Result[] = [];
      // In the file's order, a batch at a time: a batch's entries land in order, and a later one after them. Should
      // a batch be refused whole (the node gone, the token revoked), what the earlier ones recorded is printed first.
      try {
        for (let offset = 0; offset < withNonces.length; offset += BATCH_MAX) {
          const batch = withNonces.slice(offset, offset + BATCH_MAX);
          for (const r of await sendBatch(url, token, batch, offset)) {
            results.push(
              'error' in r && r.error.path ? { ...r, error: { ...r.error, path: inFile(r.error.path, offset) } } : r,
            );
          }
        }
      } finally {
        if (results.length) print(results, withNonces, opts.json);
      }
      if (results.some((r) => r.status !== 201)) process.exitCode = 1;
    });
}

/** Each statement's result, then how many were recorded (or all of it as JSON). */
function print(results: Result[], statements: Record<string, unknown>[], json: boolean | undefined): void {
  const recorded = results.filter((r) => r.status === 201).length;
  if (json) {
    printJson({
      recorded,
      refused: results.length - recorded,
      results: results.map((r, i) => ({ statement: i + 1, nonce: statements[i]!.nonce, ...r })),
    });
    return;
  }
  results.forEach((r, i) => {
    process.stdout.write(
      'receipt' in r
        ? `${i + 1}: recorded, entry ${r.receipt.index} of ${r.receipt.origin}\n`
        : `${i + 1}: refused ${r.status} ${r.error.code}${r.error.path ? ` at ${r.error.path}` : ''}: ${r.error.message}\n`,
    );
  });
  process.stdout.write(`${recorded} of ${results.length} recorded\n`);
}
