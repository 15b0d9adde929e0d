/**
 * Parties, their logs and their keys. A key is bound to its party by the regime document itself: every party
 * signs the regime's hash, and the hash covers every public key, so a key nobody signed for cannot speak.
 */
import { z } from 'zod';
import { Id, PublicKey, RecipientPublicKey, Source } from '../common.js';
import { Text } from './text.js';

/**
 * What a key may sign: `declarant` the party's statements (declarations, notifications, acceptances, ...),
 * `inspector` inspection requests, reports and observations, `witness` cosignatures of other logs' checkpoints,
 * `log` the party's own checkpoints (C2SP signed notes whose key name is the log's origin), `mirror` cosignatures
 * saying the party's node durably holds a copy of another log up to a checkpoint (C2SP tlog-mirror; a key distinct
 * from the witness's, since the two cosignatures say different things), `recipient` an X-Wing key that audience keys of
confidential entries are wrapped for (issue 14; never signs, so it holds no other role).
 */
export const Role = z.enum(['declarant', 'inspector', 'witness', 'log', 'mirror', 'recipient']);
export type Role = z.infer<typeof Role>;

const RECIPIENT_KEY_CHARS = 1624;

export const PartyKey = z.strictObject({
  id: Id,
  roles: z.array(Role).min(1, { error: 'expected at least one role' }),
  /**
   * Ed25519 public key, base64. May be left out of the file and supplied at load time (see parseRegime's `keys`);
   * the loaded regime, which is what gets hashed and signed, always has it. A `recipient` key is an X-Wing
   * encapsulation key (1,216 bytes) instead.
   */
  publicKey: z
    .string()
    .superRefine((value, ctx) => {
      // 1,624 characters: an X-Wing key; anything else is read as an Ed25519 key, whose error message it gets.
      const parsed = (value.length === RECIPIENT_KEY_CHARS ? RecipientPublicKey : PublicKey).safeParse(value);
      if (!parsed.success) ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid key' });
    })
    .optional(),
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
