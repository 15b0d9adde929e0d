/**
 * Complaints a recipient node files by itself (issue 14). When its party may read a sealed entry of another party
 * and the content key the author committed to does not open it to a valid body (checkComplaint: the same offline
 * check every reader of the complaint makes), the node records a `complaint` revealing that one content key, so
 * anyone can see the failure and charge the author (`confidential.undecryptable`).
 *
 * Each sealed entry is checked once per run, with the opening the read model's fold kept when it has one; the complaint's nonce is derived from the entry, so after a restart
 * the same complaint is refused as a replay rather than recorded twice. A key the author did not commit to (it
 * wrapped a wrong audience key for this party) cannot be shown without revealing the party's HPKE secret: the node
 * says so once in its log and files nothing.
 */
import { toBase64 } from '../crypto/bytes.js';
import type { SymmetricSuite } from '../crypto/hpke/index.js';
import type { Sha256 } from '../crypto/sha256.js';
import { checkComplaint, type EntryRef, type Envelope, type Regime } from '../model/index.js';
import type { SubmissionRequest } from './submissions.js';

export interface ComplaintsOptions {
  regime: Regime;
  party: string;
  sym: SymmetricSuite;
  sha256: Sha256;
  /** Records a complaint in the party's own log (as the node's own user). */
  submit: (request: SubmissionRequest) => Promise<unknown>;
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** A sealed entry as the read model holds it: where it is, and the content key this node derived for it. */
export interface ReadableEntry extends EntryRef {
  party: string;
  envelope: Envelope;
  contentKey?: Uint8Array;
  /** A sealed entry's ciphertext blobs, as this node holds them (undefined where it holds none yet). */
  blobs?: readonly (Uint8Array | undefined)[];
}

/** What a sealed entry opened to with its content key: the plain entry, or its error's code (openSealed). */
export type Opened = { plain: Envelope } | { code: string };

export class Complaints {
  readonly #o: ComplaintsOptions;
  readonly #checked = new Set<string>();
  /** Complaints being recorded: whoever must wait for them (tests, a closing node). */
  readonly pending = new Set<Promise<unknown>>();

  constructor(options: ComplaintsOptions) {
    this.#o = options;
  }

  /**
   * Checks the sealed entries of others this node can read and has not checked yet; files a complaint for each that
   * fails. `openingOf`: what a fold already opened an entry to with its content key (the read model's
   * OpenedEntries), so that it is not decrypted a second time.
   */
  check(entries: Iterable<ReadableEntry>, openingOf?: (e: ReadableEntry) => Opened | undefined): void {
    const o = this.#o;
    for (const e of entries) {
      if (e.envelope.type !== 'sealed' || !e.contentKey || e.party === o.party || this.#checked.has(e.leafHash))
        continue;
      // Checked once every blob it names is here (mirrors fetch them after the entry).
      const sealedBlobs = e.envelope.body.blobs?.length ?? 0;
      if (sealedBlobs && (e.blobs?.length !== sealedBlobs || e.blobs.some((b) => !b))) continue;
      this.#checked.add(e.leafHash);
      const contentKey = toBase64(e.contentKey);
      const { verdict, reason } = checkComplaint(
        o.sym,
        o.sha256,
        o.regime,
        e.envelope,
        contentKey,
        e.blobs,
        openingOf?.(e),
      );
      if (verdict === 'false') {
        if (reason === 'KEY_NOT_COMMITTED') {
          o.logger?.(
            'warn',
            `${e.origin}/${e.index}: sealed with a key other than the one wrapped for us; not provable`,
          );
        }
        continue;
      }
      const request: SubmissionRequest = {
        nonce: `complaint-${e.leafHash.slice(0, 64)}`,
        type: 'complaint',
        body: { entry: { origin: e.origin, index: e.index, leafHash: e.leafHash }, contentKey },
      };
      const filing = o
        .submit(request)
        .then(() => o.logger?.('info', `complaint filed: ${e.origin}/${e.index} does not open (${reason})`))
        .catch((err: { code?: string; message?: string }) => {
          // Filed before a restart: the nonce is used, the complaint is in the log.
          if (err.code !== 'REPLAYED') o.logger?.('warn', `complaint about ${e.origin}/${e.index}: ${err.message}`);
        })
        .finally(() => this.pending.delete(filing));
      this.pending.add(filing);
    }
  }
}
