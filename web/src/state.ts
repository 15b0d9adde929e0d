/**
 * Reading the engine's state defensively. Its exact shape is the engine's (GET /api/state, canonical JSON); these
 * helpers look for the usual field names and let every view render whatever is there. Adapt here, not in views.
 */
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An array as is, or an object map as an array of its values with `id` set from the key. */
export function asArray(v: unknown): Obj[] {
  if (Array.isArray(v)) return v.filter(isObj);
  if (isObj(v)) return Object.entries(v).map(([id, x]) => (isObj(x) ? { id, ...x } : { id, value: x }));
  return [];
}

/** The first of `paths` (dotted) that exists in `state`. */
export function pick(state: unknown, ...paths: string[]): unknown {
  for (const path of paths) {
    let v: unknown = state;
    for (const part of path.split('.')) v = isObj(v) ? v[part] : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

export function str(o: unknown, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = pick(o, k);
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

export function num(o: unknown, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = pick(o, k);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

export function bool(o: unknown, ...keys: string[]): boolean | undefined {
  for (const k of keys) {
    const v = pick(o, k);
    if (typeof v === 'boolean') return v;
  }
  return undefined;
}

export const stateLimits = (s: unknown) => asArray(pick(s, 'limits', 'compliance.limits'));
export const stateCommitments = (s: unknown) => asArray(pick(s, 'commitments'));
export const stateNotifications = (s: unknown) =>
  asArray(pick(s, 'notifications', 'deadlines', 'notifications.pending'));
export const stateQuotas = (s: unknown) => asArray(pick(s, 'quotas', 'inspections.quotas', 'inspectionQuotas'));
export const stateMetrics = (s: unknown) => asArray(pick(s, 'metrics'));
export const stateSites = (s: unknown) => asArray(pick(s, 'sites'));
export const stateZones = (s: unknown) => asArray(pick(s, 'zones'));

/** The state entry for one limit and party, whatever it is called. */
export function limitRow(s: unknown, limit: string, party: string): Obj | undefined {
  return stateLimits(s).find(
    (r) =>
      (str(r, 'limit', 'id') === limit || str(r, 'id') === `${limit}/${party}`) && (str(r, 'party') ?? party) === party,
  );
}
