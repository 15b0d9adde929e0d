import { useData } from '../data.js';
import { formatNumber, useI18n } from '../i18n/i18n.js';
import { limitRow } from '../state.js';

export function LimitsPanel() {
  const { regime, state } = useData();
  const { t, text, lang } = useI18n();
  const rows = regime.limits.flatMap((limit) => limit.parties.map((party) => ({ limit, party })));
  return (
    <>
      <h2>{t('board.limits')}</h2>
      <table data-testid="limits">
        <thead>
          <tr>
            <th>{t('board.limit')}</th>
            <th>{t('common.party')}</th>
            <th>{t('board.zone')}</th>
            <th>{t('board.period')}</th>
            <th className="num">{t('board.declared')}</th>
            <th className="num">{t('board.atMost')}</th>
            <th className="num">{t('board.margin')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ limit, party }) => {
            const row = limitRow(state, limit.id, party);
            // The engine counts what was declared and, separately, the most that observations and inspections show.
            const counted = row ? Math.max(row.declared, row.observed ?? 0) : undefined;
            const margin = row?.margin;
            const share =
              counted === undefined ? 0 : limit.atMost === 0 ? (counted > 0 ? 1 : 0) : counted / limit.atMost;
            const status = row?.status;
            return (
              <tr
                key={`${limit.id}/${party}`}
                data-limit={limit.id}
                data-party={party}
                data-status={status}
                className={status === 'exceeded' ? 'overdue-row' : undefined}
              >
                <td>
                  {text(limit.name)}
                  {counted !== undefined ? (
                    <div className={`bar${margin !== undefined && margin < 0 ? ' over' : ''}`}>
                      <span style={{ width: `${Math.min(100, share * 100)}%` }} />
                    </div>
                  ) : null}
                </td>
                <td>{text(regime.parties.find((p) => p.id === party)?.name)}</td>
                <td>{limit.zone ? text(regime.zones.find((z) => z.id === limit.zone)?.name) : '—'}</td>
                <td className="small">
                  {limit.from ?? '…'} – {limit.until ?? '…'}
                </td>
                <td className="num">
                  {formatNumber(row?.declared, lang)}
                  {row?.observed !== undefined ? (
                    <div className="small muted">{t('board.observed', { n: formatNumber(row.observed, lang) })}</div>
                  ) : null}
                  {row?.coverage ? (
                    <div className="small muted" data-coverage>
                      {t('board.coverage', {
                        assessed: formatNumber(row.coverage.assessed, lang),
                        of: formatNumber(row.coverage.of, lang),
                      })}
                    </div>
                  ) : row?.partial ? (
                    <div className="small muted">{t('board.partial')}</div>
                  ) : null}
                </td>
                <td className="num">{formatNumber(limit.atMost, lang)}</td>
                <td className={`num${margin !== undefined && margin < 0 ? ' overdue' : ''}`}>
                  {formatNumber(margin, lang)}
                  {status ? (
                    <div>
                      <span
                        className={`pill ${status === 'exceeded' ? 'critical' : status === 'within' ? 'good' : status === 'not-assessable' ? 'warn' : ''}`}
                      >
                        {t(`status.${status}` as 'status.within')}
                      </span>
                    </div>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
