/** Workflows for users with roles. The token stays in this tab (sessionStorage) and goes only to this node. */
import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { useI18n } from '../i18n/i18n.js';
import { onLinkClick } from '../router.js';
import { AcknowledgeForm } from './AcknowledgeForm.js';
import { DeclarationView } from './DeclarationView.js';
import { NotifyForm } from './NotifyForm.js';
import { ReportForm } from './ReportForm.js';
import { RequestInspectionForm } from './RequestInspectionForm.js';
import { TouchedForm } from './Submit.js';

const FORMS = [
  { id: 'request-inspection', key: 'act.requestInspection' },
  { id: 'acknowledge', key: 'act.acknowledge' },
  { id: 'notify', key: 'act.fileNotification' },
  { id: 'report', key: 'act.recordReport' },
  { id: 'declaration', key: 'act.declaration' },
] as const;

export interface Me {
  user: string;
  party: string;
  roles: string[];
}

export function ActView({ form }: { form?: string }) {
  const { t } = useI18n();
  const [token, setToken] = useState(() => sessionStorage.getItem('detente.token') ?? '');
  const [me, setMe] = useState<Me | undefined>();
  useEffect(() => {
    sessionStorage.setItem('detente.token', token);
    if (!token) return setMe(undefined);
    let live = true;
    api
      .me(token)
      .then((m) => live && setMe(m))
      .catch(() => live && setMe(undefined));
    return () => {
      live = false;
    };
  }, [token]);
  const current = FORMS.find((f) => f.id === form) ?? FORMS[0];
  return (
    <section aria-labelledby="act-heading">
      <h1 id="act-heading">{t('act.heading')}</h1>
      <div className="act-layout">
        <div>
          <label className="field">
            {t('act.token')}
            <input type="password" value={token} onChange={(e) => setToken(e.target.value.trim())} autoComplete="off" />
          </label>
          <p className="field-help">{t('act.tokenHelp')}</p>
          {me ? (
            <p className="small" data-testid="me">
              {t('act.signedInAs', { user: me.user, party: me.party, roles: me.roles.join(', ') })}
            </p>
          ) : null}
          <nav aria-label={t('act.heading')}>
            {FORMS.map((f) => (
              <a
                key={f.id}
                href={`/act/${f.id}`}
                onClick={onLinkClick}
                aria-current={current.id === f.id ? 'page' : undefined}
              >
                {t(f.key)}
              </a>
            ))}
          </nav>
        </div>
        <div className="panel">
          <h2>{t(current.key)}</h2>
          {current.id === 'request-inspection' ? (
            <TouchedForm key="RequestInspectionForm">
              <RequestInspectionForm token={token} me={me} />
            </TouchedForm>
          ) : current.id === 'acknowledge' ? (
            <TouchedForm key="AcknowledgeForm">
              <AcknowledgeForm token={token} me={me} />
            </TouchedForm>
          ) : current.id === 'notify' ? (
            <TouchedForm key="NotifyForm">
              <NotifyForm token={token} me={me} />
            </TouchedForm>
          ) : current.id === 'report' ? (
            <TouchedForm key="ReportForm">
              <ReportForm token={token} me={me} />
            </TouchedForm>
          ) : current.id === 'declaration' ? (
            <DeclarationView token={token} me={me} />
          ) : (
            <p className="muted">{t('act.later')}</p>
          )}
        </div>
      </div>
    </section>
  );
}
