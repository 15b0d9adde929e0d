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
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { fromHex, toBase64, toHex, utf8 } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { parseNote } from '../crypto/note.js';
import type { DrawState } from '../engine/escrow.js';
import { openingEntryOf } from '../engine/escrow-entries.js';
import { ZoneIndex } from '../engine/zones.js';
import { csvRows } from '../escrow/csv.js';
import { commitRandom, createMultiOpening } from '../escrow/index.js';
import { foldDir } from '../exercise/fold-dir.js';
import { EXERCISE_FILE, scenarioRegime } from '../exercise/play.js';
import { paramNames, renderMessage } from '../i18n/index.js';
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
  parseRegime,
  type Regime,
  regimeIndex,
  signEntry,
  verifyEntry,
} from '../model/index.js';
import { loadRegime, NODE_FILE, readConfig, readSeed } from '../node/config.js';
import { commitBody, drawRecords, drawValue, keptDrawValue, revealBody, waitingFor } from '../node/draws.js';
import {
  chooseLeaves,
  commitItems,
  type OpenSelector,
  ownDeclarations,
  restoreTree,
  secretsPath,
  withPendingSecrets,
} from '../node/escrow.js';
import { mirroredCheckpoint } from '../node/mirror.js';
import { checkOpeningFile, OPENING_FORMAT, type OpeningFile, withTlogProof } from '../node/opening-file.js';
import { bordersFor } from '../runtime/borders.js';
import { nodeSuite } from '../runtime/node-crypto.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { counted, printJson, readText, summarised, UsageError } from './output.js';
import { utc } from './render.js';
import { readPolicy } from './trust-commands.js';

const suite = nodeSuite;

// -------------------------------------------------------------------------------------------------------------
// Reading items

/**
 * Items from a CSV file (header `uid,category,site,status`, any further column an integer attribute, empty cells
 * left out) or a JSON file (an array of items, or `{"asOf": ..., "items": [...]}`).
 */
