/** Sites by party and kind, zones and the limits that apply there; a side panel for the selected site. */

import { america, borderBands, dataset, europe } from 'virtual:borders';
import { geoArea, geoConicConformal, geoPath } from 'd3-geo';
import type { Feature, Geometry, Position } from 'geojson';
import { useMemo } from 'react';
import type { Regime, Site, Zone } from '../../../src/model/index.js';
import { partyColour, useData } from '../data.js';
import { useI18n } from '../i18n/i18n.js';
import { navigate } from '../router.js';
import { siteStatus } from '../state.js';
import { SitePanel } from './SitePanel.js';

const W = 960;
const H = 620;
const INSET = { x: W - 262, y: 12, w: 250, h: 160 };

const box = (lon0: number, lat0: number, lon1: number, lat1: number): Feature<Geometry> => ({
  type: 'Feature',
  properties: {},
  geometry: {
    type: 'MultiPoint',
    coordinates: [
      [lon0, lat0],
      [lon1, lat0],
      [lon0, lat1],
      [lon1, lat1],
      [(lon0 + lon1) / 2, lat0],
      [(lon0 + lon1) / 2, lat1],
    ],
  },
});

const europeProjection = geoConicConformal()
  .parallels([45, 65])
  .rotate([-38, 0])
  .fitExtent(
    [
      [10, 10],
      [W - 10, H - 10],
    ],
    box(14, 42, 64, 70),
  );
const americaProjection = geoConicConformal()
  .parallels([33, 45])
  .rotate([98, 0])
  .fitExtent(
    [
      [INSET.x + 6, INSET.y + 22],
      [INSET.x + INSET.w - 6, INSET.y + INSET.h - 6],
    ],
    box(-124, 25, -67, 49),
  );
const europePath = geoPath(europeProjection);
const americaPath = geoPath(americaProjection);

/**
 * GeoJSON (RFC 7946) winds exterior rings counter-clockwise; d3-geo, working on the sphere, reads such a ring as
 * everything but the polygon. Reverse any polygon that would cover more than a hemisphere.
 */
export function forD3(geometry: Geometry): Geometry {
  const fix = (rings: Position[][]): Position[][] =>
    geoArea({ type: 'Polygon', coordinates: rings }) > 2 * Math.PI ? rings.map((r) => [...r].reverse()) : rings;
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: fix(geometry.coordinates) };
  if (geometry.type === 'MultiPolygon') return { ...geometry, coordinates: geometry.coordinates.map(fix) };
  return geometry;
}

const feature = (geometry: Geometry): Feature<Geometry> => ({
  type: 'Feature',
  properties: {},
  geometry: forD3(geometry),
});

/** A marker shape per site kind, so colour is not the only cue. */
const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
function Marker({ shape, colour, r }: { shape: (typeof SHAPES)[number]; colour: string; r: number }) {
  const common = { fill: colour, stroke: '#fff', strokeWidth: 1.5 };
  switch (shape) {
    case 'square':
      return <rect x={-r} y={-r} width={2 * r} height={2 * r} {...common} />;
    case 'triangle':
      return <path d={`M0,${-r * 1.2}L${r * 1.1},${r * 0.8}L${-r * 1.1},${r * 0.8}Z`} {...common} />;
    case 'diamond':
      return <path d={`M0,${-r * 1.25}L${r * 1.25},0L0,${r * 1.25}L${-r * 1.25},0Z`} {...common} />;
    default:
      return <circle r={r} {...common} />;
  }
}

export function kindShape(regime: Regime, kind: string) {
  const i = regime.siteKinds.findIndex((k) => k.id === kind);
  return SHAPES[Math.max(i, 0) % SHAPES.length]!;
}

function zoneGeometry(zone: Zone): { geometry: Geometry | null; approximate: boolean } {
  if (zone.kind === 'area') return { geometry: zone.geometry as Geometry, approximate: false };
  if (zone.kind === 'country') {
    const f = europe.find((c) => c.properties.iso === zone.country);
    return { geometry: f?.geometry ?? null, approximate: false };
  }
  const band = (borderBands as Record<string, Geometry | null>)[`${zone.country}-${zone.neighbour}-${zone.widthKm}`];
  return { geometry: band ?? null, approximate: true };
}

