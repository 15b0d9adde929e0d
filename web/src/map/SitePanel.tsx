/** One site: what it is, and what the engine says about it (holdings, inspections, findings). */
import type { Site } from '../../../src/model/index.js';
import { AudienceMark, audienceOf } from '../audience.js';
import { partyColour, useData } from '../data.js';
import { formatNumber, formatUtc, useI18n } from '../i18n/i18n.js';
import { entryHref, navigate, onLinkClick } from '../router.js';
import { siteFindings, siteInspections, siteRows, siteStatus } from '../state.js';

export function SitePanel({ site }: { site: Site }) {
  const { regime, state, findings, sealed } = useData();
  // A party's declared holdings are as confidential as the declaration they come from.
  const declaredAudience = (party: string) =>
    audienceOf([state?.holdings.find((h) => h.party === party)?.declaration?.ref], sealed);
  const { t, text, lang } = useI18n();
  const rows = siteRows(state, site.id);
  const requests = siteInspections(state, site.id);
  const { status, tone } = siteStatus(state, findings, site.id);
  const host = regime.parties.find((p) => p.id === site.host);
  const kind = regime.siteKinds.find((k) => k.id === site.kind);
  const cited = siteFindings(findings, site.id);
  const category = (id: string) => text(regime.categories.find((c) => c.id === id)?.name) || id;
  const partyName = (id: string) => text(regime.parties.find((p) => p.id === id)?.name) || id;
  const inspections = regime.inspections.filter(
    (i) => i.where.sites?.includes(site.id) || i.where.siteKinds?.includes(site.kind),
  );
  return (
    <div className="site-panel" data-testid="site-panel">
      <div className="panel-head">
        <h2 id="site-heading">{text(site.name)}</h2>
        <button type="button" className="ghost" onClick={() => navigate('/map')} aria-label={t('common.close')}>
          ×
        </button>
      </div>
      <dl className="facts">
        <div>
          <dt>{t('common.host')}</dt>
          <dd>
            <span className="swatch" style={{ background: partyColour(regime, site.host) }} /> {text(host?.name)}
          </dd>
        </div>
        <div>
          <dt>{t('common.kind')}</dt>
          <dd>{text(kind?.name)}</dd>
        </div>
        <div>
          <dt>{t('common.location')}</dt>
          <dd className="num">
            {site.location.lat.toFixed(3)}°, {site.location.lon.toFixed(3)}°{site.country ? ` · ${site.country}` : ''}
          </dd>
        </div>
        <div>
          <dt>{t('common.status')}</dt>
          <dd>
            {status ? (
              <span className={`pill ${tone}`} data-testid="site-status">
                {t(`siteStatus.${status}`)}
              </span>
            ) : (
              <span className="muted">—</span>
            )}
          </dd>
        </div>
      </dl>
      {site.note ? <p className="small">{text(site.note)}</p> : null}
      <h3 className="h3">{t('map.holdings')}</h3>
      {!state ? (
        <p className="muted small">{t('map.noState')}</p>
      ) : rows.length === 0 ? (
        <p className="muted small">{t('map.noHoldings')}</p>
      ) : (
        <table className="small" data-testid="site-holdings">
          <thead>
            <tr>
              <th>{t('map.category')}</th>
              <th className="num">{t('map.declared')}</th>
              <th className="num">{t('map.inspected')}</th>
              <th className="num">{t('map.observed')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.party}/${r.category}`} data-holding={r.category}>
                <td>
                  {category(r.category)}
                  {declaredAudience(r.party) ? (
                    <>
                      {' '}
                      <AudienceMark audience={declaredAudience(r.party)} />
                    </>
                  ) : null}
                </td>
                <td className="num">{formatNumber(r.declared, lang)}</td>
                <td className="num">
                  {r.inspected ? (
                    <a href={entryHref(r.inspected.ref.origin, r.inspected.ref.index)} onClick={onLinkClick}>
                      {r.inspected.absent
                        ? '0'
                        : formatNumber(r.inspected.confirmed + (r.inspected.present ?? 0), lang)}
                    </a>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="num">
                  {r.observed?.length
                    ? r.observed.map((o) => (
                        <a
                          key={`${o.ref.origin}#${o.ref.index}`}
                          href={entryHref(o.ref.origin, o.ref.index)}
                          onClick={onLinkClick}
                        >
                          {formatNumber(o.quantity, lang)}{' '}
                        </a>
                      ))
                    : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 className="h3">{t('map.inspections')}</h3>
      <ul className="plain small">
        {inspections.map((i) => (
          <li key={i.id}>{text(i.name)}</li>
        ))}
      </ul>
      {requests.length ? (
        <ul className="plain small" data-testid="site-inspections">
          {requests.map((r) => (
            <li key={`${r.ref.origin}#${r.ref.index}`} data-inspection={r.inspection} data-status={r.status}>
              <span className={`pill${r.status === 'not-conducted' || r.status === 'refused' ? ' bad' : ''}`}>
                {t(`status.${r.status}` as 'status.requested')}
              </span>{' '}
              {r.status === 'not-due' && !r.withinQuota ? `(${t('inspection.overQuota')}) ` : ''}
              {r.status === 'not-due' && r.notice === 'short' ? `(${t('inspection.shortNotice')}) ` : ''}
              {text(regime.inspections.find((i) => i.id === r.inspection)?.name) || r.inspection} ·{' '}
              {formatUtc(r.arrival)}{' '}
              <a href={entryHref(r.ref.origin, r.ref.index)} onClick={onLinkClick} className="mono">
                {r.ref.origin.split('/').pop()}#{r.ref.index}
              </a>{' '}
              <AudienceMark audience={audienceOf([r.ref], sealed)} />
              {r.hostNation ? (
                <span
                  className="small"
                  data-host-nation={r.hostNation.party}
                  data-consented={r.hostNation.consented ?? 'no'}
                >
                  {' '}
                  (
                  {[
                    r.hostNation.consented
                      ? t('inspection.hostConsented', {
                          nation: partyName(r.hostNation.party),
                          at: formatUtc(r.hostNation.consented),
                        })
                      : t('inspection.hostNoConsent', { nation: partyName(r.hostNation.party) }),
                    ...(r.hostNation.countersigned === undefined
                      ? []
                      : [
                          t(
                            r.hostNation.countersigned
                              ? 'inspection.hostCountersigned'
                              : 'inspection.hostNotCountersigned',
                          ),
                        ]),
                  ].join('; ')}
                  )
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <h3 className="h3">{t('map.findings')}</h3>
      {cited.length === 0 ? (
        <p className="muted small">{t('board.noFindings')}</p>
      ) : (
        <ul className="plain small">
          {cited.map((f) => (
            <li key={f.id} data-site-finding={f.id}>
              <span className={`pill ${f.severity}`}>{t(`severity.${f.severity}`)}</span> {text(f.message)}{' '}
              <AudienceMark audience={f.audience} />{' '}
              {f.refs.map((r) => (
                <a
                  key={`${r.origin}/${r.index}`}
                  href={entryHref(r.origin, r.index)}
                  onClick={onLinkClick}
                  className="mono ref-link"
                >
                  {r.origin.split('/').pop()}#{r.index}
                </a>
              ))}
            </li>
          ))}
        </ul>
      )}
      {site.source ? (
        <p className="muted small">
          {t('common.source')}: {readerSource(site.source)}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A site's source as a reader wants it: the regime's note without the scenario's own markers ("[V]" verified, "[M]"
 * modelled, "(BRIEF §5)", "(FIDELITY §2.5-c)"), which point into the project's research notes, not anything a reader can follow.
 */
export function readerSource(source: string): string {
  return source
    .replace(/\s*\[[A-Z]\]/g, '')
    .replace(/\s*\((?:BRIEF|FIDELITY) §[^)]*\)/g, '')
    .trim();
}
