/**
 * "As of" on every view: the date the state and findings are folded to. It defaults to the node's clock (an
 * exercise's simulated now), and `?asOf=` in the address or the date control here chooses another.
 */
import { useData } from './data.js';
import { UtcInput } from './forms/UtcInput.js';
import { formatUtc, useI18n } from './i18n/i18n.js';

export function AsOfBar() {
  const { asOf, setAsOf, asOfProblem, clock, state } = useData();
  const { t } = useI18n();
  // What the state says it is as of, else what was asked for.
  const shown = state?.asOf ?? (asOf && !asOfProblem ? asOf : new Date(clock).toISOString());
  const day = Number.isFinite(Date.parse(shown)) ? new Date(shown).toISOString().slice(0, 10) : '';
  return (
    <div className="asof-bar" data-testid="asof-bar">
      <label className="asof-field">
        <span>{t('asOf.label')}</span>
        <UtcInput
          value={day}
          testId="asof-input"
          describedBy="asof-shown"
          onChange={(value, valid) => {
            // A day half typed changes nothing; an emptied field goes back to the clock.
            if (valid) setAsOf(value || undefined);
          }}
        />
      </label>
      <span id="asof-shown" className="small" data-testid="asof-shown" data-asof={shown}>
        {asOf === undefined ? t('asOf.clock', { date: formatUtc(shown) }) : formatUtc(shown)}
      </span>
      {asOf !== undefined ? (
        <button type="button" className="link-button small" onClick={() => setAsOf(undefined)} data-testid="asof-now">
          {t('asOf.backToClock', { date: formatUtc(clock) })}
        </button>
      ) : null}
      {asOfProblem ? (
        <p className="error small" role="alert" data-testid="asof-problem">
          {asOfProblem.kind === 'not-a-date'
            ? t('asOf.notADate', { value: asOfProblem.value })
            : t('asOf.refused', { message: asOfProblem.message })}
        </p>
      ) : null}
    </div>
  );
}
