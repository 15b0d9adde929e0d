/**
 * The dashboard's UTC date and time control reads ISO 8601 only (web/src/forms/UtcInput.tsx): every real day and
 * minute, written with a space or a T and an optional "UTC", and nothing else (no locale's 20.01.2023, no 30 February).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUtcInput } from '../web/src/forms/utc-input.js';

const instants = fc.date({
  min: new Date('1970-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:00Z'),
  noInvalidDate: true,
});

describe('parseUtcInput', () => {
  it('reads every day and minute as a native input’s value would be', () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(' ', 'T'), fc.constantFrom('', ' UTC', 'Z', ' utc'), (d, sep, zone) => {
        const iso = d.toISOString();
        const [day, minute] = [iso.slice(0, 10), iso.slice(11, 16)];
        expect(parseUtcInput(`${day}${sep}${minute}${zone}`, true)).toBe(`${day}T${minute}`);
        expect(parseUtcInput(` ${day} `, false)).toBe(day);
        // A day is not a minute, nor a minute a day.
        expect(parseUtcInput(day, true)).toBeUndefined();
        expect(parseUtcInput(`${day} ${minute}`, false)).toBeUndefined();
      }),
    );
  });

  it('refuses what is not a real day or minute of that form, and never throws', () => {
    for (const bad of ['2022-02-30', '2022-13-01', '2022-1-5', '20.01.2023', '01/20/2023', 'yesterday', '']) {
      expect(parseUtcInput(bad, false), bad).toBeUndefined();
    }
    for (const bad of [
      '2022-03-08 24:00',
      '2022-03-08 08:60',
      '2022-03-08 8:00',
      '20.01.2023 08:00',
      '2022-03-08 08:00 MSK',
    ]) {
      expect(parseUtcInput(bad, true), bad).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (s, withTime) => {
        const v = parseUtcInput(s, withTime);
        if (v !== undefined) expect(v).toMatch(withTime ? /^\d{4}-\d\d-\d\dT\d\d:\d\d$/ : /^\d{4}-\d\d-\d\d$/);
      }),
    );
  });
});
