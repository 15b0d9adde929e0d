/** What the UTC date and time control (UtcInput.tsx) reads: ISO 8601 days and minutes only (pure, for its tests). */

const DAY = /^(\d{4}-\d{2}-\d{2})$/;
const MINUTE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?:\s*(?:UTC|Z))?$/i;

/**
 * `text` as the value a date (`YYYY-MM-DD`) or datetime-local (`YYYY-MM-DDTHH:MM`) input would give, or undefined
 * when it is not a real day or minute of that form.
 */
export function parseUtcInput(text: string, withTime: boolean): string | undefined {
  const t = text.trim();
  const m = withTime ? MINUTE.exec(t) : DAY.exec(t);
  if (!m) return undefined;
  const value = withTime ? `${m[1]}T${m[2]}` : m[1]!;
  const iso = withTime ? `${value}:00.000Z` : `${value}T00:00:00.000Z`;
  // A day that does not exist (2022-02-30) or an hour past 23 comes back different.
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString() === iso ? value : undefined;
}
