/**
 * What a person reads about a finding or a commitment's status, as the engine says it: a message code and typed
 * parameters, never a sentence. Each language renders the code from its catalogue (src/i18n), so the engine's output
 * is the same bytes whatever the reader's language, and a new language needs no change here.
 *
 * Parameters are identifiers (parties, sites, rules, items), numbers, instants as RFC 3339 strings, durations as
 * ISO 8601 strings or milliseconds, lists of those, or nested messages (a commitment's unmet conditions).
 */

/** Every message the engine can say. The catalogue of each language must have all of them (the type checks it). */
export const MESSAGE_CODES = [
  'log.equivocation',
  'regime.signature-mismatch',
  'entry.wrong-log',
  'entry.wrong-log.no-party',
  'entry.unresolved-reference',
  'entry.invalid-reference.opening',
  'entry.invalid-reference.explanation',
  'entry.invalid-reference.acknowledgement',
  'entry.invalid-reference.reveal',
  'entry.invalid-reference.refusal',
  'declaration.incomplete',
  'confidential.undecryptable',
  'confidential.false-complaint',
  'confidential.audience-widened',
  'limit.exceeded',
  'limit.exceeded.in-zone',
  'limit.exceeded-observed',
  'limit.exceeded-observed.in-zone',
  'commitment.invalid-withdrawal',
  'notification.late',
  'notification.snap-late',
  'notification.missing',
  'notification.missing.activity',
  'notification.unknown-item',
  'notification.explanation-late',
  'notification.explanation-missing',
  'acknowledgement.late',
  'acknowledgement.missing',
  'inspection.short-notice',
  'inspection.quota-exceeded',
  'inspection.quota-exceeded.host',
  'inspection.site-not-selected',
  'inspection.site-not-selected.no-draw',
  'inspection.not-conducted',
  'inspection.refused',
  'inspection.report-mismatch',
  'inspection.not-countersigned',
  'inspection.not-countersigned.host-nation',
  'inspection.consent-missing',
  'inspection.overran',
  'inspection.reply-late',
  'inspection.entry-late',
  'inspection.item-not-found',
  'inspection.item-mismatch',
  'inspection.absence-not-confirmed',
  'inspection.undeclared-items',
  'inspection.configuration-not-confirmed',
  'inspection.site-not-drawn',
  'inspection.site-not-drawn.selected',
  'escrow.duplicate-commitment',
  'escrow.invalid-opening.declaration',
  'escrow.invalid-opening',
  'escrow.declared-not-found',
  'escrow.found-not-declared',
  'escrow.phase-not-opened',
  'escrow.phase-not-opened.late',
  'draw.not-a-party',
  'draw.commit-late',
  'draw.commit-duplicate',
  'draw.commit-missing',
  'draw.reveal-invalid',
  'draw.reveal-late',
  'draw.reveal-missing',
  'metric.deadline-missed',
  'metric.relapsed',
  'metric.relapsed.value',
  'metric.declaration-contradicted',
  'metric.sources-disagree',
  'periodic.missing',
  'periodic.late',
  'observation.not-invited',
  'calendar.not-listed',
  'constraint.exceeded',
  'constraint.exceeded.more-than',
  'commitment.withdrawn',
  'commitment.proposed',
  'commitment.awaiting',
  'commitment.breached',
  'commitment.breached.withdrawing',
  'commitment.in-force',
  'commitment.in-force.withdrawing',
  'condition.regime-in-force',
  'condition.accepted',
  'condition.in-force',
  'condition.metric-met',
  'condition.date',
  'incident.indicators',
  'incident.indicators.at',
  'incident.question',
  'incident.question.at',
  'consultation.stage-missed',
  'consultation.stage-late',
  'consultation.sessions-missing',
  'consultation.out-of-order.unknown',
  'consultation.out-of-order.closed',
  'consultation.out-of-order.followed',
  'consultation.out-of-order.not-a-side',
  'consultation.out-of-order.order',
  'mission.objection-late',
  'mission.arrival-notice-short',
  'mission.refused',
  'mission.step-misplaced.unknown',
  'mission.step-misplaced.side',
  'mission.step-misplaced.closed',
  'mission.step-misplaced.no-rules',
  'mission.step-misplaced.consent',
] as const;

export type MessageCode = (typeof MESSAGE_CODES)[number];

export type MessageScalar = string | number;
export type MessageParam = MessageScalar | Message | readonly (MessageScalar | Message)[];

export interface Message {
  code: MessageCode;
  params: { readonly [name: string]: MessageParam };
}

/** A message: its code and parameters (undefined parameters are left out, so the JSON stays canonical). */
export function msg(code: MessageCode, params: Record<string, MessageParam | undefined> = {}): Message {
  const out: Record<string, MessageParam> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return { code, params: out };
}

/** How many identifiers a message lists at most (with the count of all of them beside it). */
export const LISTED = 6;
