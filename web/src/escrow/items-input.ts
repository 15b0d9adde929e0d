/**
 * Items pasted or uploaded for an escrowed declaration, as CSV or JSON, turned into the model's items as typed:
 * strings stay strings and numbers numbers, so that the model's Item schema (not this reader) says what is wrong.
 *
 * CSV: a header row naming `uid, category, site, status` and any attribute columns (e.g. `warheads`); an empty
 * attribute cell leaves that attribute out. JSON: an array of items, or `{ "items": [...] }` (what
 * `detente declare` reads and GET /api/escrow/declarations answers).
 */
import { csvRows } from '../../../src/escrow/csv.js';

export type ItemsFormat = 'csv' | 'json';

export interface ParsedItems {
  format: ItemsFormat;
  items: unknown[];
  /** A problem with the text as a whole (not a row's): bad JSON, no header, a row of the wrong width. */
  error?: string;
}

const FIELDS = ['uid', 'category', 'site', 'status'] as const;

/** JSON when the text starts like JSON, else CSV. */
export function parseItemsText(text: string): ParsedItems {
  const trimmed = text.trim();
  if (trimmed === '') return { format: 'csv', items: [] };
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return parseJsonItems(trimmed);
  return parseCsvItems(trimmed);
}

function parseJsonItems(text: string): ParsedItems {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { format: 'json', items: [], error: `JSON: ${(err as Error).message}` };
  }
  const list = Array.isArray(value) ? value : (value as { items?: unknown })?.items;
  if (!Array.isArray(list)) return { format: 'json', items: [], error: 'JSON: expected an array of items' };
  return { format: 'json', items: list };
}

function parseCsvItems(text: string): ParsedItems {
  const rows = csvRows(text).filter((r) => r.some((c) => c.trim() !== ''));
  const header = (rows.shift() ?? []).map((h) => h.trim());
  const missing = FIELDS.filter((f) => !header.includes(f));
  if (missing.length) return { format: 'csv', items: [], error: `CSV: the header must name ${missing.join(', ')}` };
  const items: unknown[] = [];
  for (const [i, row] of rows.entries()) {
    if (row.length !== header.length) {
      return { format: 'csv', items, error: `CSV row ${i + 2}: ${row.length} cells, the header has ${header.length}` };
    }
    const item: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {};
    header.forEach((h, c) => {
      const cell = row[c]!.trim();
      if ((FIELDS as readonly string[]).includes(h)) item[h] = cell;
      else if (cell !== '') attributes[h] = /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    });
    if (Object.keys(attributes).length) item.attributes = attributes;
    items.push(item);
  }
  return { format: 'csv', items };
}

/** Items per category (and per status within it), for the totals shown before committing. */
export function itemTotals(
  items: readonly unknown[],
): { category: string; total: number; byStatus: Record<string, number> }[] {
  const by = new Map<string, { total: number; byStatus: Record<string, number> }>();
  for (const it of items) {
    const { category, status } = (it ?? {}) as { category?: unknown; status?: unknown };
    if (typeof category !== 'string') continue;
    const row = by.get(category) ?? { total: 0, byStatus: {} };
    row.total++;
    const s = typeof status === 'string' ? status : '?';
    row.byStatus[s] = (row.byStatus[s] ?? 0) + 1;
    by.set(category, row);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, r]) => ({ category, ...r }));
}
