/**
 * `detente report compliance|notification|inspection`: PDFs in both languages that carry the C2SP tlog-proofs of
 * the entries they rely on. Round trip: Debian's poppler renders the proof page, jsQR reads the code back, pdfdetach
 * gives back the attached entry, and `detente verify-proof` accepts the proof, and refuses it tampered.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { playScenario } from '../src/exercise/play.js';
import { detente } from './helpers/cli.js';
import { attachments, requirePoppler, verifyRecordProof } from './helpers/pdf-qr.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-report-');
let play: string;

beforeAll(async () => {
  requirePoppler();
  play = join(tmp(), 'play');
  await playScenario('european-security-2022', play);
}, 120_000);

const text = (pdf: string) => spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout;

/** A policy that trusts the party's log key and asks for no witness: a scenario's logs carry no cosignatures. */
function policyOf(dir: string, party: string): string {
  const file = join(dir, `${party}.policy`);
  writeFileSync(file, `log ${readFileSync(join(play, party, 'log.vkey'), 'utf8').trim()}\nquorum none\n`);
  return file;
}

/** The record's proof round trip (helpers/pdf-qr.ts) under a policy of the party's log key alone. */
function roundTrip(pdf: string): { party: string; index: number } {
  const dir = tmp();
  return verifyRecordProof(pdf, (party) => policyOf(dir, party), dir);
}

describe('detente report compliance', () => {
  it("writes both languages, and each log's proof reads back from its QR code and verifies offline", () => {
    const out = join(tmp(), 'compliance.pdf');
    const r = detente(['report', 'compliance', '--dir', play, '--as-of', '2022-12-31', '--lang', 'both', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const t = text(out);
    expect(t).toContain('Compliance summary');
    expect(t).toContain('Сводка о соблюдении');
    expect(t).toContain('As of 2022-12-31 23:59 UTC');
    const files = [...attachments(out).keys()].sort();
    // One a log: us, ru, nato, and the host nations and Ukraine (ro, pl, ua).
    expect(files.filter((f) => f.endsWith('.tlog-proof'))).toHaveLength(6);
    // The code read back is one of the attached proofs, of a log's last entry of the year.
    const { party, index } = roundTrip(out);
    expect(files).toContain(`${party}-${index}.entry`);
  });

  it('refuses a language it does not know, in one line', () => {
    const r = detente(['report', 'compliance', '--dir', play, '--lang', 'fr', '--out', join(tmp(), 'x.pdf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('detente: --lang: expected en, ru or both, got "fr"\n');
  });
});

describe('detente report notification and inspection', () => {
  it('writes an inspection report as a report, both languages side by side, with a proof that verifies', () => {
    const out = join(tmp(), 'inspection.pdf');
    const r = detente(['report', 'inspection', '--dir', play, '--entry', 'detente.example/us/35', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const t = text(out);
    for (const s of ['Inspection report', 'Акт инспекции', 'Mozdok', 'Моздок', 'Points at issue', 'Спорные вопросы']) {
      expect(t).toContain(s);
    }
    // This report's host declined to countersign; the engine's findings that cite it follow.
    expect(t).toContain('Not countersigned');
    expect(t).toContain('Контрподписи нет');
    expect(t).toContain('Findings of the verification that cite this entry');
    expect(roundTrip(out)).toEqual({ party: 'us', index: 35 });
  });

  it('writes a notification with the regime’s official names, in one language when asked', () => {
    const out = join(tmp(), 'notification.pdf');
    const r = detente([
      'report',
      'notification',
      '--dir',
      play,
      '--entry',
      'detente.example/ru/17',
      '--lang',
      'ru',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const t = text(out);
    expect(t).toContain('Уведомление');
    expect(t).toContain('Российская Федерация');
    expect(t).not.toContain('Notification');
    expect(roundTrip(out)).toEqual({ party: 'ru', index: 17 });
  });

  it('refuses, in one line, an entry of another type, an unknown log and an index the log has not signed', () => {
    const out = join(tmp(), 'x.pdf');
    const run = (entry: string) => detente(['report', 'notification', '--dir', play, '--entry', entry, '--out', out]);
    expect(run('detente.example/us/35').stderr).toBe(
      'detente: --entry: detente.example/us/35 is an entry of type inspection-report, not notification\n',
    );
    expect(run('nope/3').stderr).toMatch(/^detente: --entry: no log "nope" in .* \(it holds detente\.example\/us, /);
    expect(run('detente.example/us/x').stderr).toBe(
      'detente: --entry index: expected a non-negative integer, got "x"\n',
    );
    const beyond = run('detente.example/us/99999');
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toMatch(/no entry 99999 in a checkpoint the log signed \[REFERENCE_UNKNOWN\]\n$/);
  });
});

describe('a proof too long for a QR code (a log cosigned by dozens of parties)', () => {
  it('is attached and printed in full, with a note in both languages instead of a code', async () => {
    const { RecordPdf } = await import('../src/report/pdf-layout.js');
    const { scenarioRegime } = await import('../src/exercise/play.js');
    const record = new RecordPdf(
      scenarioRegime('european-security-2022').regime,
      'both',
      'proofs',
      '2022-12-31T00:00:00Z',
    );
    // 99 cosignature lines, as the Vienna Document's 57 parties give: far beyond 2,953 bytes.
    const cosigners = Array.from({ length: 99 }, (_, i) => `— detente.example/p${i}/witness ${'A'.repeat(70)}=`);
    const proof = ['c2sp.org/tlog-proof@v1', 'index 0', '', 'detente.example/us', '1', 'h=', '', ...cosigners].join(
      '\n',
    );
    const entry = new TextEncoder().encode('{}');
    record.proofs({ en: 'Proofs', ru: 'Доказательства' }, { en: 'Help', ru: 'Помощь' }, [
      { party: 'us', origin: 'detente.example/us', index: 0, proof, entry, vkey: 'detente.example/us+00000000+AA' },
    ]);
    const out = join(tmp(), 'long-proof.pdf');
    writeFileSync(out, await record.end());
    const t = text(out);
    expect(t).toContain('Too long for a QR code');
    expect(t).toContain('Слишком длинно для QR-кода');
    expect(t).toContain('detente.example/p98/witness');
    expect(attachments(out).get('us-0.tlog-proof')?.toString()).toBe(proof);
  });
});
