/**
 * The logs' health: for each party's log, the head this node serves, checked here with the log's key, and who
 * vouches for it: each other party's witness cosignature and mirror receipt (C2SP tlog-mirror), verified in this
 * browser with the regime's keys, with the time the signer wrote into it. Raw JSON (`/logs`) and each checkpoint
 * note stay one click away.
 */
import { useEffect, useState } from 'react';
import { useData } from '../data.js';
import { formatNumber, formatUtc, useI18n } from '../i18n/i18n.js';
import { type LogHealth, logHealth, unknownLines } from './log-health.js';

type Loaded = { health: LogHealth; unknown: string[] } | { origin: string; error: string };

export function LogHealthView() {
  const { logs, regime } = useData();
  const { t, text, lang } = useI18n();
  const [rows, setRows] = useState<Loaded[] | undefined>();

  useEffect(() => {
    let live = true;
    Promise.all(
      logs.map(async (log): Promise<Loaded> => {
        try {
          const res = await fetch(`${log.prefix}/checkpoint`, { cache: 'no-store' });
          if (!res.ok) return { origin: log.origin, error: `GET ${log.prefix}/checkpoint: HTTP ${res.status}` };
          const note = await res.text();
          return { health: logHealth(log, note, regime), unknown: unknownLines(note, regime, log.origin) };
        } catch (err) {
          return { origin: log.origin, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    ).then((r) => live && setRows(r));
    return () => {
      live = false;
    };
  }, [logs, regime]);

  const partyName = (id: string | undefined) => text(regime.parties.find((p) => p.id === id)?.name) || id || '—';

  return (
    <section aria-labelledby="health-heading" className="log-health">
      <div className="section-head">
        <h1 id="health-heading">{t('health.heading')}</h1>
        <a className="small" href="/logs">
          {t('health.rawList')}
        </a>
      </div>
      <p className="small muted">{t('health.explain')}</p>
      {rows === undefined ? <p className="muted">{t('common.loading')}</p> : null}
      <div data-testid="log-health">
        {(rows ?? []).map((r) => {
          if ('error' in r) {
            return (
              <article key={r.origin} className="panel" data-log={r.origin}>
                <h2>{r.origin}</h2>
                <p className="error">{t('common.error', { message: r.error })}</p>
              </article>
            );
          }
          const h = r.health;
          const log = logs.find((l) => l.origin === h.origin);
          return (
            <article key={h.origin} className="panel" data-log={h.origin} aria-labelledby={`log-${h.party}`}>
              <h2 id={`log-${h.party}`}>
                {t('health.logOf', { party: partyName(h.party) })} <span className="mono small">{h.origin}</span>
              </h2>
              {h.error ? (
                <p className="error" data-testid="checkpoint-bad">
                  {t('health.checkpointBad', { message: h.error })}
                </p>
              ) : (
                <dl className="facts">
                  <div>
                    <dt>{t('health.size')}</dt>
                    <dd className="num">{formatNumber(h.size, lang)}</dd>
                  </div>
                  <div>
                    <dt>{t('health.rootBase64')}</dt>
                    <dd className="mono break">{h.rootBase64}</dd>
                  </div>
                  <div>
                    <dt>{t('health.rootHex')}</dt>
                    <dd className="mono break">{h.rootHex}</dd>
                  </div>
                </dl>
              )}
              <table className="cosigners">
                <caption className="small muted">{t('health.cosigners')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('health.who')}</th>
                    <th scope="col">{t('health.what')}</th>
                    <th scope="col">{t('health.when')}</th>
                    <th scope="col">{t('health.check')}</th>
                  </tr>
                </thead>
                <tbody>
                  {h.cosigners.map((c) => (
                    <tr
                      key={`${c.party}/${c.role}`}
                      data-cosigner={`${c.party}/${c.role}`}
                      data-verified={String(c.verified)}
                      data-at={c.at === undefined ? undefined : new Date(c.at).toISOString()}
                    >
                      <td>{partyName(c.party)}</td>
                      <td>{t(c.role === 'witness' ? 'health.witness' : 'health.mirror')}</td>
                      <td>{c.at === undefined ? '—' : formatUtc(c.at)}</td>
                      <td className={c.verified ? 'ok' : c.problem ? 'bad' : 'muted'}>
                        {c.verified ? (
                          <>
                            <span aria-hidden="true">✓ </span>
                            {t('health.verified')}
                          </>
                        ) : c.problem ? (
                          <>
                            <span aria-hidden="true">✗ </span>
                            {t('health.invalid', { message: c.problem })}
                          </>
                        ) : (
                          t('health.absent')
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {r.unknown.length ? (
                <p className="small muted">{t('health.unknownLines', { names: r.unknown.join(', ') })}</p>
              ) : null}
              {log ? (
                <p className="small">
                  <a href={`${log.prefix}/checkpoint`}>{t('health.note')}</a>
                </p>
              ) : null}
            </article>
          );
        })}
      </div>
    </section>
  );
}
