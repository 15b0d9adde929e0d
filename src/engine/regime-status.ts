/**
 * Whether the regime is in force: every party listed in it (observers too) has signed the same regime hash in its
 * own log. It is in force from the time the last of those signatures counts from. A signature of another hash is
 * a finding, unless it is the hash this regime supersedes (an amendment takes effect, like the original, once all
 * parties have signed the new hash).
 */
import type { EnvelopeOf } from '../model/index.js';
import type { Ctx } from './context.js';
import { keyOf } from './findings.js';
import { from, type Intervals, NEVER } from './intervals.js';
import { msg } from './messages.js';
import { iso } from './time.js';
import type { EntryRef } from './types.js';

interface Signed {
  at: number;
  ref: EntryRef;
}

export interface RegimeState {
  id: string;
  version: number;
  hash: string;
  supersedes?: string;
  inForce: boolean;
  since?: string;
  signatures: {
    party: string;
    status: 'signed' | 'signed-other' | 'not-signed';
    at?: string;
    ref?: EntryRef;
    otherHashes?: string[];
  }[];
}

export class RegimeStatus {
  readonly #ctx: Ctx;
  readonly #hash: string;
  readonly #signed = new Map<string, Signed>();
  readonly #other = new Map<string, Set<string>>();
  #since: number | undefined;

  constructor(ctx: Ctx, hash: string) {
    this.#ctx = ctx;
    this.#hash = hash;
  }

  get hash(): string {
    return this.#hash;
  }

  apply(e: EnvelopeOf<'regime-signature'>, ref: EntryRef, at: number): void {
    const party = e.party;
    if (e.body.regime !== this.#hash) {
      let set = this.#other.get(party);
      if (!set) {
        set = new Set();
        this.#other.set(party, set);
      }
      set.add(e.body.regime);
      if (e.body.regime !== this.#ctx.regime.supersedes) {
        this.#ctx.emit({
          rule: 'regime.signature-mismatch',
          key: keyOf(ref),
          party,
          at,
          breaks: { kind: 'regime', id: this.#ctx.regime.id },
          message: msg('regime.signature-mismatch', { party, signed: e.body.regime, expected: this.#hash }),
          refs: [ref],
        });
      }
      return;
    }
    if (this.#signed.has(party)) return;
    this.#signed.set(party, { at, ref });
    if (this.#ctx.regime.parties.every((p) => this.#signed.has(p.id))) this.#since = at;
  }

  /** True once every party has signed (in the fold so far). */
  get inForceNow(): boolean {
    return this.#since !== undefined;
  }

  inForce(asOf: number): Intervals {
    return this.#since !== undefined && this.#since <= asOf ? from(this.#since) : NEVER;
  }

  state(asOf: number): RegimeState {
    const r = this.#ctx.regime;
    const inForce = this.#since !== undefined && this.#since <= asOf;
    return {
      id: r.id,
      version: r.version,
      hash: this.#hash,
      ...(r.supersedes ? { supersedes: r.supersedes } : {}),
      inForce,
      ...(inForce ? { since: iso(this.#since!) } : {}),
      signatures: r.parties.map((p) => {
        const s = this.#signed.get(p.id);
        const other = [...(this.#other.get(p.id) ?? [])].sort();
        return {
          party: p.id,
          status: s ? 'signed' : other.length ? 'signed-other' : 'not-signed',
          ...(s ? { at: iso(s.at), ref: s.ref } : {}),
          ...(other.length ? { otherHashes: other } : {}),
        };
      }),
    };
  }

  /** Parties that have not signed yet. */
  unsigned(): string[] {
    return this.#ctx.regime.parties.filter((p) => !this.#signed.has(p.id)).map((p) => p.id);
  }
}
