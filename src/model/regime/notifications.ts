/**
 * Notification rules: what triggers a notification, its deadline relative to the event, and whether and by when
 * the receivers acknowledge. Each party in `parties` notifies the others in `parties` (`all`: every participating
 * state, as the Vienna Document's notifications go to all 57).
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
 * A trigger's `zone` is the rule's zone of application. Activity rules may also ask for observers (`observation`),
 * an annual calendar (`calendar`) and constraints on large activities (`constraints`), VD11 Ch. VI–VIII; a rule's
 * `catalogue` places it in the treaty's catalogue of formats.
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
  /** `zone`: the zone of application; only a change whose site lies in it is notifiable. */
  z.strictObject({ kind: z.literal('movement'), categories: Categories, zone: Id.optional() }),
  z.strictObject({
    kind: z.literal('status-change'),
    categories: Categories,
    to: z.array(Status).min(1).optional(),
    zone: Id.optional(),
  }),
  z.strictObject({
    kind: z.literal('activity'),
    anyOf: z.array(Threshold).min(1, { error: 'expected at least one threshold' }),
    /**
     * Thresholds that decide only whether the air component is part of the notification (VD11 ¶40.1.3: 200 sorties
     * by aircraft); never whether the activity is notifiable.
     */
    air: z.array(Threshold).min(1).optional(),
    zone: Id.optional(),
    /**
     * Thresholds at or above which the notifying states invite observers (VD11 Ch. VI ¶47: 13,000 troops, 300
     * tanks, 500 ACVs or 250 artillery pieces; 3,500 airborne or amphibious troops); an activity notification that
     * reaches one without `observersInvited: true` is `observation.not-invited`.
     */
    observation: z.array(Threshold).min(1).optional(),
  }),
  z.strictObject({ kind: z.literal('concern') }),
]);
export type Trigger = z.infer<typeof Trigger>;

/**
 * A constraint's threshold: `atLeast` N, or `moreThan` N as VD11 Ch. VIII words it ("involving more than 40,000
 * troops or 900 battle tanks": an activity of exactly 40,000 troops is not counted).
 */
export const ConstraintThreshold = z
  .strictObject({
    category: Id,
    atLeast: z.int().positive({ error: 'expected a whole number ≥ 1' }).optional(),
    moreThan: z.int().nonnegative({ error: 'expected a whole number ≥ 0' }).optional(),
  })
  .superRefine((th, ctx) => {
    if ((th.atLeast === undefined) === (th.moreThan === undefined))
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of atLeast, moreThan' });
  });
export type ConstraintThreshold = z.infer<typeof ConstraintThreshold>;

/**
 * A constraint on notifiable activities (VD11 Ch. VIII): a party carries out at most `atMost` activities reaching
 * any of `anyOf` within `years` calendar years (1, or 3 consecutive), not counting those that reach any of `unless`
 * (the six a year "involving more than 13,000 troops or 300 battle tanks but not more than 40,000 troops or 900
 * battle tanks": `unless` the larger ones, which the one-in-three-years constraint counts); rule
 * `constraint.exceeded`.
 */
export const ActivityConstraint = z.strictObject({
  anyOf: z.array(ConstraintThreshold).min(1, { error: 'expected at least one threshold' }),
  unless: z.array(ConstraintThreshold).min(1).optional(),
  atMost: z.int().nonnegative({ error: 'expected a whole number ≥ 0' }),
  years: z.union([z.literal(1), z.literal(3)], { error: 'expected 1 or 3 (calendar years)' }),
  source: Source.optional(),
});
export type ActivityConstraint = z.infer<typeof ActivityConstraint>;

/**
 * Where a notification type sits in the treaty's catalogue of formats: a stable `number`, the `article` (or
 * format) it implements, and the `fields` its message carries. The title is the rule's `name`, in each language.
 */
export const CatalogueEntry = z.strictObject({
  number: z.int().positive({ error: 'expected a whole number ≥ 1' }),
  article: z.string().regex(/\S/, { error: 'expected the article or format' }).max(200),
  fields: z.array(Id).min(1, { error: 'expected at least one field' }),
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

/** `all`: every participating state (status `party`); observers are not bound. */
export const RuleParties = z.union([
  z.literal('all'),
  z.array(Id).min(2, { error: 'expected at least two parties (who notify whom), or "all"' }),
]);

export const NotificationRule = z.strictObject({
  id: Id,
  name: Text,
  parties: RuleParties,
  trigger: Trigger,
  deadline: exactlyOne({ before: Duration.optional(), after: Duration.optional() }),
  /** Receivers acknowledge within this period of the notification; no acknowledgement is due when absent. */
  acknowledge: z.strictObject({ within: Duration }).optional(),
  /**
   * Activity rules only: an activity notified as carried out without advance notice to the troops (Vienna Document
   * 2011 ¶41) is due `after` its start instead (PT0S: when the troops begin it); rule `notification.snap-late`.
   */
  withoutNotice: z.strictObject({ after: Duration }).optional(),
  /**
   * Activity rules only (VD11 Ch. VII): activities reaching `anyOf` (the trigger's thresholds when absent) must be
   * listed in the party's annual calendar for their year (a `calendar` notification under this rule, counted before
   * the activity starts); rule `calendar.not-listed`. Activities carried out without notice are exempt.
   */
  calendar: z.strictObject({ anyOf: z.array(Threshold).min(1).optional() }).optional(),
  /** Activity rules only: constraints on how many large activities a party carries out (VD11 Ch. VIII). */
  constraints: z.array(ActivityConstraint).min(1).optional(),
  catalogue: CatalogueEntry.optional(),
  /** Who reads these notifications and their acknowledgements (audience.ts); absent: public. */
  audience: Audience.optional(),
  source: Source.optional(),
});
export type NotificationRule = z.infer<typeof NotificationRule>;

/**
 * The parties a rule binds: its list, or with `all` every participating state (status `party`), in regime order.
 * Memoised per rule object, as the engine asks on every entry.
 */
export function ruleParties(
  regime: { parties: readonly { id: string; status: string }[] },
  rule: Pick<NotificationRule, 'parties'>,
): readonly string[] {
  if (rule.parties !== 'all') return rule.parties;
  let list = allParties.get(regime);
  if (!list) {
    list = regime.parties.filter((p) => p.status === 'party').map((p) => p.id);
    allParties.set(regime, list);
  }
  return list;
}
const allParties = new WeakMap<object, readonly string[]>();
