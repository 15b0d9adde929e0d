/**
 * One finding of an inspection report, as the inspectors write it: its kind chooses the fields (model's
 * inspection.ts Finding). The row keeps strings as typed; `findingBody` turns them into the schema's shape, so
 * that the schema (not this code) says what is wrong with them.
 */
import type { Regime } from '../../../src/model/index.js';
import { useI18n } from '../i18n/i18n.js';
import { FieldErrors } from './Submit.js';
import type { FieldProblems } from './validate.js';

export const FINDING_KINDS = ['item', 'absence', 'undeclared', 'remark'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface FindingDraft {
  /** Stable across edits (React key), never sent. */
  key: number;
  kind: FindingKind;
  uid: string;
  category: string;
  result: string;
  count: string;
  noteEn: string;
  noteRu: string;
}

const RESULTS: Partial<Record<FindingKind, readonly string[]>> = {
  item: ['confirmed', 'not-found', 'mismatch'],
  absence: ['absent', 'present'],
};

export function newFinding(key: number, kind: FindingKind, category = ''): FindingDraft {
  return { key, kind, uid: '', category, result: RESULTS[kind]?.[0] ?? '', count: '', noteEn: '', noteRu: '' };
}

/** The draft as the schema's Finding: empty optional fields left out, numbers as typed (NaN stays wrong). */
export function findingBody(f: FindingDraft): Record<string, unknown> {
  const note = f.noteEn || f.noteRu ? { note: { en: f.noteEn, ru: f.noteRu } } : {};
  const count = f.count === '' ? {} : { count: Number(f.count) };
  switch (f.kind) {
    case 'item':
      return { kind: 'item', uid: f.uid, category: f.category, result: f.result, ...note };
    case 'absence':
      return { kind: 'absence', category: f.category, result: f.result, ...count, ...note };
    case 'undeclared':
      return { kind: 'undeclared', category: f.category, count: f.count === '' ? 0 : Number(f.count), ...note };
    case 'remark':
      return { kind: 'remark', note: { en: f.noteEn, ru: f.noteRu } };
  }
}

/** Fields whose problems show next to their input; the rest of a row's show under it. */
const SHOWN = ['category', 'uid', 'count'];

/**
 * Problems under `prefix` (or everywhere, for '') but not at a field shown on its own (`uid`, or `findings.` for all
 * beneath), as `field: message`.
 */
export function otherProblems(problems: FieldProblems, prefix: string, shown: readonly string[]): string[] {
  const out: string[] = [];
  for (const [path, messages] of Object.entries(problems)) {
    if (prefix && path !== prefix && !path.startsWith(`${prefix}.`)) continue;
    const field = prefix ? path.slice(prefix.length + 1) : path;
    if (shown.some((s) => field === s || field.startsWith(s.endsWith('.') ? s : `${s}.`))) continue;
    for (const m of messages) out.push(field && field !== '_' ? `${field}: ${m}` : m);
  }
  return out;
}

interface Props {
  regime: Regime;
  index: number;
  draft: FindingDraft;
  problems: FieldProblems;
  onChange: (next: FindingDraft) => void;
  onRemove?: () => void;
}

export function ReportFindingRow({ regime, index, draft, problems, onChange, onRemove }: Props) {
  const { t, text } = useI18n();
  const at = (field: string) => problems[`findings.${index}${field ? `.${field}` : ''}`];
  const set = (patch: Partial<FindingDraft>) => onChange({ ...draft, ...patch });
  const id = (field: string) => `err-finding-${index}-${field}`;
  // Items are declared one by one: only item categories can be looked for by UID.
  const categories = regime.categories.filter((c) => draft.kind !== 'item' || c.kind === 'item');
  const results = RESULTS[draft.kind];
  return (
    <fieldset className="finding-row" data-finding-row={index}>
      <legend>{t('report.finding', { n: index + 1 })}</legend>
      <div className="field-row">
        <label className="field">
          {t('report.kind')}
          <select
            name={`finding-${index}-kind`}
            value={draft.kind}
            onChange={(e) => onChange(newFinding(draft.key, e.target.value as FindingKind, draft.category))}
          >
            {FINDING_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`report.kind.${k}` as 'report.kind.item')}
              </option>
            ))}
          </select>
        </label>
        {draft.kind !== 'remark' ? (
          <label className="field">
            {t('form.category')}
            <select
              name={`finding-${index}-category`}
              value={draft.category}
              onChange={(e) => set({ category: e.target.value })}
              aria-invalid={at('category') ? true : undefined}
              aria-describedby={id('category')}
            >
              <option value="">—</option>
              {categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {text(c.name)}
                </option>
              ))}
            </select>
            <FieldErrors id={id('category')} errors={at('category')} />
          </label>
        ) : null}
        {draft.kind === 'item' ? (
          <label className="field">
            {t('report.uid')}
            <input
              name={`finding-${index}-uid`}
              className="mono"
              value={draft.uid}
              onChange={(e) => set({ uid: e.target.value.trim() })}
              aria-invalid={at('uid') ? true : undefined}
              aria-describedby={id('uid')}
            />
            <FieldErrors id={id('uid')} errors={at('uid')} />
          </label>
        ) : null}
        {results ? (
          <label className="field">
            {t('report.result')}
            <select
              name={`finding-${index}-result`}
              value={draft.result}
              onChange={(e) => set({ result: e.target.value })}
            >
              {results.map((r) => (
                <option key={r} value={r}>
                  {t(`report.result.${r}` as 'report.result.confirmed')}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {draft.kind === 'absence' || draft.kind === 'undeclared' ? (
          <label className="field">
            {t('report.count')}
            <input
              type="number"
              min={draft.kind === 'undeclared' ? 1 : 0}
              name={`finding-${index}-count`}
              value={draft.count}
              onChange={(e) => set({ count: e.target.value })}
              aria-invalid={at('count') ? true : undefined}
              aria-describedby={id('count')}
            />
            <FieldErrors id={id('count')} errors={at('count')} />
          </label>
        ) : null}
      </div>
      <div className="field-row grow">
        <label className="field">
          {draft.kind === 'remark' ? t('report.noteEn') : t('report.noteEnOptional')}
          <input
            name={`finding-${index}-note-en`}
            value={draft.noteEn}
            onChange={(e) => set({ noteEn: e.target.value })}
          />
        </label>
        <label className="field">
          {draft.kind === 'remark' ? t('report.noteRu') : t('report.noteRuOptional')}
          <input
            name={`finding-${index}-note-ru`}
            lang="ru"
            value={draft.noteRu}
            onChange={(e) => set({ noteRu: e.target.value })}
          />
        </label>
      </div>
      <FieldErrors id={id('other')} errors={otherProblems(problems, `findings.${index}`, SHOWN)} />
      {onRemove ? (
        <div>
          <button type="button" className="small" onClick={onRemove}>
            {t('report.removeFinding')}
          </button>
        </div>
      ) : null}
    </fieldset>
  );
}
