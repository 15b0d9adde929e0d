/** `detente node …`: set up and run a party's node (docs/API.md). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { serveWithAcceptors } from '../api/acceptors.js';
import { buildServer } from '../api/server.js';
import { importRegimeKeys, initNodeDir, type PeerConfig, readConfig, writeConfig } from '../node/config.js';
import { PartyNode } from '../node/node.js';
import { UserStore } from '../node/users.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { parseCount, printJson, readText, UsageError } from './output.js';

const suite = nodeSuite;

function parsePeer(value: string, previous: PeerConfig[] = []): PeerConfig[] {
  const at = value.indexOf('=');
  const party = value.slice(0, at);
  const url = value.slice(at + 1);
  if (at <= 0 || !/^https?:\/\/[^\s]+$/.test(url))
    throw new UsageError(`--peer ${value}: expected PARTY=http(s)://host:port`);
  return [...previous, { party, url: url.replace(/\/+$/, '') }];
}

function readKeys(files: string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const f of files) {
    let value: unknown;
    try {
      value = JSON.parse(readText(f, 'keys file'));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`keys file ${f}: not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UsageError(`keys file ${f}: expected {"key id": "base64 public key"}`);
    }
    Object.assign(keys, value);
  }
  return keys;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description("a party's node: its log, mirrors, witness and HTTP API");

  node
    .command('init')
    .description("create a node directory: the party's keys, its log, a copy of the regime; prints the public keys")
    .requiredOption('--party <id>', 'the party this node speaks for')
    .requiredOption('--regime <file>', 'the regime document (YAML or JSON)')
    .requiredOption('--dir <dir>', 'the node directory (must be empty or absent)')
    .option('--peer <party=url>', "a peer's node (repeatable)", parsePeer)
    .option('--keys <file>', "other parties' public keys, JSON {key id: base64} (repeatable)", collect)
    .option('--json', 'print JSON')
    .action(
      (opts: { party: string; regime: string; dir: string; peer?: PeerConfig[]; keys?: string[]; json?: boolean }) => {
        const result = initNodeDir(
          opts.dir,
          {
            party: opts.party,
            regimeText: readText(opts.regime, 'regime'),
            peers: opts.peer ?? [],
            keys: readKeys(opts.keys ?? []),
          },
          suite,
        );
        if (opts.json) {
          printJson({
            party: opts.party,
            origin: result.config.origin,
            publicKeys: result.publicKeys,
            logVkey: result.logVkey,
          });
        } else {
          process.stdout.write(
            `created the node of ${opts.party} in ${opts.dir}\n` +
              `log ${result.config.origin}: ${result.logVkey}\n` +
              `public keys (also in ${join(opts.dir, 'public-keys.json')}; give them to the other parties):\n` +
              `${JSON.stringify(result.publicKeys, null, 2)}\n`,
          );
        }
      },
    );

  const keys = node.command('keys').description("the regime's public keys this node knows");
  keys
    .command('import')
    .description("import public keys (JSON {key id: base64}, e.g. another node's public-keys.json)")
    .requiredOption('--dir <dir>', 'the node directory')
    .argument('<files...>', 'key files')
    .action((files: string[], opts: { dir: string }) => {
      const added = importRegimeKeys(opts.dir, readKeys(files));
      process.stdout.write(`imported ${added.length} key(s)${added.length ? `: ${added.join(', ')}` : ''}\n`);
    });

  const peer = node.command('peer').description("the node's peers");
  peer
    .command('add')
    .description('add (or change the URL of) a peer')
    .requiredOption('--dir <dir>', 'the node directory')
    .argument('<party=url>', "the peer's party and base URL")
    .action((value: string, opts: { dir: string }) => {
      const [p] = parsePeer(value);
      const config = readConfig(opts.dir);
      if (p!.party === config.party) throw new UsageError('a node is not its own peer');
      config.peers = [...config.peers.filter((x) => x.party !== p!.party), p!];
      writeConfig(opts.dir, config);
      process.stdout.write(`peer ${p!.party} at ${p!.url}\n`);
    });

  const user = node.command('user').description('members of the party who may submit statements');
  user
    .command('add')
    .description('create a user; prints its bearer token once (only its SHA-256 is stored)')
    .requiredOption('--dir <dir>', 'the node directory')
    .requiredOption('--name <name>', 'user name')
    .requiredOption('--roles <roles>', 'comma-separated: declarant, inspector')
    .option('--json', 'print JSON')
    .action((opts: { dir: string; name: string; roles: string; json?: boolean }) => {
      const config = readConfig(opts.dir);
      const users = UserStore.open(join(opts.dir, 'users.sqlite'), suite);
      try {
        const roles = opts.roles
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        const { user: u, token } = users.add(opts.name, config.party, roles);
        if (opts.json) printJson({ ...u, token });
        else process.stdout.write(`${token}\n`);
      } finally {
        users.close();
      }
    });
  user
    .command('list')
    .description('list users (names, party, roles)')
    .requiredOption('--dir <dir>', 'the node directory')
    .action((opts: { dir: string }) => {
      const users = UserStore.open(join(opts.dir, 'users.sqlite'), suite);
      try {
        printJson(users.list());
      } finally {
        users.close();
      }
    });

  node
    .command('serve')
    .description('run the node: HTTP API, mirrors, witness, gossip')
    .requiredOption('--dir <dir>', 'the node directory')
    .option('--port <port>', 'TCP port (default: $PORT or 8080)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--quiet', 'no request log')
    .option(
      '--http-workers <n>',
      'serve HTTP from n acceptor processes that parse, check and sign submissions for this one, which appends them',
    )
    .action(async (opts: { dir: string; port?: string; host: string; quiet?: boolean; httpWorkers?: string }) => {
      const port = parseCount(opts.port ?? process.env.PORT ?? '8080', '--port');
      const httpWorkers = opts.httpWorkers === undefined ? 0 : parseCount(opts.httpWorkers, '--http-workers');
      if (opts.httpWorkers !== undefined && (httpWorkers < 1 || httpWorkers > 64)) {
        throw new UsageError(`--http-workers ${opts.httpWorkers}: expected 1 to 64 processes`);
      }
      const partyNode = PartyNode.open(opts.dir, {
        logger: (level, message) => process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`),
      });
      // The key index before the first request, so that no submitter waits for it (it is built once, at the first
      // lookup otherwise).
      partyNode.log.store.loadKeys();
      let actual: number;
      let close: () => Promise<unknown>;
      if (httpWorkers > 0) {
        const pool = await serveWithAcceptors(partyNode, {
          port,
          host: opts.host,
          workers: httpWorkers,
          logger: !opts.quiet,
        });
        actual = pool.port;
        close = () => pool.close();
      } else {
        const app = await buildServer(partyNode, { logger: !opts.quiet });
        await app.listen({ port, host: opts.host });
        const address = app.server.address();
        actual = typeof address === 'object' && address ? address.port : port;
        close = () => app.close();
      }
      partyNode.start();
      process.stdout.write(
        `node of ${partyNode.party.id} listening on http://${opts.host}:${actual}${httpWorkers > 0 ? ` (${httpWorkers} HTTP acceptor processes)` : ''}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await close();
      await partyNode.close();
    });
}
