/**
 * Incidents (issue 15): the findings of one event grouped by the engine (src/engine/incidents.ts), each with what
 * the indicators are and the question they put, the evidence graded (its sources: who, what kind, whether
 * independent of the parties concerned, the files attached by hash), and every party's own assessment side by side.
 * The wording is the engine's indicators and each party's positions: never a verdict of this software.
 */
import { AudienceMark, audienceOf } from '../audience.js';
import { useData } from '../data.js';
import { formatUtc, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import type { ComplianceState } from '../state.js';

type Incident = ComplianceState['incidents'][number];

export function IncidentsView() {
  const { state, regime, stateAvailable } = useData();
  const { t, text } = useI18n();
  const party = (id: string) => text(regime.parties.find((p) => p.id === id)?.name) || id;
  const incidents = state?.incidents ?? [];
  // Every party, observers too: each may record its own assessment, and an empty cell says it has not.
  const parties = regime.parties.map((p) => p.id);
  return (
    <section aria-labelledby="incidents-heading">
      <div className="section-head">
        <h1 id="incidents-heading">{t('incidents.heading')}</h1>
        {state ? <span className="muted small">{t('board.asOf', { date: formatUtc(state.asOf) })}</span> : null}
      </div>
      <p className="muted small">{t('incidents.about')}</p>
      {!stateAvailable || !state ? (
        <p className="notice">{t('board.engineMissing')}</p>
      ) : incidents.length === 0 ? (
        <p className="muted" data-testid="incidents">
          {t('incidents.none')}
        </p>
      ) : (
        <ol className="incident-list" data-testid="incidents">
          {incidents.map((i) => (
            <IncidentCard key={i.id} incident={i} parties={parties} party={party} />
          ))}
        </ol>
      )}
    </section>
  );
}

function IncidentCard({
  incident: i,
  parties,
  party,
}: {
  incident: Incident;
  parties: string[];
  party: (id: string) => string;
}) {
  const { t, text } = useI18n();
  const { sealed } = useData();
  const headingId = `incident-${i.id.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  return (
    <li className="panel incident" data-incident={i.id} data-grade={i.evidence.grade} aria-labelledby={headingId}>
      <h2 id={headingId} className="incident-title">
        {text(i.message)}
      </h2>
      <p className="small muted">
        {party(i.party)} · {formatUtc(i.from)}
        {i.to !== i.from ? ` – ${formatUtc(i.to)}` : ''}
        {i.places.length ? ` · ${i.places.map((p) => p.replace(/^(site|zone):/, '')).join(', ')}` : ''}{' '}
        <AudienceMark
          audience={audienceOf(
            i.evidence.sources.map((s) => s.ref),
            sealed,
          )}
        />
      </p>
      <p>
        <strong>{t('incidents.question')}</strong> {text(i.question)}
      </p>
      <p className="small">
        <span className="muted">{t('incidents.rules')}</span>{' '}
        {i.rules.map((r) => (
          <code key={r} className="rule-chip">
            {r}
          </code>
        ))}
      </p>
      <h3 className="small">
        {t('incidents.evidence')}:{' '}
        <span className={`pill grade-${i.evidence.grade}`}>{t(`incidents.grade.${i.evidence.grade}`)}</span>
      </h3>
      <p className="small muted">
        {t('incidents.independent', { n: i.evidence.independent, of: i.evidence.authors.length })}
        {i.evidence.files.length ? ` · ${t('incidents.files', { n: i.evidence.files.length })}` : ''}
      </p>
      <ul className="sources small">
        {i.evidence.sources.map((s) => (
          <li key={`${s.ref.origin}#${s.ref.index}`} data-source={s.class}>
            <a href={entryHref(s.ref.origin, s.ref.index)} onClick={onLinkClick} className="mono">
              {s.ref.origin.split('/').pop()}#{s.ref.index}
            </a>{' '}
            {party(s.party)} · {t(`incidents.class.${s.class}`)} · {t(`incidents.relation.${s.relation}`)}
            {s.independent ? ` · ${t('incidents.isIndependent')}` : ''}
            {s.countersigned ? ` · ${t('incidents.countersigned')}` : ''}{' '}
            <AudienceMark audience={audienceOf([s.ref], sealed)} />
            {s.files.length ? (
              <span className="mono muted" title={s.files.join('\n')}>
                {' '}
                · sha256 {s.files[0]!.slice(0, 12)}…{s.files.length > 1 ? ` +${s.files.length - 1}` : ''}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      <h3 className="small">{t('incidents.assessments')}</h3>
      <dl className="assessments" data-testid="assessments">
        {parties.map((p) => {
          const a = i.assessments.find((x) => x.party === p);
          return (
            <div key={p} className="assessment" data-party={p} data-position={a?.position ?? 'none'}>
              <dt>{party(p)}</dt>
              <dd>
                {a ? (
                  <>
                    <a href={entryHref(a.ref.origin, a.ref.index)} onClick={onLinkClick}>
                      {t(`incidents.position.${a.position}`)}
                    </a>
                    <span className="small muted"> {formatUtc(a.at)}</span>
                  </>
                ) : (
                  <span className="muted">{t('incidents.noAssessment')}</span>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
    </li>
  );
}
