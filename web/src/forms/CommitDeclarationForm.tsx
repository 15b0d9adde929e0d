/**
 * Commit an escrowed declaration: the declarant pastes the items as CSV or JSON (or picks a file), each row is
 * checked as typed with the model's Item schema and the regime's names (as the node checks them: a plain
 * declaration's items), the per-category totals are shown before anything is sent, and the node builds the salted
 * sum tree, keeps the secrets and records only the root, the padded size and the totals (docs/ESCROW.md).
 */
import { useMemo, useState } from 'react';
import type { Regime } from '../../../src/model/index.js';
import { ApiError } from '../api/client.js';
import { type CommitAnswer, escrowApi } from '../api/escrow.js';
import { useData } from '../data.js';
import { checkItems } from '../escrow/check-items.js';
import { itemTotals, parseItemsText } from '../escrow/items-input.js';
import { formatNumber, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import type { Me } from './ActView.js';
import { FieldErrors } from './Submit.js';
import { UtcInput } from './UtcInput.js';

const MAX_SHOWN = 12;
const todayUtc = () => new Date().toISOString().slice(0, 10);

type Sent =
  | { status: 'idle' | 'sending' }
  | { status: 'done'; answer: CommitAnswer }
  | { status: 'error'; message: string };

export function CommitDeclarationForm({
  token,
  me,
  onCommitted,
}: {
  token: string;
  me?: Me;
  onCommitted?: () => void;
}) {
  const { regime } = useData();
  const { t, text, lang } = useI18n();
  const party = me?.party ?? '';
  const [asOf, setAsOf] = useState(todayUtc);
  const [itemsText, setItemsText] = useState('');
  const [sent, setSent] = useState<Sent>({ status: 'idle' });
  const parsed = useMemo(() => parseItemsText(itemsText), [itemsText]);
  // Signed out, the rows are checked against the item schema only: the regime's checks need the signer's party.
  const problems = useMemo(
    () => checkItems(regime, party || undefined, asOf, parsed.items),
    [regime, party, asOf, parsed.items],
  );
  const rowProblems = Object.entries(problems)
    .filter(([path]) => path.startsWith('items.'))
    .flatMap(([path, messages]) => messages.map((m) => `${rowLabel(path, parsed.items)}: ${m}`));
  // Nothing typed is not an error: the button stays disabled until there are items.
  const formProblems = [
    ...(parsed.error ? [parsed.error] : []),
    ...Object.entries(problems)
      .filter(([path]) => !path.startsWith('items.'))
      .flatMap(([path, messages]) => messages.map((m) => (path === '_' ? m : `${path}: ${m}`))),
    ...(me && !me.roles.includes('declarant') ? [t('escrow.needsDeclarant')] : []),
  ];
  // Allowed, but worth a second look: an item at a site another party hosts.
  const abroad = party
    ? parsed.items.flatMap((item, row) => {
        const site = regime.sites.find((x) => x.id === (item as { site?: unknown }).site);
        return site && site.host !== party
          ? [
              t('escrow.siteAbroad', {
                row: row + 1,
                site: text(site.name),
                host: text(regime.parties.find((p) => p.id === site.host)?.name) || site.host,
              }),
            ]
          : [];
      })
    : [];
  const valid = parsed.items.length > 0 && rowProblems.length === 0 && formProblems.length === 0 && !!me;
  const example = exampleRow(regime, party);
  const totals = itemTotals(parsed.items);
  const category = (id: string) => text(regime.categories.find((c) => c.id === id)?.name) || id;

  const submit = async () => {
    setSent({ status: 'sending' });
    try {
      setSent({ status: 'done', answer: await escrowApi.commit(token, asOf, parsed.items) });
      onCommitted?.();
    } catch (err) {
      const e = err as Error;
      setSent({
        status: 'error',
        message: err instanceof ApiError ? `${err.code}: ${err.message}` : e.message,
      });
    }
  };

  return (
    <form
      className="workflow wide"
      data-testid="commit-declaration"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void submit();
      }}
    >
      <label className="field">
        {t('escrow.asOf')}
        <UtcInput name="asOf" value={asOf} onChange={setAsOf} />
        <span className="field-help">{t('escrow.asOfHelp')}</span>
      </label>
      <label className="field">
        {t('escrow.items')}
        <textarea
          name="items"
          className="mono"
          rows={8}
          value={itemsText}
          spellCheck={false}
          onChange={(e) => setItemsText(e.target.value)}
          aria-invalid={rowProblems.length ? true : undefined}
          aria-describedby="err-items escrow-items-help"
          placeholder={`uid,category,site,status,warheads\n${example}`}
        />
        <span className="field-help" id="escrow-items-help">
          {t('escrow.itemsHelp')}
        </span>
        {me ? null : (
          <span className="field-help" data-testid="sign-in-first">
            {t('escrow.signInFirst')}
          </span>
        )}
      </label>
      <label className="field">
        {t('escrow.file')}
        <input
          type="file"
          name="file"
          accept=".csv,.json,text/csv,application/json"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void file.text().then(setItemsText);
          }}
        />
      </label>
      <div id="err-items" className="field-error" data-testid="item-problems">
        {rowProblems.slice(0, MAX_SHOWN).map((p) => (
          <div key={p}>{p}</div>
        ))}
        {rowProblems.length > MAX_SHOWN ? (
          <div>{t('escrow.moreProblems', { n: rowProblems.length - MAX_SHOWN })}</div>
        ) : null}
      </div>
      {totals.length ? (
        <table className="small" data-testid="escrow-totals">
          <caption className="field-help">
            {t('escrow.totalsCaption', { n: parsed.items.length, format: parsed.format.toUpperCase() })}
          </caption>
          <thead>
            <tr>
              <th>{t('map.category')}</th>
              <th className="num">{t('escrow.total')}</th>
              <th>{t('escrow.byStatus')}</th>
            </tr>
          </thead>
          <tbody>
            {totals.map((r) => (
              <tr key={r.category} data-total={r.category}>
                <td>{category(r.category)}</td>
                <td className="num">{formatNumber(r.total, lang)}</td>
                <td className="small">
                  {Object.entries(r.byStatus)
                    .map(([s, n]) => `${s} ${formatNumber(n, lang)}`)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {abroad.length ? (
        <div className="field-warning" data-testid="item-warnings">
          {abroad.slice(0, MAX_SHOWN).map((w) => (
            <div key={w}>{w}</div>
          ))}
        </div>
      ) : null}
      <FieldErrors id="err-commit" errors={formProblems} />
      <div>
        <button type="submit" className="primary" disabled={!valid || !token || sent.status === 'sending'}>
          {t('escrow.commit')}
        </button>
      </div>
      <div role="status" aria-live="polite" data-testid="commit-result">
        {sent.status === 'sending' ? <p className="muted">{t('form.submitting')}</p> : null}
        {sent.status === 'error' ? <p className="error">{sent.message}</p> : null}
        {sent.status === 'done' ? (
          <div className="verdict ok">
            <p>
              {t('escrow.committed', { leaves: sent.answer.leaves })}{' '}
              <code className="mono" data-testid="commit-root">
                {sent.answer.root}
              </code>
            </p>
            <p>
              <a href={entryHref(sent.answer.receipt.origin, sent.answer.receipt.index)} onClick={onLinkClick}>
                {t('form.submitted', { index: sent.answer.receipt.index, origin: sent.answer.receipt.origin })}
              </a>
            </p>
          </div>
        ) : null}
      </div>
    </form>
  );
}

/** `items.3.category` → `row 4 (RU-ICBM-0004) category`: rows counted from 1, as a person counts them. */
function rowLabel(path: string, items: readonly unknown[]): string {
  const [, index, ...rest] = path.split('.');
  const uid = (items[Number(index)] as { uid?: unknown } | undefined)?.uid;
  const named = typeof uid === 'string' && uid !== '' ? ` (${uid})` : '';
  return `#${Number(index) + 1}${named}${rest.length ? ` ${rest.join('.')}` : ''}`;
}

/** The placeholder's example row: an ICBM of the signer's party at one of its own ICBM bases, when it has one. */
function exampleRow(regime: Regime, party: string): string {
  const site =
    regime.sites.find((x) => x.host === party && x.kind === 'icbm-base') ?? regime.sites.find((x) => x.host === party);
  if (!site) return 'RU-ICBM-0001,icbm,kozelsk,deployed,4';
  return `${party.toUpperCase()}-ICBM-0001,icbm,${site.id},deployed,1`;
}
