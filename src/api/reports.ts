/**
 * The official records from the dashboard (src/report): `GET /api/reports/entries/<origin>/<index>.pdf` for a
 * notification or an inspection report, and `GET /api/reports/compliance.pdf?asOf=` for the compliance summary,
 * `?lang=en|ru|both`. Each carries the tlog-proofs this node serves (the checkpoint with its cosignatures), the
 * same bytes `GET /api/entries/<origin>/<index>.tlog-proof` answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fromBase64 } from '../crypto/bytes.js';
import { parseAsOf } from '../engine/as-of.js';
import type { ComplianceState } from '../engine/engine.js';
import type { Finding } from '../engine/findings.js';
import { decodeEntry } from '../model/index.js';
import type { LogInfo, PartyNode } from '../node/node.js';
import { SubmissionError } from '../node/submissions.js';
import { renderCompliancePdf } from '../report/compliance-pdf.js';
import { type RecordEnvelope, renderEntryPdf } from '../report/entry-pdf.js';
import type { EntryProof } from '../report/pdf-layout.js';
import type { ReadModel } from './read-model.js';
import { entryTlogProof } from './tlog-proof.js';

const PDF = 'application/pdf';
const Lang = z.enum(['en', 'ru', 'both']).optional().describe('en, ru, or both side by side (default)');

/** The proof of entry `index` of `log` as this node serves it, or undefined past its served checkpoint. */
function servedProof(node: PartyNode, log: LogInfo, index: number): EntryProof | undefined {
  const detail = node.entryDetail(log, index);
  if (!detail) return undefined;
  const proof = entryTlogProof(log, detail, node.suite);
  return { party: log.party, origin: log.origin, index, proof, entry: fromBase64(detail.entryBase64), vkey: log.vkey };
}

export async function reportRoutes(
  app: FastifyInstance,
  node: PartyNode,
  readsFor: (req: FastifyRequest) => ReadModel,
): Promise<void> {
  app.get<{ Params: { '*': string }; Querystring: { lang?: 'en' | 'ru' | 'both' } }>(
    '/api/reports/entries/*',
    {
      schema: {
        summary: 'A notification or inspection report as a PDF record with its tlog-proof: <origin>/<index>.pdf',
        tags: ['reports'],
        querystring: z.object({ lang: Lang }),
      },
    },
    async (req, reply) => {
      let path: string;
      try {
        // The dashboard encodes the origin as one path segment (its slashes as %2F), as for GET /api/entries/….
        path = decodeURIComponent(req.params['*']);
      } catch {
        throw new SubmissionError(400, 'BAD_INPUT', 'bad percent-encoding in the path');
      }
      const m = /^(.+)\/(0|[1-9]\d{0,15})\.pdf$/.exec(path);
      if (!m) throw new SubmissionError(400, 'BAD_INPUT', 'expected /api/reports/entries/<origin>/<index>.pdf');
      const log = node.logByOrigin(m[1]!);
      if (!log) throw new SubmissionError(404, 'NOT_FOUND', `this node holds no log ${JSON.stringify(m[1])}`);
      const index = Number(m[2]);
      const proof = servedProof(node, log, index);
      if (!proof) throw new SubmissionError(404, 'NOT_FOUND', `${log.origin} has no entry ${index} (yet)`);
      const envelope = decodeEntry(proof.entry).envelope;
      if (envelope.type !== 'notification' && envelope.type !== 'inspection-report') {
        throw new SubmissionError(
          404,
          'NOT_FOUND',
          `${log.origin}/${index} is an entry of type ${envelope.type}: records are for notifications and inspection reports`,
        );
      }
      const { findings } = JSON.parse((await readsFor(req).answer(undefined)).findings.toString()) as {
        findings: Finding[];
      };
      const cites = findings.filter((f) => f.refs.some((r) => r.origin === log.origin && r.index === index));
      const pdf = await renderEntryPdf({
        regime: node.regime,
        envelope: envelope as RecordEnvelope,
        proof,
        findings: cites,
        lang: req.query.lang ?? 'both',
      });
      reply.header('cache-control', 'no-cache');
      reply.header('content-disposition', `inline; filename="${log.party}-${index}.pdf"`);
      return reply.type(PDF).send(pdf);
    },
  );

  app.get<{ Querystring: { asOf?: string; lang?: 'en' | 'ru' | 'both' } }>(
    '/api/reports/compliance.pdf',
    {
      schema: {
        summary: "The compliance summary as of a date as a PDF record, with each log's latest tlog-proof",
        tags: ['reports'],
        querystring: z.object({ asOf: z.string().max(64).optional(), lang: Lang }),
      },
    },
    async (req, reply) => {
      const asOf = req.query.asOf ? parseAsOf(req.query.asOf) : undefined;
      const answer = await readsFor(req).answer(asOf);
      const state = JSON.parse(answer.state.toString()) as ComplianceState;
      const { findings } = JSON.parse(answer.findings.toString()) as { findings: Finding[] };
      // The proof of each log's last served entry: its checkpoint covers every entry the summary cites.
      const proofs = node.logs().flatMap((log) => {
        const size = node.servedSize(log);
        const p = size > 0 ? servedProof(node, log, size - 1) : undefined;
        return p ? [p] : [];
      });
      const pdf = await renderCompliancePdf({
        regime: node.regime,
        state,
        findings,
        proofs,
        lang: req.query.lang ?? 'both',
      });
      reply.header('cache-control', 'no-cache');
      reply.header('content-disposition', 'inline; filename="compliance.pdf"');
      return reply.type(PDF).send(pdf);
    },
  );
}
