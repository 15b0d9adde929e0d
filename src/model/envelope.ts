/**
 * The signed envelope: build, sign, encode to leaf bytes, decode, verify.
 *
 * Byte format (see docs/MODEL.md):
 * - signed message: UTF-8 `detente/entry/v1` + LF, then the RFC 8785 canonical JSON of the envelope
 *   `{v, type, party, key, issuedAt, body, refs}`; the prefix keeps an entry signature from ever being valid as a
 *   signature over anything else the same key signs;
 * - log leaf: the canonical JSON of `{"entry": <envelope>, "sig": <base64 Ed25519 signature>}`, at most 65,535
 *   bytes (a tlog-tiles entry bundle's uint16 length). Exactly one byte string encodes a given signed entry:
 *   decodeEntry refuses anything that is not byte-for-byte the canonical encoding.
 */

import { z } from 'zod';
import { concat, equalBytes, fromBase64, fromUtf8, prefixedScratch, toBase64, utf8 } from '../crypto/bytes.js';
import { canonicalJsonBytes } from '../crypto/canonical-json.js';
import { DetenteError, type Problem } from '../crypto/errors.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { formatPath, problemsError, problemsOf } from './common.js';
import {
  type ConsultationBody,
  type EntryRef,
  Envelope,
  type EnvelopeOf,
  entryRefs,
  entryRole,
  type InspectionReportBody,
} from './entries/index.js';
import { vocabularyProblems } from './entries/vocabulary.js';
import { regimeIndex } from './regime/index.js';
import type { Role } from './regime/parties.js';
import type { Regime } from './regime/schema.js';

/** The most bytes one log leaf may have. */
export const MAX_ENTRY_BYTES = 65_535;

const ENTRY_CONTEXT = utf8('detente/entry/v1\n');
const COUNTERSIGN_CONTEXT = utf8('detente/inspection-report-countersignature/v1\n');
const CONSULTATION_COUNTERSIGN_CONTEXT = utf8('detente/consultation-countersignature/v1\n');
const LEAF_OPEN = utf8('{"entry":');

export interface SignedEntry {
  envelope: Envelope;
  /** 64-byte Ed25519 signature over signingMessage(envelope). */
  signature: Uint8Array;
}

/** What buildEnvelope needs: the envelope without its version, refs optional (per type, so body matches type). */
export type EnvelopeFields = Envelope extends infer E
  ? E extends Envelope
    ? Omit<E, 'v' | 'refs'> & { refs?: EntryRef[] }
    : never
  : never;

/**
 * Validates any value as an envelope; SCHEMA_INVALID lists every problem by path (`$.body...`, or under `prefix`,
 * such as `$.entry.body...` where the envelope sits in a leaf).
 */
export function parseEnvelope(value: unknown, prefix: readonly string[] = []): Envelope {
  const parsed = Envelope.safeParse(value);
  if (!parsed.success) throw problemsError('SCHEMA_INVALID', 'entry refused', problemsOf(parsed.error, prefix));
  return parsed.data;
}

/** An envelope with version 1 and (by default) no references, checked against its type's schema. */
export function buildEnvelope(fields: EnvelopeFields): Envelope {
  return parseEnvelope({ v: 1, ...fields, refs: fields.refs ?? [] });
}

/** The bytes the entry signature covers. */
export function signingMessage(envelope: Envelope): Uint8Array {
  return concat(ENTRY_CONTEXT, canonicalJsonBytes(envelope));
}

/** Signs an envelope with a 32-byte Ed25519 seed. Refuses an envelope that breaks its schema or would not fit a leaf. */
export function signEntry(suite: CryptoSuite, envelope: Envelope, seed: Uint8Array): SignedEntry {
  const checked = parseEnvelope(envelope);
  const signed = { envelope: checked, signature: suite.ed25519.sign(seed, signingMessage(checked)) };
  encodeEntry(signed); // size check
  return signed;
}

/** The log leaf: canonical JSON of `{entry, sig}`. */
export function encodeEntry(signed: SignedEntry): Uint8Array {
  if (!(signed.signature instanceof Uint8Array) || signed.signature.length !== 64) {
    throw new DetenteError('SCHEMA_INVALID', '$.sig: expected a 64-byte Ed25519 signature');
  }
  const bytes = canonicalJsonBytes({ entry: signed.envelope, sig: toBase64(signed.signature) });
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new DetenteError(
      'ENTRY_TOO_LARGE',
      `entry is ${bytes.length} bytes, at most ${MAX_ENTRY_BYTES}: put large data in blobs and reference them by hash`,
    );
  }
  return bytes;
}

