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
import { codeOnFailure, DetenteError } from '../crypto/errors.js';
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
  PUBLIC,
  type Regime,
  regimeAudience,
  sameAudienceAsWritten,
  vocabularyProblems,
  withinAudience,
} from '../model/index.js';
import type { Finding, FindingInput } from './findings.js';
import { keyOf } from './findings.js';
import { LeafIndex, roomFor } from './leaf-index.js';
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

/** Audiences compared as written before their names are looked up: a fold meets few. */
const SCANNED_AUDIENCES = 64;

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
  /** The audiences met, each with its name ("ru,us"), numbered in order of first sight. */
  readonly #audiences: { parties: readonly string[]; name: string }[] = [];
  readonly #audienceIds = new Map<string, number>();
  /** The engine's numbers of the entries it holds (a reference's entry, by number). */
  readonly #leaves: LeafIndex;
  /**
   * Every sealed entry applied, by log and index (LeafIndex numbers): 0 for an entry that is not sealed, else its
   * audience's number + 1, doubled, plus 1 if this fold read it (the reader gave its content key; its audience then
   * marks what rests on it). What a complaint or a finding's evidence names. Slots in typed arrays rather than a map
   * of objects by leaf hash: a fold applies hundreds of thousands, and the map cost a streaming fold about a tenth
   * of its time, in Map.set and in the collector's work (docs/BENCHMARKS.md, session 17).
   */
  readonly #slots: Uint32Array[] = [];
  /**
   * The sealed entries applied, whole, by number, for a reader that cannot read them again (a complaint about one
   * needs its ciphertext); none with RereadSealed. A streaming fold of 100,000 entries kept 85,000 envelopes, about
   * 100 MB that the collector carried to the end.
   */
  readonly #whole = new Map<number, SealedAgain>();
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

  constructor(o: {
    regime: Regime;
    leaves: LeafIndex;
    sha256: Sha256;
    sym?: SymmetricSuite;
    opened?: OpenedEntries;
    reread?: RereadSealed;
  }) {
    this.#regime = o.regime;
    this.#leaves = o.leaves;
    this.#sha256 = o.sha256;
    this.#sym = o.sym ?? symmetricPortable;
    this.#opened = o.opened;
    this.#reread = o.reread;
  }

  get any(): boolean {
    return this.#read.size > 0 || this.#hidden.size > 0;
  }

  /** The number of an audience as written (the same parties in the same order), without a new string if met. */
  #audienceId(parties: readonly string[]): number {
    const scanned = Math.min(this.#audiences.length, SCANNED_AUDIENCES);
    for (let i = 0; i < scanned; i++) if (sameAudienceAsWritten(this.#audiences[i]!.parties, parties)) return i;
    const name = parties.join(',');
    let id = this.#audienceIds.get(name);
    if (id === undefined) {
      id = this.#audiences.length;
      this.#audiences.push({ parties, name });
      this.#audienceIds.set(name, id);
    }
    return id;
  }

  #setSlot(num: number, slot: number): void {
    const [log, index] = LeafIndex.split(num);
    const slots = roomFor(this.#slots[log] ?? new Uint32Array(1024), index);
    slots[index] = slot;
    this.#slots[log] = slots;
  }

  #slotAt(num: number): number {
    const [log, index] = LeafIndex.split(num);
    return this.#slots[log]?.[index] ?? 0;
  }

  /** The slot of the entry a reference names: 0 unless it names a sealed entry applied, as the reference is written. */
  #slotOf(ref: EntryRef): number {
    const num = this.#leaves.num(ref);
    return num === undefined ? 0 : this.#slotAt(num);
  }

  /**
   * The plain entry a sealed one holds, if the reader gave its content key and it opens; else undefined (hidden,
   * or a finding through `emit`).
   */
  open(entry: EngineEntry, ref: EntryRef, num: number, emit: (f: FindingInput) => void): Envelope | undefined {
    const sealed = entry.envelope as EnvelopeOf<'sealed'>;
    const id = this.#audienceId(sealed.body.audience);
    const audience = this.#audiences[id]!.name;
    const read = entry.contentKey !== undefined;
    this.#setSlot(num, 2 * (id + 1) + (read ? 1 : 0));
    if (!this.#reread) this.#whole.set(num, { envelope: sealed, blobs: entry.blobs });
    const waiting = this.#waiting.size ? this.#waiting.get(ref.leafHash) : undefined;
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
    const slot = this.#slotOf(ref);
    return slot !== 0 && (slot & 1) === 0;
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
    const num = this.#leaves.num(complaint.body.entry);
    if (num === undefined || this.#slotAt(num) === 0) {
      // Not applied yet (or never): checked if and when it is; a complaint about no sealed entry shows nothing.
      const key = complaint.body.entry.leafHash;
      this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), { entry, ref }]);
      return;
    }
    const target = this.#leaves.ref(num);
    const sealed = this.#wholeOf(num, target);
    const { verdict, reason } = checkComplaint(
      this.#sym,
      this.#sha256,
      this.#regime,
      sealed.envelope,
      complaint.body.contentKey,
      sealed.blobs,
    );
    if (verdict === 'undecryptable') {
      this.#undecryptable(sealed.envelope, target, entry.countedAt, reason, [target, ref], emit);
      return;
    }
    emit({
      rule: 'confidential.false-complaint',
      key: keyOf(ref),
      party: complaint.party,
      at: entry.countedAt,
      breaks: { kind: 'entry', id: 'complaint' },
      message: msg('confidential.false-complaint', { party: complaint.party, author: sealed.envelope.party, reason }),
      refs: [ref, target],
    });
  }

  /** A sealed entry applied, whole: as kept, or read again by the reader (it was applied, so the reader has it). */
  #wholeOf(num: number, ref: EntryRef): SealedAgain {
    const again = this.#reread ? this.#reread(ref) : this.#whole.get(num);
    if (!again) {
      throw new DetenteError(
        'STORE_ERROR',
        `sealed entry ${ref.origin} ${ref.index} was folded but cannot be read again`,
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
      const slot = this.#slotOf(r);
      const a = slot & 1 ? this.#audiences[(slot >> 1) - 1]!.parties : undefined;
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
