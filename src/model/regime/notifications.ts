/**
 * Notification rules: what triggers a notification, its deadline relative to the event, and whether and by when
 * the receivers acknowledge. Each party in `parties` notifies the others in `parties`.
 *
 * Triggers:
 * - `movement`: an item of one of `categories` moves between sites (New START: within 5 days);
 * - `status-change`: an item of one of `categories` changes status (optionally only to `to`);
 * - `activity`: a military activity that at any time reaches any of the thresholds (Vienna Document 2011 Ch. V:
 *   9,000 troops, 250 battle tanks, 500 ACVs or 250 artillery pieces, notified 42 days ahead), optionally only
 *   within a zone (of application); `air` thresholds (200 sorties) only bring the air component in;
 * - `concern`: another party asks for an explanation of unusual activity (Vienna Document Ch. III §16); the
 *   addressee explains within the deadline.
 *
 * The deadline is `before` the event (prior notification) or `after` it.
 */
import { z } from 'zod';
import { Duration, exactlyOne, Id, Source, Status } from '../common.js';
import { Audience } from './audience.js';
import { Text } from './text.js';

const Categories = z.array(Id).min(1, { error: 'expected at least one category' });

export const Threshold = z.strictObject({
  category: Id,
  atLeast: z.int().positive({ error: 'expected a whole number ≥ 1' }),
});

export const Trigger = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('movement'), categories: Categories }),
  z.strictObject({ kind: z.literal('status-change'), categories: Categories, to: z.array(Status).min(1).optional() }),
  z.strictObject({
    kind: z.literal('activity'),
    anyOf: z.array(Threshold).min(1, { error: 'expected at least one threshold' }),
    /**
     * Thresholds that decide only whether the air component is part of the notification (VD11 ¶40.1.3: 200 sorties
     * by aircraft); never whether the activity is notifiable.
     */
    air: z.array(Threshold).min(1).optional(),
    zone: Id.optional(),
  }),
  z.strictObject({ kind: z.literal('concern') }),
]);
export type Trigger = z.infer<typeof Trigger>;

export const NotificationRule = z.strictObject({
  id: Id,
  name: Text,
  parties: z.array(Id).min(2, { error: 'expected at least two parties (who notify whom)' }),
  trigger: Trigger,
  deadline: exactlyOne({ before: Duration.optional(), after: Duration.optional() }),
  /** Receivers acknowledge within this period of the notification; no acknowledgement is due when absent. */
  acknowledge: z.strictObject({ within: Duration }).optional(),
  /**
   * Activity rules only: an activity notified as carried out without advance notice to the troops (Vienna Document
   * 2011 ¶41) is due `after` its start instead (PT0S: when the troops begin it); rule `notification.snap-late`.
   */
  withoutNotice: z.strictObject({ after: Duration }).optional(),
  /** Who reads these notifications and their acknowledgements (audience.ts); absent: public. */
  audience: Audience.optional(),
  source: Source.optional(),
});
export type NotificationRule = z.infer<typeof NotificationRule>;
