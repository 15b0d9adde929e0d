/**
 * `detente submit`: a file of statements sent to a real node on loopback as its user, through the batch route. Each
 * statement is answered in the file's order; sending the same file again records nothing twice (a statement without
 * a nonce gets one from its content); a malformed file, a missing or unknown token, or a node that is not there is
 * one clear line and records nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentNonce, parseStatements } from '../src/cli/submit-command.js';
import { detenteAsync } from './helpers/cli.js';
import { addUser, freePort, initNodes, nonce, type RunningNode, startNode } from './helpers/nodes.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-cli-submit-');

describe('detente submit', () => {
  let us: RunningNode;
  let work: string;
  let tokenFile: string;
  let inspectorFile: string;

  beforeAll(async () => {
    const dir = initNodes(tmp, ['us']).get('us')!;
    work = tmp();
    tokenFile = join(work, 'token');
    writeFileSync(tokenFile, `${addUser(dir, 'us', 'alice', ['declarant'])}\n`);
    inspectorFile = join(work, 'inspector-token');
    writeFileSync(inspectorFile, addUser(dir, 'us', 'ivan', ['inspector']));
    us = await startNode(dir, await freePort(), [], false);
  });

  afterAll(async () => {
    await us?.close();
  });

  const size = () => us.node.log.store.head()?.size ?? 0;
  let clock = Date.now() - 3_600_000;
  const statement = (fields: object = {}) => ({
    type: 'regime-signature',
    issuedAt: new Date(clock++).toISOString(),
    body: { regime: us.node.regimeHash, id: us.node.regime.id, version: us.node.regime.version },
    ...fields,
  });
  const file = (name: string, text: string) => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };

  it('records a file of statements in its order, and the same file again records nothing twice', async () => {
    const before = size();
    // More than one batch, as JSON lines; most without a nonce.
    const statements = Array.from({ length: 70 }, (_, i) => statement(i % 10 === 0 ? { nonce: nonce() } : {}));
    const path = file('many.jsonl', `${statements.map((s) => JSON.stringify(s)).join('\n')}\n`);
    const first = await detenteAsync(['submit', path, '--url', us.url, '--token-file', tokenFile, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out).toMatchObject({ recorded: 70, refused: 0 });
    expect(out.results.map((r: any) => r.receipt.index)).toEqual(Array.from({ length: 70 }, (_, i) => before + i));
    expect(size()).toBe(before + 70);
    // Again (after an interruption, say): every statement is a replay, nothing is recorded, the exit code says so.
    const again = await detenteAsync(['submit', path, '--url', us.url, '--token-file', tokenFile]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('1: refused 409 REPLAYED at $[0].nonce');
    expect(again.stdout).toContain('70: refused 409 REPLAYED');
    expect(again.stdout.trim().split('\n').at(-1)).toBe('0 of 70 recorded');
    expect(size()).toBe(before + 70);
  });

  it('answers each refused statement with its place in the file, and records the others', async () => {
    const before = size();
    const path = file(
      'mixed.json',
      JSON.stringify([
        statement(),
        statement({ type: 'no-such-type' }),
        statement({ issuedAt: '2001-01-01T00:00:00Z' }),
      ]),
    );
    const res = await detenteAsync(['submit', path, '--url', us.url, '--token-file', tokenFile]);
    expect(res.code).toBe(1);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^1: recorded, entry \d+ of detente\.example\/us$/);
    expect(lines[1]).toMatch(/^2: refused 400 SCHEMA_INVALID at \$\[1\]\.type: /);
    expect(lines[2]).toMatch(/^3: refused 422 ISSUED_AT_IMPLAUSIBLE at \$\[2\]\.issuedAt: /);
    expect(lines[3]).toBe('1 of 3 recorded');
    expect(size()).toBe(before + 1);
    // A user whose role does not allow the type: refused, one by one.
    const denied = await detenteAsync([
      'submit',
      file('one.json', JSON.stringify(statement())),
      '--url',
      us.url,
      '--token-file',
      inspectorFile,
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('1: refused 403 ROLE_DENIED');
    expect(size()).toBe(before + 1);
  });

  it('refuses bad input with one line, and records nothing', async () => {
    const before = size();
    const good = JSON.stringify(statement());
    const cases: [string[], RegExp][] = [
      [[file('broken.jsonl', `${good}\n{"type": \n`)], /broken\.jsonl: line 2 is not JSON/],
      [[file('empty.json', '  \n')], /empty\.json: no statements/],
      [[file('scalar.json', '[1]')], /statement 1 is not a JSON object/],
      [[file('no-type.json', JSON.stringify([statement(), { body: {} }]))], /statement 2: \$\[1\]\.type: /],
      [[join(work, 'missing.json')], /file .*missing\.json: no such file/],
    ];
    for (const [args, message] of cases) {
      const res = await detenteAsync(['submit', ...args, '--url', us.url, '--token-file', tokenFile]);
      expect(res.code, res.stdout).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    const one = file('good.json', good);
    const noToken = await detenteAsync(['submit', one, '--url', us.url]);
    expect(noToken.stderr).toMatch(/no token: give --token-file, or set DETENTE_TOKEN/);
    const unknown = await detenteAsync([
      'submit',
      one,
      '--url',
      us.url,
      '--token-file',
      file('bad-token', 'dt_nobody'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/refused, nothing of them recorded \(401 UNAUTHENTICATED\): unknown token/);
    const down = await detenteAsync([
      'submit',
      one,
      '--url',
      `http://127.0.0.1:${await freePort()}`,
      '--token-file',
      tokenFile,
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach .*connection refused/);
    // A port fetch will not use: the line says so, not a stack trace.
    const badPort = await detenteAsync(['submit', one, '--url', 'http://127.0.0.1:1', '--token-file', tokenFile]);
    expect(badPort.code).toBe(1);
    expect(badPort.stderr.trim()).toBe('detente: cannot reach http://127.0.0.1:1: bad port');
    expect(size()).toBe(before);
  });

  it('reads a JSON array, one object, or JSON lines alike, and derives the same nonce from the same content (property)', () => {
    const statementArb = fc.record(
      {
        type: fc.constantFrom('regime-signature', 'declaration', 'notification'),
        body: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), {
          noNullPrototype: true,
        }),
        issuedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.array(statementArb, { minLength: 1, maxLength: 6 }), (statements) => {
        const asArray = parseStatements(JSON.stringify(statements), 'f');
        const asLines = parseStatements(statements.map((s) => JSON.stringify(s)).join('\n\n'), 'f');
        expect(asLines).toEqual(asArray);
        expect(asArray).toEqual(statements);
        if (statements.length === 1) expect(parseStatements(JSON.stringify(statements[0]), 'f')).toEqual(statements);
        // The nonce is the content's: key order does not change it, any change of content does.
        for (const s of statements) {
          const reordered = Object.fromEntries(Object.entries(s).reverse());
          expect(contentNonce(reordered)).toBe(contentNonce(s));
          expect(contentNonce({ ...s, issuedAt: `${s.issuedAt} ` })).not.toBe(contentNonce(s));
          expect(contentNonce(s)).toMatch(/^[\x21-\x7e]{8,128}$/);
        }
      }),
      { numRuns: 200 },
    );
  });
});
