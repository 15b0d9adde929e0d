/** De-escalation metrics: the series the engine gives, the target, the deadline and the holding period. */
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { addDuration } from '../../../src/model/index.js';
import { useData } from '../data.js';
import { formatDuration, formatNumber, formatUtc, useI18n } from '../i18n/i18n.js';
import { metricRow } from '../state.js';
import { metricScale } from './metric-scale.js';

const LINE_COLOURS = ['#1f4f82', '#946200', '#7a4f9a', '#2b7a78'];

export function MetricsPanel() {
  const { regime, state } = useData();
  const { t, text, lang } = useI18n();
  return (
    <>
      <h2>{t('board.metrics')}</h2>
      {regime.metrics.map((m) => {
        const row = metricRow(state, m.id);
        // One line per source (the party's declarations and each independent observer).
        const sources = [...new Set((row?.series ?? []).map((p) => p.source))];
        const series = (row?.series ?? []).map((p) => ({ at: Date.parse(p.at), [p.source]: p.value }));
        const deadline = Date.parse(`${m.deadline}T00:00:00Z`);
        const holdEnd = addDuration(deadline, m.holdFor);
        const scale = metricScale({
          points: (row?.series ?? []).map((p) => ({ at: Date.parse(p.at), value: p.value })),
          deadline,
          holdEnd,
          target: m.target.atMost,
        });
        return (
          <div
            key={m.id}
            data-metric={m.id}
            data-status={row?.status}
            data-points={row?.series.length ?? 0}
            data-x-from={new Date(scale.x[0]).toISOString()}
            data-x-to={new Date(scale.x[1]).toISOString()}
            data-y-to={scale.y[1]}
          >
            <p className="small">
              <strong>{text(m.name)}</strong>
              <br />
              {t('board.target', { n: formatNumber(m.target.atMost, lang) })} · {t('board.deadline')}{' '}
              {formatUtc(deadline)} · {t('board.holdFor', { d: formatDuration(m.holdFor, t, lang) })}
              {row ? (
                <>
                  {' '}
                  ·{' '}
                  <span
                    className={`pill${row.status === 'relapsed' || (row.status === 'not-yet-met' && state && state.asOf > `${m.deadline}T23:59:59.999Z`) ? ' bad' : row.status === 'held' || row.status === 'met-on-time' ? ' good' : ''}`}
                  >
                    {t(`status.${row.status}` as 'status.held')}
                  </span>
                  <br />
                  {row.current.value !== undefined
                    ? t('board.current', { n: formatNumber(row.current.value, lang) })
                    : ''}{' '}
                  <span className="muted">{row.current.verified ? t('board.verified') : t('board.unverified')}</span>
                </>
              ) : null}
            </p>
            <div style={{ width: '100%', height: 220 }}>
              <ResponsiveContainer>
                <LineChart
                  data={series.length ? series : [{ at: scale.x[0] }, { at: scale.x[1] }]}
                  margin={{ top: 8, right: 12, bottom: 4, left: 4 }}
                >
                  <CartesianGrid stroke="#e7eaee" />
                  <XAxis
                    dataKey="at"
                    type="number"
                    domain={scale.x}
                    ticks={scale.ticks}
                    tickFormatter={scale.tickFormat}
                    fontSize={11}
                    label={{ value: 'UTC', position: 'insideBottomRight', offset: -2, fontSize: 10 }}
                    allowDataOverflow
                  />
                  <YAxis
                    domain={scale.y}
                    fontSize={11}
                    width={56}
                    tickFormatter={(v: number) => formatNumber(v, lang)}
                    allowDataOverflow
                  />
                  <Tooltip labelFormatter={(v) => formatUtc(Number(v))} />
                  <Legend verticalAlign="top" height={22} iconSize={10} wrapperStyle={{ fontSize: 11 }} />
                  <ReferenceArea x1={deadline} x2={holdEnd} fill="#1d6b3a" fillOpacity={0.07} />
                  <ReferenceLine y={m.target.atMost} stroke="#1d6b3a" strokeDasharray="5 3" />
                  <ReferenceLine x={deadline} stroke="#a12a1f" strokeDasharray="3 3" />
                  {sources.map((source, i) => (
                    <Line
                      key={source}
                      name={text(regime.parties.find((p) => p.id === source)?.name) || source}
                      type="stepAfter"
                      dataKey={source}
                      connectNulls
                      stroke={LINE_COLOURS[i % LINE_COLOURS.length]}
                      strokeWidth={2}
                      dot={{ r: 2 }}
                      isAnimationActive={false}
                    />
                  ))}
                </LineChart>
              </ResponsiveContainer>
            </div>
          </div>
        );
      })}
    </>
  );
}
