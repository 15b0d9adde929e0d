/**
 * Periodic data obligations: declarations each party in `parties` owes on a schedule, whatever happens. Each
 * occurrence has a data date (the `asOf` its declaration must carry): `first`, then every `every` after it (none
 * when absent: a one-off, such as New START's initial data 45 days after entry into force), up to `until`. Each is
 * due `after` its data date (New START's 6-monthly update: data as of 1 March and 1 September, within 30 days) or
 * `before` it (the Vienna Document's annual exchange, valid 1 January, due 15 December: before P17D).
 *
 * A declaration (plain or escrowed) with that `asOf` fulfils it; the engine reports `periodic.late` when the first
 * such declaration counts after the deadline, `periodic.missing` while none has counted by then.
 */
import { z } from 'zod';
import { Duration, exactlyOne, Id, IsoDate, Source } from '../common.js';
import { Text } from './text.js';

export const PeriodicObligation = z.strictObject({
  id: Id,
  name: Text,
  /** `all`: every participating state (status `party`). */
  parties: z.union([z.literal('all'), z.array(Id).min(1, { error: 'expected at least one party, or "all"' })]),
  /**
   * Fulfilled by an annual calendar under this activity rule (one with `calendar`) for the data date's year, not by
   * a declaration (VD11 Ch. VII: the calendar for the next year, due 15 November: `first: 2022-01-01, every: P1Y,
   * deadline: {before: P47D}`).
   */
  calendar: Id.optional(),
  first: IsoDate,
  every: Duration.optional(),
  until: IsoDate.optional(),
  deadline: exactlyOne({ before: Duration.optional(), after: Duration.optional() }),
  source: Source.optional(),
});
export type PeriodicObligation = z.infer<typeof PeriodicObligation>;
