/**
 * In-browser verification of one entry. Trusts nothing the node says: it fetches the log's signed checkpoint and
 * the tiles itself (C2SP tlog-tiles paths under the log's prefix), opens the checkpoint with the log's verifier key
 * using our own tlog code with the portable suite (noble SHA-256, Ed25519 with the strict rule set), hashes the
 * entry bytes from the entry bundle, builds an inclusion proof from the tiles and checks it against the signed
 * root. It also checks the proof the API hands out against the checkpoint the API hands out: both must hold, and
 * when both are for the same tree they must be the same proof.
 *
 * Last, the checkpoint's witness cosignatures are verified and must meet the quorum of the log's C2SP tlog-policy
 * (GET <prefix>/policy).
 *
 * The verifier key comes from GET /logs; a user who trusts no server compares it with the key the parties
 * published (it is shown on the page).
 */
import { equalBytes, fromBase64, toHex } from '../../../src/crypto/bytes.js';
import { DetenteError } from '../../../src/crypto/errors.js';
import { portableSuite } from '../../../src/crypto/suite.js';
import { parseVerifierKey } from '../../../src/crypto/vkey.js';
import { decodeEntry, type Regime, type SignedEntry, verifyEntry } from '../../../src/model/index.js';
import { openCheckpoint } from '../../../src/tlog/checkpoint.js';
import { decodeBundle } from '../../../src/tlog/entry-bundle.js';
import { Rfc6962Hasher } from '../../../src/tlog/hasher.js';
import { inclusionProof, verifyInclusion } from '../../../src/tlog/inclusion.js';
import { evaluateCheckpoint, formatPolicy, type LoadedPolicy, parsePolicy } from '../../../src/tlog/policy.js';
import { hashesAtLevel } from '../../../src/tlog/tile-math.js';
import { TileNodeReader } from '../../../src/tlog/tile-node-reader.js';
import { entriesPathForLogIndex, TILE_WIDTH, tilePath } from '../../../src/tlog/tile-paths.js';
import type { EntryDetail, LogInfo } from '../api/client.js';
import { count, fact, type Said } from './said.js';

export type StepId =
  | 'key'
  | 'checkpoint'
  | 'bundle'
  | 'leaf'
  | 'tiles-proof'
  | 'api-proof'
  | 'proofs-agree'
  | 'signature'
  | 'cosignatures'
  /** A sealed entry's plaintext, handed over by the node, against the envelope's commitment (entry/plaintext.ts). */
  | 'plaintext';

export interface Step {
  id: StepId;
  ok: boolean;
  /** What the step found, or why it failed, in the reader's language. */
  detail: Said;
}

export interface Verification {
  ok: boolean;
  steps: Step[];
  /** The first failure, in words a person can act on. */
  reason?: Said;
  origin: string;
  index: number;
  treeSize?: number;
  root?: string;
  leafHash?: string;
  vkey?: string;
  signed?: SignedEntry;
  tilesFetched: number;
  /** The policy's witnesses that cosigned the checkpoint, of how many, and whether the quorum is met. */
  witnesses?: { cosigned: string[]; total: number; quorum: string; met: boolean };
}

/** The log's policy as served at `<prefix>/policy`; without one, every witness the node lists is required. */
async function policyOf(fetcher: Fetcher, log: LogInfo): Promise<{ policy: LoadedPolicy; note: '' | 'NoPolicy' }> {
  let text: string | undefined;
  try {
    text = await fetcher.text(`${log.prefix}/policy`);
  } catch {
    text = undefined;
  }
  if (text !== undefined) return { policy: parsePolicy(text, portableSuite), note: '' };
  const witnesses = log.witnesses.map((vkey, i) => ({ name: `w${i + 1}`, vkey }));
  const fallback = formatPolicy({
    logs: [{ vkey: log.vkey }],
    witnesses,
    groups: witnesses.length
      ? [{ name: 'all', threshold: witnesses.length, spelling: 'all', members: witnesses.map((w) => w.name) }]
      : [],
    quorum: witnesses.length ? 'all' : 'none',
  });
  return { policy: parsePolicy(fallback, portableSuite), note: 'NoPolicy' };
}

export interface Fetcher {
  text(path: string): Promise<string>;
  bytes(path: string): Promise<Uint8Array>;
}

export const browserFetcher: Fetcher = {
  async text(path) {
    const res = await fetch(path, { cache: 'no-store' });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res.text();
  },
  async bytes(path) {
    const res = await fetch(path);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  },
};

const hasher = new Rfc6962Hasher(portableSuite.sha256);

/** A failure this file names: its words come from the catalogue. */
class Failed extends Error {
  constructor(readonly said: Said) {
    super(said.key);
  }
}

