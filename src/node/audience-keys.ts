/**
 * A node's audience keys (issue 14): the key its party seals entries with, one per audience and period, published
 * once as an `audience-key` entry wrapped for each party of the audience; and the keys of other parties' (and its
 * own earlier) `audience-key` entries, opened with the party's recipient keys. A key the node lacks is named once
 * in the log and the node keeps running: it cannot read what was sealed for that key.
 */

import { toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { AUDIENCE_KEY_BYTES, ENCAPSULATION_RANDOM_BYTES, type SymmetricSuite } from '../crypto/hpke/index.js';
import {
  type AudienceKeyBody,
  audienceKeyBody,
  decodeEntry,
  type EntryRef,
  type Envelope,
  type EnvelopeOf,
  openAudienceKey,
  type Party,
  type Regime,
  recipientKeyOf,
  regimeIndex,
  sealedContentKey,
} from '../model/index.js';
import type { LogStore } from '../store/store.js';
import type { Rfc6962Hasher } from '../tlog/hasher.js';

export interface AudienceKeysOptions {
  regime: Regime;
  party: Party;
  sym: SymmetricSuite;
  /** The party's recipient private keys on this node, by key id. */
  privateKeys: ReadonlyMap<string, Uint8Array>;
  /** The party's own log, searched for an audience key published before a restart. */
  store: LogStore;
  hasher: Rfc6962Hasher;
  /** Appends an `audience-key` entry to the own log and answers with its reference. */
  publish: (body: AudienceKeyBody, issuedAt: string) => Promise<EntryRef>;
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * The randomness of new audience keys and of their HPKE encapsulations, by purpose. Default: the CSPRNG. Only an
   * exercise passes its own (exerciseRandom), so that a federation writes the bytes of a direct play; anyone who
   * knows it can read every audience key.
   */
  random?: RandomSource;
}

/** How many audiences (as requests list them) readyForSealing remembers the ids of. */
const KNOWN_AUDIENCES = 1024;

/** Random bytes for a purpose: fills `out`. */
export type RandomSource = (purpose: string) => (out: Uint8Array) => void;

/** The purposes an audience key's randomness is drawn for: the key, and each recipient's encapsulation. */
export function audienceKeyPurposes(audience: readonly string[], period: string) {
  const base = `audience-key/${[...audience].sort().join(',')}/${period}`;
  return { key: base, encapsulation: (recipient: string) => `${base}/${recipient}` };
}

/**
 * A new audience key and its `audience-key` body, wrapped for each party of `audience`; with `random`, the same bytes
 * each time (exercises: the node and the direct play make the same entry).
 */
export async function newAudienceKey(
  regime: Regime,
  author: string,
  audience: readonly string[],
  period: string,
  random?: RandomSource,
): Promise<{ key: Uint8Array; body: AudienceKeyBody }> {
  const purposes = audienceKeyPurposes(audience, period);
  const draw = (purpose: string, n: number) => {
    const out = new Uint8Array(n);
    if (random) random(purpose)(out);
    else crypto.getRandomValues(out);
    return out;
  };
  const key = draw(purposes.key, AUDIENCE_KEY_BYTES);
  const body = await audienceKeyBody(regime, author, audience, period, key, (recipient) =>
    draw(purposes.encapsulation(recipient), ENCAPSULATION_RANDOM_BYTES),
  );
  return { key, body };
}

/** The period of an entry's audience key: the UTC year of its issuedAt. */
export function keyPeriod(issuedAt: string): string {
  return issuedAt.slice(0, 4);
}

export class AudienceKeys {
  readonly #o: AudienceKeysOptions;
  readonly #sealing = new Map<string, Promise<{ ref: EntryRef; key: Uint8Array }>>();
  /** The audience keys forSealing has given, by the same id. */
  readonly #ready = new Map<string, { ref: EntryRef; key: Uint8Array }>();
  readonly #opened = new Map<string, Promise<Uint8Array | undefined>>();
  readonly #warned = new Set<string>();
  /** Audience keys opened (or found unreadable: null), by the leaf hash of their entry: for the synchronous fold. */
  readonly #resolved = new Map<string, Uint8Array | null>();
  readonly #contentKeys = new Map<string, Uint8Array>();
  readonly #ids = new Map<string, { audience: string; recipients: string } | null>();

  constructor(options: AudienceKeysOptions) {
    this.#o = options;
  }

  /** The key the party seals entries for `audience` issued at `issuedAt` with, and its `audience-key` entry. */
  forSealing(unsorted: readonly string[], issuedAt: string): Promise<{ ref: EntryRef; key: Uint8Array }> {
    // As the entry lists it (sorted), so that the key published before a restart is found again.
    const audience = [...unsorted].sort();
    const period = keyPeriod(issuedAt);
    const recipients = audience.map((p) => recipientKeyOf(this.#o.regime, p).id);
    const id = `${audience.join(',')}\n${period}\n${recipients.join(',')}`;
    let entry = this.#sealing.get(id);
    if (!entry) {
      entry = this.#findOrPublish(audience, period, recipients, issuedAt);
      // A failed publication is not remembered: the next submission tries again.
      // Its reference with its keys in canonical order (index, leafHash, origin): every sealed entry of the period
      // names it, and a reference already in order is not copied to be written (model/confidential.ts keysInOrder).
      entry.then(
        ({ ref, key }) =>
          this.#ready.set(id, { ref: { index: ref.index, leafHash: ref.leafHash, origin: ref.origin }, key }),
        () => this.#sealing.delete(id),
      );
      this.#sealing.set(id, entry);
    }
    return entry;
  }

  /**
   * What forSealing gives, if it has already given it (synchronous; undefined otherwise, or for an audience with a
   * party that has no recipient key): lets a submission be checked, sealed and signed in one step, and never
   * publishes a key for a submission not yet checked.
   */
  readyForSealing(unsorted: readonly string[], issuedAt: string): { ref: EntryRef; key: Uint8Array } | undefined {
    const ids = this.#idsOf(unsorted);
    return ids && this.#ready.get(`${ids.audience}\n${keyPeriod(issuedAt)}\n${ids.recipients}`);
  }

  /**
   * An audience sorted and its parties' recipient keys, as the ids of forSealing join them; undefined if a party
   * has none. Remembered by the audience as given: every sealed submission asks (the regime does not change).
   */
  #idsOf(unsorted: readonly string[]): { audience: string; recipients: string } | undefined {
    const given = unsorted.join(',');
    let ids = this.#ids.get(given);
    if (ids === undefined) {
      const audience = [...unsorted].sort();
      try {
        ids = {
          audience: audience.join(','),
          recipients: audience.map((p) => recipientKeyOf(this.#o.regime, p).id).join(','),
        };
      } catch {
        ids = null;
      }
      // Audiences come from requests: bounded, as a user could name any number of them.
      if (this.#ids.size >= KNOWN_AUDIENCES) this.#ids.clear();
      this.#ids.set(given, ids);
    }
    return ids ?? undefined;
  }

  async #findOrPublish(audience: readonly string[], period: string, recipients: string[], issuedAt: string) {
    const o = this.#o;
    // After a restart: the key published before, if the party's recipient key still opens it.
    for (let index = (o.store.head()?.size ?? 0) - 1; index >= 0; index--) {
      const leaf = o.store.entry(index)!;
      const { envelope } = decodeEntry(leaf);
      if (envelope.type !== 'audience-key' || envelope.body.period !== period) continue;
      if (envelope.body.audience.join(',') !== audience.join(',')) continue;
      // Wrapped in audience order: after a rotation, the old entry names the old key and is not reused.
      if (envelope.body.wraps.map((w) => w.recipient).join(',') !== recipients.join(',')) continue;
      const ref = { origin: o.store.origin, index, leafHash: toHex(o.hasher.hashLeaf(leaf)) };
      const key = await this.read(ref, envelope);
      if (key) return { ref, key };
    }
    const { key, body } = await newAudienceKey(o.regime, o.party.id, audience, period, o.random);
    const ref = await o.publish(body, issuedAt);
    this.#opened.set(ref.leafHash, Promise.resolve(key));
    this.#resolved.set(ref.leafHash, key);
    return { ref, key };
  }

  /**
   * The audience key of an `audience-key` entry, if the party is in its audience and the node holds the recipient
   * key it was wrapped for; otherwise undefined (a missing key is logged once, by id).
   */
  read(ref: EntryRef, entry: EnvelopeOf<'audience-key'>): Promise<Uint8Array | undefined> {
    let key = this.#opened.get(ref.leafHash);
    if (!key) {
      key = this.#open(entry).then((k) => {
        this.#resolved.set(ref.leafHash, k ?? null);
        return k;
      });
      this.#opened.set(ref.leafHash, key);
    }
    return key;
  }

  /** Opens every audience key of `entries` the party may read and has not opened yet. */
  async readAll(entries: Iterable<{ origin: string; index: number; leafHash: string; envelope: Envelope }>) {
    const pending: Promise<unknown>[] = [];
    for (const e of entries) {
      if (e.envelope.type !== 'audience-key' || this.#resolved.has(e.leafHash)) continue;
      if (!e.envelope.body.audience.includes(this.#o.party.id)) continue;
      pending.push(this.read({ origin: e.origin, index: e.index, leafHash: e.leafHash }, e.envelope));
    }
    await Promise.all(pending);
  }

  /**
   * A sealed entry's content key, if the audience key it names was opened (readAll); else undefined. The same
   * object each time for an entry (`leafHash`), so that a fold can tell whether it already read the entry with it.
   */
  contentKey(leafHash: string, sealed: EnvelopeOf<'sealed'>): Uint8Array | undefined {
    let derived = this.#contentKeys.get(leafHash);
    if (!derived) {
      const key = this.#resolved.get(sealed.body.keys.leafHash);
      if (!key) return undefined;
      derived = sealedContentKey(this.#o.sym, sealed, key);
      this.#contentKeys.set(leafHash, derived);
    }
    return derived;
  }

  async #open(entry: EnvelopeOf<'audience-key'>): Promise<Uint8Array | undefined> {
    const o = this.#o;
    if (!entry.body.audience.includes(o.party.id)) return undefined;
    const ix = regimeIndex(o.regime);
    try {
      return await openAudienceKey(o.regime.id, entry, o.party.id, o.privateKeys, (id) => ix.keys.get(id)?.party.id);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      const wrap = entry.body.wraps.find((w) => ix.keys.get(w.recipient)?.party.id === o.party.id);
      const what = wrap ? `recipient key "${wrap.recipient}"` : 'a recipient key';
      if (!this.#warned.has(what)) {
        this.#warned.add(what);
        o.logger?.('warn', `cannot read entries sealed for ${what}: ${err.message}`);
      }
      return undefined;
    }
  }
}
