/** Hand-built entry sequences for the engine: signed entries with their log positions and counted times. */
import { toHex } from '../src/crypto/bytes.js';
import { canonicalJson } from '../src/crypto/canonical-json.js';
import { type Engine, type EngineEntry, fold } from '../src/engine/index.js';
import { ZoneIndex } from '../src/engine/zones.js';
import {
  buildEnvelope,
  countersignReport,
  type EntryRef,
  type EnvelopeFields,
  encodeEntry,
  type InspectionReportBody,
  type Regime,
  regimeHash,
  regimeIndex,
  signEntry,
} from '../src/model/index.js';
import { bordersFor } from '../src/runtime/borders.js';
import { Rfc6962Hasher } from '../src/tlog/hasher.js';
import { loadScenario, seedOf, suite } from './model-helpers.js';

const hasher = new Rfc6962Hasher(suite.sha256);

export const T = (s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);

const zonesCache = new WeakMap<Regime, ZoneIndex>();

export function zonesOf(regime: Regime): ZoneIndex {
  let z = zonesCache.get(regime);
  if (!z) {
    z = new ZoneIndex(regime, bordersFor(regime));
    zonesCache.set(regime, z);
  }
  return z;
}

export class Script {
  readonly entries: EngineEntry[] = [];
  readonly regime: Regime;
  readonly hash: string;
  readonly #next = new Map<string, number>();

  constructor(regime: Regime = loadScenario()) {
    this.regime = regime;
    this.hash = regimeHash(regime, suite.sha256);
  }

  /** Blobs by SHA-256 (hex), as a store holds them: an opening's blobs are handed to the engine with its entry. */
  readonly blobs = new Map<string, Uint8Array>();

  /** Appends an entry to `party`'s log (or `origin`), counted at `at`. */
  add(
    party: string,
    type: string,
    body: unknown,
    at: string,
    opts: { key?: string; origin?: string; refs?: EntryRef[]; moreItems?: any[] } = {},
  ): EngineEntry {
    const ix = regimeIndex(this.regime);
    const role = ['inspection-request', 'inspection-report', 'observation'].includes(type) ? 'inspector' : 'declarant';
    const key = opts.key ?? ix.parties.get(party)!.keys.find((k) => k.roles.includes(role))!.id;
    const envelope = buildEnvelope({
      type,
      party,
      key,
      issuedAt: new Date(T(at)).toISOString(),
      body,
      refs: opts.refs,
    } as EnvelopeFields);
    const signed = signEntry(suite, envelope, seedOf(key));
    const origin = opts.origin ?? ix.parties.get(party)!.origin;
    const index = this.#next.get(origin) ?? 0;
    this.#next.set(origin, index + 1);
    const entry: EngineEntry = {
      origin,
      index,
      leafHash: toHex(hasher.hashLeaf(encodeEntry(signed))),
      countedAt: T(at),
      envelope,
      ...(opts.moreItems ? { moreItems: opts.moreItems } : {}),
    };
    const blobRefs = (body as { opening?: { blobs?: { sha256: string }[] } }).opening?.blobs;
    if (type === 'declaration-opening' && blobRefs) entry.blobs = blobRefs.map((r) => this.blobs.get(r.sha256));
    this.entries.push(entry);
    return entry;
  }

  /** Every party signs the regime, a day apart from `at`. */
  signAll(at = '2022-01-27'): void {
    let t = T(at);
    for (const p of this.regime.parties) {
      this.add(
        p.id,
        'regime-signature',
        { regime: this.hash, id: this.regime.id, version: this.regime.version },
        new Date(t).toISOString(),
      );
      t += 3_600_000;
    }
  }

  fold(asOf?: string, entries: EngineEntry[] = this.entries): Engine {
    return fold(
      { regime: this.regime, regimeHash: this.hash, zones: zonesOf(this.regime) },
      entries,
      asOf === undefined ? undefined : T(asOf),
    );
  }

  evaluate(asOf: string) {
    return this.fold(asOf).evaluate(T(asOf));
  }

  findings(asOf: string) {
    return this.evaluate(asOf).findings;
  }

  /** Rule ids of the findings as of `asOf`, sorted. */
  rules(asOf: string): string[] {
    return this.findings(asOf)
      .map((f) => f.rule)
      .sort();
  }
}

export function ref(e: EngineEntry): EntryRef {
  return { origin: e.origin, index: e.index, leafHash: e.leafHash };
}

export function canonical(x: unknown): string {
  return canonicalJson(x);
}

export const text = (en: string) => ({ en, ru: `${en} (рус.)` });

/**
 * At a site on another party's territory (`sites[].hostNation`), that host nation consents to the request an hour
 * after it counts, as the visit needs; elsewhere nothing.
 */
export function consentIfHosted(s: Script, req: EngineEntry): void {
  const b = req.envelope.body as { site: string };
  const nation = regimeIndex(s.regime).sites.get(b.site)?.hostNation;
  if (nation === undefined) return;
  const at = new Date(req.countedAt + 3_600_000).toISOString();
  s.add(nation, 'mission', { step: 'consent', request: ref(req) }, at, { key: `${nation}-inspector` });
}

/** A report countersigned by the host's escort, and by the host nation's where the site has one. */
export function escorted(regime: Regime, inspector: string, body: InspectionReportBody): InspectionReportBody {
  const nation = regimeIndex(regime).sites.get(body.site)?.hostNation;
  let out = countersignReport(suite, inspector, body, `${body.host}-inspector`, seedOf(`${body.host}-inspector`));
  if (nation !== undefined)
    out = countersignReport(
      suite,
      inspector,
      out,
      `${nation}-inspector`,
      seedOf(`${nation}-inspector`),
      'hostNationCountersignature',
    );
  return out;
}
