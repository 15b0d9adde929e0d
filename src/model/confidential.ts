/**
 * Confidential entries in the model (issue 14; docs/MODEL.md, Confidentiality): which audience the regime gives an
 * entry, sealing an entry's body into a `sealed` entry and opening it again, and audience keys wrapped for the
 * recipient keys the regime lists. The cryptography is src/crypto/hpke.
 */
import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson, canonicalJsonBytes } from '../crypto/canonical-json.js';
import { DetenteError } from '../crypto/errors.js';
import {
  AUDIENCE_KEY_BYTES,
  COMMITMENT_SALT_BYTES,
  contentKey,
  ENTRY_ID_BYTES,
  keyCommitment,
  openBlob,
  openBody,
  recipientKeyPair,
  type SymmetricSuite,
  sealBlob,
  sealBodyWith,
  unwrapKey,
  wrapKey,
} from '../crypto/hpke/index.js';
import type { Sha256 } from '../crypto/sha256.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { problemsError } from './common.js';
import type { AudienceKeyBody, BlobRef, EntryRef, Envelope, EnvelopeOf } from './entries/index.js';
import { vocabularyProblems } from './entries/vocabulary.js';
import { type EntrySigner, type PreparedEntry, parseEnvelope, prepareEntry } from './envelope.js';
import { type Audience, CONFIDENTIAL_TYPES, type ConfidentialType, PUBLIC, withinAudience } from './regime/audience.js';
import { regimeIndex } from './regime/index.js';
import type { Regime } from './regime/schema.js';
import { CIPHERTEXT_MEMBER, checkKeyCommitment, commitsTo, sealedAad } from './sealed-text.js';

export {
  openCheckedSealedText,
  sealedAad,
  sealedAadTextOf,
  sealedContentKey,
  sealedMembersOf,
} from './sealed-text.js';

const CONFIDENTIAL = new Set<string>(CONFIDENTIAL_TYPES);

export function isConfidentialType(type: string): type is ConfidentialType {
  return CONFIDENTIAL.has(type);
}

/**
 * The widest audience the regime allows an entry (in the clear): its notification rule's or inspection type's
 * `audience`, else the first `audiences` rule for its type and author, else public. An acknowledgement names only
 * its notification by reference, so it takes the `audiences` rule of its type.
 */
export function regimeAudience(regime: Regime, envelope: Envelope): Audience {
  const ix = regimeIndex(regime);
  if (envelope.type === 'notification') {
    const audience = ix.notifications.get(envelope.body.rule)?.audience;
    if (audience !== undefined) return audience;
  }
  if (envelope.type === 'inspection-request' || envelope.type === 'inspection-report') {
    const audience = ix.inspections.get(envelope.body.inspection)?.audience;
    if (audience !== undefined) return audience;
  }
  // A mission's lists name their inspection type; its later steps name only a request (an `audiences` rule).
  if (envelope.type === 'mission' && envelope.body.step === 'lists') {
    const audience = ix.inspections.get(envelope.body.inspection)?.audience;
    if (audience !== undefined) return audience;
  }
  // An escrowed declaration's body holds its commitment and committed totals only, never an item: the aggregates
  // the public is owed (its items reach the counterpart in sealed openings).
  if (envelope.type === 'declaration' && envelope.body.form === 'escrowed') return PUBLIC;
  for (const rule of regime.audiences ?? []) {
    if (
      (rule.types as readonly string[]).includes(envelope.type) &&
      (!rule.parties || rule.parties.includes(envelope.party))
    )
      return rule.audience;
  }
  return PUBLIC;
}

/**
 * The audience an entry is written for: the regime's, or a narrower one the author asks for (`requested`).
 * SCHEMA_INVALID naming `$.audience` when the type cannot be confidential, a party is unknown or named twice, the
 * author is left out, or the request widens the regime's audience.
 */