export function readItems(path: string): { items: Item[]; asOf?: string } {
  const text = readText(path, 'items file');
  let raw: unknown[];
  let asOf: string | undefined;
  if (extname(path).toLowerCase() === '.csv') {
    const [header, ...rows] = csvRows(text).filter((row) => row.some((cell) => cell !== ''));
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

/** A regime file (YAML, or JSON by its extension) with public keys from `keys` when the document lacks them. */
function readRegimeFile(path: string, keysPath?: string): Regime {
  let keys: Record<string, string> | undefined;
  if (keysPath !== undefined) {
    try {
      keys = JSON.parse(readText(keysPath, 'keys file'));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--keys: ${keysPath} is not JSON`);
    }
  }
  const format = extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
  return parseRegime(readText(path, 'regime file'), { format, ...(keys ? { keys } : {}) });
}

const zonesOf = (regime: Regime) => new ZoneIndex(regime, bordersFor(regime));

const today = () => new Date().toISOString().slice(0, 10);

// -------------------------------------------------------------------------------------------------------------
// Draws in an exercise directory

/** An exercise's random value for a draw: derived from its seed, like its keys. Not for real use. */
export function exerciseDrawValue(scenario: string, seed: string, draw: string, party: string): string {
  return toHex(suite.sha256(utf8(`detente/exercise-draw/v1\n${scenario}\n${seed}\n${draw}\n${party}`)));
}

function formatDraw(s: DrawState): string {
  const lines = [
    `draw ${s.draw}${s.inspection ? ` (inspection ${s.inspection})` : ''}: parties ${s.parties.join(', ')}; fallback ${s.fallback}`,
    `  commit by ${utc(s.commitDeadline)}, reveal by ${utc(s.revealDeadline)}`,
  ];
  for (const p of s.parties) {
    const c = s.commits.find((x) => x.party === p);
    const r = s.reveals.find((x) => x.party === p);
    lines.push(
      `  ${p.padEnd(8)} commit ${c ? `${utc(c.at)} (${c.ref.origin}#${c.ref.index})` : '—'}   reveal ${r ? `${utc(r.at)} (${r.ref.origin}#${r.ref.index})` : '—'}`,
    );
  }
  lines.push(`  status ${s.status}${s.designatedBy ? `: ${s.designatedBy} designates the sample` : ''}`);
  if (s.seed) lines.push(`  seed ${s.seed}${s.contributors ? ` (from ${s.contributors.join(', ')})` : ''}`);
  if (s.selected) lines.push(`  selected ${s.sampleSize} of ${s.eligible}: ${summarised(s.selected)}`);
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

/**
 * A draw from a party node directory: this party's commitment (its value kept in the directory), then, once the
 * directory's mirrors show every other party's commitment, its reveal. Each run does the next step that is due;
 * `--url` prints the draw as the node folds it (the node must have mirrored the others' reveals).
 */
async function selectOnNode(opts: { dir: string; round: string; inspection?: string; url?: string; json?: boolean }) {
  await withNode(opts.dir, async (node) => {
    const party = node.party.id;
    const mirrors = node.regime.parties
      .filter((p) => p.id !== party && existsSync(join(opts.dir, 'mirrors', `${p.id}.sqlite`)))
      .map((p) => SqliteStore.open(join(opts.dir, 'mirrors', `${p.id}.sqlite`), p.origin, { readonly: true }));
    const records = () => {
      const logs = [
        { store: node.log.store, size: node.log.store.head()?.size ?? 0 },
        ...mirrors.map((m) => {
          const note = mirroredCheckpoint(m);
          return { store: m, size: note === undefined ? 0 : parseCheckpoint(parseNote(note).text).size };
        }),
      ];
      return drawRecords(logs, opts.round, node.hasher);
    };
    try {
      let r = records();
      const did: string[] = [];
      const own = r.commits.get(party);
      const inspection = own?.inspection ?? opts.inspection;
      if (inspection !== undefined && !regimeIndex(node.regime).inspections.has(inspection)) {
        throw new UsageError(
          `--inspection: no inspection type ${inspection}; the regime has ${[...regimeIndex(node.regime).inspections.keys()].join(', ')}`,
        );
      }
      if (!own) {
        const value = drawValue(opts.dir, opts.round, party);
        const ref = node.append('random-commit', commitBody(opts.round, party, value, suite, inspection));
        did.push(`committed (${ref.origin}#${ref.index})`);
        r = records();
      }
      const waiting = waitingFor(node.regime, r, inspection);
      if (!r.revealed.has(party) && !waiting.length) {
        const body = revealBody(party, opts.round, r, keptDrawValue(opts.dir, opts.round, party), suite);
        const ref = node.append('random-reveal', body);
        did.push(`revealed (${ref.origin}#${ref.index})`);
        r = records();
      }
      let draw: DrawState | undefined;
      if (opts.url) {
        const res = await fetch(`${opts.url.replace(/\/+$/, '')}/api/state`, { signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) throw new DetenteError('BAD_INPUT', `--url: GET /api/state answered ${res.status}`);
        const state = (await res.json()) as { escrow?: { draws?: DrawState[] } };
        draw = state.escrow?.draws?.find((d) => d.draw === opts.round);
      }
      const out = {
        draw: opts.round,
        party,
        did,
        commits: [...r.commits.entries()].map(([p, c]) => ({ party: p, ref: `${c.origin}#${c.index}` })),
        revealed: [...r.revealed].sort(),
        waitingFor: waiting,
        ...(draw ? { state: draw } : {}),
      };
      if (opts.json) printJson(out);
      else {
        process.stdout.write(
          `draw ${opts.round}, as ${party}: ${did.length ? did.join(', ') : 'nothing to do now'}\n` +
            `  commitments seen: ${out.commits.map((c) => `${c.party} ${c.ref}`).join(', ') || 'none'}\n` +
            `  revealed: ${out.revealed.join(', ') || 'none'}\n` +
            (waiting.length ? `  waiting for ${waiting.join(', ')} to commit before revealing; run again\n` : ''),
        );
        if (draw) process.stdout.write(formatDraw(draw));
      }
    } finally {
      for (const m of mirrors) m.close();
    }
  });
}

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
        // One commitment per party and period: refuse a second before anything is written.
        const first = ownDeclarations(node.log.store, node.hasher).find((d) => d.asOf === asOf);
        if (first) {
          throw new DetenteError(
            'COMMITMENT_DUPLICATE',
            `${node.party.id} already committed a declaration as of ${asOf} (${first.ref.origin}#${first.ref.index}, root ${first.commitment.root})`,
          );
        }
        const { tree, commitment, body } = commitItems(node.regime, items, asOf, suite);
        const padding = node.regime.escrow?.padding ?? { multipleOf: 1 };
        const path = secretsPath(opts.dir, asOf);
        const receipt = await withPendingSecrets(path, `${JSON.stringify(tree.secrets())}\n`, async () =>
          node.append('declaration', body),
        );
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
    .option('--region <zone>', "every item at the regime's sites in this zone (the zone is then opened in full)")
    .requiredOption('--out <file>', 'where to write the opening file')
    .option('--as-of <date>', 'the declaration period (default: the latest escrowed declaration)')
    .option('--no-record', 'write the file only; do not record a declaration-opening entry')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        dir: string;
        items?: string;
        site?: string;
        region?: string;
        out: string;
        asOf?: string;
        record: boolean;
        json?: boolean;
      }) => {
        const given = [opts.items, opts.site, opts.region].filter((x) => x !== undefined).length;
        if (given !== 1) throw new UsageError('give exactly one of --items, --site, --region');
        await withNode(opts.dir, async (node) => {
          const all = ownDeclarations(node.log.store, node.hasher);
          const d = opts.asOf ? all.find((x) => x.asOf === opts.asOf) : all[all.length - 1];
          if (!d) {
            throw new DetenteError(
              'BAD_INPUT',
              `${node.party.id} has no escrowed declaration${opts.asOf ? ` as of ${opts.asOf}` : ''} in its log`,
            );
          }
          const tree = restoreTree(opts.dir, d, suite);
          const selector: OpenSelector =
            opts.site !== undefined
              ? { site: opts.site }
              : opts.region !== undefined
                ? { region: opts.region }
                : {
                    items: opts
                      .items!.split(',')
                      .map((x) => x.trim())
                      .filter(Boolean),
                  };
          if ('items' in selector && !selector.items.length) throw new UsageError('--items: no ids');
          const { indexes, region } = chooseLeaves(tree, selector, node.regime, () => zonesOf(node.regime));
          const opening = createMultiOpening(tree, indexes);
          let recorded: EntryRef | undefined;
          if (opts.record) {
            const entry = openingEntryOf(d.ref, opening, suite.sha256, region);
            // The blobs first (content-addressed: if the entry is refused, they are bytes nobody names).
            for (const b of entry.blobs) node.log.store.putBlob(fromHex(b.ref.sha256), b.bytes);
            recorded = node.append('declaration-opening', entry.body);
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
          writeFileSync(opts.out, `${JSON.stringify(withTlogProof(file), null, 2)}\n`);
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
              `opened ${counted(opening.leaves.length, 'leaf', 'leaves')} of ${node.party.id}'s declaration as of ${utc(d.asOf)} (${d.ref.origin}#${d.ref.index}): ` +
                `${summarised(opening.leaves.map((l) => l.item?.id ?? `padding@${l.index}`))}\n` +
                `${recorded ? `  recorded as ${recorded.origin}#${recorded.index}\n` : ''}  wrote ${opts.out}\n`,
            );
          }
        });
      },
    );

  program
    .command('verify-opening')
    .description(
      'check an opening file offline: the checkpoint, the inclusion proof, the entry, its signer, the opening',
    )
    .argument('<file>', 'the opening file (detente open --out)')
    .option('--vkey <vkey>', "the log's verifier key you trust (or a file holding it); default: the file's")
    .option(
      '--regime <file>',
      "the regime (YAML or JSON): the log must be the party's, and the signer one of the party's declarant keys",
    )
    .option(
      '--keys <file>',
      "the regime's public keys, JSON {keyId: base64} (a node's regime-keys.json, an exercise's keys.json)",
    )
    .option('--policy <file>', 'a C2SP tlog-policy: the checkpoint must be cosigned to its quorum')
    .option('--json', 'print JSON')
    .action(
      (file: string, opts: { vkey?: string; regime?: string; keys?: string; policy?: string; json?: boolean }) => {
        let doc: unknown;
        try {
          doc = JSON.parse(readText(file, 'opening file'));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new DetenteError('ESCROW_MALFORMED', `file: ${file} is not JSON`);
        }
        let vkey = opts.vkey;
        if (vkey !== undefined && existsSync(vkey)) vkey = readFileSync(vkey, 'utf8').trim();
        if (opts.keys !== undefined && opts.regime === undefined) throw new UsageError('--keys goes with --regime');
        const regime = opts.regime !== undefined ? readRegimeFile(opts.regime, opts.keys) : undefined;
        const r = checkOpeningFile(doc, suite, {
          ...(vkey !== undefined ? { vkey } : {}),
          ...(regime ? { regime } : {}),
          ...(opts.policy !== undefined ? { policy: readPolicy(opts.policy) } : {}),
        });
        if (opts.json) printJson({ ok: true, ...r });
        else {
          const logKey = {
            given: 'the one given with --vkey',
            regime: `${r.party}'s log key in the regime`,
            file: "the file's own (pass --vkey or --regime to check against a key you trust)",
          }[r.vkeySource];
          const signer =
            r.signerSource === 'regime'
              ? `${r.signer}, ${r.party}'s declarant key in the regime`
              : `${r.signer}, checked only against the file's own public key and log key (pass --regime to check that it is ${r.party}'s declarant key)`;
          process.stdout.write(
            `OK: ${counted(r.leaves.length, 'leaf', 'leaves')} of ${r.party}'s escrowed declaration as of ${utc(r.asOf)} verify\n` +
              `  ${summarised(r.leaves.map((l) => (l.id === null ? `padding@${l.index}` : `${l.id}${l.site ? ` at ${l.site}` : ''}`)))}\n` +
              `  root ${r.root}; totals ${Object.entries(r.totals)
                .map(([c, n]) => `${c} ${n}`)
                .join(', ')}\n` +
              `  entry ${r.entry}, included in checkpoint of size ${r.checkpointSize} signed by ${r.logKey}\n` +
              `  log key: ${logKey}\n` +
              (r.policy
                ? `  policy quorum ${r.policy.quorum} met: cosigned by ${r.policy.cosignatures.join(', ')}\n`
                : '') +
              `  signer: ${signer}\n`,
          );
        }
      },
    );

  program
    .command('select')
    .description(
      "take part in a joint draw: in a party node directory, this party's commit, then (once every party has committed) its reveal; in an exercise directory, every party's; prints the draw",
    )
    .requiredOption('--dir <dir>', 'a party node directory (detente node init) or an exercise directory')
    .requiredOption('--round <name>', 'the draw, e.g. us-aegis-2022-1')
    .option('--inspection <type>', 'the inspection type whose sites the draw selects')
    .option('--withhold <party>', '(exercise) simulate a party that commits but does not reveal')
    .option('--as-of <time>', '(exercise) evaluate the draw as of this time (RFC 3339)')
    .option('--url <url>', "(node) the node's URL, to print the draw as it folds every party's log")
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        dir: string;
        round: string;
        inspection?: string;
        withhold?: string;
        asOf?: string;
        url?: string;
        json?: boolean;
      }) => {
        if (existsSync(join(opts.dir, NODE_FILE))) {
          await selectOnNode(opts);
          return;
        }
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
        if (opts.inspection && !type) {
          throw new UsageError(
            `--inspection: no inspection type ${opts.inspection}; the regime has ${[...ix.inspections.keys()].join(', ')}`,
          );
        }
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
          for (const f of findings)
            process.stdout.write(
              `  finding ${f.rule} (${f.party}): ${renderMessage(f.message, 'en', paramNames(folded.set.regime, 'en'))}\n`,
            );
        }
      },
    );
}
