/**
 * Instants passed in as data (the escrow has no clock): epoch milliseconds, or RFC 3339 date-times. Compared
 * exactly, as epoch nanoseconds in a bigint, so that a reveal one nanosecond after its deadline is late.
 */
import { fail } from '../crypto/errors.js';

/** Epoch milliseconds (a safe integer), or an RFC 3339 date-time such as "2022-01-26T17:00:00Z". */
export type Instant = string | number;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An instant as epoch nanoseconds. Throws BAD_INPUT on anything else (including 24:00, :60 and 30 February). */
export function epochNanos(t: Instant, field = 'instant'): bigint {
  if (typeof t === 'number') {
    if (!Number.isSafeInteger(t)) fail('BAD_INPUT', `${field}: expected epoch milliseconds as a safe integer`);
    return BigInt(t) * 1_000_000n;
  }
  const m = typeof t === 'string' ? RFC3339.exec(t) : null;
  if (!m) fail('BAD_INPUT', `${field}: expected an RFC 3339 date-time or epoch milliseconds`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59) {
    fail('BAD_INPUT', `${field}: ${JSON.stringify(t)} is not a valid date-time`);
  }
  if (second > 59) fail('BAD_INPUT', `${field}: leap seconds are not accepted`);
  let offsetMinutes = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) fail('BAD_INPUT', `${field}: bad UTC offset ${zone}`);
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const fraction = m[7] ? BigInt(m[7].slice(1).padEnd(9, '0')) : 0n;
  return BigInt(ms) * 1_000_000n + fraction;
}

/** True when `t` is strictly after `deadline`: the one lateness rule. */
export function isAfter(t: Instant, deadline: Instant): boolean {
  return epochNanos(t, 'time') > epochNanos(deadline, 'deadline');
}