/** A failure of the tlog or model code keeps its code and message (facts); ours are said in the reader's language. */
function said(err: unknown): Said {
  if (err instanceof Failed) return err.said;
  if (err instanceof DetenteError) return fact(`${err.code}: ${err.message}`);
  return fact(err instanceof Error ? err.message : String(err));
}

/**
 * Reads the tiles a proof needs: the TileNodeReader is synchronous, so each round records the tiles it missed,
 * fetches them, and tries again (at most one round per tile level, plus one).
 */
async function proofFromTiles(
  fetcher: Fetcher,
  prefix: string,
  index: number,
  size: number,
): Promise<{ proof: Uint8Array[]; fetched: number }> {
  const tiles = new Map<string, Uint8Array>();
  for (let round = 0; round < 70; round++) {
    const missing: { level: number; index: number; width: number }[] = [];
    const reader = new TileNodeReader(hasher, (level, tileIndex) => {
      const key = `${level}/${tileIndex}`;
      const tile = tiles.get(key);
      if (tile) return tile;
      const available = hashesAtLevel(level, size) - tileIndex * TILE_WIDTH;
      if (available <= 0) return undefined;
      missing.push({ level, index: tileIndex, width: Math.min(TILE_WIDTH, available) });
      return undefined;
    });
    try {
      return { proof: inclusionProof(hasher, reader, index, size), fetched: tiles.size };
    } catch (err) {
      if (missing.length === 0) throw err;
    }
    for (const m of missing) {
      const key = `${m.level}/${m.index}`;
      if (tiles.has(key)) continue;
      const tile = await fetcher.bytes(`${prefix}/${tilePath(m.level, m.index, m.width)}`);
      if (tile.length !== m.width * 32) {
        throw new Failed({
          key: 'verify.tileLength',
          vars: { tile: key, expected: count(m.width * 32, 'bytes'), got: count(tile.length, 'bytes') },
        });
      }
      tiles.set(key, tile);
    }
  }
  throw new Failed({ key: 'verify.noProof' });
}

export interface VerifyInput {
  log: LogInfo;
  index: number;
  /** What the API says about the entry (its proof, its checkpoint, its bytes): checked, never trusted. */
  detail?: EntryDetail;
  /** The regime (with the parties' public keys), to check the entry's own signature. */
  regime?: Regime;
}

/**
 * How long a checkpoint may wait for its witnesses. A node serves its newest checkpoint at once and the witnesses
 * cosign it within a round or two, so an entry just appended (a declaration a moment before its opening) is first
 * seen under a checkpoint without them; that is not yet a failure. A checkpoint that still lacks the quorum after
 * this wait is one.
 */
export const WITNESS_WAIT_MS = 8_000;

/**
 * Verifies the entry; while the only thing missing is the witnesses' quorum, fetches the checkpoint again (each
 * time verifying everything anew against it: tiles are immutable and come from the browser's cache) until
 * `witnessWaitMs` has passed.
 */
