/**
 * `GET /api/state` and `GET /api/findings`: the engine's fold of every log the node holds (its own and its mirrors),
 * as of a date. The fold is pure and deterministic, so every node that holds the same entries answers the same
 * bytes. It is recomputed only when the node's logs have grown (the engine needs canonical order, and a mirrored
 * entry may sort before the last one applied).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { canonicalJson } from '../crypto/canonical-json.js';
import { Engine } from '../engine/engine.js';
import { compareEntries } from '../engine/order.js';
import type { EngineEntry } from '../engine/types.js';
import { ZoneIndex } from '../engine/zones.js';
import type { PartyNode } from '../node/node.js';
import { bordersFor } from '../runtime/borders.js';

function parseAsOf(value: unknown, now: number): number | string {
  // Without a date, the node's own clock: an exercise's simulated now, not the wall clock.
  if (value === undefined || value === '') return now;
  if (typeof value !== 'string') return 'asOf: expected an ISO 8601 date';
  // A bare date means the end of that day (UTC), as in the CLI's --as-of.
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : `asOf: expected an ISO 8601 date, got ${JSON.stringify(value)}`;
}

/** Folds a node's entries, refolding only when it holds more than last time. */
export class NodeState {
  readonly #node: PartyNode;
  readonly #zones: ZoneIndex;
  #engine: Engine | undefined;
  #folded = '';
  #past: { asOf: number; folded: string; engine: Engine } | undefined;

  constructor(node: PartyNode) {
    this.#node = node;
    this.#zones = new ZoneIndex(node.regime, bordersFor(node.regime));
  }

  /** Every entry the node holds, with a declaration's further items when its blobs have arrived. */
  #entries(): EngineEntry[] {
    return this.#node.allEntries().map((e) => {
      const moreItems = this.#node.moreItems(e);
      return moreItems ? { ...e, moreItems } : e;
    });
  }

  #fold(entries: EngineEntry[]): Engine {
    entries.sort(compareEntries);
    const engine = new Engine({ regime: this.#node.regime, regimeHash: this.#node.regimeHash, zones: this.#zones });
    for (const e of entries) engine.apply(e);
    return engine;
  }

  engine(): Engine {
    // A declaration's blobs may reach a mirror after its entry: they count toward what was folded.
    const entries = this.#entries();
    const key = `${entries.length}/${entries.filter((e) => e.moreItems).length}`;
    if (!this.#engine || key !== this.#folded) {
      this.#engine = this.#fold(entries);
      this.#folded = key;
    }
    return this.#engine;
  }

  /**
   * An engine that can answer as of `asOf`: the full fold when every entry counts by then, else a fold of only the
   * entries counted by then (the engine refuses a date before an entry it applied). The last one is kept, as a
   * dashboard asks the state and the findings of one date in turn.
   */
  engineAsOf(asOf: number): Engine {
    const full = this.engine();
    if ((full.lastCountedAt ?? Number.NEGATIVE_INFINITY) <= asOf) return full;
    if (this.#past?.asOf === asOf && this.#past.folded === this.#folded) return this.#past.engine;
    const engine = this.#fold(this.#entries().filter((e) => e.countedAt <= asOf));
    this.#past = { asOf, folded: this.#folded, engine };
    return engine;
  }
}

const asOfQuery = z.object({
  asOf: z
    .string()
    .optional()
    .describe("ISO 8601 date or time (a bare date means its end, UTC); default the node's clock (GET /api/clock)"),
});

export async function stateRoutes(app: FastifyInstance, node: PartyNode): Promise<void> {
  const state = new NodeState(node);
  const evaluate = (query: { asOf?: string }) => {
    const asOf = parseAsOf(query.asOf, node.now());
    if (typeof asOf === 'string') return { error: asOf } as const;
    return { result: state.engineAsOf(asOf).evaluate(asOf) } as const;
  };
  app.get(
    '/api/clock',
    {
      schema: {
        summary: "The node's clock: an exercise's simulated now (the dashboard's default as-of), else the wall clock",
        tags: ['state'],
      },
    },
    (_req, reply) => {
      reply.header('cache-control', 'no-cache');
      return { now: new Date(node.now()).toISOString() };
    },
  );
  app.get<{ Querystring: { asOf?: string } }>(
    '/api/state',
    {
      schema: {
        summary: 'The state of compliance, folded from every log this node holds',
        tags: ['state'],
        querystring: asOfQuery,
      },
    },
    async (req, reply) => {
      const r = evaluate(req.query);
      if ('error' in r) return reply.code(400).send({ error: { code: 'BAD_INPUT', message: r.error } });
      // Canonical JSON: the same entries give the same bytes on every node.
      return reply.type('application/json').send(canonicalJson(r.result.state));
    },
  );
  app.get<{ Querystring: { asOf?: string } }>(
    '/api/findings',
    {
      schema: {
        summary: 'Every deviation, with its severity, rule and the entries that show it',
        tags: ['state'],
        querystring: asOfQuery,
      },
    },
    async (req, reply) => {
      const r = evaluate(req.query);
      if ('error' in r) return reply.code(400).send({ error: { code: 'BAD_INPUT', message: r.error } });
      return reply.type('application/json').send(canonicalJson({ findings: r.result.findings }));
    },
  );
}
