/**
 * Form validation with the server's own schemas: the envelope schema of the entry type (zod, from src/model) and
 * the regime's vocabulary checks, run as the user types. Problems come back keyed by body field.
 */
import { type EntryType, Envelope, problemsOf, type Regime, vocabularyProblems } from '../../../src/model/index.js';

export type FieldProblems = Record<string, string[]>;

/**
 * Checks a body of `type` as `party` would sign it (the node fills `party` and `key`). Problems are keyed by the
 * body's top field (`arrival`), or with `deep` by the whole path (`findings.0.uid`), for forms with rows.
 */
export function checkBody(
  regime: Regime,
  party: string,
  type: EntryType,
  body: unknown,
  { deep = false }: { deep?: boolean } = {},
): FieldProblems {
  const p = regime.parties.find((x) => x.id === party);
  const key = p?.keys[0]?.id ?? 'unknown-key';
  const envelope = {
    v: 1,
    type,
    party,
    key,
    issuedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    body,
    refs: [],
  };
  const out: FieldProblems = {};
  const add = (path: string, message: string) => {
    const field = deep ? bodyPath(path) : /^\$\.body\.([A-Za-z]+)/.exec(path)?.[1];
    addProblem(out, field || '_', message);
  };
  const parsed = Envelope.safeParse(envelope);
  if (!parsed.success) {
    for (const problem of problemsOf(parsed.error)) add(problem.path, problem.message);
    return out;
  }
  for (const problem of vocabularyProblems(regime, parsed.data)) add(problem.path, problem.message);
  return out;
}

/** Adds a message under a field. */
export function addProblem(problems: FieldProblems, field: string, message: string): void {
  const list = problems[field] ?? [];
  list.push(message);
  problems[field] = list;
}

/** `$.body.findings[0].uid` → `findings.0.uid` (empty outside the body). */
export function bodyPath(path: string): string {
  if (!path.startsWith('$.body')) return '';
  return path
    .slice('$.body'.length)
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\["([^"]*)"\]/g, '.$1')
    .replace(/^\./, '');
}