export async function verifyEntryInBrowser(
  input: VerifyInput,
  fetcher: Fetcher = browserFetcher,
  witnessWaitMs = WITNESS_WAIT_MS,
): Promise<Verification> {
  const deadline = Date.now() + witnessWaitMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    const result = await verifyOnce(input, fetcher);
    const awaitingWitnesses = !result.ok && result.witnesses !== undefined && !result.witnesses.met;
    if (!awaitingWitnesses || Date.now() + delay > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function verifyOnce(input: VerifyInput, fetcher: Fetcher): Promise<Verification> {
  const { log, index, detail, regime } = input;
  const steps: Step[] = [];
  const result: Verification = { ok: false, steps, origin: log.origin, index, vkey: log.vkey, tilesFetched: 0 };
  const pass = (id: StepId, found: Said) => steps.push({ id, ok: true, detail: found });
  const check = (id: StepId, fn: () => Said) => {
    try {
      pass(id, fn());
    } catch (err) {
      steps.push({ id, ok: false, detail: said(err) });
      throw new Failed(said(err));
    }
  };
  const checkAsync = async (id: StepId, fn: () => Promise<Said>) => {
    try {
      pass(id, await fn());
    } catch (err) {
      steps.push({ id, ok: false, detail: said(err) });
      throw new Failed(said(err));
    }
  };
  try {
    let verifier!: ReturnType<typeof parseVerifierKey>;
    check('key', () => {
      verifier = parseVerifierKey(log.vkey, portableSuite);
      if (verifier.name !== log.origin) {
        throw new Failed({ key: 'verify.keyOther', vars: { name: verifier.name, origin: log.origin } });
      }
      return fact(log.vkey);
    });

    let size = 0;
    let root: Uint8Array = new Uint8Array();
    let note = '';
    await checkAsync('checkpoint', async () => {
      note = await fetcher.text(`${log.prefix}/checkpoint`);
      const { checkpoint } = openCheckpoint(note, verifier);
      size = checkpoint.size;
      root = checkpoint.root;
      result.treeSize = size;
      result.root = toHex(root);
      return { key: 'verify.sizeRoot', vars: { size, root: toHex(root) } };
    });

    let leaf: Uint8Array = new Uint8Array();
    await checkAsync('bundle', async () => {
      // The checkpoint is sound; it is this entry that the signed tree does not hold.
      if (index >= size) throw new Failed({ key: 'verify.notInTree', vars: { index, size } });
      const path = entriesPathForLogIndex(index, size);
      const bundle = await fetcher.bytes(`${log.prefix}/${path}`);
      const width = Math.min(TILE_WIDTH, size - Math.floor(index / TILE_WIDTH) * TILE_WIDTH);
      const entries = decodeBundle(bundle, width);
      leaf = entries[index % TILE_WIDTH]!.slice();
      if (detail && !equalBytes(fromBase64(detail.entryBase64), leaf)) {
        throw new Failed({ key: 'verify.apiEntryDiffers' });
      }
      return { key: 'verify.bundleRead', vars: { path, bytes: count(leaf.length, 'bytes') } };
    });

    let leafHash: Uint8Array = new Uint8Array();
    check('leaf', () => {
      leafHash = hasher.hashLeaf(leaf);
      result.leafHash = toHex(leafHash);
      if (detail && detail.leafHash !== toHex(leafHash)) {
        throw new Failed({ key: 'verify.apiLeafDiffers', vars: { api: detail.leafHash, ours: toHex(leafHash) } });
      }
      return fact(toHex(leafHash));
    });

    let ownProof: Uint8Array[] = [];
    await checkAsync('tiles-proof', async () => {
      const built = await proofFromTiles(fetcher, log.prefix, index, size);
      ownProof = built.proof;
      result.tilesFetched = built.fetched;
      verifyInclusion(hasher, index, size, leafHash, ownProof, root);
      return {
        key: 'verify.fromTiles',
        vars: { hashes: count(ownProof.length, 'hashes'), tiles: count(built.fetched, 'tiles') },
      };
    });

    if (detail) {
      let apiSize = 0;
      let apiProof: Uint8Array[] = [];
      check('api-proof', () => {
        const { checkpoint } = openCheckpoint(detail.checkpoint, verifier);
        apiSize = checkpoint.size;
        if (detail.proof.size !== checkpoint.size) {
          throw new Failed({
            key: 'verify.proofSizeDiffers',
            vars: { proof: detail.proof.size, checkpoint: checkpoint.size },
          });
        }
        apiProof = detail.proof.proof.map((h, i) => fromBase64(h, `proof[${i}]`));
        verifyInclusion(hasher, index, checkpoint.size, leafHash, apiProof, checkpoint.root);
        return { key: 'verify.apiProof', vars: { hashes: count(apiProof.length, 'hashes'), size: checkpoint.size } };
      });
      check('proofs-agree', () => {
        if (apiSize !== size) return { key: 'verify.differentTrees', vars: { a: apiSize, b: size } };
        const same = apiProof.length === ownProof.length && apiProof.every((h, i) => equalBytes(h, ownProof[i]!));
        if (!same) throw new Failed({ key: 'verify.proofsDiffer' });
        return { key: 'verify.identical' };
      });
    }

    if (regime) {
      check('signature', () => {
        const signed = decodeEntry(leaf);
        verifyEntry(portableSuite, regime, signed);
        result.signed = signed;
        const { type, party, key } = signed.envelope;
        return { key: 'verify.signedBy', vars: { type, party, key } };
      });
    }

    // The log's tlog-policy says which witnesses must have cosigned: the entry is verified only when the
    // checkpoint's cosignatures, each verified here, meet its quorum (never a tick without them).
    await checkAsync('cosignatures', async () => {
      const policy = await policyOf(fetcher, log);
      const v = evaluateCheckpoint(policy.policy, note);
      const names = v.cosignatures.map((c) => c.witness);
      result.witnesses = { cosigned: names, total: v.witnesses, quorum: v.quorum, met: v.quorumMet };
      const vars = {
        k: names.length,
        n: v.witnesses,
        names: names.length ? ` (${names.join(', ')})` : '',
        quorum: v.quorum,
      };
      if (!v.quorumMet) throw new Failed({ key: `verify.quorumNotMet${policy.note}`, vars });
      return { key: `verify.quorumMet${policy.note}`, vars };
    });
    result.ok = true;
  } catch (err) {
    result.ok = false;
    result.reason = said(err);
  }
  return result;
}
