/**
 * Plays a scenario: one log per party on a simulated clock, each entry signed with its party's key, checked
 * (schema, key and role, signature, the regime's names, references to existing entries) and appended at its
 * simulated time. An entry that fails a check is refused and nothing of it is stored; the timeline says which
 * entries must be refused, and the play fails if any other is (or if one of those is not).
 *
 * The directory it fills:
 *   regime.json    the loaded regime (canonical JSON, public keys included): its SHA-256 is the regime hash
 *   keys.json      the public key of every key id (what `regime check --keys` takes)
 *   exercise.json  the scenario, seed, regime hash, simulated end time, and the refused entries
 *   <party>/       each party's log directory (log.sqlite, log.key, log.vkey)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../crypto/bytes.js';
import { canonicalJson, canonicalJsonBytes } from '../crypto/canonical-json.js';
import { DetenteError } from '../crypto/errors.js';
import type { Sha256 } from '../crypto/sha256.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type OpeningEntry, openingEntryOf } from '../engine/escrow-entries.js';
import { ZoneIndex } from '../engine/zones.js';
import { createMultiOpening, type EscrowTree } from '../escrow/index.js';
import { initLogDir, logWriter, type OpenLog, openLogDir } from '../log/log-dir.js';
import { problemsError } from '../model/common.js';
import {
  type AudienceKeyBody,
  blobRefsOf,
  buildEnvelope,
  type ConsultationStep,
  checkEntryRefs,
  consultationProblems,
  countersignConsultation,
  countersignReport,
  ENTRY_ROLE,
  type EntryRef,
  type Envelope,
  type EnvelopeFields,
  encodeEntry,
  type InspectionReportBody,
  type Item,
  parseRegime,
  type Regime,
  regimeAudience,
  regimeBytes,
  regimeHash,
  regimeIndex,
  sealEntryBlobs,
  sealingRandomness,
  signEntry,
  signingMessage,
  verifyEntry,
  vocabularyProblems,
} from '../model/index.js';
import { keyPeriod, newAudienceKey, type RandomSource } from '../node/audience-keys.js';
import { chooseLeaves, commitItems, type OpenSelector } from '../node/escrow.js';
import { bordersFor } from '../runtime/borders.js';
import { nodeSuite, symmetricNode } from '../runtime/node-crypto.js';
import { Rfc6962Hasher } from '../tlog/hasher.js';
import { SimulatedClock } from './clock.js';
import { itemsBlobRef, splitDeclarationItems } from './declaration-items.js';
import { DEFAULT_SEED, exerciseKeys, exerciseRandom } from './keys.js';
import { scenarioDir } from './scenarios.js';
import { parseTimeline, playContext, resolveBody, type Step, type Timeline } from './timeline.js';

export const REGIME_FILE = 'regime.json';
export const KEYS_FILE = 'keys.json';
export const EXERCISE_FILE = 'exercise.json';

export interface Refusal {
  step: string;
  party: string;
  at: string;
  code: string;
  message: string;
}

export interface ExerciseMeta {
  format: 'detente-exercise/1';
  scenario: string;
  seed: string;
  regimeHash: string;
  /** The simulated "now" at the end of the play. */
  end: string;
  parties: { id: string; origin: string; dir: string; entries: number }[];
  refused: Refusal[];
}

export interface PlayOptions {
  seed?: string;
  /** Replace an earlier play in the directory. Default: refuse a directory that is not empty. */
  replace?: boolean;
  /** Called after each step. */
  onStep?: (done: number, total: number) => void;
}

