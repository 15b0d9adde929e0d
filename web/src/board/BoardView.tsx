/**
 * The compliance board. Regime terms come from /api/regime; counts and margins, commitment status, deadlines, quota
 * use, metric series and findings from the engine (/api/state and /api/findings, as of the timeline's date), read
 * through ../state.ts. Without a state the panels show the terms and say so.
 */
import { useData } from '../data.js';
import { formatUtc, useI18n } from '../i18n/i18n.js';
import { CommitmentGraph } from './CommitmentGraph.js';
import { FindingsPanel } from './FindingsPanel.js';
import { LimitsPanel } from './LimitsPanel.js';
import { MetricsPanel } from './MetricsPanel.js';
import { NotificationsPanel } from './NotificationsPanel.js';
import { QuotasPanel } from './QuotasPanel.js';

export function BoardView() {
  const { stateAvailable, state, asOfProblem } = useData();
  const { t } = useI18n();
  return (
    <section aria-labelledby="board-heading">
      <div className="section-head">
        <h1 id="board-heading">{t('board.heading')}</h1>
        {state ? (
          <span className="muted small" data-testid="as-of">
            {t('board.asOf', { date: formatUtc(state.asOf) })}
          </span>
        ) : null}
      </div>
      {!stateAvailable && !asOfProblem ? (
        <p className="notice" data-testid="engine-missing">
          {t('board.engineMissing')}
        </p>
      ) : null}
      <div className="board-grid">
        <div className="panel wide">
          <FindingsPanel />
        </div>
        <div className="panel wide">
          <LimitsPanel />
        </div>
        <div className="panel">
          <CommitmentGraph />
        </div>
        <div className="panel">
          <NotificationsPanel />
        </div>
        <div className="panel">
          <QuotasPanel />
        </div>
        <div className="panel">
          <MetricsPanel />
        </div>
      </div>
    </section>
  );
}
