/** Commitments as nodes, their conditions as edges: `accepted` to the other commitment, `metric-met` to a metric. */

import { ruleTitle } from '../../../src/i18n/index.js';
import { partyColour, useData } from '../data.js';
import { formatUtc, useI18n } from '../i18n/i18n.js';
import { commitmentRow } from '../state.js';

const NODE_W = 230;
const NODE_H = 44;

export function CommitmentGraph() {
  const { regime, state, findings } = useData();
  const { t, text, lang } = useI18n();
  const parties = [...new Set(regime.commitments.map((c) => c.party))];
  const metrics = [
    ...new Set(
      regime.commitments.flatMap((c) => c.conditions.flatMap((k) => (k.kind === 'metric-met' ? [k.metric] : []))),
    ),
  ];
  const pos = new Map<string, { x: number; y: number }>();
  parties.forEach((p, col) => {
    regime.commitments
      .filter((c) => c.party === p)
      .forEach((c, row) => {
        pos.set(c.id, { x: 10 + col * (NODE_W + 60), y: 10 + row * (NODE_H + 26) });
      });
  });
  const rows = Math.max(1, ...parties.map((p) => regime.commitments.filter((c) => c.party === p).length));
  metrics.forEach((m, i) => {
    pos.set(`metric:${m}`, { x: 10 + i * (NODE_W + 20), y: 10 + rows * (NODE_H + 26) });
  });
  const width = Math.max(2, parties.length) * (NODE_W + 60);
  const height = (rows + (metrics.length ? 1 : 0)) * (NODE_H + 26) + 10;
  const edges = regime.commitments.flatMap((c) =>
    c.conditions.flatMap((k) => {
      const to =
        k.kind === 'accepted' || k.kind === 'in-force'
          ? k.commitment
          : k.kind === 'metric-met'
            ? `metric:${k.metric}`
            : undefined;
      return to && pos.has(to) ? [{ from: c.id, to, kind: k.kind }] : [];
    }),
  );
  const statusOf = (id: string) => commitmentRow(state, id)?.status;
  const holds = (from: string, to: string) =>
    commitmentRow(state, from)?.conditions.find(
      (c) =>
        ('commitment' in c.condition && c.condition.commitment === to) ||
        ('metric' in c.condition && `metric:${c.condition.metric}` === to),
    )?.holds;
  return (
    <>
      <h2>{t('board.commitments')}</h2>
      <svg
        className="graph"
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={t('board.commitments')}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0L10,5L0,10z" fill="#7b8794" />
          </marker>
        </defs>
        {edges.map((e) => {
          const a = pos.get(e.from)!;
          const b = pos.get(e.to)!;
          const x1 = a.x + NODE_W / 2;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x + NODE_W / 2;
          const y2 = b.y + NODE_H / 2;
          // Leave the box on the side facing the other node.
          const sx = x2 > x1 + 10 ? a.x + NODE_W : x2 < x1 - 10 ? a.x : x1;
          const ex = x2 > x1 + 10 ? b.x : x2 < x1 - 10 ? b.x + NODE_W : x2;
          const sy = Math.abs(x2 - x1) <= 10 ? a.y + NODE_H : y1;
          const ey = Math.abs(x2 - x1) <= 10 ? b.y : y2;
          // Two commitments that each need the other: two parallel arrows, not a cross.
          const shift = edges.some((o) => o.from === e.to && o.to === e.from) ? (x2 > x1 ? -7 : 7) : 0;
          const vertical = Math.abs(x2 - x1) <= 10;
          const d = vertical
            ? `M${sx},${sy + 2}L${ex},${ey - 4}`
            : `M${sx + (x2 > x1 ? 2 : -2)},${y1 + shift}L${ex + (x2 > x1 ? -4 : 4)},${y2 + shift}`;
          return (
            <g key={`${e.from}-${e.to}`}>
              <path
                className={`edge${holds(e.from, e.to) === true ? ' holds' : holds(e.from, e.to) === false ? ' fails' : ''}`}
                d={d}
                markerEnd="url(#arrow)"
                data-edge={`${e.from}>${e.to}`}
                data-holds={holds(e.from, e.to)}
              >
                <title>{t(`board.condition.${e.kind}` as 'board.condition.accepted')}</title>
              </path>
            </g>
          );
        })}
        {regime.commitments.map((c) => {
          const p = pos.get(c.id)!;
          const status = statusOf(c.id);
          const name = text(c.name);
          return (
            <g
              key={c.id}
              className={`node status-${status ?? 'unknown'}`}
              transform={`translate(${p.x},${p.y})`}
              data-commitment={c.id}
              data-status={status}
            >
              <title>{name}</title>
              <rect width={NODE_W} height={NODE_H} rx={6} style={{ stroke: partyColour(regime, c.party) }} />
              <rect width={4} height={NODE_H} rx={2} style={{ fill: partyColour(regime, c.party), stroke: 'none' }} />
              <text x={10} y={18}>
                {name.length > 36 ? `${name.slice(0, 35)}…` : name}
              </text>
              <text x={10} y={34} style={{ fill: '#5f6b78' }}>
                {status ? t(`status.${status}` as 'status.in-force') : '—'}
              </text>
            </g>
          );
        })}
        {metrics.map((m) => {
          const p = pos.get(`metric:${m}`)!;
          const metric = regime.metrics.find((x) => x.id === m);
          const name = text(metric?.name);
          return (
            <g key={m} className="node" transform={`translate(${p.x},${p.y})`}>
              <title>{name}</title>
              <rect width={NODE_W} height={NODE_H} rx={NODE_H / 2} style={{ strokeDasharray: '4 3' }} />
              <text x={14} y={27}>
                {name.length > 36 ? `${name.slice(0, 35)}…` : name}
              </text>
            </g>
          );
        })}
      </svg>
      <p className="small muted">
        → {t('board.condition.accepted')} · ⇢ {t('board.condition.metric-met')}
      </p>
      {state ? (
        <ul className="plain small" data-testid="commitment-reasons">
          {regime.commitments.map((c) => {
            const row = commitmentRow(state, c.id);
            if (!row) return null;
            return (
              <li key={c.id} data-commitment-reason={c.id}>
                <strong>{text(c.name)}</strong>:{' '}
                <span
                  className={`pill${row.status === 'breached' ? ' bad' : row.status === 'in-force' ? ' good' : ''}`}
                >
                  {t(`status.${row.status}` as 'status.in-force')}
                </span>{' '}
                {text(row.reason)}
                {row.breaches.length ? (
                  <span className="muted">
                    {' '}
                    · {t('board.breaches')}:{' '}
                    {row.breaches
                      .map((id) => {
                        // A finding's id is for machines: its rule's title and date for people.
                        const f = findings?.find((x) => x.id === id);
                        return f ? `${ruleTitle(f.rule, lang)} (${formatUtc(f.at)})` : id;
                      })
                      .join('; ')}
                  </span>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </>
  );
}
