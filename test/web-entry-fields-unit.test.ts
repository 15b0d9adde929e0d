/**
 * The entry view labels every field of every entry type (web/src/entry/EntryFields.tsx): each field name the model
 * can put in a signed envelope (walked from the zod schemas) has a label in both of the dashboard's catalogues, and
 * every code a field can hold has a word.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Envelope } from '../src/model/index.js';
import en from '../web/src/i18n/en.json';
import ru from '../web/src/i18n/ru.json';

/** Field names under `schema`, and the enum values its code fields (kind, result, status, method, form) can hold. */
function walk(schema: z.ZodType, fields: Set<string>, codes: Set<string>, field = '', seen = new Set<unknown>()): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const next = (s: unknown, f = field) => walk(s as z.ZodType, fields, codes, f, seen);
  switch (def.type) {
    case 'object':
      // A bilingual text ({en, ru}) is one value, shown in the reader's language.
      if (
        Object.keys(def.shape as object)
          .sort()
          .join() === 'en,ru'
      )
        break;
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        fields.add(k);
        next(v, k);
      }
      break;
    case 'array':
      next(def.element);
      break;
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'default':
      next(def.innerType);
      break;
    case 'union':
      for (const o of def.options as unknown[]) next(o);
      break;
    case 'pipe':
      next(def.in);
      break;
    case 'record':
      next(def.valueType);
      break;
    case 'enum':
      if (['kind', 'result', 'status', 'observedStatus', 'method', 'form', 'from', 'to'].includes(field)) {
        for (const v of Object.values(def.entries as Record<string, string>)) codes.add(v);
      }
      break;
    case 'literal':
      if (['kind', 'form'].includes(field)) for (const v of def.values as string[]) codes.add(v);
      break;
  }
}

describe('the entry view’s labels', () => {
  const fields = new Set<string>();
  const codes = new Set<string>();
  walk(Envelope, fields, codes);
  for (const hidden of ['v', 'type']) fields.delete(hidden);

  it('finds the fields of every entry type', () => {
    expect(fields.size).toBeGreaterThan(50);
    for (const f of ['inspection', 'findings', 'countersignature', 'observedAt', 'acceptance', 'commit']) {
      expect(fields).toContain(f);
    }
    for (const c of ['confirmed', 'absence', 'deployed', 'open-source', 'escrowed', 'movement'])
      expect(codes).toContain(c);
  });

  it('every field has a label in English and in Russian', () => {
    const missing = (cat: Record<string, string>) => [...fields].filter((f) => !Object.hasOwn(cat, `field.${f}`));
    expect(missing(en)).toEqual([]);
    expect(missing(ru)).toEqual([]);
  });

  it('every code a field can hold has a word in English and in Russian', () => {
    const missing = (cat: Record<string, string>) => [...codes].filter((c) => !Object.hasOwn(cat, `value.${c}`));
    expect(missing(en)).toEqual([]);
    expect(missing(ru)).toEqual([]);
  });
});
