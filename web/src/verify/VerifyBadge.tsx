/** The verdict, announced to screen readers as it changes. */
import { useI18n } from '../i18n/i18n.js';
import { say } from './said.js';
import type { Verification } from './verify.js';

export function VerifyBadge({ result, running }: { result?: Verification; running: boolean }) {
  const { t, lang } = useI18n();
  let body: React.ReactNode;
  let tone = 'pending';
  if (running || !result) body = t('entry.verifying');
  else if (result.ok) {
    tone = 'ok';
    body = t('entry.verified');
  } else {
    tone = 'failed';
    body = t('entry.failed', { reason: result.reason ? say(result.reason, t, lang) : '?' });
  }
  return (
    <div className={`verdict ${tone}`} role="status" aria-live="polite" data-testid="verdict" data-state={tone}>
      <span className="verdict-icon" aria-hidden="true">
        {tone === 'ok' ? '✓' : tone === 'failed' ? '✗' : '…'}
      </span>
      <span>{body}</span>
    </div>
  );
}
