/**
 * The one strict reader of an "as of" date, shared by the command line (--as-of) and the API (?asOf=): a calendar
 * date (its last millisecond, UTC) or an RFC 3339 instant. Lenient readers turned `0` into 2000, rolled
 * 2022-02-30 over into March and let years far outside any regime reach the engine's date arithmetic.
 */
import { DetenteError } from '../crypto/errors.js';

/** The range an "as of" may take: dates the engine's quota periods and ISO strings can always represent. */
export const AS_OF_MIN = Date.UTC(1970, 0, 1);
export const AS_OF_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

const expected = (text: string) =>
  `expected a date (2022-03-31, meaning its end, UTC) or a time (2022-03-31T12:00:00Z) between 1970 and 9999, got ${JSON.stringify(text.slice(0, 100))}`;

/** Milliseconds since the epoch; BAD_INPUT for anything else, an impossible day or time, or a date out of range. */
export function parseAsOf(text: string): number {
  const date = DATE.exec(text);
  const instant = date ? undefined : INSTANT.exec(text);
  const m = date ?? instant;
  if (!m) throw new DetenteError('BAD_INPUT', expected(text));
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = date ? [23, 59, 59] : [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const ms = date ? 999 : Number((m[7] ?? '').padEnd(3, '0'));
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(local);
  // A field out of its range (February 30, 24:00, minute 60) rolls over in Date.UTC: refuse it instead.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  ) {
    throw new DetenteError('BAD_INPUT', expected(text));
  }
  let t = local;
  const zone = instant?.[8];
  if (zone && zone !== 'Z') {
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (zh > 23 || zm > 59) throw new DetenteError('BAD_INPUT', expected(text));
    t -= (zone[0] === '+' ? 1 : -1) * (zh * 60 + zm) * 60_000;
  }
  if (t < AS_OF_MIN || t > AS_OF_MAX) throw new DetenteError('BAD_INPUT', expected(text));
  return t;
}
