/**
 * The engine's state and findings, as the node serves them (GET /api/state and /api/findings, canonical JSON): the
 * types are the engine's own (src/engine), imported as types only. These helpers pick out what one view needs, and
 * tolerate a missing state (a node without the engine, or still loading): every view renders the regime's terms then.
 */
import type { ComplianceState } from '../../src/engine/engine.js';
import type { Finding as EngineFinding, Severity } from '../../src/engine/findings.js';

export type { ComplianceState, Severity };
export type Finding = EngineFinding;
export type LimitState = ComplianceState['limits'][number];
export type CommitmentState = ComplianceState['commitments'][number];
export type NotificationItem = ComplianceState['notifications']['items'][number];
export type MissingNotification = ComplianceState['notifications']['missing'][number];
export type QuotaState = ComplianceState['inspections']['quotas'][number];
export type InspectionItem = ComplianceState['inspections']['items'][number];
export type MetricState = ComplianceState['metrics'][number];
export type PartyHoldings = ComplianceState['holdings'][number];
export type SiteHolding = PartyHoldings['bySite'][number];
export interface Ref {
  origin: string;
  index: number;
  leafHash: string;
}

/** The engine's state, when the answer looks like one (else undefined: the views show the regime only). */
export function asState(v: unknown): ComplianceState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Partial<ComplianceState>;
  return Array.isArray(s.limits) && Array.isArray(s.commitments) && s.notifications && s.inspections
    ? (s as ComplianceState)
    : undefined;
}

export const limitRow = (s: ComplianceState | undefined, limit: string, party: string): LimitState | undefined =>
  s?.limits.find((r) => r.limit === limit && r.party === party);

export const commitmentRow = (s: ComplianceState | undefined, id: string): CommitmentState | undefined =>
  s?.commitments.find((c) => c.commitment === id);

/** The quota row in force as of the state (the engine gives the current period's). */
export const quotaRow = (
  s: ComplianceState | undefined,
  inspection: string,
  inspector: string,
  host: string,
): QuotaState | undefined =>
  s?.inspections.quotas.find((q) => q.inspection === inspection && q.inspector === inspector && q.host === host);

export const metricRow = (s: ComplianceState | undefined, id: string): MetricState | undefined =>
  s?.metrics.find((m) => m.metric === id);

/** What the engine holds about one site: declared, inspected and observed counts per category. */
export function siteRows(s: ComplianceState | undefined, site: string): (SiteHolding & { party: string })[] {
  return (s?.holdings ?? []).flatMap((h) =>
    h.bySite.filter((r) => r.site === site).map((r) => ({ ...r, party: h.party })),
  );
}

/** Inspections requested at one site. */
export const siteInspections = (s: ComplianceState | undefined, site: string): InspectionItem[] =>
  s?.inspections.items.filter((i) => i.site === site) ?? [];

/** Findings at a site: the engine names the site of every finding whose rule knows it (Finding.site). */
export function siteFindings(findings: Finding[] | undefined, site: string): Finding[] {
  return (findings ?? []).filter((f) => f.site === site);
}

const RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };

export type SiteTone = 'bad' | 'warn' | 'good' | 'unknown';
/** What a site's status is, as a code the views translate: its worst finding's severity, else what was done there. */
export type SiteStatusCode =
  | 'critical'
  | 'major'
  | 'minor'
  | 'info'
  | 'inspection-requested'
  | 'inspected'
  | 'declared';

/** The status of a site on the map: the worst finding that concerns it, else what was inspected or declared there. */
export function siteStatus(
  s: ComplianceState | undefined,
  findings: Finding[] | undefined,
  site: string,
): { status: SiteStatusCode | undefined; tone: SiteTone; finding?: Finding } {
  if (!s) return { status: undefined, tone: 'unknown' };
  const worst = siteFindings(findings, site).sort((a, b) => RANK[a.severity] - RANK[b.severity])[0];
  if (worst)
    return {
      status: worst.severity,
      tone: worst.severity === 'critical' || worst.severity === 'major' ? 'bad' : 'warn',
      finding: worst,
    };
  const inspections = siteInspections(s, site);
  if (inspections.some((i) => i.status === 'requested')) return { status: 'inspection-requested', tone: 'warn' };
  if (inspections.some((i) => i.status === 'conducted')) return { status: 'inspected', tone: 'good' };
  if (siteRows(s, site).some((r) => r.declared > 0)) return { status: 'declared', tone: 'good' };
  return { status: undefined, tone: 'unknown' };
}

/** Deadlines a person must watch: notifications due, acknowledgements and explanations awaited or missed. */
export interface Deadline {
  key: string;
  what: 'notification' | 'acknowledgement' | 'explanation';
  rule: string;
  party: string;
  dueBy: string;
  status: string;
  /** Missed (the engine says so), or awaited past its time: not done, and late. */
  overdue: boolean;
  /** When it was done, if it was (a late item is late by doneAt − dueBy, a figure that no longer grows). */
  doneAt?: string;
  ref?: Ref;
  /** Who may see what it rests on beyond `ref` (a change never notified, shown by entries sealed to them). */
  audience?: string[];
}

export function deadlines(s: ComplianceState | undefined): Deadline[] {
  if (!s) return [];
  const asOf = Date.parse(s.asOf);
  const out: Deadline[] = [];
  for (const n of s.notifications.items) {
    const key = `${n.ref.origin}#${n.ref.index}`;
    // A concern's own deadline is its explanation's (below); some notifications have none.
    if (n.dueBy && (n.status === 'on-time' || n.status === 'late'))
      out.push({
        key,
        what: 'notification',
        rule: n.rule,
        party: n.party,
        dueBy: n.dueBy,
        status: n.status,
        overdue: false,
        doneAt: n.countedAt,
        ref: n.ref,
      });
    for (const a of n.acknowledgements)
      out.push({
        key: `${key}/ack/${a.party}`,
        what: 'acknowledgement',
        rule: n.rule,
        party: a.party,
        dueBy: a.dueBy,
        status: a.status,
        overdue: a.status === 'missing' || (a.status === 'awaiting' && Date.parse(a.dueBy) < asOf),
        ...(a.at ? { doneAt: a.at } : {}),
        ref: a.ref ?? n.ref,
      });
    if (n.explanation)
      out.push({
        key: `${key}/explanation`,
        what: 'explanation',
        rule: n.rule,
        party: n.explanation.by,
        dueBy: n.explanation.dueBy,
        status: n.explanation.status,
        overdue:
          n.explanation.status === 'missing' ||
          (n.explanation.status === 'awaiting' && Date.parse(n.explanation.dueBy) < asOf),
        ...(n.explanation.at ? { doneAt: n.explanation.at } : {}),
        ref: n.explanation.ref ?? n.ref,
      });
  }
  for (const [i, m] of s.notifications.missing.entries())
    out.push({
      key: `missing/${i}`,
      what: 'notification',
      rule: m.rule,
      party: m.party,
      dueBy: m.dueBy,
      status: m.status,
      overdue: m.status === 'missing' || (m.status === 'awaiting' && Date.parse(m.dueBy) < asOf),
      ref: m.notifiedBy ?? m.evidence[0],
      ...(m.audience ? { audience: m.audience } : {}),
    });
  return out.sort((a, b) => (a.dueBy < b.dueBy ? -1 : a.dueBy > b.dueBy ? 1 : 0));
}

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'major', 'minor', 'info'];
