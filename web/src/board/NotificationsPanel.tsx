/** Notifications the engine tracks, deadlines counting down, overdue flagged; the rules when there is no state. */
import { useData } from '../data.js';
import { formatSpan, formatUtc, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import { bool, num, pick, stateNotifications, str } from '../state.js';
import { useNow } from '../useNow.js';

export function NotificationsPanel() {
  const { regime, state } = useData();
  const { t, text } = useI18n();
  const now = useNow();
  const rows = stateNotifications(state);
  return (
    <>
      <h2>{t('board.notifications')}</h2>
      {rows.length === 0 ? (
        <ul className="plain small">
          {regime.notifications.map((n) => (
            <li key={n.id}>
              {text(n.name)}{' '}
              <span className="muted">
                ({n.deadline.before ? `≥ ${n.deadline.before} before` : `≤ ${n.deadline.after} after`}
                {n.acknowledge ? `; ack ≤ ${n.acknowledge.within}` : ''})
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <table data-testid="notifications">
          <thead>
            <tr>
              <th>{t('common.type')}</th>
              <th>{t('common.party')}</th>
              <th>{t('board.deadline')}</th>
              <th>{t('common.status')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const deadline = str(r, 'deadline', 'due', 'dueAt');
              const ms = deadline ? Date.parse(deadline) - now : Number.NaN;
              const overdue = bool(r, 'overdue') ?? (Number.isFinite(ms) && ms < 0 && !bool(r, 'met', 'done'));
              const rule = str(r, 'rule');
              const ref = pick(r, 'ref', 'entry');
              const origin = str(ref, 'origin');
              const index = num(ref, 'index');
              return (
                <tr key={str(r, 'id') ?? i} className={overdue ? 'overdue-row' : undefined}>
                  <td>
                    {text(regime.notifications.find((n) => n.id === rule)?.name) || rule || str(r, 'kind')}
                    {origin !== undefined && index !== undefined ? (
                      <>
                        {' '}
                        <a href={entryHref(origin, index)} onClick={onLinkClick} className="mono small">
                          #{index}
                        </a>
                      </>
                    ) : null}
                  </td>
                  <td>{str(r, 'party', 'from')}</td>
                  <td className="small">
                    {formatUtc(deadline)}
                    <div className={overdue ? 'overdue' : 'muted'}>
                      {Number.isFinite(ms)
                        ? ms < 0
                          ? t('board.overdueBy', { time: formatSpan(ms, t) })
                          : t('board.dueIn', { time: formatSpan(ms, t) })
                        : ''}
                    </div>
                  </td>
                  <td>
                    {overdue ? (
                      <span className="pill bad">{t('board.overdue')}</span>
                    ) : (
                      <span className="pill">{str(r, 'status') ?? '—'}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
