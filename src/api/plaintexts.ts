/**
 * `GET /api/plaintexts/<origin>/<index>` (issue 14): the plaintext of a sealed entry (its commitment salt and body
 * bytes) for a signed-in user whose party is in the entry's audience, opened with the content key this node holds.
 * The dashboard checks it against the envelope's public commitment before it shows a field (model/sealed-plaintext.ts),
 * so the node is trusted to hand the plaintext over, never for what it says. A stranger, a user of a party outside
 * the audience, or an entry in the clear gets a typed refusal and no byte of the body.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toBase64 } from '../crypto/bytes.js';
import { DetenteError } from '../crypto/errors.js';
import { sealedPlaintext } from '../model/index.js';
import type { LogInfo, PartyNode } from '../node/node.js';
import { symmetricNode } from '../runtime/node-crypto.js';
import { entryPath } from './entry-path.js';
import { sendError } from './http.js';
import type { ReadModel } from './read-model.js';
import { ErrorBody } from './schemas.js';

export interface PlaintextRouteOptions {
  /** The party's read model: its snapshot opens the audience keys the node may read. */
  reads: ReadModel;
  authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  logOf: (origin: string) => LogInfo;
}

const Plaintext = z.object({
  origin: z.string(),
  index: z.number(),
  leafHash: z.string(),
  /** The 32-byte commitment salt and the body bytes (canonical JSON of the plain entry's body), base64. */
  salt: z.string(),
  body: z.string(),
});

export async function plaintextRoutes(app: FastifyInstance, node: PartyNode, o: PlaintextRouteOptions): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/plaintexts/*',
    {
      onRequest: o.authenticate,
      schema: {
        summary:
          "A sealed entry's plaintext (commitment salt and body, base64) for a user of its audience: /api/plaintexts/<origin>/<index>; check it against the envelope's commitment",
        tags: ['entries'],
        security: [{ bearer: [] }],
        response: {
          200: Plaintext,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const path = entryPath((req.params as { '*': string })['*']);
      if (typeof path === 'string' || path.asProof) {
        const why = typeof path === 'string' && path ? path : 'expected /api/plaintexts/<origin>/<index>';
        return sendError(reply, 400, 'MALFORMED_REQUEST', why);
      }
      const user = req.user!;
      const log = o.logOf(path.origin);
      const detail = node.entryDetail(log, Number(path.indexText));
      if (!detail) return sendError(reply, 404, 'NOT_FOUND', `${log.origin} has no entry ${path.indexText} (yet)`);
      const { envelope, leafHash } = detail;
      if (envelope.type !== 'sealed') {
        return sendError(
          reply,
          404,
          'NOT_FOUND',
          `entry ${path.indexText} of ${log.origin} is not sealed: its body is in the entry`,
        );
      }
      const audience = envelope.body.audience;
      if (user.party !== node.party.id) {
        return sendError(
          reply,
          403,
          'PARTY_DENIED',
          `user ${user.name} is a member of "${user.party}", not of "${node.party.id}"`,
        );
      }
      if (!audience.includes(user.party)) {
        return sendError(
          reply,
          403,
          'AUDIENCE_DENIED',
          `entry ${path.indexText} of ${log.origin} is sealed to ${audience.join(', ')}: "${user.party}" is not in its audience`,
        );
      }
      // The snapshot opens every audience key the party may read (asynchronous: HPKE), once per data version.
      await o.reads.snapshot();
      const key = node.submissions.audienceKeys.contentKey(leafHash, envelope);
      if (!key) {
        const keys = envelope.body.keys;
        return sendError(
          reply,
          409,
          'KEY_UNKNOWN',
          `this node cannot open the audience key ${keys.origin}#${keys.index} the entry names (not mirrored yet, or its recipient key is not on this node)`,
        );
      }
      let plaintext: ReturnType<typeof sealedPlaintext>;
      try {
        plaintext = sealedPlaintext(symmetricNode, envelope, key);
      } catch (err) {
        if (!(err instanceof DetenteError)) throw err;
        // The author's fault (confidential.undecryptable): nothing to hand over.
        return sendError(reply, 422, err.code, `the entry does not open with its content key: ${err.message}`);
      }
      reply.header('cache-control', 'private, no-store');
      return {
        origin: log.origin,
        index: detail.index,
        leafHash,
        salt: toBase64(plaintext.salt),
        body: toBase64(plaintext.body),
      };
    },
  );
}
