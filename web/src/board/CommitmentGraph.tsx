/**
 * Commitments as nodes, their conditions as edges: `accepted` to the other commitment, `metric-met` to a metric.
 * Drawn at the panel's own width (one SVG unit a pixel, so the text keeps its size): a column per party when they
 * fit, else one column; every name wrapped in full over as many lines as it takes, never cut.
 */

import { useEffect, useRef, useState } from 'react';
import { ruleTitle } from '../../../src/i18n/index.js';
import { partyColour, useData } from '../data.js';
import { formatUtc, useI18n } from '../i18n/i18n.js';
import { commitmentRow } from '../state.js';

const GAP = 60;
const MIN_NODE_W = 200;
const MAX_NODE_W = 300;
const LINE_H = 14;
/** A wide letter of the 11 px label font (Cyrillic's are the widest): what a line of `w` pixels surely holds. */
const CHAR_W = 7;
const PAD_X = 10;

/** `text` in lines of at most `chars` characters, broken between words (a longer word on a line of its own, split). */
export function wrapLabel(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (let w = word; w; ) {
      const next = line ? `${line} ${w}` : w;
      if ([...next].length <= chars) {
        line = next;
        w = '';
      } else if (line) {
        lines.push(line);
        line = '';
      } else {
        lines.push([...w].slice(0, chars).join(''));
        w = [...w].slice(chars).join('');
      }
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/** The width of the element (its content box), followed as it changes; `fallback` until it is measured. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([e]) => {
      if (e && e.contentRect.width > 0) setWidth(Math.floor(e.contentRect.width));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function CommitmentGraph() {
  const { regime, state, findings } = useData();
  const { t, text, lang } = useI18n();
  const { ref, width: available } = useWidth(900);
  const parties = [...new Set(regime.commitments.map((c) => c.party))];
  const metrics = [
    ...new Set(
      regime.commitments.flatMap((c) => c.conditions.flatMap((k) => (k.kind === 'metric-met' ? [k.metric] : []))),
    ),
  ];
  // A column per party if each gets MIN_NODE_W, else one column with every commitment under the other.
  const perParty = available >= parties.length * (MIN_NODE_W + GAP);
  const columns = perParty ? Math.max(1, parties.length) : 1;
  const NODE_W = Math.max(
    120,
    Math.min(MAX_NODE_W, Math.floor(available / Math.max(columns, perParty ? metrics.length : 1)) - GAP),
  );
  const chars = Math.max(8, Math.floor((NODE_W - 2 * PAD_X) / CHAR_W));
  const labels = new Map<string, string[]>([
    ...regime.commitments.map((c) => [c.id, wrapLabel(text(c.name), chars)] as const),
    ...metrics.map(
      (m) => [`metric:${m}`, wrapLabel(text(regime.metrics.find((x) => x.id === m)?.name), chars)] as const,
    ),
  ]);
  // Every box as tall as the longest name needs (a commitment's box has its status on a line of its own).
  const nameLines = Math.max(1, ...[...labels.values()].map((l) => l.length));
  const NODE_H = 12 + (nameLines + 1) * LINE_H;
  const ROW = NODE_H + 26;
  const pos = new Map<string, { x: number; y: number }>();
  const ordered = perParty ? [] : parties.flatMap((p) => regime.commitments.filter((c) => c.party === p));
  if (perParty) {
    parties.forEach((p, col) => {
      regime.commitments
        .filter((c) => c.party === p)
        .forEach((c, row) => {
          pos.set(c.id, { x: 10 + col * (NODE_W + GAP), y: 10 + row * ROW });
        });
    });
  } else {
    ordered.forEach((c, row) => {
      pos.set(c.id, { x: 10, y: 10 + row * ROW });
    });
  }
  const rows = perParty
    ? Math.max(1, ...parties.map((p) => regime.commitments.filter((c) => c.party === p).length))
    : ordered.length;
  metrics.forEach((m, i) => {
    pos.set(
      `metric:${m}`,
      perParty ? { x: 10 + i * (NODE_W + 20), y: 10 + rows * ROW } : { x: 10, y: 10 + (rows + i) * ROW },
    );
  });
  const width = Math.max(available, 10 + columns * (NODE_W + GAP));
  const height = (perParty ? rows + (metrics.length ? 1 : 0) : rows + metrics.length) * ROW + 10;
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
      <div ref={ref} className="graph-frame">
        <svg
          className="graph"
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
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
            // Two commitments that each need the other: two parallel arrows, not a cross.
            const shift = edges.some((o) => o.from === e.to && o.to === e.from) ? (x2 > x1 ? -7 : 7) : 0;
            const vertical = Math.abs(x2 - x1) <= 10;
            // In one column: a curve out to the right of the boxes, wider the further it goes (it passes none of them).
            const bulge = 14 + Math.min(GAP - 20, Math.abs(y2 - y1) / 12) + (shift > 0 ? 6 : 0);
            const right = a.x + NODE_W;
            const d = vertical
              ? `M${right + 2},${y1 + shift}C${right + bulge},${y1 + shift} ${right + bulge},${y2 + shift} ${right + 4},${y2 + shift}`
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
                <Label x={PAD_X} lines={labels.get(c.id)!} />
                <text x={PAD_X} y={8 + (nameLines + 1) * LINE_H} style={{ fill: '#5f6b78' }}>
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
                <rect width={NODE_W} height={NODE_H} rx={22} style={{ strokeDasharray: '4 3' }} />
                <Label x={PAD_X + 4} lines={labels.get(`metric:${m}`)!} />
              </g>
            );
          })}
        </svg>
      </div>
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

/** A name over its lines, one tspan a line, from the top of its box. */
function Label({ x, lines }: { x: number; lines: string[] }) {
  return (
    <text x={x} y={8 + LINE_H} data-testid="graph-label">
      {lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one name, in order; two may read the same
        <tspan key={i} x={x} dy={i === 0 ? 0 : LINE_H}>
          {line}
        </tspan>
      ))}
    </text>
  );
}
