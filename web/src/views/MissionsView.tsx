/**
 * The mission planner (issue 15): for each inspection type and pair, the quota left in the current treaty year,
 * the notice periods (the request's, the arrival notification's, the objection period for lists), then what is due
 * next as of the date shown (objections to lists, arrivals, postponed inspections, the end of a quota year), and
 * each mission's steps with the quota effect of a refusal, postponement or force majeure. All from the engine's
 * state (inspections and missions) and the regime's terms.
 */
import { AudienceMark, audienceOf } from '../audience.js';
import { useData } from '../data.js';
import { formatDuration, formatUtc, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import { quotaRow } from '../state.js';

interface Due {
  at: string;
  what: 'objections' | 'arrival' | 'postponed' | 'inspection' | 'quota-year';
  label: string;
  href?: string;
  /** Who may read the entry it comes from, when sealed. */
  audience?: readonly string[];
}

export function MissionsView() {
  const { state, regime, sealed } = useData();
  const { t, text, lang } = useI18n();
  const party = (id: string) => text(regime.parties.find((p) => p.id === id)?.name) || id;
  const inspection = (id: string) => text(regime.inspections.find((i) => i.id === id)?.name) || id;
  const rules = (id: string) => regime.missions?.find((m) => m.id === id);
  const asOf = state?.asOf ?? '';
  const due: Due[] = [];
  if (state) {
    for (const l of state.missions.lists)
      due.push({
        at: l.objectionsDue,
        what: 'objections',
        label: t('missions.due.objections', { host: party(l.host), inspector: party(l.inspector) }),
        href: entryHref(l.ref.origin, l.ref.index),
        audience: audienceOf([l.ref], sealed),
      });
    for (const m of state.missions.missions) {
      if (m.arrival && !m.outcome)
        due.push({
          at: m.arrival.eta,
          what: 'arrival',
          label: t('missions.due.arrival', { inspector: party(m.inspector), place: m.arrival.pointOfEntry }),
          href: entryHref(m.request.origin, m.request.index),
          audience: audienceOf([m.request], sealed),
        });
      if (m.outcome?.until)
        due.push({
          at: m.outcome.until,
          what: 'postponed',
          label: t('missions.due.postponed', { site: m.site, inspection: inspection(m.inspection) }),
          href: entryHref(m.request.origin, m.request.index),
          audience: audienceOf([m.request], sealed),
        });
    }
    for (const i of state.inspections.items)
      if (i.status === 'requested' && !i.mission)
        due.push({
          at: i.arrival,
          what: 'inspection',
          label: t('missions.due.inspection', { site: i.site, inspector: party(i.inspector), host: party(i.host) }),
          href: entryHref(i.ref.origin, i.ref.index),
          audience: audienceOf([i.ref], sealed),
        });
    for (const q of state.inspections.quotas)
      due.push({
        at: q.period.until,
        what: 'quota-year',
        label: t('missions.due.quotaYear', { inspection: inspection(q.inspection), inspector: party(q.inspector) }),
      });
  }
  const next = due.filter((d) => d.at >= asOf).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return (
    <section aria-labelledby="missions-heading">
      <div className="section-head">
        <h1 id="missions-heading">{t('missions.heading')}</h1>
        {state ? <span className="muted small">{t('board.asOf', { date: formatUtc(state.asOf) })}</span> : null}
      </div>
      {!state ? <p className="notice">{t('board.engineMissing')}</p> : null}
      <div className="board-grid">
        <div className="panel wide">
          <h2>{t('missions.quotas')}</h2>
          <ul className="planner" data-testid="mission-quotas">
            {regime.inspections.flatMap((i) =>
              i.pairs.map((p) => {
                const row = quotaRow(state, i.id, p.inspector, p.host);
                const m = rules(i.id);
                return (
                  <li key={`${i.id}/${p.inspector}/${p.host}`} data-quota={i.id} data-left={row?.left}>
                    <strong>{text(i.name)}</strong>
                    <div className="small muted">
                      {party(p.inspector)} → {party(p.host)}
                    </div>
                    <div>
                      {row
                        ? t('missions.left', {
                            left: row.left,
                            quota: row.quota,
                            from: row.period.from.slice(0, 10),
                            until: row.period.until.slice(0, 10),
                          })
                        : t('board.perPeriod', {
                            count: i.quota.count,
                            period: formatDuration(i.quota.period, t, lang),
                          })}
                    </div>
                    <div className="small">
                      {t('missions.notice', { d: formatDuration(i.notice, t, lang) })}
                      {m ? ` · ${t('missions.arrivalNotice', { d: formatDuration(m.arrivalNotice, t, lang) })}` : ''}
                      {m ? ` · ${t('missions.objections', { d: formatDuration(m.objectionWithin, t, lang) })}` : ''}
                    </div>
                  </li>
                );
              }),
            )}
          </ul>
        </div>
        <div className="panel wide">
          <h2>{t('missions.next')}</h2>
          {next.length === 0 ? (
            <p className="muted small" data-testid="mission-due">
              {t('missions.nothingDue')}
            </p>
          ) : (
            <ol className="planner" data-testid="mission-due">
              {next.slice(0, 12).map((d) => (
                <li key={`${d.what}/${d.at}/${d.label}`} data-due={d.what}>
                  <span className="mono small">{formatUtc(d.at)}</span>{' '}
                  {d.href ? (
                    <a href={d.href} onClick={onLinkClick}>
                      {d.label}
                    </a>
                  ) : (
                    d.label
                  )}{' '}
                  <AudienceMark audience={d.audience} />
                </li>
              ))}
            </ol>
          )}
        </div>
        <div className="panel wide">
          <h2>{t('missions.missions')}</h2>
          {!state?.missions.missions.length ? (
            <p className="muted small">{t('missions.none')}</p>
          ) : (
            <ul className="planner" data-testid="missions">
              {state.missions.missions.map((m) => (
                <li key={`${m.request.origin}#${m.request.index}`} data-mission={m.outcome?.step ?? 'open'}>
                  <a href={entryHref(m.request.origin, m.request.index)} onClick={onLinkClick}>
                    <strong>{inspection(m.inspection)}</strong>
                  </a>{' '}
                  · {m.site} · {party(m.inspector)} → {party(m.host)}{' '}
                  <AudienceMark audience={audienceOf([m.request], sealed)} />
                  <div className="small">
                    {[
                      m.arrival
                        ? t(m.arrival.notice === 'short' ? 'missions.step.arrivalShort' : 'missions.step.arrival', {
                            place: m.arrival.pointOfEntry,
                            eta: formatUtc(m.arrival.eta),
                          })
                        : undefined,
                      m.designated ? t('missions.step.designated', { site: m.designated }) : undefined,
                      m.briefing
                        ? t('missions.step.briefing', {
                            diagrams: m.briefing.diagrams,
                            equipment: m.briefing.equipment,
                          })
                        : undefined,
                    ]
                      .filter(Boolean)
                      .join(' · ') || t('missions.step.requested')}
                  </div>
                  {m.outcome ? (
                    <div className="small">
                      <span className={`pill ${m.outcome.step === 'refusal' ? 'bad' : 'warn'}`}>
                        {t(`missions.outcome.${m.outcome.step}`)}
                      </span>{' '}
                      {formatUtc(m.outcome.at)}
                      {m.outcome.until ? ` → ${formatUtc(m.outcome.until)}` : ''} ·{' '}
                      {t(m.quota === 'consumed' ? 'missions.quota.consumed' : 'missions.quota.notConsumed')}
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
