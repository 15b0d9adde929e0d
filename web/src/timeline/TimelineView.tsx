/**
 * Every entry of every log, filtered by party and type, virtualized (only the visible rows are in the DOM) and
 * loaded in pages as they scroll into view, so 100,000 entries stay smooth. The date sets the "as of" of the whole
 * dashboard (state, findings).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ENTRY_TYPES } from '../../../src/model/index.js';
import { api, type EntrySummary } from '../api/client.js';
import { AudienceMark } from '../audience.js';
import { useData } from '../data.js';
import { formatUtc, type MessageKey, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import { SEVERITY_ORDER } from '../state.js';
import { readableSummary } from './summary.js';

const PAGE = 500;
const ROW = 34;

export function TimelineView() {
  const { regime, asOf, setAsOf, state, findings, clock } = useData();
  const { t, text, hasKey } = useI18n();
  const partyName = (id: string) => text(regime.parties.find((p) => p.id === id)?.name) || id;
  const typeName = (type: string) => (hasKey(`entryType.${type}`) ? t(`entryType.${type}` as MessageKey) : type);
  const [party, setParty] = useState('');
  const [type, setType] = useState('');
  const [total, setTotal] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();
  const pages = useRef(new Map<number, EntrySummary[] | 'loading'>());
  const [version, setVersion] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);

  // A new filter starts over.
  useEffect(() => {
    pages.current = new Map();
    setTotal(undefined);
    setError(undefined);
    let live = true;
    api
      .entries({ party, type, offset: 0, limit: PAGE })
      .then((r) => {
        if (!live) return;
        pages.current.set(0, r.entries);
        setTotal(r.total);
        setVersion((v) => v + 1);
      })
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [party, type]);

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();

  // Load the pages the visible rows fall in.
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    for (let page = Math.floor(first / PAGE); page <= Math.floor(last / PAGE); page++) {
      if (pages.current.has(page)) continue;
      pages.current.set(page, 'loading');
      api
        .entries({ party, type, offset: page * PAGE, limit: PAGE })
        .then((r) => {
          pages.current.set(page, r.entries);
          setVersion((v) => v + 1);
        })
        .catch(() => pages.current.delete(page));
    }
  }, [first, last, party, type]);

  const rowAt = (i: number): EntrySummary | undefined => {
    const page = pages.current.get(Math.floor(i / PAGE));
    return Array.isArray(page) ? page[i % PAGE] : undefined;
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: version marks a page load
  const range = useMemo(() => {
    const firstRow = rowAt(0);
    const lastRow = total ? rowAt(total - 1) : undefined;
    return { from: firstRow?.issuedAt, to: lastRow?.issuedAt };
  }, [version, total]);

  const minMs = range.from ? Date.parse(range.from) : undefined;
  // The slider ends at the federation's clock (an exercise's now), where "as of" starts.
  const maxMs = clock;
  const shownMs = state ? Date.parse(state.asOf) : asOf ? Date.parse(asOf) : maxMs;

  return (
    <section aria-labelledby="timeline-heading">
      <div className="section-head">
        <h1 id="timeline-heading">{t('timeline.heading')}</h1>
        <span className="muted" data-testid="entry-count">
          {total === undefined ? t('common.loading') : t('timeline.entries', { count: total })}
        </span>
      </div>
      <fieldset className="filters" aria-label={t('timeline.filters')}>
        <label className="field">
          {t('common.party')}
          <select value={party} onChange={(e) => setParty(e.target.value)} data-testid="filter-party">
            <option value="">{t('common.all')}</option>
            {regime.parties.map((p) => (
              <option key={p.id} value={p.id}>
                {text(p.name)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('common.type')}
          <select value={type} onChange={(e) => setType(e.target.value)} data-testid="filter-type">
            <option value="">{t('common.all')}</option>
            {ENTRY_TYPES.map((ty) => (
              <option key={ty} value={ty}>
                {t(`entryType.${ty}`)}
              </option>
            ))}
          </select>
        </label>
        {minMs !== undefined && minMs < maxMs ? (
          <label className="field" style={{ flex: 1, minWidth: 240 }}>
            {t('timeline.slider')}: {formatUtc(shownMs)}
            <input
              type="range"
              min={minMs}
              max={maxMs}
              step={3_600_000}
              value={Math.min(Math.max(shownMs, minMs), maxMs)}
              onChange={(e) => {
                const v = Number(e.target.value);
                setAsOf(v >= maxMs - 3_600_000 ? undefined : new Date(v).toISOString().replace(/\.\d+Z$/, 'Z'));
              }}
              aria-valuetext={formatUtc(shownMs)}
            />
          </label>
        ) : null}
      </fieldset>
      {state ? (
        <p className="asof-summary small" data-testid="asof-summary" data-entries={state.entries.total}>
          <strong>{t('board.asOf', { date: formatUtc(state.asOf) })}</strong>
          {' · '}
          {t('timeline.entries', { count: state.entries.total })}
          {' · '}
          {t('board.findings')}: <span data-testid="asof-findings">{findings?.length ?? '—'}</span>
          {SEVERITY_ORDER.map((sev) =>
            state.findings.bySeverity[sev] ? (
              <span key={sev}>
                {' '}
                <span className={`pill ${sev}`}>
                  {t(`severity.${sev}`)} {state.findings.bySeverity[sev]}
                </span>
              </span>
            ) : null,
          )}
          {' · '}
          {t('timeline.commitmentsInForce', {
            n: state.commitments.filter((c) => c.status === 'in-force').length,
            of: state.commitments.length,
          })}
        </p>
      ) : null}
      {error ? <p className="error">{t('common.error', { message: error })}</p> : null}
      <div className="rows" ref={scroller} data-testid="timeline-rows">
        <div className="row head" style={{ height: ROW }} aria-hidden="true">
          <span>{t('timeline.index')}</span>
          <span>{t('common.party')}</span>
          <span>{t('common.type')}</span>
          <span>{t('timeline.issued')}</span>
          <span>{t('timeline.summary')}</span>
        </div>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const e = rowAt(item.index);
            const style = {
              position: 'absolute' as const,
              top: 0,
              left: 0,
              right: 0,
              height: ROW,
              transform: `translateY(${item.start}px)`,
            };
            if (!e)
              return (
                <div key={item.key} className="row muted" style={style}>
                  …
                </div>
              );
            const later = asOf !== undefined && e.issuedAt > asOf;
            return (
              <a
                key={item.key}
                className={`row${later ? ' muted' : ''}`}
                style={style}
                href={entryHref(e.origin, e.index)}
                onClick={onLinkClick}
                title={t('timeline.open', { origin: e.origin, index: e.index })}
                data-entry={`${e.origin}/${e.index}`}
              >
                <span className="num">{e.index}</span>
                <span>{partyName(e.party)}</span>
                <span>
                  {e.sealedType ? t('timeline.sealedType', { type: typeName(e.sealedType) }) : typeName(e.type)}
                </span>
                <span className="small">{formatUtc(e.countedAt ?? e.issuedAt)}</span>
                <span className="small" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                  {e.audience ? <AudienceMark audience={e.audience} /> : null}
                  {readableSummary(e.summary, regime, t, text, hasKey)}
                </span>
              </a>
            );
          })}
        </div>
      </div>
    </section>
  );
}
