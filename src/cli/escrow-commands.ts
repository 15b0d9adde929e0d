/**
 * Escrowed declarations and joint draws from the command line (docs/ESCROW.md §10):
 *
 *   detente declare --dir NODE --commit FILE        commit a declaration (CSV or JSON items) into the party's log
 *   detente open --dir NODE --items IDS|--site S --out FILE   open leaves; records the opening, writes a file
 *   detente verify-opening FILE [--vkey K]          check that file offline: exit 0 if valid, 1 naming the fault
 *   detente select --dir EXERCISE --round R         run a joint draw's commit and reveal; print the selection
 *
 * `declare` and `open` work on a party node's directory (detente node init), served or not: they open only the
 * regime, the party's own log and its declarant key, check the entry as a submission is checked (schema, key, role,
 * signature, the regime's names, references), and append it under the log store's write lock, which orders it with a
 * running node's batches. The escrow secrets (every salt and the leaf order) stay in
 * NODE/escrow/<asOf>.secrets.json, mode 0600.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { parseVerifierKey } from '../crypto/vkey.js';
import type { DrawState } from '../engine/escrow.js';
import { commitmentOfDeclaration, escrowCategories, escrowItemOf, openingBodyOf } from '../engine/escrow-entries.js';
import {
  buildEscrowTree,
  commitRandom,
  createOpening,
  DeclarationRegister,
  type EscrowCommitment,
  type EscrowOpening,
  restoreEscrowTree,
  sameCommitment,
  verifyOpening,
} from '../escrow/index.js';
import { EXERCISE_FILE, scenarioRegime } from '../exercise/play.js';
import { foldDir } from '../exercise/read.js';
import { logWriter, type OpenLog, openLogDir } from '../log/log-dir.js';
import { inclusionProofFromStore } from '../log/proofs.js';
import {
  buildEnvelope,
  checkEntryRefs,
  decodeEntry,
  type EntryRef,
  type EnvelopeFields,
  encodeEntry,
  Item,
  type Party,
  type Regime,
  regimeIndex,
  signEntry,
  signingMessage,
  verifyEntry,
} from '../model/index.js';
import { loadRegime, readConfig, readSeed } from '../node/config.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { verifyInclusion } from '../tlog/inclusion.js';
import { printJson, UsageError } from './output.js';

const suite = nodeSuite;
export const OPENING_FORMAT = 'detente-opening/1';

// -------------------------------------------------------------------------------------------------------------
// Reading items

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${what} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

/** A minimal CSV reader (RFC 4180 quotes, comma separator). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/**
 * Items from a CSV file (header `uid,category,site,status`, any further column an integer attribute, empty cells
 * left out) or a JSON file (an array of items, or `{"asOf": ..., "items": [...]}`).
 */
export function readItems(path: string): { items: Item[]; asOf?: string } {
  const text = readText(path, 'items file');
  let raw: unknown[];
  let asOf: string | undefined;
  if (extname(path).toLowerCase() === '.csv') {
    const [header, ...rows] = parseCsv(text);
    if (!header) throw new UsageError(`${path}: empty CSV`);
    const cols = header.map((h) => h.trim());
    for (const need of ['uid', 'category', 'site', 'status']) {
      if (!cols.includes(need)) throw new UsageError(`${path}: the header has no column "${need}"`);
    }
    raw = rows.map((cells, r) => {
      const item: Record<string, unknown> = {};
      const attributes: Record<string, number> = {};
      cols.forEach((c, k) => {
        const v = (cells[k] ?? '').trim();
        if (['uid', 'category', 'site', 'status'].includes(c)) item[c] = v;
        else if (v !== '') {
          if (!/^(0|[1-9]\d*)$/.test(v)) throw new UsageError(`${path}: row ${r + 2}, ${c}: expected an integer`);
          attributes[c] = Number(v);
        }
      });
      if (Object.keys(attributes).length) item.attributes = attributes;
      return item;
    });
  } else {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new UsageError(`${path}: not JSON (give a .csv file or a JSON array of items)`);
    }
    if (Array.isArray(doc)) raw = doc;
    else if (doc && typeof doc === 'object' && Array.isArray((doc as { items?: unknown }).items)) {
      raw = (doc as { items: unknown[] }).items;
      const a = (doc as { asOf?: unknown }).asOf;
      if (typeof a === 'string') asOf = a;
    } else throw new UsageError(`${path}: expected an array of items or {"asOf", "items"}`);
  }
  const items = raw.map((x, i) => {
    const r = Item.safeParse(x);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new UsageError(
        `${path}: item ${i + 1}${issue.path.length ? ` (${issue.path.join('.')})` : ''}: ${issue.message}`,
      );
    }
    return r.data;
  });
  return { items, ...(asOf ? { asOf } : {}) };
}

