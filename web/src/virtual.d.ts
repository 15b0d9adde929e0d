declare module 'virtual:borders' {
  import type { Feature, Geometry, MultiPolygon, Polygon } from 'geojson';
  export const europe: Feature<Polygon | MultiPolygon, { iso: string }>[];
  export const america: Feature<Polygon | MultiPolygon, { iso: string }>[];
  export const east: Feature<Polygon | MultiPolygon, { iso: string }>[];
  export const borderBands: Record<string, Geometry | null>;
  export const dataset: string;
}
