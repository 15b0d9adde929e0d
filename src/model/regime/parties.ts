/**
 * Parties, their logs and their keys. A key is bound to its party by the regime document itself: every party
 * signs the regime's hash, and the hash covers every public key, so a key nobody signed for cannot speak.
 */
import { z } from 'zod';
import { Id, PublicKey, Source } from '../common.js';
import { Text } from './text.js';

/**
 * What a key may sign: `declarant` the party's statements (declarations, notifications, acceptances, ...),
 * `inspector` inspection requests, reports and observations, `witness` cosignatures of other logs' checkpoints,
 * `log` the party's own checkpoints (C2SP signed notes whose key name is the log's origin), `mirror` cosignatures
 * saying the party's node durably holds a copy of another log up to a checkpoint (C2SP tlog-mirror; a key distinct
 * from the witness's, since the two cosignatures say different things).
 */
export const Role = z.enum(['declarant', 'inspector', 'witness', 'log', 'mirror']);
export type Role = z.infer<typeof Role>;

export const PartyKey = z.strictObject({
  id: Id,
  roles: z.array(Role).min(1, { error: 'expected at least one role' }),
  /**
   * Ed25519 public key, base64. May be left out of the file and supplied at load time (see parseRegime's `keys`);
   * the loaded regime, which is what gets hashed and signed, always has it.
   */
  publicKey: PublicKey.optional(),
});
export type PartyKey = z.infer<typeof PartyKey>;

/** A log origin (C2SP tlog-checkpoint): no whitespace and no '+', as it is also the log key's name. */
export const Origin = z
  .string()
  .regex(/^[\x21-\x2a\x2c-\x7e]{1,255}$/, { error: "expected a log origin: printable ASCII, no spaces or '+'" });

export const Party = z.strictObject({
  id: Id,
  name: Text,
  /** `party` undertakes and is bound; `observer` (NATO in the default scenario) observes, witnesses and signs. */
  status: z.enum(['party', 'observer']),
  origin: Origin,
  keys: z.array(PartyKey).min(1, { error: 'expected at least one key' }),
  /**
   * The zone that is the party's territory: an activity observed there is the host's to notify too (VD11 ¶38), with
   * the participating states whose forces take part.
   */
  territory: Id.optional(),
  source: Source.optional(),
});
export type Party = z.infer<typeof Party>;
