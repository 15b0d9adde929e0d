/**
 * The official records from the dashboard's API, against the real federation (helpers/web-node.ts): an inspection
 * report and the compliance summary as PDFs whose tlog-proofs (with the witnesses' cosignatures) read back from the
 * QR code and verify with `detente verify-proof` under the policy the node serves; tampered, refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachments, requirePoppler, verifyRecordProof } from './helpers/pdf-qr.js';
import { tempDirs } from './helpers/tmp.js';
import { startWebNodes, type WebNodes } from './helpers/web-node.js';

const tmp = tempDirs('detente-report-api-');
let nodes: WebNodes;

beforeAll(async () => {
  requirePoppler();
  nodes = await startWebNodes(tmp, 0, { exerciseClock: true });
}, 600_000); // six nodes play the scenario
afterAll(async () => nodes?.close());

async function pdfAt(path: string): Promise<string> {
  const res = await fetch(`${nodes.base}${path}`);
  expect(
    res.status,
    await res
      .clone()
      .text()
      .catch(() => ''),
  ).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  const file = join(tmp(), 'record.pdf');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

/** The policy file of each party's log, as the node serves it (its log key, the witnesses and their quorum). */
async function policyFiles(): Promise<(party: string) => string> {
  const dir = tmp();
  for (const party of ['us', 'ru', 'nato', 'ro', 'pl', 'ua']) {
    writeFileSync(join(dir, `${party}.policy`), await (await fetch(`${nodes.base}/logs/${party}/policy`)).text());
  }
  return (party) => join(dir, `${party}.policy`);
}

describe('GET /api/reports', () => {
  it('serves an inspection report whose proof verifies under the regime’s witness policy', async () => {
    const list = (await (await fetch(`${nodes.base}/api/entries?type=inspection-report&party=us`)).json()) as {
      entries: { origin: string; index: number }[];
    };
    const { origin, index } = list.entries[0]!;
    // As the dashboard's entry view links it: the origin as one encoded path segment.
    const pdf = await pdfAt(`/api/reports/entries/${encodeURIComponent(origin)}/${index}.pdf?lang=both`);
    expect(verifyRecordProof(pdf, await policyFiles(), tmp())).toEqual({ party: 'us', index });
  });

  it("serves the compliance summary with one proof a log, each read back verifying under its log's policy", async () => {
    const pdf = await pdfAt('/api/reports/compliance.pdf?asOf=2022-12-31');
    const proofs = [...attachments(pdf).keys()].filter((f) => f.endsWith('.tlog-proof')).sort();
    expect(proofs.map((f) => f.split('-')[0])).toEqual(['nato', 'pl', 'ro', 'ru', 'ua', 'us']);
    const { party, index } = verifyRecordProof(pdf, await policyFiles(), tmp());
    expect(proofs).toContain(`${party}-${index}.tlog-proof`);
  });

  it('answers a bad request with a specific error, not a PDF', async () => {
    const status = async (path: string) => {
      const res = await fetch(`${nodes.base}${path}`);
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    const origin = nodes.origin('us');
    const notRecord = await status(`/api/reports/entries/${origin}/0.pdf`);
    expect(notRecord.status).toBe(404);
    expect(notRecord.body.error.message).toMatch(/is an entry of type regime-signature/);
    expect((await status(`/api/reports/entries/${origin}/999999.pdf`)).status).toBe(404);
    expect((await status('/api/reports/entries/nowhere/1.pdf')).status).toBe(404);
    expect((await status(`/api/reports/entries/${origin}/x.pdf`)).status).toBe(400);
    expect((await status('/api/reports/compliance.pdf?asOf=yesterday')).status).toBe(400);
    expect((await status('/api/reports/compliance.pdf?lang=fr')).status).toBe(400);
  });
});