export function entryAudience(regime: Regime, envelope: Envelope, requested?: Audience): Audience {
  const allowed = regimeAudience(regime, envelope);
  if (requested === undefined) return allowed;
  const refuse = (message: string): never => {
    throw problemsError('SCHEMA_INVALID', 'entry refused', [{ path: '$.audience', message }]);
  };
  if (requested !== PUBLIC) {
    if (!isConfidentialType(envelope.type)) refuse(`a "${envelope.type}" entry is always public`);
    const ix = regimeIndex(regime);
    const unknown = requested.filter((p) => !ix.parties.has(p));
    if (unknown.length) refuse(`unknown party "${unknown[0]}" (not in regime "${regime.id}")`);
    if (new Set(requested).size !== requested.length) refuse('a party is listed twice');
    if (!requested.includes(envelope.party)) refuse(`leaves out the author "${envelope.party}"`);
  }
  if (!withinAudience(requested, allowed)) {
    refuse(
      `widens the regime's audience ${allowed === PUBLIC ? PUBLIC : allowed.join(', ')}: an entry may only narrow it`,
    );
  }
  return requested === PUBLIC ? requested : [...requested].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Audience keys

/** The HPKE info of one wrapped copy: regime, author, audience, period and recipient key. */
export function audienceKeyPurpose(regimeId: string, author: string, audience: readonly string[], period: string) {
  return (recipientKey: string) => `${regimeId}\n${author}\n${audience.join(',')}\n${period}\n${recipientKey}`;
}

/**
 * The body of an `audience-key` entry: `audienceKey` wrapped for one recipient key of each party of the audience
 * (the newest the regime lists for it: after a rotation, the new key). KEY_UNKNOWN if a party has none.
 */
export async function audienceKeyBody(
  regime: Regime,
  author: string,
  audience: readonly string[],
  period: string,
  audienceKey: Uint8Array,
  encapsulationRandom?: (recipientKeyId: string) => Uint8Array,
): Promise<AudienceKeyBody> {
  const sorted = [...audience].sort();
  const purpose = audienceKeyPurpose(regime.id, author, sorted, period);
  const wraps = [];
  for (const party of sorted) {
    const key = recipientKeyOf(regime, party);
    const random = encapsulationRandom?.(key.id);
    const wrapped = await wrapKey(audienceKey, fromBase64(key.publicKey!), purpose(key.id), random);
    wraps.push({ recipient: key.id, enc: toBase64(wrapped.enc), key: toBase64(wrapped.ciphertext) });
  }
  return { audience: sorted, period, wraps };
}

/** A party's current recipient key: the last the regime lists for it. */
export function recipientKeyOf(regime: Regime, party: string) {
  const keys =
    regimeIndex(regime)
      .parties.get(party)
      ?.keys.filter((k) => k.roles.includes('recipient')) ?? [];
  const key = keys.at(-1);
  if (!key?.publicKey) {
    throw new DetenteError('KEY_UNKNOWN', `party "${party}" has no recipient key in regime "${regime.id}"`);
  }
  return key;
}

/**
 * The audience key of an `audience-key` entry, opened with one of the reader's recipient keys (`privateKeys` by
 * key id). KEY_UNKNOWN naming the key the entry was wrapped for when the reader does not hold it; DECRYPTION_FAILED
 * when the copy does not open.
 */
export async function openAudienceKey(
  regimeId: string,
  entry: EnvelopeOf<'audience-key'>,
  reader: string,
  privateKeys: ReadonlyMap<string, Uint8Array>,
  recipientKeyParty: (keyId: string) => string | undefined,
): Promise<Uint8Array> {
  const { audience, period, wraps } = entry.body;
  const purpose = audienceKeyPurpose(regimeId, entry.party, audience, period);
  const mine = wraps.find((w) => recipientKeyParty(w.recipient) === reader);
  if (!mine) throw new DetenteError('KEY_UNKNOWN', `no key is wrapped for "${reader}" in this audience key`);
  const privateKey = privateKeys.get(mine.recipient);
  if (!privateKey) throw new DetenteError('KEY_UNKNOWN', `recipient key "${mine.recipient}" is not on this node`);
  const key = await unwrapKey(
    { enc: fromBase64(mine.enc), ciphertext: fromBase64(mine.key) },
    privateKey,
    purpose(mine.recipient),
  );
  if (key.length !== AUDIENCE_KEY_BYTES) throw new DetenteError('CIPHERTEXT_MALFORMED', 'audience key: not 32 bytes');
  return key;
}

/** Checks a recipient private key against the regime's public key (KEY_UNKNOWN if it is not its private half). */
export async function checkRecipientKey(regime: Regime, keyId: string, privateKey: Uint8Array): Promise<void> {
  const held = regimeIndex(regime).keys.get(keyId);
  if (!held?.key.roles.includes('recipient') || !held.key.publicKey) {
    throw new DetenteError('KEY_UNKNOWN', `"${keyId}" is not a recipient key of regime "${regime.id}"`);
  }
  const pair = await recipientKeyPair(privateKey);
  if (toBase64(pair.publicKey) !== held.key.publicKey) {
    throw new DetenteError('KEY_UNKNOWN', `the private key of "${keyId}" is not the private half of its public key`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sealed entries

export interface SealOptions {
  audience: readonly string[];
  /** The author's `audience-key` entry for this audience and period, and the key it wraps. */
  keys: EntryRef;
  audienceKey: Uint8Array;
  /** 16 and 32 fresh random bytes (the caller's: the exercise derives them from its seed). */
  id: Uint8Array;
  salt: Uint8Array;
  /** The sealed entry's ciphertext blobs (sealEntryBlobs), named in its public envelope. */
  blobs?: readonly BlobRef[];
}

const SEALING_INFO = utf8('detente/sealing-randomness/v2');

/**
 * An entry's id and commitment salt: the first 16 and the next 32 bytes of HMAC-SHA512 under the audience key of
 * `detente/sealing-randomness/v2` ‖ the plain entry's signed message. Pseudo-random to anyone without the audience
 * key (the HMAC is a PRF), and the same for the same entry, so that submitting one entry twice seals it to the same
 * bytes (the node's duplicate check holds) and a replayed exercise gives the same log. Only the author ever derives
 * them (readers take the id from the envelope and the salt from the plaintext), so the derivation is the author's
 * choice: v1 ran HKDF-SHA256 (three HMACs and a hash of the message), a sixth of a sealing job's extra cost; one
 * HMAC is a third of that (docs/BENCHMARKS.md, issue 14, session 10).
 */
export function sealingRandomness(sym: SymmetricSuite, audienceKey: Uint8Array, message: Uint8Array) {
  const okm = sym.hmacSha512(audienceKey, SEALING_INFO, message);
  return { id: okm.slice(0, ENTRY_ID_BYTES), salt: okm.slice(ENTRY_ID_BYTES, ENTRY_ID_BYTES + COMMITMENT_SALT_BYTES) };
}

/**
 * A flat object (a reference) with its keys in canonical order: the same value, the same canonical bytes. The object
 * itself when they are in order already; else a copy, written key by key (Object.entries, sort and fromEntries cost
 * a sealed submission about 2 µs a reference).
 */
function keysInOrder<T extends object>(o: T): T {
  const keys = Object.keys(o);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i++) ordered = keys[i - 1]! < keys[i]!;
  if (ordered) return o;
  keys.sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
}

const BODY_OPEN = utf8('{"body":');
const ISSUED_AT = utf8(',"issuedAt":');

/**
 * Where the body of a canonical envelope ends: at the envelope's own `,"issuedAt":` (the last one: after it come
 * only issuedAt, key, party, refs, type and v, none of which holds such a member, and a string cannot hold an
 * unescaped quote); -1 when the text does not open with `{"body":` or names no issuedAt. Compared in place, byte by
 * byte, from the end: the tail is short.
 */
function bodyEndOf(c: Uint8Array): number {
  for (let i = 0; i < BODY_OPEN.length; i++) if (c[i] !== BODY_OPEN[i]) return -1;
  search: for (let at = c.length - ISSUED_AT.length; at > BODY_OPEN.length; at--) {
    for (let i = 0; i < ISSUED_AT.length; i++) if (c[at + i] !== ISSUED_AT[i]) continue search;
    return at;
  }
  return -1;
}

/**
 * The canonical JSON of a prepared entry's body, cut from its canonical envelope: the bytes from `{"body":` to the
 * envelope's own `,"issuedAt":` (bodyEndOf). Canonicalising the body again costs a sealed submission about a sixth of
 * its worker's time (a body in zod's key order takes canonicalJson's slow path).
 */
export function bodyOfPrepared(prepared: PreparedEntry): Uint8Array {
  const end = bodyEndOf(prepared.canonical);
  return end < 0 ? canonicalJsonBytes(prepared.envelope.body) : prepared.canonical.slice(BODY_OPEN.length, end);
}

const TYPE_MEMBER = ',"type":"';
const decoder = new TextDecoder();

/**
 * The canonical text of a sealed envelope after its body (`,"issuedAt":…,"type":"sealed",…}`), cut from the plain
 * entry's canonical JSON (whose body ends at `bodyEnd`): the same members, but for the type. The envelope's type is
 * its last `,"type":"` member (after it comes only `v`; an earlier one is a reference's); undefined when the text
 * does not name the plain entry's type there.
 */
function sealedTailOf(c: Uint8Array, bodyEnd: number, type: string): string | undefined {
  const tail = decoder.decode(c.subarray(bodyEnd));
  const at = tail.lastIndexOf(TYPE_MEMBER) + TYPE_MEMBER.length;
  if (at < TYPE_MEMBER.length || !tail.startsWith(`${type}"`, at)) return undefined;
  return `${tail.slice(0, at)}sealed${tail.slice(at + type.length)}`;
}

/** The sealed entry of a plain one (unsigned): same party, key, time and references; body encrypted. */
export function sealEntry(sym: SymmetricSuite, sha256: Sha256, plain: Envelope, o: SealOptions): EnvelopeOf<'sealed'> {
  return sealParts(sym, sha256, plain, o).envelope;
}

/**
 * sealEntry's envelope, with its canonical text on either side of the base64 ciphertext: `head` (to the opening quote
 * of `"ciphertext":"`) and `rest`, so that the associated data's text is head + rest and the entry's head + ciphertext
 * + rest, written without walking and copying the entry's two kilobytes again. The body's members are written by
 * canonicalJson of `{body}` (so that a value it refuses is named as in the whole envelope, `$.body…`); the members
 * after it are `cut.tail`, where the caller cut them from the plain entry's canonical JSON (sealedTailOf), else
 * written; `cut.bodyBytes`, the body's canonical JSON cut from there too.
 */
function sealParts(
  sym: SymmetricSuite,
  sha256: Sha256,
  plain: Envelope,
  o: SealOptions,
  cut?: { bodyBytes: Uint8Array; tail?: string },
) {
  if (!isConfidentialType(plain.type)) {
    throw problemsError('SCHEMA_INVALID', 'entry refused', [
      { path: '$.audience', message: `a "${plain.type}" entry is always public` },
    ]);
  }
  if (o.id.length !== ENTRY_ID_BYTES || o.salt.length !== COMMITMENT_SALT_BYTES) {
    throw new DetenteError('BAD_INPUT', 'sealEntry: expected a 16-byte id and a 32-byte salt');
  }
  const key = contentKey(sym, o.audienceKey, o.id);
  const bodyBytes = cut?.bodyBytes ?? canonicalJsonBytes(plain.body);
  const tail = cut?.tail;
  const { issuedAt, key: signingKey, party, refs, type, v } = plain;
  // Keys in canonical order (the bytes do not depend on it), so that canonical JSON takes its fast path (native
  // JSON.stringify), here and wherever the entry is canonicalised again.
  const body: EnvelopeOf<'sealed'>['body'] = {
    audience: [...o.audience].sort(),
    ...(o.blobs?.length ? { blobs: o.blobs.map(keysInOrder) } : {}),
    ciphertext: '',
    commitment: '',
    id: toBase64(o.id),
    keyCommitment: toHex(keyCommitment(sha256, key)),
    keys: keysInOrder(o.keys),
    type,
  };
  let head = '';
  let rest = '';
  // The commitment is part of the associated data, and depends only on salt and body.
  const sealed = sealBodyWith(sym, sha256, key, o.salt, bodyBytes, (commitment) => {
    body.commitment = toHex(commitment);
    // `{"body":{…,"ciphertext":"",…}}`: the envelope's text to the end of its body, and one brace.
    const bodyText = canonicalJson({ body });
    const at = bodyText.indexOf(CIPHERTEXT_MEMBER) + CIPHERTEXT_MEMBER.length;
    head = bodyText.slice(0, at);
    rest =
      bodyText.slice(at, -1) +
      (tail ?? `,${canonicalJson({ issuedAt, key: signingKey, party, refs, type: 'sealed', v }).slice(1)}`);
    return utf8(head + rest);
  });
  body.ciphertext = toBase64(sealed.ciphertext);
  const envelope: EnvelopeOf<'sealed'> = { body, issuedAt, key: signingKey, party, refs, type: 'sealed', v };
  return { envelope, head, rest };
}

/** What a node seals a plain entry with: the audience, and its `audience-key` entry and the key that one wraps. */
export interface SealWith {
  audience: readonly string[];
  keys: EntryRef;
  audienceKey: Uint8Array;
}

/**
 * The sealed entry of a plain one prepared (checked) by `signer`, prepared to be signed by the same key: its id and
 * salt from sealingRandomness of the plain entry's message, so the same bytes as a node's submissions seal. Lets a
 * node check, seal and sign in one step (on a worker thread). Undefined when the plain entry names blobs: their
 * plaintexts are in the node's store, and the node seals them with the entry itself (sealEntryBlobs).
 */
export function prepareSealed(
  suite: CryptoSuite,
  sym: SymmetricSuite,
  regime: Regime,
  signer: EntrySigner,
  plain: PreparedEntry,
  seal: SealWith,
): PreparedEntry | undefined {
  if (blobRefsOf(plain.envelope).length) return undefined;
  const sealed = sealedOfPrepared(suite, sym, plain, seal);
  return prepareEntry(suite, regime, signer, {
    type: 'sealed',
    body: sealed.body,
    refs: sealed.refs,
    issuedAt: sealed.issuedAt,
  });
}

/**
 * The sealed entry (unsigned, not checked) of a prepared plain one that names no blobs: its id and salt from
 * sealingRandomness of the plain entry's message, its body's bytes cut from the plain entry's canonical JSON.
 */
export function sealedOfPrepared(
  suite: CryptoSuite,
  sym: SymmetricSuite,
  plain: PreparedEntry,
  seal: SealWith,
): EnvelopeOf<'sealed'> {
  return sealedPartsOfPrepared(suite, sym, plain, seal).envelope;
}

/**
 * sealedOfPrepared's entry and its canonical text (canonicalJson of the entry, written without a second pass: the
 * associated data's text with the base64 ciphertext, never escaped, put in), for preparedOfBuilt to write once.
 */
export function sealedCanonicalOfPrepared(
  suite: CryptoSuite,
  sym: SymmetricSuite,
  plain: PreparedEntry,
  seal: SealWith,
): { envelope: EnvelopeOf<'sealed'>; text: string } {
  const { envelope, head, rest } = sealedPartsOfPrepared(suite, sym, plain, seal);
  return { envelope, text: head + envelope.body.ciphertext + rest };
}

function sealedPartsOfPrepared(suite: CryptoSuite, sym: SymmetricSuite, plain: PreparedEntry, seal: SealWith) {
  const { id, salt } = sealingRandomness(sym, seal.audienceKey, plain.message);
  const o = { audience: seal.audience, keys: seal.keys, audienceKey: seal.audienceKey, id, salt };
  const c = plain.canonical;
  const end = bodyEndOf(c);
  if (end < 0) return sealParts(sym, suite.sha256, plain.envelope, o);
  // The body's bytes and the members after it, as the plain entry's canonical JSON holds them.
  const tail = sealedTailOf(c, end, plain.envelope.type);
  return sealParts(sym, suite.sha256, plain.envelope, o, { bodyBytes: c.subarray(BODY_OPEN.length, end), tail });
}

/** The plain entry of a sealed one whose body is `body` (not checked: openSealed checks it). */
export function sealedPlain(envelope: EnvelopeOf<'sealed'>, body: unknown): unknown {
  return {
    body,
    issuedAt: envelope.issuedAt,
    key: envelope.key,
    party: envelope.party,
    refs: envelope.refs,
    type: envelope.body.type,
    v: envelope.v,
  };
}

/**
 * The plain entry of a sealed one whose (committed) body bytes are `body`: SCHEMA_INVALID when they are not the
 * canonical JSON (UTF-8 text) of a valid body of the stated type naming as many blobs as the envelope seals. What openSealed and a reader of a handed-over plaintext (sealed-plaintext.ts) fold.
 */
export function plainOfBody(envelope: EnvelopeOf<'sealed'>, body: Uint8Array): Envelope {
  return plainAndTextOfBody(envelope, body).plain;
}

/** plainOfBody, with the body's text (its canonical JSON): what a worker hands a reader (sealed-opener-worker.ts). */
export function plainAndTextOfBody(
  envelope: EnvelopeOf<'sealed'>,
  body: Uint8Array,
): { plain: Envelope; text: string } {
  let text: string;
  let value: unknown;
  try {
    text = fromUtf8(body, 'body');
    value = JSON.parse(text);
  } catch {
    throw problemsError('SCHEMA_INVALID', 'sealed body refused', [{ path: '$.body', message: 'not JSON text' }]);
  }
  // The canonical text of the parsed value compared as text: the bytes are their UTF-8 (a strict decode above).
  if (canonicalJson(value) !== text) {
    throw problemsError('SCHEMA_INVALID', 'sealed body refused', [{ path: '$.body', message: 'not canonical JSON' }]);
  }
  // Checked by the schema, but folded as parsed from its canonical text (keys in order, as a reader of a plain
  // entry gets it): the same value, so a worker can hand the body over as text (runtime/sealed-openers.ts).
  const plain = sealedPlain(envelope, value) as Envelope;
  parseEnvelope(plain);
  const named = blobRefsOf(plain).length;
  const sealed = envelope.body.blobs?.length ?? 0;
  if (named !== sealed) {
    throw problemsError('SCHEMA_INVALID', 'sealed body refused', [
      { path: '$.body.blobs', message: `the envelope names ${sealed} sealed blobs, the body ${named}` },
    ]);
  }
  return { plain, text };
}

/**
 * The plain entry a sealed one holds, opened with its content key: DECRYPTION_FAILED (not this key, or altered
 * bytes), COMMITMENT_MISMATCH (the body is not the one committed to), SCHEMA_INVALID (not canonical JSON of a body
 * of the stated type). Each is what a complaint (`confidential.undecryptable`) shows. `aad`: the associated data
 * (sealedAad), where the caller has it already.
 */
export function openSealed(
  sym: SymmetricSuite,
  sha256: Sha256,
  envelope: EnvelopeOf<'sealed'>,
  key: Uint8Array,
  aad?: Uint8Array,
): Envelope {
  return openSealedText(sym, sha256, envelope, key, aad).plain;
}

/** openSealed, with the body's canonical text: openSealedBody, then plainAndTextOfBody. */
export function openSealedText(
  sym: SymmetricSuite,
  sha256: Sha256,
  envelope: EnvelopeOf<'sealed'>,
  key: Uint8Array,
  aad?: Uint8Array,
): { plain: Envelope; text: string } {
  return plainAndTextOfBody(envelope, openSealedBody(sym, sha256, envelope, key, aad));
}

/**
 * The first half of openSealedText: the key commitment, AES-256-GCM and the body's commitment checked, the body's
 * bytes not yet read (plainAndTextOfBody does). Apart, for a worker that opens many entries in stages
 * (runtime/sealed-opener-worker.ts).
 */
export function openSealedBody(
  sym: SymmetricSuite,
  sha256: Sha256,
  envelope: EnvelopeOf<'sealed'>,
  key: Uint8Array,
  aad: Uint8Array = sealedAad(envelope),
): Uint8Array {
  checkKeyCommitment(sha256, envelope, key);
  return openBody(
    sym,
    sha256,
    key,
    { ciphertext: fromBase64(envelope.body.ciphertext, 'ciphertext'), commitment: fromHex(envelope.body.commitment) },
    aad,
  );
}

/**
 * What a complaint shows, checked offline from public data only (the sealed entry and the revealed key):
 * `undecryptable` (the author's fault: the key is the one the author committed to, and it does not open the entry
 * to a valid body, or one of its blobs the checker holds does not open to the bytes the body names; `reason` the
 * error code) or `false` (the complainant's: the key is not the committed one, or it opens a valid body and blobs).
 */
export function checkComplaint(
  sym: SymmetricSuite,
  sha256: Sha256,
  regime: Regime,
  sealed: EnvelopeOf<'sealed'>,
  contentKeyB64: string,
  /** The entry's sealed blobs the checker holds (in the envelope's order): each must open too. */
  blobs?: readonly (Uint8Array | undefined)[],
  /** What openSealed gave with this key (the plain entry, or its error's code), if the checker has it already. */
  opened?: { plain: Envelope } | { code: string },
): { verdict: 'undecryptable' | 'false'; reason: string } {
  const key = fromBase64(contentKeyB64, 'contentKey');
  if (!commitsTo(sha256, sealed, key)) {
    return { verdict: 'false', reason: 'KEY_NOT_COMMITTED' };
  }
  if (opened && 'code' in opened) return { verdict: 'undecryptable', reason: opened.code };
  try {
    const plain = opened?.plain ?? openSealed(sym, sha256, sealed, key);
    if (vocabularyProblems(regime, plain).length) return { verdict: 'undecryptable', reason: 'SCHEMA_INVALID' };
    openSealedBlobs(sym, sha256, sealed, plain, key, blobs);
    return { verdict: 'false', reason: 'OPENS' };
  } catch (err) {
    if (!(err instanceof DetenteError)) throw err;
    return { verdict: 'undecryptable', reason: err.code };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Blobs of sealed entries

/** The blobs a plain entry names: an opening's `opening.blobs`, a plain declaration's `more`; none for the rest. */
export function blobRefsOf(envelope: Envelope): readonly BlobRef[] {
  if (envelope.type === 'declaration-opening') return envelope.body.opening?.blobs ?? [];
  if (envelope.type === 'declaration' && envelope.body.form === 'plain') return envelope.body.more ?? [];
  return [];
}

/** The media type of a sealed blob: AES-256-GCM ciphertext, readable only with its entry's content key. */
export const SEALED_BLOB_MEDIA_TYPE = 'application/vnd.detente.sealed-blob';

/**
 * A plain entry sealed with its blobs (`plaintexts`: the bytes of each blob it names, in order): each blob sealed
 * under the entry's content key (crypto/hpke/content.ts, sealBlob) and named by the ciphertext's hash in the public
 * envelope. BAD_INPUT when the plaintexts are not the blobs the entry names (count, size or hash).
 */
export function sealEntryBlobs(
  sym: SymmetricSuite,
  sha256: Sha256,
  plain: Envelope,
  o: Omit<SealOptions, 'blobs'>,
  plaintexts: readonly Uint8Array[],
): { sealed: EnvelopeOf<'sealed'>; blobs: { ref: BlobRef; bytes: Uint8Array }[] } {
  const refs = blobRefsOf(plain);
  if (refs.length !== plaintexts.length) {
    throw new DetenteError('BAD_INPUT', `blobs: the entry names ${refs.length}, ${plaintexts.length} given`);
  }
  const key = contentKey(sym, o.audienceKey, o.id);
  const blobs = plaintexts.map((bytes, i) => {
    if (bytes.length !== refs[i]!.size || toHex(sha256(bytes)) !== refs[i]!.sha256) {
      throw new DetenteError('BAD_INPUT', `blobs[${i}]: not the blob ${refs[i]!.sha256} the entry names`);
    }
    const sealed = sealBlob(sym, key, i, bytes);
    return {
      ref: { sha256: toHex(sha256(sealed)), size: sealed.length, mediaType: SEALED_BLOB_MEDIA_TYPE },
      bytes: sealed,
    };
  });
  return { sealed: sealEntry(sym, sha256, plain, { ...o, blobs: blobs.map((b) => b.ref) }), blobs };
}

/**
 * The plain blobs of a sealed entry (`plain`: the entry it opened to with `key`), from the ciphertexts the reader
 * holds (`ciphertexts`, in the envelope's order; undefined, or bytes that are not the ciphertext the envelope names,
 * count as not held: undefined in the answer). DECRYPTION_FAILED when a ciphertext the envelope names does not open
 * under its blob key, COMMITMENT_MISMATCH when it opens to other bytes than the body names: the author's fault, as
 * for a body.
 */
export function openSealedBlobs(
  sym: SymmetricSuite,
  sha256: Sha256,
  envelope: EnvelopeOf<'sealed'>,
  plain: Envelope,
  key: Uint8Array,
  ciphertexts: readonly (Uint8Array | undefined)[] | undefined,
): (Uint8Array | undefined)[] {
  const named = blobRefsOf(plain);
  const sealed = envelope.body.blobs ?? [];
  return sealed.map((ref, i) => {
    const bytes = ciphertexts?.[i];
    if (!bytes || bytes.length !== ref.size || toHex(sha256(bytes)) !== ref.sha256) return undefined;
    let opened: Uint8Array;
    try {
      opened = openBlob(sym, key, i, bytes);
    } catch (err) {
      if (!(err instanceof DetenteError)) throw err;
      throw new DetenteError(err.code, `blobs[${i}]: ${err.message}`, { cause: err });
    }
    const want = named[i]!;
    if (opened.length !== want.size || toHex(sha256(opened)) !== want.sha256) {
      throw new DetenteError('COMMITMENT_MISMATCH', `blobs[${i}]: opens to other bytes than the body's ${want.sha256}`);
    }
    return opened;
  });
}