const Leaf = z.strictObject({ entry: Envelope, sig: z.string() });

function refuse(path: string, message: string): never {
  throw problemsError('SCHEMA_INVALID', 'entry refused', [{ path, message }]);
}

/**
 * Reads a log leaf. Strict: at most 65,535 bytes, UTF-8, JSON, the envelope schema of its type, a 64-byte base64
 * signature, and byte-for-byte canonical. Throws ENTRY_TOO_LARGE or SCHEMA_INVALID (with every problem's path).
 * Does not check the signature: that needs the regime (verifyEntry).
 */
export function decodeEntry(bytes: Uint8Array): SignedEntry {
  if (!(bytes instanceof Uint8Array)) refuse('$', 'expected bytes (a Uint8Array)');
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new DetenteError('ENTRY_TOO_LARGE', `entry is ${bytes.length} bytes, at most ${MAX_ENTRY_BYTES}`);
  }
  let text: string;
  try {
    text = fromUtf8(bytes, 'entry');
  } catch {
    refuse('$', 'expected UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) refuse('$', 'nested too deeply');
    refuse('$', `expected JSON: ${(err as Error).message}`);
  }
  const parsed = Leaf.safeParse(value);
  if (!parsed.success) throw problemsError('SCHEMA_INVALID', 'entry refused', problemsOf(parsed.error));
  let signature: Uint8Array;
  try {
    signature = fromBase64(parsed.data.sig, 'sig');
  } catch (err) {
    refuse('$.sig', (err as Error).message.replace(/^sig: /, ''));
  }
  if (signature.length !== 64) refuse('$.sig', `expected a 64-byte Ed25519 signature, got ${signature.length} bytes`);
  let canonical: Uint8Array;
  try {
    canonical = canonicalJsonBytes(value);
  } catch (err) {
    refuse('$', `cannot be canonicalised: ${(err as Error).message}`);
  }
  if (!equalBytes(canonical, bytes)) {
    refuse('$', `not in canonical form (RFC 8785): ${firstDifference(canonical, bytes)}`);
  }
  return { envelope: parsed.data.entry, signature };
}

function firstDifference(canonical: Uint8Array, got: Uint8Array): string {
  let i = 0;
  while (i < canonical.length && i < got.length && canonical[i] === got[i]) i++;
  return `first difference at byte ${i} (${canonical.length} bytes canonical, ${got.length} given)`;
}

/** The public key of a regime key, refusing a key the stated party does not hold or that lacks the role. */
function keyFor(regime: Regime, party: string, keyId: string, role: Role, what: string): Uint8Array {
  const ix = regimeIndex(regime);
  if (!ix.parties.has(party))
    throw new DetenteError('KEY_UNKNOWN', `${what}: "${party}" is not a party to regime "${regime.id}"`);
  const held = ix.keys.get(keyId);
  if (!held) throw new DetenteError('KEY_UNKNOWN', `${what}: key "${keyId}" is not in regime "${regime.id}"`);
  if (held.party.id !== party) {
    throw new DetenteError('KEY_UNKNOWN', `${what}: key "${keyId}" belongs to "${held.party.id}", not "${party}"`);
  }
  if (!held.key.roles.includes(role)) {
    throw new DetenteError(
      'ROLE_DENIED',
      `${what}: key "${keyId}" of "${party}" has roles ${held.key.roles.join(', ')}; this needs role "${role}"`,
    );
  }
  if (held.key.publicKey === undefined)
    throw new DetenteError('KEY_UNKNOWN', `${what}: key "${keyId}" has no public key`);
  return fromBase64(held.key.publicKey);
}

/**
 * Checks a signed entry under a regime: the envelope's schema (SCHEMA_INVALID), the key is the stated party's
 * (KEY_UNKNOWN) and holds the role the type needs (ROLE_DENIED), the signature (SIGNATURE_INVALID), the names it
 * uses exist in the regime (SCHEMA_INVALID, every problem listed), and an inspection report's countersignature
 * (the same codes). References to other entries are checked separately (checkEntryRefs), as they need the logs.
 */
export function verifyEntry(suite: CryptoSuite, regime: Regime, signed: SignedEntry): void {
  const envelope = parseEnvelope(signed.envelope, ['entry']);
  const publicKey = keyFor(regime, envelope.party, envelope.key, entryRole(envelope), '$.entry.key');
  if (!suite.ed25519.verify(publicKey, signingMessage(envelope), signed.signature)) {
    throw new DetenteError(
      'SIGNATURE_INVALID',
      `$.sig: not a valid signature by key "${envelope.key}" of "${envelope.party}"`,
    );
  }
  checkAgainstRegime(suite, regime, envelope, '$.entry');
}

