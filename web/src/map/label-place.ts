/**
 * Where a zone's label goes so that it covers no site marker nor another label: its natural place (the zone's
 * centroid, or above a border band) if that is clear, else the nearest clear place stepping up and down by a line; labels placed
 * before it count as obstacles too. The label's box is
 * estimated from its length (SVG text is not measured before it is drawn); a marker is a square of `radius`.
 */
export interface LabelBox {
  x: number;
  y: number;
  anchor: 'middle' | 'start';
}

/** Width of one character of the 11 px label font, generously (bold, wide letters). */
const CHAR_PX = 6.6;
const LINE_PX = 13;

/** The label's estimated box: left, top, right, bottom. */
function extent(box: LabelBox, chars: number): [number, number, number, number] {
  const width = chars * CHAR_PX;
  const left = box.anchor === 'middle' ? box.x - width / 2 : box.x;
  // The text's baseline is y: it spans about one line above it and a little below.
  return [left, box.y - LINE_PX + 2, left + width, box.y + 3];
}

function covers(box: LabelBox, chars: number, px: number, py: number, radius: number): boolean {
  const [left, top, right, bottom] = extent(box, chars);
  return px + radius > left && px - radius < right && py + radius > top && py - radius < bottom;
}

/** Whether two labels' boxes meet. */
export function labelsMeet(a: LabelBox, aChars: number, b: LabelBox, bChars: number): boolean {
  const [al, at, ar, ab] = extent(a, aChars);
  const [bl, bt, br, bb] = extent(b, bChars);
  return al < br && ar > bl && at < bb && ab > bt;
}

export function placeLabel(
  at: LabelBox,
  chars: number,
  markers: readonly (readonly [number, number])[],
  radius = 9,
  tries = 8,
  /** Labels placed already, which this one must not meet either. */
  others: readonly { box: LabelBox; chars: number }[] = [],
): LabelBox {
  const clear = (b: LabelBox) =>
    !markers.some(([x, y]) => covers(b, chars, x, y, radius)) &&
    !others.some((o) => labelsMeet(b, chars, o.box, o.chars));
  if (clear(at)) return at;
  for (let i = 1; i <= tries; i++) {
    for (const dy of [-i * LINE_PX, i * LINE_PX]) {
      const moved = { ...at, y: at.y + dy };
      if (clear(moved)) return moved;
    }
  }
  return at;
}

/** Whether a label at `box` would cover a marker at (x, y) (for tests and callers that check a placement). */
export function labelCovers(box: LabelBox, chars: number, x: number, y: number, radius = 9): boolean {
  return covers(box, chars, x, y, radius);
}
