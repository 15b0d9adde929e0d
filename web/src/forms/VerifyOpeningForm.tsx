/**
 * Verify any party's opening, by the entry that recorded it: anyone (no token) fetches the self-contained opening
 * document from this node (GET /api/escrow/openings/<origin>/<index>) and verifies it in the browser. This is how
 * the counterpart checks what a host opened before its inspectors go.
 */
import { useState } from 'react';
import { escrowApi } from '../api/escrow.js';
import { useData } from '../data.js';
import { OpeningVerdict } from '../escrow/OpeningVerdict.js';
import { type OpeningVerification, verifyOpeningInBrowser } from '../escrow/verify-opening.js';
import { useI18n } from '../i18n/i18n.js';
import { fact } from '../verify/said.js';

type Checked = { status: 'idle' | 'running' } | { status: 'done'; result: OpeningVerification };

export function VerifyOpeningForm() {
  const { regime, logs } = useData();
  const { t } = useI18n();
  const [origin, setOrigin] = useState(logs[0]?.origin ?? '');
  const [index, setIndex] = useState('');
  const [checked, setChecked] = useState<Checked>({ status: 'idle' });
  const valid = origin !== '' && /^\d+$/.test(index);

  const verify = async () => {
    setChecked({ status: 'running' });
    try {
      const doc = await escrowApi.opening(origin, Number(index));
      setChecked({ status: 'done', result: await verifyOpeningInBrowser(doc, logs, regime) });
    } catch (err) {
      // Nothing to verify (no such opening): a failure, said as such.
      setChecked({ status: 'done', result: { ok: false, steps: [], reason: fact((err as Error).message) } });
    }
  };

  return (
    <form
      className="workflow wide"
      data-testid="verify-opening"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void verify();
      }}
    >
      <div className="field-row">
        <label className="field">
          {t('form.origin')}
          <select name="origin" value={origin} onChange={(e) => setOrigin(e.target.value)}>
            {logs.map((l) => (
              <option key={l.origin} value={l.origin}>
                {l.origin}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('escrow.openingIndex')}
          <input type="number" min={0} name="index" value={index} onChange={(e) => setIndex(e.target.value)} />
        </label>
      </div>
      <div>
        <button type="submit" disabled={!valid || checked.status === 'running'}>
          {t('entry.verify')}
        </button>
      </div>
      {checked.status === 'running' ? <OpeningVerdict regime={regime} /> : null}
      {checked.status === 'done' ? <OpeningVerdict result={checked.result} regime={regime} /> : null}
    </form>
  );
}
