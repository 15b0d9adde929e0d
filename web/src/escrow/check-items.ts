/**
 * Every row of a declaration's items checked as the node checks them (src/node/escrow.ts itemProblems: the model's
 * Item schema, then the regime's names as for a plain declaration), but row by row: a row that breaks the schema
 * does not hide the vocabulary problems of the others. Problems are keyed `items.<row>.<field>`, rows from 0.
 */
import { Item, problemsOf, type Regime } from '../../../src/model/index.js';
import { addProblem, bodyPath, checkBody, type FieldProblems } from '../forms/validate.js';

/** Without `party` (nobody signed in), only the item schema: the regime's checks need the signer's party. */
export function checkItems(
  regime: Regime,
  party: string | undefined,
  asOf: string,
  items: readonly unknown[],
): FieldProblems {
  const out: FieldProblems = {};
  const wellFormed: { row: number; item: unknown }[] = [];
  items.forEach((item, row) => {
    const parsed = Item.safeParse(item);
    if (parsed.success) wellFormed.push({ row, item });
    else for (const p of problemsOf(parsed.error, ['body', 'items', row])) addProblem(out, bodyPath(p.path), p.message);
  });
  if (party === undefined) return out;
  const body = { form: 'plain', asOf, items: wellFormed.map((w) => w.item), quantities: [] };
  for (const [path, messages] of Object.entries(checkBody(regime, party, 'declaration', body, { deep: true }))) {
    // items.<i> of the well-formed rows → the row it came from.
    const at = /^items\.(\d+)(.*)$/.exec(path);
    const key = at ? `items.${wellFormed[Number(at[1])]!.row}${at[2]}` : path;
    for (const m of messages) addProblem(out, key, m);
  }
  return out;
}
