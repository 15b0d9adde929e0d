/**
 * The state and the findings as an inspector reads them: aligned tables, plain statuses, every time in UTC and
 * said so. Messages in English or Russian (`--lang`), with the regime's names for the ids they carry, as the
 * dashboard renders them (src/i18n/param-names.ts).
 */
import type { ComplianceState, Finding } from '../engine/index.js';
import { formatDuration, paramNames, plural, renderMessage, ruleTitle } from '../i18n/index.js';
import type { EntryRef, Regime } from '../model/index.js';
import { codeWord, statusWord, words } from './words.js';

export type Lang = 'en' | 'ru';

/** `2022-03-28 14:00 UTC` (seconds when they are not zero). */
export function utc(iso: string | undefined): string {
  if (!iso) return '—';
  if (iso.length === 10) return iso; // a day (a declaration's period), not an instant
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
  const w = words(lang);
  const st = (status: string) => statusWord(status, lang);
  const code = (c: string) => codeWord(c, lang);
  const name = regime.name[lang];
  say(`${name} — ${w('stateAsOf')} ${utc(state.asOf)}`);
  const r = state.regime;
  say(
    `${w('regime')} ${r.id} v${r.version}, ${w('hash')} ${r.hash.slice(0, 16)}…: ${r.inForce ? `${w('inForceSince')} ${utc(r.since)}` : w('notInForce')}`,
  );
  say(
    table(
      [w('PARTY'), w('SIGNATURE'), w('SIGNED')],
      r.signatures.map((s) => [
        s.party,
        (lang === 'en' ? s.status : st(s.status)) +
          (s.otherHashes
            ? lang === 'en'
              ? ` (also signed ${s.otherHashes.length} other hash${s.otherHashes.length > 1 ? 'es' : ''})`
              : ` (${w('alsoSigned')} ${s.otherHashes.length})`
            : ''),
        utc(s.at),
      ]),
    ),
  );
  const e = state.entries;
  say(
    `${w('entries')}: ${e.total} (${Object.entries(e.byParty)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}), ${w('lastCounted')} ${utc(e.lastCountedAt)}`,
  );

  say(`\n${w('commitments')}`);
  say(
    table(
      [w('COMMITMENT'), w('PARTY'), w('STATUS'), w('WHY')],
      state.commitments.map((c) => [
        c.commitment,
        c.party,
        st(c.status),
        renderMessage(c.reason, lang, paramNames(regime, lang)),
      ]),
    ),
  );

  say(`\n${w('limits')}`);
  say(
    table(
      [w('LIMIT'), w('PARTY'), w('ZONE'), w('DECLARED'), w('OBSERVED'), w('AT_MOST'), w('MARGIN'), w('STATUS')],
      state.limits.map((l) => [
        l.limit,
        l.party,
        l.zone ?? '—',
        l.declared +
          (l.coverage ? ` (assessed on ${l.coverage.assessed} of ${l.coverage.of} items)` : l.partial ? '*' : ''),
        l.observed ?? '—',
        l.atMost,
        l.margin,
        st(l.status),
      ]),
    ),
  );
  if (state.limits.some((l) => l.partial && !l.coverage)) say(`  ${w('partial')}`);
  if (state.limits.some((l) => l.status === 'not-assessable')) say(`  ${w('notAssessable')}`);

  say(`\n${w('holdings')}`);
  for (const h of state.holdings) {
    const d = h.declaration;
    // An escrowed declaration itemises nothing in the clear: it commits to totals per category, or per category and
    // status (each item has one status, so those add up to the items too).
    const totals = d?.escrow?.totals.filter((t) => t.attribute === undefined);
    const split = new Set(totals?.filter((t) => t.status !== undefined).map((t) => t.category));
    const committed = totals
      ?.filter((t) => (t.status !== undefined) === split.has(t.category))
      .reduce((sum, t) => sum + t.total, 0);
    const count =
      d && committed !== undefined ? `${committed} ${w('itemsCommitted')}` : `${d?.items ?? 0} ${w('items')}`;
    say(
      `  ${h.party}: ${d ? `${w('declarationAsOf')} ${d.asOf} (${code(d.form)}, ${count}${d.complete ? '' : `, ${w('incomplete')}`}), ${w('counted')} ${utc(d.countedAt)}; ${d.notifiedChanges} ${w('notifiedChangesSince')}` : w('noDeclaration')}`,
    );
    if (h.byCategory.length) {
      say(
        table(
          [w('CATEGORY'), w('DECLARED'), w('BY_STATUS')],
          h.byCategory.map((c) => [
            c.category,
            c.declared,
            Object.entries(c.byStatus ?? {})
              .map(([s, n]) => `${code(s)} ${n}`)
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
            i.confirmed ? `${i.confirmed} ${code('confirmed')}` : '',
            i.notFound ? `${i.notFound} ${code('NOT FOUND')}` : '',
            i.mismatched ? `${i.mismatched} ${code('MISMATCHED')}` : '',
            i.absent === true ? code('absent') : '',
            i.present ? `${i.present} ${code('PRESENT')}` : '',
            i.undeclared ? `${i.undeclared} ${code('UNDECLARED')}` : '',
          ]
            .filter(Boolean)
            .join(', ')} (${i.by}, ${utc(i.at).slice(0, 10)})`
        : '—';
      const observed = s.observed?.map((o) => `${o.by} ${o.quantity} (${utc(o.at).slice(0, 10)})`).join('; ') ?? '—';
      rows.push([`${w('site')} ${s.site}`, s.category, String(s.declared), inspected, observed]);
    }
    for (const z of h.byZone) {
      rows.push([
        `${w('zone')} ${z.zone}`,
        z.category,
        String(z.declared),
        '—',
        z.observed.map((o) => `${o.by} ${o.quantity} (${utc(o.at).slice(0, 10)})`).join('; ') || '—',
      ]);
    }
    for (const o of h.elsewhere) {
      rows.push([o.place, o.category, '—', '—', `${o.by} ${o.quantity} (${utc(o.at).slice(0, 10)})`]);
    }
    if (rows.length) {
      say(table([w('WHERE'), w('CATEGORY'), w('DECLARED'), w('INSPECTED'), w('OBSERVED')], rows, '    '));
    }
  }

  const n = state.notifications;
  say(`\n${w('notifications')}`);
  say(
    table(
      [
        w('RULE'),
        w('PARTY'),
        w('NOTIFIED'),
        w('ON_TIME'),
        w('LATE'),
        w('MISSING'),
        w('ACKS_DUE'),
        w('ACKED'),
        w('NOT_ACKED'),
      ],
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
        [w('COUNTED'), w('PARTY'), w('RULE'), w('KIND'), w('DUE'), w('STATUS'), w('ACK_EXPLAINED'), w('ENTRY')],
        n.items.map((i) => [
          utc(i.countedAt),
          i.party,
          i.rule,
          i.kind,
          utc(i.dueBy),
          st(i.status),
          [
            ...i.acknowledgements.map(
              (a) =>
                `${a.party} ${lang === 'en' ? a.status : st(a.status).toLowerCase()}${a.at ? ` ${utc(a.at)}` : ''}`,
            ),
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
    say(`\n  ${w('neededNotification')}`);
    say(
      table(
        [w('DUE'), w('PARTY'), w('RULE'), w('KIND'), w('STATUS'), w('WHAT'), w('SHOWN_BY')],
        n.missing.map((m) => [
          utc(m.dueBy),
          m.party,
          m.rule,
          m.kind,
          st(m.status),
          m.items ? m.items.map((x) => x.uid + (x.notifiedBy ? ' (notified)' : '')).join(', ') : 'activity',
          m.evidence.map(short).join(', '),
        ]),
      ),
    );
  }

  const ins = state.inspections;
  say(`\n${w('quotas')}`);
  say(
    table(
      [w('TYPE'), w('INSPECTOR_HOST'), w('PERIOD'), w('QUOTA'), w('USED'), w('LEFT'), w('SITES_CHOSEN')],
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
  // At a site on a third party's territory: its consent (when it counted) and its escort's countersignature.
  const hostNationNote = (h: (typeof ins.items)[number]['hostNation']) =>
    h
      ? ` (${w('hostNation')} ${h.party}: ${h.consented ? `${code('consented')} ${utc(h.consented)}` : code('no consent')}${
          h.countersigned === undefined ? '' : `, ${code(h.countersigned ? 'countersigned' : 'NOT countersigned')}`
        })`
      : '';
  if (ins.items.length) {
    say(`\n${w('inspections')}`);
    say(
      table(
        [w('ARRIVAL'), w('TYPE'), w('INSPECTOR_HOST'), w('SITE'), w('NOTICE'), w('QUOTA'), w('STATUS'), w('REPORT')],
        ins.items.map((i) => [
          utc(i.arrival),
          i.inspection,
          `${i.inspector} → ${i.host}`,
          i.site + (i.siteAllowed ? '' : ' (not selectable)') + hostNationNote(i.hostNation),
          code(i.notice),
          i.withinQuota ? (lang === 'en' ? 'within' : st('within').toLowerCase()) : code('EXCEEDED'),
          st(i.status),
          i.report
            ? [
                i.report.confirmed ? `${i.report.confirmed} ${code('confirmed')}` : '',
                i.report.notFound ? `${i.report.notFound} ${code('not found')}` : '',
                i.report.mismatched ? `${i.report.mismatched} ${code('mismatched')}` : '',
                i.report.absent.length ? `${code('absent')}: ${i.report.absent.join(', ')}` : '',
                i.report.present.length ? `${code('PRESENT')}: ${i.report.present.join(', ')}` : '',
                i.report.undeclared ? `${i.report.undeclared} ${code('undeclared')}` : '',
                code(i.report.countersigned ? 'countersigned' : 'NOT countersigned'),
              ]
                .filter(Boolean)
                .join('; ')
            : '—',
        ]),
      ),
    );
  }

  say(`\n${w('metrics')}`);
  for (const m of state.metrics) {
    say(
      `  ${m.metric} (${m.party}, ${w('zone')} ${m.zone}): ${st(m.status)} — ${w('atMost')} ${m.target} ${w('by')} ${m.deadline}, ${w('heldFor')} ${formatDuration(m.holdFor, lang)}`,
    );
    const facts = [
      m.firstMetAt ? `${w('firstMet')} ${utc(m.firstMetAt)}` : '',
      m.metSince ? `${w('metSince')} ${utc(m.metSince)}` : '',
      m.heldAt ? `${w('heldFrom')} ${utc(m.heldAt)}` : '',
      m.relapsedAt ? `${w('relapsed')} ${utc(m.relapsedAt)}` : '',
    ].filter(Boolean);
    if (facts.length) say(`    ${facts.join('; ')}`);
    const c = m.current;
    say(
      `    ${w('now')}: ${c.declared ? `${w('declaredLower')} ${c.declared.value}; ` : ''}${c.sources.map((s) => `${s.by} ${s.value} (${utc(s.at).slice(0, 10)})`).join(', ') || w('noObservations')}; ${c.verified ? `${w('verified')} ${c.value}` : w('notVerified')}`,
    );
    if (m.series.length) {
      say(
        table(
          [w('COUNTED'), w('SOURCE'), w('VALUE'), w('MET')],
          // Whether this observation is within the target: the metric's own status (above) also needs the other
          // sources and the holding period.
          m.series.map((p) => [utc(p.at), p.source, p.value, code(p.value <= m.target ? 'met' : 'not met')]),
          '    ',
        ),
      );
    }
  }

  const f = state.findings;
  say(
    `\n${w('findings')}: ${f.total} (${SEVERITY_ORDER.map((s) => `${f.bySeverity[s]} ${w(s)}`).join(', ')}); ${w('findingsListed')}`,
  );
  return `${out.join('\n')}\n`;
}

export function renderFindings(findings: readonly Finding[], asOf: string, lang: Lang, regime: Regime): string {
  const out: string[] = [];
  const names = paramNames(regime, lang);
  const w = words(lang);
  out.push(
    lang === 'en'
      ? `${findings.length} finding${findings.length === 1 ? '' : 's'} as of ${utc(asOf)}`
      : `${findings.length} ${plural(findings.length, ['замечание', 'замечания', 'замечаний'], 'ru')} ${w('asOfDate')} ${utc(asOf)}`,
  );
  for (const sev of SEVERITY_ORDER) {
    const n = findings.filter((f) => f.severity === sev).length;
    if (n) out.push(`  ${w(sev)}: ${n}`);
  }
  for (const f of findings) {
    out.push('');
    out.push(
      `${utc(f.at)}  ${w(f.severity).toUpperCase()}  ${lang === 'en' ? f.rule : `${ruleTitle(f.rule, lang)} [${f.rule}]`}  (${f.breaks.kind} ${f.breaks.id})  ${w('concerns')} ${f.party}`,
    );
    out.push(`  ${renderMessage(f.message, lang, names)}`);
    for (const r of f.refs) out.push(`  ↳ ${r.origin} #${r.index} ${w('leaf')} ${r.leafHash}`);
  }
  return `${out.join('\n')}\n`;
}