/** Loads a scenario's regime with its exercise keys. */
export function scenarioRegime(
  name: string,
  seed = DEFAULT_SEED,
): { regime: Regime; seeds: Map<string, Uint8Array>; publicKeys: Record<string, string> } {
  const text = readFileSync(join(scenarioDir(name), 'regime.yaml'), 'utf8');
  const keys = parseRegime(text, { allowMissingKeys: true }).parties.flatMap((p) => p.keys);
  const recipients = new Set(keys.filter((k) => k.roles.includes('recipient')).map((k) => k.id));
  const ids = keys.map((k) => k.id);
  const { seeds, publicKeys } = exerciseKeys(nodeSuite, name, seed, ids, recipients);
  return { regime: parseRegime(text, { keys: publicKeys }), seeds, publicKeys };
}

export async function playScenario(name: string, dir: string, options: PlayOptions = {}): Promise<ExerciseMeta> {
  const suite = nodeSuite;
  const seed = options.seed ?? DEFAULT_SEED;
  const { regime, seeds, publicKeys } = scenarioRegime(name, seed);
  const hash = regimeHash(regime, suite.sha256);
  const timeline = parseTimeline(readFileSync(join(scenarioDir(name), 'timeline.yaml'), 'utf8'), regime);
  if (timeline.scenario !== name)
    throw new DetenteError('BAD_INPUT', `timeline: it is for "${timeline.scenario}", not "${name}"`);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    // Replace only what a play wrote: never a directory that merely happens to be there.
    if (!options.replace || !existsSync(join(dir, EXERCISE_FILE))) {
      throw new DetenteError(
        'STORE_ERROR',
        `${dir} is not empty${options.replace ? ` and holds no ${EXERCISE_FILE}: not replacing it` : ' (replace it, or choose another)'}`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, REGIME_FILE), canonicalJson(regime));
  writeFileSync(join(dir, KEYS_FILE), `${JSON.stringify(publicKeys, null, 2)}\n`);
  const meta: ExerciseMeta = {
    format: 'detente-exercise/1',
    scenario: name,
    seed,
    regimeHash: hash,
    end: new Date(timeline.end).toISOString(),
    parties: regime.parties.map((p) => ({ id: p.id, origin: p.origin, dir: p.id, entries: 0 })),
    refused: [],
  };
  // Written first (a failed play can be replaced), then again with the counts.
  writeFileSync(join(dir, EXERCISE_FILE), `${JSON.stringify(meta, null, 2)}\n`);

  // The audience keys the play may publish, made before the (synchronous) play: HPKE is asynchronous.
  const sealing = await playSealing(name, seed, regime, timeline);
  const clock = new SimulatedClock(Date.parse(timeline.steps[0]!.at));
  const logs = new Map<string, OpenLog>();
  try {
    const sinks = new Map<string, PlaySink>();
    for (const p of regime.parties) {
      const logKey = p.keys.find((k) => k.roles.includes('log'));
      initLogDir(join(dir, p.id), p.origin, suite, logKey ? seeds.get(logKey.id) : undefined, clock.fn);
      const log = openLogDir(join(dir, p.id), suite);
      log.store.putBlob(fromHex(hash), regimeBytes(regime));
      logs.set(p.id, log);
      const writer = logWriter(log, suite, clock.fn);
      sinks.set(p.id, {
        origin: log.store.origin,
        putBlob: (h, bytes) => log.store.putBlob(h, bytes),
        append: (leaf) => writer.append([leaf]).first,
      });
    }
    const played = playSteps({
      name,
      seed,
      regime,
      seeds,
      hash,
      timeline,
      clock,
      sinks,
      sealing,
      onStep: options.onStep,
    });
    clock.set(timeline.end);
    for (const p of meta.parties) p.entries = played.entries.get(p.id)!;
    meta.refused = played.refused;
    writeFileSync(join(dir, EXERCISE_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    return meta;
  } finally {
    for (const log of logs.values()) log.close();
  }
}

/** Where a play writes one party's entries: its log on disk, or memory (a what-if replay, cli/replay). */
export interface PlaySink {
  origin: string;
  putBlob(hash: Uint8Array, bytes: Uint8Array): void;
  /** Appends one leaf at the clock's time; its index. */
  append(leaf: Uint8Array): number;
}

export interface PlayStepsInput {
  name: string;
  seed: string;
  regime: Regime;
  seeds: ReadonlyMap<string, Uint8Array>;
  hash: string;
  timeline: Timeline;
  clock: SimulatedClock;
  /** One a party. */
  sinks: ReadonlyMap<string, PlaySink>;
  /** The audience keys to seal with (playSealing): a body the regime keeps from the public is sealed to its audience. */
  sealing: Sealing;
  onStep?: (done: number, total: number) => void;
}

/**
 * Plays a timeline's steps into the parties' sinks, each at its time on the clock: every check a node makes, the
 * refusals the timeline expects (any other refusal, or an expected one accepted, fails the play).
 */
export function playSteps(input: PlayStepsInput): { refused: Refusal[]; entries: Map<string, number> } {
  const { name, seed, regime, seeds, hash, timeline, clock, sinks, sealing } = input;
  const suite = nodeSuite;
  const options = { onStep: input.onStep };
  const ix = regimeIndex(regime);
  const hasher = new Rfc6962Hasher(suite.sha256);
  const logs = new Map<string, { sink: PlaySink; hashes: string[] }>();
  const byOrigin = new Map<string, string[]>();
  for (const p of regime.parties) {
    const entry = { sink: sinks.get(p.id)!, hashes: [] as string[] };
    logs.set(p.id, entry);
    byOrigin.set(p.origin, entry.hashes);
  }
  const refs = new Map<string, EntryRef>();
  const context = playContext(suite, hash, timeline, refs, scenarioDir(name));
  /** The escrow trees of the escrowed declarations played (the party's secrets), by their entry. */
  const trees = new Map<string, EscrowTree>();
  let zoneIndex: ZoneIndex | undefined;
  const zones = () => {
    zoneIndex ??= new ZoneIndex(regime, bordersFor(regime));
    return zoneIndex;
  };
  const refused: Refusal[] = [];
  const exists = (r: EntryRef) => byOrigin.get(r.origin)?.[r.index] === r.leafHash;
  /** The consultation steps played, by entry: what a new step's chain is checked against. */
  const steps = new Map<string, ConsultationStep>();
  /** Published audience keys: by party, audience and period, their entry and key. */
  const published = new Map<string, { ref: EntryRef; key: Uint8Array }>();
  timeline.steps.forEach((step, i) => {
    clock.set(Date.parse(step.at));
    const outcome = attempt(step);
    if (outcome instanceof DetenteError) {
      if (step.refused !== outcome.code) {
        throw new DetenteError(outcome.code, `step ${step.id}: ${outcome.message}`, { problems: outcome.problems });
      }
      refused.push({
        step: step.id,
        party: step.party,
        at: new Date(clock.now()).toISOString(),
        code: outcome.code,
        message: outcome.message,
      });
    } else if (step.refused !== undefined) {
      throw new DetenteError(
        'BAD_INPUT',
        `step ${step.id}: expected to be refused with ${step.refused}, but it was accepted`,
      );
    } else refs.set(step.id, outcome);
    options.onStep?.(i + 1, timeline.steps.length);
  });

  /** Appends a leaf to `target`'s log; its reference. */
  function append(target: { sink: PlaySink; hashes: string[] }, leaf: Uint8Array): EntryRef {
    const first = target.sink.append(leaf);
    const leafHash = toHex(hasher.hashLeaf(leaf));
    target.hashes[first] = leafHash;
    return { origin: target.sink.origin, index: first, leafHash };
  }

  /** The signed sealed entry of `plain`, after the author's audience-key entry if it is the first of its kind. */
  function sealedOf(
    keys: Sealing,
    plain: Envelope,
    audience: readonly string[],
    keyId: string,
    blobs: ReadonlyMap<string, Uint8Array>,
  ) {
    const id = sealingId(plain.party, audience, keyPeriod(plain.issuedAt));
    let held = published.get(id);
    if (!held) {
      const made = keys.get(id)!;
      const declarant = ix.parties.get(plain.party)!.keys.find((k) => k.roles.includes('declarant'))!;
      const entry = buildEnvelope({
        type: 'audience-key',
        party: plain.party,
        key: declarant.id,
        issuedAt: plain.issuedAt,
        body: made.body,
      } as EnvelopeFields);
      const ref = append(logs.get(plain.party)!, encodeEntry(signEntry(suite, entry, seeds.get(declarant.id)!)));
      held = { ref, key: made.key };
      published.set(id, held);
    }
    const { id: entryId, salt } = sealingRandomness(symmetricNode, held.key, signingMessage(plain));
    // The blobs it names are sealed with it, and only their ciphertexts are stored (as a node does).
    const sealed = sealEntryBlobs(
      symmetricNode,
      suite.sha256,
      plain,
      { audience, keys: held.ref, audienceKey: held.key, id: entryId, salt },
      blobRefsOf(plain).map((r) => blobs.get(r.sha256)!),
    );
    return { signed: signEntry(suite, sealed.sealed, seeds.get(keyId)!), blobs: sealed.blobs };
  }

  function attempt(step: Step): EntryRef | DetenteError {
    const target = logs.get(step.party)!;
    try {
      let body = resolveBody(step.body, context) as Record<string, unknown>;
      const blobs: { hash: Uint8Array; bytes: Uint8Array }[] = [];
      // Files the body names by hash ($file) are stored with it, and only if it is.
      for (const [h, bytes] of context.files) blobs.push({ hash: fromHex(h), bytes });
      context.files.clear();
      const role = ENTRY_ROLE[step.type as keyof typeof ENTRY_ROLE];
      const keyId = step.key ?? ix.parties.get(step.party)!.keys.find((k) => k.roles.includes(role))?.id;
      if (!keyId) throw new DetenteError('KEY_UNKNOWN', `${step.party} has no key with role ${role}`);
      const split = splitDeclarationItems(step.type, body);
      if (split) {
        const more = split.chunks.map((chunk, i) => {
          const bytes = canonicalJsonBytes(chunk);
          const h = suite.sha256(bytes);
          blobs.push({ hash: h, bytes });
          return itemsBlobRef(i + 1, toHex(h), bytes.length);
        });
        checkBlobItems(regime, split.chunks.flat(), step);
        body = { ...body, items: split.kept, more };
      }
      if (step.type === 'inspection-report' && step.countersign)
        body = escortCountersigned(suite, ix, seeds, step.party, body, step.escorts);
      if (step.type === 'consultation' && step.countersignBy !== undefined)
        body = otherPartyCountersigned(suite, ix, seeds, step.party, step.countersignBy, body);
      let committed: ReturnType<typeof commitItems> | undefined;
      if (isEscrowCommit(step, body)) {
        const random = exerciseRandom(suite, name, seed, step.party, `declaration/${body.asOf}`);
        committed = commitItems(regime, body.items as Item[], body.asOf as string, suite, random);
        body = escrowedBody(committed.body, body);
      } else if (isEscrowOpening(step, body)) {
        const entry = openingOf(trees, body, regime, zones, suite.sha256);
        body = entry.body as unknown as Record<string, unknown>;
        for (const b of entry.blobs) blobs.push({ hash: fromHex(b.ref.sha256), bytes: b.bytes });
      }
      const envelope = buildEnvelope({
        type: step.type,
        party: step.party,
        key: keyId,
        issuedAt: step.at,
        body,
      } as EnvelopeFields);
      const signed = signEntry(suite, envelope, seeds.get(keyId)!);
      verifyEntry(suite, regime, signed);
      checkEntryRefs(envelope, exists);
      if (envelope.type === 'consultation') {
        const problems = consultationProblems(regime, envelope, (r) => (exists(r) ? steps.get(refKey(r)) : undefined));
        if (problems.length) throw problemsError('STAGE_INVALID', 'entry refused', problems);
      }
      // A body the regime keeps from the public is sealed to its audience, as a node seals it (submissions.ts):
      // the party's audience key of the year first, published once, then the sealed entry and its sealed blobs.
      const audience = regimeAudience(regime, envelope);
      let ref: EntryRef;
      if (audience === 'public') {
        for (const b of blobs) target.sink.putBlob(b.hash, b.bytes);
        ref = append(target, encodeEntry(signed));
      } else {
        const named = new Set(blobRefsOf(envelope).map((r) => r.sha256));
        const plaintexts = new Map(blobs.map((b) => [toHex(b.hash), b.bytes]));
        const sealed = sealedOf(sealing, envelope, audience, keyId, plaintexts);
        for (const b of blobs) if (!named.has(toHex(b.hash))) target.sink.putBlob(b.hash, b.bytes);
        for (const b of sealed.blobs) target.sink.putBlob(fromHex(b.ref.sha256), b.bytes);
        ref = append(target, encodeEntry(sealed.signed));
      }
      if (committed) trees.set(refKey(ref), committed.tree);
      if (envelope.type === 'consultation') steps.set(refKey(ref), envelope);
      return ref;
    } catch (err) {
      if (err instanceof DetenteError) return err;
      throw err;
    }
  }
  return { refused, entries: new Map([...logs].map(([id, l]) => [id, l.hashes.length])) };
}

/** The audience keys a play may publish, by author, audience and period (sealingId). */
export type Sealing = ReadonlyMap<string, { key: Uint8Array; body: AudienceKeyBody }>;

/** The key of an audience key: its author, audience and period. */
function sealingId(party: string, audience: readonly string[], period: string): string {
  return `${party}\n${audience.join(',')}\n${period}`;
}

/** Every audience key a play of `timeline` may publish, from the exercise's randomness (audienceKeysFor). */
export function playSealing(name: string, seed: string, regime: Regime, timeline: Timeline): Promise<Sealing> {
  return audienceKeysFor(
    regime,
    timeline.steps,
    (party) => (purpose) => exerciseRandom(nodeSuite, name, seed, party, purpose),
  );
}

/**
 * Every audience key a play may publish (its author's, per audience and year of the steps the regime seals), made
 * from the exercise's randomness exactly as a node of the exercise federation makes it (newAudienceKey).
 */
async function audienceKeysFor(
  regime: Regime,
  steps: readonly Step[],
  random: (party: string) => RandomSource,
): Promise<Map<string, { key: Uint8Array; body: AudienceKeyBody }>> {
  const out = new Map<string, { key: Uint8Array; body: AudienceKeyBody }>();
  for (const step of steps) {
    // What regimeAudience reads: type, party and the rule or inspection the body names (literal in a timeline).
    const probe = { type: step.type, party: step.party, body: step.body } as unknown as Envelope;
    const audience = regimeAudience(regime, probe);
    if (audience === 'public') continue;
    const period = keyPeriod(step.at);
    const id = sealingId(step.party, audience, period);
    if (!out.has(id)) out.set(id, await newAudienceKey(regime, step.party, audience, period, random(step.party)));
  }
  return out;
}

/** Items a declaration carries in blobs get the checks its entry's items get (the entry only names the blob). */
function checkBlobItems(regime: Regime, items: Item[], step: Step): void {
  const probe = {
    v: 1,
    type: 'declaration',
    party: step.party,
    key: 'x',
    issuedAt: step.at,
    refs: [],
    body: { form: 'plain', asOf: '2000-01-01', items, quantities: [] },
  };
  const problems = vocabularyProblems(regime, probe as never);
  if (problems.length) {
    throw new DetenteError(
      'SCHEMA_INVALID',
      `items in blobs: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { problems },
    );
  }
}

/**
 * An inspection report countersigned by the escorts in the field, each with its own party's inspector key, not the
 * submitting party's: the host's, and at a site on another party's territory that host nation's (`escorts` names
 * fewer, or others, to exercise a bad case). Shared by the direct play and the federation, so that both produce the
 * same bytes.
 */
export function escortCountersigned(
  suite: CryptoSuite,
  ix: ReturnType<typeof regimeIndex>,
  seeds: ReadonlyMap<string, Uint8Array>,
  inspector: string,
  body: Record<string, unknown>,
  escorts?: readonly string[],
): Record<string, unknown> {
  const host = body.host as string;
  const nation = ix.sites.get(body.site as string)?.hostNation;
  let out = body as unknown as InspectionReportBody;
  for (const party of escorts ?? (nation === undefined ? [host] : [host, nation])) {
    const escort = ix.parties.get(party)?.keys.find((k) => k.roles.includes('inspector'));
    if (!escort) throw new DetenteError('KEY_UNKNOWN', `${party} has no inspector key to countersign with`);
    const field = party === host ? 'countersignature' : 'hostNationCountersignature';
    out = countersignReport(suite, inspector, out, escort.id, seeds.get(escort.id)!, field);
  }
  return out as unknown as Record<string, unknown>;
}

/**
 * A consultation outcome or session countersigned by another party (`by`) with its declarant key, as that party's
 * node would: shared by the direct play and the federation, so that both produce the same bytes.
 */
export function otherPartyCountersigned(
  suite: CryptoSuite,
  ix: ReturnType<typeof regimeIndex>,
  seeds: ReadonlyMap<string, Uint8Array>,
  author: string,
  by: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const key = ix.parties.get(by)?.keys.find((k) => k.roles.includes('declarant'));
  if (!key) throw new DetenteError('KEY_UNKNOWN', `${by} has no declarant key to countersign with`);
  return countersignConsultation(suite, author, body as never, key.id, seeds.get(key.id)!) as unknown as Record<
    string,
    unknown
  >;
}

/** A declaration step that commits items in escrow: `form: escrowed` with `items` (the play builds the tree). */
export function isEscrowCommit(step: Step, body: Record<string, unknown>): boolean {
  return step.type === 'declaration' && body.form === 'escrowed' && Array.isArray(body.items);
}

/** An opening step that names what to open (`site`, `region` or `items`) rather than carrying its leaves. */
export function isEscrowOpening(step: Step, body: Record<string, unknown>): boolean {
  return step.type === 'declaration-opening' && body.leaves === undefined;
}

/** The escrowed declaration's entry body: the commitment, with the step's quantities (stated in the clear). */
export function escrowedBody(
  committed: Record<string, unknown>,
  step: Record<string, unknown>,
): Record<string, unknown> {
  return { ...committed, ...(step.quantities !== undefined ? { quantities: step.quantities } : {}) };
}

/** What an opening step names, as an escrow selector (exactly one of site, region, items). */
export function openingSelector(body: Record<string, unknown>): OpenSelector {
  const given = (['site', 'region', 'items'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw new DetenteError('BAD_INPUT', 'timeline: an opening names one of site, region, items');
  const k = given[0]!;
  return (k === 'items' ? { items: body.items as string[] } : { [k]: body[k] as string }) as OpenSelector;
}

const refKey = (r: EntryRef) => `${r.origin}#${r.index}`;

/** The body of a declaration-opening the play builds from the party's tree, as a node's escrow API would. */
function openingOf(
  trees: ReadonlyMap<string, EscrowTree>,
  body: Record<string, unknown>,
  regime: Regime,
  zones: () => ZoneIndex,
  sha256: Sha256,
): OpeningEntry {
  const declaration = body.declaration as EntryRef;
  const tree = trees.get(refKey(declaration));
  if (!tree) throw new DetenteError('BAD_INPUT', 'timeline: an opening of no escrowed declaration played');
  const chosen = chooseLeaves(tree, openingSelector(body), regime, zones);
  return openingEntryOf(declaration, createMultiOpening(tree, chosen.indexes), sha256, chosen.region);
}
