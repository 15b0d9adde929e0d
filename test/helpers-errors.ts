/** Assertions on DetenteError codes, shared by the format tests. */
import { expect } from 'vitest';
import { DetenteError, type DetenteErrorCode } from '../src/crypto/errors.js';

/** Runs `fn`, expecting a DetenteError with `code`; returns it for further checks. */
export function expectCode(fn: () => unknown, code: DetenteErrorCode): DetenteError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DetenteError);
    expect((e as DetenteError).code, (e as Error).message).toBe(code);
    return e as DetenteError;
  }
  throw new Error(`expected DetenteError ${code}, but nothing was thrown`);
}

/** Runs `fn` on hostile input: it may return or throw a DetenteError, nothing else (no TypeError, RangeError...). */
export function onlyDetenteErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DetenteError)) throw new Error(`threw ${String(e)} instead of a DetenteError`, { cause: e });
  }
}
