/**
 * Notifications, one schema per kind (the `kind` matches the rule's trigger: `movement`, `status-change` and
 * `activity` report an event; `concern` asks another party to explain unusual activity, and `explanation` answers a
 * concern), and acknowledgements of a notification.
 */
import { z } from 'zod';
import { Count, Id, Status, Timestamp, Uid } from '../common.js';
import { Area } from '../regime/sites-zones.js';
import { Text } from '../regime/text.js';
import { EntryRef } from './refs.js';

const ItemRef = z.strictObject({ uid: Uid, category: Id });

export const MovementNotification = z.strictObject({
  kind: z.literal('movement'),
  rule: Id,
  items: z.array(ItemRef).min(1, { error: 'expected at least one item' }),
  from: Id,
  to: Id,
  /** When the movement began (or begins). */
  at: Timestamp,
});

export const StatusChangeNotification = z.strictObject({
  kind: z.literal('status-change'),
  rule: Id,
  changes: z
    .array(z.strictObject({ uid: Uid, category: Id, from: Status, to: Status }))
    .min(1, { error: 'expected at least one change' }),
  site: Id.optional(),
  at: Timestamp,
});

export const ActivityNotification = z.strictObject({
  kind: z.literal('activity'),
  rule: Id,
  name: Text,
  start: Timestamp,
  end: Timestamp,
  zone: Id.optional(),
  area: Area.optional(),
  /** The largest number of each category involved at any time. */
  quantities: z
    .array(z.strictObject({ category: Id, quantity: Count }))
    .min(1, { error: 'expected at least one quantity' }),
  /**
   * Carried out without advance notice to the troops involved (Vienna Document 2011 ¶41): exempt from prior
   * notification where the rule says so (`withoutNotice`), and due when it begins instead.
   */
  withoutNotice: z.literal(true).optional(),
  /**
   * Participating states whose forces take part, besides the notifying state (the host, VD11 ¶38): the notification
   * covers them too.
   */
  participants: z.array(Id).min(1).optional(),
  /** Observers are invited (VD11 Ch. VI), as the rule's `observation` thresholds require. */
  observersInvited: z.literal(true).optional(),
  statement: Text.optional(),
});

/**
 * The annual calendar of activities subject to prior notification planned for `year` (VD11 Ch. VII), under an
 * activity rule with `calendar`.
 */
export const CalendarNotification = z.strictObject({
  kind: z.literal('calendar'),
  rule: Id,
  year: z.int().min(1900).max(9999),
  activities: z.array(
    z.strictObject({
      name: Text,
      start: Timestamp,
      end: Timestamp,
      zone: Id.optional(),
      quantities: z.array(z.strictObject({ category: Id, quantity: Count })).optional(),
    }),
  ),
});

export const ConcernNotification = z.strictObject({
  kind: z.literal('concern'),
  rule: Id,
  addressee: Id,
  statement: Text,
});

export const ExplanationNotification = z.strictObject({
  kind: z.literal('explanation'),
  rule: Id,
  concern: EntryRef,
  statement: Text,
});

export const NotificationBody = z.discriminatedUnion('kind', [
  MovementNotification,
  StatusChangeNotification,
  ActivityNotification,
  CalendarNotification,
  ConcernNotification,
  ExplanationNotification,
]);
export type NotificationBody = z.infer<typeof NotificationBody>;

export const AcknowledgementBody = z.strictObject({
  notification: EntryRef,
  note: Text.optional(),
});
export type AcknowledgementBody = z.infer<typeof AcknowledgementBody>;
