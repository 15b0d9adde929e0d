/** Sites by party and kind, zones and the limits that apply there; a side panel for the selected site. */

import { america, borderBands, dataset, east, europe } from 'virtual:borders';
import { geoArea, geoPath } from 'd3-geo';
import type { Feature, Geometry, Position } from 'geojson';
import { useMemo } from 'react';
import type { Regime, Zone } from '../../../src/model/index.js';
import { partyColour, useData } from '../data.js';
import { type MessageKey, useI18n } from '../i18n/i18n.js';
import { navigate } from '../router.js';
import { siteStatus } from '../state.js';
import { type LabelBox, placeLabel } from './label-place.js';
import { type Frame, H, mapLayout, W } from './layout.js';
import { SitePanel } from './SitePanel.js';

const INSET_TITLE: Record<Frame['id'], MessageKey | undefined> = {
  main: undefined,
  america: 'map.inset',
  east: 'map.insetEast',
};

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

/**
 * A marker shape per site kind, so colour is not the only cue: eight distinct shapes, in the order of the regime's
 * kinds (a regime with more kinds than shapes repeats them, and the legend says which is which).
 */
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'star', 'hexagon', 'triangle-down', 'cross'] as const;
type Shape = (typeof SHAPES)[number];

function polygon(points: [number, number][]): string {
  return `M${points.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join('L')}Z`;
}
const around = (n: number, r: (i: number) => number, turn = -Math.PI / 2): [number, number][] =>
  Array.from({ length: n }, (_, i) => [
    r(i) * Math.cos(turn + (i * 2 * Math.PI) / n),
    r(i) * Math.sin(turn + (i * 2 * Math.PI) / n),
  ]);

export function Marker({ shape, colour, r }: { shape: Shape; colour: string; r: number }) {
  const common = { fill: colour, stroke: '#fff', strokeWidth: 1.5, 'data-shape': shape };
  switch (shape) {
    case 'square':
      return <rect x={-r * 0.9} y={-r * 0.9} width={1.8 * r} height={1.8 * r} {...common} />;
    case 'triangle':
      return (
        <path
          d={polygon([
            [0, -r * 1.25],
            [r * 1.15, r * 0.85],
            [-r * 1.15, r * 0.85],
          ])}
          {...common}
        />
      );
    case 'triangle-down':
      return (
        <path
          d={polygon([
            [0, r * 1.25],
            [r * 1.15, -r * 0.85],
            [-r * 1.15, -r * 0.85],
          ])}
          {...common}
        />
      );
    case 'diamond':
      return (
        <path
          d={polygon([
            [0, -r * 1.3],
            [r * 1.1, 0],
            [0, r * 1.3],
            [-r * 1.1, 0],
          ])}
          {...common}
        />
      );
    case 'star':
      return <path d={polygon(around(10, (i) => (i % 2 ? r * 0.6 : r * 1.4)))} {...common} />;
    case 'hexagon':
      return <path d={polygon(around(6, () => r * 1.1, 0))} {...common} />;
    case 'cross': {
      const a = r * 0.45;
      const b = r * 1.2;
      return (
        <path
          d={polygon([
            [-a, -b],
            [a, -b],
            [a, -a],
            [b, -a],
            [b, a],
            [a, a],
            [a, b],
            [-a, b],
            [-a, a],
            [-b, a],
            [-b, -a],
            [-a, -a],
          ])}
          {...common}
        />
      );
    }
    default:
      return <circle r={r} {...common} />;
  }
}

