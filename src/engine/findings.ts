/**
 * Findings: every deviation the engine sees, with its severity, the rule it breaks (the engine's rule id and the
 * regime element it concerns), the party it is charged to, when it took effect, a message (a code and parameters
 * that each language's catalogue renders, src/i18n), and references (log origin, index, leaf hash) to the entries that show it. Anyone can fetch those entries and
 * their inclusion proofs and check the finding without trusting the node that printed it.
 */

import type { Message } from './messages.js';
import { iso } from './time.js';
import { byString, type EntryRef, refKey, sortRefs } from './types.js';

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The regime element a finding is about. */
export interface Subject {
  kind:
    | 'regime'
    | 'limit'
    | 'notification'
    | 'inspection'
    | 'commitment'
    | 'metric'
    | 'periodic'
    | 'entry'
    | 'consultation';
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
  message: Message;
  refs: EntryRef[];
  /** The parties who can see the evidence, when it rests on sealed entries (confidential.ts); absent: public. */
  audience?: string[];
  /**
   * Entries the finding rests on without citing them (the opening that placed an item an observation shows moved):
   * they give it their audience when sealed. The engine's own: removed before it answers (confidential.ts).
   */
  restsOn?: EntryRef[];
}

/** Every rule the engine checks, with its severity (titles and explanations are in the catalogue, src/i18n). */
export const RULES = {
  'log.equivocation': { severity: 'critical' },
  'regime.signature-mismatch': { severity: 'minor' },
  'entry.wrong-log': { severity: 'major' },
  'entry.unresolved-reference': { severity: 'minor' },
  'entry.invalid-reference': { severity: 'minor' },
  'declaration.incomplete': { severity: 'minor' },
  'confidential.undecryptable': { severity: 'major' },
  'confidential.false-complaint': { severity: 'minor' },
  'confidential.audience-widened': { severity: 'major' },
  'limit.exceeded': { severity: 'critical' },
  'limit.exceeded-observed': { severity: 'critical' },
  'commitment.invalid-withdrawal': { severity: 'minor' },
  'notification.late': { severity: 'minor' },
  'notification.snap-late': { severity: 'minor' },
  'notification.missing': { severity: 'major' },
  'notification.unknown-item': { severity: 'minor' },
  'notification.explanation-late': { severity: 'minor' },
  'notification.explanation-missing': { severity: 'major' },
  'acknowledgement.late': { severity: 'minor' },
  'acknowledgement.missing': { severity: 'minor' },
  'inspection.short-notice': { severity: 'minor' },
  'inspection.quota-exceeded': { severity: 'minor' },
  'inspection.site-not-selected': { severity: 'minor' },
  'inspection.not-conducted': { severity: 'major' },
  'inspection.refused': { severity: 'major' },
  'inspection.report-mismatch': { severity: 'minor' },
  'inspection.not-countersigned': { severity: 'minor' },
  'inspection.consent-missing': { severity: 'major' },
  'inspection.overran': { severity: 'minor' },
  'inspection.reply-late': { severity: 'minor' },
  'inspection.entry-late': { severity: 'major' },
  'inspection.item-not-found': { severity: 'major' },
  'inspection.item-mismatch': { severity: 'major' },
  'inspection.absence-not-confirmed': { severity: 'critical' },
  'inspection.undeclared-items': { severity: 'critical' },
  'inspection.configuration-not-confirmed': { severity: 'major' },
  'inspection.site-not-drawn': { severity: 'minor' },
  'escrow.duplicate-commitment': { severity: 'major' },
  'escrow.invalid-opening': { severity: 'major' },
  'escrow.declared-not-found': { severity: 'major' },
  'escrow.found-not-declared': { severity: 'critical' },
  'escrow.phase-not-opened': { severity: 'major' },
  'draw.not-a-party': { severity: 'info' },
  'draw.commit-late': { severity: 'minor' },
  'draw.commit-duplicate': { severity: 'minor' },
  'draw.commit-missing': { severity: 'major' },
  'draw.reveal-invalid': { severity: 'major' },
  'draw.reveal-late': { severity: 'major' },
  'draw.reveal-missing': { severity: 'major' },
  'metric.deadline-missed': { severity: 'major' },
  'metric.relapsed': { severity: 'major' },
  'metric.declaration-contradicted': { severity: 'major' },
  'metric.sources-disagree': { severity: 'info' },
  'periodic.missing': { severity: 'major' },
  'periodic.late': { severity: 'minor' },
  'observation.not-invited': { severity: 'minor' },
  'calendar.not-listed': { severity: 'minor' },
  'constraint.exceeded': { severity: 'major' },
  'consultation.stage-missed': { severity: 'major' },
  'consultation.stage-late': { severity: 'minor' },
  'consultation.sessions-missing': { severity: 'major' },
  'consultation.out-of-order': { severity: 'minor' },
  'mission.objection-late': { severity: 'minor' },
  'mission.arrival-notice-short': { severity: 'minor' },
  'mission.refused': { severity: 'major' },
  'mission.step-misplaced': { severity: 'minor' },
} as const satisfies Record<string, { severity: Severity }>;

export type RuleId = keyof typeof RULES;

export interface FindingInput {
  rule: RuleId;
  /** Distinguishes findings of one rule: usually the key of the entry that shows it. */
  key: string;
  party: string;
  at: number;
  breaks: Subject;
  site?: string | undefined;
  message: Message;
  refs: readonly EntryRef[];
  /** Entries it rests on without citing them (Finding.restsOn). */
  restsOn?: readonly EntryRef[] | undefined;
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
    ...(f.restsOn?.length ? { restsOn: [...f.restsOn] } : {}),
  };
}

/** Canonical order: time, then id. */
export function sortFindings(list: Finding[]): Finding[] {
  return list.sort((a, b) => byString(a.at, b.at) || byString(a.id, b.id));
}

/** `origin#index` of a reference, for finding keys. */
export const keyOf = (r: EntryRef) => refKey(r);
