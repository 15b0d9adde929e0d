/**
 * The compliance summary as of a date, as a printable PDF: both authentic languages side by side (or one), the
 * regime's own names, and, for each party's log, the C2SP tlog-proof of the last entry of the checkpoint the summary
 * was folded from (as text, QR code and attached file: pdf-layout.ts). One proof a log, not one a cited entry: a
 * summary cites hundreds, and the proof of a log's last entry commits to the checkpoint that covers them all.
 *
 * Nothing here reads the network or the clock: the same input gives the same document.
 */
import type { ComplianceState } from '../engine/engine.js';
import type { Finding } from '../engine/findings.js';
import { renderMessage } from '../i18n/index.js';
import type { Regime } from '../model/index.js';
import { type EntryProof, type Lang, RecordPdf, type ReportLang, utc } from './pdf-layout.js';

export type { EntryProof, ReportLang } from './pdf-layout.js';

export interface ComplianceReport {
  regime: Regime;
  state: ComplianceState;
  findings: readonly Finding[];
  /** Per log, the proof of the last entry of the checkpoint folded. */
  proofs: readonly EntryProof[];
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
    en: "For each party's log, the C2SP tlog-proof of the last entry of the checkpoint folded: it carries the signed checkpoint and shows that entry is in its tree.",
    ru: 'Для журнала каждой стороны — доказательство C2SP tlog-proof последней записи учтённой контрольной точки: оно содержит подписанную контрольную точку и показывает, что запись входит в её дерево.',
  },
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

export async function renderCompliancePdf(report: ComplianceReport): Promise<Buffer> {
  const { regime, state, findings, proofs, lang } = report;
  const pdf = new RecordPdf(regime, lang, `${regime.name.en} — ${WORDS.title.en}`, state.asOf);
  const word = (w: Word) => (l: Lang) => WORDS[w][l];

  pdf.row((l) => pdf.text(regime.name, l), 16);
  pdf.row(word('title'), 13);
  pdf.row((l) => `${WORDS.asOf[l]} ${utc(state.asOf)}`, 10);
  pdf.doc.moveDown(0.5);

  pdf.row(word('findings'), 13);
  if (findings.length === 0) pdf.row(word('none'), 9);
  for (const f of findings) {
    pdf.row(
      (l) =>
        `${WORDS[f.severity][l]} · ${pdf.name('parties', f.party, l)} · ${utc(f.at)}\n${renderMessage(f.message, l)}`,
      8.5,
    );
  }
  pdf.doc.moveDown(0.5);

  pdf.row(word('limits'), 13);
  for (const s of state.limits) {
    const limit = regime.limits.find((x) => x.id === s.limit);
    pdf.row((l) => {
      const status = (s.status in WORDS ? WORDS[s.status as Word][l] : s.status) as string;
      return `${limit ? pdf.text(limit.name, l) : s.limit} — ${pdf.name('parties', s.party, l)}: ${WORDS.declared[l]} ${s.declared ?? '—'}, ${WORDS.atMost[l]} ${s.atMost ?? '—'} (${status})`;
    }, 8.5);
  }

  pdf.proofs(WORDS.proofs, WORDS.proofHelp, proofs);
  return pdf.end();
}
