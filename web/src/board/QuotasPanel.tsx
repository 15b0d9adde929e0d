import { useData } from '../data.js';
import { useI18n } from '../i18n/i18n.js';
import { num, stateQuotas, str } from '../state.js';

export function quotaUse(state: unknown, inspection: string, inspector: string, host: string) {
  const row = stateQuotas(state).find(
    (r) =>
      str(r, 'inspection', 'id') === inspection &&
      (str(r, 'inspector') ?? inspector) === inspector &&
      (str(r, 'host') ?? host) === host,
  );
  return { used: num(row, 'used', 'count.used'), left: num(row, 'left', 'remaining') };
}

export function QuotasPanel() {
  const { regime, state } = useData();
  const { t, text } = useI18n();
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
              const { used, left } = quotaUse(state, i.id, p.inspector, p.host);
              return (
                <tr key={`${i.id}/${p.inspector}/${p.host}`}>
                  <td>
                    {text(i.name)}
                    <div className="small muted">
                      {party(p.inspector)} → {party(p.host)}
                    </div>
                  </td>
                  <td className="num">
                    {i.quota.count} / {i.quota.period}
                  </td>
                  <td className="num">{used ?? '—'}</td>
                  <td className="num">{left ?? (used !== undefined ? i.quota.count - used : '—')}</td>
                  <td className="mono">{i.notice}</td>
                </tr>
              );
            }),
          )}
        </tbody>
      </table>
    </>
  );
}
