/**
 * Record an inspection report: the inspector picks one of the party's inspection requests the engine knows (the
 * latest first chosen), writes what the team found, row by row, and the whole body is checked with the
 * server's schema and the regime's vocabulary as it is typed. The host escort's countersignature cannot be made in
 * this browser (it is the host's key): a report sent without it is one the engine records as not countersigned.
 */
import { useMemo, useState } from 'react';
import { addDuration } from '../../../src/model/index.js';
import { useData } from '../data.js';
import { formatDuration, formatUtc, useI18n } from '../i18n/i18n.js';
import type { InspectionItem } from '../state.js';
import type { Me } from './ActView.js';
import { type FindingDraft, findingBody, newFinding, otherProblems, ReportFindingRow } from './ReportFindingRow.js';
import { FieldErrors, InvalidHint, SubmitResult, useSubmit } from './Submit.js';
import { UtcInput } from './UtcInput.js';
import { addProblem, checkBody } from './validate.js';

const refId = (i: InspectionItem) => `${i.ref.origin}#${i.ref.index}`;
/** `YYYY-MM-DDTHH:MM` in UTC, for a datetime-local input that the form reads as UTC. */
const minuteUtc = (t: number) => new Date(t).toISOString().slice(0, 16);

export function ReportForm({ token, me }: { token: string; me?: Me }) {
  const { regime, state } = useData();
  const { t, text, lang } = useI18n();
  const party = me?.party ?? '';
  // Every request of the party: one not yet due (its host not bound) or past its report deadline may still be
  // reported on, and the engine judges it; the status in each option says where it stands.
  const requests = (state?.inspections.items ?? []).filter((i) => i.inspector === party);
  const [choice, setChoice] = useState('');
  const request = requests.find((r) => refId(r) === choice) ?? requests[requests.length - 1];
  const type = regime.inspections.find((i) => i.id === request?.inspection);
  // The type's own checks come first: an absence type starts with one "absence" row per category.
  const defaults = (): FindingDraft[] => {
    const absence = type?.verifies.find((v) => v.kind === 'absence');
    return absence?.categories.length
      ? absence.categories.map((c, i) => newFinding(i, 'absence', c))
      : [newFinding(0, 'item')];
  };
  const [drafts, setDrafts] = useState<{ for: string; rows: FindingDraft[] } | undefined>();
  const rows = drafts && drafts.for === (request ? refId(request) : '') ? drafts.rows : defaults();
  const setRows = (next: FindingDraft[]) => setDrafts({ for: request ? refId(request) : '', rows: next });
  const [times, setTimes] = useState<{ for: string; start: string; end: string } | undefined>();
  const arrival = request ? Date.parse(request.arrival) : Number.NaN;
  const defaultTimes = {
    start: Number.isFinite(arrival) ? minuteUtc(arrival) : '',
    end: Number.isFinite(arrival) && type ? minuteUtc(addDuration(arrival, type.duration)) : '',
  };
  const { start, end } = times && times.for === choice ? times : defaultTimes;
  const setTime = (patch: { start?: string; end?: string }) => setTimes({ for: choice, start, end, ...patch });
  const { state: submit, send } = useSubmit(token);

  const body = useMemo(
    () => ({
      request: request?.ref ?? {},
      inspection: request?.inspection ?? '',
      host: request?.host ?? '',
      site: request?.site ?? '',
      start: start ? `${start}:00Z` : '',
      end: end ? `${end}:00Z` : '',
      findings: rows.map(findingBody),
    }),
    [request, start, end, rows],
  );
  const problems = useMemo(
    () => checkBody(regime, party, 'inspection-report', body, { deep: true }),
    [regime, party, body],
  );
  if (!me?.roles.includes('inspector')) addProblem(problems, '_', t('report.needsInspector'));
  const valid = Object.keys(problems).length === 0;
  const next = Math.max(-1, ...rows.map((r) => r.key)) + 1;

  if (!state) return <p className="muted">{t('map.noState')}</p>;
  return (
    <form
      className="workflow wide"
      data-testid="report"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void send('inspection-report', body);
      }}
    >
      <label className="field">
        {t('report.request')}
        <select name="request" value={request ? refId(request) : ''} onChange={(e) => setChoice(e.target.value)}>
          {requests.length === 0 ? <option value="">{t('report.noRequests')}</option> : null}
          {requests.map((r) => (
            <option key={refId(r)} value={refId(r)}>
              {text(regime.sites.find((s) => s.id === r.site)?.name) || r.site} ·{' '}
              {text(regime.inspections.find((i) => i.id === r.inspection)?.name) || r.inspection} ·{' '}
              {formatUtc(r.arrival)} · {t(`status.${r.status}` as 'status.requested')} · #{r.ref.index}
            </option>
          ))}
        </select>
        <FieldErrors id="err-request" errors={problems.request} />
      </label>
      <div className="field-row">
        <label className="field">
          {t('form.start')}
          <UtcInput
            withTime
            name="start"
            value={start}
            onChange={(value) => setTime({ start: value })}
            invalid={Boolean(problems.start)}
            describedBy="err-start"
          />
          <FieldErrors id="err-start" errors={problems.start} />
        </label>
        <label className="field">
          {t('form.end')}
          <UtcInput
            withTime
            name="end"
            value={end}
            onChange={(value) => setTime({ end: value })}
            invalid={Boolean(problems.end)}
            describedBy="err-end"
          />
          <FieldErrors id="err-end" errors={problems.end} />
        </label>
      </div>
      {type ? (
        <p className="field-help">{t('report.duration', { duration: formatDuration(type.duration, t, lang) })}</p>
      ) : null}
      {rows.map((row, i) => (
        <ReportFindingRow
          key={row.key}
          regime={regime}
          index={i}
          draft={row}
          problems={problems}
          onChange={(d) => setRows(rows.map((r) => (r.key === row.key ? d : r)))}
          onRemove={rows.length > 1 ? () => setRows(rows.filter((r) => r.key !== row.key)) : undefined}
        />
      ))}
      <div>
        <button type="button" data-testid="add-finding" onClick={() => setRows([...rows, newFinding(next, 'item')])}>
          {t('report.addFinding')}
        </button>
      </div>
      <p className="field-help">{t('report.noCountersignature')}</p>
      <FieldErrors id="err-form" errors={otherProblems(problems, '', ['start', 'end', 'findings.'])} />
      <div>
        <button type="submit" className="primary" disabled={!valid || !token || submit.status === 'sending'}>
          {t('form.submit')}
        </button>
        {!valid ? <InvalidHint /> : null}
      </div>
      <SubmitResult state={submit} />
    </form>
  );
}