// -------------------------------------------------------------------------------------------------------------
// The node

/**
 * The party's side of a node directory, opened without the node: its regime, its own log and its declarant key. No
 * users, witness or mirrors are opened, so this is safe beside a running node: the append runs under the log
 * store's write lock, and the writer resumes from whatever head another process (the node) last committed.
 */
class PartyDir {
  readonly regime: Regime;
  readonly party: Party;
  readonly log: OpenLog;
  readonly hasher = new Rfc6962Hasher(suite.sha256);
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    const config = readConfig(dir);
    this.regime = loadRegime(dir, config, suite).regime;
    const party = regimeIndex(this.regime).parties.get(config.party);
    if (!party) throw new DetenteError('BAD_INPUT', `no party ${config.party} in the regime`);
    this.party = party;
    this.log = openLogDir(join(dir, 'log'), suite);
    if (this.log.store.origin !== party.origin) {
      this.log.close();
      throw new DetenteError('STORE_ERROR', `${dir}/log is not ${party.id}'s log (${party.origin})`);
    }
  }

  get origin(): string {
    return this.party.origin;
  }

  /** Signs an entry with the party's declarant key, checks it as a submission is checked, and appends it. */
  append(type: string, body: unknown): EntryRef {
    const key = this.party.keys.find((k) => k.roles.includes('declarant'));
    if (!key) throw new DetenteError('ROLE_DENIED', `${this.party.id} has no declarant key`);
    const envelope = buildEnvelope({
      type,
      party: this.party.id,
      key: key.id,
      issuedAt: new Date().toISOString(),
      body,
    } as EnvelopeFields);
    const signed = signEntry(suite, envelope, readSeed(this.#dir, key.id));
    verifyEntry(suite, this.regime, signed);
    checkEntryRefs(signed.envelope, (r) => {
      if (r.origin !== this.origin) return false;
      const leaf = this.log.store.entry(r.index);
      return leaf !== undefined && toHex(this.hasher.hashLeaf(leaf)) === r.leafHash;
    });
    const leaf = encodeEntry(signed);
    const { first } = logWriter(this.log, suite).append([leaf]);
    return { origin: this.origin, index: first, leafHash: toHex(this.hasher.hashLeaf(leaf)) };
  }

  /** An entry of the party's log with its inclusion proof in the log's latest checkpoint. */
  detail(index: number): { entry: Uint8Array; checkpoint: string; size: number; proof: string[] } {
    const head = this.log.store.head()!;
    const proof = inclusionProofFromStore(this.log.store, this.hasher, index, head.size);
    return {
      entry: this.log.store.entry(index)!,
      checkpoint: head.checkpoint,
      size: head.size,
      proof: proof.proof.map(toBase64),
    };
  }

  close(): void {
    this.log.close();
  }
}

async function withNode<T>(dir: string, f: (node: PartyDir) => Promise<T>): Promise<T> {
  const node = new PartyDir(dir);
  try {
    return await f(node);
  } finally {
    node.close();
  }
}

interface OwnDeclaration {
  ref: EntryRef;
  asOf: string;
  commitment: EscrowCommitment;
}

/** The party's escrowed declarations in its own log, in log order. */
function ownDeclarations(node: PartyDir): OwnDeclaration[] {
  const log = { origin: node.origin, store: node.log.store };
  const out: OwnDeclaration[] = [];
  let index = 0;
  for (const leaf of log.store.entries(0, log.store.head()?.size ?? 0)) {
    const e = decodeEntry(leaf).envelope;
    if (e.type === 'declaration' && e.body.form === 'escrowed') {
      out.push({
        ref: { origin: log.origin, index, leafHash: toHex(node.hasher.hashLeaf(leaf)) },
        asOf: e.body.asOf,
        commitment: commitmentOfDeclaration(e.body),
      });
    }
    index++;
  }
  return out;
}

const secretsPath = (dir: string, asOf: string) => join(dir, 'escrow', `${asOf}.secrets.json`);

function writePrivate(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

const today = () => new Date().toISOString().slice(0, 10);

// -------------------------------------------------------------------------------------------------------------
// The self-contained opening file

export interface OpeningFile {
  format: typeof OPENING_FORMAT;
  party: string;
  /** The escrow opening (docs/ESCROW.md §3.2). */
  opening: EscrowOpening;
  /** The signed escrowed declaration entry that publishes the commitment. */
  declaration: {
    origin: string;
    index: number;
    leafHash: string;
    /** The entry's leaf bytes, base64. */
    entry: string;
    /** The declarant key's Ed25519 public key, base64 (from the regime). */
    publicKey: string;
  };
  /** RFC 6962 inclusion proof of the entry in the checkpoint's tree, base64 hashes. */
  inclusion: { size: number; proof: string[] };
  /** The log's signed checkpoint (a C2SP signed note), with witness cosignatures when it has them. */
  checkpoint: string;
  /** The log's verifier key. */
  vkey: string;
}

/** A fault found while checking an opening file: the step, and the code of what failed. */
function step<T>(what: string, code: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DetenteError((err instanceof DetenteError ? err.code : code) as never, `${what}: ${message}`);
  }
}

export interface OpeningCheck {
  party: string;
  asOf: string;
  root: string;
  totals: Record<string, number>;
  leaves: { index: number; id: string | null; site?: string }[];
  entry: string;
  checkpointSize: number;
  vkeySource: 'file' | 'given';
  logKey: string;
}

/** Checks an opening file offline (see docs/ESCROW.md §10.3); throws a DetenteError naming the failed step. */
export function checkOpeningFile(doc: unknown, trustedVkey?: string): OpeningCheck {
  const hasher = new Rfc6962Hasher(suite.sha256);
  const f = step('file', 'ESCROW_MALFORMED', () => {
    const o = doc as OpeningFile;
    if (!o || typeof o !== 'object' || o.format !== OPENING_FORMAT)
      throw new Error(`expected format ${OPENING_FORMAT}`);
    for (const k of ['party', 'opening', 'declaration', 'inclusion', 'checkpoint', 'vkey'] as const) {
      if (o[k] === undefined) throw new Error(`missing ${k}`);
    }
    return o;
  });
  const vkey = trustedVkey ?? f.vkey;
  const verifier = step('log key', 'BAD_INPUT', () => parseVerifierKey(vkey, suite));
  const { checkpoint } = step('checkpoint', 'NOTE_UNVERIFIED', () => openCheckpoint(f.checkpoint, verifier));
  const d = f.declaration;
  const leaf = step('declaration entry', 'ESCROW_MALFORMED', () => fromBase64(d.entry, 'declaration.entry'));
  step('declaration entry', 'PROOF_INVALID', () => {
    if (checkpoint.origin !== d.origin)
      throw new Error(`the checkpoint is of log ${checkpoint.origin}, not ${d.origin}`);
    const leafHash = toHex(hasher.hashLeaf(leaf));
    if (leafHash !== d.leafHash) throw new Error(`its leaf hash is ${leafHash}, not ${d.leafHash}`);
  });
  step('inclusion proof', 'PROOF_INVALID', () => {
    if (f.inclusion.size !== checkpoint.size) {
      throw new Error(`the proof is for a tree of ${f.inclusion.size}, the checkpoint's is ${checkpoint.size}`);
    }
    verifyInclusion(
      hasher,
      d.index,
      checkpoint.size,
      fromHex(d.leafHash),
      f.inclusion.proof.map((p, i) => fromBase64(p, `inclusion.proof[${i}]`)),
      checkpoint.root,
    );
  });
  const signed = step('declaration entry', 'SCHEMA_INVALID', () => decodeEntry(leaf));
  const e = signed.envelope;
  step('entry signature', 'SIGNATURE_INVALID', () => {
    if (e.party !== f.party) throw new Error(`the entry is ${e.party}'s, the file says ${f.party}`);
    if (!suite.ed25519.verify(fromBase64(d.publicKey, 'publicKey'), signingMessage(e), signed.signature)) {
      throw new DetenteError('SIGNATURE_INVALID', `not a valid signature by key ${e.key} of ${e.party}`);
    }
  });
  if (e.type !== 'declaration' || e.body.form !== 'escrowed') {
    throw new DetenteError('ESCROW_INVALID', 'declaration entry: not an escrowed declaration');
  }
  const body = e.body;
  const commitment = step('commitment', 'ESCROW_MALFORMED', () => commitmentOfDeclaration(body));
  const verified = step('opening', 'ESCROW_INVALID', () => verifyOpening(f.opening, commitment, suite.sha256));
  return {
    party: e.party,
    asOf: body.asOf,
    root: commitment.root,
    totals: commitment.totals,
    leaves: verified.leaves.map((l) => ({
      index: l.index,
      id: l.item ? l.item.id : null,
      ...(l.item && typeof l.item.site === 'string' ? { site: l.item.site } : {}),
    })),
    entry: `${d.origin}#${d.index}`,
    checkpointSize: checkpoint.size,
    vkeySource: trustedVkey ? 'given' : 'file',
    logKey: verifier.name,
  };
}

// -------------------------------------------------------------------------------------------------------------
// Draws in an exercise directory

/** An exercise's random value for a draw: derived from its seed, like its keys. Not for real use. */
export function exerciseDrawValue(scenario: string, seed: string, draw: string, party: string): string {
  return toHex(suite.sha256(utf8(`detente/exercise-draw/v1\n${scenario}\n${seed}\n${draw}\n${party}`)));
}

function formatDraw(s: DrawState): string {
  const lines = [
    `draw ${s.draw}${s.inspection ? ` (inspection ${s.inspection})` : ''}: parties ${s.parties.join(', ')}; fallback ${s.fallback}`,
    `  commit by ${s.commitDeadline}, reveal by ${s.revealDeadline}`,
  ];
  for (const p of s.parties) {
    const c = s.commits.find((x) => x.party === p);
    const r = s.reveals.find((x) => x.party === p);
    lines.push(
      `  ${p.padEnd(8)} commit ${c ? `${c.at} (${c.ref.origin}#${c.ref.index})` : '—'}   reveal ${r ? `${r.at} (${r.ref.origin}#${r.ref.index})` : '—'}`,
    );
  }
  lines.push(`  status ${s.status}${s.designatedBy ? `: ${s.designatedBy} designates the sample` : ''}`);
  if (s.seed) lines.push(`  seed ${s.seed}${s.contributors ? ` (from ${s.contributors.join(', ')})` : ''}`);
  if (s.selected) lines.push(`  selected ${s.sampleSize} of ${s.eligible}: ${s.selected.join(', ')}`);
  if (s.detection.length) {
    lines.push(
      `  P(detect ≥ 1) with k undeclared among N = ${s.eligible}, n = ${s.sampleSize} sampled (hypergeometric):`,
    );
    lines.push('      k   probability');
    for (const d of s.detection) lines.push(`    ${String(d.k).padStart(3)}   ${d.probability.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

// -------------------------------------------------------------------------------------------------------------

export function registerEscrowCommands(program: Command): void {
  program
    .command('declare')
    .description("commit an escrowed declaration into the party's log; prints the root and totals")
    .requiredOption('--dir <dir>', 'the party node directory')
    .requiredOption('--commit <file>', 'the items: CSV (uid,category,site,status[,attributes…]) or JSON')
    .option('--as-of <date>', "the declaration period (YYYY-MM-DD; default: the file's asOf, else today)")
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; commit: string; asOf?: string; json?: boolean }) => {
      const { items, asOf: fileAsOf } = readItems(opts.commit);
      const asOf = opts.asOf ?? fileAsOf ?? today();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new UsageError(`--as-of: expected YYYY-MM-DD, got ${asOf}`);
      await withNode(opts.dir, async (node) => {
        const regime = node.regime;
        const categories = escrowCategories(regime);
        for (const it of items) {
          if (!categories.includes(it.category)) {
            throw new DetenteError(
              'BAD_INPUT',
              `item ${it.uid}: "${it.category}" is not an item category of the regime`,
            );
          }
        }
        // One commitment per party and period: refuse a second before anything is written.
        const register = new DeclarationRegister();
        for (const d of ownDeclarations(node)) {
          try {
            register.add({ party: node.party.id, period: d.asOf, commitment: d.commitment, ref: d.ref as never });
          } catch {
            // an earlier duplicate in the log is the engine's finding; the first stands
          }
        }
        const padding = regime.escrow?.padding ?? { multipleOf: 1, maxLeaves: 2 ** 32 };
        const tree = buildEscrowTree(items.map(escrowItemOf), {
          categories,
          paddingBound: padding.multipleOf,
          sha256: suite.sha256,
        });
        const commitment = tree.commitment();
        if (commitment.size > padding.maxLeaves) {
          throw new DetenteError(
            'BAD_INPUT',
            `${commitment.size} leaves exceed the regime's maxLeaves ${padding.maxLeaves}`,
          );
        }
        register.add({ party: node.party.id, period: asOf, commitment });
        const path = secretsPath(opts.dir, asOf);
        writePrivate(path, `${JSON.stringify(tree.secrets())}\n`);
        const receipt = node.append('declaration', {
          form: 'escrowed',
          asOf,
          root: commitment.root,
          leaves: commitment.size,
          totals: commitment.categories.map((category) => ({ category, total: commitment.totals[category]! })),
        });
        const out = {
          party: node.party.id,
          asOf,
          root: commitment.root,
          leaves: commitment.size,
          items: items.length,
          totals: commitment.totals,
          entry: { origin: receipt.origin, index: receipt.index, leafHash: receipt.leafHash },
          secrets: path,
        };
        if (opts.json) printJson(out);
        else {
          const totals = Object.entries(commitment.totals)
            .filter(([, n]) => n > 0)
            .map(([c, n]) => `${c} ${n}`)
            .join(', ');
          process.stdout.write(
            `committed ${items.length} item(s) of ${node.party.id} as of ${asOf}: entry ${receipt.origin}#${receipt.index}\n` +
              `  root   ${commitment.root}\n  leaves ${commitment.size} (padded to a multiple of ${padding.multipleOf})\n` +
              `  totals ${totals || '(all zero)'}\n  secrets ${path} (keep private: they open every leaf)\n`,
          );
        }
      });
    });

  program
    .command('open')
    .description(
      'open leaves of an escrowed declaration: records the opening in the log and writes a self-contained file',
    )
    .requiredOption('--dir <dir>', 'the party node directory')
    .option('--items <ids>', 'comma-separated item uids')
    .option('--site <site>', 'every item at this site (the site is then opened in full)')
    .requiredOption('--out <file>', 'where to write the opening file')
    .option('--as-of <date>', 'the declaration period (default: the latest escrowed declaration)')
    .option('--no-record', 'write the file only; do not record a declaration-opening entry')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        dir: string;
        items?: string;
        site?: string;
        out: string;
        asOf?: string;
        record: boolean;
        json?: boolean;
      }) => {
        if ((opts.items === undefined) === (opts.site === undefined)) throw new UsageError('give --items or --site');
        await withNode(opts.dir, async (node) => {
          const all = ownDeclarations(node);
          const d = opts.asOf ? all.find((x) => x.asOf === opts.asOf) : all[all.length - 1];
          if (!d) {
            throw new DetenteError(
              'BAD_INPUT',
              `${node.party.id} has no escrowed declaration${opts.asOf ? ` as of ${opts.asOf}` : ''} in its log`,
            );
          }
          const path = secretsPath(opts.dir, d.asOf);
          if (!existsSync(path))
            throw new DetenteError('STORE_ERROR', `${path} is missing: the secrets are needed to open`);
          const tree = restoreEscrowTree(JSON.parse(readFileSync(path, 'utf8')), suite.sha256);
          if (!sameCommitment(tree.commitment(), d.commitment)) {
            throw new DetenteError(
              'ESCROW_INVALID',
              `${path} does not rebuild the committed root ${d.commitment.root}`,
            );
          }
          let indexes: number[];
          if (opts.site !== undefined) {
            indexes = tree.leafIndexesWhere((it) => it.site === opts.site);
            if (!indexes.length) throw new DetenteError('BAD_INPUT', `no declared item at ${opts.site}`);
          } else {
            indexes = opts
              .items!.split(',')
              .map((s) => s.trim())
              .filter(Boolean)
              .map((id) => tree.leafIndexOf(id));
            if (!indexes.length) throw new UsageError('--items: no ids');
          }
          const opening = createOpening(tree, indexes);
          let recorded: EntryRef | undefined;
          if (opts.record) {
            recorded = node.append('declaration-opening', openingBodyOf(d.ref, opening, opts.site));
          }
          const detail = node.detail(d.ref.index);
          const signer = decodeEntry(detail.entry).envelope.key;
          const key = node.party.keys.find((k) => k.id === signer)!;
          const file: OpeningFile = {
            format: OPENING_FORMAT,
            party: node.party.id,
            opening,
            declaration: { ...d.ref, entry: toBase64(detail.entry), publicKey: key.publicKey! },
            inclusion: { size: detail.size, proof: detail.proof },
            checkpoint: detail.checkpoint,
            vkey: node.log.vkey,
          };
          writeFileSync(opts.out, `${JSON.stringify(file, null, 2)}\n`);
          const out = {
            out: opts.out,
            declaration: d.ref,
            leaves: opening.leaves.map((l) => ({ index: l.index, id: l.item?.id ?? null })),
            ...(recorded
              ? { entry: { origin: recorded.origin, index: recorded.index, leafHash: recorded.leafHash } }
              : {}),
          };
          if (opts.json) printJson(out);
          else {
            process.stdout.write(
              `opened ${opening.leaves.length} leaf/leaves of ${node.party.id}'s declaration as of ${d.asOf} (${d.ref.origin}#${d.ref.index}): ` +
                `${opening.leaves.map((l) => l.item?.id ?? `padding@${l.index}`).join(', ')}\n` +
                `${recorded ? `  recorded as ${recorded.origin}#${recorded.index}\n` : ''}  wrote ${opts.out}\n`,
            );
          }
        });
      },
    );

  program
    .command('verify-opening')
    .description('check an opening file offline: the checkpoint, the inclusion proof, the entry, the opening')
    .argument('<file>', 'the opening file (detente open --out)')
    .option('--vkey <vkey>', "the log's verifier key you trust (or a file holding it); default: the file's")
    .option('--json', 'print JSON')
    .action((file: string, opts: { vkey?: string; json?: boolean }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(readText(file, 'opening file'));
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new DetenteError('ESCROW_MALFORMED', `file: ${file} is not JSON`);
      }
      let vkey = opts.vkey;
      if (vkey !== undefined && existsSync(vkey)) vkey = readFileSync(vkey, 'utf8').trim();
      const r = checkOpeningFile(doc, vkey);
      if (opts.json) printJson({ ok: true, ...r });
      else {
        process.stdout.write(
          `OK: ${r.leaves.length} leaf/leaves of ${r.party}'s escrowed declaration as of ${r.asOf} verify\n` +
            `  ${r.leaves.map((l) => (l.id === null ? `padding@${l.index}` : `${l.id}${l.site ? ` at ${l.site}` : ''}`)).join(', ')}\n` +
            `  root ${r.root}; totals ${Object.entries(r.totals)
              .map(([c, n]) => `${c} ${n}`)
              .join(', ')}\n` +
            `  entry ${r.entry}, included in checkpoint of size ${r.checkpointSize} signed by ${r.logKey}\n` +
            `  log key: ${r.vkeySource === 'given' ? 'the one given with --vkey' : "the file's own (pass --vkey to check against a key you trust)"}\n` +
            "  signer key: the file's (the regime binds it to the party)\n",
        );
      }
    });

  program
    .command('select')
    .description('run a joint draw in an exercise directory (commit, reveal) and print the selection')
    .requiredOption('--dir <dir>', 'an exercise directory (detente scenario play)')
    .requiredOption('--round <name>', 'the draw, e.g. us-aegis-2022-1')
    .option('--inspection <type>', 'the inspection type whose sites the draw selects')
    .option('--withhold <party>', 'simulate a party that commits but does not reveal')
    .option('--as-of <time>', 'evaluate the draw as of this time (RFC 3339)')
    .option('--json', 'print JSON')
    .action(
      (opts: { dir: string; round: string; inspection?: string; withhold?: string; asOf?: string; json?: boolean }) => {
        if (!existsSync(join(opts.dir, EXERCISE_FILE))) {
          throw new UsageError(`${opts.dir} is not an exercise directory (detente scenario play): no ${EXERCISE_FILE}`);
        }
        let folded = foldDir(opts.dir);
        const state = () => folded.engine.state(folded.asOf).escrow.draws.find((d) => d.draw === opts.round);
        const meta = folded.set.meta!;
        const regime: Regime = folded.set.regime;
        const { seeds } = scenarioRegime(meta.scenario, meta.seed);
        const ix = regimeIndex(regime);
        const type = opts.inspection ? ix.inspections.get(opts.inspection) : undefined;
        if (opts.inspection && !type) throw new UsageError(`--inspection: no inspection type ${opts.inspection}`);
        const parties = type
          ? [...new Set(type.pairs.flatMap((p) => [p.inspector, p.host]))].sort()
          : regime.parties.filter((p) => p.status === 'party').map((p) => p.id);
        let now = Math.max(folded.asOf, folded.engine.lastCountedAt ?? 0);
        const record = (party: string, entryType: 'random-commit' | 'random-reveal', body: unknown, at: number) => {
          const p = ix.parties.get(party)!;
          const key = p.keys.find((k) => k.roles.includes('declarant'))!;
          const log = openLogDir(join(opts.dir, party), suite);
          try {
            const envelope = buildEnvelope({
              type: entryType,
              party,
              key: key.id,
              issuedAt: new Date(at).toISOString(),
              body,
            } as EnvelopeFields);
            const leaf = encodeEntry(signEntry(suite, envelope, seeds.get(key.id)!));
            const { first } = logWriter(log, suite, () => at).append([leaf]);
            return { origin: p.origin, index: first, leafHash: toHex(new Rfc6962Hasher(suite.sha256).hashLeaf(leaf)) };
          } finally {
            log.close();
          }
        };
        let s = state();
        const committed = new Map((s?.commits ?? []).map((c) => [c.party, c.ref]));
        let wrote = false;
        const commitAt = now + 60_000;
        for (const p of parties) {
          if (committed.has(p)) continue;
          const value = exerciseDrawValue(meta.scenario, meta.seed, opts.round, p);
          const body = {
            draw: opts.round,
            ...(opts.inspection ? { inspection: opts.inspection } : {}),
            commitment: commitRandom(opts.round, p, value, suite.sha256),
          };
          committed.set(p, record(p, 'random-commit', body, commitAt));
          wrote = true;
        }
        if (wrote) now = commitAt;
        const revealed = new Set((s?.reveals ?? []).map((r) => r.party));
        const revealAt = now + 60_000;
        let revealedNow = false;
        for (const p of parties) {
          if (revealed.has(p) || p === opts.withhold) continue;
          const value = exerciseDrawValue(meta.scenario, meta.seed, opts.round, p);
          record(p, 'random-reveal', { commit: committed.get(p)!, value: toBase64(fromHex(value)) }, revealAt);
          revealedNow = true;
        }
        if (revealedNow) now = revealAt;
        const asOf = opts.asOf ? Date.parse(opts.asOf) : undefined;
        if (asOf !== undefined && Number.isNaN(asOf)) throw new UsageError(`--as-of: not a date-time: ${opts.asOf}`);
        folded = foldDir(opts.dir, asOf !== undefined ? { asOf: Math.max(asOf, now) } : {});
        s = state();
        if (!s) throw new DetenteError('BAD_INPUT', `no draw ${opts.round}`);
        const findings = folded.engine
          .findings(folded.asOf)
          .filter((f) => f.rule.startsWith('draw.') && f.id.includes(`/${opts.round}/`));
        if (opts.json) printJson({ ...s, findings });
        else {
          process.stdout.write(formatDraw(s));
          for (const f of findings) process.stdout.write(`  finding ${f.rule} (${f.party}): ${f.message.en}\n`);
        }
      },
    );
}
