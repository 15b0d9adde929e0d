/**
 * The state and the findings as an inspector reads them: aligned tables, plain statuses, every time in UTC and
 * said so. Messages in English or Russian (`--lang`).
 */
import type { ComplianceState, Finding } from '../engine/index.js';
import { renderMessage } from '../i18n/index.js';
import type { EntryRef, Regime } from '../model/index.js';

export type Lang = 'en' | 'ru';

/** `2022-03-28 14:00 UTC` (seconds when they are not zero). */
export function utc(iso: string | undefined): string {
  if (!iso) return '—';
  const d = iso.slice(0, 10);
  const t = iso.slice(11, 19);
  return `${d} ${t.endsWith(':00') ? t.slice(0, 5) : t} UTC`;
}

/** A short form of a reference: `detente.example/ru#12`. */
export function short(ref: EntryRef): string {
  return `${ref.origin}#${ref.index}`;
}

/** An aligned table: a header row and rows, columns separated by two spaces, the last one unpadded. */
export function table(header: string[], rows: (string | number)[][], indent = '  '): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells
    .map((r) =>
      (
        indent + r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ')
      ).trimEnd(),
    )
    .join('\n');
}

const SEVERITY_ORDER = ['critical', 'major', 'minor', 'info'] as const;

export function renderState(state: ComplianceState, regime: Regime, lang: Lang): string {
  const out: string[] = [];
  const say = (s = '') => out.push(s);
  const name = regime.name[lang];
  say(`${name} — state as of ${utc(state.asOf)}`);
  const r = state.regime;
  say(
    `Regime ${r.id} v${r.version}, hash ${r.hash.slice(0, 16)}…: ${r.inForce ? `IN FORCE since ${utc(r.since)}` : 'NOT IN FORCE (not every party has signed)'}`,
  );
  say(
    table(
      ['PARTY', 'SIGNATURE', 'SIGNED'],
      r.signatures.map((s) => [
        s.party,
        s.status +
          (s.otherHashes
            ? ` (also signed ${s.otherHashes.length} other hash${s.otherHashes.length > 1 ? 'es' : ''})`
            : ''),
        utc(s.at),
      ]),
    ),
  );
  const e = state.entries;
  say(
    `Entries: ${e.total} (${Object.entries(e.byParty)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}), the last counted ${utc(e.lastCountedAt)}`,
  );

  say('\nCOMMITMENTS');
  say(
    table(
      ['COMMITMENT', 'PARTY', 'STATUS', 'WHY'],
      // A commitment with findings against it shows indicators, not a verdict (compliance assessment is the parties').
      state.commitments.map((c) => [
        c.commitment,
        c.party,
        (c.status === 'breached' ? 'indicators raised' : c.status).toUpperCase(),
        renderMessage(c.reason, lang),
      ]),
    ),
  );

  say('\nLIMITS');
  say(
    table(
      ['LIMIT', 'PARTY', 'ZONE', 'DECLARED', 'OBSERVED', 'AT MOST', 'MARGIN', 'STATUS'],
      state.limits.map((l) => [
        l.limit,
        l.party,
        l.zone ?? '—',
        l.declared +
          (l.coverage ? ` (assessed on ${l.coverage.assessed} of ${l.coverage.of} items)` : l.partial ? '*' : ''),
        l.observed ?? '—',
        l.atMost,
        l.margin,
        l.status.toUpperCase(),
      ]),
    ),
  );
  if (state.limits.some((l) => l.partial && !l.coverage)) say('  * partial: an incomplete declaration');
  if (state.limits.some((l) => l.status === 'not-assessable')) {
    say(
      '  NOT-ASSESSABLE: neither committed totals nor opened items cover the limit; what is known does not exceed it',
    );
  }

  say('\nHOLDINGS (declared, inspected, observed)');
  for (const h of state.holdings) {
    const d = h.declaration;
    say(
      `  ${h.party}: ${d ? `declaration as of ${d.asOf} (${d.form}, ${d.items} items${d.complete ? '' : ', INCOMPLETE'}), counted ${utc(d.countedAt)}; ${d.notifiedChanges} notified change(s) since` : 'no declaration'}`,
    );
    if (h.byCategory.length) {
      say(
        table(
          ['CATEGORY', 'DECLARED', 'BY STATUS'],
          h.byCategory.map((c) => [
            c.category,
            c.declared,
            Object.entries(c.byStatus ?? {})
              .map(([s, n]) => `${s} ${n}`)
              .join(', ') || '—',
          ]),
          '    ',
        ),
      );
    }
    const rows: string[][] = [];
    for (const s of h.bySite) {
      const i = s.inspected;
      const inspected = i
        ? `${[
            i.confirmed ? `${i.confirmed} confirmed` : '',
            i.notFound ? `${i.notFound} NOT FOUND` : '',
            i.mismatched ? `${i.mismatched} MISMATCHED` : '',
            i.absent === true ? 'absent' : '',
            i.present ? `${i.present} PRESENT` : '',
            i.undeclared ? `${i.undeclared} UNDECLARED` : '',
          ]
            .filter(Boolean)
            .join(', ')} (${i.by}, ${utc(i.at).slice(0, 10)})`
        : '—';
      const observed = s.observed?.map((o) => `${o.by} ${o.quantity} (${utc(o.at).slice(0, 10)})`).join('; ') ?? '—';
      rows.push([`site ${s.site}`, s.category, String(s.declared), inspected, observed]);
    }
    for (const z of h.byZone) {
      rows.push([
        `zone ${z.zone}`,
        z.category,
        String(z.declared),
        '—',
        z.observed.map((o) => `${o.by} ${o.quantity} (${utc(o.at).slice(0, 10)})`).join('; ') || '—',
      ]);
    }
    for (const o of h.elsewhere) {
      rows.push([o.place, o.category, '—', '—', `${o.by} ${o.quantity} (${utc(o.at).slice(0, 10)})`]);
    }
    if (rows.length) say(table(['WHERE', 'CATEGORY', 'DECLARED', 'INSPECTED', 'OBSERVED'], rows, '    '));
  }

  const n = state.notifications;
  say('\nNOTIFICATIONS');
  say(
    table(
      ['RULE', 'PARTY', 'NOTIFIED', 'ON TIME', 'LATE', 'MISSING', 'ACKS DUE', 'ACKED', 'NOT ACKED'],
      n.summary.map((s) => [
        s.rule,
        s.party,
        s.notified,
        s.onTime,
        s.late,
        s.missing,
        s.acknowledgementsDue,
        s.acknowledged,
        s.unacknowledged,
      ]),
    ),
  );
  if (n.items.length) {
    say('');
    say(
      table(
        ['COUNTED', 'PARTY', 'RULE', 'KIND', 'DUE', 'STATUS', 'ACKNOWLEDGED / EXPLAINED', 'ENTRY'],
        n.items.map((i) => [
          utc(i.countedAt),
          i.party,
          i.rule,
          i.kind,
          utc(i.dueBy),
          i.status.toUpperCase(),
          [
            ...i.acknowledgements.map((a) => `${a.party} ${a.status}${a.at ? ` ${utc(a.at)}` : ''}`),
            ...(i.explanation
              ? [`${i.explanation.by} ${i.explanation.status}${i.explanation.at ? ` ${utc(i.explanation.at)}` : ''}`]
              : []),
          ].join('; ') || '—',
          short(i.ref),
        ]),
      ),
    );
  }
  if (n.missing.length) {
    say('\n  Changes and activities that needed a notification:');
    say(
      table(
        ['DUE', 'PARTY', 'RULE', 'KIND', 'STATUS', 'WHAT', 'SHOWN BY'],
        n.missing.map((m) => [
          utc(m.dueBy),
          m.party,
          m.rule,
          m.kind,
          m.status.toUpperCase(),
          m.items ? m.items.map((x) => x.uid + (x.notifiedBy ? ' (notified)' : '')).join(', ') : 'activity',
          m.evidence.map(short).join(', '),
        ]),
      ),
    );
  }

  const ins = state.inspections;
  say('\nINSPECTION QUOTAS (current period)');
  say(
    table(
      ['TYPE', 'INSPECTOR → HOST', 'PERIOD', 'QUOTA', 'USED', 'LEFT', 'SITES CHOSEN'],
      ins.quotas.map((q) => [
        q.inspection,
        `${q.inspector} → ${q.host}`,
        `${q.period.from.slice(0, 10)} – ${q.period.until.slice(0, 10)}`,
        q.quota,
        q.used,
        q.left,
        q.selectedSites ? q.selectedSites.join(', ') || '—' : '',
      ]),
    ),
  );
  if (ins.items.length) {
    say('\nINSPECTIONS');
    say(
      table(
        ['ARRIVAL', 'TYPE', 'INSPECTOR → HOST', 'SITE', 'NOTICE', 'QUOTA', 'STATUS', 'REPORT'],
        ins.items.map((i) => [
          utc(i.arrival),
          i.inspection,
          `${i.inspector} → ${i.host}`,
          i.site + (i.siteAllowed ? '' : ' (not selectable)'),
          i.notice,
          i.withinQuota ? 'within' : 'EXCEEDED',
          i.status.toUpperCase(),
          i.report
            ? [
                i.report.confirmed ? `${i.report.confirmed} confirmed` : '',
                i.report.notFound ? `${i.report.notFound} not found` : '',
                i.report.mismatched ? `${i.report.mismatched} mismatched` : '',
                i.report.absent.length ? `absent: ${i.report.absent.join(', ')}` : '',
                i.report.present.length ? `PRESENT: ${i.report.present.join(', ')}` : '',
                i.report.undeclared ? `${i.report.undeclared} undeclared` : '',
                i.report.countersigned ? 'countersigned' : 'NOT countersigned',
              ]
                .filter(Boolean)
                .join('; ')
            : '—',
        ]),
      ),
    );
  }

  say('\nDE-ESCALATION METRICS');
  for (const m of state.metrics) {
    say(
      `  ${m.metric} (${m.party}, zone ${m.zone}): ${m.status.toUpperCase()} — at most ${m.target} by ${m.deadline}, held for ${m.holdFor}`,
    );
    const facts = [
      m.firstMetAt ? `first met ${utc(m.firstMetAt)}` : '',
      m.metSince ? `met since ${utc(m.metSince)}` : '',
      m.heldAt ? `held from ${utc(m.heldAt)}` : '',
      m.relapsedAt ? `relapsed ${utc(m.relapsedAt)}` : '',
    ].filter(Boolean);
    if (facts.length) say(`    ${facts.join('; ')}`);
    const c = m.current;
    say(
      `    now: ${c.declared ? `declared ${c.declared.value}; ` : ''}${c.sources.map((s) => `${s.by} ${s.value} (${utc(s.at).slice(0, 10)})`).join(', ') || 'no observations'}; ${c.verified ? `verified ${c.value}` : 'not verified'}`,
    );
    if (m.series.length) {
      say(
        table(
          ['COUNTED', 'SOURCE', 'VALUE', 'MET?'],
          m.series.map((p) => {
            const period = [...m.periods].reverse().find((x) => x.from <= p.at);
            return [utc(p.at), p.source, p.value, period ? (period.met ? 'met' : 'not met') : '—'];
          }),
          '    ',
        ),
      );
    }
  }

  const f = state.findings;
  say(
    `\nFINDINGS: ${f.total} (${SEVERITY_ORDER.map((s) => `${f.bySeverity[s]} ${s}`).join(', ')}); \`detente findings\` lists them`,
  );
  return `${out.join('\n')}\n`;
}

export function renderFindings(findings: readonly Finding[], asOf: string, lang: Lang): string {
  const out: string[] = [];
  out.push(`${findings.length} finding${findings.length === 1 ? '' : 's'} as of ${utc(asOf)}`);
  for (const sev of SEVERITY_ORDER) {
    const n = findings.filter((f) => f.severity === sev).length;
    if (n) out.push(`  ${sev}: ${n}`);
  }
  for (const f of findings) {
    out.push('');
    out.push(
      `${utc(f.at)}  ${f.severity.toUpperCase()}  ${f.rule}  (${f.breaks.kind} ${f.breaks.id})  concerns ${f.party}`,
    );
    out.push(`  ${renderMessage(f.message, lang)}`);
    for (const r of f.refs) out.push(`  ↳ ${r.origin} #${r.index} leaf ${r.leafHash}`);
  }
  return `${out.join('\n')}\n`;
}
