/**
 * A party's escrow, as its node directory holds it: what `detente declare/open` and the node's escrow API share
 * (docs/ESCROW.md §10). The secrets of each declaration (every salt and the leaf order) are kept in
 * NODE/escrow/<asOf>.secrets.json, mode 0600; the commitments and openings are entries of the party's own log.
 *
 * - items: checked against the item schema and the regime's names, each problem with its path (`$.items[3].category`);
 * - commit: the tree with the regime's categories and padding bound, checked against `maxLeaves`;
 * - the log: the party's escrowed declarations and which of their items have been opened;
 * - open: the leaves of the items chosen by uid, at a site, or at every site of a region (a zone or a site).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { fromHex, toHex } from '../crypto/bytes.js';
import { DetenteError, type Problem } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  commitmentOfDeclaration,
  declarationBodyOf,
  escrowCategories,
  escrowItemOf,
  openedItemsOf,
  openingBlobRefs,
} from '../engine/escrow-entries.js';
import type { ZoneIndex } from '../engine/zones.js';
import {
  buildEscrowTree,
  type EscrowCommitment,
  type EscrowTree,
  type RandomSource,
  restoreEscrowTree,
  sameCommitment,
} from '../escrow/index.js';
import {
  decodeEntry,
  type EntryRef,
  type Envelope,
  type EnvelopeOf,
  formatPath,
  Item,
  problemsOf,
  type Regime,
  regimeIndex,
  vocabularyProblems,
} from '../model/index.js';
import { sha256Node } from '../runtime/node-crypto.js';
import type { LogStore } from '../store/store.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';

// -------------------------------------------------------------------------------------------------------------
// Secrets

export const secretsPath = (dir: string, asOf: string) => join(dir, 'escrow', `${asOf}.secrets.json`);

/** Writes a file only its owner can read, atomically (a temporary file renamed over it). */
export function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Keeps a declaration's secrets across the submission of its entry: written as `<path>.pending` before, renamed
 * into place once the entry is in the log, removed if it is refused. A crash in between leaves the pending file,
 * which `restoreTree` still reads (it checks the root against the log), so a committed declaration never loses
 * its secrets, and a refused one leaves none.
 */
export async function withPendingSecrets<T>(path: string, text: string, submit: () => Promise<T>): Promise<T> {
  const pending = `${path}.pending`;
  writePrivate(pending, text);
  let result: T;
  try {
    result = await submit();
  } catch (err) {
    rmSync(pending, { force: true });
    throw err;
  }
  renameSync(pending, path);
  return result;
}

/** Rebuilds the tree of a declaration from the party's secrets and checks it against the committed root. */
export function restoreTree(dir: string, d: OwnDeclaration, suite: CryptoSuite): EscrowTree {
  const path = secretsPath(dir, d.asOf);
  const file = existsSync(path) ? path : existsSync(`${path}.pending`) ? `${path}.pending` : undefined;
  if (!file) throw new DetenteError('STORE_ERROR', `${path} is missing: the secrets are needed to open`);
  const tree = restoreEscrowTree(JSON.parse(readFileSync(file, 'utf8')), suite.sha256);
  if (!sameCommitment(tree.commitment(), d.commitment)) {
    throw new DetenteError('ESCROW_INVALID', `${file} does not rebuild the committed root ${d.commitment.root}`);
  }
  return tree;
}

// -------------------------------------------------------------------------------------------------------------
// Items and the commitment

/** Every problem of a list of items, with paths under `base` (`$.items[3].category`); none: they can be committed. */
export function itemProblems(regime: Regime, raw: unknown, base: (string | number)[] = ['items']): Problem[] {
  const parsed = z.array(Item).safeParse(raw);
  if (!parsed.success) return problemsOf(parsed.error, base);
  // The regime's names (item categories, sites, attributes, unique uids), as for a plain declaration's items.
  const probe = {
    v: 1,
    type: 'declaration',
    party: '-',
    key: '-',
    issuedAt: '2000-01-01T00:00:00Z',
    refs: [],
    body: { form: 'plain', asOf: '2000-01-01', items: parsed.data, quantities: [] },
  };
  const prefix = formatPath(base);
  return vocabularyProblems(regime, probe as never).map((p) => ({
    ...p,
    path: p.path.replace(/^\$\.body\.items/, prefix),
  }));
}

export interface Committed {
  tree: EscrowTree;
  commitment: EscrowCommitment;
  /** The escrowed declaration entry's body. */
  body: ReturnType<typeof declarationBodyOf>;
}

/** Builds the escrow tree of a declaration with the regime's categories and padding bound. */
export function commitItems(
  regime: Regime,
  items: readonly Item[],
  asOf: string,
  suite: CryptoSuite,
  random?: RandomSource,
): Committed {
  const problems = itemProblems(regime, items);
  if (problems.length) {
    throw new DetenteError('BAD_INPUT', `${problems[0]!.path}: ${problems[0]!.message}`, { problems });
  }
  const padding = regime.escrow?.padding ?? { multipleOf: 1, maxLeaves: 2 ** 32 };
  const categories = escrowCategories(regime);
  const tree = buildEscrowTree(
    items.map((i) => escrowItemOf(i, categories)),
    {
      categories,
      paddingBound: padding.multipleOf,
      sha256: suite.sha256,
      ...(random ? { random } : {}),
    },
  );
  const commitment = tree.commitment();
  if (commitment.size > padding.maxLeaves) {
    throw new DetenteError('BAD_INPUT', `${commitment.size} leaves exceed the regime's maxLeaves ${padding.maxLeaves}`);
  }
  return { tree, commitment, body: declarationBodyOf(commitment, asOf) };
}

