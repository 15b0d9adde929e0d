/**
 * Escrowed declarations: commit, open (a new commitment refreshes the list to open from), and verify anyone's
 * opening.
 */
import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import type { Me } from './ActView.js';
import { CommitDeclarationForm } from './CommitDeclarationForm.js';
import { OpenDeclarationForm } from './OpenDeclarationForm.js';
import { VerifyOpeningForm } from './VerifyOpeningForm.js';

export function DeclarationView({ token, me }: { token: string; me?: Me }) {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  return (
    <>
      <h3 className="h3">{t('escrow.commitHeading')}</h3>
      <CommitDeclarationForm token={token} me={me} onCommitted={() => setVersion((v) => v + 1)} />
      <h3 className="h3">{t('escrow.openHeading')}</h3>
      <OpenDeclarationForm key={version} token={token} me={me} />
      <h3 className="h3">{t('escrow.verifyHeading')}</h3>
      <VerifyOpeningForm />
    </>
  );
}
