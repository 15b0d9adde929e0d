/**
 * The host's time limits on an inspection (VD11 Ch. IX, an inspection type's `timeLimits`): the reply to a request,
 * and entry of the inspectors, each counted from when the request counts (its receipt, proven by the host's
 * cosignature). The time on site is the type's `duration` (`inspection.overran`, inspections.ts).
 *
 * Both are the host's findings: a refusal after the reply limit (`inspection.reply-late`), and inspectors let in
 * after the entry limit and after the arrival the inspectors asked for (`inspection.entry-late`; an inspector who
 * asked to arrive later has no complaint).
 */
import type { InspectionType } from '../model/index.js';
import { type FindingInput, keyOf } from './findings.js';
import { msg } from './messages.js';
import { iso, plus } from './time.js';
import type { EntryRef } from './types.js';

/** What the time limits need of a request. */
export interface TimedRequest {
  ref: EntryRef;
  type: InspectionType;
  inspector: string;
  host: string;
  site: string;
  /** When the request counts. */
  countedAt: number;
  /** The arrival it asked for. */
  arrival: number;
}

/** A refusal counted at `at`, later than the type's reply limit allows: the host's finding. */
export function replyLate(r: TimedRequest, refusal: EntryRef, at: number): FindingInput | undefined {
  const limit = r.type.timeLimits?.reply;
  if (limit === undefined) return undefined;
  const due = plus(r.countedAt, limit);
  // VD11 Ch. IX: a reply "within 24 hours" of the request; a refusal at exactly 24 h is on time.
  if (at <= due) return undefined;
  return {
    rule: 'inspection.reply-late',
    key: keyOf(refusal),
    party: r.host,
    at,
    breaks: { kind: 'inspection', id: r.type.id },
    site: r.site,
    message: msg('inspection.reply-late', {
      host: r.host,
      inspector: r.inspector,
      type: r.type.id,
      site: r.site,
      late: at - due,
      limit,
    }),
    refs: [r.ref, refusal],
  };
}

/** A report whose inspection started at `start`, later than the type's entry limit allows: the host's finding. */
export function entryLate(r: TimedRequest, report: EntryRef, start: number, at: number): FindingInput | undefined {
  const limit = r.type.timeLimits?.entry;
  if (limit === undefined) return undefined;
  const due = Math.max(plus(r.countedAt, limit), r.arrival);
  // VD11 Ch. IX: inspectors in "within 36 hours" of the request; at exactly 36 h is on time.
  if (start <= due) return undefined;
  return {
    rule: 'inspection.entry-late',
    key: keyOf(report),
    party: r.host,
    at,
    breaks: { kind: 'inspection', id: r.type.id },
    site: r.site,
    message: msg('inspection.entry-late', {
      host: r.host,
      inspector: r.inspector,
      type: r.type.id,
      site: r.site,
      start: iso(start),
      late: start - due,
      limit,
    }),
    refs: [r.ref, report],
  };
}
