/**
 * Form validation with the server's own schemas: the envelope schema of the entry type (zod, from src/model) and
 * the regime's vocabulary checks, run as the user types. Problems come back keyed by body field.
 */
import { type EntryType, Envelope, problemsOf, type Regime, vocabularyProblems } from '../../../src/model/index.js';

export type FieldProblems = Record<string, string[]>;

/** Checks a body of `type` as `party` would sign it (the node fills `party` and `key`). */
export function checkBody(regime: Regime, party: string, type: EntryType, body: unknown): FieldProblems {
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
    const field = /^\$\.body\.([A-Za-z]+)/.exec(path)?.[1] ?? '_';
    addProblem(out, field, message);
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
