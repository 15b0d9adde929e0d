/**
 * `GET /api/state` and `GET /api/findings`: the engine's fold of every log the node holds (its own and its mirrors),
 * as of a date: with a login, everything its party may read; without, the public view (sealed bodies hidden). The fold is pure and deterministic, so every node that holds the same entries answers the same
 * bytes. Both are served from the read model (read-model.ts): folded once per change of the data, in slices, and
 * shared by every request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseAsOf } from '../engine/as-of.js';
import type { ReadModel } from './read-model.js';

const asOfQuery = z.object({
  asOf: z
    .string()
    .max(64)
    .optional()
    .describe("a date (its end, UTC) or an RFC 3339 time, 1970 to 9999; default the node's clock (GET /api/clock)"),
});

export async function stateRoutes(app: FastifyInstance, readsFor: (req: FastifyRequest) => ReadModel): Promise<void> {
  // An absent or empty asOf means the node's now; anything else must parse strictly (BAD_INPUT, 400, otherwise).
  const answer = (req: FastifyRequest<{ Querystring: { asOf?: string } }>) => {
    const { asOf } = req.query;
    return readsFor(req).answer(asOf === undefined || asOf === '' ? undefined : parseAsOf(asOf));
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
      return { now: new Date(readsFor(_req).now()).toISOString() };
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
    async (req, reply) => reply.type('application/json').send((await answer(req)).state),
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
    async (req, reply) => reply.type('application/json').send((await answer(req)).findings),
  );
}
