/** The engine's findings: severity, the rule and what it breaks, the party, since when, and the entries that show it. */
import { useState } from 'react';
import { ruleTitle } from '../../../src/i18n/index.js';
import type { Regime } from '../../../src/model/index.js';
import { AudienceMark } from '../audience.js';
import { useData } from '../data.js';
import { formatUtc, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import { SEVERITY_ORDER, type Severity } from '../state.js';

/** The regime's own name of what a finding breaks (a commitment, a notification rule, an inspection type…): any of
 * the regime's lists may hold it, so look in each; an id the regime does not name stays as it is. */
function subjectName(regime: Regime, id: string): unknown {
  for (const list of Object.values(regime as unknown as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    const found = list.find((x) => (x as { id?: unknown })?.id === id) as { name?: unknown } | undefined;
    if (found?.name !== undefined) return found.name;
  }
  return id;
}

export function FindingsPanel() {
  const { findings, regime } = useData();
  const { t, text, lang } = useI18n();
  const [severity, setSeverity] = useState<Severity | ''>('');
  const shown = (findings ?? [])
    .filter((f) => !severity || f.severity === severity)
    .sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
        (a.at < b.at ? -1 : a.at > b.at ? 1 : 0),
    );
  const counts = new Map(SEVERITY_ORDER.map((s) => [s, (findings ?? []).filter((f) => f.severity === s).length]));
  return (
    <>
      <div className="panel-head">
        <h2>{t('board.findings')}</h2>
        {findings?.length ? (
          <label className="small">
            {t('board.filterSeverity')}{' '}
            <select
              data-testid="filter-severity"
              value={severity}
              onChange={(e) => setSeverity(e.target.value as Severity | '')}
            >
              <option value="">
                {t('board.all')} ({findings.length})
              </option>
              {SEVERITY_ORDER.map((s) => (
                <option key={s} value={s}>
                  {t(`severity.${s}`)} ({counts.get(s)})
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {findings === undefined ? (
        <p className="muted small">{t('common.unavailable')}</p>
      ) : findings.length === 0 ? (
        <p className="muted small">{t('board.noFindings')}</p>
      ) : (
        <table data-testid="findings">
          <thead>
            <tr>
              <th>{t('board.severity')}</th>
              <th>{t('board.rule')}</th>
              <th>{t('board.party')}</th>
              <th>{t('board.at')}</th>
              <th>{t('board.message')}</th>
              <th>{t('board.cites')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => (
              <tr key={f.id} data-finding={f.id} data-rule={f.rule} data-severity={f.severity}>
                <td>
                  <span className={`pill ${f.severity}`}>{t(`severity.${f.severity}`)}</span>
                </td>
                <td className="small" title={f.rule}>
                  {ruleTitle(f.rule, lang)}
                  <div className="muted">{text(subjectName(regime, f.breaks.id))}</div>
                </td>
                <td>{text(regime.parties.find((p) => p.id === f.party)?.name) || f.party}</td>
                <td className="small">{formatUtc(f.at)}</td>
                <td>
                  {text(f.message)} <AudienceMark audience={f.audience} />
                </td>
                <td>
                  {f.refs.map((r) => (
                    <a
                      key={`${r.origin}/${r.index}`}
                      href={entryHref(r.origin, r.index)}
                      onClick={onLinkClick}
                      className="mono"
                      data-ref={`${r.origin}#${r.index}`}
                    >
                      {r.origin.split('/').pop()}#{r.index}{' '}
                    </a>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
