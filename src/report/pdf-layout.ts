/**
 * What every official record shares: an A4 pdfkit document set in PT Sans (ParaType's, from
 * @expo-google-fonts/pt-sans: one TTF with Latin and Cyrillic, embedded), rows of text with one column per
 * language, and the C2SP tlog-proofs the record relies on, each as text, as a QR code (drawn as vectors by
 * qrcode) and as attached files (the proof and the entry's bytes), so that `detente verify-proof` checks it on an
 * air-gapped machine: `pdfdetach -saveall` gives back the files, or a phone reads the code.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Regime } from '../model/index.js';

export type ReportLang = 'en' | 'ru' | 'both';
export type Lang = 'en' | 'ru';
export type Bilingual = { en: string; ru?: string };

/** The proof that one entry is in a party's log, and the entry it proves. */
export interface EntryProof {
  party: string;
  origin: string;
  index: number;
  /** The C2SP tlog-proof file (src/tlog/proof-file.ts). */
  proof: string;
  /** The entry's leaf bytes: what the proof's leaf hash is taken from. */
  entry: Uint8Array;
  vkey: string;
}

const PROOF_WORDS = {
  key: { en: "Log's key", ru: 'Ключ журнала' },
  entry: { en: 'entry', ru: 'запись' },
  check: {
    en: 'Check: pdfdetach -saveall FILE.pdf, then detente verify-proof NAME.tlog-proof --entry NAME.entry --policy LOG.policy',
    ru: 'Проверка: pdfdetach -saveall ФАЙЛ.pdf, затем detente verify-proof ИМЯ.tlog-proof --entry ИМЯ.entry --policy ЖУРНАЛ.policy',
  },
  noQr: {
    en: 'Too long for a QR code (a log with many cosigners): the proof is attached to this file and printed below.',
    ru: 'Слишком длинно для QR-кода (у журнала много соподписантов): доказательство приложено к этому файлу и напечатано ниже.',
  },
} as const;

/**
 * The proof as a QR code at level L (the most a code holds, 2,953 bytes at version 40), or null when it does not fit:
 * a log cosigned by dozens of parties (the Vienna Document's 57) has a proof of several kilobytes.
 */
function proofQr(proof: string): QRCode.QRCode | null {
  if (new TextEncoder().encode(proof).length > 2_953) return null;
  return QRCode.create(proof, { errorCorrectionLevel: 'L' });
}

/** The file names a proof and its entry are attached under: `<party>-<index>.tlog-proof` and `.entry`. */
export const proofFileName = (p: Pick<EntryProof, 'party' | 'index'>) => `${p.party}-${p.index}`;

function fontFile(): string {
  const require = createRequire(import.meta.url);
  return join(
    dirname(require.resolve('@expo-google-fonts/pt-sans/package.json')),
    '400Regular',
    'PTSans_400Regular.ttf',
  );
}

export const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export class RecordPdf {
  readonly doc: PDFKit.PDFDocument;
  readonly langs: Lang[];
  readonly #done: Promise<Buffer>;
  readonly #left: number;
  readonly #width: number;
  readonly #gap = 16;
  readonly #column: number;

  /** `date` is stamped as the creation date, so that the same input gives the same document. */
  constructor(
    readonly regime: Regime,
    lang: ReportLang,
    title: string,
    date: string,
  ) {
    this.langs = lang === 'both' ? ['en', 'ru'] : [lang];
    this.doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: title, CreationDate: new Date(date) } });
    const chunks: Buffer[] = [];
    this.doc.on('data', (c: Buffer) => chunks.push(c));
    this.#done = new Promise<Buffer>((resolve) => this.doc.on('end', () => resolve(Buffer.concat(chunks))));
    this.doc.registerFont('body', fontFile());
    this.doc.font('body');
    this.#left = this.doc.page.margins.left;
    this.#width = this.doc.page.width - this.#left - this.doc.page.margins.right;
    this.#column = (this.#width - this.#gap * (this.langs.length - 1)) / this.langs.length;
  }

  text(v: Bilingual | undefined, l: Lang): string {
    return v ? (v[l] ?? v.en) : '';
  }

  /** A party's, site's, category's… official name in `l`, or the id when the regime has no such element. */
  name(
    collection: 'parties' | 'sites' | 'categories' | 'inspections' | 'notifications' | 'zones',
    id: string,
    l: Lang,
  ) {
    const element = (this.regime[collection] as readonly { id: string; name: Bilingual }[]).find((x) => x.id === id);
    return element ? this.text(element.name, l) : id;
  }

  /** One row of text per language, side by side; the taller column sets where the next row starts. */
  row(parts: (l: Lang) => string, size: number): void {
    const { doc } = this;
    doc.fontSize(size);
    const heights = this.langs.map((l) => doc.heightOfString(parts(l), { width: this.#column }));
    if (doc.y + Math.max(...heights) > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    for (const [i, l] of this.langs.entries()) {
      doc.text(parts(l), this.#left + i * (this.#column + this.#gap), y, { width: this.#column });
    }
    doc.x = this.#left;
    doc.y = y + Math.max(...heights) + size * 0.4;
  }

  /** The proofs, one block each: the party and entry, the QR code, the proof's text and the log's key. */
  proofs(heading: Bilingual & { ru: string }, help: Bilingual & { ru: string }, proofs: readonly EntryProof[]): void {
    const { doc } = this;
    doc.addPage();
    this.row((l) => heading[l], 13);
    this.row((l) => help[l], 9);
    this.row((l) => PROOF_WORDS.check[l], 8);
    for (const p of proofs) {
      const name = proofFileName(p);
      doc.file(Buffer.from(p.proof), { name: `${name}.tlog-proof`, type: 'text/plain', description: p.origin });
      doc.file(Buffer.from(p.entry), { name: `${name}.entry`, type: 'application/json', description: p.origin });
      const qr = proofQr(p.proof);
      // At most half the text width, so that a scan of the page's left half holds the code and its quiet zone; at
      // 2.2 pt a module (4.6 px at 150 dpi) unless the code is larger than that allows.
      const cell = qr ? Math.min(2.2, (this.#width - this.#gap) / 2 / (qr.modules.size + 8)) : 0;
      const side = qr ? (qr.modules.size + 8) * cell : 0;
      if (doc.y + side + 40 > doc.page.height - doc.page.margins.bottom) doc.addPage();
      this.row(
        (l) => `${this.name('parties', p.party, l)} — ${p.origin}, ${PROOF_WORDS.entry[l]} ${p.index} (${name})`,
        10,
      );
      if (!qr) this.row((l) => PROOF_WORDS.noQr[l], 8);
      const top = doc.y;
      const left = this.#left;
      if (qr) {
        // The quiet zone of four modules on every side is part of the code.
        doc.rect(left, top, side, side).fill('#ffffff');
        for (let y = 0; y < qr.modules.size; y++) {
          for (let x = 0; x < qr.modules.size; x++) {
            if (qr.modules.get(x, y)) doc.rect(left + (x + 4) * cell, top + (y + 4) * cell, cell, cell);
          }
        }
        doc.fill('#000000');
      }
      const textLeft = qr ? left + side + this.#gap : left;
      const textWidth = this.#width - (textLeft - left);
      doc.fontSize(6.5).text(p.proof, textLeft, top, { width: textWidth });
      doc.text(`${PROOF_WORDS.key.en} / ${PROOF_WORDS.key.ru}: ${p.vkey}`, { width: textWidth });
      doc.x = left;
      doc.y = Math.max(doc.y, top + side) + 12;
    }
  }

  end(): Promise<Buffer> {
    this.doc.end();
    return this.#done;
  }
}