/** What verifyEntry checks besides the entry's own signature: the regime's names, the escort's countersignature. */
function checkAgainstRegime(suite: CryptoSuite, regime: Regime, envelope: Envelope, at: string): void {
  const problems: Problem[] = vocabularyProblems(regime, envelope).map((p) => ({
    path: p.path.replace(/^\$/, at),
    message: p.message,
  }));
  if (problems.length) throw problemsError('SCHEMA_INVALID', 'entry refused', problems);
  if (
    envelope.type === 'inspection-report' &&
    (envelope.body.countersignature || envelope.body.hostNationCountersignature)
  )
    verifyCountersignature(suite, regime, envelope);
  if (envelope.type === 'consultation' && 'countersignature' in envelope.body && envelope.body.countersignature)
    verifyConsultationCountersignature(suite, regime, envelope);
}

/** A signer that holds the seed of a regime key: made once, after checking the seed against the key. */
export interface EntrySigner {
  party: string;
  key: string;
  seed: Uint8Array;
}

/**
 * Checks that `seed` is the private half of regime key `keyId` of `party` (KEY_UNKNOWN otherwise). Done once when a
 * node loads its seeds, so that its entries need not have their signatures verified again.
 */
export function entrySigner(suite: CryptoSuite, regime: Regime, party: string, keyId: string, seed: Uint8Array) {
  const held = regimeIndex(regime).keys.get(keyId);
  if (!held || held.party.id !== party || held.key.publicKey === undefined) {
    throw new DetenteError('KEY_UNKNOWN', `key "${keyId}" is not a key of "${party}" in regime "${regime.id}"`);
  }
  if (!equalBytes(suite.ed25519.publicKey(seed), fromBase64(held.key.publicKey))) {
    throw new DetenteError('KEY_UNKNOWN', `the seed of key "${keyId}" is not the private key of its public key`);
  }
  return { party, key: keyId, seed } satisfies EntrySigner;
}

/** An entry checked and canonicalised, waiting for its signature (prepareEntry, then sealPrepared). */
export interface PreparedEntry {
  envelope: Envelope;
  /** The canonical JSON of the envelope. */
  canonical: Uint8Array;
  /** What the signature covers: the entry context, then `canonical`. */
  message: Uint8Array;
}

// The leaf around the canonical envelope: `{"entry":` + envelope + `,"sig":"` + 88 base64 characters + `"}`.
const LEAF_OVERHEAD = 9 + 8 + 88 + 2;

/** Where in a leaf its canonical envelope starts (after `{"entry":`). */
export const LEAF_CANONICAL_AT = LEAF_OPEN.length;

/**
 * Builds and checks an entry for a node signing its own party's statements: it accepts exactly what buildEnvelope
 * + signEntry + verifyEntry + encodeEntry accept (paths as buildEnvelope gives them, `$.body…`), parsing the
 * envelope and canonicalising it once. The signer's seed was checked against the regime's public key when it was
 * made (entrySigner), so the signature to come need not be verified.
 */
export function prepareEntry(
  suite: CryptoSuite,
  regime: Regime,
  signer: EntrySigner,
  fields: Omit<EnvelopeFields, 'party' | 'key'>,
): PreparedEntry {
  const envelope = buildEnvelope({ ...fields, party: signer.party, key: signer.key } as EnvelopeFields);
  keyFor(regime, envelope.party, envelope.key, entryRole(envelope), '$.key');
  checkAgainstRegime(suite, regime, envelope, '$');
  return preparedOfBuilt(envelope);
}

/**
 * The prepared entry of an envelope its caller built from parts already checked (a node's sealed entry, made from
 * its checked plain entry: runtime/sealed-submission.ts), canonicalised without its schema checked again (or with
 * the canonical JSON its caller wrote, as bytes or as text: model/confidential.ts, sealedCanonicalOfPrepared);
 * refused with prepareEntry's ENTRY_TOO_LARGE if its leaf would not fit. prepareEntry ends with it.
 */
