/**
 * The escrow's HTTP routes (docs/API.md, "Escrow"): commit a declaration, list the party's own, open leaves, fetch
 * any opening as a self-contained `detente-opening/1` document, and take part in a joint draw. The logic is
 * `NodeEscrow` (src/node/escrow-service.ts); this file is the contract: paths, bodies, status codes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Id, Item, QuantityHolding } from '../model/index.js';
import { NodeEscrow, type NodeEscrowOptions } from '../node/escrow-service.js';
import type { PartyNode } from '../node/node.js';
import { SubmissionError } from '../node/submissions.js';
import { ErrorBody, Receipt } from './schemas.js';

const Nonce = z.string().describe('8 to 128 printable ASCII characters, never reused by the same user');
const IssuedAt = z.string().optional().describe("the entry's issuedAt (default: now)");
const Ref = z.object({ origin: z.string().max(255), index: z.number().int().nonnegative() });
const Totals = z.record(z.string(), z.number());

/** The self-contained opening (docs/ESCROW.md §10.4); its `opening` is checked by its own verifier, not here. */
const OpeningDocument = z
  .object({
    format: z.literal('detente-opening/1'),
    party: z.string(),
    opening: z.any().describe('the escrow opening (docs/ESCROW.md §3.2)'),
    declaration: z.object({
      origin: z.string(),
      index: z.number(),
      leafHash: z.string(),
      entry: z.string(),
      publicKey: z.string(),
    }),
    inclusion: z.object({ size: z.number(), proof: z.array(z.string()) }),
    checkpoint: z.string(),
    vkey: z.string(),
    tlogProof: z.string().optional().describe("the declaration's inclusion as a C2SP tlog-proof file"),
  })
  .describe('the self-contained opening, as `detente open --out` writes it (detente verify-opening checks it)');

export interface EscrowRouteOptions {
  authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  escrow?: NodeEscrowOptions;
}

export async function escrowRoutes(app: FastifyInstance, node: PartyNode, options: EscrowRouteOptions) {
  const escrow = new NodeEscrow(node, options.escrow);
  const api = app.withTypeProvider<ZodTypeProvider>();
  const auth = { onRequest: options.authenticate };
  const security = [{ bearer: [] }];

  api.post(
    '/api/escrow/declarations',
    {
      ...auth,
      schema: {
        summary:
          "Commit an escrowed declaration: the node builds the salted sum tree (the regime's categories and padding), keeps the secrets, records the commitment",
        tags: ['escrow'],
        security,
        body: z.object({
          nonce: Nonce,
          asOf: z.string().describe('the declaration period, YYYY-MM-DD; one commitment per period'),
          items: z.array(Item),
          quantities: z
            .array(QuantityHolding)
            .optional()
            .describe('quantities (troops, tanks): not itemised, so stated in the clear beside the commitment'),
          issuedAt: IssuedAt,
        }),
        response: {
          201: z.object({ receipt: Receipt, root: z.string(), leaves: z.number(), totals: Totals }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const out = await escrow.declare(req.user!, req.body);
      reply.code(201).header('cache-control', 'no-store');
      return out;
    },
  );

  api.get(
    '/api/escrow/declarations',
    {
      ...auth,
      schema: {
        summary: "The party's own escrowed declarations with their private items (which are opened)",
        tags: ['escrow'],
        security,
        response: {
          200: z.object({
            declarations: z.array(
              z.object({
                asOf: z.string(),
                ref: Ref,
                root: z.string(),
                leaves: z.number(),
                totals: Totals,
                items: z.array(
                  z.object({
                    uid: z.string(),
                    category: z.string(),
                    site: z.string(),
                    status: z.string(),
                    attributes: z.record(z.string(), z.number()).optional(),
                    opened: z.boolean(),
                  }),
                ),
              }),
            ),
          }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    (req, reply) => {
      reply.header('cache-control', 'no-store');
      return escrow.list(req.user!);
    },
  );

  api.post(
    '/api/escrow/openings',
    {
      ...auth,
      schema: {
        summary:
          'Open leaves of an escrowed declaration (exactly one of items, site, region): records a declaration-opening entry',
        tags: ['escrow'],
        security,
        body: z.object({
          nonce: Nonce,
          declaration: Ref,
          items: z.array(z.string()).optional().describe('item uids'),
          site: Id.optional().describe('every item at this site; the site is opened in full'),
          region: Id.optional().describe('every item at the sites of this zone (or site); opened in full'),
          issuedAt: IssuedAt,
        }),
        response: {
          201: z.object({ receipt: Receipt, opening: OpeningDocument }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const out = await escrow.open(req.user!, req.body);
      reply.code(201).header('cache-control', 'no-store');
      return out;
    },
  );

  api.get(
    '/api/escrow/openings/*',
    {
      schema: {
        summary:
          'The self-contained opening document of a declaration-opening entry: /api/escrow/openings/<origin>/<index>',
        tags: ['escrow'],
        response: { 200: OpeningDocument, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      let rest: string;
      try {
        rest = decodeURIComponent((req.params as { '*': string })['*']);
      } catch {
        throw new SubmissionError(400, 'MALFORMED_REQUEST', 'bad percent-encoding in the path');
      }
      const cut = rest.lastIndexOf('/');
      const indexText = rest.slice(cut + 1);
      if (cut <= 0 || !/^(0|[1-9]\d{0,15})$/.test(indexText)) {
        throw new SubmissionError(400, 'MALFORMED_REQUEST', 'expected /api/escrow/openings/<origin>/<index>');
      }
      // A sealed opening's document goes to a signed-in user of a party of its audience only.
      const token = /^bearer ([\x21-\x7e]{1,200})$/i.exec(req.headers.authorization ?? '')?.[1];
      const reader = token !== undefined && node.users.authenticate(token) !== undefined;
      const doc = await escrow.openingDocument(rest.slice(0, cut), Number(indexText), reader);
      if (!doc) {
        throw new SubmissionError(404, 'NOT_FOUND', `no declaration opening at ${rest.slice(0, cut)}#${indexText}`);
      }
      // Not immutable: the document carries the checkpoint served now, which grows and gathers cosignatures.
      reply.header('cache-control', 'no-cache');
      return doc;
    },
  );

  const DrawParams = z.object({ draw: Id });
  api.post(
    '/api/draws/:draw/commit',
    {
      ...auth,
      schema: {
        summary:
          "Commit to a fresh random value for a joint draw (kept in the node directory); role declarant, as the regime's random-commit needs",
        tags: ['escrow'],
        security,
        params: DrawParams,
        body: z.object({
          nonce: Nonce,
          inspection: Id.optional().describe('the inspection type whose sites the draw selects'),
          issuedAt: IssuedAt,
        }),
        response: {
          201: z.object({ receipt: Receipt, commitment: z.string() }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const out = await escrow.drawCommit(req.user!, req.params.draw, req.body);
      reply.code(201).header('cache-control', 'no-store');
      return out;
    },
  );

  api.post(
    '/api/draws/:draw/reveal',
    {
      ...auth,
      schema: {
        summary: "Reveal the party's value for a draw, once this node sees every party's commitment",
        tags: ['escrow'],
        security,
        params: DrawParams,
        body: z.object({ nonce: Nonce, issuedAt: IssuedAt }),
        response: {
          201: z.object({ receipt: Receipt, value: z.string() }),
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const out = await escrow.drawReveal(req.user!, req.params.draw, req.body);
      reply.code(201).header('cache-control', 'no-store');
      return out;
    },
  );
}
