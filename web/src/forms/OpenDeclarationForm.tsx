/**
 * Open an escrowed declaration: the declarant picks one of the party's commitments (GET /api/escrow/declarations,
 * with the private items only the node keeps), then chosen items, every item at a site, or a whole region; the node
 * records the opening and answers the self-contained opening document, which this browser then verifies on its own
 * (../escrow/verify-opening.ts) before saying so.
 */
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client.js';
import { type EscrowedDeclaration, escrowApi, type OpenWhat, type Receipt } from '../api/escrow.js';
import { useData } from '../data.js';
import { OpeningVerdict } from '../escrow/OpeningVerdict.js';
import { averageItemBytes, estimateOpeningBytes } from '../escrow/opening-size.js';
import { type OpeningVerification, verifyOpeningInBrowser } from '../escrow/verify-opening.js';
import { formatNumber, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';
import type { Me } from './ActView.js';
import { FieldErrors } from './Submit.js';

type Mode = 'items' | 'site' | 'region';
const MODES: readonly Mode[] = ['items', 'site', 'region'];
/** Items listed for choosing at once: a declaration may hold thousands; the filter narrows them. */
const MAX_LISTED = 200;
const refId = (d: EscrowedDeclaration) => `${d.ref.origin}#${d.ref.index}`;

type Opened =
  | { status: 'idle' | 'sending' }
  | { status: 'done'; receipt: Receipt; verification?: OpeningVerification }
  | { status: 'error'; message: string };

export function OpenDeclarationForm({ token, me }: { token: string; me?: Me }) {
  const { regime, logs } = useData();
  const { t, text, lang } = useI18n();
  const [list, setList] = useState<EscrowedDeclaration[] | { error: string } | undefined>();
  const [choice, setChoice] = useState('');
  const [mode, setMode] = useState<Mode>('site');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [site, setSite] = useState('');
  const [region, setRegion] = useState('');
  const [opened, setOpened] = useState<Opened>({ status: 'idle' });
  const declarant = me?.roles.includes('declarant') === true;

  // Listed when signed in; again after each opening (items become opened). A new commitment remounts this form.
  useEffect(() => {
    if (!token || !declarant) return setList(undefined);
    let live = true;
    escrowApi
      .declarations(token)
      .then((r) => live && setList(r.declarations))
      .catch((err: Error) => live && setList({ error: err.message }));
    return () => {
      live = false;
    };
  }, [token, declarant]);

  const declarations = Array.isArray(list) ? list : [];
  const declaration = declarations.find((d) => refId(d) === choice) ?? declarations[declarations.length - 1];
  const sites = useMemo(() => [...new Set(declaration?.items.map((i) => i.site) ?? [])].sort(), [declaration]);
  const siteValue = sites.includes(site) ? site : (sites[0] ?? '');
  const regionValue = region || regime.zones[0]?.id || '';
  const shown = (declaration?.items ?? [])
    .filter((i) => !filter || i.uid.includes(filter) || i.site.includes(filter) || i.category.includes(filter))
    .slice(0, MAX_LISTED);
  const what: OpenWhat =
    mode === 'items' ? { items: [...chosen] } : mode === 'site' ? { site: siteValue } : { region: regionValue };
  // Before sending: how many leaves, and about how large the opening (in blobs; the entry itself stays small).
  const all = declaration?.items ?? [];
  const count =
    mode === 'items' ? chosen.size : mode === 'site' ? all.filter((i) => i.site === siteValue).length : all.length;
  const estimate = declaration
    ? estimateOpeningBytes(
        Math.max(1, count),
        declaration.leaves,
        averageItemBytes(all),
        Object.keys(declaration.totals).length,
      )
    : 0;
  const problems = [
    ...(me && !declarant ? [t('escrow.needsDeclarant')] : []),
    ...(!declaration ? [t('escrow.noDeclarations')] : []),
    ...(mode === 'items' && chosen.size === 0 ? [t('escrow.chooseItems')] : []),
  ];

  const open = async () => {
    if (!declaration) return;
    setOpened({ status: 'sending' });
    try {
      const answer = await escrowApi.open(token, declaration.ref, what);
      setOpened({ status: 'done', receipt: answer.receipt });
      void escrowApi
        .declarations(token)
        .then((r) => setList(r.declarations))
        .catch(() => undefined);
      const verification = await verifyOpeningInBrowser(answer.opening, logs, regime);
      setOpened({ status: 'done', receipt: answer.receipt, verification });
    } catch (err) {
      setOpened({
        status: 'error',
        message: err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message,
      });
    }
  };

  return (
    <form
      className="workflow wide"
      data-testid="open-declaration"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (problems.length === 0) void open();
      }}
    >
      {list && 'error' in list ? <p className="error">{list.error}</p> : null}
      <label className="field">
        {t('escrow.declaration')}
        <select
          name="declaration"
          value={declaration ? refId(declaration) : ''}
          onChange={(e) => setChoice(e.target.value)}
        >
          {declarations.length === 0 ? <option value="">{t('escrow.noDeclarations')}</option> : null}
          {declarations.map((d) => (
            <option key={refId(d)} value={refId(d)}>
              {d.asOf} · {t('escrow.itemsCount', { n: formatNumber(d.items.length, lang) })} · {d.root.slice(0, 12)}… ·
              #{d.ref.index}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="finding-row">
        <legend>{t('escrow.what')}</legend>
        <div className="field-row">
          {MODES.map((m) => (
            <label key={m} className="choice">
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />{' '}
              {t(`escrow.mode.${m}` as 'escrow.mode.items')}
            </label>
          ))}
        </div>
        {mode === 'site' ? (
          <label className="field">
            {t('form.site')}
            <select name="site" value={siteValue} onChange={(e) => setSite(e.target.value)}>
              {sites.map((s) => (
                <option key={s} value={s}>
                  {text(regime.sites.find((x) => x.id === s)?.name) || s}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {mode === 'region' ? (
          <label className="field">
            {t('escrow.region')}
            <select name="region" value={regionValue} onChange={(e) => setRegion(e.target.value)}>
              {regime.zones.map((z) => (
                <option key={z.id} value={z.id}>
                  {text(z.name) || z.id}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {mode === 'items' ? (
          <>
            <label className="field">
              {t('escrow.filter')}
              <input name="filter" value={filter} onChange={(e) => setFilter(e.target.value.trim())} />
            </label>
            <div className="item-choices" data-testid="item-choices">
              {shown.map((i) => (
                <label key={i.uid} className="choice">
                  <input
                    type="checkbox"
                    name="item"
                    value={i.uid}
                    disabled={i.opened}
                    checked={chosen.has(i.uid)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.target.checked) next.add(i.uid);
                      else next.delete(i.uid);
                      setChosen(next);
                    }}
                  />{' '}
                  <span className="mono">{i.uid}</span> · {i.category} · {i.site} · {i.status}
                  {i.opened ? <span className="pill"> {t('escrow.opened')}</span> : null}
                </label>
              ))}
            </div>
          </>
        ) : null}
      </fieldset>
      {declaration ? (
        <p className="small muted" data-testid="opening-size">
          {t(mode === 'region' ? 'escrow.sizeUpTo' : 'escrow.size', {
            n: formatNumber(Math.max(1, count), lang),
            of: formatNumber(declaration.leaves, lang),
            kb: formatNumber(Math.max(1, Math.round(estimate / 1024)), lang),
          })}
        </p>
      ) : null}
      <FieldErrors id="err-open" errors={problems} />
      <div>
        <button
          type="submit"
          className="primary"
          disabled={problems.length > 0 || !token || opened.status === 'sending'}
        >
          {t('escrow.open')}
        </button>
      </div>
      <div role="status" aria-live="polite" data-testid="open-result">
        {opened.status === 'sending' ? <p className="muted">{t('form.submitting')}</p> : null}
        {opened.status === 'error' ? <p className="error">{opened.message}</p> : null}
        {opened.status === 'done' ? (
          <p>
            <a href={entryHref(opened.receipt.origin, opened.receipt.index)} onClick={onLinkClick}>
              {t('form.submitted', { index: opened.receipt.index, origin: opened.receipt.origin })}
            </a>
          </p>
        ) : null}
      </div>
      {opened.status === 'done' ? <OpeningVerdict result={opened.verification} regime={regime} /> : null}
    </form>
  );
}
