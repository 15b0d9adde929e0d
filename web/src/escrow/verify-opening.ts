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
import { browserFetcher, type Fetcher, verifyEntryInBrowser } from '../verify/verify.js';

export const OPENING_FORMAT = 'detente-opening/1';

export type OpeningStepId = 'file' | 'declaration' | 'document-entry' | 'document-proof' | 'escrowed' | 'opening';

export interface OpeningStep {
  id: OpeningStepId;
  ok: boolean;
  detail: string;
}

export interface OpeningVerification {
  ok: boolean;
  steps: OpeningStep[];
  reason?: string;
  /** The opened leaves, once verified: index and item (null for padding). */
  leaves?: { index: number; item: EscrowItem | null }[];
  root?: string;
}

const hasher = new Rfc6962Hasher(portableSuite.sha256);

function message(err: unknown): string {
  if (err instanceof DetenteError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export async function verifyOpeningInBrowser(
  doc: OpeningDocument,
  logs: readonly LogInfo[],
  regime: Regime,
  fetcher: Fetcher = browserFetcher,
): Promise<OpeningVerification> {
  const steps: OpeningStep[] = [];
  const result: OpeningVerification = { ok: false, steps };
  const check = async (id: OpeningStepId, fn: () => string | Promise<string>) => {
    try {
      steps.push({ id, ok: true, detail: await fn() });
    } catch (err) {
      steps.push({ id, ok: false, detail: message(err) });
      throw err;
    }
  };
  try {
    let log!: LogInfo;
    await check('file', () => {
      if (!doc || doc.format !== OPENING_FORMAT) throw new Error(`expected format ${OPENING_FORMAT}`);
      const found = logs.find((l) => l.origin === doc.declaration?.origin);
      if (!found) throw new Error(`no log ${doc.declaration?.origin} among this node's logs`);
      // The log key is the one GET /logs lists (shown beside every verified entry), never the document's own.
      if (doc.vkey !== found.vkey) throw new Error(`the document names log key ${doc.vkey}, not ${found.vkey}`);
      log = found;
      return `${doc.party}, ${doc.declaration.origin}#${doc.declaration.index}`;
    });

    let body!: Parameters<typeof commitmentOfDeclaration>[0] & { asOf: string };
    let leafHash = '';
    await check('declaration', async () => {
      const v = await verifyEntryInBrowser({ log, index: doc.declaration.index, regime }, fetcher);
      if (!v.ok || !v.signed) throw new Error(v.reason ?? 'the declaration entry does not verify');
      const e = v.signed.envelope;
      if (e.party !== doc.party) throw new Error(`the entry is ${e.party}'s, the document says ${doc.party}`);
      if (e.type !== 'declaration' || e.body.form !== 'escrowed') throw new Error('not an escrowed declaration');
      body = e.body;
      leafHash = v.leafHash!;
      return `checkpoint of size ${v.treeSize}, ${v.tilesFetched} tiles, signed by ${e.key}`;
    });

    await check('document-entry', () => {
      const bytes = fromBase64(doc.declaration.entry, 'declaration.entry');
      const hash = toHex(hasher.hashLeaf(bytes));
      if (hash !== leafHash || doc.declaration.leafHash !== leafHash) {
        throw new Error(`the document's entry hashes to ${hash}, the log's to ${leafHash}`);
      }
      return leafHash;
    });

    await check('document-proof', () => {
      const { checkpoint } = openCheckpoint(doc.checkpoint, parseVerifierKey(log.vkey, portableSuite));
      if (doc.inclusion.size !== checkpoint.size) {
        throw new Error(`the proof is for size ${doc.inclusion.size}, the checkpoint for ${checkpoint.size}`);
      }
      const proof = doc.inclusion.proof.map((p, i) => fromBase64(p, `inclusion.proof[${i}]`));
      verifyInclusion(hasher, doc.declaration.index, checkpoint.size, fromHex(leafHash), proof, checkpoint.root);
      return `${proof.length} hashes, size ${checkpoint.size}`;
    });

    let commitment!: ReturnType<typeof commitmentOfDeclaration>;
    await check('escrowed', () => {
      commitment = commitmentOfDeclaration(body);
      result.root = commitment.root;
      return `as of ${body.asOf}: root ${commitment.root}, ${commitment.size} leaves`;
    });

    await check('opening', () => {
      const verified = verifyOpening(doc.opening, commitment, portableSuite.sha256);
      result.leaves = verified.leaves;
      const items = verified.leaves.filter((l) => l.item).length;
      return `${verified.leaves.length} leaves (${items} items, ${verified.leaves.length - items} padding)`;
    });
    result.ok = true;
  } catch (err) {
    result.reason = message(err);
  }
  return result;
}
