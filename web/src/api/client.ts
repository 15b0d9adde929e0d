/**
 * The node's HTTP API (docs/API.md), read defensively: the dashboard never trusts these answers for anything it
 * can check itself (see ../verify), and shows what is there when a shape is not the one expected.
 */
import type { Regime } from '../../../src/model/index.js';
import type { Finding } from '../state.js';

export interface LogInfo {
  party?: string;
  origin: string;
  prefix: string;
  vkey: string;
  witnesses: string[];
  size?: number;
}

export interface EntryRefJson {
  origin: string;
  index: number;
  leafHash: string;
}

export interface EntrySummary extends EntryRefJson {
  countedAt?: string;
  party: string;
  type: string;
  issuedAt: string;
  summary?: string;
  /** A sealed entry's public envelope: who may read it, and the type it holds. */
  audience?: string[];
  sealedType?: string;
}

export interface EntryDetail extends EntryRefJson {
  entryBase64: string;
  envelope: unknown;
  sig: string;
  countedAt?: string;
  proof: { size: number; proof: string[] };
  checkpoint: string;
  cosignatures?: string[];
  vkey: string;
}

export type { Finding };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let path: string | undefined;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    if (body && typeof body.error === 'object' && body.error !== null) {
      const e = body.error as { code?: string; message?: string; path?: string };
      code = e.code ?? code;
      message = e.message ?? message;
      path = e.path;
    } else if (typeof body.error === 'string') {
      code = body.error;
      if (typeof body.message === 'string') message = body.message;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message, path);
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Like getJson, but `undefined` for a 404 (an endpoint that this node does not have yet). */
export async function getOptional<T>(path: string, init?: RequestInit): Promise<T | undefined> {
  try {
    return await getJson<T>(path, init);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 501)) return undefined;
    throw err;
  }
}

export async function getBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw await failure(res);
  return new Uint8Array(await res.arrayBuffer());
}

export async function getText(path: string): Promise<string> {
  const res = await fetch(path, { cache: 'no-cache' });
  if (!res.ok) throw await failure(res);
  return res.text();
}

/** The URL of an entry: the origin is one path segment (its slashes encoded). */
export function entryPath(origin: string, index: number): string {
  return `/api/entries/${encodeURIComponent(origin)}/${index}`;
}

/**
 * A signed-in user reads what their party may read (issue 14): the token of this tab (ActView keeps it in
 * sessionStorage) goes with the reads of state, findings and entries; without one the node answers the public view.
 */
export function asReader(): RequestInit | undefined {
  const token = typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem('detente.token');
  return token ? { headers: { authorization: `Bearer ${token}` } } : undefined;
}

export const api = {
  logs: () => getJson<{ logs: LogInfo[] }>('/logs'),
  regime: () => getJson<{ hash: string; regime: Regime }>('/api/regime'),
  clock: () => getOptional<{ now: string }>('/api/clock'),
  state: (asOf?: string) =>
    getOptional<unknown>(`/api/state${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`, asReader()),
  findings: (asOf?: string) =>
    getOptional<{ findings: Finding[] }>(`/api/findings${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`, asReader()),
  entries: (q: { party?: string; type?: string; offset?: number; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
    return getJson<{ total: number; entries: EntrySummary[] }>(`/api/entries?${params}`, asReader());
  },
  entry: (origin: string, index: number) => getJson<EntryDetail>(entryPath(origin, index), asReader()),
  me: (token: string) =>
    getJson<{ user: string; party: string; roles: string[] }>('/api/me', {
      headers: { authorization: `Bearer ${token}` },
    }),
  submit: (token: string, body: unknown) =>
    getJson<{ origin: string; index: number; leafHash: string; checkpoint: string; proof: string[] }>(
      '/api/submissions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    ),
};
