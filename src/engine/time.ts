/**
 * Time in the engine: milliseconds since the epoch, UTC, always passed in (the engine has no clock). Dates in the
 * regime (`2022-03-31`) are calendar days in UTC; a deadline date includes its whole day.
 */
import { addDuration, parseDuration } from '../model/index.js';

export const DAY_MS = 86_400_000;

/** `2022-03-31` → the instant the day begins (UTC). */
export function startOfDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** `2022-03-31` → the instant the day ends (exclusive: the start of the next day). */
export function endOfDay(date: string): number {
  return startOfDay(date) + DAY_MS;
}

/** RFC 3339 in UTC with milliseconds, the one spelling of an instant in the engine's output. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

const monthDays = (y: number, m: number) =>
  m === 2
    ? y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
      ? 29
      : 28
    : m === 4 || m === 6 || m === 9 || m === 11
      ? 30
      : 31;

/** `dddd-dd-ddTdd:dd:dd` in the first 19 characters. */
function shape(s: string): boolean {
  for (let i = 0; i < 19; i++) {
    const c = s.charCodeAt(i);
    const want = i === 4 || i === 7 ? 45 : i === 10 ? 84 : i === 13 || i === 16 ? 58 : -1;
    if (want < 0 ? c < 48 || c > 57 : c !== want) return false;
  }
  return true;
}

/**
 * An RFC 3339 UTC timestamp as the model accepts it (`2022-03-28T14:00:00Z`, with or without a fraction) in ms:
 * parsed by hand (this runs for most entries), Date.parse for anything else.
 */
export function instant(text: string): number {
  const n = text.length;
  if (n >= 20 && text.charCodeAt(n - 1) === 90 /* Z */ && text.charCodeAt(10) === 84 /* T */) {
    let ms = 0;
    if (n > 20) {
      // A fraction: milliseconds are its first three digits (the rest truncated, as Date.parse does).
      if (text.charCodeAt(19) !== 46 /* . */ || n === 21 || n > 30) return Date.parse(text);
      for (let i = 20; i < n - 1; i++) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return Date.parse(text);
        if (i < 23) ms += c * (i === 20 ? 100 : i === 21 ? 10 : 1);
      }
    }
    const y = digit(text, 0) * 1000 + digit(text, 1) * 100 + two(text, 2);
    const mo = two(text, 5);
    const d = two(text, 8);
    const h = two(text, 11);
    const mi = two(text, 14);
    const se = two(text, 17);
    if (shape(text) && mo >= 1 && mo <= 12 && d >= 1 && d <= monthDays(y, mo) && h <= 23 && mi <= 59 && se <= 59) {
      return (((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60 + se) * 1000 + ms;
    }
  }
  return Date.parse(text);
}

const fixedLengths = new Map<string, number | null>();

/** The length of a duration in ms when it has no calendar units (years, months), else null. Cached. */
function fixedLength(duration: string): number | null {
  let ms = fixedLengths.get(duration);
  if (ms === undefined) {
    const d = parseDuration(duration);
    ms =
      d.years || d.months ? null : ((((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds) * 1000;
    if (fixedLengths.size < 1024) fixedLengths.set(duration, ms);
  }
  return ms;
}

/** `t + d`, UTC, calendar units first (model's addDuration). */
export function plus(t: number, duration: string): number {
  const ms = fixedLength(duration);
  return ms === null ? addDuration(t, duration, 1) : t + ms;
}

export function minus(t: number, duration: string): number {
  const ms = fixedLength(duration);
  return ms === null ? addDuration(t, duration, -1) : t - ms;
}

/** The start of the k-th period of `duration` counted from `anchor` (k may be negative). */
export function periodStart(anchor: number, duration: string, k: number): number {
  const d = parseDuration(duration);
  const a = new Date(anchor);
  const shifted = Date.UTC(
    a.getUTCFullYear() + k * d.years,
    a.getUTCMonth() + k * d.months,
    a.getUTCDate(),
    a.getUTCHours(),
    a.getUTCMinutes(),
    a.getUTCSeconds(),
    a.getUTCMilliseconds(),
  );
  const fixed = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
  return shifted + k * fixed * 1000;
}

/** The index k of the period [periodStart(k), periodStart(k + 1)) that holds t. */
export function periodIndex(anchor: number, duration: string, t: number): number {
  const approx = Math.max(1, periodStart(anchor, duration, 1) - anchor);
  let k = Math.floor((t - anchor) / approx);
  while (periodStart(anchor, duration, k) > t) k--;
  while (periodStart(anchor, duration, k + 1) <= t) k++;
  return k;
}
