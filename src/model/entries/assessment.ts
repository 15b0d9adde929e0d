/**
 * A party's own assessment of an incident the engine grouped (src/engine/incidents.ts). Compliance assessment is a
 * national act: the engine only supplies indicators; each party states its position in its own signed entry, and
 * the board shows every party's side by side.
 */
import { z } from 'zod';
import { Text } from '../regime/text.js';

/**
 * The positions a party may take. The wording is the party's, not the software's: `concern` and `non-compliance`
 * are what that party asserts, `no-concern` that it sees nothing to answer, `resolved` that the question is closed
 * for it, `insufficient-information` that the evidence does not let it judge.
 */
export const ASSESSMENT_POSITIONS = [
  'no-concern',
  'concern',
  'non-compliance',
  'resolved',
  'insufficient-information',
] as const;
export type AssessmentPosition = (typeof ASSESSMENT_POSITIONS)[number];

export const AssessmentBody = z.strictObject({
  /**
   * The incident, named by the id of any finding it groups (an incident's own id is `incident/` and its first
   * finding's id): finding ids are stable across runs, so the assessment still finds its incident if later findings
   * join it.
   */
  incident: z.string().min(1).max(512),
  position: z.enum(ASSESSMENT_POSITIONS),
  statement: Text,
});
export type AssessmentBody = z.infer<typeof AssessmentBody>;
