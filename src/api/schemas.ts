/** Response schemas that more than one group of routes answers with (OpenAPI and serialisation). */
import { z } from 'zod';

/** Every refusal under /api: `{ error: { code, message, path? } }`. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), path: z.string().optional() }),
});

/** A submission's receipt: the entry's place in the log and its inclusion proof against a signed checkpoint. */
export const Receipt = z.object({
  origin: z.string(),
  index: z.number(),
  leafHash: z.string(),
  checkpoint: z.string(),
  size: z.number(),
  proof: z.array(z.string()),
});
