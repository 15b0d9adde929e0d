/** Acknowledge a notification by reference (origin, index, leaf hash), checked with the server's schema. */
import { useMemo, useState } from 'react';
import { useData } from '../data.js';
import { useI18n } from '../i18n/i18n.js';
import type { Me } from './ActView.js';
import { FieldErrors, SubmitResult, useSubmit } from './Submit.js';
import { checkBody } from './validate.js';

export function AcknowledgeForm({ token, me }: { token: string; me?: Me }) {
  const { regime, logs } = useData();
  const { t } = useI18n();
  const party = me?.party ?? regime.parties[0]?.id ?? '';
  const [origin, setOrigin] = useState(logs.find((l) => l.party !== party)?.origin ?? '');
  const [index, setIndex] = useState('');
  const [leafHash, setLeafHash] = useState('');
  const [note, setNote] = useState('');
  const [noteRu, setNoteRu] = useState('');
  const { state, send } = useSubmit(token);
  const body = useMemo(() => {
    const b: Record<string, unknown> = {
      notification: { origin, index: index === '' ? Number.NaN : Number(index), leafHash },
    };
    if (note || noteRu) b.note = { en: note, ru: noteRu };
    return b;
  }, [origin, index, leafHash, note, noteRu]);
  const problems = useMemo(() => checkBody(regime, party, 'acknowledgement', body), [regime, party, body]);
  const valid = Object.keys(problems).length === 0;
  return (
    <form
      className="workflow"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void send('acknowledgement', body);
      }}
    >
      <p className="small muted">{t('form.notification')}</p>
      <label className="field">
        {t('form.origin')}
        <select value={origin} onChange={(e) => setOrigin(e.target.value)}>
          {logs.map((l) => (
            <option key={l.origin} value={l.origin}>
              {l.origin}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        {t('form.index')}
        <input type="number" min={0} value={index} onChange={(e) => setIndex(e.target.value)} />
      </label>
      <label className="field">
        {t('form.leafHash')}
        <input className="mono" value={leafHash} onChange={(e) => setLeafHash(e.target.value.trim())} />
      </label>
      <FieldErrors id="err-notification" errors={problems.notification} />
      <label className="field">
        {t('form.note')}
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <label className="field">
        {t('form.noteRu')}
        <input value={noteRu} onChange={(e) => setNoteRu(e.target.value)} lang="ru" />
      </label>
      <FieldErrors id="err-note" errors={problems.note} />
      <div>
        <button type="submit" className="primary" disabled={!valid || !token}>
          {t('form.submit')}
        </button>
      </div>
      <SubmitResult state={state} />
    </form>
  );
}
