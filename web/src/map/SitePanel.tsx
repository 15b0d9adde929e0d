/** One site: what it is, and what the engine says about it (holdings, inspections, findings). */
import type { Site } from '../../../src/model/index.js';
import { partyColour, useData } from '../data.js';
import { useI18n } from '../i18n/i18n.js';
import { entryHref, navigate, onLinkClick } from '../router.js';
import { pick, stateSites, str } from '../state.js';
import { GenericValue } from '../ui/Generic.js';
import { siteStatus } from './MapView.js';

export function SitePanel({ site }: { site: Site }) {
  const { regime, state, findings } = useData();
  const { t, text, lang } = useI18n();
  const row = stateSites(state).find((s) => str(s, 'site', 'id') === site.id);
  const { status, tone } = siteStatus(state, site.id);
  const host = regime.parties.find((p) => p.id === site.host);
  const kind = regime.siteKinds.find((k) => k.id === site.kind);
  const siteFindings = (findings ?? []).filter(
    (f) => JSON.stringify(f).includes(`"${site.id}"`) || f.message.en.includes(site.id),
  );
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
          <dd>{status ? <span className={`pill ${tone}`}>{status}</span> : <span className="muted">—</span>}</dd>
        </div>
      </dl>
      {site.note ? <p className="small">{text(site.note)}</p> : null}
      <h3 className="h3">{t('map.holdings')}</h3>
      {row && pick(row, 'holdings', 'items', 'quantities') !== undefined ? (
        <GenericValue value={pick(row, 'holdings', 'items', 'quantities')} />
      ) : (
        <p className="muted small">{t('map.noState')}</p>
      )}
      <h3 className="h3">{t('map.inspections')}</h3>
      <ul className="plain small">
        {inspections.map((i) => (
          <li key={i.id}>{text(i.name)}</li>
        ))}
      </ul>
      {row && pick(row, 'inspections') !== undefined ? <GenericValue value={pick(row, 'inspections')} /> : null}
      <h3 className="h3">{t('map.findings')}</h3>
      {siteFindings.length === 0 ? (
        <p className="muted small">{t('board.noFindings')}</p>
      ) : (
        <ul className="plain small">
          {siteFindings.map((f) => (
            <li key={f.id}>
              <span className={`pill ${f.severity}`}>{f.severity}</span> {f.message[lang] ?? f.message.en}{' '}
              {f.refs.map((r) => (
                <a key={`${r.origin}/${r.index}`} href={entryHref(r.origin, r.index)} onClick={onLinkClick}>
                  #{r.index}
                </a>
              ))}
            </li>
          ))}
        </ul>
      )}
      {site.source ? (
        <p className="muted small">
          {t('common.source')}: {site.source}
        </p>
      ) : null}
    </div>
  );
}
