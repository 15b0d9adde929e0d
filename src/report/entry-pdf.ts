/**
 * One entry as an official record: a notification, or an inspection report read as a report (team, site, what
 * the inspectors found, the points at issue, the host's countersignature), in both authentic languages side by side
 * with the regime's official names, the engine's findings that cite it, and its C2SP tlog-proof (pdf-layout.ts).
 */
import type { Finding } from '../engine/findings.js';
import { renderMessage } from '../i18n/index.js';
import type { EnvelopeOf, Regime } from '../model/index.js';
import { type EntryProof, type Lang, RecordPdf, type ReportLang, utc } from './pdf-layout.js';

export type RecordEnvelope = EnvelopeOf<'notification'> | EnvelopeOf<'inspection-report'>;

export interface EntryRecord {
  regime: Regime;
  envelope: RecordEnvelope;
  proof: EntryProof;
  /** The engine's findings that cite this entry. */
  findings: readonly Finding[];
  lang: ReportLang;
}

type Words = { en: string; ru: string };
const WORDS = {
  notification: { en: 'Notification', ru: 'Уведомление' },
  'inspection-report': { en: 'Inspection report', ru: 'Акт инспекции' },
  entry: { en: 'Log entry', ru: 'Запись журнала' },
  from: { en: 'From', ru: 'От' },
  issued: { en: 'Issued', ru: 'Дата составления' },
  signedBy: { en: 'Signed with key', ru: 'Подписано ключом' },
  rule: { en: 'Under', ru: 'Основание' },
  items: { en: 'Items', ru: 'Единицы' },
  fromSite: { en: 'From', ru: 'Откуда' },
  toSite: { en: 'To', ru: 'Куда' },
  at: { en: 'At', ru: 'Время' },
  site: { en: 'Site', ru: 'Объект' },
  changes: { en: 'Changes of status', ru: 'Изменения статуса' },
  activity: { en: 'Activity', ru: 'Деятельность' },
  period: { en: 'Period', ru: 'Период' },
  zone: { en: 'Zone', ru: 'Зона' },
  quantities: { en: 'Largest quantities involved', ru: 'Наибольшее задействованное количество' },
  withoutNotice: { en: 'Carried out without advance notice', ru: 'Проводится без предварительного оповещения' },
  statement: { en: 'Statement', ru: 'Заявление' },
  addressee: { en: 'Addressed to', ru: 'Адресат' },
  concern: { en: 'In answer to the concern', ru: 'В ответ на запрос' },
  inspection: { en: 'Inspection', ru: 'Инспекция' },
  team: { en: 'Inspection team of', ru: 'Инспекционная группа' },
  host: { en: 'Host', ru: 'Принимающая сторона' },
  found: { en: 'Findings of the inspection team', ru: 'Выводы инспекционной группы' },
  atIssue: { en: 'Points at issue', ru: 'Спорные вопросы' },
  hostComments: { en: "Host's comments", ru: 'Замечания принимающей стороны' },
  countersignature: { en: 'Countersignature', ru: 'Контрподпись' },
  countersigned: { en: "Countersigned by the host's escort, key", ru: 'Контрподписано сопровождающим, ключ' },
  notCountersigned: {
    en: 'Not countersigned: the host has not endorsed this report.',
    ru: 'Контрподписи нет: принимающая сторона не подтвердила этот акт.',
  },
  assessment: { en: 'Findings of the verification that cite this entry', ru: 'Выводы проверки, ссылающиеся на запись' },
  none: { en: 'None.', ru: 'Нет.' },
  proofs: { en: 'Proof that this entry is in the log', ru: 'Доказательство включения записи в журнал' },
  proofHelp: {
    en: "The entry's C2SP tlog-proof: its index, the inclusion proof and the log's signed checkpoint with the witnesses' cosignatures.",
    ru: 'Доказательство C2SP tlog-proof: номер записи, доказательство включения и подписанная контрольная точка журнала с подписями свидетелей.',
  },
  confirmed: { en: 'confirmed', ru: 'подтверждено' },
  'not-found': { en: 'not found', ru: 'не обнаружено' },
  mismatch: { en: 'does not match the declaration', ru: 'не соответствует заявленному' },
  absent: { en: 'absent, as declared', ru: 'отсутствует, как заявлено' },
  present: { en: 'present', ru: 'присутствует' },
  undeclared: { en: 'undeclared items found', ru: 'обнаружены незаявленные единицы' },
  observed: { en: 'observed', ru: 'наблюдалось' },
  yes: { en: 'yes', ru: 'да' },
  no: { en: 'no', ru: 'нет' },
  critical: { en: 'critical', ru: 'критическое' },
  major: { en: 'major', ru: 'серьёзное' },
  minor: { en: 'minor', ru: 'незначительное' },
  info: { en: 'for information', ru: 'для сведения' },
} as const satisfies Record<string, Words>;
type Word = keyof typeof WORDS;

