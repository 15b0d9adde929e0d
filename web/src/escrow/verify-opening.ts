/**
 * An escrow opening (detente-opening/1) verified in the browser, trusting nothing the node says: the declaration
 * entry it opens is verified as the entry view does (the log's signed checkpoint and tiles fetched here, inclusion
 * proven from them, the entry's signature checked against the regime's key), the document's own copy of the entry,
 * inclusion proof and checkpoint are checked against that, and then src/escrow's verifyOpening recomputes the
 * committed root and totals from every opened leaf's path with noble SHA-256 (docs/ESCROW.md §3.2).
 */
import { fromBase64, fromHex, toHex } from '../../../src/crypto/bytes.js';
import { DetenteError } from '../../../src/crypto/errors.js';
import { portableSuite } from '../../../src/crypto/suite.js';
import { parseVerifierKey } from '../../../src/crypto/vkey.js';
import { commitmentOfDeclaration } from '../../../src/engine/escrow-entries.js';
import type { EscrowItem } from '../../../src/escrow/item.js';
import { verifyOpening } from '../../../src/escrow/opening.js';
import type { Regime } from '../../../src/model/index.js';
import { openCheckpoint } from '../../../src/tlog/checkpoint.js';
import { Rfc6962Hasher } from '../../../src/tlog/hasher.js';
import { verifyInclusion } from '../../../src/tlog/inclusion.js';
import type { LogInfo } from '../api/client.js';
import type { OpeningDocument } from '../api/escrow.js';
import { formatUtc } from '../i18n/format.js';
import { count, fact, type Said } from '../verify/said.js';
import { browserFetcher, type Fetcher, verifyEntryInBrowser } from '../verify/verify.js';

export const OPENING_FORMAT = 'detente-opening/1';

export type OpeningStepId = 'file' | 'declaration' | 'document-entry' | 'document-proof' | 'escrowed' | 'opening';

export interface OpeningStep {
  id: OpeningStepId;
  ok: boolean;
  /** What the step found, or why it failed, in the reader's language. */
  detail: Said;
}

export interface OpeningVerification {
  ok: boolean;
  steps: OpeningStep[];
  reason?: Said;
  /** The opened leaves, once verified: index and item (null for padding). */
  leaves?: { index: number; item: EscrowItem | null }[];
  root?: string;
}

const hasher = new Rfc6962Hasher(portableSuite.sha256);

/** A failure this file names: its words come from the catalogue. */
class Failed extends Error {
  constructor(readonly said: Said) {
    super(said.key);
  }
}

/** A failure of the escrow or tlog code keeps its code and message (facts); ours are said in the reader's language. */
function said(err: unknown): Said {
  if (err instanceof Failed) return err.said;
  if (err instanceof DetenteError) return fact(`${err.code}: ${err.message}`);
  return fact(err instanceof Error ? err.message : String(err));
}

export async function verifyOpeningInBrowser(
  doc: OpeningDocument,
  logs: readonly LogInfo[],
  regime: Regime,
  fetcher: Fetcher = browserFetcher,
): Promise<OpeningVerification> {
  const steps: OpeningStep[] = [];
  const result: OpeningVerification = { ok: false, steps };
  const check = async (id: OpeningStepId, fn: () => Said | Promise<Said>) => {
    try {
      steps.push({ id, ok: true, detail: await fn() });
    } catch (err) {
      steps.push({ id, ok: false, detail: said(err) });
      throw err;
    }
  };
  try {
    let log!: LogInfo;
    await check('file', () => {
      if (!doc || doc.format !== OPENING_FORMAT) {
        throw new Failed({ key: 'verify.openingFormat', vars: { format: OPENING_FORMAT } });
      }
      const found = logs.find((l) => l.origin === doc.declaration?.origin);
      if (!found) throw new Failed({ key: 'verify.openingNoLog', vars: { origin: `${doc.declaration?.origin}` } });
      // The log key is the one GET /logs lists (shown beside every verified entry), never the document's own.
      if (doc.vkey !== found.vkey) {
        throw new Failed({ key: 'verify.openingOtherKey', vars: { theirs: doc.vkey, ours: found.vkey } });
      }
      log = found;
      return fact(`${doc.party}, ${doc.declaration.origin}#${doc.declaration.index}`);
    });

    let body!: Parameters<typeof commitmentOfDeclaration>[0] & { asOf: string };
    let leafHash = '';
    await check('declaration', async () => {
      const v = await verifyEntryInBrowser({ log, index: doc.declaration.index, regime }, fetcher);
      if (!v.ok || !v.signed) throw new Failed(v.reason ?? { key: 'verify.openingEntryBad' });
      const e = v.signed.envelope;
      if (e.party !== doc.party) {
        throw new Failed({ key: 'verify.openingOtherParty', vars: { entry: e.party, document: doc.party } });
      }
      if (e.type !== 'declaration' || e.body.form !== 'escrowed')
        throw new Failed({ key: 'verify.openingNotEscrowed' });
      body = e.body;
      leafHash = v.leafHash!;
      return {
        key: 'verify.openingDeclaration',
        vars: { size: v.treeSize ?? 0, tiles: count(v.tilesFetched, 'tiles'), key: e.key },
      };
    });

    await check('document-entry', () => {
      const bytes = fromBase64(doc.declaration.entry, 'declaration.entry');
      const hash = toHex(hasher.hashLeaf(bytes));
      if (hash !== leafHash || doc.declaration.leafHash !== leafHash) {
        throw new Failed({ key: 'verify.openingEntryDiffers', vars: { document: hash, log: leafHash } });
      }
      return fact(leafHash);
    });

    await check('document-proof', () => {
      const { checkpoint } = openCheckpoint(doc.checkpoint, parseVerifierKey(log.vkey, portableSuite));
      if (doc.inclusion.size !== checkpoint.size) {
        throw new Failed({
          key: 'verify.proofSizeDiffers',
          vars: { proof: doc.inclusion.size, checkpoint: checkpoint.size },
        });
      }
      const proof = doc.inclusion.proof.map((p, i) => fromBase64(p, `inclusion.proof[${i}]`));
      verifyInclusion(hasher, doc.declaration.index, checkpoint.size, fromHex(leafHash), proof, checkpoint.root);
      return { key: 'verify.apiProof', vars: { hashes: count(proof.length, 'hashes'), size: checkpoint.size } };
    });

    let commitment!: ReturnType<typeof commitmentOfDeclaration>;
    await check('escrowed', () => {
      commitment = commitmentOfDeclaration(body);
      result.root = commitment.root;
      return {
        key: 'verify.openingCommitment',
        vars: { asOf: formatUtc(body.asOf), root: commitment.root, leaves: count(commitment.size, 'leaves') },
      };
    });

    await check('opening', () => {
      const verified = verifyOpening(doc.opening, commitment, portableSuite.sha256);
      result.leaves = verified.leaves;
      const items = verified.leaves.filter((l) => l.item).length;
      return {
        key: 'verify.openingLeaves',
        vars: {
          leaves: count(verified.leaves.length, 'leaves'),
          items: count(items, 'items'),
          padding: verified.leaves.length - items,
        },
      };
    });
    result.ok = true;
  } catch (err) {
    result.reason = said(err);
  }
  return result;
}
