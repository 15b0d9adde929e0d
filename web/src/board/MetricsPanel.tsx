/** De-escalation metrics: the series the engine gives, the target, the deadline and the holding period. */
import {
  CartesianGrid,
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
import { formatNumber, formatUtc, useI18n } from '../i18n/i18n.js';
import { asArray, num, pick, stateMetrics, str } from '../state.js';

export function MetricsPanel() {
  const { regime, state } = useData();
  const { t, text, lang } = useI18n();
  return (
    <>
      <h2>{t('board.metrics')}</h2>
      {regime.metrics.map((m) => {
        const row = stateMetrics(state).find((r) => str(r, 'metric', 'id') === m.id);
        const series = asArray(pick(row, 'series', 'points', 'history'))
          .map((p) => ({ at: Date.parse(str(p, 'at', 'date', 'asOf') ?? ''), value: num(p, 'value', 'quantity') }))
          .filter((p) => Number.isFinite(p.at) && p.value !== undefined);
        const deadline = Date.parse(`${m.deadline}T00:00:00Z`);
        const holdEnd = addDuration(deadline, m.holdFor);
        const start = Math.min(deadline - 90 * 86_400_000, ...series.map((p) => p.at));
        const maxY = Math.max(m.target.atMost * 2, ...series.map((p) => p.value ?? 0));
        return (
          <div key={m.id} data-metric={m.id}>
            <p className="small">
              <strong>{text(m.name)}</strong>
              <br />
              {t('board.target', { n: formatNumber(m.target.atMost, lang) })} · {t('board.deadline')}{' '}
              {formatUtc(deadline)} · {t('board.holdFor', { d: m.holdFor })}
              {str(row, 'status') ? (
                <>
                  {' '}
                  · <span className="pill">{str(row, 'status')}</span>
                </>
              ) : null}
            </p>
            <div style={{ width: '100%', height: 190 }}>
              <ResponsiveContainer>
                <LineChart
                  data={
                    series.length
                      ? series
                      : [
                          { at: start, value: undefined },
                          { at: holdEnd, value: undefined },
                        ]
                  }
                  margin={{ top: 8, right: 12, bottom: 4, left: 4 }}
                >
                  <CartesianGrid stroke="#e7eaee" />
                  <XAxis
                    dataKey="at"
                    type="number"
                    domain={[start, holdEnd + 14 * 86_400_000]}
                    tickFormatter={(v: number) => formatUtc(v).slice(0, 10)}
                    fontSize={11}
                  />
                  <YAxis domain={[0, maxY]} fontSize={11} width={56} />
                  <Tooltip labelFormatter={(v) => formatUtc(Number(v))} />
                  <ReferenceArea x1={deadline} x2={holdEnd} fill="#1d6b3a" fillOpacity={0.07} />
                  <ReferenceLine y={m.target.atMost} stroke="#1d6b3a" strokeDasharray="5 3" />
                  <ReferenceLine x={deadline} stroke="#a12a1f" strokeDasharray="3 3" />
                  <Line
                    type="stepAfter"
                    dataKey="value"
                    stroke="#1f4f82"
                    strokeWidth={2}
                    dot={{ r: 2 }}
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </div>
        );
      })}
    </>
  );
}