export function preparedOfBuilt(
  envelope: Envelope,
  canonical: Uint8Array | string = canonicalJsonBytes(envelope),
): PreparedEntry {
  // From text, the message is written once and the canonical bytes are a view of it.
  const message = typeof canonical === 'string' ? messageOfText(canonical) : concat(ENTRY_CONTEXT, canonical);
  const bytes = typeof canonical === 'string' ? message.subarray(ENTRY_CONTEXT.length) : canonical;
  if (bytes.length + LEAF_OVERHEAD > MAX_ENTRY_BYTES) {
    throw new DetenteError(
      'ENTRY_TOO_LARGE',
      `entry is ${bytes.length + LEAF_OVERHEAD} bytes, at most ${MAX_ENTRY_BYTES}: put large data in blobs and reference them by hash`,
    );
  }
  return { envelope, canonical: bytes, message };
}

// Where a canonical text is encoded after the entry context (room for at most three bytes a UTF-16 unit), then
// copied out once as the message: one array, of which the canonical bytes are a view.
const messageScratch = prefixedScratch(ENTRY_CONTEXT);
const encoder = new TextEncoder();

/** The entry context, then the UTF-8 of `text`: what the signature covers. */
function messageOfText(text: string): Uint8Array {
  const scratch = messageScratch(ENTRY_CONTEXT.length + 3 * text.length);
  const { written } = encoder.encodeInto(text, scratch.subarray(ENTRY_CONTEXT.length));
  return scratch.slice(0, ENTRY_CONTEXT.length + written);
}

/**
 * The prepared entry again from its canonical JSON, made by prepareEntry on another thread or in another process
 * (a node's entry workers, its HTTP acceptors): only the bytes cross between them. The envelope is the canonical
 * JSON parsed, as every reader of the log decodes it; it equals prepareEntry's (a test holds them equal).
 */
export function preparedFromCanonical(canonical: Uint8Array): PreparedEntry {
  return {
    envelope: JSON.parse(new TextDecoder().decode(canonical)) as Envelope,
    canonical,
    message: concat(ENTRY_CONTEXT, canonical),
  };
}

/**
 * The signed entry and its leaf: encodeEntry's bytes without canonicalising again (RFC 8785 orders "entry" before
 * "sig", and base64 needs no escaping; a property test holds the two equal).
 */
export function sealPrepared(
  prepared: PreparedEntry,
  signature: Uint8Array,
): { signed: SignedEntry; leaf: Uint8Array } {
  const leaf = new Uint8Array(leafLengthOf(prepared));
  writeLeaf(prepared, signature, leaf, 0);
  return { signed: { envelope: prepared.envelope, signature }, leaf };
}

/** The length of a prepared entry's leaf (sealPrepared's). */
export function leafLengthOf(prepared: PreparedEntry): number {
  return prepared.canonical.length + LEAF_OVERHEAD;
}

/**
 * sealPrepared's leaf, written into `out` from `offset` (leafLengthOf bytes): for a caller that lays the leaf out
 * with what goes with it in one buffer (runtime/signed-entry.ts). The canonical JSON stands at offset +
 * LEAF_CANONICAL_AT.
 */
export function writeLeaf(prepared: PreparedEntry, signature: Uint8Array, out: Uint8Array, offset: number): void {
  if (signature.length !== 64) throw new DetenteError('SCHEMA_INVALID', '$.sig: expected a 64-byte Ed25519 signature');
  out.set(LEAF_OPEN, offset);
  out.set(prepared.canonical, offset + LEAF_OPEN.length);
  // ASCII: `,"sig":"`, 88 base64 characters, `"}`.
  const sig = `,"sig":"${toBase64(signature)}"}`;
  const at = offset + LEAF_OPEN.length + prepared.canonical.length;
  for (let i = 0; i < sig.length; i++) out[at + i] = sig.charCodeAt(i);
}

// ---------------------------------------------------------------------------------------------------------------
// Inspection report countersignature

/**
 * The bytes the host escort signs (and a host nation's escort, at a site on its territory): the report as the
 * inspecting party states it, minus the countersignatures.
 */
export function countersignMessage(inspector: string, body: InspectionReportBody): Uint8Array {
  const { countersignature: _, hostNationCountersignature: __, ...report } = body;
  return concat(COUNTERSIGN_CONTEXT, canonicalJsonBytes({ inspector, report }));
}

/** Which escort countersigns: the host's, or the host nation's at a site on its territory. */
export type EscortField = 'countersignature' | 'hostNationCountersignature';

/** An escort's countersignature, added to the report body before the inspecting team signs the entry. */
export function countersignReport(
  suite: CryptoSuite,
  inspector: string,
  body: InspectionReportBody,
  keyId: string,
  seed: Uint8Array,
  field: EscortField = 'countersignature',
): InspectionReportBody {
  const sig = toBase64(suite.ed25519.sign(seed, countersignMessage(inspector, body)));
  return { ...body, [field]: { key: keyId, sig } };
}