/** The shape of a kind, counting only the kinds that have sites (so a regime's five kinds get five shapes). */
export function kindShape(regime: Regime, kind: string): Shape {
  const i = regime.siteKinds.filter((k) => regime.sites.some((s) => s.kind === k.id)).findIndex((k) => k.id === kind);
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

const COUNTRIES: Record<Frame['id'], typeof europe> = { main: europe, america, east: [...europe, ...east] };

export function MapView({ selected }: { selected?: string }) {
  const { regime, state, findings } = useData();
  const { t, text } = useI18n();
  const layout = useMemo(() => mapLayout(regime.sites), [regime]);
  const frames = useMemo(
    () =>
      layout.frames.map((frame) => {
        const path = geoPath(frame.projection);
        return {
          frame,
          path,
          countries: COUNTRIES[frame.id].map((f) => ({
            iso: f.properties.iso,
            d: path(feature(f.geometry)) ?? '',
          })),
        };
      }),
    [layout],
  );
  const main = frames[0]!;
  const zones = useMemo(() => {
    // Labels clear of every marker of the main map and of each other (the band's label once hid Kozelsk).
    const markers = regime.sites
      .map((s) => layout.place(s))
      .filter((p) => p.frame.id === 'main')
      .map((p) => [p.x, p.y] as const);
    const placedLabels: { box: LabelBox; chars: number }[] = [];
    return regime.zones.map((zone) => {
      const { geometry, approximate } = zoneGeometry(zone);
      const g = geometry ? feature(geometry) : undefined;
      const d = g ? (main.path(g) ?? '') : '';
      if (!g) return { zone, d, approximate, at: [Number.NaN, Number.NaN, 'middle'] as const };
      // A band around a country has its centroid inside that country: its label goes above the band instead.
      const [[x0, y0], [x1]] = main.path.bounds(g);
      const [cx, cy] = main.path.centroid(g);
      const natural: LabelBox =
        zone.kind === 'border-band'
          ? { x: (x0 + x1) / 2, y: y0 - 6, anchor: 'middle' }
          : { x: cx, y: cy, anchor: 'middle' };
      const chars = text(zone.name).length;
      const placed = placeLabel(natural, chars, markers, 9, 8, placedLabels);
      placedLabels.push({ box: placed, chars });
      return { zone, d, approximate, at: [placed.x, placed.y, placed.anchor] as const };
    });
  }, [regime, main, layout, text]);
  const select = (id: string) => navigate(`/map?site=${encodeURIComponent(id)}`);
  const site = regime.sites.find((s) => s.id === selected);
  const inInsets = regime.sites.filter((s) => layout.place(s).frame.id !== 'main').length;

  return (
    <div className="map-layout">
      <section className="map-main" aria-labelledby="map-heading">
        <div className="section-head">
          <h1 id="map-heading">{t('map.heading')}</h1>
          <span className="muted">
            {t('map.siteCount', { count: regime.sites.length })}
            {inInsets > 0 ? ` · ${t('map.outside', { count: inInsets })}` : ''}
          </span>
        </div>
        <svg className="map" viewBox={`0 0 ${W} ${H}`} aria-label={t('map.label')} data-testid="map">
          <defs>
            <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <line x1="0" y1="0" x2="0" y2="6" stroke="#8a6d1d" strokeWidth="1.2" strokeOpacity="0.45" />
            </pattern>
            {frames.map(({ frame: f }) => (
              <clipPath key={f.id} id={`clip-${f.id}`}>
                <rect x={f.x} y={f.y} width={f.w} height={f.h} />
              </clipPath>
            ))}
          </defs>
          <rect width={W} height={H} className="sea" />
          {frames.map(({ frame: f, countries }) => (
            <g
              key={f.id}
              className={f.id === 'main' ? 'frame' : 'inset'}
              clipPath={`url(#clip-${f.id})`}
              data-frame={f.id}
              data-box={`${f.x} ${f.y} ${f.w} ${f.h}`}
            >
              {f.id !== 'main' ? <rect x={f.x} y={f.y} width={f.w} height={f.h} className="inset-frame" /> : null}
              <g className="countries">
                {countries.map((c) => (
                  <path
                    key={c.iso}
                    d={c.d}
                    data-iso={f.id === 'main' ? c.iso : undefined}
                    className={`country c-${c.iso}`}
                  />
                ))}
              </g>
              {f.id === 'main' ? (
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
                  {zones.map(({ zone, at }) =>
                    Number.isFinite(at[0]) && Number.isFinite(at[1]) ? (
                      <text
                        key={zone.id}
                        x={at[0]}
                        y={at[1]}
                        className="zone-label"
                        textAnchor={at[2]}
                        data-zone-label={zone.id}
                      >
                        {text(zone.name)}
                      </text>
                    ) : null,
                  )}
                </g>
              ) : (
                <>
                  <rect x={f.x} y={f.y} width={f.w} height={20} className="inset-bar" />
                  <text x={f.x + 8} y={f.y + 14} className="inset-label">
                    {t(INSET_TITLE[f.id]!)}
                  </text>
                </>
              )}
            </g>
          ))}
          <g className="sites">
            {regime.sites.map((s) => {
              const { frame, x, y } = layout.place(s);
              const { status, tone } = siteStatus(state, findings, s.id);
              const label = `${text(s.name)} — ${text(regime.siteKinds.find((k) => k.id === s.kind)?.name)}${
                status ? ` — ${t(`siteStatus.${status}`)}` : ''
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
                  data-frame={frame.id}
                  data-x={x.toFixed(1)}
                  data-y={y.toFixed(1)}
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
                  {tone !== 'unknown' ? <circle cx={7} cy={-7} r={3.5} className={`badge ${tone}`} /> : null}
                </g>
              );
            })}
          </g>
        </svg>
        <p className="muted small">{t('map.borders', { dataset })}</p>
        <Legend />
      </section>
      <aside className="side-panel" aria-live="polite">
        {site ? <SitePanel site={site} /> : <SiteList onSelect={select} selected={selected} />}
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
        <ul className="plain" data-testid="legend-kinds">
          {kinds.map((k) => (
            <li key={k.id} data-legend-kind={k.id} data-shape={kindShape(regime, k.id)}>
              <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                <Marker shape={kindShape(regime, k.id)} colour="#4a5562" r={5} />
              </svg>{' '}
              {text(k.name)}
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h2 className="h3">{t('map.legendStatus')}</h2>
        <ul className="plain" data-testid="legend-status">
          {(
            [
              ['bad', 'map.legendBad'],
              ['warn', 'map.legendWarn'],
              ['good', 'map.legendGood'],
            ] as const
          ).map(([tone, key]) => (
            <li key={tone} data-legend-tone={tone}>
              <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                <circle r={4.5} className={`badge ${tone}`} />
              </svg>{' '}
              {t(key)}
            </li>
          ))}
          <li className="muted">{t('map.legendNone')}</li>
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

function SiteList({ onSelect, selected }: { onSelect: (id: string) => void; selected?: string }) {
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
                    <button
                      type="button"
                      className="link-button"
                      aria-current={s.id === selected ? 'true' : undefined}
                      data-site-link={s.id}
                      onClick={() => onSelect(s.id)}
                    >
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
