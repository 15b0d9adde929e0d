/** The in-browser verdict on an opening, its checks one by one, and the items it opened (once verified). */
import type { Regime } from '../../../src/model/index.js';
import { useI18n } from '../i18n/i18n.js';
import { say } from '../verify/said.js';
import type { OpeningVerification } from './verify-opening.js';

export function OpeningVerdict({ result, regime }: { result?: OpeningVerification; regime: Regime }) {
  const { t, text, lang } = useI18n();
  const tone = !result ? 'pending' : result.ok ? 'ok' : 'failed';
  const items = (result?.leaves ?? []).flatMap((l) => (l.item ? [{ index: l.index, item: l.item }] : []));
  const padding = (result?.leaves?.length ?? 0) - items.length;
  return (
    <div className="verify-card" data-testid="opening-verdict" data-state={tone}>
      <div className={`verdict ${tone}`} role="status" aria-live="polite">
        <span className="verdict-icon" aria-hidden="true">
          {tone === 'ok' ? '✓' : tone === 'failed' ? '✗' : '…'}
        </span>
        <span>
          {!result
            ? t('entry.verifying')
            : result.ok
              ? t('escrow.openingVerified')
              : t('entry.failed', { reason: result.reason ? say(result.reason, t, lang) : '?' })}
        </span>
      </div>
      <p className="small muted">{t('escrow.openingExplain')}</p>
      {result ? (
        <ol className="steps" aria-label={t('entry.steps')}>
          {result.steps.map((s) => (
            <li key={s.id} className={s.ok ? 'ok' : 'failed'} data-step={s.id}>
              <span aria-hidden="true">{s.ok ? '✓' : '✗'}</span> {t(`escrow.step.${s.id}` as 'escrow.step.file')}
              <span className="step-detail mono">{say(s.detail, t, lang)}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {result?.ok ? (
        <table className="small" data-testid="opened-items">
          <caption className="field-help">{t('escrow.openedCaption', { n: items.length, padding })}</caption>
          <thead>
            <tr>
              <th className="num">{t('escrow.leaf')}</th>
              <th>UID</th>
              <th>{t('map.category')}</th>
              <th>{t('form.site')}</th>
              <th>{t('common.status')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map(({ index, item }) => (
              <tr key={index} data-opened={String(item.id)}>
                <td className="num">{index}</td>
                <td className="mono">{String(item.id)}</td>
                <td>{text(regime.categories.find((c) => c.id === item.category)?.name) || String(item.category)}</td>
                <td>{text(regime.sites.find((s) => s.id === item.site)?.name) || String(item.site)}</td>
                <td>{String(item.status)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
