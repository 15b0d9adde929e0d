/**
 * A signed entry as a reader takes it in: each field under its label in the reader's language, ids as the regime's
 * names, times in UTC, references as links to the entries they name, lists of records as tables (long ones cut
 * short with a count). The field names are the model's (src/model/entries); the raw JSON stays one click away.
 */
import type { ReactNode } from 'react';
import type { Regime } from '../../../src/model/index.js';
import { regimeIndex } from '../../../src/model/index.js';
import { formatNumber, formatUtc, type MessageKey, useI18n } from '../i18n/i18n.js';
import { entryHref, onLinkClick } from '../router.js';

/** Lists longer than this show their first rows and say how many more there are. */
export const MAX_ROWS = 25;

/** Fields whose value is a time. */
const TIMES = new Set(['issuedAt', 'arrival', 'start', 'end', 'at', 'observedAt', 'effective', 'asOf']);
/** Fields whose value is a code of the model with a word in the catalogue (`value.<code>`). */
const CODES = new Set(['kind', 'result', 'status', 'observedStatus', 'method', 'form']);
/** The version field and the type (the heading says it) are not shown. */
const HIDDEN = new Set(['v', 'type']);

type Named = { name?: unknown } | undefined;

function isRef(v: unknown): v is { origin: string; index: number; leafHash: string } {
  const o = v as { origin?: unknown; index?: unknown; leafHash?: unknown } | null;
  return !!o && typeof o === 'object' && typeof o.origin === 'string' && typeof o.index === 'number' && 'leafHash' in o;
}

function isText(v: unknown): v is { en: string; ru: string } {
  const o = v as Record<string, unknown> | null;
  return (
    !!o && typeof o === 'object' && typeof o.en === 'string' && typeof o.ru === 'string' && Object.keys(o).length === 2
  );
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !isRef(v) && !isText(v);

export function EntryFields({ envelope, regime }: { envelope: unknown; regime: Regime }) {
  const { t, text, hasKey, lang } = useI18n();
  if (!isPlainRecord(envelope)) return null;
  const { body, ...head } = envelope as Record<string, unknown>;
  const type = String(envelope.type ?? '');
  const typeKey = `entryType.${type}`;
  return (
    <div className="entry-fields" data-testid="entry-fields" data-type={type}>
      <h3>{hasKey(typeKey) ? t(typeKey) : type}</h3>
      {fields({ ...head, ...(isPlainRecord(body) ? body : { body }) })}
    </div>
  );
  function fields(record: Record<string, unknown>): ReactNode {
    const entries = Object.entries(record).filter(([k, v]) => !HIDDEN.has(k) && v !== undefined);
    return (
      <dl className="facts">
        {entries.map(([k, v]) => (
          <div key={k} data-field={k}>
            <dt>{label(k)}</dt>
            <dd>{value(k, v)}</dd>
          </div>
        ))}
      </dl>
    );
  }

  function label(field: string): string {
    const key = `field.${field}`;
    return hasKey(key) ? t(key) : field;
  }

  function named(field: string, id: string): string {
    const r = regimeIndex(regime);
    const lists: Record<string, ReadonlyMap<string, Named>> = {
      party: r.parties,
      host: r.parties,
      subject: r.parties,
      audience: r.parties,
      addressee: r.parties,
      site: r.sites,
      from: r.sites,
      to: r.sites,
      zone: r.zones,
      region: r.zones.has(id) ? r.zones : r.sites,
      inspection: r.inspections,
      rule: r.notifications,
      commitment: r.commitments,
      category: r.categories,
      metric: r.metrics,
    };
    const found = lists[field]?.get(id);
    return (found && text(found.name)) || id;
  }

  function value(field: string, v: unknown): ReactNode {
    if (v === null) return '—';
    if (typeof v === 'boolean') return t(v ? 'value.yes' : 'value.no');
    if (typeof v === 'number') return <span className="num">{formatNumber(v, lang)}</span>;
    if (typeof v === 'string') {
      if (TIMES.has(field)) return formatUtc(v);
      if (field === 'key') return <span className="mono">{v}</span>;
      const name = named(field, v);
      if (name !== v) return <span title={v}>{name}</span>;
      // A status change's from/to are codes, a movement's are sites.
      if ((CODES.has(field) || field === 'from' || field === 'to') && hasKey(`value.${v}`)) {
        return t(`value.${v}` as MessageKey);
      }
      return v.length > 40 ? <span className="mono break">{v}</span> : v;
    }
    if (isText(v)) return text(v);
    if (isRef(v)) return refLink(v);
    if (Array.isArray(v)) return list(field, v);
    if (isPlainRecord(v)) return fields(v);
    return String(v);
  }

  function list(field: string, items: unknown[]): ReactNode {
    if (items.length === 0) return '—';
    const shown = items.slice(0, MAX_ROWS);
    const more =
      items.length > shown.length ? (
        <p className="small muted" data-testid="more-rows">
          {t('entry.moreRows', {
            n: formatNumber(items.length - shown.length, lang),
            total: formatNumber(items.length, lang),
          })}
        </p>
      ) : null;
    if (shown.every((x) => !isPlainRecord(x))) {
      return (
        <>
          <ul className="plain">
            {shown.map((x, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a signed list never reorders
              <li key={i}>{value(field, x)}</li>
            ))}
          </ul>
          {more}
        </>
      );
    }
    const columns = [...new Set(shown.flatMap((x) => Object.keys(x as object)))].filter((c) => !HIDDEN.has(c));
    return (
      <div className="table-wrap">
        <table className="fields-table" data-field-table={field}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {label(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a signed list never reorders
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>
                    {(row as Record<string, unknown>)[c] === undefined
                      ? ''
                      : value(c, (row as Record<string, unknown>)[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {more}
      </div>
    );
  }

  function refLink(r: { origin: string; index: number }): ReactNode {
    const party = regime.parties.find((p) => p.origin === r.origin);
    return (
      <a href={entryHref(r.origin, r.index)} onClick={onLinkClick}>
        {t('entry.refTo', { index: r.index, log: party ? text(party.name) : r.origin })}
      </a>
    );
  }
}
