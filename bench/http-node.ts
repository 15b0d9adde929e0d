/**
 * A node served over HTTP for the benchmarks that measure it as its clients see it: `detente node serve` in a child
 * process, JSON POSTed to it on keep-alive connections, and the CPU its process tree used (Linux /proc).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { type Agent, request } from 'node:http';

/** The fields of /proc/<pid>/stat from the state field (3) on, or undefined if the process is gone (Linux). */
function statOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system, every thread) a process and its children (a node's acceptors) have used so far. */
export function cpuSecondsOf(pid: number): number {
  // utime and stime are fields 14 and 15 of stat, counted from the state field (3) here; the parent is field 4.
  const cpu = (f: string[]) => (Number(f[11]) + Number(f[12])) / 100;
  let total = cpu(statOf(pid) ?? []);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statOf(Number(name));
    if (f && Number(f[1]) === pid) total += cpu(f);
  }
  return total;
}

/**
 * The cores of the node and of its clients, apart: BENCH_NODE_CPUS and BENCH_CLIENT_CPUS, taskset's CPU lists ("0",
 * "1"). With both, the node's process (every thread) runs on the first and the bench's (the clients) on the second,
 * so that what the node does is what its own cores allow, as with clients on another machine, which this workplace
 * does not have; the clients' CPU, the same for every node, then no longer dilutes a ratio between nodes. Linux's
 * taskset (util-linux). Returns what to print beside the figures, or undefined when the cores are shared.
 */
export function pinClients(): string | undefined {
  const node = process.env.BENCH_NODE_CPUS;
  const clients = process.env.BENCH_CLIENT_CPUS;
  if (node === undefined && clients === undefined) return undefined;
  // Every thread of this process now; the threads it starts later inherit the mask.
  if (clients !== undefined)
    execFileSync('taskset', ['-a', '-p', '-c', clients, String(process.pid)], { stdio: 'ignore' });
  return `node on CPUs ${node ?? 'any'}, clients on CPUs ${clients ?? 'any'} (taskset)`;
}

/**
 * `detente node serve --dir <dir>` of the CLI `cli` on a random loopback port, `args` added; resolves once it
 * listens. A node that cannot start (its random port taken, say) rejects, so that the bench fails rather than ends
 * silently. BENCH_PROFILE profiles the node (--cpu-prof into BENCH_PROFILE_DIR, default /tmp/cpuprof);
 * BENCH_NODE_CPUS pins it (pinClients).
 */
export async function serveNode(
  cli: string,
  dir: string,
  args: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const port = 20000 + Math.floor(Math.random() * 12000);
  const cpus = process.env.BENCH_NODE_CPUS;
  // taskset execs the node in its own process, so the child's pid stays the node's (cpuSecondsOf reads it).
  const child = spawn(
    cpus === undefined ? process.execPath : 'taskset',
    [
      ...(cpus === undefined ? [] : ['-c', cpus, process.execPath]),
      ...(process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? '/tmp/cpuprof'}`]
        : []),
      cli,
      'node',
      'serve',
      '--dir',
      dir,
      '--port',
      String(port),
      '--quiet',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`detente node serve exited (${code}) before listening on ${port}`)));
  });
  return { child, port };
}

/** Stops a node started by serveNode: SIGTERM, then its exit. */
export async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * POSTs JSON to the node; resolves with the status and, if `read`, the answer (else it is drained unread), or with
 * the error's code (a connection reset, say), which is counted.
 */
export function postJson(
  agent: Agent,
  port: number,
  token: string,
  path: string,
  body: string,
  read: boolean,
): Promise<{ status: number; answer?: string } | string> {
  return new Promise((resolve) => {
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      if (read) res.on('data', (c: Buffer) => chunks.push(c));
      else res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ...(read ? { answer: Buffer.concat(chunks).toString() } : {}) }),
      );
    });
    req.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
    req.end(body);
  });
}
