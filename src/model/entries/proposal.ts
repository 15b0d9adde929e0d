/**
 * A proposal tabled in a negotiation forum (issue 15): the document recorded by hash, as a blob (the US and NATO
 * answers of 26 January 2022, Russia's drafts of 17 December 2021), and, when the proposal can be written in the
 * regime language, a draft regime (detente-regime/1) by hash too, which `detente regime diff` compares with the
 * regime in force. The entry commits the party to the bytes it tabled; anyone holding the document can check it.
 */
import { z } from 'zod';
import { Id, Timestamp } from '../common.js';
import { Text } from '../regime/text.js';
import { BlobRef } from './refs.js';

export const ProposalBody = z.strictObject({
  /** The forum it was tabled in (a regime forum), and the track it belongs to, if one. */
  forum: Id,
  track: Id.optional(),
  title: Text,
  /** When it was tabled: a proposal may be recorded after the event. */
  tabled: Timestamp,
  /** The document, by SHA-256. */
  document: BlobRef,
  /** The proposal as a draft regime (YAML or JSON, detente-regime/1), by SHA-256. */
  draft: BlobRef.optional(),
});
export type ProposalBody = z.infer<typeof ProposalBody>;