type InspectionFinding = EnvelopeOf<'inspection-report'>['body']['findings'][number];

/** What an inspection finding says, in `l`. */
function inspectionFinding(pdf: RecordPdf, f: InspectionFinding, l: Lang): string {
  const category = (id: string) => pdf.name('categories', id, l);
  const note = 'note' in f && f.note ? ` — ${pdf.text(f.note, l)}` : '';
  switch (f.kind) {
    case 'item': {
      const attrs = Object.entries(f.observedAttributes ?? {}).map(([k, v]) => `${k} ${v}`);
      const seen = [f.observedStatus, ...attrs].filter((x) => x !== undefined);
      const observed = seen.length > 0 ? ` (${WORDS.observed[l]}: ${seen.join(', ')})` : '';
      return `${category(f.category)} ${f.uid}: ${WORDS[f.result][l]}${observed}${note}`;
    }
    case 'absence':
      return `${category(f.category)}: ${WORDS[f.result][l]}${f.count !== undefined ? ` (${f.count})` : ''}${note}`;
    case 'undeclared':
      return `${category(f.category)}: ${WORDS.undeclared[l]} (${f.count})${note}`;
    case 'configuration': {
      const v = f.observed;
      const value = typeof v === 'boolean' ? WORDS[v ? 'yes' : 'no'][l] : Array.isArray(v) ? v.join(', ') : String(v);
      return `${f.attribute}: ${value}${note}`;
    }
    case 'remark':
      return pdf.text(f.note, l);
  }
}

/** A finding the host may dispute: something not as declared. */
const atIssue = (f: InspectionFinding) =>
  (f.kind === 'item' && f.result !== 'confirmed') ||
  (f.kind === 'absence' && f.result === 'present') ||
  f.kind === 'undeclared';

function notificationBody(pdf: RecordPdf, e: EnvelopeOf<'notification'>): void {
  const b = e.body;
  const w = (word: Word) => (l: Lang) => WORDS[word][l];
  const field = (word: Word, value: (l: Lang) => string) => pdf.row((l) => `${WORDS[word][l]}: ${value(l)}`, 10);
  field('rule', (l) => pdf.name('notifications', b.rule, l));
  switch (b.kind) {
    case 'movement':
      field('fromSite', (l) => pdf.name('sites', b.from, l));
      field('toSite', (l) => pdf.name('sites', b.to, l));
      field('at', () => utc(b.at));
      pdf.row(w('items'), 11);
      for (const i of b.items) pdf.row((l) => `${pdf.name('categories', i.category, l)} ${i.uid}`, 9);
      return;
    case 'status-change':
      if (b.site) field('site', (l) => pdf.name('sites', b.site!, l));
      field('at', () => utc(b.at));
      pdf.row(w('changes'), 11);
      for (const c of b.changes)
        pdf.row((l) => `${pdf.name('categories', c.category, l)} ${c.uid}: ${c.from} → ${c.to}`, 9);
      return;
    case 'activity':
      field('activity', (l) => pdf.text(b.name, l));
      field('period', () => `${utc(b.start)} — ${utc(b.end)}`);
      if (b.zone) field('zone', (l) => pdf.name('zones', b.zone!, l));
      if (b.withoutNotice) pdf.row(w('withoutNotice'), 10);
      pdf.row(w('quantities'), 11);
      for (const q of b.quantities) pdf.row((l) => `${pdf.name('categories', q.category, l)}: ${q.quantity}`, 9);
      if (b.statement) field('statement', (l) => pdf.text(b.statement, l));
      return;
    case 'concern':
      field('addressee', (l) => pdf.name('parties', b.addressee, l));
      field('statement', (l) => pdf.text(b.statement, l));
      return;
    case 'explanation':
      field('concern', () => `${b.concern.origin}/${b.concern.index}`);
      field('statement', (l) => pdf.text(b.statement, l));
      return;
  }
}

