/** One entry: the signed envelope, its inclusion proof and checkpoint, verified here in the browser. */
import { useCallback, useEffect, useState } from 'react';
import type { Envelope } from '../../../src/model/index.js';
import { api, type EntryDetail } from '../api/client.js';
import { AudienceMark, audienceNames } from '../audience.js';
import { useData } from '../data.js';
import { formatUtc, type MessageKey, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import { say } from '../verify/said.js';
import { VerifyBadge } from '../verify/VerifyBadge.js';
import { type Verification, verifyEntryInBrowser } from '../verify/verify.js';
import { EntryFields } from './EntryFields.js';
import { asSealed, checkPlaintext } from './plaintext.js';

/** Notifications and inspection reports have an official record (GET /api/reports/entries/…pdf). */
const isRecord = (envelope: unknown) => {
  const type = (envelope as { type?: unknown } | null)?.type;
  return type === 'notification' || type === 'inspection-report';
};

export function EntryView({ origin, index }: { origin: string; index: number }) {
  const { logs, regime, findings } = useData();
  const { t, text, lang, hasKey } = useI18n();
  const [detail, setDetail] = useState<EntryDetail | { error: string } | undefined>();
  const [result, setResult] = useState<Verification | undefined>();
  const [running, setRunning] = useState(false);
  /** A sealed entry's plain entry, once its plaintext matched the commitment (entry/plaintext.ts). */
  const [plain, setPlain] = useState<Envelope | undefined>();
  const log = logs.find((l) => l.origin === origin);

  const run = useCallback(
    async (d: EntryDetail | undefined) => {
      if (!log) return;
      setRunning(true);
      const r = await verifyEntryInBrowser({ log, index, detail: d, regime });
      // A sealed entry the reader's party may read: its plaintext, checked against the envelope verified above.
      const sealedEntry = asSealed(r.signed?.envelope);
      const opened = sealedEntry ? await checkPlaintext(origin, index, sealedEntry) : undefined;
      if (opened) {
        r.steps.push(opened.step);
        if (!opened.step.ok) {
          r.ok = false;
          r.reason ??= opened.step.detail;
        }
      }
      setPlain(opened?.plain);
      setResult(r);
      setRunning(false);
    },
    [log, origin, index, regime],
  );

  useEffect(() => {
    let live = true;
    setResult(undefined);
    setPlain(undefined);
    api
      .entry(origin, index)
      .then((d) => {
        if (!live) return;
        setDetail(d);
        void run(d);
      })
      .catch((err: Error) => {
        if (!live) return;
        setDetail({ error: err.message });
        void run(undefined);
      });
    return () => {
      live = false;
    };
  }, [origin, index, run]);

  const cited = (findings ?? []).filter((f) => f.refs.some((r) => r.origin === origin && r.index === index));
  // Neighbours only inside the signed tree: an index past the end leads back to the last entry.
  const size = result?.treeSize ?? log?.size;
  const prev = size === undefined ? index - 1 : Math.min(index, size) - 1;
  const envelope = result?.signed?.envelope ?? (detail && !('error' in detail) ? detail.envelope : undefined);
  // A sealed entry's envelope is public: its audience and inner type; its content stays with the audience.
  const sealed = sealedEnvelope(envelope);

  return (
    <section aria-labelledby="entry-heading" className="entry-view">
      <div className="section-head">
        <h1 id="entry-heading">{t('entry.heading', { origin, index })}</h1>
        <nav className="small" aria-label="entries">
          {prev >= 0 ? (
            <a href={entryHref(origin, prev)} onClick={onLinkClick}>
              ← #{prev}
            </a>
          ) : null}{' '}
          {size !== undefined && index + 1 < size ? (
            <a href={entryHref(origin, index + 1)} onClick={onLinkClick}>
              #{index + 1} →
            </a>
          ) : null}
        </nav>
      </div>
      <div className="verify-card">
        <VerifyBadge result={result} running={running} />
        <p className="small muted">{t('entry.explain')}</p>
        {result ? (
          <ol className="steps" aria-label={t('entry.steps')}>
            {result.steps.map((s) => (
              <li key={s.id} className={s.ok ? 'ok' : 'failed'} data-step={s.id}>
                <span aria-hidden="true">{s.ok ? '✓' : '✗'}</span> {t(`step.${s.id}` as 'step.key')}
                <span className="step-detail mono">{say(s.detail, t, lang)}</span>
              </li>
            ))}
          </ol>
        ) : null}
        <button type="button" onClick={() => void run(detail && !('error' in detail) ? detail : undefined)}>
          {t('entry.verify')}
        </button>
      </div>
      {detail && 'error' in detail ? <p className="error">{t('common.error', { message: detail.error })}</p> : null}
      <div className="two-col">
        <div>
          <h2>{t('entry.envelope')}</h2>
          {sealed ? (
            <p className="sealed-note" data-testid="sealed">
              <AudienceMark audience={sealed.audience} />{' '}
              {t('entry.sealed', {
                type: hasKey(`entryType.${sealed.type}`) ? t(`entryType.${sealed.type}` as MessageKey) : sealed.type,
                parties: audienceNames(sealed.audience, regime, text),
              })}
            </p>
          ) : null}
          {sealed && plain ? (
            <p className="sealed-note" data-testid="opened">
              {t('entry.opened')}
            </p>
          ) : null}
          {envelope ? (
            <>
              <EntryFields envelope={plain ?? envelope} regime={regime} />
              <details className="raw-json" data-testid="raw-json">
                <summary>{t('entry.raw')}</summary>
                {/* Focusable, so that a keyboard can scroll it. */}
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take the focus */}
                <section className="json" tabIndex={0} aria-label={t('entry.rawLabel')}>
                  <pre>{JSON.stringify(envelope, null, 2)}</pre>
                </section>
              </details>
            </>
          ) : null}
          {cited.length ? (
            <>
              <h2>{t('board.findings')}</h2>
              <ul className="plain">
                {cited.map((f) => (
                  <li key={f.id}>
                    <span className={`pill ${f.severity}`}>{t(`severity.${f.severity}` as MessageKey)}</span>{' '}
                    {text(f.message)} <AudienceMark audience={f.audience} />
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
        <div>
          <dl className="facts">
            <div>
              <dt>{t('entry.leafHash')}</dt>
              <dd className="mono break">{result?.leafHash ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('entry.treeSize')}</dt>
              <dd className="num">{result?.treeSize ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('entry.root')}</dt>
              <dd className="mono break">{result?.root ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('entry.tiles')}</dt>
              <dd className="num">{result?.tilesFetched ?? '—'}</dd>
            </div>
            {detail && !('error' in detail) && detail.countedAt ? (
              <div>
                <dt>{t('timeline.counted')}</dt>
                <dd>{formatUtc(detail.countedAt)}</dd>
              </div>
            ) : null}
            <div>
              <dt>{t('entry.witnesses')}</dt>
              <dd data-testid="witnesses" data-met={result?.witnesses ? String(result.witnesses.met) : undefined}>
                {result?.witnesses
                  ? t('entry.witnessCount', { k: result.witnesses.cosigned.length, n: result.witnesses.total })
                  : '—'}
              </dd>
            </div>
            <div>
              <dt>{t('entry.vkey')}</dt>
              <dd className="mono break">{log?.vkey ?? '—'}</dd>
            </div>
          </dl>
          {detail && !('error' in detail) ? (
            <>
              <h2>{t('entry.proof')}</h2>
              <ol className="mono small proof" start={0}>
                {detail.proof.proof.map((h) => (
                  <li key={h}>{h}</li>
                ))}
              </ol>
              <p>
                <a href={`/api/entries/${encodeURIComponent(origin)}/${index}.tlog-proof`} download>
                  {t('entry.downloadProof')}
                </a>
              </p>
              {isRecord(detail.envelope) ? (
                <p>
                  <a
                    data-testid="record-pdf"
                    href={`/api/reports/entries/${encodeURIComponent(origin)}/${index}.pdf?lang=both`}
                    download
                  >
                    {t('entry.downloadRecord')}
                  </a>
                </p>
              ) : null}
              <h2>{t('entry.checkpoint')}</h2>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take the focus */}
              <section className="json small" tabIndex={0} aria-label={t('entry.checkpointLabel')}>
                <pre>{detail.checkpoint}</pre>
              </section>
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}

function sealedEnvelope(envelope: unknown): { type: string; audience: string[] } | undefined {
  const e = envelope as { type?: unknown; body?: { type?: unknown; audience?: unknown } } | undefined;
  if (e?.type !== 'sealed' || !Array.isArray(e.body?.audience)) return undefined;
  return { type: String(e.body.type), audience: e.body.audience.map(String) };
}
