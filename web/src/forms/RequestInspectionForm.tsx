/**
 * Request an inspection: the body is checked with the server's schema and the regime's vocabulary as the user
 * types, and before sending, the notice period (arrival at least `notice` from now) and the quota (from the
 * engine's state when available).
 */
import { useMemo, useState } from 'react';
import { addDuration } from '../../../src/model/index.js';
import { quotaUse } from '../board/QuotasPanel.js';
import { useData } from '../data.js';
import { formatDuration, formatUtc, useI18n } from '../i18n/i18n.js';
import { useNow } from '../useNow.js';
import type { Me } from './ActView.js';
import { FieldErrors, InvalidHint, SubmitResult, useSubmit } from './Submit.js';
import { UtcInput } from './UtcInput.js';
import { addProblem, checkBody } from './validate.js';

export function RequestInspectionForm({ token, me }: { token: string; me?: Me }) {
  const { regime, state } = useData();
  const { t, text, lang } = useI18n();
  const now = useNow();
  const party = me?.party ?? regime.parties.find((p) => p.status === 'party')?.id ?? '';
  const types = regime.inspections.filter((i) => i.pairs.some((p) => p.inspector === party));
  const [inspection, setInspection] = useState(types[0]?.id ?? '');
  const type = regime.inspections.find((i) => i.id === inspection);
  const hosts = type?.pairs.filter((p) => p.inspector === party).map((p) => p.host) ?? [];
  const [hostChoice, setHost] = useState('');
  const host = hosts.includes(hostChoice) ? hostChoice : (hosts[0] ?? '');
  const sites = regime.sites.filter(
    (s) =>
      s.host === host &&
      (type?.where.sites ? type.where.sites.includes(s.id) : type?.where.siteKinds?.includes(s.kind)),
  );
  const [siteChoice, setSite] = useState('');
  const site = sites.some((s) => s.id === siteChoice) ? siteChoice : (sites[0]?.id ?? '');
  const [arrival, setArrival] = useState('');
  const [inspectors, setInspectors] = useState('');
  const { state: submit, send } = useSubmit(token);

  const body = useMemo(() => {
    const b: Record<string, unknown> = { inspection, host, site, arrival: arrival ? `${arrival}:00Z` : '' };
    if (inspectors !== '') b.inspectors = Number(inspectors);
    return b;
  }, [inspection, host, site, arrival, inspectors]);
  const problems = useMemo(() => checkBody(regime, party, 'inspection-request', body), [regime, party, body]);
  const earliest = type ? addDuration(now, type.notice) : now;
  if (type && arrival && Date.parse(`${arrival}:00Z`) < earliest) {
    addProblem(problems, 'arrival', t('form.noticeShort', { earliest: formatUtc(earliest) }));
  }
  if (type && inputMax(type.maxInspectors, inspectors)) {
    addProblem(problems, 'inspectors', `≤ ${type.maxInspectors}`);
  }
  const quota = type ? quotaUse(state, type.id, party, host) : { used: undefined, left: undefined };
  const left = quota.left ?? (quota.used !== undefined && type ? type.quota.count - quota.used : undefined);
  if (left !== undefined && left <= 0) addProblem(problems, '_', t('form.quotaExhausted'));
  const valid = Object.keys(problems).length === 0;
  // An arrival not typed yet is not an error to show in red: the button waits for it, and says so.
  const arrivalProblems = arrival === '' ? undefined : problems.arrival;

  return (
    <form
      className="workflow"
      data-testid="request-inspection"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void send('inspection-request', body);
      }}
    >
      <label className="field">
        {t('form.inspection')}
        <select value={inspection} onChange={(e) => setInspection(e.target.value)} name="inspection">
          {types.map((i) => (
            <option key={i.id} value={i.id}>
              {text(i.name)}
            </option>
          ))}
        </select>
        <FieldErrors id="err-inspection" errors={problems.inspection} />
      </label>
      <label className="field">
        {t('form.host')}
        <select value={host} onChange={(e) => setHost(e.target.value)} name="host">
          {hosts.map((h) => (
            <option key={h} value={h}>
              {text(regime.parties.find((p) => p.id === h)?.name)}
            </option>
          ))}
        </select>
        <FieldErrors id="err-host" errors={problems.host} />
      </label>
      <label className="field">
        {t('form.site')}
        <select value={site} onChange={(e) => setSite(e.target.value)} name="site">
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {text(s.name)}
            </option>
          ))}
        </select>
        <FieldErrors id="err-site" errors={problems.site} />
      </label>
      <label className="field">
        {t('form.arrival')}
        <UtcInput
          withTime
          name="arrival"
          value={arrival}
          onChange={setArrival}
          invalid={Boolean(arrivalProblems)}
          describedBy="err-arrival"
        />
        {type ? (
          <span className="field-help">
            {t('form.notice', { notice: formatDuration(type.notice, t, lang), earliest: formatUtc(earliest) })}
          </span>
        ) : null}
        <FieldErrors id="err-arrival" errors={arrivalProblems} />
      </label>
      <label className="field">
        {t('form.inspectors')}
        <input
          type="number"
          name="inspectors"
          min={1}
          max={type?.maxInspectors}
          value={inspectors}
          onChange={(e) => setInspectors(e.target.value)}
          aria-invalid={problems.inspectors ? true : undefined}
        />
        <FieldErrors id="err-inspectors" errors={problems.inspectors} />
      </label>
      {type ? (
        <p className="small" data-testid="quota">
          {quota.used !== undefined
            ? t('form.quota', { used: quota.used, count: type.quota.count, left: left ?? '?' })
            : t('form.quotaUnknown', { count: type.quota.count })}
        </p>
      ) : null}
      <FieldErrors id="err-form" errors={problems._} />
      <div>
        <button type="submit" className="primary" disabled={!valid || !token || submit.status === 'sending'}>
          {t('form.submit')}
        </button>
        {!valid ? arrival === '' ? <span className="field-help"> {t('form.incomplete')}</span> : <InvalidHint /> : null}
      </div>
      <SubmitResult state={submit} />
    </form>
  );
}

function inputMax(max: number | undefined, value: string): boolean {
  return max !== undefined && value !== '' && Number(value) > max;
}
