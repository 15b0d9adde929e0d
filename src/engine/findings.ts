/**
 * Findings: every deviation the engine sees, with its severity, the rule it breaks (the engine's rule id and the
 * regime element it concerns), the party it is charged to, when it took effect, a message in English and Russian,
 * and references (log origin, index, leaf hash) to the entries that show it. Anyone can fetch those entries and
 * their inclusion proofs and check the finding without trusting the node that printed it.
 */
import { iso } from './time.js';
import { byString, type EntryRef, refKey, sortRefs, type Text } from './types.js';

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The regime element a finding is about. */
export interface Subject {
  kind: 'regime' | 'limit' | 'notification' | 'inspection' | 'commitment' | 'metric' | 'entry';
  id: string;
}

export interface Finding {
  /** Stable across runs and machines: the rule and what the finding is about. */
  id: string;
  /** The engine's rule (see RULES). */
  rule: RuleId;
  severity: Severity;
  /** The party the deviation is charged to. */
  party: string;
  /** When it took effect (UTC). */
  at: string;
  breaks: Subject;
  /**
   * The site it happened at (a regime site id), when the rule knows it: an inspection's or a report's site, a site
   * an escrow opening opened, a notified movement's destination or status change's site. Absent otherwise (limits,
   * metrics, regime signatures), so that the map need not guess from messages.
   */
  site?: string;
  message: Text;
  refs: EntryRef[];
}

/** Every rule the engine checks, with its severity and what it means. */
export const RULES = {
  'log.equivocation': {
    severity: 'critical',
    en: "a party's log signed two trees that cannot both be true; it is folded only up to where they part",
  },
  'regime.signature-mismatch': {
    severity: 'minor',
    en: 'a party signed a regime hash other than this regime',
  },
  'entry.wrong-log': { severity: 'major', en: "an entry speaks for a party other than its log's" },
  'entry.unresolved-reference': { severity: 'minor', en: 'an entry refers to an entry the engine does not hold' },
  'entry.invalid-reference': { severity: 'minor', en: 'an entry refers to an entry of the wrong type or party' },
  'declaration.incomplete': { severity: 'minor', en: "a declaration's further items (blobs) could not be read" },
  'limit.exceeded': { severity: 'critical', en: 'a binding limit is exceeded by what the party declared' },
  'limit.exceeded-observed': { severity: 'critical', en: 'observations or inspections show a binding limit exceeded' },
  'commitment.invalid-withdrawal': { severity: 'minor', en: 'a withdrawal names no current acceptance' },
  'notification.late': { severity: 'minor', en: 'a notification was made after its deadline' },
  'notification.missing': {
    severity: 'major',
    en: 'an observation or a later declaration shows a change that was never notified',
  },
  'notification.unknown-item': { severity: 'minor', en: 'a notification names an item never declared' },
  'notification.explanation-late': { severity: 'minor', en: 'an explanation of a concern came after its deadline' },
  'notification.explanation-missing': { severity: 'major', en: 'a concern was not explained by its deadline' },
  'acknowledgement.late': { severity: 'minor', en: 'a notification was acknowledged after the deadline' },
  'acknowledgement.missing': { severity: 'minor', en: 'a notification was not acknowledged by the deadline' },
  'inspection.short-notice': { severity: 'minor', en: 'an inspection was requested with less than the notice' },
  'inspection.quota-exceeded': { severity: 'minor', en: 'an inspection request exceeds the quota for its period' },
  'inspection.site-not-selected': {
    severity: 'minor',
    en: 'an inspection request names a site beyond the sites the inspector may select',
  },
  'inspection.not-conducted': { severity: 'major', en: 'a due inspection was requested and no report followed' },
  'inspection.report-mismatch': { severity: 'minor', en: 'a report does not match its request' },
  'inspection.not-countersigned': { severity: 'minor', en: "the host's escort did not countersign the report" },
  'inspection.overran': { severity: 'minor', en: 'an inspection lasted longer than allowed' },
  'inspection.item-not-found': { severity: 'major', en: 'a declared item was not found where declared' },
  'inspection.item-mismatch': { severity: 'major', en: 'an inspected item differs from its declaration' },
  'inspection.absence-not-confirmed': {
    severity: 'critical',
    en: 'items whose absence was to be verified are present',
  },
  'inspection.undeclared-items': { severity: 'critical', en: 'inspectors found items no declaration lists' },
  'inspection.site-not-drawn': {
    severity: 'minor',
    en: 'an inspection request names a joint draw that did not select its site',
  },
  'escrow.duplicate-commitment': {
    severity: 'major',
    en: 'a second escrowed declaration for the same period (the first stands)',
  },
  'escrow.invalid-opening': {
    severity: 'major',
    en: 'an opening (or escrowed declaration) that does not verify against its commitment',
  },
  'escrow.declared-not-found': {
    severity: 'major',
    en: 'an item opened at a site was not found there by the inspectors',
  },
  'escrow.found-not-declared': {
    severity: 'critical',
    en: "inspectors found an item that the host's opening of the site does not list",
  },
  'escrow.phase-not-opened': {
    severity: 'major',
    en: 'a region the regime schedules for disclosure was not opened in full by its date',
  },
  'draw.not-a-party': { severity: 'info', en: 'a party outside a joint draw took part in it' },
  'draw.commit-late': { severity: 'minor', en: 'a random commitment was recorded after the commit deadline' },
  'draw.commit-duplicate': { severity: 'minor', en: 'a second random commitment for the same draw (ignored)' },
  'draw.commit-missing': { severity: 'major', en: 'a party did not commit to a random value in time' },
  'draw.reveal-invalid': { severity: 'major', en: 'a revealed value does not match its commitment' },
  'draw.reveal-late': { severity: 'major', en: 'a random value was revealed after the reveal deadline' },
  'draw.reveal-missing': { severity: 'major', en: 'a party did not reveal its random value in time' },
  'metric.deadline-missed': { severity: 'major', en: 'a de-escalation metric was not met by its deadline' },
  'metric.relapsed': { severity: 'major', en: 'a de-escalation metric that had been met is no longer met' },
  'metric.declaration-contradicted': {
    severity: 'major',
    en: "independent observations contradict the party's declared value",
  },
  'metric.sources-disagree': { severity: 'info', en: 'the independent sources of a metric disagree' },
} as const satisfies Record<string, { severity: Severity; en: string }>;

export type RuleId = keyof typeof RULES;

export interface FindingInput {
  rule: RuleId;
  /** Distinguishes findings of one rule: usually the key of the entry that shows it. */
  key: string;
  party: string;
  at: number;
  breaks: Subject;
  site?: string | undefined;
  message: Text;
  refs: readonly EntryRef[];
  severity?: Severity;
}

export function finding(f: FindingInput): Finding {
  return {
    id: `${f.rule}/${f.key}`,
    rule: f.rule,
    severity: f.severity ?? RULES[f.rule].severity,
    party: f.party,
    at: iso(f.at),
    breaks: f.breaks,
    ...(f.site !== undefined ? { site: f.site } : {}),
    message: f.message,
    refs: sortRefs(f.refs),
  };
}

/** Canonical order: time, then id. */
export function sortFindings(list: Finding[]): Finding[] {
  return list.sort((a, b) => byString(a.at, b.at) || byString(a.id, b.id));
}

/** `origin#index` of a reference, for finding keys. */
export const keyOf = (r: EntryRef) => refKey(r);
