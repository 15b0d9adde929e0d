/**
 * The C2SP tlog-witness v1.0.0 HTTP endpoint: `POST <prefix>/add-checkpoint`. The witness (src/node/witness.ts)
 * decides; this only carries bytes. The body is read raw whatever its Content-Type (clients send text/plain, none,
 * or anything), bounded by `bodyLimit` (413 beyond it).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Witness } from '../node/witness.js';

export interface WitnessPluginOptions {
  witness: Witness;
  /** The submission prefix: '' or '/a/b' (default ''). */
  submissionPrefix?: string;
  /**
   * The one log origin accepted at this prefix (404 for any other, as for an unknown origin). Without it, every log
   * the witness knows is accepted here. A node serves one prefix per peer: a checkpoint of the log of another
   * party posted under this peer's prefix is refused, so a URL can never name one log and cosign another.
   */
  origin?: string;
  /** Largest request body accepted (default 64 KiB: a checkpoint with 100 signatures and 63 proof lines fits). */
  bodyLimit?: number;
  /** Called when a request revealed that a log signed two inconsistent checkpoints. */
  /** Called once the witness issued (and stored) new cosignatures: not for a re-cosign of the state it holds. */
  onCosigned?: () => void;
  onEquivocation?: (evidence: NonNullable<ReturnType<Witness['addCheckpoint']>['evidence']>) => void;
}

const DEFAULT_BODY_LIMIT = 64 * 1024;

export const witnessPlugin: FastifyPluginAsync<WitnessPluginOptions> = async (app, options) => {
  const { witness } = options;
  const prefix = options.submissionPrefix ?? '';
  if (prefix !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw new Error(`witness prefix ${JSON.stringify(prefix)}: expected '' or /segment[/segment...]`);
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // This plugin's own context: every body arrives as raw bytes, whatever it claims to be.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  app.post<{ Body: Buffer | undefined }>(
    `${prefix}/add-checkpoint`,
    {
      bodyLimit,
      schema: {
        summary: 'Submit a checkpoint for cosigning (C2SP tlog-witness v1.0.0)',
        tags: ['tlog-witness'],
      },
    },
    async (request, reply) => {
      const body = request.body ?? new Uint8Array(0);
      // Answered once the witness state is on disk, the fsync off the event loop (Witness.addCheckpointDurable).
      const result = await witness.addCheckpointDurable(
        new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        options.origin,
      );
      if (result.cosignatures) options.onCosigned?.();
      if (result.evidence) {
        request.log.warn({ origin: result.evidence.origin }, 'equivocation: a log signed two inconsistent checkpoints');
        options.onEquivocation?.(result.evidence);
      }
      return reply
        .code(result.status)
        .header('content-type', result.contentType)
        .header('cache-control', 'no-store')
        .send(result.body);
    },
  );
};
