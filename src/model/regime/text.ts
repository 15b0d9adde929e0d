/**
 * Text a person reads (names, statements, descriptions) is given in English and Russian, both required: each
 * party reads the regime in its own language, and neither version is a translation left for later. Text is never
 * rewritten (not even trimmed), so that the regime's hash is the hash of what its authors wrote.
 */
import { z } from 'zod';

const Line = (language: string) =>
  z
    .string({ error: `expected the ${language} text` })
    .regex(/\S/, { error: `expected non-empty ${language} text` })
    .max(4000, { error: `expected ${language} text of at most 4000 characters` });

export const Text = z.strictObject({ en: Line('English'), ru: Line('Russian') });
export type Text = z.infer<typeof Text>;
