/**
 * Every entry type: its body schema, the envelope it travels in, and the role its signing key must hold.
 *
 * The envelope is `{v, type, party, key, issuedAt, body, refs}`: version 1, the entry type (which fixes the body's
 * schema), the party speaking, the id of the party's key that signs (as listed in the regime), when the author
 * says it was issued (deadlines count from the counterpart's cosignature, not from this), the body, and references
 * to other entries that the entry relies on, beyond those its body names.
 */
import { z } from 'zod';
import { Id, Timestamp } from '../common.js';
import type { Role } from '../regime/parties.js';
import { AssessmentBody } from './assessment.js';
import { CommitmentAcceptedBody, CommitmentWithdrawnBody } from './commitment.js';
import { AudienceKeyBody, ComplaintBody, SealedBody } from './confidential.js';
import { ConsultationBody } from './consultation.js';
import { DeclarationBody, DeclarationOpeningBody } from './declaration.js';
import { InspectionRefusalBody, InspectionReportBody, InspectionRequestBody } from './inspection.js';
import { MissionBody } from './mission.js';
import { AcknowledgementBody, NotificationBody } from './notification.js';
import { ObservationBody } from './observation.js';
import { ProposalBody } from './proposal.js';
import { RandomCommitBody, RandomRevealBody } from './random.js';
import { EntryRef } from './refs.js';
import { RegimeSignatureBody } from './regime-signature.js';

export * from './assessment.js';
export * from './commitment.js';
export * from './confidential.js';
export * from './consultation.js';
export * from './declaration.js';
export * from './inspection.js';
export * from './mission.js';
export * from './notification.js';
export * from './observation.js';
export * from './proposal.js';
export * from './random.js';
export * from './refs.js';
export * from './regime-signature.js';

export const ENVELOPE_VERSION = 1;

function envelopeOf<T extends string, B extends z.ZodType>(type: T, body: B) {
  return z.strictObject({
    v: z.literal(ENVELOPE_VERSION, { error: `expected envelope version ${ENVELOPE_VERSION}` }),
    type: z.literal(type),
    party: Id,
    key: Id,
    issuedAt: Timestamp,
    body,
    refs: z.array(EntryRef),
  });
}

/** The signed envelope, a discriminated union on `type`. */
export const Envelope = z.discriminatedUnion('type', [
  envelopeOf('regime-signature', RegimeSignatureBody),
  envelopeOf('declaration', DeclarationBody),
  envelopeOf('declaration-opening', DeclarationOpeningBody),
  envelopeOf('notification', NotificationBody),
  envelopeOf('acknowledgement', AcknowledgementBody),
  envelopeOf('inspection-request', InspectionRequestBody),
  envelopeOf('inspection-report', InspectionReportBody),
  envelopeOf('inspection-refusal', InspectionRefusalBody),
  envelopeOf('observation', ObservationBody),
  envelopeOf('commitment-accepted', CommitmentAcceptedBody),
  envelopeOf('commitment-withdrawn', CommitmentWithdrawnBody),
  envelopeOf('random-commit', RandomCommitBody),
  envelopeOf('random-reveal', RandomRevealBody),
  envelopeOf('assessment', AssessmentBody),
  envelopeOf('consultation', ConsultationBody),
  envelopeOf('mission', MissionBody),
  envelopeOf('proposal', ProposalBody),
  envelopeOf('audience-key', AudienceKeyBody),
  envelopeOf('sealed', SealedBody),
  envelopeOf('complaint', ComplaintBody),
]);
export type Envelope = z.infer<typeof Envelope>;
export type EntryType = Envelope['type'];
/** The body of an entry of type T (or of any type). */
export type EntryBody<T extends EntryType = EntryType> = Extract<Envelope, { type: T }>['body'];
/** An envelope of type T. */
export type EnvelopeOf<T extends EntryType> = Extract<Envelope, { type: T }>;

/** The role a key needs to sign each entry type (a sealed entry: that of the type it seals, `entryRole`). */
export const ENTRY_ROLE: Readonly<Record<EntryType, Role>> = {
  'regime-signature': 'declarant',
  declaration: 'declarant',
  'declaration-opening': 'declarant',
  notification: 'declarant',
  acknowledgement: 'declarant',
  'commitment-accepted': 'declarant',
  'commitment-withdrawn': 'declarant',
  'random-commit': 'declarant',
  'random-reveal': 'declarant',
  assessment: 'declarant',
  consultation: 'declarant',
  mission: 'inspector',
  proposal: 'declarant',
  'inspection-request': 'inspector',
  'inspection-report': 'inspector',
  'inspection-refusal': 'declarant',
  observation: 'inspector',
  'audience-key': 'declarant',
  sealed: 'declarant',
  complaint: 'declarant',
};

/** The role an entry's key needs: a sealed entry's is that of the type it seals. */
export function entryRole(envelope: Envelope): Role {
  return envelope.type === 'sealed' ? ENTRY_ROLE[envelope.body.type] : ENTRY_ROLE[envelope.type];
}

export const ENTRY_TYPES = Object.keys(ENTRY_ROLE) as EntryType[];

/** Every reference an entry makes, envelope and body, with its path. */
export function entryRefs(envelope: Envelope): { path: (string | number)[]; ref: EntryRef }[] {
  const out = envelope.refs.map((ref, i) => ({ path: ['refs', i], ref }));
  const add = (field: string, ref: EntryRef | undefined) => {
    if (ref) out.push({ path: ['body', field], ref });
  };
  switch (envelope.type) {
    case 'declaration-opening':
      add('declaration', envelope.body.declaration);
      break;
    case 'notification':
      if (envelope.body.kind === 'explanation') add('concern', envelope.body.concern);
      break;
    case 'acknowledgement':
      add('notification', envelope.body.notification);
      break;
    case 'inspection-request':
      add('draw', envelope.body.draw);
      break;
    case 'inspection-report':
    case 'inspection-refusal':
      add('request', envelope.body.request);
      break;
    case 'commitment-withdrawn':
      add('acceptance', envelope.body.acceptance);
      break;
    case 'random-reveal':
      add('commit', envelope.body.commit);
      break;
    case 'consultation':
      if ('previous' in envelope.body) add('previous', envelope.body.previous);
      break;
    case 'mission':
      if ('request' in envelope.body) add('request', envelope.body.request);
      if ('lists' in envelope.body) add('lists', envelope.body.lists);
      break;
    case 'sealed':
      add('keys', envelope.body.keys);
      break;
    case 'complaint':
      add('entry', envelope.body.entry);
      break;
  }
  return out;
}
