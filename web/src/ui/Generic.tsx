/** Renders any JSON value readably: for engine output whose exact shape a view does not know. */
import { formatUtc } from '../i18n/i18n.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

export function GenericValue({ value, depth = 0 }: { value: unknown; depth?: number }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'string') return <span>{TIMESTAMP.test(value) ? formatUtc(value) : value}</span>;
  if (typeof value === 'number' || typeof value === 'boolean') return <span className="num">{String(value)}</span>;
  if (depth > 3) return <code className="small">{JSON.stringify(value)}</code>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">—</span>;
    return (
      <ul className="generic-list">
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a static rendering of a JSON array
          <li key={i}>
            <GenericValue value={v} depth={depth + 1} />
          </li>
        ))}
      </ul>
    );
  }
  const o = value as Record<string, unknown>;
  if (typeof o.en === 'string' && typeof o.ru === 'string' && Object.keys(o).length === 2) {
    return <span>{o.en}</span>;
  }
  return (
    <dl className="generic">
      {Object.entries(o).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <GenericValue value={v} depth={depth + 1} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
