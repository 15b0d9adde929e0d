/**
 * Building blocks shared by the regime and the entries: identifiers, dates, durations, hashes, keys, and the
 * conversion of zod issues into `path: what is wrong` problems. Pure and isomorphic (imports src/crypto only).
 */
import { z } from 'zod';
import { DetenteError, type DetenteErrorCode, type Problem } from '../crypto/errors.js';

/** A name the regime defines (party, key, category, site, ...): short, lowercase, safe in paths and URLs. */
export const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
  error: 'expected an id: 1 to 64 of a-z 0-9 . _ - (starting with a letter or digit)',
});

/** A treaty-accountable item's unique identifier (New START UIDs are non-repeating alphanumeric codes). */
export const Uid = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, {
  error: 'expected a unique identifier: 1 to 64 of A-Z a-z 0-9 . _ : / - (starting with a letter or digit)',
});

/** A calendar date, `YYYY-MM-DD` (valid in the Gregorian calendar). */
export const IsoDate = z.iso.date({ error: 'expected a date YYYY-MM-DD' });

/** An instant in UTC, RFC 3339 with `Z`: `2022-01-26T12:00:00Z` (fractions of a second allowed). */
export const Timestamp = z.iso.datetime({ error: 'expected a UTC timestamp YYYY-MM-DDTHH:MM:SS[.fff]Z' });

const DURATION_RE =
  /^P(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;

/**
 * An ISO 8601 duration without fractions: `P42D`, `PT48H`, `P1Y`. Years and months are calendar units (the engine
 * adds them to a date in UTC); weeks, days, hours, minutes and seconds are fixed lengths.
 */
export const Duration = z.string().refine(
  (s) => {
    const m = DURATION_RE.exec(s);
    return m !== null && s !== 'P' && !s.endsWith('T') && m.slice(1).some((g) => g !== undefined);
  },
  { error: 'expected an ISO 8601 duration such as P42D, PT48H or P1Y' },
);

export interface DurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** Splits a duration that `Duration` accepted into its parts. */
export function parseDuration(text: string): DurationParts {
  const m = DURATION_RE.exec(text);
  if (!m || !Duration.safeParse(text).success) {
    throw new DetenteError('BAD_INPUT', `duration: expected an ISO 8601 duration, got ${JSON.stringify(text)}`);
  }
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/**
 * Adds (sign 1) or subtracts (sign -1) a duration to an instant, in UTC, calendar units first (as ISO 8601 and
 * Temporal do). A month added to 31 January gives 3 March (Date.UTC overflow); regimes use whole years from an
 * anchor date and fixed units for deadlines, where this never arises.
 */
export function addDuration(epochMs: number, duration: string, sign: 1 | -1 = 1): number {
  const d = parseDuration(duration);
  const t = new Date(epochMs);
  const shifted = Date.UTC(
    t.getUTCFullYear() + sign * d.years,
    t.getUTCMonth() + sign * d.months,
    t.getUTCDate(),
    t.getUTCHours(),
    t.getUTCMinutes(),
    t.getUTCSeconds(),
    t.getUTCMilliseconds(),
  );
  const fixed = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
  return shifted + sign * fixed * 1000;
}

/** 32 bytes as 64 lowercase hex digits (one spelling only, so that canonical bytes are unique). */
export const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected 64 lowercase hex digits (32 bytes)' });

/** Standard padded base64 (RFC 4648 §4) of exactly `bytes` bytes, with zero trailing bits. */
export function base64Of(bytes: number) {
  const chars = 4 * Math.ceil(bytes / 3);
  const pad = (3 - (bytes % 3)) % 3;
  // The last symbol before the padding may only use the bits that carry data.
  const last = pad === 2 ? '[AQgw]' : pad === 1 ? '[AEIMQUYcgkosw048]' : '[A-Za-z0-9+/]';
  const body = chars - pad - 1;
  const re = new RegExp(`^[A-Za-z0-9+/]{${body}}${last}${'='.repeat(pad)}$`);
  return z.string().regex(re, { error: `expected standard base64 of ${bytes} bytes (${chars} characters)` });
}

/** An Ed25519 public key: 32 bytes, base64. */
export const PublicKey = base64Of(32);
/** An X-Wing encapsulation key (a party's `recipient` key, issue 14): 1,216 bytes, base64. */
export const RecipientPublicKey = base64Of(1216);
/** An Ed25519 signature: 64 bytes, base64. */
export const Signature = base64Of(64);

/** Non-negative safe integer. */
export const Count = z.int().nonnegative({ error: 'expected a whole number ≥ 0' });

/** ISO 3166-1 alpha-3 country code (UKR, RUS, ROU, POL). */
export const Iso3 = z.string().regex(/^[A-Z]{3}$/, { error: 'expected an ISO 3166-1 alpha-3 code such as UKR' });

/** Where a public fact comes from: a citation, with the brief's [V]/[M] marker where it applies. */
export const Source = z.string().min(1).max(2000);

/** The status of a treaty-accountable item. */
export const Status = z.enum(['deployed', 'non-deployed', 'in-transit', 'converted', 'eliminated']);
export type Status = z.infer<typeof Status>;

/** A WGS84 point, decimal degrees. */
export const LatLon = z.strictObject({
  lat: z.number().min(-90, { error: 'expected latitude ≥ -90' }).max(90, { error: 'expected latitude ≤ 90' }),
  lon: z.number().min(-180, { error: 'expected longitude ≥ -180' }).max(180, { error: 'expected longitude ≤ 180' }),
});

/**
 * An object with exactly one of the given optional fields set, e.g. `{category: x}` or `{group: y}`: easier to
 * write in YAML than a tagged union, and reported with a clear message when zero or two are given.
 */
export function exactlyOne<S extends z.core.$ZodLooseShape>(shape: S) {
  const keys = Object.keys(shape);
  return z.strictObject(shape).superRefine((value, ctx) => {
    const present = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of ${keys.join(', ')}${present.length ? ` (got ${present.join(', ')})` : ''}`,
      });
    }
  });
}

/** `$.a[0].b`: a JSONPath for a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/**
 * Zod's issues as problems, in order, each once. Unknown fields are reported at their own path. Where a value has
 * the wrong type, only that is said: zod also runs length checks on it (a string is "too small" for an array).
 */
export function problemsOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\n${message}`;
    if (!seen.has(key)) out.push({ path, message });
    seen.add(key);
  };
  const wrongType = new Set(
    error.issues.filter((i) => i.code === 'invalid_type').map((i) => formatPath([...prefix, ...i.path])),
  );
  for (const issue of error.issues) {
    const path = formatPath([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(formatPath([...prefix, ...issue.path, key]), 'unknown field');
    } else if (issue.code === 'invalid_type' || !wrongType.has(path)) {
      add(path, issue.message);
    }
  }
  return out;
}

/** One error that lists every problem, one `path: message` line each. */
export function problemsError(code: DetenteErrorCode, title: string, problems: readonly Problem[]): DetenteError {
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`);
  const plural = problems.length === 1 ? 'problem' : 'problems';
  return new DetenteError(code, `${title} (${problems.length} ${plural}):\n${lines.join('\n')}`, { problems });
}
