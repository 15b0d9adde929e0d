/**
 * Sealed entries in the fold (issue 14). The reader hands the engine the content key of each sealed entry its party
 * may read (EngineEntry.contentKey); the engine opens it and applies the plain entry in its place, and counts the
 * rest as hidden. So every node folds what its party may read, and nodes that read the same entries compute the
 * same bytes. Findings that rest on a sealed entry carry its audience (only those parties can see the evidence); the
 * state says, per audience, how many sealed entries this fold read and how many it could not.
 *
 * A sealed entry that its content key does not open (DECRYPTION_FAILED), that opens to a body other than the one
 * committed to (COMMITMENT_MISMATCH) or to no valid entry (SCHEMA_INVALID) is charged to its author under
 * `confidential.undecryptable`, a finding its audience sees.
 */
import { equalBytes } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { type SymmetricSuite, symmetricPortable } from '../crypto/hpke/symmetric.js';
import type { Sha256 } from '../crypto/sha256.js';
import {
  type Audience,
  checkComplaint,
  type Envelope,
  type EnvelopeOf,
  itemsOfBlobs,
  openSealed,
  openSealedBlobs,
  openSealedText,
  PUBLIC,
  type Regime,
  regimeAudience,
  sameAudienceAsWritten,
  vocabularyProblems,
  withinAudience,
} from '../model/index.js';
import type { Finding, FindingInput } from './findings.js';
import { keyOf } from './findings.js';
import { msg } from './messages.js';
import type { NotificationsState } from './notifications.js';
import type { EngineEntry, EntryRef, SealedOpening } from './types.js';
import { byString } from './types.js';

export interface ConfidentialState {
  /** Per audience (its parties joined by commas), the sealed entries this fold read and those it could not. */
  read: { audience: string; entries: number }[];
  hidden: { audience: string; entries: number }[];
}

type Opening = SealedOpening;

/** A sealed entry as a complaint about it needs it: its envelope and the ciphertexts of its blobs. */
export interface SealedAgain {
  envelope: EnvelopeOf<'sealed'>;
  blobs?: readonly (Uint8Array | undefined)[];
}

/**
 * Reads a sealed entry applied earlier again, by reference (EngineOptions.rereadSealed); undefined if the reader no
 * longer has it with that leaf hash.
 */
export type RereadSealed = (ref: EntryRef) => SealedAgain | undefined;

/**
 * What a fold keeps of each sealed entry it applied: whether it read it, its audience, and, unless its reader can
 * read it again (RereadSealed), the entry itself. A streaming fold of 100,000 entries kept 85,000 envelopes (about
 * 100 MB the collector carried to the end) for the few complaints that may name one (docs/BENCHMARKS.md, session 17).
 */
interface SealedApplied {
  ref: EntryRef;
  read: boolean;
  audience: readonly string[];
  envelope?: EnvelopeOf<'sealed'>;
  blobs?: readonly (Uint8Array | undefined)[];
}

/**
 * A sealed entry opened with its content key (openSealed), its failure as the code of the error: what the engine
 * folds, computed here or ahead by the reader (EngineEntry.opening) with this same function. `aad`: the associated
 * data where the caller has it (openSealed's).
 */
export function openSealedEntry(
  sym: SymmetricSuite,
  sha256: Sha256,
  sealed: EnvelopeOf<'sealed'>,
  key: Uint8Array,
  aad?: Uint8Array,
): SealedOpening {
  return codeOnFailure(() => ({ plain: openSealed(sym, sha256, sealed, key, aad) }));
}

/**
 * openSealedEntry, with the opened body's canonical text: what a worker that opens ahead hands the reader, who
 * parses it to the same value (runtime/sealed-opener-worker.ts).
 */
export function openSealedEntryText(
  sym: SymmetricSuite,
  sha256: Sha256,
  sealed: EnvelopeOf<'sealed'>,
  key: Uint8Array,
  aad?: Uint8Array,
): { plain: Envelope; text: string } | { code: string } {
  return codeOnFailure(() => openSealedText(sym, sha256, sealed, key, aad));
}

/** `open()`'s result, or the code of the DetenteError it threw (the failure a fold charges). */
function codeOnFailure<T>(open: () => T): T | { code: string } {
  try {
    return open();
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return { code: err.code };
  }
}

/**
 * The sealed entries a node opened, by leaf hash, kept across its folds so that a refold does not decrypt again
 * (AES-GCM, the commitment, the parse of the body: most of what reading a sealed entry costs). An entry is found only
 * with the same ciphertext and the same content key as when it was opened; the leaf hash names the exact bytes of the
 * entry, and the two checks keep a reader that mislabels an entry from getting another's body. The regime's checks of
 * the opened entry (vocabularyProblems) still run on every fold. Bounded: past `max` entries, the oldest opened go.
 */
