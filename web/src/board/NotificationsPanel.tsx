/**
 * Notifications the engine tracks: each deadline (the notification itself, every acknowledgement, an explanation of
 * a concern, a change that was never notified), counting down to the state's "as of", missed ones flagged.
 */
import { AudienceMark, audienceOf } from '../audience.js';
import { useData } from '../data.js';
import { formatDuration, formatSpan, formatUtc, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import { deadlines } from '../state.js';

export function NotificationsPanel() {
  const { regime, state, clock, sealed } = useData();
  const { t, text, lang } = useI18n();
  const rows = deadlines(state);
  const now = state ? Date.parse(state.asOf) : clock;
  const partyName = (id: string) => text(regime.parties.find((p) => p.id === id)?.name) || id;
  return (
    <>
      <h2>{t('board.notifications')}</h2>
      {rows.length === 0 ? (
        <ul className="plain small">
          {regime.notifications.map((n) => (
            <li key={n.id}>
              {text(n.name)}{' '}
              <span className="muted">
                (
                {n.deadline.before
                  ? t('board.deadlineBefore', { d: formatDuration(n.deadline.before, t, lang) })
                  : t('board.deadlineAfter', { d: formatDuration(n.deadline.after, t, lang) })}
                {n.acknowledge ? `; ${t('board.ackWithin', { d: formatDuration(n.acknowledge.within, t, lang) })}` : ''}
                )
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
            {rows.map((r) => {
              const ms = Date.parse(r.dueBy) - now;
              const open = r.status === 'awaiting';
              return (
                <tr
                  key={r.key}
                  className={r.overdue ? 'overdue-row' : undefined}
                  data-deadline={r.what}
                  data-status={r.status}
                >
                  <td>
                    {text(regime.notifications.find((n) => n.id === r.rule)?.name) || r.rule}
                    <div className="small muted">
                      {t(`board.what.${r.what}` as 'board.what.notification')}
                      {r.ref ? (
                        <>
                          {' '}
                          <a href={entryHref(r.ref.origin, r.ref.index)} onClick={onLinkClick} className="mono">
                            {r.ref.origin.split('/').pop()}#{r.ref.index}
                          </a>
                        </>
                      ) : null}{' '}
                      <AudienceMark audience={r.audience ?? audienceOf([r.ref], sealed)} />
                    </div>
                  </td>
                  <td>{partyName(r.party)}</td>
                  <td className="small">
                    {formatUtc(r.dueBy)}
                    {r.status === 'late' && r.doneAt ? (
                      <div className="overdue" data-testid="late-by">
                        {t('board.lateBy', { time: formatSpan(Date.parse(r.doneAt) - Date.parse(r.dueBy), t) })}
                      </div>
                    ) : open || r.overdue ? (
                      <div className={r.overdue || ms < 0 ? 'overdue' : 'muted'}>
                        {ms < 0
                          ? t('board.overdueBy', { time: formatSpan(ms, t) })
                          : t('board.dueIn', { time: formatSpan(ms, t) })}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <span className={`pill${r.overdue || r.status === 'late' ? ' bad' : ''}`}>
                      {t(`status.${r.status}` as 'status.late')}
                    </span>
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
