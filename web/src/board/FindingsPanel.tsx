import { useData } from '../data.js';
import { useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';

export function FindingsPanel() {
  const { findings } = useData();
  const { t, lang } = useI18n();
  return (
    <>
      <h2>{t('board.findings')}</h2>
      {findings === undefined ? (
        <p className="muted small">{t('common.unavailable')}</p>
      ) : findings.length === 0 ? (
        <p className="muted small">{t('board.noFindings')}</p>
      ) : (
        <table data-testid="findings">
          <thead>
            <tr>
              <th>{t('board.severity')}</th>
              <th>{t('board.limit')}</th>
              <th />
              <th>{t('board.cites')}</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((f) => (
              <tr key={f.id} data-finding={f.id}>
                <td>
                  <span className={`pill ${f.severity}`}>{f.severity}</span>
                </td>
                <td className="mono">{f.rule}</td>
                <td>{f.message[lang] ?? f.message.en}</td>
                <td>
                  {f.refs.map((r) => (
                    <a
                      key={`${r.origin}/${r.index}`}
                      href={entryHref(r.origin, r.index)}
                      onClick={onLinkClick}
                      className="mono"
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
