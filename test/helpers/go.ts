/** Go programs for the interop tests, built offline in GOPATH mode against Debian's golang.org/x/mod sources. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GOPATH = '/usr/share/gocode';
const INSTALL = 'apt-get install -y golang-go golang-golang-x-mod-dev';

/** No module proxy, no go.mod, nothing from the network. */
export const goEnv = {
  ...process.env,
  GO111MODULE: 'off',
  GOPATH,
  GOPROXY: 'off',
  GOFLAGS: '',
  GOENV: 'off',
  GOTOOLCHAIN: 'local',
  GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'detente-go-build-cache'),
};

/** Builds the Go program `source` into `outDir`; throws, saying what to install, if Go or x/mod is missing. */
export function buildGo(source: string, outDir: string): string {
  const version = spawnSync('go', ['version'], { env: goEnv, encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(`this test needs Go and golang.org/x/mod: run \`${INSTALL}\` (as root)`);
  }
  if (!existsSync(join(GOPATH, 'src/golang.org/x/mod/sumdb/note/note.go'))) {
    throw new Error(`this test needs golang.org/x/mod in ${GOPATH}: run \`${INSTALL}\``);
  }
  const bin = join(outDir, source.split('/').pop()!.replace(/\.go$/, ''));
  const build = spawnSync('go', ['build', '-o', bin, source], { env: goEnv, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`go build ${source} failed:\n${build.stderr}${build.error ?? ''}`);
  return bin;
}

export function runGo(bin: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
