/**
 * Inspection requests and reports. A report is written in the inspecting party's log and signed by its team (the
 * entry signature); the host's escort countersigns the report body (everything but the countersignature itself,
 * see countersign.ts). A report without a countersignature is a report the host did not endorse. At a site on
 * another party's territory, that host nation's escort countersigns the same bytes too.
 */
import { z } from 'zod';
import { Count, Id, Signature, Status, Timestamp, Uid } from '../common.js';
import { ConfigurationValue } from '../regime/inspections.js';
import { Text } from '../regime/text.js';
import { BlobRef, EntryRef } from './refs.js';

export const InspectionRequestBody = z.strictObject({
  inspection: Id,
  host: Id,
  site: Id,
  /** Planned arrival; the regime's notice period runs back from it. */
  arrival: Timestamp,
  inspectors: z.int().positive().optional(),
  /** The joint random draw that chose the site, when the inspection type selects sites by draw. */
  draw: EntryRef.optional(),
});
export type InspectionRequestBody = z.infer<typeof InspectionRequestBody>;

/**
 * The host refuses an inspection request (signed by the host's declarant). A refused request consumes none of the
 * inspector's quota; refusing a request that was due is the host's finding (`inspection.refused`).
 */
export const InspectionRefusalBody = z.strictObject({
  request: EntryRef,
  reason: Text.optional(),
});
export type InspectionRefusalBody = z.infer<typeof InspectionRefusalBody>;

export const Finding = z.discriminatedUnion('kind', [
  /** A declared item looked for by unique identifier. */
  z.strictObject({
    kind: z.literal('item'),
    uid: Uid,
    category: Id,
    result: z.enum(['confirmed', 'not-found', 'mismatch']),
    observedStatus: Status.optional(),
    observedAttributes: z.record(Id, Count).optional(),
    note: Text.optional(),
  }),
  /** A category whose absence at the site was verified. */
  z.strictObject({
    kind: z.literal('absence'),
    category: Id,
    /** The agreed type looked for, where the inspection type verifies the absence of types. */
    type: Id.optional(),
    result: z.enum(['absent', 'present']),
    count: Count.optional(),
    note: Text.optional(),
  }),
  /** Items found that no declaration lists. */
  z.strictObject({ kind: z.literal('undeclared'), category: Id, count: z.int().positive(), note: Text.optional() }),
  /** An attribute of the site's configuration as the inspectors saw it (the type's `configuration` verification). */
  z.strictObject({
    kind: z.literal('configuration'),
    attribute: Id,
    observed: ConfigurationValue,
    note: Text.optional(),
  }),
  z.strictObject({ kind: z.literal('remark'), note: Text }),
]);
export type Finding = z.infer<typeof Finding>;

export const Countersignature = z.strictObject({ key: Id, sig: Signature });
export type Countersignature = z.infer<typeof Countersignature>;

export const InspectionReportBody = z.strictObject({
  request: EntryRef,
  inspection: Id,
  host: Id,
  site: Id,
  start: Timestamp,
  end: Timestamp,
  findings: z.array(Finding).min(1, { error: 'expected at least one finding' }),
  evidence: z.array(BlobRef).optional(),
  /** The escort's comments, covered by the countersignature. */
  hostComments: Text.optional(),
  countersignature: Countersignature.optional(),
  /**
   * At a site with a host nation (the regime's `sites[].hostNation`), its escort's countersignature, beside the
   * host's: by an inspector key of the host nation, over the same bytes (countersign.ts).
   */
  hostNationCountersignature: Countersignature.optional(),
});
export type InspectionReportBody = z.infer<typeof InspectionReportBody>;
