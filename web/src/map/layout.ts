/**
 * Where the map puts every site: a main frame fitted to the regime's sites in Europe and western Asia, with insets
 * for North America and for East Asia when the regime has sites there. Every site lands inside its frame, whatever
 * the regime (the 57 states of the Vienna Document reach from Vancouver to Vladivostok); when an inset would cover a
 * main-frame site, the main frame leaves the insets a column of their own.
 */
import { type GeoProjection, geoConicConformal } from 'd3-geo';
import type { Feature, Geometry } from 'geojson';

export const W = 960;
export const H = 620;
const INSET_W = 250;
const INSET_H = 170;
const GAP = 12;

export type FrameId = 'main' | 'america' | 'east';

export interface Frame {
  id: FrameId;
  x: number;
  y: number;
  w: number;
  h: number;
  projection: GeoProjection;
}

export interface Located {
  location: { lon: number; lat: number };
}

/** West of 30°W is the Americas; east of 70°E, East Asia: both are drawn in insets. */
export function frameOf(s: Located): FrameId {
  if (s.location.lon < -30) return 'america';
  if (s.location.lon > 70) return 'east';
  return 'main';
}

type Bounds = readonly [lon0: number, lat0: number, lon1: number, lat1: number];

/** What each frame shows at least (the whole of the region's usual theatre), grown to its sites. */
const AT_LEAST: Record<FrameId, Bounds> = {
  main: [14, 42, 64, 70],
  america: [-124, 25, -67, 49],
  east: [110, 40, 140, 55],
};

function boundsOf(sites: readonly Located[], pad: number, atLeast: Bounds): Bounds {
  let [lon0, lat0, lon1, lat1] = atLeast;
  for (const { location: p } of sites) {
    lon0 = Math.min(lon0, p.lon - pad);
    lon1 = Math.max(lon1, p.lon + pad);
    lat0 = Math.min(lat0, p.lat - pad);
    lat1 = Math.max(lat1, p.lat + pad);
  }
  return [lon0, Math.max(lat0, -80), lon1, Math.min(lat1, 84)];
}

/** A box as points, for d3's fitExtent (a conic projection bends its edges: the middles count too). */
function boxFeature([lon0, lat0, lon1, lat1]: Bounds): Feature<Geometry> {
  const mid = (lon0 + lon1) / 2;
  const coordinates = [
    [lon0, lat0],
    [lon1, lat0],
    [lon0, lat1],
    [lon1, lat1],
    [mid, lat0],
    [mid, lat1],
  ];
  return { type: 'Feature', properties: {}, geometry: { type: 'MultiPoint', coordinates } };
}

function frame(id: FrameId, x: number, y: number, w: number, h: number, sites: readonly Located[]): Frame {
  const b = boundsOf(sites, id === 'main' ? 1.5 : 3, AT_LEAST[id]);
  const top = id === 'main' ? 10 : 24; // an inset's title bar
  const projection = geoConicConformal()
    .parallels([Math.max(b[1], 20), Math.min(b[3], 70)])
    .rotate([-(b[0] + b[2]) / 2, 0])
    .fitExtent(
      [
        [x + 10, y + top],
        [x + w - 10, y + h - 10],
      ],
      boxFeature(b),
    );
  return { id, x, y, w, h, projection };
}

export interface MapLayout {
  frames: Frame[];
  /** The frame a site is drawn in and where, in the map's coordinates. */
  place(site: Located): { frame: Frame; x: number; y: number };
}

const inside = (f: { x: number; y: number; w: number; h: number }, x: number, y: number, margin = 0) =>
  x >= f.x - margin && x <= f.x + f.w + margin && y >= f.y - margin && y <= f.y + f.h + margin;

export function mapLayout(sites: readonly Located[]): MapLayout {
  const by = (id: FrameId) => sites.filter((s) => frameOf(s) === id);
  // The Americas inset is always drawn (the regimes name the US); East Asia only when a site is there.
  const insets: { id: FrameId; sites: readonly Located[] }[] = [{ id: 'america', sites: by('america') }];
  if (by('east').length > 0) insets.push({ id: 'east', sites: by('east') });
  const insetAt = (i: number) => ({ x: W - INSET_W - GAP, y: GAP + i * (INSET_H + GAP), w: INSET_W, h: INSET_H });
  const insetFrames = insets.map((s, i) => {
    const r = insetAt(i);
    return frame(s.id, r.x, r.y, r.w, r.h, s.sites);
  });
  let main = frame('main', 0, 0, W, H, by('main'));
  const covered = by('main').some((s) => {
    const [x, y] = main.projection([s.location.lon, s.location.lat]) ?? [0, 0];
    return insetFrames.some((f) => inside(f, x, y, 14));
  });
  if (covered) main = frame('main', 0, 0, W - INSET_W - 2 * GAP, H, by('main'));
  const frames = [main, ...insetFrames];
  return {
    frames,
    place(site) {
      const f = frames.find((x) => x.id === frameOf(site))!;
      const [x, y] = f.projection([site.location.lon, site.location.lat]) ?? [f.x, f.y];
      return { frame: f, x, y };
    },
  };
}

/** Whether a point is inside a frame (for tests and for the marker's own check). */
export function inFrame(f: Frame, x: number, y: number): boolean {
  return inside(f, x, y);
}
