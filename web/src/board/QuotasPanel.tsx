import { useData } from '../data.js';
import { formatDuration, useI18n } from '../i18n/i18n.js';
import { type ComplianceState, quotaRow } from '../state.js';

export function quotaUse(state: ComplianceState | undefined, inspection: string, inspector: string, host: string) {
  const row = quotaRow(state, inspection, inspector, host);
  return { used: row?.used, left: row?.left, row };
}

export function QuotasPanel() {
  const { regime, state } = useData();
  const { t, text, lang } = useI18n();
  const party = (id: string) => text(regime.parties.find((p) => p.id === id)?.name);
  return (
    <>
      <h2>{t('board.quotas')}</h2>
      <table data-testid="quotas">
        <thead>
          <tr>
            <th>{t('map.inspections')}</th>
            <th className="num">{t('board.quota')}</th>
            <th className="num">{t('board.used')}</th>
            <th className="num">{t('board.left')}</th>
            <th>{t('board.notice')}</th>
          </tr>
        </thead>
        <tbody>
          {regime.inspections.flatMap((i) =>
            i.pairs.map((p) => {
              const { used, left, row } = quotaUse(state, i.id, p.inspector, p.host);
              return (
                <tr
                  key={`${i.id}/${p.inspector}/${p.host}`}
                  data-quota={i.id}
                  data-used={used}
                  className={left === 0 ? 'overdue-row' : undefined}
                >
                  <td>
                    {text(i.name)}
                    <div className="small muted">
                      {party(p.inspector)} → {party(p.host)}
                    </div>
                    {row ? (
                      <div className="small muted">
                        {t('board.period.current', {
                          from: row.period.from.slice(0, 10),
                          until: row.period.until.slice(0, 10),
                        })}
                        {row.selectedSites?.length
                          ? ` · ${t('board.selected', { sites: row.selectedSites.join(', ') })}`
                          : ''}
                      </div>
                    ) : null}
                  </td>
                  <td className="num">
                    {t('board.perPeriod', { count: i.quota.count, period: formatDuration(i.quota.period, t, lang) })}
                  </td>
                  <td className="num">{used ?? '—'}</td>
                  <td className="num">{left ?? (used !== undefined ? i.quota.count - used : '—')}</td>
                  <td className="num">{formatDuration(i.notice, t, lang)}</td>
                </tr>
              );
            }),
          )}
        </tbody>
      </table>
    </>
  );
}
