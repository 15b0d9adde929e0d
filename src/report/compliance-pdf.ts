/**
 * The compliance summary as of a date, as a printable PDF: both authentic languages side by side (or one), the
 * regime's own names, and, for each party's log, the signed checkpoint the summary was folded from, as text and as a
 * QR code, so a reader on an air-gapped network can check it against the log's key.
 *
 * pdfkit writes the PDF; PT Sans (ParaType's, from @expo-google-fonts/pt-sans: one TTF with Latin and Cyrillic,
 * embedded) sets both languages; qrcode draws the codes as vectors. Nothing here reads the network or the clock: the same input gives the same document, apart
 * from the creation date pdfkit stamps (fixed here to the as-of date).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ComplianceState } from '../engine/engine.js';
import type { Finding } from '../engine/findings.js';
import { renderMessage } from '../i18n/index.js';
import type { Regime } from '../model/index.js';

export type ReportLang = 'en' | 'ru' | 'both';

export interface LogCheckpoint {
  party: string;
  origin: string;
  /** The signed checkpoint (a C2SP signed note). */
  checkpoint: string;
  vkey: string;
}

export interface ComplianceReport {
  regime: Regime;
  state: ComplianceState;
  findings: readonly Finding[];
  checkpoints: readonly LogCheckpoint[];
  lang: ReportLang;
}

const WORDS = {
  title: { en: 'Compliance summary', ru: 'Сводка о соблюдении' },
  asOf: { en: 'As of', ru: 'По состоянию на' },
  findings: { en: 'Findings', ru: 'Выявленные нарушения' },
  none: { en: 'None.', ru: 'Нет.' },
  limits: { en: 'Limits', ru: 'Ограничения' },
  declared: { en: 'declared', ru: 'заявлено' },
  atMost: { en: 'at most', ru: 'не более' },
  proofs: { en: 'The logs this summary is folded from', ru: 'Журналы, по которым составлена сводка' },
  proofHelp: {
    en: "Each party's signed checkpoint (C2SP tlog-checkpoint), as text and QR code: check it against the log's key.",
    ru: 'Подписанная контрольная точка журнала каждой стороны (C2SP tlog-checkpoint), текстом и QR-кодом: проверьте её ключом журнала.',
  },
  key: { en: "Log's key", ru: 'Ключ журнала' },
  critical: { en: 'critical', ru: 'критическое' },
  major: { en: 'major', ru: 'серьёзное' },
  minor: { en: 'minor', ru: 'незначительное' },
  info: { en: 'for information', ru: 'для сведения' },
  within: { en: 'within', ru: 'в пределах' },
  exceeded: { en: 'exceeded', ru: 'превышено' },
  'not-binding': { en: 'not binding', ru: 'не действует' },
  'not-assessable': { en: 'not assessable (escrowed)', ru: 'оценить нельзя (эскроу)' },
} as const;

type Word = keyof typeof WORDS;
type Bilingual = { en: string; ru?: string };

function fontFile(): string {
  const require = createRequire(import.meta.url);
  return join(
    dirname(require.resolve('@expo-google-fonts/pt-sans/package.json')),
    '400Regular',
    'PTSans_400Regular.ttf',
  );
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export async function renderCompliancePdf(report: ComplianceReport): Promise<Buffer> {
  const { regime, state, findings, checkpoints, lang } = report;
  const langs: ('en' | 'ru')[] = lang === 'both' ? ['en', 'ru'] : [lang];
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `${regime.name.en} — ${WORDS.title.en}`, CreationDate: new Date(state.asOf) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', fontFile());
  doc.font('body');

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const gap = 16;
  const column = (width - gap * (langs.length - 1)) / langs.length;
  const text = (v: Bilingual | undefined, l: 'en' | 'ru') => (v ? (v[l] ?? v.en) : '');
  /** One row of text per language, side by side; the taller column sets where the next row starts. */
  const row = (parts: Record<'en' | 'ru', string>, size: number) => {
    doc.fontSize(size);
    const heights = langs.map((l) => doc.heightOfString(parts[l], { width: column }));
    if (doc.y + Math.max(...heights) > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    for (const [i, l] of langs.entries()) doc.text(parts[l], left + i * (column + gap), y, { width: column });
    doc.x = left;
    doc.y = y + Math.max(...heights) + size * 0.4;
  };
  const word = (w: Word) => ({ en: WORDS[w].en, ru: WORDS[w].ru });
  const party = (id: string) => regime.parties.find((p) => p.id === id)?.name as Bilingual | undefined;

  row({ en: regime.name.en, ru: text(regime.name, 'ru') }, 16);
  row(word('title'), 13);
  row({ en: `${WORDS.asOf.en} ${utc(state.asOf)}`, ru: `${WORDS.asOf.ru} ${utc(state.asOf)}` }, 10);
  doc.moveDown(0.5);

  row(word('findings'), 13);
  if (findings.length === 0) row(word('none'), 9);
  for (const f of findings) {
    const line = (l: 'en' | 'ru') =>
      `${WORDS[f.severity][l]} · ${text(party(f.party), l)} · ${utc(f.at)}\n${renderMessage(f.message, l)}`;
    row({ en: line('en'), ru: line('ru') }, 8.5);
  }
  doc.moveDown(0.5);

  row(word('limits'), 13);
  for (const l of state.limits) {
    const limit = regime.limits.find((x) => x.id === l.limit);
    const line = (g: 'en' | 'ru') => {
      const status = (l.status in WORDS ? WORDS[l.status as Word][g] : l.status) as string;
      return `${text(limit?.name as Bilingual, g)} — ${text(party(l.party), g)}: ${WORDS.declared[g]} ${l.declared ?? '—'}, ${WORDS.atMost[g]} ${l.atMost ?? '—'} (${status})`;
    };
    row({ en: line('en'), ru: line('ru') }, 8.5);
  }

  doc.addPage();
  row(word('proofs'), 13);
  row(word('proofHelp'), 9);
  for (const c of checkpoints) {
    const qr = QRCode.create(c.checkpoint, { errorCorrectionLevel: 'M' });
    const cell = 2.2;
    const side = (qr.modules.size + 8) * cell;
    if (doc.y + side + 40 > doc.page.height - doc.page.margins.bottom) doc.addPage();
    row({ en: `${text(party(c.party), 'en')} — ${c.origin}`, ru: `${text(party(c.party), 'ru')} — ${c.origin}` }, 10);
    const top = doc.y;
    // The quiet zone of four modules on every side is part of the code.
    doc.rect(left, top, side, side).fill('#ffffff');
    for (let y = 0; y < qr.modules.size; y++) {
      for (let x = 0; x < qr.modules.size; x++) {
        if (qr.modules.get(x, y)) doc.rect(left + (x + 4) * cell, top + (y + 4) * cell, cell, cell);
      }
    }
    doc.fill('#000000');
    doc.fontSize(7).text(c.checkpoint, left + side + gap, top, { width: width - side - gap });
    doc.text(`${WORDS.key.en} / ${WORDS.key.ru}: ${c.vkey}`, { width: width - side - gap });
    doc.x = left;
    doc.y = Math.max(doc.y, top + side) + 12;
  }
  doc.end();
  return done;
}