export class OpenedEntries {
  readonly #max: number;
  readonly #byLeaf = new Map<string, { ciphertext: string; key: Uint8Array; opening: Opening }>();

  constructor(max = 200_000) {
    this.#max = max;
  }

  get size(): number {
    return this.#byLeaf.size;
  }

  /** The kept opening of `sealed` (leaf `leafHash`) with `key`, if any. */
  get(leafHash: string, sealed: EnvelopeOf<'sealed'>, key: Uint8Array): Opening | undefined {
    const kept = this.#byLeaf.get(leafHash);
    if (kept && kept.ciphertext === sealed.body.ciphertext && (kept.key === key || equalBytes(kept.key, key))) {
      return kept.opening;
    }
    return undefined;
  }

  /** The opening of `sealed` (leaf `leafHash`) with `key`: the kept one, else `open()`'s, kept. */
  open(leafHash: string, sealed: EnvelopeOf<'sealed'>, key: Uint8Array, open: () => Opening): Opening {
    const found = this.get(leafHash, sealed, key);
    if (found) return found;
    const kept = this.#byLeaf.has(leafHash);
    const opening = open();
    if (kept) this.#byLeaf.delete(leafHash);
    else if (this.#byLeaf.size >= this.#max) this.#byLeaf.delete(this.#byLeaf.keys().next().value!);
    this.#byLeaf.set(leafHash, { ciphertext: sealed.body.ciphertext, key, opening });
    return opening;
  }
}

export class Confidential {
  readonly #sym: SymmetricSuite;
  readonly #sha256: Sha256;
  readonly #regime: Regime;
  readonly #read = new Map<string, number>();
  readonly #hidden = new Map<string, number>();
  /** The audiences met, each with its name ("ru,us"): a fold meets few, and names each entry's without a new string. */
  readonly #audiences: { parties: readonly string[]; name: string }[] = [];
  /**
   * Every sealed entry applied, by leaf hash: what a complaint names, and whether this fold read it (the reader gave
   * its content key; its audience then marks what rests on it) or could not. One map, as a fold may apply hundreds
   * of thousands of them.
   */
  readonly #sealed = new Map<string, SealedApplied>();
  /** Whether any sealed entry was read: else no finding rests on one. */
  #anyRead = false;
  /** Sealed entries already charged (by a reader's own check or a complaint): one finding each. */
  readonly #charged = new Set<string>();
  /**
   * Complaints applied before the sealed entry they name (it counts from its own receipts, which may come after the
   * complaint's), by that entry's leaf hash: checked when it arrives.
   */
  readonly #waiting = new Map<string, { entry: EngineEntry; ref: EntryRef }[]>();

  /** The openings kept across folds (a node's), if any. */
  readonly #opened: OpenedEntries | undefined;
  readonly #reread: RereadSealed | undefined;

  constructor(
    regime: Regime,
    sha256: Sha256,
    sym: SymmetricSuite = symmetricPortable,
    opened?: OpenedEntries,
    reread?: RereadSealed,
  ) {
    this.#regime = regime;
    this.#sha256 = sha256;
    this.#sym = sym;
    this.#opened = opened;
    this.#reread = reread;
  }

  get any(): boolean {
    return this.#read.size > 0 || this.#hidden.size > 0;
  }

  #audienceName(parties: readonly string[]): string {
    for (const a of this.#audiences) {
      if (sameAudienceAsWritten(a.parties, parties)) return a.name;
    }
    const name = parties.join(',');
    if (this.#audiences.length < 64) this.#audiences.push({ parties, name });
    return name;
  }

