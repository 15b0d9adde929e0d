import { createContext, type ReactNode, useContext, useState } from 'react';
import { ApiError, api } from '../api/client.js';
import { useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';

export type SubmitState =
  | { status: 'idle' }
  | { status: 'sending' }
  | { status: 'done'; origin: string; index: number }
  | { status: 'error'; message: string };

/** Sends `{nonce, type, body}` to POST /api/submissions; shows where the entry landed. */
export function useSubmit(token: string) {
  const [state, setState] = useState<SubmitState>({ status: 'idle' });
  const send = async (type: string, body: unknown) => {
    setState({ status: 'sending' });
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
      '',
    );
    try {
      const r = await api.submit(token, { nonce, type, body });
      setState({ status: 'done', origin: r.origin, index: r.index });
    } catch (err) {
      const e = err as Error;
      setState({
        status: 'error',
        message: err instanceof ApiError ? `${err.code}: ${err.message}${err.path ? ` (${err.path})` : ''}` : e.message,
      });
    }
  };
  return { state, send };
}

export function SubmitResult({ state }: { state: SubmitState }) {
  const { t } = useI18n();
  return (
    <div role="status" aria-live="polite" data-testid="submit-result">
      {state.status === 'sending' ? <p className="muted">{t('form.submitting')}</p> : null}
      {state.status === 'done' ? (
        <p className="verdict ok">
          <a href={entryHref(state.origin, state.index)} onClick={onLinkClick}>
            {t('form.submitted', { index: state.index, origin: state.origin })}
          </a>
        </p>
      ) : null}
      {state.status === 'error' ? <p className="error">{state.message}</p> : null}
    </div>
  );
}

/** Whether the user has typed or chosen anything in the form yet (true outside a TouchedForm). */
const Touched = createContext(true);

/**
 * Wraps a form whose fields start empty: its errors show once the user has typed or chosen something in it, not
 * in red before anything was typed (NEWCOMER m4). The send button stays disabled meanwhile, and InvalidHint says why.
 */
export function TouchedForm({ children }: { children: ReactNode }) {
  const [touched, setTouched] = useState(false);
  return (
    <div
      style={{ display: 'contents' }}
      onInputCapture={() => setTouched(true)}
      onChangeCapture={() => setTouched(true)}
      // A button that adds a row counts too: the new row's errors show.
      onClickCapture={(e) => (e.target as HTMLElement).closest('button') && setTouched(true)}
    >
      <Touched.Provider value={touched}>{children}</Touched.Provider>
    </div>
  );
}

/** Beside a disabled send button: fill in the form (untouched), or fix what the fields say. */
export function InvalidHint() {
  const { t } = useI18n();
  return <span className="field-help"> {t(useContext(Touched) ? 'form.invalid' : 'form.incomplete')}</span>;
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  const touched = useContext(Touched);
  if (!touched || !errors?.length) return null;
  return (
    <div id={id} className="field-error">
      {errors.join('; ')}
    </div>
  );
}
