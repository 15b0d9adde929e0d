/**
 * A party signs a regime (or an amendment) by stating its hash in its own log. The regime enters into force when
 * every party listed in it has signed the same hash; the document itself is stored as a blob under that hash.
 */
import { z } from 'zod';
import { Hex32, Id } from '../common.js';

export const RegimeSignatureBody = z.strictObject({
  /** regimeHash(): SHA-256 of the regime's canonical JSON. */
  regime: Hex32,
  /** The regime's id and version, for people reading the log; the engine checks them against the document. */
  id: Id,
  version: z.int().positive(),
});
export type RegimeSignatureBody = z.infer<typeof RegimeSignatureBody>;