  /**
   * The plain entry a sealed one holds, if the reader gave its content key and it opens; else undefined (hidden,
   * or a finding through `emit`).
   */
  open(entry: EngineEntry, ref: EntryRef, emit: (f: FindingInput) => void): Envelope | undefined {
    const sealed = entry.envelope as EnvelopeOf<'sealed'>;
    const audience = this.#audienceName(sealed.body.audience);
    const read = entry.contentKey !== undefined;
    // Kept whole only for a reader that cannot read it again: a complaint about it needs its ciphertext.
    this.#sealed.set(
      ref.leafHash,
      this.#reread
        ? { ref, read, audience: sealed.body.audience }
        : { ref, read, audience: sealed.body.audience, envelope: sealed, blobs: entry.blobs },
    );
    const waiting = this.#waiting.get(ref.leafHash);
    if (waiting) {
      this.#waiting.delete(ref.leafHash);
      for (const w of waiting) this.complaint(w.entry, w.ref, emit);
    }
    if (!read) {
      this.#hidden.set(audience, (this.#hidden.get(audience) ?? 0) + 1);
      return undefined;
    }
    this.#read.set(audience, (this.#read.get(audience) ?? 0) + 1);
    this.#anyRead = true;
    const key = entry.contentKey!;
    const ahead = entry.opening;
    const open = (): Opening => ahead ?? openSealedEntry(this.#sym, this.#sha256, sealed, key);
    const opening = this.#opened ? this.#opened.open(ref.leafHash, sealed, key, open) : open();
    if ('code' in opening) {
      this.#undecryptable(sealed, ref, entry.countedAt, opening.code, [ref], emit);
      return undefined;
    }
    // The regime's names, checked on every fold: what is kept does not depend on the regime.
    if (vocabularyProblems(this.#regime, opening.plain).length) {
      this.#undecryptable(sealed, ref, entry.countedAt, 'SCHEMA_INVALID', [ref], emit);
      return undefined;
    }
    return opening.plain;
  }

  /**
   * The plain entry to fold for a sealed one that opened to `plain`: with the plain bytes of its blobs (an opening's
   * `blobs`, a declaration's `moreItems`) opened from the ciphertexts the reader holds (`entry.blobs`). A blob that
   * does not open to the bytes the body names is the author's fault, as a body is (`confidential.undecryptable`):
   * undefined, and the entry is not folded.
   */
  openBlobs(
    entry: EngineEntry,
    plain: Envelope,
    ref: EntryRef,
    emit: (f: FindingInput) => void,
  ): EngineEntry | undefined {
    const sealed = entry.envelope as EnvelopeOf<'sealed'>;
    // The entry's order fields with the plain envelope, one by one: a copy that leaves keys out ({ blobs, ...rest })
    // takes V8's slow path, once for each sealed entry of a fold.
    const out: EngineEntry = {
      origin: entry.origin,
      index: entry.index,
      leafHash: entry.leafHash,
      countedAt: entry.countedAt,
      envelope: plain,
    };
    if (!sealed.body.blobs) return out;
    let blobs: (Uint8Array | undefined)[];
    try {
      blobs = openSealedBlobs(this.#sym, this.#sha256, sealed, plain, entry.contentKey!, entry.blobs);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      this.#undecryptable(sealed, ref, entry.countedAt, err.code, [ref], emit);
      return undefined;
    }
    if (plain.type === 'declaration') {
      const moreItems = itemsOfBlobs(blobs);
      if (moreItems) out.moreItems = moreItems;
    } else out.blobs = blobs;
    return out;
  }

  /**
   * The audience check at fold time: an entry read for more parties than the regime lets read it (a sealed entry
   * whose audience is wider than its type's or rule's, or an entry in the clear of a type the regime keeps from the
   * public) is charged to its author (`confidential.audience-widened`). The entry is still folded: what it says
   * stands, only its author showed it to too many. A sealed entry this fold cannot read is its audience's to check.
   */
  checkAudience(entry: EngineEntry, plain: Envelope, ref: EntryRef, emit: (f: FindingInput) => void): void {
    const written: Audience = entry.envelope.type === 'sealed' ? entry.envelope.body.audience : PUBLIC;
    const allowed = regimeAudience(this.#regime, plain);
    if (withinAudience(written, allowed)) return;
    const name = (a: Audience) => (a === PUBLIC ? PUBLIC : [...a].sort().join(', '));
    emit({
      rule: 'confidential.audience-widened',
      key: keyOf(ref),
      party: plain.party,
      at: entry.countedAt,
      breaks: { kind: 'entry', id: plain.type },
      message: msg('confidential.audience-widened', {
        party: plain.party,
        type: plain.type,
        audience: name(written),
        allowed: name(allowed),
      }),
      refs: [ref],
    });
  }

  /** Whether `ref` is a sealed entry this fold could not read. */
  hides(ref: EntryRef): boolean {
    return this.#sealed.get(ref.leafHash)?.read === false;
  }

  #undecryptable(
    sealed: EnvelopeOf<'sealed'>,
    ref: EntryRef,
    at: number,
    reason: string,
    refs: EntryRef[],
    emit: (f: FindingInput) => void,
  ): void {
    if (this.#charged.has(ref.leafHash)) return;
    this.#charged.add(ref.leafHash);
    emit({
      rule: 'confidential.undecryptable',
      key: keyOf(ref),
      party: sealed.party,
      at,
      breaks: { kind: 'entry', id: sealed.body.type },
      message: msg('confidential.undecryptable', { party: sealed.party, type: sealed.body.type, reason }),
      refs,
    });
  }

  /**
   * A complaint, checked from public data (checkComplaint): the author is charged when the revealed key is the one
   * it committed to and does not open the entry to a valid body; otherwise the complainant, for a false complaint.
   * Every view reaches the same verdict, readers or not.
   */
  complaint(entry: EngineEntry, ref: EntryRef, emit: (f: FindingInput) => void): void {
    const complaint = entry.envelope as EnvelopeOf<'complaint'>;
    const target = this.#sealed.get(complaint.body.entry.leafHash);
    if (!target) {
      // Not applied yet (or never): checked if and when it is; a complaint about no sealed entry shows nothing.
      const key = complaint.body.entry.leafHash;
      this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), { entry, ref }]);
      return;
    }
    const sealed = this.#wholeOf(target);
    const { verdict, reason } = checkComplaint(
      this.#sym,
      this.#sha256,
      this.#regime,
      sealed.envelope,
      complaint.body.contentKey,
      sealed.blobs,
    );
    if (verdict === 'undecryptable') {
      this.#undecryptable(sealed.envelope, target.ref, entry.countedAt, reason, [target.ref, ref], emit);
      return;
    }
    emit({
      rule: 'confidential.false-complaint',
      key: keyOf(ref),
      party: complaint.party,
      at: entry.countedAt,
      breaks: { kind: 'entry', id: 'complaint' },
      message: msg('confidential.false-complaint', { party: complaint.party, author: sealed.envelope.party, reason }),
      refs: [ref, target.ref],
    });
  }