// -------------------------------------------------------------------------------------------------------------
// The party's log

export interface OwnDeclaration {
  ref: EntryRef;
  asOf: string;
  commitment: EscrowCommitment;
  /** Uids opened by the party's declaration-opening entries that name this declaration. */
  opened: Set<string>;
  /** Regions (sites or zones) opened in full. */
  regions: Set<string>;
}

/**
 * A sealed entry of the party's own log opened (by its leaf hash): the plain entry and its blobs' plain bytes, or
 * undefined when the node cannot open it (its audience key not read yet).
 */
export type Unseal = (
  leafHash: string,
  sealed: EnvelopeOf<'sealed'>,
) => { envelope: Envelope; blobs: (Uint8Array | undefined)[] } | undefined;

/**
 * The escrowed declarations in a party's log, in log order, with what has been opened of each. Reads the log
 * from the start: a log holds thousands of entries, not millions, and this runs once per request.
 */
export function ownDeclarations(store: LogStore, hasher: Rfc6962Hasher, unseal?: Unseal): OwnDeclaration[] {
  const out: OwnDeclaration[] = [];
  const byIndex = new Map<number, OwnDeclaration>();
  let index = 0;
  for (const leaf of store.entries(0, store.head()?.size ?? 0)) {
    let e = decodeEntry(leaf).envelope;
    let opened: (Uint8Array | undefined)[] | undefined;
    if (e.type === 'sealed' && e.body.type === 'declaration-opening' && unseal) {
      const plain = unseal(toHex(hasher.hashLeaf(leaf)), e);
      if (plain) ({ envelope: e, blobs: opened } = plain);
    }
    if (e.type === 'declaration' && e.body.form === 'escrowed') {
      const d: OwnDeclaration = {
        ref: { origin: store.origin, index, leafHash: toHex(hasher.hashLeaf(leaf)) },
        asOf: e.body.asOf,
        commitment: commitmentOfDeclaration(e.body),
        opened: new Set(),
        regions: new Set(),
      };
      out.push(d);
      byIndex.set(index, d);
    } else if (e.type === 'declaration-opening' && e.body.declaration.origin === store.origin) {
      const d = byIndex.get(e.body.declaration.index);
      if (d) {
        const blobs = opened ?? openingBlobRefs(e.body).map((r) => store.blob(fromHex(r.sha256)));
        try {
          for (const item of openedItemsOf(e.body, d.commitment, blobs, sha256Node)) d.opened.add(item.uid);
        } catch (err) {
          // An opening that does not verify opened nothing (the engine reports it).
          if (!(err instanceof DetenteError)) throw err;
        }
        if (e.body.region !== undefined) d.regions.add(e.body.region);
      }
    }
    index++;
  }
  return out;
}

// -------------------------------------------------------------------------------------------------------------
// Choosing leaves to open

export type OpenSelector = { items: readonly string[] } | { site: string } | { region: string };

/** The sites of a region: the site itself, or every site of the regime in that zone. */
export function sitesOfRegion(regime: Regime, zones: ZoneIndex, region: string): Set<string> {
  const ix = regimeIndex(regime);
  if (ix.sites.has(region)) return new Set([region]);
  if (!ix.zones.has(region)) {
    throw new DetenteError('BAD_INPUT', `region: ${JSON.stringify(region)} is neither a zone nor a site of the regime`);
  }
  return new Set(regime.sites.filter((s) => zones.zonesOfSite(s.id).includes(region)).map((s) => s.id));
}

/**
 * The leaf indexes to open and the `region` the opening entry names (the site or zone opened in full). A site or
 * region with no declared item is opened with one padding leaf, so that its "nothing here" is on record (an entry
 * carries at least one leaf); the engine then holds any item found there as found-not-declared.
 */
export function chooseLeaves(
  tree: EscrowTree,
  selector: OpenSelector,
  regime: Regime,
  zones: () => ZoneIndex,
): { indexes: number[]; region?: string } {
  if ('items' in selector) {
    if (!selector.items.length) throw new DetenteError('BAD_INPUT', 'items: expected at least one uid');
    const indexes = [...new Set(selector.items.map((id) => tree.leafIndexOf(id)))].sort((a, b) => a - b);
    return { indexes };
  }
  const region = 'site' in selector ? selector.site : selector.region;
  let sites: Set<string>;
  if ('site' in selector) {
    if (!regimeIndex(regime).sites.has(region)) {
      throw new DetenteError('BAD_INPUT', `site: ${JSON.stringify(region)} is not a site of the regime`);
    }
    sites = new Set([region]);
  } else sites = sitesOfRegion(regime, zones(), region);
  const indexes = tree.leafIndexesWhere((it) => typeof it.site === 'string' && sites.has(it.site));
  if (!indexes.length) {
    const padding = tree.secrets().leaves.findIndex((l) => l.item === null);
    if (padding < 0)
      throw new DetenteError('BAD_INPUT', `no declared item in ${region}, and no padding leaf to show it`);
    indexes.push(padding);
  }
  return { indexes, region };
}
