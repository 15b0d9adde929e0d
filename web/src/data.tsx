/** What every view needs once: the logs, the regime, and (when the node has them) the engine's state and findings. */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { Regime } from '../../src/model/index.js';
import { ApiError, api, type LogInfo } from './api/client.js';
import type { SealedAudiences } from './audience.js';
import { useI18n } from './i18n/i18n.js';
import { asState, type ComplianceState, type Finding } from './state.js';

export interface NodeData {
  logs: LogInfo[];
  regime: Regime;
  regimeHash: string;
  /** The engine's state as of `asOf`: undefined while loading or when the node has no engine. */
  state: ComplianceState | undefined;
  stateAvailable: boolean;
  findings: Finding[] | undefined;
  /** The date chosen (`?asOf=`), or undefined for the node's clock. */
  asOf: string | undefined;
  setAsOf: (asOf: string | undefined) => void;
  /** Why the chosen date cannot be used (`?asOf=yesterday`), when it cannot. */
  asOfProblem: AsOfProblem | undefined;
  /** The node's clock (GET /api/clock): an exercise's simulated now, else the wall clock; ms since the epoch. */
  clock: number;
  /** Every sealed entry's audience, by leaf hash (empty until loaded): what marks a confidential item. */
  sealed: SealedAudiences;
}

/** The sealed entries' public envelopes, a page at a time (their audiences, by leaf hash). */
async function sealedAudiences(): Promise<SealedAudiences> {
  const out = new Map<string, readonly string[]>();
  for (let offset = 0; ; ) {
    const page = await api.entries({ type: 'sealed', offset, limit: 1000 });
    for (const e of page.entries) if (e.audience) out.set(e.leafHash, e.audience);
    offset += page.entries.length;
    if (page.entries.length === 0 || offset >= page.total) return out;
  }
}

export type AsOfProblem = { kind: 'not-a-date'; value: string } | { kind: 'refused'; message: string };

/** A date the node takes for `asOf`: YYYY-MM-DD (its end, UTC) or an ISO 8601 time in UTC. */
export function isAsOf(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/.test(value) && Number.isFinite(Date.parse(value));
}

type Loaded = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; data: NodeData };

const Context = createContext<Loaded>({ status: 'loading' });

export function DataProvider({ children }: { children: ReactNode }) {
  const [base, setBase] = useState<{ logs: LogInfo[]; regime: Regime; hash: string } | { error: string } | undefined>();
  // `?asOf=` in the address: a link to the state of one date (the timeline's control keeps it up to date).
  const [asOf, setAsOfState] = useState<string | undefined>(
    () => new URLSearchParams(globalThis.location?.search).get('asOf') ?? undefined,
  );
  const setAsOf = useCallback((value: string | undefined) => {
    setAsOfState(value);
    const url = new URL(location.href);
    if (value) url.searchParams.set('asOf', value);
    else url.searchParams.delete('asOf');
    history.replaceState(history.state, '', url);
  }, []);
  const [state, setState] = useState<{ state: ComplianceState | undefined; available: boolean }>({
    state: undefined,
    available: false,
  });
  const [findings, setFindings] = useState<Finding[] | undefined>();
  const [refused, setRefused] = useState<string | undefined>();
  const [clock, setClock] = useState<number | undefined>();
  const [sealed, setSealed] = useState<SealedAudiences>(new Map());

  // The node's clock stands still in an exercise and follows the wall clock otherwise: asked again now and then.
  useEffect(() => {
    let live = true;
    const ask = () =>
      api
        .clock()
        .then((c) => live && setClock(c && Number.isFinite(Date.parse(c.now)) ? Date.parse(c.now) : Date.now()))
        .catch(() => live && setClock(Date.now()));
    ask();
    const id = setInterval(ask, 30_000);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, []);

  const { setRegime } = useI18n();
  useEffect(() => {
    Promise.all([api.logs(), api.regime()])
      .then(([logs, regime]) => {
        setBase({ logs: logs.logs, regime: regime.regime, hash: regime.hash });
        // The engine's messages name parties, sites and zones by id: the dashboard says their names.
        setRegime(regime.regime);
      })
      .catch((err: Error) => setBase({ error: err.message }));
  }, [setRegime]);

  // The engine's fold can take the node a moment: ask once the regime is here, so the first view is up first.
  const ready = base !== undefined && !('error' in base);
  const notADate = asOf !== undefined && !isAsOf(asOf);
  useEffect(() => {
    setRefused(undefined);
    if (!ready || notADate) {
      setState({ state: undefined, available: false });
      setFindings(undefined);
      return;
    }
    let live = true;
    const refusal = (err: unknown) => {
      if (live && err instanceof ApiError && err.status === 400) setRefused(err.message);
    };
    api
      .state(asOf)
      .then((s) => live && setState({ state: asState(s), available: asState(s) !== undefined }))
      .catch((err: unknown) => {
        refusal(err);
        if (live) setState({ state: undefined, available: false });
      });
    api
      .findings(asOf)
      .then((f) => live && setFindings(f?.findings))
      .catch(() => live && setFindings(undefined));
    // Asked again with the state: entries sealed since are new items of it.
    sealedAudiences()
      .then((s) => {
        if (!live) return;
        setSealed(s);
        // For tests and tools: the marks are drawn from this many sealed envelopes.
        document.documentElement.dataset.sealed = String(s.size);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [asOf, ready, notADate]);

  let value: Loaded;
  const asOfProblem: AsOfProblem | undefined = notADate
    ? { kind: 'not-a-date', value: asOf }
    : refused !== undefined
      ? { kind: 'refused', message: refused }
      : undefined;
  if (!base || clock === undefined) value = { status: 'loading' };
  else if ('error' in base) value = { status: 'error', message: base.error };
  else
    value = {
      status: 'ready',
      data: {
        logs: base.logs,
        regime: base.regime,
        regimeHash: base.hash,
        state: state.state,
        stateAvailable: state.available,
        findings,
        asOf,
        setAsOf,
        asOfProblem,
        clock,
        sealed,
      },
    };
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useLoaded(): Loaded {
  return useContext(Context);
}

/** Inside views rendered only when ready. */
export function useData(): NodeData {
  const v = useContext(Context);
  if (v.status !== 'ready') throw new Error('useData before the data is ready');
  return v.data;
}

/** Party colours: calm, distinguishable, AA contrast on white. */
const PALETTE = ['#1f5fa8', '#b3362c', '#5b6b2a', '#7a4f9a', '#946200', '#2b7a78'];
export function partyColour(regime: Regime, party: string): string {
  const i = regime.parties.findIndex((p) => p.id === party);
  return PALETTE[(i < 0 ? PALETTE.length - 1 : i) % PALETTE.length]!;
}
