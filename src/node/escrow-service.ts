/**
 * The node's escrow (docs/API.md, "Escrow"): what `/api/escrow/*` and `/api/draws/*` do on a running PartyNode.
 * Every write goes through the node's submission pipeline (same checks, same batching, same receipt); what is
 * particular to the escrow is checked first, so that a refused request stores nothing: the user's role and party,
 * the items (each problem with its path), one commitment per period, and the secrets, which are written only
 * beside an entry the log accepts (escrow.ts, `withPendingSecrets`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fromHex, toHex } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import {
  commitmentOfDeclaration,
  modelItemOf,
  type OpeningEntry,
  openingBlobRefs,
  openingDocumentOf,
  openingEntryOf,
} from '../engine/escrow-entries.js';
import { ZoneIndex } from '../engine/zones.js';
import { type AnyOpening, createMultiOpening, type EscrowSecrets, type RandomSource } from '../escrow/index.js';
import {
  decodeEntry,
  type EntryRef,
  type EnvelopeOf,
  IsoDate,
  type Item,
  openSealed,
  openSealedBlobs,
  regimeIndex,
} from '../model/index.js';
import { bordersFor } from '../runtime/borders.js';
import { symmetricNode } from '../runtime/node-crypto.js';
import { commitBody, drawRecords, drawValue, keptDrawValue, revealBody, waitingFor } from './draws.js';
import {
  chooseLeaves,
  commitItems,
  itemProblems,
  type OpenSelector,
  type OwnDeclaration,
  ownDeclarations,
  restoreTree,
  secretsPath,
  type Unseal,
  withPendingSecrets,
} from './escrow.js';
import type { LogInfo, PartyNode } from './node.js';
import { OPENING_FORMAT, type OpeningFile, withCosignatures, withTlogProof } from './opening-file.js';
import { type Receipt, SubmissionError } from './submissions.js';
import type { User } from './users.js';

export interface NodeEscrowOptions {
  /**
   * Randomness for a purpose (`declaration/<asOf>`, `draw/<draw>`); default the CSPRNG. Only exercises inject one
   * (derived from the exercise seed), so that a federation writes the bytes of a direct play.
   */
  random?: (purpose: string) => RandomSource | undefined;
}

export interface DeclareRequest {
  nonce: string;
  asOf: string;
  items: unknown;
  /** Quantities (troops, tanks), not itemised: stated in the clear beside the commitment. */
  quantities?: unknown[];
  issuedAt?: string;
}

export interface OpenRequest {
  nonce: string;
  declaration: { origin: string; index: number };
  items?: string[];
  site?: string;
  region?: string;
  issuedAt?: string;
}

export interface DeclarationListing {
  asOf: string;
  ref: { origin: string; index: number };
  root: string;
  leaves: number;
  totals: Record<string, number>;
  items: (Item & { opened: boolean })[];
}

/** A DetenteError from the escrow's own checks, as the API answers it. */
function refused(err: unknown, status: 400 | 409 | 422 = 400): never {
  if (err instanceof DetenteError && err.code !== 'STORE_ERROR') {
    throw new SubmissionError(status, err.code, err.message, err.problems[0]?.path, err.problems);
  }
  throw err;
}

export class NodeEscrow {
  readonly #node: PartyNode;
  readonly #random: NonNullable<NodeEscrowOptions['random']>;
  /** Periods whose declaration is being submitted: a second request for one is a duplicate. */
  readonly #pending = new Set<string>();
  #zones: ZoneIndex | undefined;

  constructor(node: PartyNode, options: NodeEscrowOptions = {}) {
    this.#node = node;
    this.#random = options.random ?? (() => undefined);
  }