  /** A sealed entry applied, whole: as kept, or read again by the reader (it was applied, so the reader has it). */
  #wholeOf(applied: SealedApplied): SealedAgain {
    if (applied.envelope) return { envelope: applied.envelope, blobs: applied.blobs };
    const again = this.#reread!(applied.ref);
    if (!again) {
      throw new DetenteError(
        'STORE_ERROR',
        `sealed entry ${applied.ref.origin} ${applied.ref.index} was folded but cannot be read again`,
      );
    }
    return again;
  }

  /**
   * Each finding that rests on a sealed entry, with the parties who can see it: those of every sealed entry it cites
   * (`refs`) or rests on without citing (`restsOn`: the opening that placed an item an observation shows moved). The
   * intersection, so that only parties who may read all of its evidence see it. `restsOn` is the engine's own and
   * leaves here.
   */
  annotate(findings: Finding[]): Finding[] {
    return findings.map(({ restsOn, ...f }) => {
      const audience = this.#anyRead ? this.#audienceOfEvidence(f, restsOn) : undefined;
      return audience ? { ...f, audience: [...audience] } : f;
    });
  }

  #audienceOfEvidence(f: Finding, restsOn: readonly EntryRef[] | undefined): readonly string[] | undefined {
    // Findings about a ciphertext rest on public data (the ciphertext, a revealed key), not on a body.
    if (f.rule === 'confidential.undecryptable' || f.rule === 'confidential.false-complaint') return undefined;
    return this.#audienceOfRefs(restsOn ? [...f.refs, ...restsOn] : f.refs);
  }

  /** The parties who may read every sealed entry among `refs` (undefined when none is sealed: public). */
  #audienceOfRefs(refs: readonly EntryRef[]): readonly string[] | undefined {
    let audience: readonly string[] | undefined;
    for (const r of refs) {
      const sealed = this.#sealed.get(r.leafHash);
      const a = sealed?.read ? sealed.audience : undefined;
      if (a) audience = audience ? audience.filter((p) => a.includes(p)) : a;
    }
    return audience;
  }

  /**
   * The state's changes that were never notified, each with the audience of what it rests on (its evidence and the
   * entries that placed its items), as the finding about it has; `restsOn` leaves here.
   */
  annotateMissing(state: NotificationsState): NotificationsState {
    const missing = state.missing.map(({ restsOn, ...m }) => {
      const audience = this.#anyRead ? this.#audienceOfRefs([...m.evidence, ...(restsOn ?? [])]) : undefined;
      return audience ? { ...m, audience: [...audience] } : m;
    });
    return { ...state, missing };
  }

  state(): ConfidentialState {
    const list = (m: Map<string, number>) =>
      [...m].sort(([a], [b]) => byString(a, b)).map(([audience, entries]) => ({ audience, entries }));
    return { read: list(this.#read), hidden: list(this.#hidden) };
  }
}
