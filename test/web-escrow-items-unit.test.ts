/**
 * The dashboard's reading and checking of a declaration's items (web/src/escrow): CSV and JSON as typed, every row
 * checked with the model's Item schema and the regime's names (a broken row does not hide the others'), the totals
 * shown before committing; and the two languages have the same messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvRows } from '../src/escrow/csv.js';
import { checkItems } from '../web/src/escrow/check-items.js';
import { itemTotals, parseItemsText } from '../web/src/escrow/items-input.js';
import { loadScenario } from './model-helpers.js';

const regime = loadScenario();

describe('items pasted for an escrowed declaration', () => {
  it('reads CSV with quotes, attribute columns and blank cells; JSON as an array or {items}', () => {
    expect(csvRows('a,"b,c"\r\n"say ""hi""",d')).toEqual([
      ['a', 'b,c'],
      ['say "hi"', 'd'],
    ]);
    const csv = parseItemsText(
      'uid,category,site,status,warheads\nA-1,icbm,kozelsk,deployed,4\nA-2,icbm,kozelsk,deployed,\n',
    );
    expect(csv).toEqual({
      format: 'csv',
      items: [
        { uid: 'A-1', category: 'icbm', site: 'kozelsk', status: 'deployed', attributes: { warheads: 4 } },
        { uid: 'A-2', category: 'icbm', site: 'kozelsk', status: 'deployed' },
      ],
    });
    const item = { uid: 'B', category: 'icbm', site: 'kozelsk', status: 'deployed' };
    expect(parseItemsText(JSON.stringify([item])).items).toEqual([item]);
    expect(parseItemsText(JSON.stringify({ items: [item] })).items).toEqual([item]);
    expect(parseItemsText('[{').error).toMatch(/^JSON:/);
    expect(parseItemsText('uid,category\nA,icbm').error).toBe('CSV: the header must name site, status');
    expect(parseItemsText('uid,category,site,status\nA,icbm,kozelsk').error).toMatch(/row 2: 3 cells/);
  });

  it('checks every row as the node does, keyed by row and field', () => {
    const items = [
      { uid: 'OK-1', category: 'icbm', site: 'kozelsk', status: 'deployed', attributes: { warheads: 4 } },
      { uid: 'BAD-STATUS', category: 'icbm', site: 'kozelsk', status: 'parked' },
      { uid: 'BAD-SITE', category: 'icbm', site: 'atlantis', status: 'deployed' },
      { uid: 'BAD-KIND', category: 'troops', site: 'kozelsk', status: 'deployed' },
      { uid: 'OK-1', category: 'icbm', site: 'kozelsk', status: 'deployed' },
      { uid: 'BAD-ATTR', category: 'heavy-bomber', site: 'engels', status: 'deployed', attributes: { warheads: 1 } },
    ];
    const problems = checkItems(regime, 'ru', '2026-01-01', items);
    expect(Object.keys(problems).sort()).toEqual([
      'items.1.status',
      'items.2.site',
      'items.3.category',
      'items.4.uid',
      'items.5.attributes.warheads',
    ]);
    expect(checkItems(regime, 'ru', '2026-01-01', [items[0]])).toEqual({});
    expect(Object.keys(checkItems(regime, 'ru', '2026-13-01', [items[0]]))).toEqual(['asOf']);
  });

  it('totals per category and status, for the table shown before sending', () => {
    expect(
      itemTotals([
        { category: 'icbm', status: 'deployed' },
        { category: 'icbm', status: 'non-deployed' },
        { category: 'heavy-bomber', status: 'deployed' },
        'not an item',
      ]),
    ).toEqual([
      { category: 'heavy-bomber', total: 1, byStatus: { deployed: 1 } },
      { category: 'icbm', total: 2, byStatus: { deployed: 1, 'non-deployed': 1 } },
    ]);
  });

  it('the dashboard has every message in English and in Russian', () => {
    const read = (lang: string) =>
      JSON.parse(readFileSync(new URL(`../web/src/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<
        string,
        string
      >;
    const en = read('en');
    const ru = read('ru');
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(ru)) expect([k, v.trim() !== '']).toEqual([k, true]);
  });
});
