/**
 * De-escalation metrics ("verifiable, timely and permanent"): a quantity of one party's forces in a zone must be
 * at most `target.atMost` by `deadline` (timely) and stay so for `holdFor` (lasting), shown by evidence
 * (verifiable): the party's own declarations if `declarations` is set, plus observations from at least
 * `minSources` independent sources (distinct parties among `sources`, or every other party when absent) whose
 * values agree within `tolerance` (relative, 0.1 = 10 %).
 */
import { z } from 'zod';
import { Count, Duration, Id, IsoDate, Source } from '../common.js';
import { Counted } from './categories.js';
import { Text } from './text.js';

export const Metric = z.strictObject({
  id: Id,
  name: Text,
  party: Id,
  zone: Id,
  counts: Counted,
  target: z.strictObject({ atMost: Count }),
  deadline: IsoDate,
  holdFor: Duration,
  evidence: z.strictObject({
    declarations: z.boolean(),
    minSources: z.int().positive({ error: 'expected at least 1 source' }),
    tolerance: z.number().min(0).max(1, { error: 'expected a relative tolerance between 0 and 1' }),
    sources: z.array(Id).min(1).optional(),
  }),
  source: Source.optional(),
});
export type Metric = z.infer<typeof Metric>;