/**
 * Each countersignature the report carries is by an inspector key of its party and verifies: the host's
 * (`countersignature`) and the host nation's (`hostNationCountersignature`, the regime's `sites[].hostNation`).
 */
export function verifyCountersignature(
  suite: CryptoSuite,
  regime: Regime,
  envelope: EnvelopeOf<'inspection-report'>,
): void {
  const body = envelope.body;
  const nation = regimeIndex(regime).sites.get(body.site)?.hostNation;
  const escorts: [EscortField, string | undefined][] = [
    ['countersignature', body.host],
    ['hostNationCountersignature', nation],
  ];
  for (const [field, party] of escorts) {
    const cs = body[field];
    const where = `$.entry.body.${field}`;
    if (!cs) continue;
    if (party === undefined)
      throw new DetenteError('SCHEMA_INVALID', `${where}: site "${body.site}" has no host nation to countersign`);
    const publicKey = keyFor(regime, party, cs.key, 'inspector', `${where}.key`);
    if (!suite.ed25519.verify(publicKey, countersignMessage(envelope.party, body), fromBase64(cs.sig))) {
      throw new DetenteError(
        'SIGNATURE_INVALID',
        `${where}.sig: not a valid signature by key "${cs.key}" of "${party}"`,
      );
    }
  }
}

/** The bytes the other party signs: the consultation step as the author states it, minus the countersignature. */
export function consultationCountersignMessage(party: string, body: ConsultationBody): Uint8Array {
  const { countersignature: _, ...rest } = body as ConsultationBody & { countersignature?: unknown };
  return concat(CONSULTATION_COUNTERSIGN_CONTEXT, canonicalJsonBytes({ party, body: rest }));
}

/** The other party's countersignature of an outcome or session, made with its own declarant key on its own node. */
export function countersignConsultation(
  suite: CryptoSuite,
  party: string,
  body: ConsultationBody,
  keyId: string,
  seed: Uint8Array,
): ConsultationBody {
  const sig = toBase64(suite.ed25519.sign(seed, consultationCountersignMessage(party, body)));
  return { ...body, countersignature: { key: keyId, sig } } as ConsultationBody;
}

/**
 * The countersignature is by a declarant key of a party other than the author, and verifies. Which party it must
 * be (the consultation's other side) needs the chain: consultationProblems checks it.
 */
export function verifyConsultationCountersignature(
  suite: CryptoSuite,
  regime: Regime,
  envelope: EnvelopeOf<'consultation'>,
): void {
  const cs = (envelope.body as { countersignature?: { key: string; sig: string } }).countersignature;
  const where = '$.entry.body.countersignature';
  if (!cs) throw new DetenteError('SIGNATURE_INVALID', `${where}: missing`);
  const holder = regimeIndex(regime).keys.get(cs.key)?.party.id;
  if (holder === undefined) throw new DetenteError('KEY_UNKNOWN', `${where}.key: key "${cs.key}" is not in the regime`);
  if (holder === envelope.party)
    throw new DetenteError('KEY_UNKNOWN', `${where}.key: key "${cs.key}" is the author's own, not the other party's`);
  const publicKey = keyFor(regime, holder, cs.key, 'declarant', `${where}.key`);
  if (
    !suite.ed25519.verify(publicKey, consultationCountersignMessage(envelope.party, envelope.body), fromBase64(cs.sig))
  ) {
    throw new DetenteError(
      'SIGNATURE_INVALID',
      `${where}.sig: not a valid signature by key "${cs.key}" of "${holder}"`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// References

/** Every reference the entry makes must name an existing entry; REFERENCE_UNKNOWN lists each one that does not. */
export function checkEntryRefs(envelope: Envelope, exists: (ref: EntryRef) => boolean): void {
  checkRefs(entryRefs(envelope), exists);
}

/** checkEntryRefs for references given with their paths in the entry (entryRefs' form). */
export function checkRefs(
  refs: readonly { path: (string | number)[]; ref: EntryRef }[],
  exists: (ref: EntryRef) => boolean,
): void {
  const problems: Problem[] = [];
  for (const { path, ref } of refs) {
    if (!exists(ref)) {
      problems.push({
        path: formatPath(['entry', ...path]),
        message: `no entry ${ref.index} with leaf hash ${ref.leafHash} in log "${ref.origin}"`,
      });
    }
  }
  if (problems.length) throw problemsError('REFERENCE_UNKNOWN', 'entry refers to unknown entries', problems);
}
