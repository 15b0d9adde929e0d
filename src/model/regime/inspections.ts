/**
 * Inspection types: who may inspect whom (`pairs`), where (site kinds, or listed sites, optionally a subset of
 * `selection.count` chosen by the inspector or by a joint random draw), how many per period (the quota is per
 * inspector-host pair, for each period of length `quota.period` counted from `quota.anchor`), the notice the
 * inspectors give before arrival, the longest duration, and what they verify:
 * - `declared-items`: that declared items of these categories are present, by unique identifier (and, for listed
 *   attributes such as `warheads`, that the declared value is right);
 * - `absence`: that no item of these categories is at the site (the Tomahawk transparency mechanism);
 * - `configuration`: that what is at the site has the expected attributes (Deveselu: three Mk 41 modules, 24 cells,
 *   no Tomahawk fire control, SM-3 canisters only), where absence would be false (the launchers are there).
 */
import { z } from 'zod';
import { Count, Duration, exactlyOne, Id, IsoDate, Source } from '../common.js';
import { Audience } from './audience.js';
import { Text } from './text.js';

const Categories = z.array(Id).min(1, { error: 'expected at least one category' });

/** An attribute's value in a configuration: a count, yes or no, a word, or a set of words (compared as a set). */
export const ConfigurationValue = z.union([z.int().nonnegative(), z.boolean(), Id, z.array(Id).min(1)]);
export type ConfigurationValue = z.infer<typeof ConfigurationValue>;

export const Verification = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('declared-items'), categories: Categories, attributes: z.array(Id).optional() }),
  /**
   * `types`: only these agreed types must be absent (the 9M729, where the 9M728 of the same launchers may be there);
   * the report says which type it looked for.
   */
  z.strictObject({ kind: z.literal('absence'), categories: Categories, types: z.array(Id).min(1).optional() }),
  z.strictObject({
    kind: z.literal('configuration'),
    categories: Categories,
    expected: z
      .array(z.strictObject({ attribute: Id, value: ConfigurationValue }))
      .min(1, { error: 'expected at least one attribute' }),
  }),
]);
export type Verification = z.infer<typeof Verification>;

export const InspectionType = z.strictObject({
  id: Id,
  name: Text,
  pairs: z.array(z.strictObject({ inspector: Id, host: Id })).min(1, { error: 'expected at least one pair' }),
  where: exactlyOne({
    siteKinds: z.array(Id).min(1).optional(),
    sites: z.array(Id).min(1).optional(),
  }),
  selection: z
    .strictObject({
      count: z.int().positive(),
      by: z.enum(['inspector', 'joint-draw']),
    })
    .optional(),
  /**
   * `count` per inspector-host pair; `perHost`, the host's passive quota, from all inspectors together (VD11 Ch. IX:
   * at most 3 inspections a calendar year, and with `count: 1` at most one from the same inspecting state). A request
   * beyond either is the requester's finding and consumes neither.
   */
  quota: z.strictObject({
    count: Count,
    period: Duration,
    anchor: IsoDate,
    perHost: Count.optional(),
    /**
     * The host's passive quota derived from what it reported (VD11 ¶109, evaluation visits): one per `per` units of
     * `category` in its declaration in effect, or part thereof, at most `atMost`; with `fromOneShare: 5`, at most a
     * fifth of that quota (rounded down, at least one) from the same inspecting state.
     */
    fromUnits: z
      .strictObject({
        category: Id,
        per: z.int().positive(),
        atMost: Count.optional(),
        fromOneShare: z.int().positive().optional(),
      })
      .optional(),
  }),
  notice: Duration,
  /** The longest time on site (VD11 Ch. IX: 48 hours); beyond it, `inspection.overran`. */
  duration: Duration,
  /**
   * The host's time limits (VD11 Ch. IX): `reply`, how long after the request counts the host may refuse it (a later
   * refusal is `inspection.reply-late`); `entry`, how long after the request the inspectors must be let in (a report
   * starting later, and later than the arrival requested, is `inspection.entry-late`). `regime check` refuses an
   * `entry` shorter than the `notice`, which no request could meet.
   */
  timeLimits: z.strictObject({ reply: Duration.optional(), entry: Duration.optional() }).optional(),
  verifies: z.array(Verification).min(1, { error: 'expected at least one verification' }),
  maxInspectors: z.int().positive().optional(),
  /** Who reads these requests and reports (audience.ts); absent: public. */
  audience: Audience.optional(),
  source: Source.optional(),
});
export type InspectionType = z.infer<typeof InspectionType>;