  get #own(): LogInfo {
    return this.#node.logByParty(this.#node.party.id)!;
  }

  #zonesIndex = (): ZoneIndex => {
    this.#zones ??= new ZoneIndex(this.#node.regime, bordersFor(this.#node.regime));
    return this.#zones;
  };

  /** Only a declarant of this node's party may commit, list or open its declarations, or take part in a draw. */
  #requireDeclarant(user: User): void {
    const party = this.#node.party.id;
    if (user.party !== party) {
      throw new SubmissionError(
        403,
        'PARTY_DENIED',
        `user ${user.name} is a member of "${user.party}", not of "${party}"`,
      );
    }
    if (!user.roles.includes('declarant')) {
      throw new SubmissionError(
        403,
        'ROLE_DENIED',
        `user ${user.name} has roles ${user.roles.join(', ')}; escrow needs role "declarant"`,
      );
    }
  }

  #declarations(): OwnDeclaration[] {
    return ownDeclarations(this.#own.store, this.#node.hasher, this.#unseal);
  }

  /**
   * An own sealed entry opened with the party's audience key (a sealed opening is read as the plain one it holds);
   * undefined when the key is not read yet (#readOwnKeys) or the entry does not open.
   */
  #unseal: Unseal = (leafHash, sealed) => this.#unsealFrom(this.#own, leafHash, sealed);

  #unsealFrom(log: LogInfo, leafHash: string, sealed: EnvelopeOf<'sealed'>): ReturnType<Unseal> {
    const key = this.#node.submissions.audienceKeys.contentKey(leafHash, sealed);
    if (!key) return undefined;
    try {
      const envelope = openSealed(symmetricNode, this.#node.suite.sha256, sealed, key);
      const ciphertexts = (sealed.body.blobs ?? []).map((r) => log.store.blob(fromHex(r.sha256)));
      const blobs = openSealedBlobs(symmetricNode, this.#node.suite.sha256, sealed, envelope, key, ciphertexts);
      return { envelope, blobs };
    } catch (err) {
      if (err instanceof DetenteError) return undefined;
      throw err;
    }
  }

  /** Opens the party's own audience keys (asynchronous: HPKE), so that #declarations reads its sealed openings. */
  async #readOwnKeys(): Promise<void> {
    const own = this.#own;
    await this.#node.submissions.audienceKeys.readAll(
      this.#node.allEntries().filter((e) => e.origin === own.origin && e.envelope.type === 'audience-key'),
    );
  }

  /** Commits a declaration: `201 { receipt, root, leaves, totals }`. */
  async declare(user: User, request: DeclareRequest) {
    this.#requireDeclarant(user);
    const { asOf } = request;
    if (!IsoDate.safeParse(asOf).success) {
      throw new SubmissionError(400, 'SCHEMA_INVALID', 'asOf: expected a date YYYY-MM-DD', '$.asOf');
    }
    const problems = itemProblems(this.#node.regime, request.items);
    if (problems.length) {
      const p = problems[0]!;
      throw new SubmissionError(400, 'SCHEMA_INVALID', `${p.path}: ${p.message}`, p.path, problems);
    }
    // One commitment per period: refused before anything is written (docs/ESCROW.md §3.4).
    const first = this.#declarations().find((d) => d.asOf === asOf);
    if (first || this.#pending.has(asOf)) {
      throw new SubmissionError(
        409,
        'COMMITMENT_DUPLICATE',
        `${this.#node.party.id} already committed a declaration as of ${asOf}${first ? ` (${first.ref.origin}#${first.ref.index}, root ${first.commitment.root})` : ' (being recorded)'}`,
        '$.asOf',
      );
    }
    this.#pending.add(asOf);
    try {
      let committed: ReturnType<typeof commitItems>;
      try {
        committed = commitItems(
          this.#node.regime,
          request.items as Item[],
          asOf,
          this.#node.suite,
          this.#random(`declaration/${asOf}`),
        );
      } catch (err) {
        refused(err);
      }
      const { tree, commitment, body } = committed;
      const receipt = await withPendingSecrets(
        secretsPath(this.#node.dir, asOf),
        `${JSON.stringify(tree.secrets())}\n`,
        () =>
          this.#node.submissions.submit(user, {
            nonce: request.nonce,
            type: 'declaration',
            body: request.quantities !== undefined ? { ...body, quantities: request.quantities } : body,
            ...(request.issuedAt !== undefined ? { issuedAt: request.issuedAt } : {}),
          }),
      );
      return { receipt, root: commitment.root, leaves: commitment.size, totals: commitment.totals };
    } finally {
      this.#pending.delete(asOf);
    }
  }

  /** The party's escrowed declarations with their private items and which are opened. */
  async list(user: User): Promise<{ declarations: DeclarationListing[] }> {
    this.#requireDeclarant(user);
    await this.#readOwnKeys();
    return {
      declarations: this.#declarations().map((d) => ({
        asOf: d.asOf,
        ref: { origin: d.ref.origin, index: d.ref.index },
        root: d.commitment.root,
        leaves: d.commitment.size,
        totals: d.commitment.totals,
        items: this.#secretItems(d).map((item) => ({ ...item, opened: d.opened.has(item.uid) })),
      })),
    };
  }

  /** The items a declaration's secrets hold (none if they are missing), without rebuilding the tree. */
  #secretItems(d: OwnDeclaration): Item[] {
    const path = secretsPath(this.#node.dir, d.asOf);
    const file = existsSync(path) ? path : existsSync(`${path}.pending`) ? `${path}.pending` : undefined;
    if (!file) return [];
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as EscrowSecrets;
    return secrets.leaves.flatMap((l, i) =>
      l.item ? [modelItemOf(l.item, secrets.categories, `leaves[${i}].item`)] : [],
    );
  }

  /** Opens leaves of a declaration: records a declaration-opening entry; `201 { receipt, opening }`. */
  async open(user: User, request: OpenRequest): Promise<{ receipt: Receipt; opening: OpeningFile }> {
    this.#requireDeclarant(user);
    const given = (['items', 'site', 'region'] as const).filter((k) => request[k] !== undefined);
    if (given.length !== 1) {
      throw new SubmissionError(
        400,
        'SCHEMA_INVALID',
        `expected exactly one of items, site, region${given.length ? `, got ${given.join(' and ')}` : ''}`,
        given.length ? `$.${given[1]}` : '$',
      );
    }
    const ref = request.declaration;
    await this.#readOwnKeys();
    const d = this.#declarations().find((x) => x.ref.origin === ref.origin && x.ref.index === ref.index);
    if (!d) {
      throw new SubmissionError(
        404,
        'NOT_FOUND',
        `${ref.origin}#${ref.index} is not an escrowed declaration of ${this.#node.party.id}`,
        '$.declaration',
      );
    }
    const selector = (
      request.items !== undefined
        ? { items: request.items }
        : request.site !== undefined
          ? { site: request.site }
          : { region: request.region! }
    ) as OpenSelector;
    let entry: OpeningEntry;
    let opening: ReturnType<typeof createMultiOpening>;
    try {
      const tree = restoreTree(this.#node.dir, d, this.#node.suite);
      const chosen = chooseLeaves(tree, selector, this.#node.regime, this.#zonesIndex);
      opening = createMultiOpening(tree, chosen.indexes);
      entry = openingEntryOf(d.ref, opening, this.#node.suite.sha256, chosen.region);
    } catch (err) {
      refused(err);
    }
    // The blobs go in first (content-addressed: a refused entry leaves only bytes nobody names).
    for (const b of entry.blobs) this.#own.store.putBlob(fromHex(b.ref.sha256), b.bytes);
    const receipt = await this.#node.submissions.submit(user, {
      nonce: request.nonce,
      type: 'declaration-opening',
      body: entry.body,
      ...(request.issuedAt !== undefined ? { issuedAt: request.issuedAt } : {}),
    });
    return { receipt, opening: this.#openingFile(this.#own, d.ref, opening) };
  }

  /**
   * The self-contained document of a declaration-opening entry held by this node, or undefined. A sealed opening
   * only for a `reader` (a signed-in user of this node's party) when the party is in its audience: its leaves are
   * what the seal hides.
   */
  async openingDocument(origin: string, index: number, reader = false): Promise<OpeningFile | undefined> {
    const log = this.#node.logByOrigin(origin);
    if (!log || index >= this.#node.servedSize(log)) return undefined;
    const leaf = log.store.entry(index)!;
    let e = decodeEntry(leaf).envelope;
    let opened: (Uint8Array | undefined)[] | undefined;
    if (e.type === 'sealed' && e.body.type === 'declaration-opening' && reader) {
      await this.#node.submissions.audienceKeys.readAll(this.#node.allEntries().filter((x) => x.origin === origin));
      const plain = this.#unsealFrom(log, toHex(this.#node.hasher.hashLeaf(leaf)), e);
      if (!plain) return undefined;
      ({ envelope: e, blobs: opened } = plain);
    }
    if (e.type !== 'declaration-opening') return undefined;
    const ref = e.body.declaration;
    if (ref.origin !== origin || ref.index >= index) return undefined;
    const declared = decodeEntry(log.store.entry(ref.index)!).envelope;
    if (declared.type !== 'declaration' || declared.body.form !== 'escrowed') return undefined;
    const blobs = opened ?? openingBlobRefs(e.body).map((r) => log.store.blob(fromHex(r.sha256)));
    try {
      const opening = openingDocumentOf(e.body, commitmentOfDeclaration(declared.body), blobs, this.#node.suite.sha256);
      return this.#openingFile(log, ref, opening as AnyOpening);
    } catch (err) {
      if (err instanceof DetenteError) return undefined;
      throw err;
    }
  }

  #openingFile(log: LogInfo, ref: EntryRef, opening: OpeningFile['opening']): OpeningFile {
    const detail = this.#node.entryDetail(log, ref.index)!;
    const party = regimeIndex(this.#node.regime).parties.get(log.party)!;
    const key = party.keys.find((k) => k.id === detail.envelope.key);
    if (!key?.publicKey) throw new DetenteError('KEY_UNKNOWN', `${log.party} has no key ${detail.envelope.key}`);
    return withTlogProof({
      format: OPENING_FORMAT,
      party: log.party,
      opening,
      declaration: {
        origin: log.origin,
        index: ref.index,
        leafHash: detail.leafHash,
        entry: detail.entryBase64,
        publicKey: key.publicKey,
      },
      inclusion: detail.proof,
      checkpoint: withCosignatures(detail.checkpoint, detail.cosignatures),
      vkey: detail.vkey,
    });
  }

  #drawRecords(draw: string) {
    const logs = this.#node.logs().map((l) => ({ store: l.store, size: this.#node.servedSize(l) }));
    return drawRecords(logs, draw, this.#node.hasher);
  }

  /** Commits to a fresh random value for a draw (kept in the node directory): `201 { receipt, commitment }`. */
  async drawCommit(user: User, draw: string, request: { nonce: string; inspection?: string; issuedAt?: string }) {
    this.#requireDeclarant(user);
    const party = this.#node.party.id;
    const own = this.#drawRecords(draw).commits.get(party);
    if (own) {
      throw new SubmissionError(
        409,
        'COMMITMENT_DUPLICATE',
        `${party} already committed to draw ${draw} (${own.origin}#${own.index}); only the first commitment counts`,
      );
    }
    if (request.inspection !== undefined && !regimeIndex(this.#node.regime).inspections.has(request.inspection)) {
      throw new SubmissionError(400, 'SCHEMA_INVALID', `no inspection type ${request.inspection}`, '$.inspection');
    }
    const value = drawValue(this.#node.dir, draw, party, this.#random(`draw/${draw}`));
    const body = commitBody(draw, party, value, this.#node.suite, request.inspection);
    const receipt = await this.#node.submissions.submit(user, {
      nonce: request.nonce,
      type: 'random-commit',
      body,
      ...(request.issuedAt !== undefined ? { issuedAt: request.issuedAt } : {}),
    });
    return { receipt, commitment: body.commitment };
  }

  /** Reveals the party's value, once every party of the draw has committed: `201 { receipt, value }`. */
  async drawReveal(user: User, draw: string, request: { nonce: string; issuedAt?: string }) {
    this.#requireDeclarant(user);
    const party = this.#node.party.id;
    const records = this.#drawRecords(draw);
    const own = records.commits.get(party);
    if (!own) throw new SubmissionError(404, 'NOT_FOUND', `${party} has not committed to draw ${draw}`);
    if (records.revealed.has(party)) {
      throw new SubmissionError(409, 'REVEALED', `${party} already revealed its value for draw ${draw}`);
    }
    const waiting = waitingFor(this.#node.regime, records, own.inspection);
    if (waiting.length) {
      throw new SubmissionError(
        409,
        'DRAW_PENDING',
        `draw ${draw}: not revealing before ${waiting.join(', ')} committed (this node's logs show no commitment yet)`,
      );
    }
    let body: ReturnType<typeof revealBody>;
    try {
      body = revealBody(party, draw, records, keptDrawValue(this.#node.dir, draw, party), this.#node.suite);
    } catch (err) {
      refused(err, 409);
    }
    const receipt = await this.#node.submissions.submit(user, {
      nonce: request.nonce,
      type: 'random-reveal',
      body,
      ...(request.issuedAt !== undefined ? { issuedAt: request.issuedAt } : {}),
    });
    return { receipt, value: body.value };
  }
}