function inspectionBody(pdf: RecordPdf, e: EnvelopeOf<'inspection-report'>): void {
  const b = e.body;
  const heading = (word: Word) => pdf.row((l) => WORDS[word][l], 12);
  const field = (word: Word, value: (l: Lang) => string) => pdf.row((l) => `${WORDS[word][l]}: ${value(l)}`, 10);
  field('inspection', (l) => pdf.name('inspections', b.inspection, l));
  field('team', (l) => `${pdf.name('parties', e.party, l)} (${e.key})`);
  field('host', (l) => pdf.name('parties', b.host, l));
  field('site', (l) => pdf.name('sites', b.site, l));
  field('period', () => `${utc(b.start)} — ${utc(b.end)}`);
  heading('found');
  for (const [i, f] of b.findings.entries()) pdf.row((l) => `${i + 1}. ${inspectionFinding(pdf, f, l)}`, 9);
  heading('atIssue');
  const disputed = b.findings.flatMap((f, i) => (atIssue(f) ? [[i, f] as const] : []));
  if (disputed.length === 0 && !b.hostComments) pdf.row((l) => WORDS.none[l], 9);
  for (const [i, f] of disputed) pdf.row((l) => `${i + 1}. ${inspectionFinding(pdf, f, l)}`, 9);
  if (b.hostComments) field('hostComments', (l) => pdf.text(b.hostComments, l));
  heading('countersignature');
  const c = b.countersignature;
  pdf.row((l) => (c ? `${WORDS.countersigned[l]} ${c.key}` : WORDS.notCountersigned[l]), 10);
}

export async function renderEntryPdf(record: EntryRecord): Promise<Buffer> {
  const { regime, envelope: e, proof, findings, lang } = record;
  const pdf = new RecordPdf(regime, lang, `${regime.name.en} — ${WORDS[e.type].en}`, e.issuedAt);
  pdf.row((l) => pdf.text(regime.name, l), 16);
  pdf.row((l) => WORDS[e.type][l], 13);
  pdf.row((l) => `${WORDS.from[l]}: ${pdf.name('parties', e.party, l)}`, 10);
  pdf.row((l) => `${WORDS.issued[l]}: ${utc(e.issuedAt)} · ${WORDS.signedBy[l]} ${e.key}`, 10);
  pdf.row((l) => `${WORDS.entry[l]}: ${proof.origin}/${proof.index}`, 10);
  pdf.doc.moveDown(0.5);
  if (e.type === 'notification') notificationBody(pdf, e);
  else inspectionBody(pdf, e);
  pdf.doc.moveDown(0.5);
  pdf.row((l) => WORDS.assessment[l], 12);
  if (findings.length === 0) pdf.row((l) => WORDS.none[l], 9);
  for (const f of findings) {
    pdf.row((l) => `${WORDS[f.severity][l]} · ${utc(f.at)}\n${renderMessage(f.message, l)}`, 8.5);
  }
  pdf.proofs(WORDS.proofs, WORDS.proofHelp, [proof]);
  return pdf.end();
}
