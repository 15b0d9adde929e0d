/**
 * The self-contained opening document, `detente-opening/1` (docs/ESCROW.md §10.4): an escrow opening with the
 * signed declaration entry that publishes its commitment, that entry's inclusion proof and the log's signed
 * checkpoint. `detente open --out` writes it, `POST /api/escrow/openings` and `GET /api/escrow/openings/…` answer
 * it, and `detente verify-opening` checks it with nothing else at hand (optionally against a regime).
 */
import { fromBase64, fromHex, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { formatVerifierKey, parseVerifierKey } from '../crypto/vkey.js';
import { commitmentOfDeclaration } from '../engine/escrow-entries.js';
import { type AnyOpening, verifyOpening } from '../escrow/index.js';
import { decodeEntry, type Regime, regimeIndex, signingMessage } from '../model/index.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { verifyInclusion } from '../tlog/inclusion.js';
import { type LoadedPolicy, verifyCheckpointPolicy } from '../tlog/policy.js';
import { formatTlogProof } from '../tlog/proof-file.js';

export const OPENING_FORMAT = 'detente-opening/1';

export interface OpeningFile {
  format: typeof OPENING_FORMAT;
  party: string;
  /** The escrow opening (docs/ESCROW.md §3.2). */
  opening: AnyOpening;
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
  /**
   * The same inclusion as a C2SP tlog-proof file (src/tlog/proof-file.ts), for verifiers that speak only C2SP;
   * absent from files written before it existed.
   */
  tlogProof?: string;
}

/** The opening file with its declaration's inclusion as a tlog-proof (the same index, proof and checkpoint). */
export function withTlogProof(file: OpeningFile): OpeningFile {
  return { ...file, tlogProof: openingTlogProof(file) };
}

function openingTlogProof(f: OpeningFile): string {
  return formatTlogProof({
    index: f.declaration.index,
    proof: f.inclusion.proof.map((p, i) => fromBase64(p, `inclusion.proof[${i}]`)),
    checkpoint: f.checkpoint,
  });
}

/** A signed note with further signature lines (witness cosignatures) added after its own. */
export function withCosignatures(note: string, lines: readonly string[]): string {
  const have = new Set(note.split('\n'));
  const extra = lines.map((l) => l.trimEnd()).filter((l) => l !== '' && !have.has(l));
  return extra.length ? `${note}${extra.map((l) => `${l}\n`).join('')}` : note;
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
  /** Where the log key came from: the file, `--vkey`, or the regime. */
  vkeySource: 'file' | 'given' | 'regime';
  logKey: string;
  /** With a policy: its quorum and the policy witnesses whose cosignatures verified. */
  policy?: { quorum: string; cosignatures: string[] };
  /** Where the signer's key came from: the file alone, or the party's declarant key in the regime. */
  signerSource: 'file' | 'regime';
  signer: string;
}

export interface OpeningCheckOptions {
  /** A log verifier key the verifier trusts; replaces the file's. */
  vkey?: string;
  /** The regime: the log must be the party's, and the signer one of its declarant keys. */
  regime?: Regime;
  /** A C2SP tlog-policy: the checkpoint must be one of its logs', cosigned to its quorum. */
  policy?: LoadedPolicy;
}

/** The regime's log verifier key of a party, or undefined if it names none. */
function regimeLogVkey(regime: Regime, party: string, suite: CryptoSuite): string | undefined {
  const p = regimeIndex(regime).parties.get(party);
  const key = p?.keys.find((k) => k.roles.includes('log'));
  return p && key?.publicKey ? formatVerifierKey(suite.sha256, p.origin, fromBase64(key.publicKey)) : undefined;
}

/** Checks an opening file offline (docs/ESCROW.md §10.4); throws a DetenteError naming the failed step. */
export function checkOpeningFile(doc: unknown, suite: CryptoSuite, options: OpeningCheckOptions = {}): OpeningCheck {
  const hasher = new Rfc6962Hasher(suite.sha256);
  const { regime } = options;
  const f = step('file', 'ESCROW_MALFORMED', () => {
    const o = doc as OpeningFile;
    if (!o || typeof o !== 'object' || o.format !== OPENING_FORMAT)
      throw new Error(`expected format ${OPENING_FORMAT}`);
    for (const k of ['party', 'opening', 'declaration', 'inclusion', 'checkpoint', 'vkey'] as const) {
      if (o[k] === undefined) throw new Error(`missing ${k}`);
    }
    return o;
  });
  const party = regime
    ? step('party', 'KEY_UNKNOWN', () => {
        const p = regimeIndex(regime).parties.get(f.party);
        if (!p) throw new Error(`${JSON.stringify(f.party)} is not a party of regime ${regime.id}`);
        return p;
      })
    : undefined;
  let vkey = options.vkey ?? f.vkey;
  let vkeySource: OpeningCheck['vkeySource'] = options.vkey ? 'given' : 'file';
  if (regime && options.vkey === undefined) {
    vkey = step('log key', 'KEY_UNKNOWN', () => {
      const v = regimeLogVkey(regime, f.party, suite);
      if (!v) throw new Error(`the regime has no log key of ${f.party}`);
      return v;
    });
    vkeySource = 'regime';
  }
  const verifier = step('log key', 'BAD_INPUT', () => parseVerifierKey(vkey, suite));
  const { checkpoint } = step('checkpoint', 'NOTE_UNVERIFIED', () => openCheckpoint(f.checkpoint, verifier));
  const policy = options.policy;
  const witnessed = policy
    ? step('policy', 'POLICY_UNSATISFIED', () => verifyCheckpointPolicy(policy, f.checkpoint))
    : undefined;
  const d = f.declaration;
  if (party) {
    step('log origin', 'KEY_UNKNOWN', () => {
      if (d.origin !== party.origin)
        throw new Error(`the entry is in log ${d.origin}, ${party.id}'s is ${party.origin}`);
    });
  }
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
  // After the proof itself, so that a changed proof is reported as what it is.
  if (f.tlogProof !== undefined) {
    step('tlog-proof', 'PROOF_MALFORMED', () => {
      if (f.tlogProof !== openingTlogProof(f)) throw new Error('not the inclusion proof and checkpoint of the file');
    });
  }
  const signed = step('declaration entry', 'SCHEMA_INVALID', () => decodeEntry(leaf));
  const e = signed.envelope;
  // Without a regime, the signer is whoever holds the file's key; with one, it must be the party's declarant key.
  const publicKey = party
    ? step('signer', 'KEY_UNKNOWN', () => {
        const key = party.keys.find((k) => k.id === e.key);
        if (!key?.publicKey || !key.roles.includes('declarant')) {
          throw new Error(`the entry names key ${e.key}, which is not a declarant key of ${party.id} in the regime`);
        }
        if (key.publicKey !== d.publicKey) {
          throw new Error(
            `the file's signer key ${d.publicKey} is not ${party.id}'s declarant key ${key.id} (${key.publicKey}) in the regime`,
          );
        }
        return key.publicKey;
      })
    : d.publicKey;
  step('entry signature', 'SIGNATURE_INVALID', () => {
    if (e.party !== f.party) throw new Error(`the entry is ${e.party}'s, the file says ${f.party}`);
    if (!suite.ed25519.verify(fromBase64(publicKey, 'publicKey'), signingMessage(e), signed.signature)) {
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
    ...(witnessed
      ? { policy: { quorum: witnessed.quorum, cosignatures: witnessed.cosignatures.map((c) => c.witness) } }
      : {}),
    vkeySource,
    logKey: verifier.name,
    signerSource: party ? 'regime' : 'file',
    signer: e.key,
  };
}