export function MapView({ selected }: { selected?: string }) {
  const { regime, state, findings } = useData();
  const { t, text } = useI18n();
  const countries = useMemo(
    () => europe.map((f) => ({ iso: f.properties.iso, d: europePath(feature(f.geometry)) ?? '' })),
    [],
  );
  const insetCountries = useMemo(
    () => america.map((f) => ({ iso: f.properties.iso, d: americaPath(feature(f.geometry)) ?? '' })),
    [],
  );
  const zones = useMemo(
    () =>
      regime.zones.map((zone) => {
        const { geometry, approximate } = zoneGeometry(zone);
        const d = geometry ? (europePath(feature(geometry)) ?? '') : '';
        return { zone, d, approximate };
      }),
    [regime],
  );
  const inAmerica = (s: Site) => s.location.lon < -30;
  const place = (s: Site) =>
    (inAmerica(s) ? americaProjection : europeProjection)([s.location.lon, s.location.lat]) ?? [0, 0];
  const select = (id: string) => navigate(`/map?site=${encodeURIComponent(id)}`);
  const site = regime.sites.find((s) => s.id === selected);

  return (
    <div className="map-layout">
      <section className="map-main" aria-labelledby="map-heading">
        <div className="section-head">
          <h1 id="map-heading">{t('map.heading')}</h1>
          <span className="muted">{t('map.siteCount', { count: regime.sites.length })}</span>
        </div>
        <svg className="map" viewBox={`0 0 ${W} ${H}`} aria-label={t('map.label')} data-testid="map">
          <defs>
            <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <line x1="0" y1="0" x2="0" y2="6" stroke="#8a6d1d" strokeWidth="1.2" strokeOpacity="0.45" />
            </pattern>
            <clipPath id="inset-clip">
              <rect x={INSET.x} y={INSET.y} width={INSET.w} height={INSET.h} />
            </clipPath>
          </defs>
          <rect width={W} height={H} className="sea" />
          <g className="countries">
            {countries.map((c) => (
              <path key={c.iso} d={c.d} data-iso={c.iso} className={`country c-${c.iso}`} />
            ))}
          </g>
          <g className="zones">
            {zones.map(({ zone, d, approximate }) =>
              d ? (
                <path
                  key={zone.id}
                  d={d}
                  className={`zone zone-${zone.kind}${approximate ? ' approximate' : ''}`}
                  data-zone={zone.id}
                >
                  <title>
                    {text(zone.name)}
                    {approximate ? ` (${t('map.bandApprox')})` : ''}
                  </title>
                </path>
              ) : null,
            )}
          </g>
          <g className="inset" clipPath="url(#inset-clip)">
            <rect x={INSET.x} y={INSET.y} width={INSET.w} height={INSET.h} className="inset-frame" />
            {insetCountries.map((c) => (
              <path key={c.iso} d={c.d} className="country" />
            ))}
            <rect x={INSET.x} y={INSET.y} width={INSET.w} height={20} className="inset-bar" />
            <text x={INSET.x + 8} y={INSET.y + 14} className="inset-label">
              {t('map.inset')}
            </text>
          </g>
          <g className="sites">
            {regime.sites.map((s) => {
              const [x, y] = place(s);
              const { status, tone } = siteStatus(state, findings, s.id);
              const label = `${text(s.name)} — ${text(regime.siteKinds.find((k) => k.id === s.kind)?.name)}${
                status ? ` — ${status}` : ''
              }`;
              return (
                // biome-ignore lint/a11y/useSemanticElements: an SVG marker cannot be a <button>; it behaves as one.
                <g
                  key={s.id}
                  transform={`translate(${x.toFixed(1)},${y.toFixed(1)})`}
                  className={`site${s.id === selected ? ' selected' : ''}`}
                  role="button"
                  tabIndex={0}
                  aria-label={label}
                  aria-pressed={s.id === selected}
                  data-site={s.id}
                  data-tone={tone}
                  onClick={() => select(s.id)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      select(s.id);
                    }
                  }}
                >
                  <title>{label}</title>
                  <circle r={13} className="focus-ring" />
                  <Marker shape={kindShape(regime, s.kind)} colour={partyColour(regime, s.host)} r={6} />
                  {tone !== 'unknown' ? <circle cx={6} cy={-6} r={3.5} className={`badge ${tone}`} /> : null}
                </g>
              );
            })}
          </g>
        </svg>
        <p className="muted small">{t('map.borders', { dataset })}</p>
        <Legend />
      </section>
      <aside className="side-panel" aria-live="polite">
        {site ? <SitePanel site={site} /> : <SiteList onSelect={select} />}
      </aside>
    </div>
  );
}

function Legend() {
  const { regime } = useData();
  const { t, text } = useI18n();
  const kinds = regime.siteKinds.filter((k) => regime.sites.some((s) => s.kind === k.id));
  return (
    <section className="legend" aria-label={t('map.legend')}>
      <div>
        <h2 className="h3">{t('common.party')}</h2>
        <ul className="plain">
          {regime.parties
            .filter((p) => regime.sites.some((s) => s.host === p.id))
            .map((p) => (
              <li key={p.id}>
                <span className="swatch" style={{ background: partyColour(regime, p.id) }} /> {text(p.name)}
              </li>
            ))}
        </ul>
      </div>
      <div>
        <h2 className="h3">{t('common.kind')}</h2>
        <ul className="plain">
          {kinds.map((k) => (
            <li key={k.id}>
              <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                <Marker shape={kindShape(regime, k.id)} colour="#4a5562" r={5} />
              </svg>{' '}
              {text(k.name)}
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h2 className="h3">{t('map.zones')}</h2>
        <ul className="plain">
          {regime.zones.map((z) => (
            <li key={z.id}>
              <span className={`swatch zone-swatch zone-${z.kind}`} /> {text(z.name)}
              {z.kind === 'border-band' ? <span className="muted"> ({t('map.bandApprox')})</span> : null}
              <ul className="plain limits-here">
                {regime.limits
                  .filter((l) => l.zone === z.id)
                  .map((l) => (
                    <li key={l.id} className="small">
                      {text(l.name)}
                    </li>
                  ))}
              </ul>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

function SiteList({ onSelect }: { onSelect: (id: string) => void }) {
  const { regime } = useData();
  const { t, text } = useI18n();
  return (
    <div>
      <h2>{t('map.siteList')}</h2>
      <p className="muted small">{t('map.select')}</p>
      {regime.parties
        .filter((p) => regime.sites.some((s) => s.host === p.id))
        .map((p) => (
          <div key={p.id} className="site-group">
            <h3 className="h3" style={{ color: partyColour(regime, p.id) }}>
              {text(p.name)}
            </h3>
            <ul className="plain">
              {regime.sites
                .filter((s) => s.host === p.id)
                .map((s) => (
                  <li key={s.id}>
                    <button type="button" className="link-button" onClick={() => onSelect(s.id)}>
                      {text(s.name)}
                    </button>
                  </li>
                ))}
            </ul>
          </div>
        ))}
    </div>
  );
}
